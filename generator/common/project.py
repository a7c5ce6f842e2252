"""Where a project's sources are, and whether what is kept in its ``.cache/`` may be read."""

from __future__ import annotations

import os
from dataclasses import dataclass

from .vocabulary import VIGNETTE_NUMBERS


@dataclass(frozen=True)
class Layout:
    """Where the sources are, relative to the project root, and how many vignettes they may number."""

    content: str = "content"
    vignettes: str = "vignettes"
    references: str = "references"
    vignette_numbers: int = VIGNETTE_NUMBERS  # vignettes are numbered I to this, in Roman numerals


def caches_read() -> bool:
    """False when ``REPORT_NO_CACHE`` is set (to anything but 0): nothing kept in ``.cache/`` (the load
    cache, the PDF) is read; what is made afresh is still kept for next time."""
    return os.environ.get("REPORT_NO_CACHE", "").strip() in ("", "0")
