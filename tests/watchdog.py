"""Run a function in a forked process that is given up on when it does not finish: a hang fails the test
instead of hanging the suite, and a blow-up in memory is a MemoryError there instead of on the machine.

The timeout is no measure of speed: it is many times what the work takes, and only a hang reaches it.
"""

from __future__ import annotations

import multiprocessing
import resource
import traceback
from typing import Any, Callable

import pytest

TIMEOUT = 60  # seconds; what is run here takes well under one
MEMORY = 2 << 30  # bytes of address space the forked process may have


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def _call(fn: Callable[..., Any], args: tuple) -> tuple[bool, Any]:
    """(True, what ``fn`` returned), or (False, its traceback): an exception itself may not survive pickling."""
    try:
        return True, fn(*args)
    except BaseException:  # noqa: BLE001 -- reported by the parent, whatever it is
        return False, traceback.format_exc()


class Watchdog:
    """``with Watchdog() as run: run(fn, *args)`` — each call in the same forked worker, while none hangs."""

    def __enter__(self) -> Callable[..., Any]:
        self.pool = multiprocessing.get_context("fork").Pool(1, initializer=_limit_memory)
        return self.run

    def run(self, fn: Callable[..., Any], *args: Any, what: str = "") -> Any:
        pending = self.pool.apply_async(_call, (fn, args))
        try:
            done, value = pending.get(TIMEOUT)
        except multiprocessing.TimeoutError:
            self.pool.terminate()
            self.pool = multiprocessing.get_context("fork").Pool(1, initializer=_limit_memory)
            pytest.fail(f"{what or fn.__name__} did not finish in {TIMEOUT} s: it hangs")
        if not done:
            pytest.fail(f"{what or fn.__name__} raised an exception:\n{value}")
        return value

    def __exit__(self, *exc) -> None:
        self.pool.terminate()
        self.pool.join()


def within_timeout(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` run under a watchdog of its own."""
    with Watchdog() as run:
        return run(fn, *args)
