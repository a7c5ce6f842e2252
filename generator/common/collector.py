"""Python's cycle collector, paused around work that builds many long-lived objects and little cyclic
garbage: loading the project (a knowledge base of some 100,000 objects at 2,000 vignettes) and laying out
the PDF. The collector would re-examine the growing heap many times on the way, for nothing to free."""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def paused():
    """The collector off for the block, then as it was (on again only if it was on)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
