"""The host-independent core. Nothing in this package imports MkDocs.

The names below are imported on first use (PEP 562), not with the package: a light module of it
(``pdfworker``, ``pdfcache``, ``project``) can then be imported without the loader, pybtex and the rest,
which is how ``report build`` forks its PDF worker before anything heavy is imported.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .diagnostics import BuildError, Diagnostic, Diagnostics
    from .loader import load_project
    from .model import KnowledgeBase

__all__ = ["BuildError", "Diagnostic", "Diagnostics", "KnowledgeBase", "load_project"]
_FROM = {"BuildError": ".diagnostics", "Diagnostic": ".diagnostics", "Diagnostics": ".diagnostics",
         "load_project": ".loader", "KnowledgeBase": ".model"}


def __getattr__(name: str):
    if name not in _FROM:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_FROM[name], __name__), name)
    globals()[name] = value  # the next look-up is an ordinary one
    return value
