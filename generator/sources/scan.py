"""A light, code-aware scan of Markdown source: headings, citations and cross-references with lines.

It runs before rendering so that every problem can be reported as ``path:line`` and every citation
is known (with its anchor) before any page is rendered: the bibliography's "Cited in" lists need all
of them. The renderer numbers citations the same way and checks that it found the same ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from markdown.extensions.toc import slugify

from .dialect import (ATTRIBUTION_RE, BLOCK_ENTITY_RE, CITATION_RE, DIRECTIVE_RE, SPAN_ENTITY_RE, XREF_RE, CitationItem,
                      parse_citation)

FENCE_RE = re.compile(r"^\s*(`{3,}|~{3,})")
HEADING_RE = re.compile(r"(#{1,6})\s+(.*)")  # the title without its closing #s: see heading_title
CODE_SPAN_RE = re.compile(r"(`+)(?:.+?)\1")
# [text](target "title") — an inline link; images (![…](…)) are links too for this purpose.
LINK_RE = re.compile(r"\]\((?P<target><[^>\n]*>|[^)\s]+)(?:\s+\"[^\"]*\")?\)")
# A target with spaces and a square bracket, which LINK_RE does not read but Python-Markdown does (as the whole
# of ``https://example ]org/a``): MkDocs cannot read such an address, so the loader must see it.
BRACKETED_LINK_RE = re.compile(r"\]\((?P<target>[^)\n\[\]]*[\[\]][^)\n]*)\)")
QUOTE_LINE_RE = re.compile(r"^(?P<indent>\s*)>\s?(?P<text>.*)$")
LIST_ITEM_RE = re.compile(r"^(?P<indent>\s*)(?:[-*+]|\d+\.)\s+")
EMPHASIS_RE = re.compile(r"(\*\*|__|\*|_|`)")



@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int
    anchor: str = ""  # the id the heading gets on the page


# A line's closing attribute list ('{: #id .class }', '{#id}'), and its id — the first '{' of its kind after the
# line's last-but-one '}' that the line's last '}' closes (see _closing_braces).
_ATTR_OPEN_RE = re.compile(r"\{:|\{\s*[#.]")  # as attr_list reads them: "{: …}", "{#id}", "{ #id }", "{ .class }"
_EXPLICIT_ID_OPEN_RE = re.compile(r"\{:?\s*#([\w-]+)")


def _closing_braces(line: str) -> tuple[int, int] | None:
    """(where the text after the line's last-but-one '}' starts, where its last '}' is) when the line ends with a
    '}' (and spaces), else None. Searched from the right: a pattern searched from the left, '{' then anything
    but '}' up to the last '}', would scan to the end of the line from every '{' (and every space before it)."""
    end = len(line.rstrip())
    if not end or line[end - 1] != "}":
        return None
    return line.rfind("}", 0, end - 1) + 1, end - 1


def strip_attr_list(line: str) -> str:
    """The line without its closing attribute list and the spaces before it."""
    braces = _closing_braces(line)
    found = _ATTR_OPEN_RE.search(line, *braces) if braces else None
    return line[:found.start()].rstrip() if found else line


def explicit_id(line: str) -> str | None:
    """The id that the line's closing attribute list gives it ('{ #id }', '{: #id .class }'), if any."""
    braces = _closing_braces(line)
    found = _EXPLICIT_ID_OPEN_RE.search(line, *braces) if braces else None
    return found.group(1) if found else None


def heading_title(text: str) -> str:
    """A '#' heading's text without the optional closing #s and the spaces around them (in Python rather than
    in HEADING_RE, where trailing spaces made the search cubic in their number)."""
    return text.rstrip().rstrip("#").rstrip()


def heading_anchor(text: str, used: dict[str, int]) -> str:
    """The id Python-Markdown's toc extension gives a heading (same slug, same de-duplication)."""
    explicit, base = _anchor_base(text)
    if explicit:
        return base
    n = used.get(base, 0)
    used[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


@lru_cache(maxsize=4096)  # headings repeat across pages (every vignette asks the same four questions)
def _anchor_base(text: str) -> tuple[bool, str]:
    """(True, id) for a heading with an explicit ``{ #id }``, else (False, its slug before de-duplication)."""
    found = explicit_id(text)
    if found:
        return True, found
    return False, slugify(EMPHASIS_RE.sub("", strip_attr_list(text)), "-")


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
    section: Heading | None = None


@dataclass(frozen=True)
class ScannedEntity:
    """A ``{#kind:slug …}`` declaration: on a span (``text`` is its words) or on a block."""

    body: str  # what is inside {# … }
    text: str  # the span's words, or the block's whole Markdown (first line without the marker)
    line: int
    on_span: bool
    section: Heading | None
    list_item: bool = False


@dataclass(frozen=True)
class ScannedQuote:
    """A block quote's extract and its attribution line."""

    markdown: str
    code: str
    role: str | None
    area: str
    line: int  # the extract's first line
    section: Heading | None


@dataclass(frozen=True)
class Scan:
    headings: tuple[Heading, ...]
    citations: tuple[ScannedCitation, ...]
    xrefs: tuple[ScannedXRef, ...]
    entities: tuple[ScannedEntity, ...] = ()
    quotes: tuple[ScannedQuote, ...] = ()
    text_lines: tuple[tuple[int, str], ...] = field(default=(), repr=False)  # prose lines, code removed
    links: tuple[tuple[int, str], ...] = ()  # (line, target) of every inline Markdown link
    directives: tuple[tuple[int, bool, str], ...] = ()  # (line, indented, body) of every '{% … %}' line


def scan(body: str, first_line: int) -> Scan:
    headings, citations, xrefs, entities, quotes, prose, links, directives = [], [], [], [], [], [], [], []
    fence: str | None = None
    section: Heading | None = None
    used_anchors: dict[str, int] = {}
    lines = body.split("\n")
    quote_lines: list[str] = []
    quote_start = 0
    for offset, raw in enumerate(lines):
        line = first_line + offset
        m = FENCE_RE.match(raw)
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            continue
        if m:
            fence = m.group(1)
            continue
        text = CODE_SPAN_RE.sub(lambda s: " " * len(s.group(0)), raw) if "`" in raw else raw
        prose.append((line, text))
        # Cheap tests first: most lines of prose have no markup that any of the patterns below look for.
        h = HEADING_RE.fullmatch(text) if text.startswith("#") else None
        if h:
            words = heading_title(h.group(2))
            title = strip_attr_list(words)
            heading = Heading(len(h.group(1)), title, line, heading_anchor(words, used_anchors))
            headings.append(heading)
            section = heading
        # Interview extracts: "> text" lines up to a "> — CODE role" line.
        q = QUOTE_LINE_RE.match(text) if ">" in text else None
        if q:
            a = ATTRIBUTION_RE.match(q["text"].strip())
            if a:
                extract = "\n".join(quote_lines).strip()
                if extract:
                    code = a["code"].upper()
                    quotes.append(ScannedQuote(extract, code, "focus group" if a["fg"] else
                                               (a["role"].lower() if a["role"] else None),
                                               (a["fg"] or a["area"]).upper(), quote_start, section))
                quote_lines = []
            else:
                if not quote_lines and not q["text"].strip():
                    pass
                else:
                    if not quote_lines:
                        quote_start = line
                    quote_lines.append(q["text"])
        elif text.strip():
            quote_lines = []
        d = DIRECTIVE_RE.match(text) if "{%" in text else None
        if d:
            directives.append((line, bool(d["indent"]), d["body"]))
        if "[" not in text and "{#" not in text:
            continue
        for x in XREF_RE.finditer(text):
            xrefs.append(ScannedXRef(x["target"], x["text"], line, section))
        for link in LINK_RE.finditer(text):
            links.append((line, link["target"].strip("<>")))
        if "](" in text:
            read = {link.start() for link in LINK_RE.finditer(text)}
            links += [(line, link["target"].strip()) for link in BRACKETED_LINK_RE.finditer(text)
                      if link.start() not in read]
        for c in CITATION_RE.finditer(text):
            items = parse_citation(c["body"])
            if items:
                citations.append(ScannedCitation(items, line, section.text if section else None))
        for e in SPAN_ENTITY_RE.finditer(text):
            entities.append(ScannedEntity(e["body"].strip(), e["text"], line, True, section))
        b = block_declaration(text)
        if b:
            block = _block_text(lines, offset, raw[:b.start()].rstrip())
            entities.append(ScannedEntity(b["body"].strip(), block, line, False, section,
                                          bool(LIST_ITEM_RE.match(raw))))
    return Scan(tuple(headings), tuple(citations), tuple(xrefs), tuple(entities),
                tuple(quotes), tuple(prose), tuple(links), tuple(directives))


def block_declaration(text: str) -> re.Match | None:
    """A block's ``{#kind:slug}`` at the end of a line of prose: BLOCK_ENTITY_RE on the line with its span
    declarations blanked out (so that the end of ``[words]{#example:…}`` is not taken for one)."""
    # Only a line that ends with "}" can have one, and blanking cannot make a line end so: a span ends with
    # "}" itself. Most lines of prose are thus settled without the two passes over them.
    if "{#" not in text or not text.rstrip().endswith("}"):
        return None
    return BLOCK_ENTITY_RE.search(SPAN_ENTITY_RE.sub(lambda s: " " * len(s.group(0)), text))


def _block_text(lines: list[str], start: int, first: str) -> str:
    """The Markdown of the paragraph or list item whose first line is ``lines[start]`` (marker removed).

    A list item runs on over its indented continuation, including nested lists, up to the next item
    at its own indentation or the first line indented less.
    """
    item = LIST_ITEM_RE.match(lines[start])
    if not item:
        return first.strip()
    indent = len(item["indent"])
    out = [first[item.end():]]
    for raw in lines[start + 1:]:
        if raw.strip() == "":
            out.append("")
            continue
        own = len(raw) - len(raw.lstrip())
        if own <= indent and (LIST_ITEM_RE.match(raw) or not out[-1]):
            break
        out.append(raw[item.end():] if raw[:item.end()].strip() == "" else raw.strip())
    return "\n".join(out).strip()
