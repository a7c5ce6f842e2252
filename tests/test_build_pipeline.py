"""`report build` as a pipeline (issue #7): the project is loaded once, MkDocs writes the whole site while
the PDF is laid out (the PDF's size put into the pages once it is written), WeasyPrint is imported by a
worker process while the project loads, either failing stops everything and keeps the previous site/,
and a PDF whose inputs have not changed is reused from the cache instead of laid out again.

The builds run in-process (``cli.build``, ``cli.make_pdf``) where the test needs to count or hold up
WeasyPrint: the layout worker is a program of its own (``python -m generator.outputs.layout``), which a
test replaces with the same program run after its own code (:func:`in_the_worker`). MkDocs always runs as
the real child process. A hook in the fixture's mkdocs.yml
tells the test when MkDocs has reached ``on_post_build`` (every page written, the PDF's size still a
placeholder).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, copy_project, once_per_run, run_cli, write_mkdocs_site

from generator import cli
from generator.cli import PDF_NAME
from generator.outputs import pdf, pdfcache, pdfworker
from generator.common.release import human_size

EPOCH = 1519776000  # 2018-02-28T00:00:00Z
WAIT = 60  # seconds a test waits for the other process before it fails
PENDING = b"report-pdf-size-pending-"  # how the placeholder for the PDF's size starts
LINUX = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads processes from /proc")


def in_the_worker(monkeypatch, code: str) -> None:
    """The layout worker, a process of its own, runs ``code`` first (``layout`` is its module, whose
    ``write_pdf`` the code may replace): a patch in this process would not reach it."""
    monkeypatch.setattr(pdfworker, "PROGRAM", ("-c", worker_program(code)))


def worker_program(code: str) -> str:
    return f"import sys\nfrom generator.outputs import layout\n{code}\nlayout.serve(int(sys.argv[1]))\n"


def wait_in_the_worker(marker: Path) -> str:
    """Code for :func:`in_the_worker`: wait until ``marker`` is written (for at most WAIT seconds)."""
    return (f"import time\n"
            f"from pathlib import Path\n"
            f"deadline = time.monotonic() + {WAIT}\n"
            f"while not (Path({str(marker)!r}).exists() and Path({str(marker)!r}).read_text()):\n"
            f"    assert time.monotonic() < deadline, 'MkDocs did not write the pages'\n"
            f"    time.sleep(0.02)\n")

HOOK = '''\
import os
import time
from pathlib import Path

from mkdocs.plugins import event_priority


@event_priority(100)  # MkDocs has written every page
def on_post_build(config):
    if os.environ.get("REPORT_TEST_PAGES_WRITTEN"):
        Path(os.environ["REPORT_TEST_PAGES_WRITTEN"]).write_text(str(os.getpid()))


def on_page_markdown(markdown, page, config, files):
    if os.environ.get("REPORT_TEST_FAULT") == "exception":
        after = os.environ.get("REPORT_TEST_FAULT_AFTER")  # once another process has written this file
        deadline = time.monotonic() + 60
        while after and not Path(after).exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        raise RuntimeError("injected failure in a Markdown extension")
    return markdown
'''


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith((".site-new-", ".site-old-")))


def placeholders(folder: Path) -> list[str]:
    """The files in ``folder`` that print the placeholder for the PDF's size instead of the size."""
    return [name for name, data in tree(folder).items() if PENDING in data]


def cache_entries(root: Path) -> list[str]:
    folder = root / ".cache" / "pdf"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


@pytest.fixture(autouse=True)
def environment(monkeypatch):
    for name in ("REPORT_NO_CACHE", "REPORT_PDF", "REPORT_PDF_SIZE", "REPORT_TEST_PAGES_WRITTEN",
                 "REPORT_TEST_FAULT", "REPORT_TEST_FAULT_AFTER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))


def probe_project(root: Path) -> Path:
    """A tiny report with the real theme; mkdocs.yml loads the test hook (inert unless asked)."""
    write_mkdocs_site(root)
    (root / "probe.py").write_text(HOOK, encoding="utf-8")
    with open(root / "mkdocs.yml", "a", encoding="utf-8") as f:
        f.write("hooks:\n  - probe.py\n")
    return root


@pytest.fixture
def project(tmp_path) -> Path:
    return probe_project(tmp_path / "project")


def build_probe_project(folder: Path) -> None:
    result = run_cli("build", cwd=probe_project(folder))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def built(tmp_path, tmp_path_factory) -> Path:
    """The project with a site/ built once (and its PDF in the cache): a copy of the one built once per run."""
    return copy_project(once_per_run(tmp_path_factory, "probe-project", build_probe_project), tmp_path / "project")


class Layouts:
    """Every PDF WeasyPrint lays out during the test, in a layout worker: one line each, ``<process id>
    <file>``, in ``log``, which the worker writes when it runs ``code`` (:func:`in_the_worker`)."""

    def __init__(self, log: Path, code: str):
        self.log, self.code = log, code

    def processes(self) -> list[int]:
        lines = self.log.read_text(encoding="utf-8").splitlines() if self.log.exists() else []
        return [int(line.split(" ", 1)[0]) for line in lines]

    def __len__(self) -> int:
        return len(self.processes())


@pytest.fixture
def layouts(monkeypatch, tmp_path) -> Layouts:
    log = tmp_path / "layouts.log"
    counted = Layouts(log, f"import os\n"
                           f"real = layout.write_pdf\n"
                           f"def counted(html, out, fonts):\n"
                           f"    with open({str(log)!r}, 'a', encoding='utf-8') as f:\n"
                           f"        f.write(f'{{os.getpid()}} {{out}}\\n')\n"
                           f"    return real(html, out, fonts)\n"
                           f"layout.write_pdf = counted\n")
    in_the_worker(monkeypatch, counted.code)
    return counted


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


def children(pid: int) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(proc.name))
            except (OSError, IndexError):  # ended meanwhile
                pass
    return found


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


def test_mkdocs_writes_every_page_while_the_pdf_is_laid_out(project, monkeypatch):
    """WeasyPrint is held until MkDocs has written every page: a build whose pages wait for the PDF
    would never get there. Meanwhile the pages print a placeholder for the PDF's size; the published
    pages print the size."""
    marker = project / "pages-written"
    monkeypatch.setenv("REPORT_TEST_PAGES_WRITTEN", str(marker))
    seen = project / "seen-while-laying-out"
    in_the_worker(monkeypatch, wait_in_the_worker(marker) + (
        f"import re\n"
        f"real = layout.write_pdf\n"
        f"def after_mkdocs_wrote_every_page(html, out, fonts):\n"
        f"    [staging] = [p for p in Path({str(project)!r}).iterdir()\n"
        f"                 if p.name.startswith('.site-new-') and '-pdf-' not in p.name]\n"
        f"    pending = [page for page in ('index.html', 'vignettes/road-safety/index.html', '404.html')\n"
        f"               if re.search(r'Download the report \\(PDF, report-pdf-size-pending-[0-9a-f]{{16}}\\)',\n"
        f"                            (staging / page).read_text(encoding='utf-8'))]\n"
        f"    written = out.exists() or (staging / 'downloads').exists()\n"
        f"    Path({str(seen)!r}).write_text(repr((pending, written)))\n"
        f"    return real(html, out, fonts)\n"
        f"layout.write_pdf = after_mkdocs_wrote_every_page\n"))
    assert cli.build(project, project / "site") == 0
    # Every page printed the placeholder, and the PDF was not written yet.
    assert seen.read_text() == repr((["index.html", "vignettes/road-safety/index.html", "404.html"], False))
    site = project / "site"
    size = human_size((site / "downloads" / PDF_NAME).stat().st_size)
    assert f"Download the report (PDF, {size})" in (site / "index.html").read_text(encoding="utf-8")
    assert placeholders(site) == []


def test_a_failing_pdf_stops_mkdocs_and_keeps_the_previous_site(built, monkeypatch, site_builds, capfd):
    site = built / "site"
    before = tree(site)
    vignette = built / "vignettes" / "road-safety.md"
    twice = '\n<span id="twice">a</span> <span id="twice">b</span>\n'  # the site accepts it; WeasyPrint warns
    vignette.write_text(vignette.read_text(encoding="utf-8") + twice, encoding="utf-8")
    marker = built / "pages-written"
    monkeypatch.setenv("REPORT_TEST_PAGES_WRITTEN", str(marker))
    in_the_worker(monkeypatch, wait_in_the_worker(marker))  # the new site now waits for the PDF
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


WITHOUT_HARFBUZZ_SUBSET = "from weasyprint.pdf import fonts\nfonts.harfbuzz_subset = None\n"


@pytest.fixture
def without_harfbuzz_subset(monkeypatch):
    """WeasyPrint as on a machine without HarfBuzz-Subset (Debian's libharfbuzz-subset0): it subsets the
    fonts with fontTools instead, and warns about it for every font."""
    in_the_worker(monkeypatch, WITHOUT_HARFBUZZ_SUBSET)


NO_HARFBUZZ_SUBSET = "note: HarfBuzz-Subset 4.1 or later is not installed"


def test_a_machine_without_harfbuzz_subset_builds_and_says_so_once(project, without_harfbuzz_subset, capfd):
    assert cli.build(project, project / "site") == 0
    out, err = capfd.readouterr()
    assert out.count(NO_HARFBUZZ_SUBSET) == 1
    assert "sudo apt-get install libharfbuzz-subset0" in out
    assert "problem" not in out + err and "WeasyPrint" not in err
    assert (project / "site" / "downloads" / PDF_NAME).read_bytes().startswith(b"%PDF-")


def test_without_harfbuzz_subset_a_problem_in_the_pages_still_fails_the_pdf(project, without_harfbuzz_subset, capfd):
    vignette = project / "vignettes" / "road-safety.md"
    twice = '\n<span id="twice">a</span> <span id="twice">b</span>\n'  # the site accepts it; WeasyPrint warns
    vignette.write_text(vignette.read_text(encoding="utf-8") + twice, encoding="utf-8")
    assert cli.make_pdf(project, project / "report.pdf") == 1
    out, err = capfd.readouterr()
    assert err.splitlines() == ["report.pdf: WeasyPrint: Anchor defined twice: 'twice' [pdf.layout]",
                                "1 problem found; nothing was built."]
    assert out.count(NO_HARFBUZZ_SUBSET) == 1
    assert not (project / "report.pdf").exists()


def test_mkdocs_failing_while_the_pdf_is_laid_out_stops_the_pdf_too(built, monkeypatch, site_builds, capfd):
    site = built / "site"
    before = tree(site)
    monkeypatch.setenv("REPORT_TEST_FAULT", "exception")
    monkeypatch.setenv("REPORT_NO_CACHE", "1")
    worker = built / "worker"
    monkeypatch.setenv("REPORT_TEST_FAULT_AFTER", str(worker))  # MkDocs fails once the layout has begun

    in_the_worker(monkeypatch, f"import os, time\n"
                               f"from pathlib import Path\n"
                               f"def endless_layout(html, out, fonts):\n"
                               f"    Path({str(worker)!r}).write_text(str(os.getpid()))\n"
                               f"    time.sleep({WAIT})\n"
                               f"    raise AssertionError('the PDF went on after MkDocs had failed')\n"
                               f"layout.write_pdf = endless_layout\n")
    capfd.readouterr()
    assert cli.build(built, site) == 1  # not the AssertionError above: the build did not wait for the layout
    err = capfd.readouterr().err
    assert "RuntimeError: injected failure in a Markdown extension" in err
    assert "MkDocs stopped with an error (above); the PDF was left unfinished." in err
    assert err.rstrip().endswith(f"build failed; {site} was left as it was.")
    assert tree(site) == before
    assert leftovers(built) == []
    [mkdocs] = site_builds
    assert_gone(mkdocs.proc)
    with pytest.raises(ProcessLookupError):  # the worker laying the PDF out was stopped too
        os.kill(int(worker.read_text()), 0)


def test_a_failing_site_with_a_good_pdf_keeps_the_previous_site(built, layouts, capfd):
    site = built / "site"
    before = tree(site)
    # A picture that is not there: the check leaves it to the compile step, which fails the site.
    (built / "content" / "about.md").write_text("# About\n\n![A chart](img/missing.png)\n", encoding="utf-8")
    capfd.readouterr()
    assert cli.build(built, site) == 1
    out, err = capfd.readouterr()
    assert len(layouts) == 0  # reused: about.md is not in the PDF, so nothing it is made from changed
    assert "PDF reused" not in out and "PDF written" not in out  # it is not in a site: that failed
    assert "content/about.md:3: image 'img/missing.png' — the site has no file 'img/missing.png'" in err
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
        assert len(layouts) == 0
        assert (site / "downloads" / PDF_NAME).read_bytes() == first
    document = site / "downloads" / PDF_NAME
    assert document.read_bytes().startswith(b"%PDF-")
    shown = human_size(document.stat().st_size)
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 5 and site / "404.html" in pages
    for page in pages:  # every page, the error page too, links to the PDF with its size
        html = page.read_text(encoding="utf-8")
        links = re.findall(r'<a class="report-download__link" href="([^"]+)"[^>]*>\s*Download the report '
                           r'\(PDF, ([^)]+)\)', html)
        assert links, f"{page}: no link to the PDF"
        for href, size in links:
            if page.name != "404.html":  # its links are absolute, for any address it is shown at
                assert (page.parent / href).resolve() == document.resolve()
            assert size == shown
    assert placeholders(site) == []
    listed = (site / "SHA256SUMS").read_text(encoding="utf-8")
    assert f"  downloads/{PDF_NAME}\n" in listed
    check = subprocess.run(["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=site, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"downloads/{PDF_NAME}: OK" in check.stdout


# --- WeasyPrint in a worker process, imported while the project loads ---------------------------

@LINUX
def test_the_pdf_is_laid_out_by_a_worker_started_before_the_project_is_loaded(project, monkeypatch, layouts):
    events = []

    class Recorded(pdfworker.LayoutWorker):
        def __enter__(self):
            worker = super().__enter__()  # eager: starts the worker
            events.append(("worker started", "importing WeasyPrint" if self.eager else "waiting"))
            return worker

    real = cli.load_project
    monkeypatch.setattr(cli, "LayoutWorker", Recorded)
    monkeypatch.setattr(cli, "load_project", lambda *args, **kwargs: events.append(("project loaded",))
                        or real(*args, **kwargs))
    assert cli.build(project, project / "site") == 0
    assert events == [("worker started", "importing WeasyPrint"), ("project loaded",)]  # no PDF in the cache yet
    [worker] = layouts.processes()
    assert worker != os.getpid()
    with pytest.raises(ProcessLookupError):  # and it was reaped
        os.kill(worker, 0)


@LINUX
def test_report_build_lays_the_pdf_out_without_ever_importing_weasyprint_itself(project, tmp_path):
    """The PDF is the build's longest path: `report build` starts the worker that lays it out before it loads
    the project, and only the worker imports WeasyPrint (about 0.5 s), while this process loads the project."""
    seen = tmp_path / "seen"
    script = (f"import sys\n"
              f"from generator import entry\n"
              f"code = entry.main(['--root', {str(project)!r}, 'build'])\n"
              f"heavy = sorted(m for m in sys.modules if m.split('.')[0] == 'weasyprint')\n"
              f"open({str(seen)!r}, 'w').write(repr(heavy))\n"
              f"sys.exit(code)\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=project, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "PDF written to " in result.stdout  # laid out, not reused
    assert seen.read_text() == "[]"
    assert (project / "site" / "downloads" / PDF_NAME).is_file()


def report_build(root: Path, **env) -> subprocess.CompletedProcess:
    """`report build` in a process of its own; every Python process started prints what it imports."""
    result = subprocess.run([sys.executable, "-m", "generator.entry", "--root", str(root), "build"], cwd=root,
                            env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1", **env}, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def imports_weasyprint(result: subprocess.CompletedProcess) -> bool:
    return re.search(r"^import time:.*\| weasyprint$", result.stderr, re.M) is not None


def test_weasyprint_is_imported_only_when_the_pdf_is_laid_out(built):
    """A build whose PDF comes from the cache imports WeasyPrint in no process at all (it would cost
    its CPU time to MkDocs, which the build then waits for); a build that lays the PDF out does."""
    warm = report_build(built)
    assert "PDF reused from .cache/pdf/" in warm.stdout
    assert not imports_weasyprint(warm)
    cold = report_build(built, REPORT_NO_CACHE="1")
    assert "PDF written to " in cold.stdout
    assert imports_weasyprint(cold)


def test_weasyprint_is_imported_early_when_the_pdf_will_probably_be_laid_out(built, monkeypatch):
    """Before the project is loaded, the build guesses from the files' times whether the PDF kept in the
    cache will do; the PDF's key still decides."""
    assert not pdfcache.will_lay_out(built, pdfcache.pdf_cache(built, use_cache=True))  # nothing changed since it was kept
    assert pdfcache.will_lay_out(built, pdfcache.pdf_cache(built, use_cache=False))  # --no-cache
    monkeypatch.setenv("REPORT_NO_CACHE", "1")
    assert pdfcache.will_lay_out(built, pdfcache.pdf_cache(built, use_cache=True))
    monkeypatch.delenv("REPORT_NO_CACHE")
    [kept] = cache_entries(built)
    later = (built / ".cache" / "pdf" / kept).stat().st_mtime + 10
    os.utime(built / "vignettes" / "road-safety.md", (later, later))  # an edit after the PDF was kept
    assert pdfcache.will_lay_out(built, pdfcache.pdf_cache(built, use_cache=True))
    shutil.rmtree(built / ".cache" / "pdf")  # `make clean`
    assert pdfcache.will_lay_out(built, pdfcache.pdf_cache(built, use_cache=True))


@LINUX
@pytest.mark.parametrize("fault, says", [
    ("killed", "the process laying out the PDF ended without a result (killed, or out of memory?) — build again."),
    ("disk full", "No space left on device — the PDF cannot be written there; is the disk full?"),
])
def test_a_layout_worker_that_fails_fails_the_build_and_keeps_the_site(built, monkeypatch, site_builds, capfd,
                                                                        fault, says):
    site = built / "site"
    before = tree(site)
    monkeypatch.setenv("REPORT_NO_CACHE", "1")

    in_the_worker(monkeypatch, f"import errno, os, signal\n"
                               f"def failing(html, out, fonts):\n"
                               f"    if {fault!r} == 'killed':\n"
                               f"        os.kill(os.getpid(), signal.SIGKILL)\n"
                               f"    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(out))\n"
                               f"layout.write_pdf = failing\n")
    capfd.readouterr()
    assert cli.build(built, site) == 1
    err = capfd.readouterr().err
    assert says in err
    assert "Traceback" not in err
    assert err.rstrip().endswith(f"build failed; {site} was left as it was.")
    assert tree(site) == before
    assert leftovers(built) == []
    [mkdocs] = site_builds
    assert_gone(mkdocs.proc)


@LINUX
@pytest.mark.parametrize("how, code", [("ctrl-c", 130), ("sigterm", 143)])
def test_an_interrupt_while_the_pdf_is_laid_out_stops_the_worker_and_keeps_the_site(built, tmp_path, how, code):
    site = built / "site"
    before = tree(site)
    marker = tmp_path / "worker"
    slow = (f"import os, time\n"
            f"def slow(html, out, fonts):\n"
            f"    open({str(marker)!r}, 'w').write(str(os.getpid()))\n"
            f"    time.sleep({WAIT})\n"
            f"layout.write_pdf = slow\n")
    script = (f"import sys\n"
              f"from generator import entry\n"
              f"from generator.outputs import pdfworker\n"
              f"pdfworker.PROGRAM = ('-c', {worker_program(slow)!r})\n"
              f"sys.exit(entry.main(['--root', {str(built)!r}, 'build', '--no-cache']))\n")
    # A session of its own, like a shell job: Ctrl-C reaches the whole group, `kill` only the CLI.
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=built, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    worker = int(wait_for(marker, "the worker did not start laying the PDF out"))
    # The signal is report's alone to handle: the worker and MkDocs each run in a group of its own. Were either
    # to end of it first, report could take that for a failure before it saw the interrupt.
    [mkdocs] = [pid for pid in children(proc.pid) if pid != worker]
    assert worker in children(proc.pid)
    assert os.getpgid(proc.pid) not in {os.getpgid(mkdocs), os.getpgid(worker)}
    if how == "ctrl-c":
        os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == code, err
    name = "SIGINT" if how == "ctrl-c" else "SIGTERM"
    assert err.rstrip().endswith(f"interrupted ({name}); {site} was left as it was.")
    assert "Traceback" not in err
    with pytest.raises(ProcessLookupError):  # it does not go on writing on its own
        os.kill(worker, 0)
    assert tree(site) == before
    assert leftovers(built) == []


# --- MkDocs on its own --------------------------------------------------------------------------

def mkdocs(root: Path, site: Path, env: dict, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(root / "mkdocs.yml"),
                             "-d", str(site)], cwd=root, env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **env},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def test_mkdocs_under_report_build_prints_the_size_it_is_given_and_leaves_the_pdf_to_it(project, tmp_path):
    """`report build` lays the PDF out while MkDocs builds: MkDocs prints the placeholder it is given for the
    PDF's size and publishes no PDF; `report build` puts both in once MkDocs is done (above)."""
    env = {"REPORT_PDF": str(tmp_path / PDF_NAME), "REPORT_PDF_SIZE": "report-pdf-size-pending-0123"}
    proc = mkdocs(project, tmp_path / "site", env)
    out, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == 0, err
    assert placeholders(tmp_path / "site") and not (tmp_path / "site" / "downloads").exists()
    assert ('href="downloads/year3-partnership-innovation-prevention.pdf" type="application/pdf" download>\n'
            "  Download the report (PDF, report-pdf-size-pending-0123)") in (tmp_path / "site" / "index.html").read_text(
                encoding="utf-8")


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
    script = ("import sys; from generator import entry; "
              f"code = entry.main(['--root', {str(project)!r}, 'pdf', '--out', {str(tmp_path / 'again.pdf')!r}]); "
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
    monkeypatch.setattr(pdfworker, "FONTS_DIR", fonts)  # the only folder the PDF may load files from
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


def test_a_pdf_subset_by_fonttools_is_laid_out_again_once_harfbuzz_subset_is_installed(
        project, tmp_path, layouts, capsys, monkeypatch):
    load = pdfcache._load
    with monkeypatch.context() as missing:
        in_the_worker(missing, layouts.code + WITHOUT_HARFBUZZ_SUBSET)
        missing.setattr(pdfcache, "_load", lambda names: None if "libharfbuzz-subset.so.0" in names else load(names))
        pdfcache.engine_versions.cache_clear()
        try:
            make_pdf(project, tmp_path / "fonttools.pdf", capsys)
        finally:
            pdfcache.engine_versions.cache_clear()
    assert make_pdf(project, tmp_path / "harfbuzz.pdf", capsys).startswith("PDF written to ")
    assert len(layouts) == 2
    assert (tmp_path / "harfbuzz.pdf").read_bytes() != (tmp_path / "fonttools.pdf").read_bytes()


def test_no_cache_and_report_no_cache_lay_the_pdf_out_afresh(project, tmp_path):
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH)}
    env.pop("REPORT_NO_CACHE", None)

    def report(*args, **extra):
        return subprocess.run([sys.executable, "-m", "generator.entry", "--root", str(project), *args],
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
