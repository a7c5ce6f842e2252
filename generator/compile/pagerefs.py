"""Every page that cites something ends with its own list of references."""

from __future__ import annotations

import xml.etree.ElementTree as etree

from markdown import Markdown
from markdown.treeprocessors import Treeprocessor

from ..knowledge.sitemap import BIBLIOGRAPHY_PAGE
from .state import RenderState


class PageReferencesProcessor(Treeprocessor):
    """Ends every page that cites something with its own reference list."""

    def __init__(self, state: RenderState, md: Markdown):
        super().__init__(md)
        self.state = state

    def run(self, root):
        if self.state.fragment:  # a snippet: the page it goes on lists its own references
            return
        keys: list[str] = []
        for items in self.md.report_citations:  # type: ignore[attr-defined]
            for item in items:
                if item.key in self.state.kb.sources and item.key not in keys:
                    keys.append(item.key)
        expected = self.state.kb.documents.get(self.state.page)
        if expected is not None and len(expected.citations) != len(self.md.report_citations):  # type: ignore[attr-defined]
            self.state.problems.append(
                f"{expected.file}: {len(expected.citations)} citations in the source but "
                f"{len(self.md.report_citations)} rendered — a citation inside raw HTML, a link or a heading "  # type: ignore[attr-defined]
                "is not supported; move it into the running text.")
        if not keys:
            return
        sources = self.state.kb.sources
        h2 = etree.SubElement(root, "h2", {"id": "references-on-this-page"})
        h2.text = "References"
        ul = etree.SubElement(root, "ul", {"class": "page-references"})
        for key in sorted(keys, key=lambda k: (sources[k].author_label.lower(), sources[k].year_label)):
            li = etree.SubElement(ul, "li")
            a = etree.SubElement(li, "a", {"href": self.state.href(BIBLIOGRAPHY_PAGE, f"ref-{key}")})
            a.text = sources[key].label
            a.tail = ": " + sources[key].reference_text
