"""What every page says about itself to machines, and its "Cite this": computed here for any host, printed by
the theme (``partials/citation-meta.html``, ``partials/cite.html``) from the page's metadata (``report_meta``).

- Highwire Press ``citation_*`` tags (what Google Scholar and Zotero read), the report's on every page;
- schema.org ``Report`` as JSON-LD, its text escaped so that nothing in it can close the ``<script>`` element;
- Open Graph's title, type and description; the page's own description (its front matter's, else the start of
  its first paragraph);
- on the pages that cite a part of the report (:func:`.cite.citable`), the formatted reference and the
  downloads.

Absolute URLs (``citation_pdf_url``, the JSON-LD's) only when the site's address (``site_url``) is known.
"""

from __future__ import annotations

import json
import re

from pybtex.backends.html import Backend as HtmlBackend

from ..compile.render import page_markdown
from ..knowledge.lessonlinks import plain_text
from ..knowledge.model import KnowledgeBase
from ..knowledge.publication import DETAILS_PAGE, OGL_URL
from ..knowledge.sitemap import HOME, generated_page_titles, public_url
from . import cite as citing

DESCRIPTION_CHARS = 160  # what search engines show of a description
_LINK_RE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_TAG_RE = re.compile(r"<[^>]*>")
# Blocks that are not running text: headings, HTML, tables, attribute lists, fences, definitions, admonitions.
_NOT_TEXT = ("#", "<", "|", "{", "```", "~~~", ":", "!!!", "[^")
# In a <script> element, what could end it or start a comment; JSON reads the escapes as the same characters.
_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}


class _Html(HtmlBackend):
    """pybtex's HTML, without the span it puts around text protected by braces (the organisations' names)."""

    def format_protected(self, text):
        return text


def description(kb: KnowledgeBase, page: str, markdown: str) -> str:
    """The page's own description: its front matter's, else the first paragraph of ``markdown`` as plain text,
    cut at a word to about DESCRIPTION_CHARS characters."""
    doc = kb.documents.get(page)
    if doc is not None and isinstance(doc.meta.get("description"), str):
        return doc.meta["description"]
    for block in re.split(r"\n\s*\n", markdown):
        block = block.strip()
        if block and not block.startswith(_NOT_TEXT):
            text = plain_text(_TAG_RE.sub("", _LINK_RE.sub(r"\1", block)))
            if text:
                return text if len(text) <= DESCRIPTION_CHARS else text[:DESCRIPTION_CHARS].rsplit(" ", 1)[0] + "…"
    return ""


def _own_words(kb: KnowledgeBase, page: str, generated: str | None) -> tuple[str, str]:
    """The page's title as plain text, and the Markdown its description comes from: an author's page's own
    text, a lesson's words as the Conclusions state them, or a generated page as generated (``generated``, or
    rendered here)."""
    doc = kb.documents.get(page)
    if doc is not None:
        return plain_text(doc.title), doc.body
    lesson = citing.lesson_of(kb, page)
    if lesson is not None:
        return plain_text(lesson.label), lesson.markdown
    markdown = (page_markdown(kb, page) or "") if generated is None else generated
    return plain_text(generated_page_titles(kb).get(page, "")), markdown


def script_json(data) -> str:
    """``data`` as JSON to print inside a ``<script>`` element as it is."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return re.sub("[<>&]", lambda m: _SCRIPT_ESCAPES[m[0]], text)


def json_ld(kb: KnowledgeBase, root_url: str | None, pdf: str | None) -> dict:
    """The report as a schema.org ``Report``."""
    pub = kb.publication
    report = {
        "@context": "https://schema.org", "@type": "Report", "name": pub.title, "datePublished": pub.date,
        "author": [{"@type": "Organization", "name": a} for a in pub.authors],
        "publisher": {"@type": "Organization", "name": pub.publisher, "location": pub.place},
        "license": OGL_URL,
    }
    if pub.isbn:
        report["identifier"] = {"@type": "PropertyValue", "propertyID": "ISBN", "value": pub.isbn}
    if pub.series or pub.issn:
        report["isPartOf"] = {"@type": "CreativeWorkSeries", **({"name": "; ".join(pub.series)} if pub.series else {}),
                              **({"issn": pub.issn} if pub.issn else {})}
    if pub.language:
        report["inLanguage"] = pub.language
    if root_url and DETAILS_PAGE in kb.documents:
        report["url"] = public_url(DETAILS_PAGE, root_url)
    if root_url and pdf:
        report["encoding"] = {"@type": "MediaObject", "contentUrl": _absolute(pdf, root_url),
                              "encodingFormat": "application/pdf"}
    return report


def _absolute(path: str, root_url: str) -> str:
    return root_url.rstrip("/") + "/" + path


def page_metadata(kb: KnowledgeBase, page: str, root_url: str | None = None, pdf: str | None = None,
                  generated: str | None = None) -> dict:
    """What the theme prints for ``page``: ``description``, and with a
    publication record ``highwire`` and ``open_graph`` ([name, content] pairs, in order: a name may repeat),
    ``json_ld`` (ready to print), and on a citable page ``cite`` (``reference``, HTML, and ``downloads``).
    ``pdf``: the PDF's path under the site, when there is one; ``generated``: a generated page's Markdown,
    when the caller has rendered it already."""
    title, markdown = _own_words(kb, page, generated)
    meta = {"description": description(kb, page, markdown)}
    pub = kb.publication
    if pub is None:
        return meta
    highwire = [
        ("citation_title", pub.title), *(("citation_author", a) for a in pub.authors),
        ("citation_publication_date", pub.date.replace("-", "/")),
        ("citation_technical_report_institution", pub.publisher), ("citation_isbn", pub.isbn),
        ("citation_issn", pub.issn), ("citation_language", pub.language),
        ("citation_pdf_url", _absolute(pdf, root_url) if root_url and pdf else ""),
    ]
    meta["highwire"] = [[name, value] for name, value in highwire if value]
    open_graph = [("og:title", title), ("og:type", "website" if page == HOME else "article"),
                  ("og:description", meta["description"])]
    meta["open_graph"] = [[name, value] for name, value in open_graph if value]
    meta["json_ld"] = script_json(json_ld(kb, root_url, pdf))
    cite = citing.cite_of(kb, page, root_url)
    if cite is not None:
        meta["cite"] = {
            "reference": citing.formatted(cite).render(_Html()).replace("\n", " "),
            "downloads": [{"path": f"{citing.FOLDER}/{cite.name}.{ext}", "ext": f".{ext}", "type": media,
                           "name": name, "use": use}
                          for ext, media, name, use in citing.FORMATS],
            "whole": not cite.part,
        }
    return meta
