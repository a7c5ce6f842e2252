"""What the HTML of a page's Markdown holds that the sanitiser would remove: the tree processor that reads it,
as a browser would. Its findings become diagnostics at their lines in :mod:`.htmlcheck`."""

from __future__ import annotations

import html

from markdown import Markdown
from markdown.treeprocessors import Treeprocessor

from .sanitize import Finding, check_element, check_html, plain_element
from .state import RenderState


class HtmlCheckProcessor(Treeprocessor):
    """Reads the HTML the page's Markdown made, as a browser would: every element of the tree (attribute lists,
    links and images included) and every piece of raw HTML, the generator's islands aside. What the sanitiser
    would remove, or what loads from another host, goes to ``state.unsafe``. Runs after attr_list (8) and toc
    (5), so that it sees every attribute they set."""

    def __init__(self, state: RenderState, md: Markdown):
        super().__init__(md)
        self.state = state

    def run(self, root):
        found = self._in_tree(root, skip=root, markdown=True)
        islands = self.md.report_islands  # type: ignore[attr-defined]
        for i, block in enumerate(self.md.htmlStash.rawHtmlBlocks):
            if i not in islands:  # raw HTML, as text or (md_in_html) as elements
                found += check_html(block) if isinstance(block, str) else self._in_tree(block, markdown=False)
        self.state.unsafe = found

    @staticmethod
    def _in_tree(root, skip=None, *, markdown: bool) -> list[Finding]:
        found: list[Finding] = []
        for el in root.iter():
            if el is not skip and isinstance(el.tag, str) and not plain_element(el.tag, el.attrib):
                found += check_element(el.tag, {name: html.unescape(value or "") for name, value in el.attrib.items()},
                                       dict(el.attrib), markdown=markdown)
        return found
