"""The compile step: every page of the report, in its dialect, becomes standard Markdown that any host builds.

A page's Markdown (:func:`.render.page_markdown`: an author's page with what the site adds to it, or a page
generated from the knowledge base) is rendered with the host's own Python-Markdown extensions and the
report's (:class:`.mdext.ReportExtension`), then written back by :mod:`.standard`: headings as Markdown,
everything else as ready HTML, its links the published pages' URLs (:mod:`.sitelinks`). The host renders
that with the same extensions and gets the HTML it would have made of the dialect itself. A host that
indexes pages for search before it writes them may have the islands that search leaves out deferred
(``defer_unindexed``): they come back with :func:`.islands.restore_deferred`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from markdown import Markdown
from markdown.extensions import Extension

from ..common.diagnostics import Diagnostic
from ..knowledge.model import KnowledgeBase
from .islands import CompiledBlocks
from .mdext import ReportExtension
from .render import page_markdown
from .templating import REQUIRED_EXTENSIONS
from .sanitize import Finding
from .sitelinks import Anchored, SiteLinks, WrittenAt, check_anchors
from .standard import StandardExtension
from .toc import placed_toc
from .state import RenderState

# What the compile step leaves to the host's toc: the permalinks (and heading levels, shifted by baselevel).
TOC_LEFT_TO_HOST = {"permalink": False, "anchorlink": False, "baselevel": 1}
# What a host renders of a compiled page: its headings, with their ids and attributes.
HOST_EXTENSIONS = ("toc", "attr_list")


@dataclass
class CompiledPage:
    page: str
    markdown: str  # standard Markdown: headings, and every other block as ready HTML
    source: str  # the file it comes from (the page's path for a generated page)
    dialect: str  # what it was compiled from: the page's Markdown in the report's dialect
    ids: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)  # what rendering found (a citation it could not render)
    unsafe: list[Finding] = field(default_factory=list)  # what the authors' HTML holds that the sanitiser removes
    link_problems: list[Diagnostic] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)  # with defer_unindexed: the islands left out
    anchored: list[Anchored] = field(default_factory=list)  # links with an anchor, to check
    # With ``finished``: the HTML the host makes of ``markdown`` with ``host_extensions``, its table of contents
    # (toc's tokens), and the Markdown of its first heading if it begins with one (where a host finds the title).
    html: str | None = None
    toc: list[dict] = field(default_factory=list)
    title: str = ""


def compile_extensions(extensions: Iterable, configs: dict | None) -> tuple[list, dict]:
    """The host's Python-Markdown extensions and their settings, as the compile step runs them: with the
    extensions the report's Markdown needs, and toc giving headings their ids only."""
    configs = {name: dict(value or {}) for name, value in (configs or {}).items()}
    configs["toc"] = {**configs.get("toc", {}), **TOC_LEFT_TO_HOST}
    return list(dict.fromkeys([*extensions, *REQUIRED_EXTENSIONS])), configs


class Compiler:
    """Compiles pages one after the other with one Python-Markdown instance.

    ``extensions``/``configs``: the host's (``markdown_extensions`` of mkdocs.yml, say); ``links``: the site's
    pages and files, to make and check links as the host would, or None when ``extra`` extensions make the
    links (the PDF's); ``state``: the dialect's state (default: a new one, deferring unindexed islands when
    ``defer_unindexed``); ``sanitize``: the HTML written goes through the sanitiser, for a host that does not
    clean each page itself; ``marked``: each block of HTML marked for :class:`.islands.CompiledBlocks`;
    ``finished`` (implies ``marked``; needs toc among the host's extensions): each page also as the host renders
    it with :meth:`host_extensions`, for a host that takes that instead of parsing the page again."""

    def __init__(self, kb: KnowledgeBase, extensions: Iterable = (), configs: dict | None = None, *,
                 links: SiteLinks | None, state: RenderState | None = None, defer_unindexed: bool = False,
                 sanitize: bool = False, marked: bool = False, finished: bool = False,
                 extra: Iterable[Extension] = ()):
        self.kb, self.links = kb, links
        self.state = state or RenderState(kb, defer_unindexed=defer_unindexed)
        extensions = list(extensions)
        host_toc = None
        if finished and any(_extension_name(e) == "toc" for e in extensions):
            host_toc = dict((configs or {}).get("toc") or {})
        names, settings = compile_extensions(extensions, configs)
        self.standard = StandardExtension(links, sanitize, marked or finished, host_toc)
        self.md = Markdown(extensions=[*names, ReportExtension(self.state), *extra, self.standard],
                           extension_configs=settings)
        placed_toc(self.md)

    def compile(self, page: str, markdown: str | None = None) -> CompiledPage:
        """``page`` (a site path) compiled from ``markdown`` (default: :func:`.render.page_markdown`)."""
        if markdown is None:
            markdown = page_markdown(self.kb, page) or ""
        doc = self.kb.documents.get(page)
        source = doc.file if doc is not None else page
        writer = self.standard.writer
        self.state.page, writer.page, writer.source = page, page, source
        writer.written_at = WrittenAt(doc.body, doc.body_line) if doc is not None else None
        self.state.problems = []
        writer.start()
        self.md.reset()
        self.md.convert(markdown)
        written = writer.written
        return CompiledPage(page, written.markdown, source, markdown, written.ids | self.state.island_ids,
                            self.state.problems, self.state.unsafe, written.problems, self.state.deferred,
                            written.links, written.html, written.toc, written.title)

    def host_extensions(self, extensions: Iterable) -> list:
        """Of the host's Python-Markdown ``extensions``, what it needs to render this compiler's marked pages
        (``marked``): toc, for the headings' permalinks and the table of contents, and attr_list, for their
        attributes; with :class:`.islands.CompiledBlocks`, which carries every other block as it is and escapes
        what the compile step escaped. The compile step has applied every other extension already: a second
        pass would only cost time, or apply one twice."""
        kept = [e for e in extensions if _extension_name(e) in HOST_EXTENSIONS]
        return [*kept, CompiledBlocks(self.md.ESCAPED_CHARS)]

    def anchor_problems(self, compiled: dict[str, CompiledPage]) -> list[Diagnostic]:
        """The links among ``compiled`` pages that lead to an anchor their page does not have (when the
        host's settings make that a problem)."""
        if self.links is None or "anchors" not in self.links.failing:
            return []
        return check_anchors((link for p in compiled.values() for link in p.anchored),
                             {p.page: p.ids for p in compiled.values()})


def _extension_name(extension) -> str:
    """An extension as mkdocs.yml may name it (``toc``, ``markdown.extensions.toc``,
    ``markdown.extensions.toc:TocExtension``) or as an instance, by its short name: ``toc``."""
    module = extension.partition(":")[0] if isinstance(extension, str) else type(extension).__module__
    return module.removeprefix("markdown.extensions.")
