"""The host-independent core. Nothing in this package imports MkDocs."""

from .diagnostics import BuildError, Diagnostic, Diagnostics
from .loader import load_project
from .model import KnowledgeBase

__all__ = ["BuildError", "Diagnostic", "Diagnostics", "KnowledgeBase", "load_project"]
