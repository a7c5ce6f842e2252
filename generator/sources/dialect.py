"""The report's dialect of Markdown: the syntax it adds, and nothing else.

- Citations: ``[@key]``, ``[see @key, p. 3; @other]`` (Pandoc's form), ``[-@key]`` without the author.
- Cross-references: ``[text][kind:id]``, a reference-style link whose label names an entity
  (``[Vignette I][vignette:mental-health-community-triage]``).
- Entity declarations, on a block at the end of its first line
  (``- **Evaluation matters:** understanding … {#lesson:evaluation-matters}``) or on the exact words of a passage
  (``[road safety programmes]{#example:road-safety-programmes level=primary}``, ``['the normal now' (A14)]{#quote}``).
- Interview extracts: a block quote whose last line is its attribution (``> — A04 police``), and inline quotes that
  end with their interviewee's code in brackets.
- Includes: a line of its own, ``{% include executive-summary.md#wider-lessons %}``, shows a section of another page
  (a page of the project, by its path as a link gives it, and a heading's id) where it stands.

Anything inside ``{#…}`` is parsed and checked by the knowledge stage; these patterns only find it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A bracketed group containing at least one @key, not followed by "(" or "[" (that is a link).
# (Possessive: a '[' followed by many '@' and no ']' is given up on at once, not tried at every '@'.)
CITATION_RE = re.compile(r"\[(?P<body>[^\[\]\n@]*+@[^\[\]\n]*+)\](?![\[(:])")
_KEY = r"[A-Za-z0-9_](?:[\w:.#$%&+?<>~/-]*[A-Za-z0-9_])?"
_ITEM_RE = re.compile(
    rf"^\s*(?P<prefix>(?:.*?\s)?)(?P<suppress>-?)@(?P<key>{_KEY})(?P<locator>\s*,.*?)?\s*$", re.S
)
CITATION_TEXT_RE = re.compile(r"\[@[^\]]*\]")

# [text][kind:id] — the label of a reference-style link names an entity.
XREF_RE = re.compile(r"\[(?P<text>[^\[\]\n]*)\]\[(?P<target>(?P<kind>[a-z]+):(?P<id>[\w.-]+))\]")
SPAN_ENTITY_RE = re.compile(r"\[(?P<text>[^\[\]\n]+)\]\{#(?P<body>[a-z][^{}\n]*)\}")
BLOCK_ENTITY_RE = re.compile(r"(?<=\s)\{#(?P<body>[a-z][\w-]*:[^{}\n]*)\}\s*$")
BLOCK_DECLARATION_RE = re.compile(r"\s*\{#[a-z][\w-]*:[^{}\n]*\}\s*$", re.M)
BLOCK_KINDS = ("lesson", "area", "focus-group")  # declared on a block
SPAN_KINDS = ("example", "quote")  # declared on a passage's words
# A lesson's block starts with its bold title; an area's with "Area A – …".
LESSON_TITLE_RE = re.compile(r"^\*\*(?P<title>.+?):?\*\*:?\s*")
AREA_TEXT_RE = re.compile(r"^Area (?P<letter>[A-D])\s*[–—-]\s*(?P<text>.+)$")

# "> — A04 Police": the attribution line that ends an interview extract.
ATTRIBUTION_RE = re.compile(
    r"^—\s*(?P<code>FG(?P<fg>[A-D])|(?P<area>[A-D])\d{2})(?:\s+(?P<role>police|fire|partner))?\s*$", re.I)
# "'the normal now' (A14)": an inline quote with its interviewee's code.
# (The quote is greedy, up to its last non-space: a lazy one tried the spaces after every word of it.)
INLINE_QUOTE_RE = re.compile(r"^(?P<quote>.*\S)\s*\((?P<code>[A-D]\d{2}|FG[A-D])(?:\s+(?P<role>police|fire|partner))?\)$",
                             re.I)

# "{% include page.md#heading-id %}": any "{% … %}" line is a directive, so that a misspelt one is reported, not shown.
DIRECTIVE_RE = re.compile(r"^(?P<indent>(?:[ \t>]|[-*+][ \t]|\d{1,9}[.)][ \t])*)\{%(?P<body>.*)%\}[ \t]*$")
INCLUDE_RE = re.compile(r"^\s*include\s+(?P<page>[^\s#]+)(?:#(?P<anchor>[^\s#]*))?\s*$")


@dataclass(frozen=True)
class CitationItem:
    key: str
    prefix: str = ""
    locator: str = ""
    suppress_author: bool = False


def parse_citation(body: str) -> tuple[CitationItem, ...] | None:
    """The items of ``[body]``, or None when the brackets are not a citation (e.g. an e-mail)."""
    items = []
    for part in body.split(";"):
        m = _ITEM_RE.match(part)
        if not m:
            return None
        items.append(CitationItem(
            key=m["key"],
            prefix=m["prefix"].strip(),
            locator=(m["locator"] or "").strip().lstrip(",").strip(),
            suppress_author=bool(m["suppress"]),
        ))
    return tuple(items)


def strip_declarations(markdown: str) -> str:
    """A block's Markdown without its entity declarations (``{#lesson:…}``)."""
    if "{#" not in markdown:  # nothing to strip; the pattern, which starts with \s*, would try every position
        return markdown.strip()
    return BLOCK_DECLARATION_RE.sub("", markdown).strip()


# "Table: words", a paragraph of its own right before or after a table (Pandoc's form): the table's caption.
TABLE_CAPTION_RE = re.compile(r"Table: +(?P<words>\S.*)")
_TABLE_RULE_RE = re.compile(r"\s*(?=.*\|)\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*")


def stray_table_captions(lines: tuple[tuple[int, str], ...]) -> list[int]:
    """The line of every ``Table: words`` paragraph (``lines``: a page's prose, numbered) with no table in the
    block right before or right after it."""
    text = dict(lines)

    def block(start: int, step: int) -> list[str]:
        out, n = [], start
        while text.get(n, "").strip():
            out.append(text[n])
            n += step
        return out

    return [n for n, line in lines
            if TABLE_CAPTION_RE.fullmatch(line.rstrip()) and not text.get(n - 1, "").strip()
            and not text.get(n + 1, "").strip()
            and not any(_TABLE_RULE_RE.fullmatch(row) for row in block(n - 2, -1) + block(n + 2, 1))]
