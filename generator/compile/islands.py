"""Islands: HTML the generator has already rendered, carried through a page's Markdown untouched.

Python-Markdown neither parses nor rescans an island, which is what makes large generated pages cheap. The
closing marker names the glossary terms the island already links, so the page links each only once.
" unindexed" marks an island that lies in a section the site's search leaves out: a host whose search
indexes the page before it writes it may defer it (``RenderState.defer_unindexed``, :func:`restore_deferred`).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from markdown import Markdown
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markdown.util import HTML_PLACEHOLDER, AtomicString

from .state import RenderState

ISLAND_OPEN = "<!--report:island"
# The island's HTML is read a line at a time up to the first line that closes it (a lazy ``.*?`` would try the
# closing marker at every character of it).
ISLAND_RE = re.compile(r"^<!--report:island(?P<unindexed> unindexed)?-->\n"
                       r"(?P<html>[^\n]*(?:\n(?!<!--/report:island)[^\n]*)*?)\n"
                       r"<!--/report:island(?P<terms>(?: [^\s>]+)*)-->$", re.M)
DEFERRED_RE = re.compile(r"<!--report:deferred (\d+)-->")


def island(html: str, terms: list[str] | tuple = (), indexed: bool = True) -> str:
    """``html`` (block-level, links as final URLs) wrapped so that ``ReportExtension`` passes it through.

    ``indexed=False``: the island sits in a section that search leaves out (a heading with
    ``data-search-exclude``), and holds no heading of its own; a host may defer it (``RenderState``)."""
    flag = "" if indexed else " unindexed"
    return f"{ISLAND_OPEN}{flag}-->\n{html.strip()}\n<!--/report:island{''.join(' ' + t for t in terms)}-->\n"


def restore_deferred(html: str, deferred: list[str]) -> str:
    """The page's HTML with its deferred islands put back where their placeholders are."""
    if not deferred:
        return html
    return DEFERRED_RE.sub(lambda m: deferred[int(m[1])], html)


ID_RE = re.compile(r'\sid="([^"]+)"')


class IslandPreprocessor(Preprocessor):
    def __init__(self, state: RenderState, md: Markdown):
        super().__init__(md)
        self.state = state

    def run(self, lines):
        self.state.island_ids = set()
        self.state.deferred = []
        text = "\n".join(lines)
        if ISLAND_OPEN not in text:
            return lines

        def stash(m: re.Match) -> str:
            self.md.report_terms_linked.update(m["terms"].split())  # type: ignore[attr-defined]
            html = m["html"]
            self.state.island_ids.update(ID_RE.findall(html))
            if m["unindexed"] and self.state.defer_unindexed:
                self.state.deferred.append(html)
                html = f"<!--report:deferred {len(self.state.deferred) - 1}-->"
            placeholder = self.md.htmlStash.store(html)
            self.md.report_islands.add(len(self.md.htmlStash.rawHtmlBlocks) - 1)  # type: ignore[attr-defined]
            return f"\n\n{placeholder}\n\n"  # a block of its own

        return ISLAND_RE.sub(stash, text).split("\n")


class _BlocksPreprocessor(Preprocessor):
    def run(self, lines):
        text = "\n".join(lines)
        if ISLAND_OPEN not in text:
            return lines
        return ISLAND_RE.sub(lambda m: f"\n\n{self.md.htmlStash.store(m['html'])}\n\n", text).split("\n")


class _StashedBlock(BlockProcessor):
    """A block that is only an island's placeholder: a paragraph whose text no inline pattern reads (an atomic
    string), which the raw HTML postprocessor replaces with the island."""

    PLACEHOLDER = re.compile(HTML_PLACEHOLDER % r"\d+")

    def test(self, parent, block) -> bool:
        return self.PLACEHOLDER.fullmatch(block) is not None

    def run(self, parent, blocks) -> None:
        etree.SubElement(parent, "p").text = AtomicString(blocks.pop(0))


class CompiledBlocks(Extension):
    """For a host that renders pages compiled with ``marked`` blocks (:class:`.compiler.Compiler`): each block
    of ready HTML, an island, is stashed as it is, so that the host parses none of that HTML again (Python-
    Markdown would read it all with its HTML parser, and MkDocs once more for its ids). The same HTML.
    ``escaped``: the characters the compile step escaped in headings (its extensions may add some)."""

    def __init__(self, escaped: list[str]):
        self.escaped = list(escaped)
        super().__init__()

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown API)
        md.ESCAPED_CHARS = [*md.ESCAPED_CHARS, *(c for c in self.escaped if c not in md.ESCAPED_CHARS)]
        md.preprocessors.register(_BlocksPreprocessor(md), "report-compiled-blocks", 29)  # before html_block (20)
        md.parser.blockprocessors.register(_StashedBlock(md.parser), "report-stashed-block", 200)  # before all
