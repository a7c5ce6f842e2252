"""Thin command line: ``report check`` validates the sources; ``report build`` builds the site safely;
``report new vignette|chapter <slug>`` starts a new page; ``report pdf`` builds only the PDF."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from . import scaffold
from .core import BuildError, load_project, release
from .core.pdf import build_pdf, human_size
from .core.render import generated_page_paths
from .core.sitedir import NEW_PREFIX, Staging

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


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised like Ctrl-C so that the same clean-up runs."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _terminate(signum, frame):
    raise Terminated(signum)


def check(root: Path) -> int:
    started = time.perf_counter()
    kb, diags = load_project(root)
    try:
        diags.raise_if_any(strict=True)
    except BuildError as exc:
        print(exc.report(), file=sys.stderr)
        return 1
    took = time.perf_counter() - started
    print(f"ok: {len(kb.documents)} pages, {len(kb.vignettes)} vignettes, {len(kb.lessons)} lessons, "
          f"{len(kb.examples)} prevention examples, {len(kb.areas)} areas, {len(kb.quotes)} quotes, "
          f"{len(kb.terms)} terms, {len(kb.sources)} sources, {len(kb.citations())} citations checked in {took:.2f} s")
    return 0


def build(root: Path, site_dir: Path) -> int:
    """Build into a temporary folder beside ``site_dir``; swap it in only when everything succeeded."""
    try:
        release.source_date_epoch()
    except ValueError as exc:
        print(f"error: {exc}.", file=sys.stderr)
        return 2
    if check(root) != 0:
        return 1
    stage = Staging(site_dir)
    try:
        with stage, tempfile.TemporaryDirectory(prefix=f"{NEW_PREFIX}{os.getpid()}-pdf-",
                                                dir=stage.site_dir.parent) as pdf_dir:
            pdf = Path(pdf_dir) / PDF_NAME
            if make_pdf(root, pdf) != 0:
                print(f"build failed; {stage.site_dir} was left as it was.", file=sys.stderr)
                return 1
            cmd = [sys.executable, "-m", "mkdocs", "build", "--strict",
                   "--config-file", str(root / "mkdocs.yml"), "--site-dir", str(stage.path)]
            env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "REPORT_PDF": str(pdf)}
            if subprocess.run(cmd, cwd=root, env=env).returncode != 0:
                print(f"build failed; {stage.site_dir} was left as it was.", file=sys.stderr)
                return 1
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


def make_pdf(root: Path, out: Path) -> int:
    """Build the PDF to ``out`` (written whole or not at all)."""
    try:
        epoch = release.source_date_epoch()
    except ValueError as exc:
        print(f"error: {exc}.", file=sys.stderr)
        return 2
    kb, diags = load_project(root)
    try:
        diags.raise_if_any(strict=True)
        result = build_pdf(kb, pdf_pages(root, kb), out, details_page=PDF_DETAILS_PAGE, epoch=epoch)
    except BuildError as exc:
        print(exc.report(), file=sys.stderr)
        return 1
    print(f"PDF written to {result.path} ({result.pages} pages, {human_size(result.bytes)}) "
          f"in {result.seconds:.1f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="report", description=__doc__)
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="project folder (default: here)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="validate every source file without rendering")
    b = sub.add_parser("build", help="build the site (strict), replacing site/ only on success")
    b.add_argument("--site-dir", type=Path, default=None)
    p = sub.add_parser("pdf", help="build only the PDF (default: site/downloads/" + PDF_NAME + ")")
    p.add_argument("--out", type=Path, default=None, help="where to write the PDF")
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
            if args.out is not None:
                return make_pdf(root, args.out.resolve())
            site = root / "site"
            code = make_pdf(root, site / "downloads" / PDF_NAME)
            if code == 0 and (site / release.CHECKSUMS).is_file():
                release.write_checksums(site)  # the new PDF in site/ stays verifiable
            return code
        return build(root, args.site_dir or root / "site")
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        print("interrupted; nothing was changed.", file=sys.stderr)
        return 128 + signum


if __name__ == "__main__":
    sys.exit(main())
