"""A light, code-aware scan of Markdown source: headings, citations and cross-references with lines.

It runs before rendering so that every problem can be reported as ``path:line`` and every citation
is known (with its anchor) before any page is rendered: the bibliography's "Cited in" lists need all
of them. The renderer numbers citations the same way and checks that it found the same ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .citations import CITATION_RE, parse_citation
from .model import CitationItem, Heading

FENCE_RE = re.compile(r"^\s*(`{3,}|~{3,})")
HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
CODE_SPAN_RE = re.compile(r"(`+)(?:.+?)\1")
# [text][kind:id] — the label of a reference-style link names an entity.
XREF_RE = re.compile(r"\[(?P<text>[^\[\]\n]*)\]\[(?P<target>(?P<kind>[a-z]+):(?P<id>[\w.-]+))\]")
ATTR_RE = re.compile(r"\s*\{[:#][^}]*\}\s*$")


@dataclass(frozen=True)
class ScannedCitation:
    items: tuple[CitationItem, ...]
    line: int
    section: str | None


@dataclass(frozen=True)
class ScannedXRef:
    target: str
    text: str
    line: int


@dataclass(frozen=True)
class Scan:
    headings: tuple[Heading, ...]
    citations: tuple[ScannedCitation, ...]
    xrefs: tuple[ScannedXRef, ...]
    raw_html_lines: tuple[tuple[int, str], ...]


# Script elements, on…= handlers inside a tag, and javascript: URLs; prose like "n = 12" is fine.
UNSAFE_HTML_RE = re.compile(r"<\s*script\b|<[a-z][^>]*?\son[a-z]+\s*=|javascript:", re.I)


def scan(body: str, first_line: int) -> Scan:
    headings, citations, xrefs, unsafe = [], [], [], []
    fence: str | None = None
    section: str | None = None
    for offset, raw in enumerate(body.split("\n")):
        line = first_line + offset
        m = FENCE_RE.match(raw)
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            continue
        if m:
            fence = m.group(1)
            continue
        text = CODE_SPAN_RE.sub(lambda s: " " * len(s.group(0)), raw)
        if UNSAFE_HTML_RE.search(text):
            unsafe.append((line, UNSAFE_HTML_RE.search(text).group(0).strip()))
        h = HEADING_RE.match(text)
        if h:
            title = ATTR_RE.sub("", h.group(2))
            headings.append(Heading(len(h.group(1)), title, line))
            section = title
        for x in XREF_RE.finditer(text):
            xrefs.append(ScannedXRef(x["target"], x["text"], line))
        for c in CITATION_RE.finditer(text):
            items = parse_citation(c["body"])
            if items:
                citations.append(ScannedCitation(items, line, section))
    return Scan(tuple(headings), tuple(citations), tuple(xrefs), tuple(unsafe))
