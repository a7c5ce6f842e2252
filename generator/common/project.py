"""Where a project's sources are, and whether what is kept in its ``.cache/`` may be read: a module of its
own, light, so that ``report build`` can look at the sources' dates before it imports the loader
(``generator/entry.py``)."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Layout:
    """Where the sources are, relative to the project root."""

    content: str = "content"
    vignettes: str = "vignettes"
    references: str = "references"


def caches_read() -> bool:
    """False when ``REPORT_NO_CACHE`` is set (to anything but 0): nothing kept in ``.cache/`` (the load
    cache, the PDF) is read; what is made afresh is still kept for next time."""
    return os.environ.get("REPORT_NO_CACHE", "").strip() in ("", "0")
