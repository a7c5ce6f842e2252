"""Run a function in a forked process that is given up on when it does not finish: a hang fails the test
instead of hanging the suite, and a blow-up in memory is a MemoryError there instead of on the machine.

The timeout is no measure of speed: it is many times what the work takes, and only a hang reaches it.
"""

from __future__ import annotations

import multiprocessing
import resource
from typing import Any, Callable

import pytest

TIMEOUT = 60  # seconds; what is run here takes well under one
MEMORY = 2 << 30  # bytes of address space the forked process may have


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


class Watchdog:
    """``with Watchdog() as run: run(fn, *args)`` — each call in the same forked worker, while none hangs."""

    def __enter__(self) -> Callable[..., Any]:
        self.pool = multiprocessing.get_context("fork").Pool(1, initializer=_limit_memory)
        return self.run

    def run(self, fn: Callable[..., Any], *args: Any, what: str = "") -> Any:
        pending = self.pool.apply_async(fn, args)
        try:
            return pending.get(TIMEOUT)
        except multiprocessing.TimeoutError:
            self.pool.terminate()
            self.pool = multiprocessing.get_context("fork").Pool(1, initializer=_limit_memory)
            pytest.fail(f"{what or fn.__name__} did not finish in {TIMEOUT} s: it hangs")

    def __exit__(self, *exc) -> None:
        self.pool.terminate()
        self.pool.join()


def within_timeout(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` run under a watchdog of its own."""
    with Watchdog() as run:
        return run(fn, *args)
