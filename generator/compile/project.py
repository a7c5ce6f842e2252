"""The report read and checked as far as compiling it can tell: the knowledge base, with every problem in
its sources, including what rendering finds in the authors' HTML (``htmlcheck``)."""

from __future__ import annotations

from pathlib import Path

from ..common.diagnostics import Diagnostics
from ..common.project import Layout
from ..knowledge.loader import load_knowledge
from ..knowledge.model import KnowledgeBase
from .htmlcheck import check_sources


def load_project(root: Path | str, layout: Layout = Layout(), *,
                 cache: bool = True) -> tuple[KnowledgeBase, Diagnostics]:
    """The knowledge base and every problem. ``cache``: reuse what an earlier load made of unchanged files
    (``<root>/.cache/load/``, see ``sources.loadcache``; ``REPORT_NO_CACHE=1`` recomputes but keeps). The
    same either way."""
    kb, diags = load_knowledge(root, layout, cache=cache)
    diags.items += check_sources(kb, kb.texts, others=bool(diags.items))
    return kb, diags
