"""Thin command line: ``report check`` validates the sources; ``report build`` builds the site safely;
``report new vignette|chapter <slug>`` starts a new page; ``report pdf`` builds only the PDF."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import yaml

from . import scaffold
from .core import BuildError, KnowledgeBase, load_project, release
from .core.loader import Layout
from .core.pdf import LayoutWorker, build_pdf, human_size
from .core.pdfcache import PdfCache
from .core.render import generated_page_paths
from .core.sitedir import NEW_PREFIX, Staging
from .sitebuild import SiteBuild, SiteFailed

PDF_NAME = "year3-partnership-innovation-prevention.pdf"  # published at site/downloads/<PDF_NAME>
# The report's own pages, which the PDF prints in the order of mkdocs.yml's nav: the chapters, the
# References, and everything under vignettes/ (Annex 1 and its vignettes). The home page, About (its
# publication details go to the PDF's back matter) and the site's own pages (lessons, areas, voices,
# glossary, …) are not part of the printed report.
PDF_CHAPTERS = frozenset({
    "executive-summary.md", "introduction.md", "partnership-working-and-innovation.md",
    "practices-of-prevention.md", "conclusions.md", "references.md",
})
PDF_DETAILS_PAGE = "about.md"
CACHE_DIR = Path(".cache") / "pdf"  # under the project's root; see generator/core/pdfcache.py
NO_CACHE_HELP = ("lay the PDF out afresh even if nothing it is made from has changed (also: REPORT_NO_CACHE=1); "
                 "the result is still kept in .cache/pdf/ for next time")


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised like Ctrl-C so that the same clean-up runs."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _terminate(signum, frame):
    raise Terminated(signum)


def check(root: Path) -> int:
    return 0 if _checked(root) is not None else 1


def _checked(root: Path) -> KnowledgeBase | None:
    """The project loaded and validated, with a one-line summary; None (problems printed) when it fails."""
    started = time.perf_counter()
    kb, diags = load_project(root)
    try:
        diags.raise_if_any(strict=True)
    except BuildError as exc:
        print(exc.report(), file=sys.stderr)
        return None
    took = time.perf_counter() - started
    print(f"ok: {len(kb.documents)} pages, {len(kb.vignettes)} vignettes, {len(kb.lessons)} lessons, "
          f"{len(kb.examples)} prevention examples, {len(kb.areas)} areas, {len(kb.quotes)} quotes, "
          f"{len(kb.terms)} terms, {len(kb.sources)} sources, {len(kb.citations())} citations checked in {took:.2f} s")
    return kb


def _no_cache_env() -> bool:
    return os.environ.get("REPORT_NO_CACHE", "").strip() not in ("", "0")


def build(root: Path, site_dir: Path, *, use_cache: bool = True) -> int:
    """Build into a temporary folder beside ``site_dir``; swap it in only when everything succeeded.

    First of all a worker process is forked to lay out the PDF (``LayoutWorker``): when the PDF will
    probably be laid out, it imports WeasyPrint while this process loads and checks the project (once,
    here) and renders the PDF's HTML. MkDocs builds the whole site meanwhile, in a child process, and
    puts the PDF's size into its pages once this process says the PDF is written (or reused from the
    cache).
    """
    try:
        epoch = release.source_date_epoch()
    except ValueError as exc:
        print(f"error: {exc}.", file=sys.stderr)
        return 2
    with LayoutWorker(eager=_will_lay_out(root, _cache(root, use_cache))) as worker:
        return _build(root, site_dir, epoch=epoch, use_cache=use_cache, layout=worker)


def _build(root: Path, site_dir: Path, *, epoch: int | None, use_cache: bool, layout: LayoutWorker) -> int:
    kb = _checked(root)
    if kb is None:
        return 1
    stage = Staging(site_dir)
    failed = f"build failed; {stage.site_dir} was left as it was."
    try:
        with stage, tempfile.TemporaryDirectory(prefix=f"{NEW_PREFIX}{os.getpid()}-pdf-",
                                                dir=stage.site_dir.parent) as pdf_dir:
            pdf = Path(pdf_dir) / PDF_NAME
            try:
                with SiteBuild(root, stage.path, pdf) as site:
                    with site.laying_out():
                        made = make_pdf(root, pdf, kb=kb, epoch=epoch, use_cache=use_cache,
                                        layout=layout.write_pdf, shown=stage.site_dir / "downloads" / PDF_NAME)
                    if made != 0:
                        site.stop()  # before saying so: it may be logging still
                        print(failed, file=sys.stderr)
                        return 1
                    site.pdf_ready()
                    if site.wait() != 0:
                        print(failed, file=sys.stderr)
                        return 1
            except SiteFailed:
                print("MkDocs stopped with an error (above); the PDF was left unfinished.", file=sys.stderr)
                print(failed, file=sys.stderr)
                return 1
            finally:
                layout.stop()  # before its folder is removed: it writes nothing more
            release.write_checksums(stage.path)
            stage.publish()
    except OSError as exc:  # e.g. a full disk while writing or swapping
        print(f"build failed: {exc}; {stage.site_dir} was left as it was.", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        kept = "the new site is in place" if stage.published else f"{stage.site_dir} was left as it was"
        print(f"interrupted ({signal.Signals(signum).name}); {kept}.", file=sys.stderr)
        return 128 + signum
    print(f"site written to {stage.site_dir}")
    return 0


def _cache(root: Path, use_cache: bool) -> PdfCache:
    return PdfCache(root / CACHE_DIR, read=use_cache and not _no_cache_env())


def _will_lay_out(root: Path, cache: PdfCache) -> bool:
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


class _NavLoader(yaml.SafeLoader):
    """mkdocs.yml as plain data: tags such as !ENV or !!python/name read as None."""


_NavLoader.add_multi_constructor("", lambda loader, suffix, node: None)


def nav_order(root: Path) -> list[str]:
    """The pages of mkdocs.yml's nav, in order (empty when there is no nav)."""
    config = yaml.load((root / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_NavLoader) or {}
    pages: list[str] = []

    def walk(item):
        if isinstance(item, str):
            pages.append(item)
        elif isinstance(item, list):
            for child in item:
                walk(child)
        elif isinstance(item, dict):
            for child in item.values():
                walk(child)

    walk(config.get("nav") or [])
    return pages


def pdf_pages(root: Path, kb) -> list[str]:
    """The report's own pages in the nav's order (without a nav: chapters, vignettes, references)."""
    order = nav_order(root) or [*kb.documents, *sorted(generated_page_paths(kb))]
    return [p for p in dict.fromkeys(order) if p in PDF_CHAPTERS or p.startswith("vignettes/")]


def make_pdf(root: Path, out: Path, *, kb: KnowledgeBase | None = None, epoch: int | None = None,
             use_cache: bool = True, layout: Callable[[str, Path], int] | None = None,
             shown: Path | None = None) -> int:
    """Build the PDF to ``out`` (written whole or not at all) from ``kb`` (default: load the project).

    An unchanged PDF is copied from ``<root>/.cache/pdf/``; ``use_cache=False`` or ``REPORT_NO_CACHE=1``
    lays it out afresh (and keeps the result there for next time). ``layout``: what lays it out (see
    ``build_pdf``). ``shown``: where the reader will find it, when ``out`` is a temporary place
    (``report build`` writes it into the new site).
    """
    if kb is None:
        try:
            epoch = release.source_date_epoch()
        except ValueError as exc:
            print(f"error: {exc}.", file=sys.stderr)
            return 2
        kb, diags = load_project(root)
        try:
            diags.raise_if_any(strict=True)
        except BuildError as exc:
            print(exc.report(), file=sys.stderr)
            return 1
    try:
        result = build_pdf(kb, pdf_pages(root, kb), out, details_page=PDF_DETAILS_PAGE, epoch=epoch,
                           cache=_cache(root, use_cache), layout=layout)
    except BuildError as exc:
        print(exc.report(), file=sys.stderr)
        return 1
    except OSError as exc:  # a folder that does not exist or cannot be written, a full disk
        where = exc.filename or out
        hint = ("give --out a file in a folder that exists and that you can write to" if shown is None
                else "is the disk full?")
        print(f"error: {where}: {exc.strerror or exc} — the PDF cannot be written there; {hint}.", file=sys.stderr)
        return 1
    path = shown or result.path
    if result.reused is not None:
        print(f"PDF reused from {_shown(result.reused, root)} (nothing it is made from has changed): "
              f"written to {path} ({human_size(result.bytes)}) in {result.seconds:.1f} s")
    else:
        print(f"PDF written to {path} ({result.pages} pages, {human_size(result.bytes)}) in {result.seconds:.1f} s")
    return 0


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="report", description=__doc__)
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
    n.add_argument("kind", choices=scaffold.KINDS)
    n.add_argument("slug", help="file name without .md: lower-case words joined by hyphens")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _terminate)
    try:
        if args.command == "check":
            return check(root)
        if args.command == "new":
            return scaffold.main(root, args.kind, args.slug)
        if args.command == "pdf":
            use_cache = not args.no_cache
            if args.out is not None:
                return make_pdf(root, args.out.resolve(), use_cache=use_cache)
            site = root / "site"
            code = make_pdf(root, site / "downloads" / PDF_NAME, use_cache=use_cache)
            if code == 0 and (site / release.CHECKSUMS).is_file():
                release.write_checksums(site)  # the new PDF in site/ stays verifiable
            return code
        return build(root, args.site_dir or root / "site", use_cache=not args.no_cache)
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        print("interrupted; nothing was changed.", file=sys.stderr)
        return 128 + signum


if __name__ == "__main__":
    sys.exit(main())
