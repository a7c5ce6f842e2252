"""Includes resolved (``knowledge.includes`` checks them): where ``{% include page.md#heading-id %}`` stands, the
page shows that section of the other page.

Its headings stay Markdown (the page's contents and permalinks list them), one level below the heading above
the directive, and left out of the site's search, which finds the words where they are written; a line after
the first says where the words come from, with a link to them; its text comes as
islands rendered for this page (``Fragments``), so that its citations, cross-references and links lead where they
do on its own page, with ids that never clash with the page's. It declares nothing: an example, a lesson or an
extract stays declared where the report declares it, and is only shown here.
"""

from __future__ import annotations

import posixpath
import re

from ..knowledge.includes import section_span
from ..knowledge.model import Document, Include, KnowledgeBase
from ..knowledge.sitemap import relative_path, relative_url, site_url
from ..sources.dialect import BLOCK_DECLARATION_RE, SPAN_ENTITY_RE
from ..sources.scan import LINK_RE
from .islands import island
from .state import RenderState
from .templating import PageFragments, markdown_text

_SCHEME_RE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//|/)", re.I)


def body_with_includes(kb: KnowledgeBase, doc: Document, links: RenderState | None = None) -> str:
    """``doc``'s Markdown with each include replaced by the section it names. ``links``: the host's own links
    (the PDF's), as for islands."""
    includes = kb.includes.get(doc.page)
    if not includes:
        return doc.body
    lines = doc.body.split("\n")
    fragments = PageFragments(kb, doc.page, "\n".join(lines[:includes[0].line - doc.body_line]),
                              plain=links is not None)
    out: list[str] = []
    done = 0
    for inc in includes:
        at = inc.line - doc.body_line
        out += [*lines[done:at], _section(kb, doc.page, inc, fragments, links)]
        done = at + 1
    return "\n".join(out + lines[done:])


def _section(kb: KnowledgeBase, page: str, inc: Include, fragments: PageFragments, links: RenderState | None) -> str:
    source = kb.documents[inc.page]
    first, end = section_span(source, inc.heading)
    lines = source.body.split("\n")
    headings = {h.line - source.body_line: h for h in source.headings}
    blocks: list[str] = []
    text: list[str] = []

    def flush() -> None:
        markdown = _rebased(_undeclared("\n".join(text)), inc.page, page, links).strip()
        if markdown:
            blocks.append(island(fragments.html(markdown), fragments.new_terms()))
        text.clear()

    for i in range(first, end):
        heading = headings.get(i)
        if heading is None:
            text.append(lines[i])
            continue
        flush()
        level = max(1, min(6, heading.level + inc.level - inc.heading.level))
        blocks.append(_unindexed("#" * level + lines[i].lstrip("#")))
        if i == first:
            where = markdown_text(f"{source.title} › {inc.heading.text}")
            href = relative_path(inc.page, page) + f"#{inc.heading.anchor}"
            blocks.append(f"From [{where}]({href}).\n{{: .included-from }}")
    flush()
    return "\n\n".join(blocks) + "\n"


def _unindexed(heading: str) -> str:
    """The heading with ``data-search-exclude`` added to its attribute list: search finds the words where they
    are written, not this copy."""
    heading = heading.rstrip()
    start = heading.rfind("{")  # attr_list's: ' {…}' ending the line
    if heading.endswith("}") and start > 0 and heading[start - 1] == " ":
        heading, attrs = heading[:start].rstrip(), heading[start + 1:-1].lstrip(":").strip() + " "
    else:
        attrs = ""
    return f'{heading} {{ {attrs}data-search-exclude="" }}'


def _undeclared(markdown: str) -> str:
    """The words of every declaration (``[words]{#example:…}``, ``… {#lesson:…}``) without the declaration."""
    return BLOCK_DECLARATION_RE.sub("", SPAN_ENTITY_RE.sub(lambda m: m["text"], markdown))


def _rebased(markdown: str, source: str, page: str, links: RenderState | None) -> str:
    """Links written relative to ``source`` made to lead to the same place from ``page``, as final URLs (islands)."""
    def rebase(m: re.Match) -> str:
        written = m["target"].strip("<>")
        if _SCHEME_RE.match(written):
            return m[0]
        path, _, anchor = written.partition("#")
        target = posixpath.normpath(posixpath.join(posixpath.dirname(source), path)) if path else source
        if not target.endswith(".md"):  # a file: relative to the page's URL
            url = posixpath.relpath(target, site_url(page) or ".") + (f"#{anchor}" if anchor else "")
        elif links is not None:
            url = links.href(target, anchor)
        else:
            url = relative_url(target, page, anchor)
        return m[0].replace(m["target"], f"<{url}>", 1)
    return LINK_RE.sub(rebase, markdown)
