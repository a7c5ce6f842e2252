"""Citations of the report and of its parts, made from the publication record (:mod:`..knowledge.publication`):
the formatted reference (Harvard, Cite Them Right, by the project's pybtex style), and the files a reader's
reference manager imports — BibTeX (pybtex's writer), RIS (rispy) and CSL-JSON — published as
``downloads/cite/<page>.bib|.ris|.json``.

The About page cites the whole report; a chapter, the Annex, a vignette or a lesson cites itself as a part of
it (``'Vignette I: …', in *Evaluation of …*``). A URL is given only when the site's address is known.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass

import latexcodec  # noqa: F401 (registers the "ulatex" codec)
import rispy
from pybtex.database import BibliographyData, Entry, Person
from pybtex.database.output.bibtex import Writer

from ..knowledge.citations import AuthorYearStyle
from ..knowledge.model import KnowledgeBase, Lesson, Publication
from ..knowledge.publication import DETAILS_PAGE, MONTHS
from ..knowledge.sitemap import DOWNLOADS, REPORT_CHAPTERS, VIGNETTES_INDEX, public_url, site_url

FOLDER = f"{DOWNLOADS}/cite"
# Each download: its extension, its media type, and what the page calls it.
FORMATS = (
    ("bib", "application/x-bibtex", "BibTeX", "for LaTeX, JabRef and most reference managers"),
    ("ris", "application/x-research-info-systems", "RIS", "for Zotero, EndNote, Mendeley and RefWorks"),
    ("json", "application/vnd.citationstyles.csl+json", "CSL-JSON", "for Zotero, Pandoc and citeproc"),
)


@dataclass(frozen=True)
class Cite:
    """How one page cites the report: the whole of it (``part`` empty) or a part."""

    page: str
    key: str  # the BibTeX key and CSL id
    part: str  # the part's title, plain text ("" for the whole report)
    url: str | None  # the page's address, when the site's is known
    pub: Publication

    @property
    def name(self) -> str:
        """The downloads' name: ``'vignettes-road-safety'``."""
        return site_url(self.page).strip("/").replace("/", "-") or "report"


def lesson_of(kb: KnowledgeBase, page: str) -> Lesson | None:
    """The lesson whose own page ``page`` is (``lessons/<slug>.md``)."""
    lesson = kb.lessons.get("lesson:" + page.removeprefix("lessons/").removesuffix(".md"))
    return lesson if lesson is not None and lesson.page == page else None


def part_of(kb: KnowledgeBase, page: str) -> str | None:
    """The title of the part of the report ``page`` cites ("" for the whole report, on the About page); None
    for a page without "Cite this" (every page, without a publication record)."""
    if kb.publication is None:
        return None
    doc = kb.documents.get(page)
    if doc is not None:
        if page == DETAILS_PAGE:
            return ""
        return doc.title if page in REPORT_CHAPTERS or page == VIGNETTES_INDEX or doc.kind == "vignette" else None
    lesson = lesson_of(kb, page)
    return lesson.label if lesson is not None else None


def citable(kb: KnowledgeBase) -> list[str]:
    """The pages that carry "Cite this": the About page, the report's chapters and Annex, every vignette and
    every lesson."""
    pages = [*kb.documents, *(lesson.page for lesson in kb.lessons.values())]
    return [page for page in pages if part_of(kb, page) is not None]


def cite_of(kb: KnowledgeBase, page: str, root_url: str | None) -> Cite | None:
    part = part_of(kb, page)
    if part is None:
        return None
    pub = kb.publication
    key = re.sub(r"[^a-z0-9]+", "", pub.authors[0].lower()) + str(pub.year)
    if part:
        key += "-" + re.sub(r"[^a-z0-9]+", "-", page.removesuffix(".md").lower()).strip("-")
    return Cite(page, key, part, public_url(page, root_url) if root_url else None, pub)


def _latex(text: str) -> str:
    """Plain text as a BibTeX field (the record holds no braces or backslashes: its check refuses them)."""
    return codecs.encode(text, "ulatex+utf8")


def entry(cite: Cite) -> Entry:
    """The citation as a BibTeX entry: ``@techreport`` for the report, ``@incollection`` for a part of it."""
    pub = cite.pub
    fields = {"title": cite.part or pub.title, "year": str(pub.year), "address": pub.place, "isbn": pub.isbn,
              "issn": pub.issn, "series": "; ".join(pub.series), "language": pub.language, "url": cite.url or ""}
    if pub.month:
        fields["month"] = MONTHS[pub.month - 1]
    if cite.part:
        fields.update(booktitle=pub.title, publisher=pub.publisher)
    else:
        fields["institution"] = pub.publisher
    persons = {"author": [Person("{%s}" % _latex(a)) for a in pub.authors]}  # organisations: never "Last, F."
    return Entry("incollection" if cite.part else "techreport",
                 fields={k: (v if k == "url" else _latex(v)) for k, v in fields.items() if v}, persons=persons)


def formatted(cite: Cite):
    """The reference, Harvard (Cite Them Right), as pybtex's rich text: the title of the whole in italics."""
    shown = entry(cite)
    shown.key = cite.key
    return AuthorYearStyle().format_entry(cite.key, shown).text


class _BibTeXWriter(Writer):
    """pybtex's writer, given fields already in LaTeX (:func:`_latex`): it does not encode them again."""

    def _encode(self, text):
        return text


def bibtex(cite: Cite) -> str:
    return _BibTeXWriter().to_string(BibliographyData({cite.key: entry(cite)}))


class _RisWriter(rispy.RisWriter):
    """rispy's writer without its numbered line before each reference, which RIS does not have."""

    def set_header(self, count):
        return ""


def ris(cite: Cite) -> str:
    pub = cite.pub
    ref = {"type_of_reference": "CHAP" if cite.part else "RPRT", "authors": list(pub.authors),
           "title": cite.part or pub.title, "secondary_title": pub.title if cite.part else "",
           "tertiary_title": "; ".join(pub.series), "year": str(pub.year),
           "date": f"{pub.year}/{pub.month:02d}//" if pub.month else "", "publisher": pub.publisher,
           "place_published": pub.place, "issn": pub.isbn, "language": pub.language,
           "urls": [cite.url] if cite.url else []}
    return _RisWriter().formats([{k: v for k, v in ref.items() if v}])


def csl(cite: Cite) -> list[dict]:
    """The citation as CSL-JSON (an array of one item), as the CSL data schema describes it."""
    pub = cite.pub
    item = {"id": cite.key, "type": "chapter" if cite.part else "report", "title": cite.part or pub.title,
            "container-title": pub.title if cite.part else "", "collection-title": "; ".join(pub.series),
            "author": [{"literal": a} for a in pub.authors],
            "issued": {"date-parts": [[pub.year, pub.month] if pub.month else [pub.year]]},
            "publisher": pub.publisher, "publisher-place": pub.place, "ISBN": pub.isbn, "ISSN": pub.issn,
            "language": pub.language, "URL": cite.url or ""}
    return [{k: v for k, v in item.items() if v}]


def cite_files(kb: KnowledgeBase, root_url: str | None) -> dict[str, bytes]:
    """Every citation download by its path under the site (``'downloads/cite/about.bib'``)."""
    files = {}
    for page in citable(kb):
        cite = cite_of(kb, page, root_url)
        texts = (bibtex(cite), ris(cite), json.dumps(csl(cite), ensure_ascii=False, indent=2) + "\n")
        for (ext, *_), text in zip(FORMATS, texts, strict=True):
            files[f"{FOLDER}/{cite.name}.{ext}"] = text.encode("utf-8")
    return dict(sorted(files.items()))
