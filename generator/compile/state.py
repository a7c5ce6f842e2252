"""What the compile step shares with the processors of the report's dialect: the knowledge base, the page
being compiled, and what rendering it found."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..knowledge.model import KnowledgeBase
from ..knowledge.sitemap import relative_path, relative_url
from .sanitize import Finding


@dataclass
class RenderState:
    """What the host shares with the extension: the knowledge base and the page being rendered.

    ``fragment``: rendering a snippet for an island (``Fragments``), whose links are final URLs.
    """

    kb: KnowledgeBase
    page: str = "index.md"
    problems: list[str] = field(default_factory=list)
    fragment: bool = False
    # The ids inside the current page's islands: the host never sees them, so it is told (link checks).
    island_ids: set[str] = field(default_factory=set)
    # A host whose search indexes the page's HTML before it writes the page sets ``defer_unindexed``:
    # islands the index leaves out (``island(..., indexed=False)``) then come out as placeholders, their
    # HTML kept in ``deferred`` (a new list for every page), and the host puts them back after indexing
    # (``restore_deferred``). Its search never parses what it would throw away.
    defer_unindexed: bool = False
    deferred: list[str] = field(default_factory=list)
    # What the page's own HTML (its islands aside) holds that the sanitiser would remove (HtmlCheckProcessor);
    # a new list for every page. The host reports it (htmlcheck.diagnostics).
    unsafe: list[Finding] = field(default_factory=list)
    # Each passage of an author's page gets a "¶" link to its id (:mod:`.passages`); the PDF prints none.
    permalinks: bool = True

    def href(self, target_page: str, anchor: str = "") -> str:
        if self.fragment:
            return relative_url(target_page, self.page, anchor)
        return relative_path(target_page, self.page) + (f"#{anchor}" if anchor else "")

    def local_id(self, kind: str, n: int) -> str:
        """``cite-3``, ``xref-2``; in a fragment ``cite-f3``, so that snippets never reuse the page's ids."""
        return f"{kind}-f{n}" if self.fragment else f"{kind}-{n}"


# HTML the generator has already rendered, carried through a page's Markdown untouched (an island):
# Python-Markdown neither parses nor rescans it, which is what makes large generated pages cheap. The
