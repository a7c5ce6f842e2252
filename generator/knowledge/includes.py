"""Includes: ``{% include page.md#heading-id %}`` on a line of its own shows a section of another page there.

Only a page of the project is named (by its path as a link from the including page gives it, never a file): the
knowledge base is all that is read. A page that is included includes nothing itself, so there is no circle and
no depth to limit beyond one. Every problem is reported at the directive's line, with the closest page or
heading id; the compile step (``compile.includes``) shows only what is checked here.
"""

from __future__ import annotations

import posixpath

from ..common.diagnostics import Diagnostics, did_you_mean, excerpt
from ..sources.dialect import INCLUDE_RE
from ..sources.scan import Heading, Scan
from .model import Document, Include, KnowledgeBase


def section_span(doc: Document, heading: Heading) -> tuple[int, int]:
    """(first, end) indexes into ``doc.body``'s lines of a section: its heading and everything up to the next
    heading of its level or above."""
    lines = doc.body.count("\n") + 1
    end = next((h.line for h in doc.headings if h.line > heading.line and h.level <= heading.level),
               doc.body_line + lines)
    return heading.line - doc.body_line, end - doc.body_line


def section_text(doc: Document, anchor: str) -> str | None:
    """The Markdown of the section whose heading has the id ``anchor`` (its heading line included), or None."""
    heading = next((h for h in doc.headings if h.anchor == anchor), None)
    if heading is None:
        return None
    first, end = section_span(doc, heading)
    return "\n".join(doc.body.split("\n")[first:end])


def read_includes(kb: KnowledgeBase, scans: dict[str, Scan], diags: Diagnostics) -> None:
    """Check every ``{% … %}`` line of every page; keep the includes that resolve in ``kb.includes``."""
    for page, s in scans.items():
        doc = kb.documents[page]
        found = [inc for line, indented, body in s.directives
                 if (inc := _include(kb, scans, doc, line, indented, body, diags)) is not None]
        if found:
            kb.includes[page] = tuple(found)


def _include(kb: KnowledgeBase, scans: dict[str, Scan], doc: Document, line: int, indented: bool, body: str,
             diags: Diagnostics) -> Include | None:
    def error(message: str, code: str) -> None:
        diags.error(doc.file, line, message, code)

    m = INCLUDE_RE.match(body)
    if m is None:
        error(f"'{{% {excerpt(body.strip(), 60)} %}}' is not a directive of the report — the only one is "
              "'{% include page.md#heading-id %}'.", "include.syntax")
        return None
    if indented:
        error("an include stands at the start of a line of its own — not indented, in a list or in a quote.",
              "include.syntax")
        return None
    here = posixpath.dirname(doc.page)
    target = posixpath.normpath(posixpath.join(here, m["page"]))
    if target not in kb.documents:
        names = [posixpath.relpath(p, here or ".") for p in kb.documents]
        error(f"include of '{m['page']}' — there is no such page in content/ or vignettes/; an include shows a "
              f"section of a page of the report, never another file.{did_you_mean(m['page'], names)}",
              "include.unknown-page")
        return None
    source = kb.documents[target]
    if not m["anchor"]:
        error(f"include of '{m['page']}' names no section — add its heading's id: "
              f"'{m['page']}#{source.headings[-1].anchor if source.headings else 'heading-id'}'.",
              "include.unknown-section")
        return None
    heading = next((h for h in source.headings if h.anchor == m["anchor"]), None)
    if heading is None:
        error(f"include of '{m['page']}#{m['anchor']}' — {source.file} has no heading with the id "
              f"'{m['anchor']}'.{did_you_mean(m['anchor'], [h.anchor for h in source.headings])}",
              "include.unknown-section")
        return None
    if target == doc.page or scans[target].directives:
        why = "itself" if target == doc.page else f"{source.file}, which includes another page itself"
        error(f"include of {why} — an included page includes nothing (one level of includes at most, "
              "so that no page ever includes itself).", "include.nested")
        return None
    above = [h.level for h in doc.headings if h.line < line]
    level = min(6, above[-1] + 1) if above else heading.level
    return Include(line, target, heading, level)
