"""Permalinks for the report's passages, so that a reader can cite one: every paragraph, list item and
interview extract of a chapter or vignette gets an id and a "¶" link to it, shown on hover like the headings'
own. Unlike a heading's, a passage's "¶" is no Tab stop and is hidden from screen readers (hundreds of them
would stand between a keyboard user and the next link, and be read out after every paragraph); the site's
script (report.js) gives it back to one passage at a time: the one that holds the text caret or selection,
the one the address leads to, or the one the arrow keys reach from a heading's "¶".

A passage's id is ``<page>--<section>-p<n>``: the page's id (:func:`..knowledge.sitemap.page_id`), the id of
the heading it sits under and its place among that section's passages, counted in reading order. It does not
move when another section changes, it is unique across the site, and the PDF (laid out from the same
compiled pages) keeps it as it is: ``report.pdf#<id>`` opens the same passage. A passage with an id of its
own (an extract, a lesson, an area) keeps it and is counted all the same, so the others do not shift.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from markdown import Markdown
from markdown.treeprocessors import Treeprocessor
from markdown.util import HTML_PLACEHOLDER_RE

from ..knowledge.sitemap import global_id
from .state import RenderState

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
NAMES = {"p": "paragraph", "li": "list item", "figure": "extract"}
# A paragraph inside one of these is part of that passage, not one of its own.
WITHIN = ("li", "figure", "table", "dl")
# Sections the site or the compile step adds (search leaves them out), and each page's own references:
# what they list is not the report's text.
ADDED_SECTION = "references-on-this-page"
# A block of HTML the generator or an author wrote, stashed whole: not a paragraph.
_STASHED = re.compile(rf"(?:\s*{HTML_PLACEHOLDER_RE.pattern})+\s*")


def passage_id(page: str, section: str, n: int) -> str:
    """``introduction--background-p3``; ``introduction--p1`` before the page's first heading."""
    return global_id(page, f"{section}-p{n}" if section else f"p{n}")


def _is_passage(el: etree.Element, inside: set[str]) -> bool:
    if el.tag == "figure":
        return "quote" in el.get("class", "").split()
    if el.tag == "li":
        return True
    text = "".join(el.itertext())
    return el.tag == "p" and not inside.intersection(WITHIN) and bool(text.strip()) and not _STASHED.fullmatch(text)


class PassageProcessor(Treeprocessor):
    """Gives every passage of an author's page its id and, on the site, its permalink. Runs after toc (the
    headings' ids) and before the compile step writes the page."""

    def __init__(self, state: RenderState, md: Markdown):
        super().__init__(md)
        self.state = state

    def run(self, root: etree.Element) -> None:
        state = self.state
        if state.fragment or state.page not in state.kb.documents:
            return
        section, n, added = "", 0, False
        for el, inside in _walk(root, set()):
            if el.tag in HEADINGS:
                section, n = el.get("id", section), 0
                added = "data-search-exclude" in el.attrib or section == ADDED_SECTION
            elif not added and _is_passage(el, inside):
                n += 1
                if not el.get("id"):
                    el.set("id", passage_id(state.page, section, n))
                if state.permalinks:
                    _permalink(el, NAMES[el.tag])


def _walk(el: etree.Element, inside: set[str]):
    """Every element under ``el`` in reading order, with the tags it sits inside."""
    for child in el:
        yield child, inside
        yield from _walk(child, inside | {child.tag})


def _permalink(el: etree.Element, name: str) -> None:
    """The "¶" link, after the passage's words (before a nested list; in an extract, after who said it)."""
    where, index = el, len(el)
    if el.tag == "figure":
        where = el.find("figcaption")
        if where is None:
            where = el
        index = len(where)
    elif el.tag == "li":
        blocks = [i for i, child in enumerate(el) if child.tag in ("p", "ul", "ol", "div", "blockquote", "figure")]
        if blocks and el[blocks[0]].tag == "p":
            where, index = el[blocks[0]], len(el[blocks[0]])
        elif blocks:
            index = blocks[0]
    link = etree.Element("a", {"class": "headerlink passage-link", "href": f"#{el.get('id')}",
                               "aria-label": f"Link to this {name}", "title": f"Link to this {name}",
                               "tabindex": "-1", "aria-hidden": "true", "data-search-exclude": ""})
    link.text = "¶"
    where.insert(index, link)
