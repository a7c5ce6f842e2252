"""The PDF edition: the report's pages as one HTML document, laid out by WeasyPrint in one pass.

The host passes the pages in the report's order (it knows the navigation; the core does not). Each
page is compiled as for the site (:mod:`..compile.compiler`), so citations, quotes and cross-references
render identically, then rendered as the standard Markdown it becomes. Only links change: the compile step
runs :mod:`.pdflinks`, which turns every link between pages into an internal link ``#<page>--<anchor>``
and prefixes every id with its page's id, so that ids stay unique in the one document.

Citations are author–year, each linked to its entry in the References chapter (no page-foot notes:
WeasyPrint 70 misplaces them, and drops some when the footnote area has a top border and padding).

Reproducible: dates come from ``SOURCE_DATE_EPOCH`` (UTC), fonts are the project's own
(``generator/outputs/fonts/``), and nothing in the PDF depends on the folder, time zone or locale. So a PDF
laid out once can be reused while its inputs stay the same (:mod:`.pdfcache`, ``build_pdf(cache=…)``).
WeasyPrint lays it out in :mod:`.layout`, in a worker process of its own (:mod:`.pdfworker`).

Every page's HTML goes through the sanitiser (:mod:`.sanitize`) before WeasyPrint sees it; what it would
remove is an error, as on the site.

Exceptions::

    BuildError    a page renders with a problem, names what the PDF must not load, attach or link to
                  (:mod:`.pdfpolicy`; at the page's line), or WeasyPrint warns (a missing anchor, a
                  font that cannot be loaded): the PDF is strict like the site, and nothing is written
"""

from __future__ import annotations

import html
import posixpath
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urljoin, urlsplit

import jinja2
from markdown import Markdown

from . import pdfcache, pdfworker
from ..common import release
from ..common.diagnostics import BuildError, Diagnostic
from ..common.limits import exhausted
from ..compile.compiler import Compiler
from ..compile.htmlcheck import diagnostics as html_problems
from ..compile.render import page_markdown
from ..compile.templating import REQUIRED_EXTENSIONS
from ..compile.sanitize import clean
from ..knowledge.model import KnowledgeBase
from ..knowledge.publication import MONTHS, OGL_URL, month_year, publication_details
from .pdfcache import PdfCache
from .pdflinks import Heading, PdfExtension, PdfRenderState, global_id, page_id
from .pdfworker import FONTS_DIR, WRITE_OPTIONS
from .refusals import Refusal, Refused

# The site's Python-Markdown extensions, less those that only style code blocks on the site (code is
# still fenced as there: HTML shown in a code block stays text).
BASE_EXTENSIONS = tuple(dict.fromkeys(("toc", "attr_list", "md_in_html", "tables", "admonition", "fenced_code",
                                       *REQUIRED_EXTENSIONS)))
# What the compiled pages need: their headings' ids.
COMPILED_EXTENSIONS = ("attr_list",)
PAGE_REFERENCES_ID = "references-on-this-page"  # the per-page reference list (compile/pagerefs.py)

SUBJECT = ("Year 3 thematic case study of the evaluation of police and fire reform in Scotland: "
           "partnership working, innovation and prevention in Police Scotland and the Scottish Fire "
           "and Rescue Service.")
KEYWORDS = ("police and fire reform", "Police Scotland", "Scottish Fire and Rescue Service", "partnership",
            "innovation", "prevention", "public service reform", "evaluation", "Scotland")


@dataclass
class RenderedPage:
    page: str
    id: str
    kind: str  # "chapter" | "vignette" | "generated"
    title: str
    html: str
    headings: list[Heading] = field(default_factory=list)


@dataclass
class ContentsEntry:
    id: str
    text: str
    children: list[ContentsEntry] = field(default_factory=list)


@dataclass(frozen=True)
class PdfResult:
    path: Path
    pages: int | None  # None when reused: the cache keeps the file only
    bytes: int
    seconds: float
    reused: Path | None = None  # the cache entry copied, when the PDF was not laid out again


def render_page(kb: KnowledgeBase, page: str, in_pdf: frozenset[str]) -> RenderedPage:
    """One page's HTML, rendered as on the site, with the PDF's links and ids."""
    state = PdfRenderState(kb, page=page, in_pdf=in_pdf)
    markdown = page_markdown(kb, page, site_extras=False, links=state)
    doc = kb.documents.get(page)
    if markdown is None:
        if doc is None:
            raise BuildError([Diagnostic(page, None, "is not a page of the report — it is neither a Markdown "
                                         "file nor a generated page; remove it from the PDF's pages.",
                                         "pdf.unknown-page")])
        markdown = doc.body
    headings: list[Heading] = []
    kind = doc.kind if doc is not None else "generated"
    compiler = Compiler(kb, BASE_EXTENSIONS, links=None, state=state,
                        extra=[PdfExtension(state, headings, demote=int(kind == "vignette"))])
    try:
        compiled = compiler.compile(page, markdown)
        # WeasyPrint sees only what a page may hold.
        html = clean(Markdown(extensions=COMPILED_EXTENSIONS).convert(compiled.markdown))
    except (RecursionError, MemoryError) as exc:
        raise BuildError([Diagnostic(doc.file if doc else page, None, exhausted(exc, "rendering"),
                                     "limit.resources")]) from None
    if compiled.problems or compiled.unsafe:
        raise BuildError([Diagnostic(doc.file if doc else page, None, p, "pdf.render") for p in compiled.problems]
                         + html_problems(kb, page, compiled.unsafe))
    title = next((h.text for h in headings if h.level == 1), doc.title if doc else page)
    return RenderedPage(page, page_id(page), kind, title, html, headings)


def nested(pages: list[RenderedPage]) -> list[tuple[RenderedPage, list[RenderedPage]]]:
    """The pages, each with the vignettes that follow it (the annex, which introduces them, holds them)."""
    sections: list[tuple[RenderedPage, list[RenderedPage]]] = []
    for p in pages:
        if p.kind == "vignette" and sections:
            sections[-1][1].append(p)
        else:
            sections.append((p, []))
    return sections


def contents(pages: list[RenderedPage]) -> list[ContentsEntry]:
    """Chapters with their sections; vignettes under the annex that introduces them."""
    entries: list[ContentsEntry] = []
    for p in pages:
        h1 = next((h for h in p.headings if h.level == 1), None)
        if h1 is None:
            continue
        entry = ContentsEntry(h1.id, h1.text)
        if p.kind == "chapter":
            entry.children = [ContentsEntry(h.id, h.text) for h in p.headings
                              if h.level == 2 and h.id != global_id(p.page, PAGE_REFERENCES_ID)]
        if p.kind == "vignette" and entries:
            entries[-1].children.append(entry)
        else:
            entries.append(entry)
    return entries



def _now() -> datetime:
    return datetime.now(timezone.utc)


def _moment(epoch: int | None) -> datetime:
    if epoch is None:
        return _now().replace(microsecond=0)
    return datetime.fromtimestamp(epoch, timezone.utc)


def _long_date(moment: datetime) -> str:
    """'28 February 2018', whatever the locale."""
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("generator.outputs", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass(frozen=True)
class PdfDocument:
    """The report's pages rendered for the PDF, with the cover's and back matter's details; the
    document's HTML for a given build moment is :meth:`html`."""

    context: dict

    def html(self, moment: datetime) -> str:
        return environment().get_template("report.html.j2").render(
            **self.context,
            build_date=_long_date(moment),
            timestamp=moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        )


def render_document(kb: KnowledgeBase, pages: list[str], *, details_page: str = "about.md") -> PdfDocument:
    """Every page of the PDF rendered (the slow part), ready to be dated with :meth:`PdfDocument.html`."""
    in_pdf = frozenset(pages)
    rendered = [render_page(kb, p, in_pdf) for p in pages]
    details, copyright_line = publication_details(kb, details_page)
    pub = kb.publication
    title = pub.title if pub else (rendered[0].title if rendered else "Report")
    return PdfDocument(dict(
        title=title,
        details=details,
        series=pub.series[0] if pub and pub.series else "",
        authors=list(pub.authors) if pub else [],
        organisations=details.get("Authors", ""),
        published=month_year(pub) if pub else "",
        copyright=copyright_line,
        subject=SUBJECT,
        keywords=KEYWORDS,
        ogl_url=OGL_URL,
        version=release.version(),
        pages=rendered,
        sections=nested(rendered),
        contents=contents(rendered),
        fonts=FONTS_DIR.as_uri() + "/",
    ))


def _sources_of(refusal: Refusal, kb: KnowledgeBase, document: PdfDocument, where: str) -> list[Diagnostic]:
    """The refusal's diagnostic on every line of the sources that names its target, else on each page that
    shows it, else on ``where``.

    WeasyPrint saw the target resolved against the fonts' folder, so a relative URL is also looked for as it
    is written there (``../../secret``)."""
    written = {refusal.target, unquote(refusal.target)}
    base = urlsplit(FONTS_DIR.as_uri() + "/").path
    if refusal.target.startswith("file:"):
        written.add(posixpath.relpath(unquote(urlsplit(refusal.target).path), unquote(base)))
    names = re.compile("|".join(re.escape(w) for w in sorted(written, key=len, reverse=True) if w) or "(?!)")
    found = []
    for page in document.context["pages"]:
        doc = kb.documents.get(page.page)
        text = doc.body.splitlines() if doc else []
        lines = sorted({doc.body.count("\n", 0, m.start()) for m in names.finditer(doc.body)} if doc else ())
        if not lines and refusal.target.startswith("file:"):  # written another way: '../../../x', '/x'
            lines = [n for n, line in enumerate(text) if _names_file(line, refusal.target)]
        # The same address as an attachment and as an image: each problem on its own lines.
        attaching = [n for n in lines if "attachment" in text[n].lower()]
        lines = (attaching if refusal.kind == "attachment" else [n for n in lines if n not in attaching]) or lines
        found += [refusal.diagnostic(doc.file, doc.body_line + n) for n in lines]
        if not lines and any(html.escape(w) in page.html for w in written if w):
            found.append(refusal.diagnostic(doc.file if doc else page.page))
    return found or [refusal.diagnostic(where)]


_ADDRESS_RE = re.compile(r"""[^\s"'()<>]*/[^\s"'()<>]*""")


def _names_file(line: str, target: str) -> bool:
    """Whether an address on ``line``, resolved as WeasyPrint resolved it (against the fonts' folder), is
    ``target``."""
    base = FONTS_DIR.as_uri() + "/"
    for address in _ADDRESS_RE.findall(line):
        try:
            if urljoin(base, html.unescape(address)) == target:
                return True
        except ValueError:  # not an address urljoin can read
            continue
    return False


def render_html(kb: KnowledgeBase, pages: list[str], *, details_page: str = "about.md",
                epoch: int | None = None) -> str:
    """The whole PDF as one HTML document: cover, contents, the pages in order, back matter."""
    return render_document(kb, pages, details_page=details_page).html(_moment(epoch))


def build_pdf(kb: KnowledgeBase, pages: list[str], out: Path | str, *, details_page: str = "about.md",
              epoch: int | None = None, cache: PdfCache | None = None,
              layout: Callable[[str, Path], int] | None = None) -> PdfResult:
    """Write the PDF of ``pages`` (site paths, in the report's order) to ``out``.

    ``details_page`` gives the cover's and back matter's publication details; ``epoch`` (default:
    ``SOURCE_DATE_EPOCH``, else now) dates the build. With a ``cache``, a PDF laid out before from the
    same inputs is copied instead of laid out again, and a new one is kept for next time. ``layout``
    lays the PDF out and writes it (default: :func:`.pdfworker.write_pdf`, a worker started for it; e.g.
    :meth:`.pdfworker.LayoutWorker.write_pdf`, one started earlier).

    Without ``SOURCE_DATE_EPOCH`` the PDF is dated to the second, which would make every build's key
    new: its key takes the day only (the date the PDF prints), so a PDF laid out earlier the same day is
    reused, with the time it was made in its metadata.
    """
    started = time.perf_counter()
    out = Path(out)
    if epoch is None:
        epoch = release.source_date_epoch()
    document = render_document(kb, pages, details_page=details_page)
    moment = _moment(epoch)
    html = document.html(moment)
    key = None
    if cache is not None:
        keyed = html if epoch is not None else document.html(moment.replace(hour=0, minute=0, second=0))
        key = pdfcache.key(keyed, FONTS_DIR, WRITE_OPTIONS)
        if cache.fetch(key, out):
            return PdfResult(out, None, out.stat().st_size, time.perf_counter() - started, reused=cache.entry(key))
    try:
        n = (layout or pdfworker.write_pdf)(html, out)
    except Refused as exc:
        located = {d for r in exc.refusals for d in _sources_of(r, kb, document, exc.where)}
        raise BuildError([*sorted(located, key=lambda d: (d.path, d.line or 0, d.code)), *exc.others]) from None
    if cache is not None:
        cache.store(key, out)
    return PdfResult(out, n, out.stat().st_size, time.perf_counter() - started)
