"""toc's tree processor as the compile step runs it: the same ids, heading links and tokens, but the table of
contents as HTML (``md.toc``) only for a page that places it with toc's marker (``[TOC]``).

Python-Markdown's toc writes that HTML for every page and looks for the marker through every element's text;
no host of the compile step reads it (MkDocs and the writer read the tokens). Without both, a vignette of the
benchmark compiles about 4 % faster.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree

from markdown import Markdown
from markdown.extensions.toc import TocExtension, TocTreeprocessor


class PlacedToc(TocTreeprocessor):
    """toc's processor; the table of contents' HTML is made only where the page's text has the marker."""

    def run(self, doc: etree.Element) -> None:
        marker = self.marker
        if marker and not any(marker in line for line in getattr(self.md, "lines", ())):
            self.marker = ""  # nowhere to place it
        try:
            super().run(doc)
        finally:
            self.marker = marker

    def build_toc_div(self, toc_list: list) -> etree.Element:
        return super().build_toc_div(toc_list) if self.marker else etree.Element("div")


def placed_toc(md: Markdown) -> None:
    """``md``'s toc (if it has one) as :class:`PlacedToc`, with its settings."""
    toc = next((e for e in md.registeredExtensions if isinstance(e, TocExtension)), None)
    if toc is not None and "toc" in md.treeprocessors:
        md.treeprocessors.register(PlacedToc(md, toc.getConfigs()), "toc", 5)
