"""Limits on the size and shape of the sources, checked before anything parses them.

Python-Markdown, the YAML reader and the scanner take time that grows faster than the text for some shapes
of it: thousands of ``[`` or ``<`` in a file, hundreds of lines without a blank line, lists or quotes nested
hundreds deep, YAML aliases of aliases. Within these limits every file is checked and built quickly; the
report's own files are far inside them (its longest line has under 1,400 characters, its longest run of
lines 22, its most ``[`` in a file 36). Each limit passed is an error at the file and line that names the
limit, ``path:line: … — limit N … [limit.…]``, and the file is read no further. CONTRIBUTING.md lists them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .diagnostics import Diagnostics

FILE_BYTES = 200_000  # any source file: Markdown, BibTeX, mkdocs.yml (about 30,000 words)
LINE_CHARS = 10_000  # a line of Markdown
BLOCK_LINES = 200  # lines of Markdown without a blank line between them (a paragraph, list or table) …
BLOCK_CHARS = 20_000  # … and their characters
NESTING = 20  # lists and block quotes inside one another
MARKUP = 1_000  # '[' and '<' in a Markdown file (links, citations, cross-references, HTML tags)
YAML_CHARS = 50_000  # front matter; mkdocs.yml
YAML_VALUES = 10_000  # the values of a YAML document, each alias counted as the values it repeats
SLUG_CHARS = 80  # a page's file name without .md
MESSAGE_CHARS = 1_000  # a problem's message: what it quotes of the sources is cut short
QUOTED_CHARS = 80  # a value quoted in a message (more is elided with …)

# A line's containers: block quote markers and list markers, each with the indentation before it.
_CONTAINERS_RE = re.compile(r"(?:[ \t]*(?:>|(?:[-*+]|\d{1,9}[.)])(?=[ \t])))+")
_MARKER_RE = re.compile(r">|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t])")
_INDENT_RE = re.compile(r"[ \t]*")
_BRACE_RE = re.compile(r"[{}]")


def exhausted(exc: BaseException, doing: str = "reading") -> str:
    """The message for a file whose reading or rendering ran out of stack or memory all the same."""
    what = "stack" if isinstance(exc, RecursionError) else "memory"
    return (f"{doing} the file ran out of {what} ({type(exc).__name__}) — its shape is beyond what the limits foresee "
            "(CONTRIBUTING.md, \"Limits\"). Simplify it, and please report it as a bug of the generator.")


def file_too_large(size: int, rel: str, diags: Diagnostics) -> bool:
    """True, with an error, when a source file has more than FILE_BYTES bytes (it is then not read)."""
    if size <= FILE_BYTES:
        return False
    diags.error(rel, None, f"the file has {size:,} bytes — limit {FILE_BYTES:,} for a source file, so that checking "
                "and building stay quick. Split it into several files.", "limit.file-size")
    return True


def markdown_within_limits(text: str, rel: str, diags: Diagnostics) -> bool:
    """True when a Markdown file is within the limits on its markup, lines, blocks and nesting; else False,
    with an error for each limit it passes, at the first line that passes it."""
    markup = text.count("[") + text.count("<")
    if markup > MARKUP:
        diags.error(rel, _line_where_markup_passes_limit(text), f"the file has {markup:,} '[' and '<' (links, "
                    f"citations, cross-references, HTML tags), this line passing {MARKUP:,} — limit {MARKUP:,}, so "
                    "that rendering stays quick. Split the file into several pages.", "limit.markup")
    long_line = block_line = big_block = deep_line = None
    block = block_chars = block_start = depth = 0
    lines = text.split("\n")
    front_matter = lines[0].rstrip() == "---"  # YAML up to its closing fence: limited as YAML (YAML_CHARS)
    for number, line in enumerate(lines, start=1):
        if len(line) > LINE_CHARS:  # measured no further: the measures below are quick on short lines
            long_line = long_line or (number, len(line))
            continue
        if front_matter:
            front_matter = number == 1 or line.rstrip() not in ("---", "...")
            continue
        if not line.strip(" \t"):
            block = block_chars = 0
            continue
        block, block_chars = block + 1, block_chars + len(line) + 1
        if block == 1:
            block_start = number
        elif block == BLOCK_LINES + 1 and block_line is None:
            block_line = block_start
        if block_chars > BLOCK_CHARS and big_block is None:
            big_block = block_start
        if deep_line is None and line[0] in " \t>-*+0123456789" and (depth := nesting(line)) > NESTING:
            deep_line = number
    if long_line is not None:
        diags.error(rel, long_line[0], f"the line has {long_line[1]:,} characters — limit {LINE_CHARS:,}, so that "
                    "checking and building stay quick. Break it into shorter lines (a paragraph may run over many).",
                    "limit.line-length")
    if block_line is not None:
        diags.error(rel, block_line, f"more than {BLOCK_LINES} lines from this one without a blank line — limit "
                    f"{BLOCK_LINES}, so that rendering stays quick. Put a blank line between paragraphs, or split "
                    "the list or table.", "limit.block-lines")
    if big_block is not None:
        diags.error(rel, big_block, f"more than {BLOCK_CHARS:,} characters from this line on without a blank line — "
                    f"limit {BLOCK_CHARS:,}, so that rendering stays quick. Put a blank line between paragraphs, or "
                    "split the list or table.", "limit.block-size")
    if deep_line is not None:
        diags.error(rel, deep_line, f"lists and block quotes nested {depth} deep — limit {NESTING}, so that "
                    "rendering neither runs out of stack nor slows down. Nest them less.", "limit.nesting")
    return markup <= MARKUP and all(found is None for found in (long_line, block_line, big_block, deep_line))


def brace_depth(text: str) -> int:
    """How deep '{' nest in a text (BibTeX's), or 0 when it has too few '{' to nest deeper than NESTING."""
    if text.count("{") <= NESTING:
        return 0
    depth = deepest = 0
    for brace in _BRACE_RE.findall(text):
        depth = depth + 1 if brace == "{" else max(depth - 1, 0)
        deepest = max(deepest, depth)
    return deepest


def nesting(line: str) -> int:
    """How deep a line of Markdown sits in lists and block quotes: its '>' and list markers, and a level for
    every four columns of indentation among and after them (but the space after each marker)."""
    head = _CONTAINERS_RE.match(line)
    head = _INDENT_RE.match(line, head.end() if head else 0)
    containers = line[:head.end()]
    markers = len(_MARKER_RE.findall(containers))
    return markers + max(containers.expandtabs(4).count(" ") - markers, 0) // 4


def _line_where_markup_passes_limit(text: str) -> int:
    seen = 0
    for number, line in enumerate(text.split("\n"), start=1):
        seen += line.count("[") + line.count("<")
        if seen > MARKUP:
            return number
    return 1
