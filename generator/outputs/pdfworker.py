"""The PDF's layout worker, seen from the process that needs the PDF: :class:`LayoutWorker` starts
``python -m generator.outputs.layout`` (:mod:`.layout`, which imports WeasyPrint) before the host loads the
project, so that importing WeasyPrint overlaps the loading, and no other process imports it.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
from pathlib import Path

from ..common.diagnostics import BuildError, Diagnostic
from .refusals import Refused

FONTS_DIR = Path(__file__).resolve().parent / "fonts"  # the only folder the PDF may load files from
WRITE_OPTIONS = {
    "pdf_variant": "pdf/ua-1",
    "pdf_identifier": True,  # the digest of the PDF's own bytes: stable, unlike a random id
}
PROGRAM = ("-m", "generator.outputs.layout")  # the worker, as Python's arguments; it is given the results' pipe


class LayoutWorker:
    """:func:`.layout.write_pdf` in a process of its own::

        with LayoutWorker(eager=True) as worker:  # eager: the worker starts now and imports WeasyPrint
            ...                                   # load the project, render the HTML
            pages = worker.write_pdf(html, out)   # as layout.write_pdf: BuildError, OSError

    Unless ``eager``, the worker starts only when it is given a document; a host whose PDF comes from the cache
    never gives it one, and it then costs nothing. The worker lays out one document and ends. It runs in a
    process group of its own: Ctrl-C, SIGTERM and SIGHUP are the host's to handle, and it stops the worker;
    were the worker to end first, the host could take the missing result for a worker killed or out of memory
    before it noticed the interrupt. Leaving the block (or :meth:`stop`) kills the worker if it still runs and
    reaps it, so it writes nothing more.
    """

    def __init__(self, *, eager: bool):
        self.eager = eager
        self.proc: subprocess.Popen | None = None
        self._results: int | None = None  # this process's end of the results' pipe

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def __enter__(self) -> LayoutWorker:
        if self.eager:
            self._start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _start(self) -> None:
        self._results, results = os.pipe()
        sys.stdout.flush()  # the worker prints its notes to the same output
        sys.stderr.flush()
        try:
            self.proc = subprocess.Popen([sys.executable, *PROGRAM, str(results)], stdin=subprocess.PIPE,
                                         pass_fds=(results,), process_group=0)
        except BaseException:
            self.stop()
            raise
        finally:
            os.close(results)

    def write_pdf(self, html: str, out: Path) -> int:
        if self.proc is None:
            self._start()
        try:
            with self.proc.stdin as pipe:
                pickle.dump((html, str(out), str(FONTS_DIR)), pipe)
        except BrokenPipeError:  # the worker is gone: its missing result says so
            pass
        results, self._results = self._results, None
        with open(results, "rb") as pipe:
            try:
                outcome, value = pickle.load(pipe)
            except EOFError:
                raise BuildError([Diagnostic(out.name, None, "the process laying out the PDF ended without a "
                                             "result (killed, or out of memory?) — build again.",
                                             "pdf.layout")]) from None
        if outcome == "refused":
            raise Refused(*value)
        if outcome == "problems":
            raise BuildError(value)
        if outcome == "os-error":
            raise value
        if outcome == "crash":
            raise RuntimeError(f"laying out the PDF failed:\n{value}")
        return value

    def stop(self) -> None:
        """End the worker (if it still runs) and reap it."""
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            self.proc.wait()
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
            self.proc = None  # only now: stopped halfway (Ctrl-C), a second call still reaps it
        if self._results is not None:
            os.close(self._results)
            self._results = None


def write_pdf(html: str, out: Path) -> int:
    """:func:`.layout.write_pdf` in a worker started for it."""
    with LayoutWorker(eager=True) as worker:
        return worker.write_pdf(html, out)
