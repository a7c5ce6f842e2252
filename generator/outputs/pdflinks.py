"""The PDF's links and ids: every page of the report is a section of one document, so a link between pages
becomes a link inside it (``#<page>--<anchor>``) and every id is prefixed with its page's id. A link to a
page that is not in the PDF keeps its words and loses its target. Runs inside the compile step
(``Compiler(extra=[PdfExtension(…)])``), which writes the page with these links as ready HTML."""

from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from markdown import Markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from ..compile.state import RenderState
from ..knowledge.sitemap import BIBLIOGRAPHY_PAGE, global_id, page_id
from ..sources.dialect import BLOCK_KINDS

ID_ATTRIBUTES = ("id",)
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
TITLE_CLASS = "page__title"  # a page's title that is not an h1 in the PDF (a vignette's)
IDREF_ATTRIBUTES = ("aria-describedby", "aria-labelledby", "for", "headers")


@dataclass
class PdfRenderState(RenderState):
    """Links between pages become links inside the one document; pages outside it get no target. Passages
    print no permalink but keep their ids, as do the ids of the report's entities (extracts, lessons, areas,
    examples: unique in the report), so that the PDF's named destinations are the site's own ids."""

    in_pdf: frozenset[str] = frozenset()
    permalinks: bool = False

    def __post_init__(self):
        kb = self.kb
        declared = {eid.replace(":", "-", 1) for eid in kb.entities if eid.partition(":")[0] in BLOCK_KINDS}
        self.report_wide = frozenset(declared | {e.place.anchor for e in [*kb.quotes.values(), *kb.examples.values()]})

    def pdf_id(self, page: str, anchor: str) -> str:
        return anchor if anchor in self.report_wide else global_id(page, anchor)

    def href(self, target_page: str, anchor: str = "") -> str:
        if target_page not in self.in_pdf:
            return ""  # PdfLinks keeps the words and drops the link
        return "#" + self.pdf_id(target_page, anchor)


@dataclass
class Heading:
    level: int
    id: str  # global id
    text: str


class PdfLinks(Treeprocessor):
    """Prefix every id with the page's id; turn ``page.md#anchor`` links into ``#page--anchor``.

    Runs last (after toc has given headings their ids); records the page's h1 and h2 for the contents.
    Then moves every heading ``demote`` levels down (a vignette is a section of the annex that introduces
    it: its title an h2 in the annex's h1), and makes the bibliography's entries paragraphs (an entry is
    not a section of the document: a screen reader's list of headings would be the list of sources).
    """

    def __init__(self, md: Markdown, state: PdfRenderState, headings: list[Heading], demote: int = 0):
        super().__init__(md)
        self.state = state
        self.headings = headings
        self.demote = demote
        self.page_ids = {page_id(p) for p in state.in_pdf}

    def run(self, root):
        page = self.state.page
        for el in root.iter():
            for name in ID_ATTRIBUTES:
                if el.get(name):
                    el.set(name, self.state.pdf_id(page, el.get(name)))
            for name in IDREF_ATTRIBUTES:
                if el.get(name):
                    el.set(name, " ".join(self.state.pdf_id(page, i) for i in el.get(name).split()))
            if el.tag == "a" and el.get("href") is not None:
                target = self._target(el.get("href"))
                if target is None:
                    del el.attrib["href"]
                    el.tag = "span"
                    el.set("class", (el.get("class", "") + " link--outside").strip())
                else:
                    el.set("href", target)
            if el.tag in ("h1", "h2") and el.get("id"):
                self.headings.append(Heading(int(el.tag[1]), el.get("id"), self._text(el)))
            if el.tag in HEADINGS:
                self._retag(el)

    def _retag(self, el) -> None:
        level = int(el.tag[1])
        if self.state.page == BIBLIOGRAPHY_PAGE and level == 2:
            el.tag = "p"
            el.set("class", (el.get("class", "") + " reference__label").strip())
        elif self.demote:
            el.tag = f"h{min(level + self.demote, 6)}"
            if level == 1:
                el.set("class", (el.get("class", "") + " " + TITLE_CLASS).strip())

    def _text(self, el) -> str:
        """A heading's words as a reader sees them: Python-Markdown keeps raw HTML and entities as
        placeholders until after the tree is done, so put them back and reduce them to text."""
        text = "".join(el.itertext())
        text = re.sub(r"\x02wzxhzdk:(\d+)\x03",
                      lambda m: self.md.htmlStash.rawHtmlBlocks[int(m.group(1))], text)
        text = self.md.treeprocessors["unescape"].unescape(text) if "unescape" in self.md.treeprocessors else text
        return html.unescape(re.sub(r"<[^>]*>", "", text)).strip()

    def _target(self, href: str) -> str | None:
        """The href to write, or None to drop the link (a page that is not in the PDF)."""
        if not href:
            return None
        try:
            parts = urlsplit(href)
        except ValueError:  # not an address at all ("http://[", refused by the checks): left as written
            return href
        if parts.scheme or parts.netloc:
            return href  # external: http(s), mailto
        if not parts.path:
            anchor = parts.fragment
            if anchor in self.page_ids or anchor.split("--", 1)[0] in self.page_ids and "--" in anchor \
                    or anchor in self.state.report_wide:
                return href  # already global (made by PdfRenderState.href)
            return "#" + self.state.pdf_id(self.state.page, anchor)
        target = posixpath.normpath(posixpath.join(posixpath.dirname(self.state.page), parts.path))
        if target.endswith("/") or not target.endswith(".md"):
            target = posixpath.join(target, "index.md")
        if target not in self.state.in_pdf:
            return None
        return "#" + self.state.pdf_id(target, parts.fragment)


class PdfExtension(Extension):
    def __init__(self, state: PdfRenderState, headings: list[Heading], demote: int = 0):
        self.state = state
        self.headings = headings
        self.demote = demote
        super().__init__()

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown API)
        # After toc (5), which gives the headings their ids.
        md.treeprocessors.register(PdfLinks(md, self.state, self.headings, self.demote), "report-pdf-links", 1)
