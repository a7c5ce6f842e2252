"""Laying out and writing the PDF (WeasyPrint), in this process or in a worker forked before the project is
loaded, which imports WeasyPrint (slow to import) while the project loads. :mod:`.pdf` renders the HTML that it
lays out.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import pickle
import signal
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from ..common import collector
from ..common.diagnostics import BuildError, Diagnostic
from ..common.files import atomic_write
from ..common.limits import exhausted
from . import pdftags
from .refusals import Refusal, Refused

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
WRITE_OPTIONS = {
    "pdf_variant": "pdf/ua-1",
    "pdf_identifier": True,  # the digest of the PDF's own bytes: stable, unlike a random id
}
# WeasyPrint's warnings about the machine it runs on, which no change to the report can fix (the start of
# each one's format string): each is printed once, as a note, and the build goes on. Every other warning
# is a problem in what is laid out.
MACHINE_NOTES = {
    "Using fontTools instead of HarfBuzz-Subset": (
        "note: HarfBuzz-Subset 4.1 or later is not installed, so WeasyPrint subsets the PDF's fonts with "
        "fontTools instead. The PDF is complete, but its bytes differ from a build with HarfBuzz-Subset (such "
        "as a release's SHA256SUMS). On Debian or Ubuntu: sudo apt-get install libharfbuzz-subset0"),
}


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []
        self.notes: dict[str, None] = {}  # in order, each once

    def emit(self, record):
        note = next((n for start, n in MACHINE_NOTES.items() if str(record.msg).startswith(start)), None)
        if note is None:
            self.messages.append(record.getMessage())
        else:
            self.notes[note] = None


@dataclass
class LaidOut:
    """A PDF laid out by :func:`lay_out`: its bytes and number of pages, what was left out of it (see
    :mod:`.pdfpolicy`) and WeasyPrint's warnings."""

    data: bytes
    pages: int
    refused: list[Refusal]
    warnings: list[str]


def lay_out(html: str) -> LaidOut:
    """Lay out ``html`` into a PDF that contains nothing :mod:`.pdfpolicy` refuses."""
    import weasyprint  # imported here: it is slow to import, and only the PDF needs it

    from . import pdfpolicy

    collect = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collect)
    fetcher = pdfpolicy.Fetcher(FONTS_DIR)
    try:
        # The layout's boxes live until the PDF is written: the collector would only re-examine them.
        with collector.paused():
            source = weasyprint.HTML(string=html, base_url=FONTS_DIR.as_uri() + "/", url_fetcher=fetcher)
            document = source.render(pdf_variant=WRITE_OPTIONS["pdf_variant"])
            refused = pdfpolicy.enforce(source, document)
            data = document.write_pdf(finisher=pdftags.mend, **WRITE_OPTIONS)
    finally:
        logger.removeHandler(collect)
    for note in collect.notes:
        print(note, flush=True)  # flushed: the layout worker ends without flushing
    # WeasyPrint's own warnings about what the fetcher refused say less than the refusals.
    warnings = [m for m in dict.fromkeys(collect.messages) if pdfpolicy.REFUSED not in m]
    return LaidOut(data, len(document.pages), [*fetcher.refused, *refused], warnings)


def write_pdf(html: str, out: Path) -> int:
    """Lay out ``html`` and write the PDF atomically to ``out``; return its number of pages.

    Raises :class:`Refused` when ``html`` names what the PDF must not contain (:mod:`.pdfpolicy`), and
    BuildError when WeasyPrint warns; either way nothing is written."""
    pdf = lay_out(html)
    problems = [Diagnostic(out.name, None, f"WeasyPrint: {m}", "pdf.layout") for m in pdf.warnings]
    if pdf.refused:
        raise Refused(pdf.refused, problems, out.name)
    if problems:
        raise BuildError(problems)
    with atomic_write(out) as f:
        f.write(pdf.data)
    return pdf.pages


_HELD = {signal.SIGINT, signal.SIGTERM} | ({signal.SIGHUP} if hasattr(signal, "SIGHUP") else set())


class LayoutWorker:
    """:func:`write_pdf` in a process of its own, forked before the host loads the project, so that
    importing WeasyPrint overlaps the host's own start-up::

        with LayoutWorker(eager=True) as worker:  # forks; eager: it imports WeasyPrint at once
            ...                                   # load the project, render the HTML
            pages = worker.write_pdf(html, out)   # as write_pdf: BuildError, OSError

    Unless ``eager``, the worker waits for a document before it imports WeasyPrint, and a host whose
    PDF comes from the cache never gives it one: it then costs nothing. The worker takes one document
    and ends with ``os._exit``, leaving the laid-out document to the system rather than freeing it. Leaving the block (or :meth:`stop`) kills the worker if it still runs and reaps it,
    so it writes nothing more. Only on Linux (forking without exec is not safe everywhere); elsewhere
    :meth:`write_pdf` lays the PDF out in this process.
    """

    def __init__(self, *, eager: bool):
        self.eager = eager
        self.pid: int | None = None
        self._jobs = self._results = None  # this process's end of each pipe

    def __enter__(self) -> LayoutWorker:
        if not sys.platform.startswith("linux"):
            return self
        jobs, self._jobs = os.pipe()
        self._results, results = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        # Ctrl-C and SIGTERM wait until the worker is inside _lay_out: it must never run this process's
        # clean-up.
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
        try:
            try:
                self.pid = os.fork()
                if self.pid == 0:
                    _lay_out(jobs, results, self.eager, mask=mask, close=(self._jobs, self._results))
            finally:  # here only: the worker never returns
                os.close(jobs)
                os.close(results)
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a signal held back is raised here
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def write_pdf(self, html: str, out: Path) -> int:
        if self.pid is None:
            return write_pdf(html, out)
        jobs, self._jobs = self._jobs, None
        try:
            with open(jobs, "wb") as pipe:
                pickle.dump((html, str(out)), pipe)
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
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = None  # only now: stopped halfway (Ctrl-C), a second call still reaps it
        for fd in (self._jobs, self._results):
            if fd is not None:
                os.close(fd)
        self._jobs = self._results = None


def _lay_out(jobs: int, results: int, eager: bool, *, mask: set, close: tuple[int, int]) -> NoReturn:
    """The worker: one document from ``jobs``, its outcome to ``results``, then the end of the process,
    whatever happens (none of the host's clean-up is the worker's to run). ``mask``: the signal mask to
    restore; ``close``: the host's ends of the pipes.

    Ctrl-C, SIGTERM and SIGHUP are ignored: sent to the whole process group, they are the host's to handle,
    and it stops the worker. Were the worker to end first, the host could take the missing result for a
    worker killed or out of memory before it noticed the interrupt.

    Python's cyclic garbage collector is off in it: the layout's objects live until the PDF is written,
    reference counting frees nearly all the rest, and the process ends as soon as the PDF is written."""
    try:
        for signum in _HELD:
            signal.signal(signum, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        for fd in close:
            os.close(fd)
        gc.disable()
        if eager:
            import weasyprint  # noqa: F401 -- the slow import, while the host loads the project
        with open(jobs, "rb") as pipe:
            html, out = pickle.load(pipe)  # EOFError: the host needed no layout
        try:
            outcome = ("pages", write_pdf(html, Path(out)))
        except Refused as exc:
            outcome = ("refused", (exc.refusals, exc.others, exc.where))
        except BuildError as exc:
            outcome = ("problems", exc.diagnostics)
        except OSError as exc:
            outcome = ("os-error", exc)
        except (RecursionError, MemoryError) as exc:  # a document deeper or larger than WeasyPrint can lay out
            outcome = ("problems", [Diagnostic(Path(out).name, None, exhausted(exc, "laying out"), "limit.resources")])
        except Exception:
            outcome = ("crash", traceback.format_exc())
        with open(results, "wb") as pipe:
            pickle.dump(outcome, pipe)
    finally:
        os._exit(0)
