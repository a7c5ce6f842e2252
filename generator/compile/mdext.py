"""The report's dialect as one Python-Markdown extension: islands, citations, cross-references, entity
declarations, attributed quotes, glossary terms, per-page references, and the check of the authors' HTML.

It needs only Python-Markdown. The compile step (:mod:`.compiler`) runs it and writes what it made as
standard Markdown; the host tells it which page is rendered (``state.page``, a site path such as
``vignettes/road-safety.md``). Links between pages are relative ``.md`` paths, which the compile step turns
into the site's URLs (or the PDF's links).
"""

from __future__ import annotations

from markdown import Markdown
from markdown.extensions import Extension

from .authorhtml import HtmlCheckProcessor
from .captions import TableCaptionProcessor
from .inline import BlockAnchorProcessor, ReportInlineProcessor
from .islands import IslandPreprocessor
from .pagerefs import PageReferencesProcessor
from .passages import PassageProcessor
from .plaintext import PlainTextProcessor
from .quotes import QuoteProcessor
from .state import RenderState
from .terms import TermProcessor

__all__ = ["RenderState", "ReportExtension"]


class ReportExtension(Extension):
    def __init__(self, state: RenderState, **kwargs):
        self.state = state
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        md.registerExtension(self)
        self.md = md
        self.reset()
        md.preprocessors.register(IslandPreprocessor(self.state, md), "report-islands", 29)  # before html_block (20)
        # Above 'reference' (170) so that [text][kind:id], [words]{#…} and [@key] are ours.
        md.inlinePatterns.register(ReportInlineProcessor(self.state, md), "report-inline", 178)
        # Before inline processing (20): text it cannot change is marked as such.
        md.treeprocessors.register(PlainTextProcessor(md), "report-plain-text", 21)
        # After inline processing (20), before attr_list (8) and toc (5).
        md.treeprocessors.register(BlockAnchorProcessor(md), "report-block-anchors", 16)
        md.treeprocessors.register(QuoteProcessor(self.state, md), "report-quotes", 15)
        md.treeprocessors.register(TermProcessor(self.state, md), "report-terms", 14)
        md.treeprocessors.register(PageReferencesProcessor(self.state, md), "report-page-references", 12)
        # After toc (5), which gives the headings the ids that passages' ids start from.
        md.treeprocessors.register(TableCaptionProcessor(md), "report-table-captions", 4.5)
        md.treeprocessors.register(PassageProcessor(self.state, md), "report-passages", 4)
        md.treeprocessors.register(HtmlCheckProcessor(self.state, md), "report-html-check", 3)

    def reset(self) -> None:
        self.md.report_citations = []  # type: ignore[attr-defined]
        self.md.report_xrefs = []  # type: ignore[attr-defined]
        self.md.report_inline_quotes = []  # type: ignore[attr-defined]
        self.md.report_terms_linked = set()  # type: ignore[attr-defined]
        self.md.report_islands = set()  # type: ignore[attr-defined]  # indexes of the islands in htmlStash
