"""The ``report`` command's front door: its arguments, its signals, and what a bug in the generator prints.
What each command does is in :mod:`generator.cli` and :mod:`generator.scaffold`.
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
from pathlib import Path

from . import cli, scaffold
from .knowledge.sitemap import PDF_NAME

INTERNAL_ERROR = 70  # the exit status of a bug in the generator (sysexits' EX_SOFTWARE); problems in the sources: 1
DESCRIPTION = ("report check validates the sources; report build builds the site safely; report new "
               "vignette|chapter <slug> starts a new page; report pdf builds only the PDF; report stage DIR writes "
               "the report as an MkDocs project that needs no plugin.")
NO_CACHE_HELP = ("lay the PDF out afresh even if nothing it is made from has changed; the result is still kept in "
                 ".cache/pdf/ for next time (REPORT_NO_CACHE=1 does the same, and reads no .cache/load/ either)")


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised like Ctrl-C so that the same clean-up runs."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _terminate(signum, frame):
    raise Terminated(signum)



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
    s = sub.add_parser("stage", help="write the report as an ordinary MkDocs project (mkdocs.yml and docs/) into DIR, "
                                     "which any host that reads mkdocs.yml builds without the report plugin")
    s.add_argument("dir", type=Path, help="the folder to write (replaced only on success)")
    s.add_argument("--no-pdf", action="store_true", help="leave the PDF out (the pages then offer none)")
    s.add_argument("--no-cache", action="store_true", help=NO_CACHE_HELP)
    n = sub.add_parser("new", help="start a new page from a template (never overwrites)")
    n.add_argument("kind", choices=scaffold.KINDS)
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
            return cli.build(root, args.site_dir or root / "site", use_cache=not args.no_cache)
        if args.command == "check":
            return cli.check(root)
        if args.command == "new":
            return scaffold.main(root, args.kind, args.slug)
        if args.command == "stage":
            return cli.stage_command(root, args.dir, pdf=not args.no_pdf, use_cache=not args.no_cache)
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
    before the process ends anyway."""
    code = main()
    gc.freeze()
    return code


if __name__ == "__main__":
    sys.exit(run())
