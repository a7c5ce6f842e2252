"""`report build` as a pipeline (issue #7): the project is loaded once, MkDocs converts the pages while
the PDF is laid out, either failing stops both and keeps the previous site/, and a PDF whose inputs have
not changed is reused from the cache instead of laid out again.

The builds run in-process (``cli.build``, ``cli.make_pdf``) where the test needs to count or hold up
WeasyPrint; MkDocs always runs as the real child process. A hook in the fixture's mkdocs.yml tells the
test when MkDocs has reached ``on_env`` (every page converted, no template rendered yet).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, run_cli, write_mkdocs_site
from generator import cli
from generator.cli import PDF_NAME
from generator.core import pdf, pdfcache
from generator.core.pdf import human_size

EPOCH = 1519776000  # 2018-02-28T00:00:00Z
WAIT = 60  # seconds a test waits for the other process before it fails

HOOK = '''\
import os
from pathlib import Path

from mkdocs.plugins import event_priority


@event_priority(100)  # before the report plugin's on_env, which waits there for the PDF
def on_env(env, config, files):
    if os.environ.get("REPORT_TEST_ON_ENV"):
        Path(os.environ["REPORT_TEST_ON_ENV"]).write_text(str(os.getpid()))
    return env


def on_page_markdown(markdown, page, config, files):
    if os.environ.get("REPORT_TEST_FAULT") == "exception":
        raise RuntimeError("injected failure in a Markdown extension")
    return markdown
'''


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith((".site-new-", ".site-old-")))


def cache_entries(root: Path) -> list[str]:
    folder = root / ".cache" / "pdf"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


@pytest.fixture(autouse=True)
def environment(monkeypatch):
    for name in ("REPORT_NO_CACHE", "REPORT_PDF", "REPORT_PDF_READY_FD", "REPORT_TEST_ON_ENV", "REPORT_TEST_FAULT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))


@pytest.fixture
def project(tmp_path) -> Path:
    """A tiny report with the real theme; mkdocs.yml loads the test hook (inert unless asked)."""
    root = write_mkdocs_site(tmp_path / "project")
    (root / "probe.py").write_text(HOOK, encoding="utf-8")
    with open(root / "mkdocs.yml", "a", encoding="utf-8") as f:
        f.write("hooks:\n  - probe.py\n")
    return root


@pytest.fixture
def built(project) -> Path:
    """The project with a site/ built once (and its PDF in the cache)."""
    assert cli.build(project, project / "site") == 0
    return project


@pytest.fixture
def layouts(monkeypatch) -> list[Path]:
    """Every PDF WeasyPrint lays out during the test."""
    calls: list[Path] = []
    real = pdf.write_pdf

    def counted(html, out):
        calls.append(out)
        return real(html, out)

    monkeypatch.setattr(pdf, "write_pdf", counted)
    return calls


@pytest.fixture
def site_builds(monkeypatch) -> list[cli.SiteBuild]:
    """Every MkDocs child that `report build` starts."""
    started: list[cli.SiteBuild] = []

    class Recorded(cli.SiteBuild):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(cli, "SiteBuild", Recorded)
    return started


def wait_for(path: Path, what: str) -> str:
    deadline = time.monotonic() + WAIT
    while not (path.exists() and path.read_text()):
        assert time.monotonic() < deadline, what
        time.sleep(0.02)
    return path.read_text()


def assert_gone(proc: subprocess.Popen) -> None:
    assert proc.returncode is not None, "MkDocs was not waited for"
    with pytest.raises(ProcessLookupError):  # and it is not running on, writing into the staging folder
        os.kill(proc.pid, 0)


# --- Load once, build the PDF and the site at the same time -------------------------------------

def test_report_build_loads_and_checks_the_project_once(project, monkeypatch, capsys):
    loads = []
    real = cli.load_project
    monkeypatch.setattr(cli, "load_project", lambda *args, **kwargs: loads.append(args) or real(*args, **kwargs))
    assert cli.build(project, project / "site") == 0
    assert len(loads) == 1  # `check` and the PDF share it; only MkDocs, a process of its own, loads again
    out = capsys.readouterr().out
    assert out.count("ok: 2 pages, 1 vignettes") == 1
    # Where the reader will find it, not the temporary folder it was written to first.
    assert f"PDF written to {project / 'site' / 'downloads'}/" in out and ".site-new-" not in out


def test_mkdocs_converts_the_pages_while_the_pdf_is_laid_out(project, monkeypatch, layouts):
    """WeasyPrint is held until MkDocs has converted every page: a sequential build would never get there."""
    marker = project / "reached-on-env"
    monkeypatch.setenv("REPORT_TEST_ON_ENV", str(marker))
    real = pdf.write_pdf

    def after_mkdocs_reached_on_env(html, out):
        wait_for(marker, "MkDocs did not convert the pages while the PDF was being laid out")
        assert not out.exists()  # and the PDF is not written yet
        return real(html, out)

    monkeypatch.setattr(pdf, "write_pdf", after_mkdocs_reached_on_env)
    assert cli.build(project, project / "site") == 0
    assert (project / "site" / "downloads" / PDF_NAME).read_bytes().startswith(b"%PDF-")


def test_a_failing_pdf_stops_mkdocs_and_keeps_the_previous_site(built, monkeypatch, site_builds, capfd):
    site = built / "site"
    before = tree(site)
    vignette = built / "vignettes" / "road-safety.md"
    twice = '\n<span id="twice">a</span> <span id="twice">b</span>\n'  # the site accepts it; WeasyPrint warns
    vignette.write_text(vignette.read_text(encoding="utf-8") + twice, encoding="utf-8")
    marker = built / "reached-on-env"
    monkeypatch.setenv("REPORT_TEST_ON_ENV", str(marker))
    real = pdf.write_pdf

    def once_mkdocs_waits(html, out):
        wait_for(marker, "MkDocs did not reach on_env")  # MkDocs is now waiting for the PDF
        return real(html, out)

    monkeypatch.setattr(pdf, "write_pdf", once_mkdocs_waits)
    capfd.readouterr()
    assert cli.build(built, site) == 1
    out, err = capfd.readouterr()
    assert "WeasyPrint: Anchor defined twice: 'twice'" in err
    assert err.rstrip().endswith(f"build failed; {site} was left as it was.")
    assert "Traceback" not in err
    assert "Documentation built" not in out + err
    assert tree(site) == before
    assert leftovers(built) == []
    [mkdocs] = site_builds
    assert_gone(mkdocs.proc)


def test_mkdocs_failing_while_the_pdf_is_laid_out_stops_the_pdf_too(built, monkeypatch, site_builds, capfd):
    site = built / "site"
    before = tree(site)
    monkeypatch.setenv("REPORT_TEST_FAULT", "exception")
    monkeypatch.setenv("REPORT_NO_CACHE", "1")

    def endless_layout(html, out):
        time.sleep(WAIT)
        raise AssertionError("the PDF went on after MkDocs had failed")

    monkeypatch.setattr(pdf, "write_pdf", endless_layout)
    capfd.readouterr()
    started = time.monotonic()
    assert cli.build(built, site) == 1
    assert time.monotonic() - started < WAIT / 2
    err = capfd.readouterr().err
    assert "RuntimeError: injected failure in a Markdown extension" in err
    assert "MkDocs stopped with an error (above); the PDF was left unfinished." in err
    assert err.rstrip().endswith(f"build failed; {site} was left as it was.")
    assert tree(site) == before
    assert leftovers(built) == []
    [mkdocs] = site_builds
    assert_gone(mkdocs.proc)


def test_a_failing_site_with_a_good_pdf_keeps_the_previous_site(built, capfd):
    site = built / "site"
    before = tree(site)
    # A picture that is not there: the check leaves it to MkDocs, whose strict build fails at its end.
    (built / "content" / "about.md").write_text("# About\n\n![A chart](img/missing.png)\n", encoding="utf-8")
    capfd.readouterr()
    assert cli.build(built, site) == 1
    out, err = capfd.readouterr()
    assert "PDF reused from .cache/pdf/" in out  # about.md is not in the PDF: nothing it is made from changed
    assert "contains a link 'img/missing.png', but the target is not found" in err
    assert "Aborted with 1 warnings in strict mode!" in out + err
    assert err.rstrip().endswith(f"build failed; {site} was left as it was.")
    assert tree(site) == before
    assert leftovers(built) == []


@pytest.mark.parametrize("round_", ["laid out", "reused"])
def test_the_site_publishes_the_pdf_with_its_size_and_checksum(built, layouts, round_):
    site = built / "site"
    if round_ == "reused":
        first = (site / "downloads" / PDF_NAME).read_bytes()
        assert cli.build(built, site) == 0
        assert layouts == []
        assert (site / "downloads" / PDF_NAME).read_bytes() == first
    document = site / "downloads" / PDF_NAME
    assert document.read_bytes().startswith(b"%PDF-")
    shown = human_size(document.stat().st_size)
    for page in (site / "index.html", site / "vignettes" / "road-safety" / "index.html"):
        html = page.read_text(encoding="utf-8")
        links = re.findall(r'<a class="report-download__link" href="([^"]+)"[^>]*>\s*Download the report '
                           r'\(PDF, ([^)]+)\)', html)
        assert links, f"{page}: no link to the PDF"
        for href, size in links:
            assert (page.parent / href).resolve() == document.resolve()
            assert size == shown
    listed = (site / "SHA256SUMS").read_text(encoding="utf-8")
    assert f"  downloads/{PDF_NAME}\n" in listed
    check = subprocess.run(["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=site, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"downloads/{PDF_NAME}: OK" in check.stdout


# --- MkDocs on its own --------------------------------------------------------------------------

def mkdocs(root: Path, site: Path, env: dict, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(root / "mkdocs.yml"),
                             "-d", str(site)], cwd=root, env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **env},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def test_mkdocs_gives_up_when_the_pdf_will_not_come(project, tmp_path):
    """`report build` died (or its PDF failed) and closed the pipe: MkDocs stops instead of waiting forever."""
    read_end, write_end = os.pipe()
    marker = tmp_path / "reached-on-env"
    env = {"REPORT_PDF": str(tmp_path / PDF_NAME), "REPORT_PDF_READY_FD": str(read_end),
           "REPORT_TEST_ON_ENV": str(marker)}
    try:
        proc = mkdocs(project, tmp_path / "site", env, pass_fds=(read_end,))
    finally:
        os.close(read_end)
    wait_for(marker, "MkDocs did not reach on_env")
    time.sleep(0.2)
    assert proc.poll() is None  # it waits for the PDF …
    os.close(write_end)  # … until the other end goes away
    out, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == 1
    assert (f"{PDF_NAME}: the PDF was not built — its errors are above; the site needs it, so nothing was "
            "built.") in out + err
    assert "Traceback" not in err
    assert not (tmp_path / "site" / "index.html").exists()


def test_mkdocs_alone_links_an_existing_pdf_and_refuses_a_missing_one(project, tmp_path):
    document = tmp_path / PDF_NAME
    document.write_bytes(b"%PDF-1.7\n" + b"x" * 4000 + b"\n%%EOF\n")
    proc = mkdocs(project, tmp_path / "linked", {"REPORT_PDF": str(document)})
    out, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == 0, err
    assert "Download the report (PDF, 4 kB)" in (tmp_path / "linked" / "index.html").read_text(encoding="utf-8")
    assert (tmp_path / "linked" / "downloads" / PDF_NAME).read_bytes() == document.read_bytes()

    proc = mkdocs(project, tmp_path / "refused", {"REPORT_PDF": str(tmp_path / "missing.pdf")})
    out, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == 1
    assert f"REPORT_PDF={tmp_path / 'missing.pdf'}: no such file — build the PDF first (report pdf)." in out + err

    proc = mkdocs(project, tmp_path / "plain", {})  # `mkdocs build`, `mkdocs serve`: no PDF, no waiting
    out, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == 0, err
    assert "Download the report" not in (tmp_path / "plain" / "index.html").read_text(encoding="utf-8")


# --- The PDF cache ------------------------------------------------------------------------------

def make_pdf(root: Path, out: Path, capsys, **kwargs) -> str:
    assert cli.make_pdf(root, out, **kwargs) == 0
    return capsys.readouterr().out


def test_an_unchanged_pdf_is_reused_byte_for_byte_without_weasyprint(project, tmp_path, layouts, capsys):
    first = make_pdf(project, tmp_path / "first.pdf", capsys)
    assert first.startswith(f"PDF written to {tmp_path / 'first.pdf'} (")
    assert len(layouts) == 1
    second = make_pdf(project, tmp_path / "second.pdf", capsys)
    assert len(layouts) == 1  # not laid out again
    [entry] = cache_entries(project)
    assert second.startswith(f"PDF reused from .cache/pdf/{entry} (nothing it is made from has changed): "
                             f"written to {tmp_path / 'second.pdf'} (")
    assert (tmp_path / "second.pdf").read_bytes() == (tmp_path / "first.pdf").read_bytes()


def test_a_cache_hit_does_not_even_import_weasyprint(project, tmp_path):
    assert run_cli("pdf", "--out", str(tmp_path / "first.pdf"), cwd=project).returncode == 0
    script = ("import sys; from generator import cli; "
              f"code = cli.main(['--root', {str(project)!r}, 'pdf', '--out', {str(tmp_path / 'again.pdf')!r}]); "
              "print('weasyprint imported' if 'weasyprint' in sys.modules else 'weasyprint not imported'); "
              "sys.exit(code)")
    result = subprocess.run([sys.executable, "-c", script], cwd=project, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "PDF reused from" in result.stdout
    assert result.stdout.rstrip().endswith("weasyprint not imported")


def change_chapter(root: Path, monkeypatch) -> None:
    vignette = root / "vignettes" / "road-safety.md"
    vignette.write_text(vignette.read_text(encoding="utf-8").replace("Because.", "Because it was needed."),
                        encoding="utf-8")


def change_epoch(root: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH + 86400))


def change_font(root: Path, monkeypatch) -> None:
    """A font file with other bytes at the same path (as when a font is updated)."""
    fonts = Path(pdf.FONTS_DIR)
    shutil.copyfile(fonts / "SourceSans3-Regular.ttf", fonts / "SourceSans3-Semibold.ttf")


@pytest.mark.parametrize("change", [change_chapter, change_epoch, change_font], ids=["chapter", "epoch", "font"])
def test_a_change_to_what_the_pdf_is_made_from_lays_it_out_again(project, tmp_path, monkeypatch, layouts, capsys,
                                                                 change):
    fonts = tmp_path / "fonts"  # a copy of the vendored fonts, at the same path for both builds
    shutil.copytree(pdf.FONTS_DIR, fonts)
    monkeypatch.setattr(pdf, "FONTS_DIR", fonts)
    make_pdf(project, tmp_path / "first.pdf", capsys)
    [before] = cache_entries(project)
    change(project, monkeypatch)
    again = make_pdf(project, tmp_path / "again.pdf", capsys)
    assert again.startswith("PDF written to ")
    assert len(layouts) == 2
    assert (tmp_path / "again.pdf").read_bytes() != (tmp_path / "first.pdf").read_bytes()
    [after] = cache_entries(project)  # only the newest entry is kept
    assert after != before
    assert (project / ".cache" / "pdf" / after).read_bytes() == (tmp_path / "again.pdf").read_bytes()


def test_without_source_date_epoch_a_pdf_is_reused_the_same_day_only(project, tmp_path, monkeypatch, layouts, capsys):
    from datetime import datetime, timezone

    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    now = iter([datetime(2026, 11, 26, 9, 15, 2, tzinfo=timezone.utc),
                datetime(2026, 11, 26, 17, 40, 51, tzinfo=timezone.utc),
                datetime(2026, 11, 27, 0, 0, 1, tzinfo=timezone.utc)])
    monkeypatch.setattr(pdf, "_now", lambda: next(now))
    make_pdf(project, tmp_path / "morning.pdf", capsys)
    assert make_pdf(project, tmp_path / "evening.pdf", capsys).startswith("PDF reused from ")
    assert make_pdf(project, tmp_path / "next-day.pdf", capsys).startswith("PDF written to ")
    assert len(layouts) == 2
    assert len(cache_entries(project)) == 1


def test_the_key_follows_the_engine_and_the_text_libraries_weasyprint_really_uses(monkeypatch):
    import pydyf
    import weasyprint
    from weasyprint.text import ffi

    versions = dict(pdfcache.engine_versions())
    assert versions["weasyprint"] == weasyprint.__version__ and versions["pydyf"] == pydyf.__version__
    major, minor, micro = (int(n) for n in versions["libpango"].split("."))  # read without importing WeasyPrint
    assert ffi.pango.pango_version() == major * 10000 + minor * 100 + micro
    hb = [int(n) for n in versions["libharfbuzz"].split(".")]
    assert ffi.harfbuzz.hb_version_atleast(*hb) and not ffi.harfbuzz.hb_version_atleast(hb[0], hb[1], hb[2] + 1)

    before = pdfcache.key("<p>same</p>", pdf.FONTS_DIR, pdf.WRITE_OPTIONS)
    upgraded = tuple((name, "99.0" if name == "libharfbuzz" else v) for name, v in pdfcache.engine_versions())
    monkeypatch.setattr(pdfcache, "engine_versions", lambda: upgraded)
    assert pdfcache.key("<p>same</p>", pdf.FONTS_DIR, pdf.WRITE_OPTIONS) != before


def test_no_cache_and_report_no_cache_lay_the_pdf_out_afresh(project, tmp_path):
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH)}
    env.pop("REPORT_NO_CACHE", None)

    def report(*args, **extra):
        return subprocess.run([sys.executable, "-m", "generator.cli", "--root", str(project), *args],
                              cwd=project, env={**env, **extra}, capture_output=True, text=True)

    out = str(tmp_path / "report.pdf")
    assert report("pdf", "--out", out).stdout.startswith("PDF written to ")
    assert report("pdf", "--out", out).stdout.startswith("PDF reused from ")
    fresh = report("pdf", "--out", out, "--no-cache")
    assert fresh.returncode == 0, fresh.stderr
    assert fresh.stdout.startswith("PDF written to ")
    assert report("pdf", "--out", out, REPORT_NO_CACHE="1").stdout.startswith("PDF written to ")
    assert report("pdf", "--out", out, REPORT_NO_CACHE="0").stdout.startswith("PDF reused from ")
    built = report("build", "--no-cache")
    assert built.returncode == 0, built.stderr
    assert "PDF written to " in built.stdout and "PDF reused" not in built.stdout
    assert len(cache_entries(project)) == 1


def test_a_damaged_cache_entry_is_laid_out_again(project, tmp_path, layouts, capsys):
    make_pdf(project, tmp_path / "first.pdf", capsys)
    [entry] = cache_entries(project)
    path = project / ".cache" / "pdf" / entry
    path.write_bytes(path.read_bytes()[:1000])  # cut short, e.g. by a full disk outside this tool
    assert make_pdf(project, tmp_path / "again.pdf", capsys).startswith("PDF written to ")
    assert len(layouts) == 2
    assert (tmp_path / "again.pdf").read_bytes() == (tmp_path / "first.pdf").read_bytes()
    assert path.read_bytes() == (tmp_path / "first.pdf").read_bytes()


def test_the_cache_is_ignored_by_git_and_removed_by_make_clean():
    assert "/.cache/" in (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()
    clean = re.search(r"^clean:\n\t(.+)$", (REPO / "Makefile").read_text(encoding="utf-8"), re.M)[1]
    assert ".cache" in clean.split()
