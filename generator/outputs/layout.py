"""Laying out and writing the PDF with WeasyPrint, and the layout worker's program: ``python -m
generator.outputs.layout FD`` reads one document from its standard input, writes the PDF and sends its outcome
through the file descriptor FD (:class:`.pdfworker.LayoutWorker` starts it, so that importing WeasyPrint, slow,
overlaps the host's own start-up; no other process imports WeasyPrint). :mod:`.pdf` renders the HTML that
it lays out.
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import weasyprint

from ..common import collector
from ..common.diagnostics import BuildError, Diagnostic
from ..common.files import atomic_write
from ..common.limits import exhausted
from . import pdfpolicy, pdftags
from .pdfworker import FONTS_DIR, WRITE_OPTIONS
from .refusals import Refusal, Refused

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


def lay_out(html: str, fonts: Path = FONTS_DIR) -> LaidOut:
    """Lay out ``html`` into a PDF that contains nothing :mod:`.pdfpolicy` refuses; ``fonts``: the only folder
    it may load files from."""
    collect = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collect)
    fetcher = pdfpolicy.Fetcher(fonts)
    try:
        # The layout's boxes live until the PDF is written: the collector would only re-examine them.
        with collector.paused():
            source = weasyprint.HTML(string=html, base_url=fonts.as_uri() + "/", url_fetcher=fetcher)
            document = source.render(pdf_variant=WRITE_OPTIONS["pdf_variant"])
            refused = pdfpolicy.enforce(source, document)
            data = document.write_pdf(finisher=pdftags.mend, **WRITE_OPTIONS)
    finally:
        logger.removeHandler(collect)
    for note in collect.notes:
        print(note, flush=True)  # flushed: the worker ends without flushing
    # WeasyPrint's own warnings about what the fetcher refused say less than the refusals.
    warnings = [m for m in dict.fromkeys(collect.messages) if pdfpolicy.REFUSED not in m]
    return LaidOut(data, len(document.pages), [*fetcher.refused, *refused], warnings)


def write_pdf(html: str, out: Path, fonts: Path = FONTS_DIR) -> int:
    """Lay out ``html`` (loading files from ``fonts`` only) and write the PDF atomically to ``out``; return its
    number of pages.

    Raises :class:`Refused` when ``html`` names what the PDF must not contain (:mod:`.pdfpolicy`), and
    BuildError when WeasyPrint warns; either way nothing is written."""
    pdf = lay_out(html, fonts)
    problems = [Diagnostic(out.name, None, f"WeasyPrint: {m}", "pdf.layout") for m in pdf.warnings]
    if pdf.refused:
        raise Refused(pdf.refused, problems, out.name)
    if problems:
        raise BuildError(problems)
    with atomic_write(out) as f:
        f.write(pdf.data)
    return pdf.pages


def serve(results: int) -> NoReturn:
    """The worker: one document (pickled ``(html, out, fonts)``) from standard input, its outcome (pickled) to the file
    descriptor ``results``, then the end of the process, whatever happens.

    Python's cyclic garbage collector is off: the layout's objects live until the PDF is written, reference
    counting frees nearly all the rest, and the process ends (``os._exit``, leaving the laid-out document to
    the system rather than freeing it) as soon as the PDF is written."""
    try:
        gc.disable()
        try:
            html, out, fonts = pickle.load(sys.stdin.buffer)
        except EOFError:  # the host needed no layout
            os._exit(0)
        try:
            outcome = ("pages", write_pdf(html, Path(out), Path(fonts)))
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
        sys.stdout.flush()
        os._exit(0)


if __name__ == "__main__":
    serve(int(sys.argv[1]))
