"""What the ``report`` commands do: ``report check`` validates the sources; ``report build`` builds the
site safely; ``report pdf`` builds only the PDF (``report new``: :mod:`.scaffold`). Their arguments are
in :mod:`.entry`."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from .common.diagnostics import BuildError, Diagnostics
from .knowledge.model import KnowledgeBase
from .compile.project import load_project
from .common import release
from .outputs.pdf import build_pdf
from .outputs.pdfcache import pdf_cache, will_lay_out
from .outputs.pdfworker import LayoutWorker
from .common.release import human_size
from .knowledge.sitemap import DOWNLOADS, PDF_NAME, REPORT_CHAPTERS, generated_page_paths
from .common.project import Layout
from .knowledge.siteconfig import check_site, nav_pages
from .outputs.sitedir import NEW_PREFIX, Staging, locked, overlap
from .outputs.stage import StagedPdf, stage_project
from .hosts.mkdocs.sitebuild import SiteBuild, SiteFailed, publish_pdf

# The report's own pages, which the PDF prints in the order of mkdocs.yml's nav: the chapters, the
# References, and everything under vignettes/ (Annex 1 and its vignettes). The home page, About (its
# publication details go to the PDF's back matter) and the site's own pages (lessons, areas, voices,
# glossary, …) are not part of the printed report.
PDF_CHAPTERS = REPORT_CHAPTERS
PDF_DETAILS_PAGE = "about.md"
# What no output may be, contain or lie inside: it would delete (or write among) the project's sources.
SOURCE_FOLDERS = (Layout.content, Layout.vignettes, Layout.references, "generator", "tests", ".git")


def check(root: Path) -> int:
    return 0 if _checked(root) is not None else 1


def _checked(root: Path) -> KnowledgeBase | None:
    """The project loaded and validated, with a one-line summary; None (problems printed) when it fails."""
    started = time.perf_counter()
    kb, diags = _load(root)
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


def _load(root: Path) -> tuple[KnowledgeBase, Diagnostics]:
    """The project, and every problem in its sources and in mkdocs.yml's nav."""
    kb, diags = load_project(root)
    check_site(root, kb, diags)
    return kb, diags


def build(root: Path, site_dir: Path, *, use_cache: bool = True, layout: LayoutWorker | None = None) -> int:
    """Build into a temporary folder beside ``site_dir``; swap it in only when everything succeeded.

    The PDF is laid out by ``layout``, a worker process (:class:`.LayoutWorker`; without one, it is started
    here, before the project is loaded). When the PDF will probably be laid out, the worker imports
    WeasyPrint while this process loads and checks the project (once, here) and renders the PDF's HTML.
    MkDocs builds the whole site meanwhile, in a child process; once both are done, the PDF (laid out, or
    reused from the cache) goes into the new site and its size into the pages.
    """
    if layout is None:
        with LayoutWorker(eager=will_lay_out(root, pdf_cache(root, use_cache))) as worker:
            return build(root, site_dir, use_cache=use_cache, layout=worker)
    usable, epoch = _output_and_epoch(root, site_dir, "--site-dir")
    if not usable:
        return 2
    try:
        with locked(site_dir, say=_say_waiting):  # from before the sources are read until the site is in place
            return _build(root, site_dir, epoch=epoch, use_cache=use_cache, layout=layout)
    except OSError as exc:  # the lock beside the site cannot be made
        print(f"build failed: {exc}; {site_dir} was left as it was.", file=sys.stderr)
        return 1


def _output_and_epoch(root: Path, path: Path, option: str) -> tuple[bool, int | None]:
    """Whether ``path`` may be written (what is wrong printed when not), and ``SOURCE_DATE_EPOCH``."""
    refused = _refused_output(root, path, option)
    if refused:
        print(refused, file=sys.stderr)
        return False, None
    try:
        return True, release.source_date_epoch()
    except ValueError as exc:
        print(f"error: {exc}.", file=sys.stderr)
        return False, None


def _say_waiting(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _refused_output(root: Path, path: Path, option: str) -> str | None:
    """``error: <option> <path>: …`` when writing ``path`` (a site folder, or the PDF) would destroy the project's
    sources or another file, or None."""
    why = overlap(root, path, SOURCE_FOLDERS)
    outside = ", ".join(f"{name}/" for name in SOURCE_FOLDERS)
    if why is not None and option == "--site-dir":
        return (f"error: {option} {path}: {why} — it would delete the sources. Use a folder outside {outside} "
                "and the project itself, such as site/ (the default) or public/.")
    if why is not None and option == "report stage":
        return (f"error: {option} {path}: {why} — it would replace the sources. Use a folder outside {outside} "
                "and the project itself, such as staged/.")
    if why is not None:
        return (f"error: {option} {path}: {why} — the PDF would be written over or among the sources. Write it "
                f"outside {outside} and the project's folder itself, or leave out --out (site/downloads/).")
    if option in ("--site-dir", "report stage") and path.exists() and not path.is_dir():
        return f"error: {option} {path}: is a file, not a folder — it would be replaced. Give a folder."
    if option == "--out" and path.is_file() and not _is_pdf(path):
        return (f"error: {option} {path}: is a file that is not a PDF — writing the PDF there would destroy it. "
                "Give a new file name, or a PDF to replace.")
    return None


def _is_pdf(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(5) == b"%PDF-"
    except OSError:
        return False


def _build(root: Path, site_dir: Path, *, epoch: int | None, use_cache: bool, layout: LayoutWorker) -> int:
    kb = _checked(root)
    if kb is None:
        return 1
    stage = Staging(site_dir)
    failed = f"build failed; {stage.site_dir} was left as it was."
    said: list[str] = []  # what the PDF says of itself, once the site it is part of is in place
    try:
        with stage, tempfile.TemporaryDirectory(prefix=f"{NEW_PREFIX}{os.getpid()}-pdf-",
                                                dir=stage.site_dir.parent) as pdf_dir:
            pdf = Path(pdf_dir) / PDF_NAME
            try:
                with SiteBuild(root, stage.path, pdf) as site:
                    with site.laying_out():
                        made = make_pdf(root, pdf, kb=kb, epoch=epoch, use_cache=use_cache, layout=layout.write_pdf,
                                        shown=stage.site_dir / "downloads" / PDF_NAME, say=said.append)
                    if made != 0:
                        site.stop()  # before saying so: it may be logging still
                        print(failed, file=sys.stderr)
                        return 1
                    if site.wait() != 0:
                        print(failed, file=sys.stderr)
                        return 1
                    publish_pdf(stage.path, pdf, site.size_placeholder)
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
    print(*said, f"site written to {stage.site_dir}", sep="\n")
    return 0


def stage_command(root: Path, out: Path, *, pdf: bool, use_cache: bool) -> int:
    """``report stage DIR``: the report as an MkDocs project that needs no plugin of ours, written whole into
    ``out`` or not at all; with the PDF (made, or reused from the cache) unless ``pdf`` is false."""
    usable, epoch = _output_and_epoch(root, out, "report stage")
    if not usable:
        return 2
    failed = f"nothing was staged; {out.resolve()} was left as it was."
    kb = _checked(root)
    if kb is None:
        print(failed, file=sys.stderr)
        return 1
    try:
        with locked(out, say=_say_waiting), Staging(out) as stage:
            staged_pdf = None
            if pdf:
                staged_pdf = StagedPdf(stage.path / ".pdf" / PDF_NAME, PDF_NAME)
                if make_pdf(root, staged_pdf.path, kb=kb, epoch=epoch, use_cache=use_cache,
                            shown=stage.site_dir / "docs" / DOWNLOADS / PDF_NAME) != 0:
                    print(failed, file=sys.stderr)
                    return 1
            problems = stage_project(root, kb, stage.path, pdf=staged_pdf)
            if staged_pdf is not None:
                shutil.rmtree(staged_pdf.path.parent)
            if problems:
                print(BuildError(problems).report(), file=sys.stderr)
                print(failed, file=sys.stderr)
                return 1
            stage.publish()
    except OSError as exc:
        print(f"error: {exc}; {failed}", file=sys.stderr)
        return 1
    print(f"MkDocs project written to {stage.site_dir}: build it with mkdocs build -f {stage.site_dir / 'mkdocs.yml'}")
    return 0


def pdf_pages(root: Path, kb) -> list[str]:
    """The report's own pages in the nav's order (without a nav: chapters, vignettes, references)."""
    order = nav_pages(root) or [*kb.documents, *sorted(generated_page_paths(kb))]
    return [p for p in dict.fromkeys(order) if p in PDF_CHAPTERS or p.startswith("vignettes/")]


def make_pdf(root: Path, out: Path, *, kb: KnowledgeBase | None = None, epoch: int | None = None,
             use_cache: bool = True, layout: Callable[[str, Path], int] | None = None,
             shown: Path | None = None, say: Callable[[str], object] = print) -> int:
    """Build the PDF to ``out`` (written whole or not at all) from ``kb`` (default: load the project).

    An unchanged PDF is copied from ``<root>/.cache/pdf/``; ``use_cache=False`` or ``REPORT_NO_CACHE=1``
    lays it out afresh (and keeps the result there for next time). ``layout``: what lays it out (see
    ``build_pdf``). ``shown``: where the reader will find it, when ``out`` is a temporary place
    (``report build`` writes it into the new site). ``say``: what tells where the PDF was written
    (``report build`` prints it only once the new site is in place).
    """
    if kb is None:
        try:
            epoch = release.source_date_epoch()
        except ValueError as exc:
            print(f"error: {exc}.", file=sys.stderr)
            return 2
        kb, diags = _load(root)
        try:
            diags.raise_if_any(strict=True)
        except BuildError as exc:
            print(exc.report(), file=sys.stderr)
            return 1
    try:
        result = build_pdf(kb, pdf_pages(root, kb), out, details_page=PDF_DETAILS_PAGE, epoch=epoch,
                           cache=pdf_cache(root, use_cache), layout=layout)
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
        say(f"PDF reused from {_shown(result.reused, root)} (nothing it is made from has changed): "
            f"written to {path} ({human_size(result.bytes)}) in {result.seconds:.1f} s")
    else:
        say(f"PDF written to {path} ({result.pages} pages, {human_size(result.bytes)}) in {result.seconds:.1f} s")
    return 0


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def pdf_command(root: Path, out: Path | None, *, use_cache: bool) -> int:
    """``report pdf``: to ``out``, or into ``site/downloads/`` (whose checksums are then brought up to date)."""
    if out is not None:
        refused = _refused_output(root, out, "--out")
        if refused:
            print(refused, file=sys.stderr)
            return 2
        return make_pdf(root, out.resolve(), use_cache=use_cache)
    site = root / "site"
    try:
        with locked(site, say=_say_waiting):  # not while a build replaces site/
            code = make_pdf(root, site / "downloads" / PDF_NAME, use_cache=use_cache)
            if code == 0 and (site / release.CHECKSUMS).is_file():
                release.write_checksums(site)  # the new PDF in site/ stays verifiable
    except OSError as exc:
        print(f"error: {exc.filename or site}: {exc.strerror or exc} — the PDF cannot be written into {site}.",
              file=sys.stderr)
        return 1
    return code

