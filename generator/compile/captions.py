"""Every table is named by a caption in the report's own words: an author's ``Table: words`` paragraph right
after (or before) it, else the heading it sits under (read by screen readers and in the PDF's tags; on screen
the heading above already says it). The loader reports a ``Table:`` paragraph with no table beside it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from markdown.treeprocessors import Treeprocessor
from markdown.util import HTML_PLACEHOLDER_RE

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# A caption that repeats the heading above: hidden on screen. Generated tables (islands, which this never
# sees) write theirs in their templates.
HEADING_CAPTION = "report-caption--heading"
_PREFIX = re.compile(r"Table: +")


class TableCaptionProcessor(Treeprocessor):
    """Gives each table its caption. Runs after toc, before passages get their ids."""

    def run(self, root: etree.Element) -> None:
        heading = ""
        parents = {child: parent for parent in root.iter() for child in parent}
        for el in list(root.iter()):
            if el.tag in HEADINGS:
                heading = HTML_PLACEHOLDER_RE.sub("", "".join(el.itertext())).strip()
            elif el.tag == "table" and el.find("caption") is None:
                self._caption(el, parents.get(el), heading)

    @staticmethod
    def _caption(table: etree.Element, parent: etree.Element | None, heading: str) -> None:
        siblings = list(parent) if parent is not None else []
        at = siblings.index(table) if siblings else -1
        nearby = [siblings[i] for i in (at + 1, at - 1) if 0 <= i < len(siblings)]
        given = next((p for p in nearby if p.tag == "p" and _PREFIX.match(p.text or "")), None)
        caption = etree.Element("caption")
        if given is not None:
            caption.text = _PREFIX.sub("", given.text, count=1)
            caption.extend(list(given))
            parent.remove(given)
        elif heading:
            caption.set("class", HEADING_CAPTION)
            caption.text = heading
        else:
            return
        table.insert(0, caption)
