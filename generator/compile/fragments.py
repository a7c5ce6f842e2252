"""Snippets of author Markdown (an extract's words, a list of services) rendered for a page's islands."""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from html import escape
from types import SimpleNamespace

from markdown import Markdown
from markdown.serializers import to_html_string

from ..knowledge.glossary import term_pattern
from ..knowledge.model import KnowledgeBase
from ..knowledge.sitemap import GLOSSARY_PAGE, relative_url
from .mdext import ReportExtension
from .state import RenderState
from .terms import TermProcessor, term_matches

# Anything Python-Markdown could read as markup: escapes, code, emphasis, links and the report's own
# syntaxes, HTML and entities, tables, line breaks; or a line that starts a block (a list, a quote, a
# heading, a rule). Text without any of these is one paragraph of plain words.
_NOT_PLAIN = re.compile(r"[\\`*_{}\[\]<>&!|~#\n\t]|^\s|\s$|^(?:[-+:=]|\d+[.)])")


def _is_plain_paragraph(markdown: str) -> bool:
    return bool(markdown) and _NOT_PLAIN.search(markdown) is None


class Fragments:
    """Snippets of author Markdown (an extract's words) rendered to HTML for islands on one page.

    They share the page's glossary links (each term linked once per page) and never reuse its ids.
    """

    def __init__(self, kb: KnowledgeBase, page: str, seen: set[str] | frozenset[str] = frozenset()):
        """``seen``: terms the page's Markdown uses before the islands, which it links itself."""
        self.state = RenderState(kb, page, fragment=True)
        self.linked: set[str] = set(seen)
        self._md: Markdown | None = None  # made on first use: most pages only mark plain text
        self._citations: list = []  # shared by every snippet of the page, so that ids count on
        self._xrefs: list = []
        self._reported: set[str] = set(seen)
        self._pattern = term_pattern(kb)
        # Plain text needs only the glossary marking, not a Markdown instance.
        self._terms = TermProcessor(self.state, SimpleNamespace(report_terms_linked=self.linked))
        # Marked texts, shared by every page: the same words come out the same where the same terms are
        # already linked and the glossary is at the same relative URL (a vignette's services, say).
        self._marked = kb.memo("fragments.text")
        self._glossary = relative_url(GLOSSARY_PAGE, page)

    def html(self, markdown: str) -> str:
        if _is_plain_paragraph(markdown):  # most extracts: one paragraph of plain words
            return f"<p>{self.text(markdown)}</p>"
        if self._md is None:  # the extensions the generated Markdown relies on, as on the page
            self._md = Markdown(extensions=["attr_list", "md_in_html", ReportExtension(self.state)])
        self._md.reset()
        self._md.report_terms_linked = self.linked  # type: ignore[attr-defined]
        self._md.report_citations = self._citations  # type: ignore[attr-defined]
        self._md.report_xrefs = self._xrefs  # type: ignore[attr-defined]
        return self._md.convert(markdown)

    def text(self, text: str) -> str:
        """Plain text (a title, a list of services) as HTML, its abbreviations marked as on the page."""
        if self._pattern is None or next(term_matches(self._pattern, text), None) is None:
            return escape(text, quote=False)
        key = (text, frozenset(self.linked), self._glossary)
        known = self._marked.get(key)
        if known is not None:
            html, newly_linked = known
            self.linked.update(newly_linked)
            return html
        before = set(self.linked)
        root = etree.Element("div")
        p = etree.SubElement(root, "p")
        p.text = text
        self._terms.run(root)
        html = to_html_string(p)[3:-4]  # without <p> and </p>
        self._marked[key] = (html, frozenset(self.linked - before))
        return html

    def new_terms(self) -> list[str]:
        """Terms linked since the last call: the closing marker of the island that linked them."""
        new = sorted(self.linked - self._reported)
        self._reported.update(new)
        return new
