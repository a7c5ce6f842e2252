"""A rendered page written back as standard Markdown: its headings as Markdown headings, everything else as
ready HTML.

The last tree processor of the compile step (:class:`StandardWriter`) takes the tree Python-Markdown made of a
page in the report's dialect and writes each top-level block back: a heading as ``## words {#id}`` (inline
HTML in it stays as it is), so that any host builds its table of contents and permalinks from it; every
other block as the HTML it renders to, which a host passes through untouched. The host renders the result
with its usual extensions (``attr_list`` for the headings' ids) and gets the same HTML. Links in that HTML
are already the published pages' relative URLs (:mod:`.sitelinks`): no host rewrites links inside HTML.

Given the host's toc settings (``host_toc``), the writer also writes the page as that host would render the
Markdown it wrote, with toc and attr_list (:meth:`.compiler.Compiler.host_extensions`): the HTML, its headings
with their permalinks, and the table of contents. A host that takes those need not parse the page again.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from html import unescape

from markdown import Markdown
from markdown.extensions import Extension
from markdown.extensions.toc import TocExtension
from markdown.treeprocessors import Treeprocessor

from ..common.diagnostics import Diagnostic
from .islands import island
from .sanitize import clean
from .sitelinks import Anchored, SiteLinks, WrittenAt
from .toc import PlacedToc

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# What a heading's HTML holds besides text, written as it is: a comment, a tag (attribute values may hold '>'),
# a character reference.
_TAG_RE = re.compile(r"<!--.*?-->|<(?:[^>\"']|\"[^\"]*\"|'[^']*')*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z0-9]+);", re.S)
_ID_RE = re.compile(r"""\sid\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


@dataclass
class Written:
    """What the writer made of the page last rendered."""

    markdown: str = ""
    ids: set[str] = field(default_factory=set)  # every id on the page, with those of its raw HTML
    links: list[Anchored] = field(default_factory=list)  # links with an anchor, to check
    problems: list[Diagnostic] = field(default_factory=list)  # links to nowhere
    # With the host's toc settings: what the host makes of ``markdown``, its table of contents (toc's tokens),
    # and the Markdown of the page's first block if it is a heading, for a host that takes the title from it.
    html: str | None = None
    toc: list[dict] = field(default_factory=list)
    title: str = ""


class StandardWriter(Treeprocessor):
    """Writes the finished tree as standard Markdown into ``self.written`` (and leaves Python-Markdown an empty
    tree to serialise). ``links``: the site's links, made from ``.md`` paths as the host would; None when
    another processor has made the links already (the PDF's). ``sanitize``: every block's HTML goes through the
    sanitiser, for a host that would not clean the page itself. ``marked``: every block of HTML is written as an
    island, for a host that stashes it as it is (:class:`.islands.CompiledBlocks`). The compile step sets
    ``page`` (its site path), ``source`` (its file, for problems) and ``written_at`` (where its links are
    written) before each page."""

    def __init__(self, md: Markdown, links: SiteLinks | None, sanitize: bool, marked: bool,
                 host_toc: dict | None = None):
        super().__init__(md)
        self.site_links, self.sanitize, self.marked = links, sanitize, marked
        # The host's toc, to write what the host would make of the headings (``host_toc``: its settings).
        self.host_toc = None if host_toc is None else PlacedToc(md, TocExtension(**host_toc).getConfigs())
        self.page = self.source = ""
        self.written_at: WrittenAt | None = None  # where the page's file writes its links
        self.written = Written()

    def start(self) -> None:
        """Before each page: what it writes of a page Python-Markdown finds empty (and runs no processor on)."""
        self.written = Written(html=None if self.host_toc is None else "")

    def run(self, root: etree.Element) -> etree.Element:
        written = self.written = Written()
        if self.site_links is not None:
            written.links, written.problems = self.site_links.rewrite(root, self.page, self.source,
                                                                             self.written_at)
        labels = _toc_labels(getattr(self.md, "toc_tokens", []))
        blocks: list[str | list[str]] = []  # a heading, or the blocks of HTML up to the next one
        headings: list[etree.Element] = []
        for el in root:
            el.tail = None
            if el.tag in HEADINGS:
                blocks.append(self._heading(el, labels))
                headings.append(el)
            else:
                html = self._postprocess(self.md.serializer(el))
                if not html.strip():
                    continue
                if not blocks or isinstance(blocks[-1], str):
                    blocks.append([])
                blocks[-1].append(html)
        # No blank line between blocks: Python-Markdown would print it after HTML. Marked, the HTML between two
        # headings is one island: one paragraph for the host to carry, not one for each block.
        written.markdown = "\n".join(
            b if isinstance(b, str) else island("\n".join(b)).rstrip("\n") if self.marked else "\n".join(b)
            for b in blocks) + "\n"
        written.ids = _ids(root, self.md.htmlStash.rawHtmlBlocks)
        if self.host_toc is not None:
            self._as_host_renders(written, blocks, headings, labels)
        return etree.Element(self.md.doc_tag)

    def _as_host_renders(self, written: Written, blocks: list, headings: list[etree.Element],
                         labels: dict[str, str]) -> None:
        """What the host makes of ``written.markdown`` (the headings written as ``blocks``, the islands): its
        toc run on the headings as it would read them back, each island carried as Python-Markdown's raw HTML
        postprocessor carries a stashed block (in a paragraph unless it starts with a block-level tag). The
        headings are spent: the writer has written them."""
        for el in headings:
            if el.get("id") in labels:
                el.set("data-toc-label", labels[el.get("id")])
        own = self.md.toc, self.md.toc_tokens  # the host's toc writes its own here
        top = etree.Element(self.md.doc_tag)
        top.extend(headings)
        self.host_toc.run(top)
        written.toc, (self.md.toc, self.md.toc_tokens) = self.md.toc_tokens, own
        raw = self.md.postprocessors["raw_html"]
        done, parts = iter(headings), []
        for block in blocks:
            if isinstance(block, str):
                parts.append(self._postprocess(self.md.serializer(next(done))))
            else:
                html = "\n".join(block).strip()
                parts.append(html if raw.isblocklevel(html) else f"<p>{html}</p>")
        written.html = "\n".join(parts).strip()
        written.title = blocks[0] if blocks and isinstance(blocks[0], str) else ""

    def _postprocess(self, html: str) -> str:
        for processor in self.md.postprocessors:
            html = processor.run(html)
        return clean(html) if self.sanitize else html

    def _heading(self, el: etree.Element, labels: dict[str, str]) -> str:
        html = self.md.serializer(el)
        inner = self._postprocess(html[html.index(">") + 1:html.rindex("<")])
        escaped = set(self.md.ESCAPED_CHARS)
        pieces, last = [], 0
        for m in _TAG_RE.finditer(inner):
            pieces += [_escape(inner[last:m.start()], escaped), m.group(0)]
            last = m.end()
        pieces.append(_escape(inner[last:], escaped))
        attributes = dict(el.attrib)
        if attributes.get("id") in labels:
            attributes["data-toc-label"] = labels[attributes["id"]]
        return f"{'#' * int(el.tag[1])} {''.join(pieces)}{_attribute_list(attributes)}"


def _escape(text: str, escaped: set[str]) -> str:
    """Text of a heading's HTML (``&`` ``<`` ``>`` already as references), every character Python-Markdown
    could read as markup escaped with a backslash."""
    return "".join(f"\\{c}" if c in escaped else c for c in text)


def _attribute_list(attributes: dict[str, str]) -> str:
    """``{#id key="value"}`` (attr_list), or nothing."""
    if not attributes:
        return ""
    parts = []
    for name, value in attributes.items():
        if name == "id":
            parts.append(f"#{value}")
        else:
            quote = "'" if '"' in value else '"'
            parts.append(f"{name}={quote}{value}{quote}")
    return " {" + " ".join(parts) + "}"


def _toc_labels(tokens: list[dict]) -> dict[str, str]:
    """Heading id -> its ``data-toc-label``, which toc takes off the heading (the host's toc reads it again)."""
    labels = {}
    for token in tokens:
        if token.get("data-toc-label"):
            labels[token["id"]] = token["data-toc-label"]
        labels.update(_toc_labels(token.get("children", [])))
    return labels


def _ids(root: etree.Element, raw_blocks: list) -> set[str]:
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    ids |= {el.get("name") for el in root.iter("a") if el.get("name")}
    for block in raw_blocks:
        if isinstance(block, str):
            ids |= {unescape(next(g for g in m.groups() if g is not None)) for m in _ID_RE.finditer(block)}
        else:
            ids |= _ids(block, [])
    return ids


class StandardExtension(Extension):
    """Registers the :class:`StandardWriter` after every other tree processor."""

    def __init__(self, links: SiteLinks | None, sanitize: bool = False, marked: bool = False,
                 host_toc: dict | None = None):
        self.links, self.sanitize, self.marked, self.host_toc = links, sanitize, marked, host_toc
        super().__init__()

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown API)
        self.writer = StandardWriter(md, self.links, self.sanitize, self.marked, self.host_toc)
        md.treeprocessors.register(self.writer, "report-standard-writer", -100)
