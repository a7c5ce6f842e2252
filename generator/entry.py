"""The ``report`` command's front door: its arguments, its signals, and — for ``report build`` — the PDF's
layout worker, forked before the rest of the generator is imported.

Kept light on purpose: only the standard library and the core's light modules (``pdfworker``,
``pdfcache``, ``project``) are imported here. ``report build`` forks its :class:`LayoutWorker` about
0.06 s after Python starts instead of 0.2 s, and the worker imports WeasyPrint (about 0.5 s) while this
process imports the generator and checks the project: the PDF is the build's longest path. What each
command does is in :mod:`generator.cli`.
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
from pathlib import Path

from .outputs.pdfcache import PdfCache
from .outputs.pdfworker import LayoutWorker
from .common.project import Layout, caches_read

PDF_NAME = "year3-partnership-innovation-prevention.pdf"  # published at site/downloads/<PDF_NAME>
CACHE_DIR = Path(".cache") / "pdf"  # under the project's root; see generator/pdfcache.py
NEW_KINDS = ("vignette", "chapter")  # what `report new` starts (generator/scaffold.py)
INTERNAL_ERROR = 70  # the exit status of a bug in the generator (sysexits' EX_SOFTWARE); problems in the sources: 1
DESCRIPTION = ("report check validates the sources; report build builds the site safely; report new "
               "vignette|chapter <slug> starts a new page; report pdf builds only the PDF.")
NO_CACHE_HELP = ("lay the PDF out afresh even if nothing it is made from has changed; the result is still kept in "
                 ".cache/pdf/ for next time (REPORT_NO_CACHE=1 does the same, and reads no .cache/load/ either)")


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised like Ctrl-C so that the same clean-up runs."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _terminate(signum, frame):
    raise Terminated(signum)


def pdf_cache(root: Path, use_cache: bool) -> PdfCache:
    return PdfCache(root / CACHE_DIR, read=use_cache and caches_read())


def will_lay_out(root: Path, cache: PdfCache) -> bool:
    """A guess made before the project is loaded, so that WeasyPrint is imported early only when it will
    probably be needed: the cache is not read, holds no PDF, or a source file changed after its newest
    PDF was kept. (Whether the PDF is reused is decided by its key, later.)"""
    kept = cache.kept_at()
    if kept is None:
        return True
    layout = Layout()
    sources = [root / "mkdocs.yml", *(p for folder in (layout.content, layout.vignettes, layout.references)
                                      for p in (root / folder).rglob("*"))]
    for path in sources:
        try:
            if path.stat().st_mtime > kept:
                return True
        except OSError:  # removed meanwhile: the loader will say so
            return True
    return False


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="report", description=DESCRIPTION)
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="project folder (default: here)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="validate every source file without rendering")
    b = sub.add_parser("build", help="build the site (strict), replacing site/ only on success")
    b.add_argument("--site-dir", type=Path, default=None)
    b.add_argument("--no-cache", action="store_true", help=NO_CACHE_HELP)
    p = sub.add_parser("pdf", help="build only the PDF (default: site/downloads/" + PDF_NAME + ")")
    p.add_argument("--out", type=Path, default=None, help="where to write the PDF")
    p.add_argument("--no-cache", action="store_true", help=NO_CACHE_HELP)
    n = sub.add_parser("new", help="start a new page from a template (never overwrites)")
    n.add_argument("kind", choices=NEW_KINDS)
    n.add_argument("slug", help="file name without .md: lower-case words joined by hyphens")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    root = args.root.resolve()
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _terminate)
    try:
        if args.command == "build":
            use_cache = not args.no_cache
            # Fork first, then import the generator: see this module's docstring.
            with LayoutWorker(eager=will_lay_out(root, pdf_cache(root, use_cache))) as worker:
                from . import cli

                return cli.build(root, args.site_dir or root / "site", use_cache=use_cache, layout=worker)
        from . import cli, scaffold

        if args.command == "check":
            return cli.check(root)
        if args.command == "new":
            return scaffold.main(root, args.kind, args.slug)
        return cli.pdf_command(root, args.out, use_cache=not args.no_cache)
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        print("interrupted; nothing was changed.", file=sys.stderr)
        return 128 + signum
    except Exception as exc:  # a bug: one line for the reader; REPORT_DEBUG=1 (the tests set it) shows the traceback
        if os.environ.get("REPORT_DEBUG", "") not in ("", "0"):
            raise
        what = next(iter(str(exc).splitlines()), "")[:200]
        print(f"error: the generator failed ({type(exc).__name__}{': ' + what if what else ''}) — this is a bug in "
              "it, not in the sources. Run again with REPORT_DEBUG=1 to see where, and please report it.",
              file=sys.stderr)
        return INTERNAL_ERROR


def run() -> int:
    """The ``report`` console script: :func:`main`, then every object it made is set aside from the
    collector (``gc.freeze``), whose last collection, as the interpreter ends, would only walk them all
    before the process ends anyway (about 0.04 s of a build)."""
    code = main()
    gc.freeze()
    return code


if __name__ == "__main__":
    sys.exit(run())
