"""A failed or interrupted `report build` leaves the previous site/ byte-identical and no temporary folder.

Faults are injected where they happen for real: inside MkDocs (a hook in mkdocs.yml raises, fills
the disk, or stalls so that the test can send Ctrl-C or SIGTERM), and in the CLI's own steps (the
manifest and the swap) by patching them in-process.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

from conftest import copy_project, once_per_run, run_cli, write_mkdocs_site
from generator import cli
from generator.outputs import sitedir

FAULT_HOOK = '''\
import errno, os, time
from pathlib import Path

import mkdocs.utils
from mkdocs.plugins import event_priority

FAULT = os.environ.get("REPORT_FAULT", "")


def on_config(config):
    if FAULT == "enospc":  # the disk fills up once the theme's files are copied
        def full(*args, **kwargs):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        mkdocs.utils.write_file = full


def on_page_markdown(markdown, page, config, files):
    if FAULT == "exception":
        raise RuntimeError("injected failure in a Markdown extension")
    if FAULT == "stall":  # until the test says go (at most a minute)
        marker = Path(os.environ["REPORT_FAULT_MARKER"])
        marker.write_text(str(os.getpid()))
        for _ in range(600):
            if marker.with_suffix(".go").exists():
                break
            time.sleep(0.1)
    return markdown


@event_priority(-100)  # after the report's plugin has put the finished PDF into the site
def on_post_build(config):
    if FAULT == "after-pdf":
        raise RuntimeError("injected failure once the PDF is written")
'''


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith((".site-new-", ".site-old-")))


def build_fault_project(root: Path) -> None:
    """A project whose site/ was built once; mkdocs.yml loads the fault hook (off unless asked)."""
    write_mkdocs_site(root)
    (root / "fault.py").write_text(FAULT_HOOK, encoding="utf-8")
    with open(root / "mkdocs.yml", "a", encoding="utf-8") as f:
        f.write("hooks:\n  - fault.py\n")
    first = run_cli("build", cwd=root)
    assert first.returncode == 0, first.stdout + first.stderr


@pytest.fixture
def project(tmp_path, tmp_path_factory) -> Path:
    """A copy of the project built once per run (build_fault_project), for this test to change."""
    return copy_project(once_per_run(tmp_path_factory, "fault-project", build_fault_project), tmp_path)


def start_build(root: Path, fault: str, **popen) -> subprocess.Popen:
    env = {**os.environ, "REPORT_FAULT": fault, "REPORT_FAULT_MARKER": str(root / "stalled")}
    return subprocess.Popen([sys.executable, "-m", "generator.entry", "--root", str(root), "build"], cwd=root,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


@pytest.mark.parametrize("fault, says", [
    ("exception", "RuntimeError: injected failure in a Markdown extension"),
    ("enospc", "No space left on device"),
    ("after-pdf", "RuntimeError: injected failure once the PDF is written"),
])
def test_a_failure_inside_mkdocs_keeps_the_previous_site(project, fault, says):
    before = tree(project / "site")
    proc = start_build(project, fault)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert says in err
    assert "PDF written" not in out and "PDF reused" not in out  # it is not: the site it belongs to failed
    assert err.rstrip().endswith(f"build failed; {project / 'site'} was left as it was.")
    assert tree(project / "site") == before
    assert leftovers(project) == []


def stalled(root: Path, proc: subprocess.Popen) -> int:
    """Wait until the build ``proc`` stalls inside MkDocs; the process id of MkDocs."""
    marker = root / "stalled"
    deadline = time.monotonic() + 60
    while not (marker.exists() and marker.read_text()):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    return int(marker.read_text())


@pytest.mark.parametrize("how, code", [("ctrl-c", 130), ("sigterm", 143)])
def test_an_interrupted_build_keeps_the_previous_site_and_stops_mkdocs(project, how, code):
    before = tree(project / "site")
    # A session of its own, like a shell job: Ctrl-C reaches the whole group, `kill` only the CLI.
    proc = start_build(project, "stall", start_new_session=True)
    mkdocs_pid = stalled(project, proc)
    assert leftovers(project) != []  # the build is writing into its staging folder
    if how == "ctrl-c":
        os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == code, err
    name = "SIGINT" if how == "ctrl-c" else "SIGTERM"
    assert err.rstrip().endswith(f"interrupted ({name}); {project / 'site'} was left as it was.")
    assert "Traceback" not in err
    assert tree(project / "site") == before
    assert leftovers(project) == []
    with pytest.raises(ProcessLookupError):  # MkDocs did not go on writing on its own
        os.kill(mkdocs_pid, 0)


def enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_while_writing_the_manifest_keeps_the_previous_site(project, monkeypatch, capsys):
    before = tree(project / "site")
    monkeypatch.setattr(Path, "write_text", enospc)
    assert cli.build(project, project / "site") == 1
    assert capsys.readouterr().err.rstrip().endswith(
        f"build failed: [Errno 28] No space left on device; {project / 'site'} was left as it was.")
    assert tree(project / "site") == before
    assert leftovers(project) == []


def test_a_failed_swap_is_undone(project, monkeypatch, capsys):
    """Where the system cannot exchange two folders in one step, the second of two renames fails."""
    before = tree(project / "site")
    monkeypatch.setattr(sitedir, "_exchange", lambda a, b: False)
    real_rename = Path.rename

    def rename(self, target):
        if self.name.startswith(".site-new-"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    assert cli.build(project, project / "site") == 1
    assert "No space left on device" in capsys.readouterr().err
    assert tree(project / "site") == before
    assert leftovers(project) == []


def test_the_swap_replaces_the_whole_site_in_one_step(project, capsys):
    (project / "site" / "stale.html").write_text("from an older build", encoding="utf-8")
    (project / "content" / "about.md").write_text("# About\n\nNew text.\n", encoding="utf-8")
    assert cli.build(project, project / "site") == 0
    site = tree(project / "site")
    assert "stale.html" not in site
    assert b"New text." in site["about/index.html"]
    assert leftovers(project) == []


def test_a_build_removes_the_staging_folders_of_killed_builds_but_not_of_running_ones(project):
    dead = subprocess.Popen(["true"])
    dead.wait()  # its process id now names no running process
    killed = project / f".site-new-{dead.pid}-abc123"
    (killed / "assets").mkdir(parents=True)
    running = project / f".site-new-{os.getpid()}-def456"
    running.mkdir()
    result = run_cli("build", cwd=project)
    assert result.returncode == 0, result.stderr
    assert leftovers(project) == [running.name]
    shutil.rmtree(running)


def test_the_staging_folder_of_a_killed_build_not_yet_waited_for_is_removed(tmp_path):
    """A build killed a moment ago is a zombie until its parent waits for it: it no longer runs, so a build that
    starts meanwhile removes its staging folder (the race a killed build's waiting successor runs)."""
    zombie = subprocess.Popen(["true"])
    deadline = time.monotonic() + 60
    while Path(f"/proc/{zombie.pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    try:
        killed = tmp_path / f".site-new-{zombie.pid}-abc123"
        killed.mkdir()
        running = tmp_path / f".site-new-{os.getpid()}-def456"
        running.mkdir()
        assert sitedir.remove_stale(tmp_path) == [killed]
        assert running.exists()
    finally:
        zombie.wait()


def test_a_malformed_source_date_epoch_is_refused_before_building(project):
    env = {**os.environ, "SOURCE_DATE_EPOCH": "yesterday"}
    result = subprocess.run([sys.executable, "-m", "generator.entry", "--root", str(project), "build"],
                            cwd=project, env=env, capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr == ("error: SOURCE_DATE_EPOCH must be a whole number of seconds since 1970, "
                             "not 'yesterday'.\n")
    assert leftovers(project) == []


def test_cleanup_is_not_fooled_by_a_lookalike_name(tmp_path):
    """Only folders named by this tool, with a process id, are ever removed."""
    (tmp_path / ".site-new-notapid").mkdir()
    (tmp_path / ".site-newest").mkdir()
    assert sitedir.remove_stale(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site-new-notapid", ".site-newest"]



# --- Symbolic links out of the project -----------------------------------------------------------------

def link_out_of_the_project(root: Path, outside: Path) -> list[str]:
    """Symbolic links in every source folder to files and a folder outside the project; what they are called."""
    (outside / "notes").mkdir()
    (outside / "notes" / "secret.txt").write_text(SECRET, encoding="utf-8")
    (outside / "secret.bib").write_text("@misc{leak, title = {" + SECRET + "}}\n", encoding="utf-8")
    links = {"content/secret.txt": outside / "notes" / "secret.txt", "content/notes": outside / "notes",
             "vignettes/environment.md": Path("/proc/self/environ"), "references/leak.bib": outside / "secret.bib"}
    for rel, target in links.items():
        (root / rel).symlink_to(target)
    return sorted(links)


SECRET = "s3cr3t-beside-the-project"


@pytest.fixture
def elsewhere(tmp_path_factory) -> Path:
    """A folder outside the project."""
    return tmp_path_factory.mktemp("elsewhere")


def test_a_symbolic_link_out_of_the_project_is_refused_and_nothing_it_points_to_is_read(project, elsewhere):
    before = tree(project / "site")
    (project / "shared").mkdir()
    (project / "shared" / "data.txt").write_text("inside the project", encoding="utf-8")
    (project / "content" / "data.txt").symlink_to(Path("..", "shared", "data.txt"))  # inside: fine
    links = link_out_of_the_project(project, elsewhere)
    result = run_cli("build", cwd=project)
    assert result.returncode == 1
    for rel in links:
        assert f"{rel}: is a symbolic link to '" in result.stderr
    assert result.stderr.count("[file.outside-project]") == len(links)  # not the link inside the project
    assert SECRET not in result.stdout + result.stderr
    assert tree(project / "site") == before

    for rel in links:
        (project / rel).unlink()
    assert run_cli("build", cwd=project).returncode == 0, "the link inside the project is published"
    assert (project / "site" / "data.txt").read_text(encoding="utf-8") == "inside the project"


def test_a_preview_with_a_link_out_of_the_project_does_not_publish_what_it_points_to(tmp_path, elsewhere):
    """``mkdocs serve`` goes on building while the sources have problems: the linked files are left out."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    root = write_mkdocs_site(tmp_path / "project")
    link_out_of_the_project(root, elsewhere)
    config = load_config(config_file=str(root / "mkdocs.yml"), site_dir=str(tmp_path / "preview"), strict=False)
    config.plugins.on_startup(command="serve", dirty=False)
    try:
        build(config)
    finally:  # MkDocs keeps the plugin's instance for the next configuration this process loads
        config.plugins.on_startup(command="build", dirty=False)
    preview = tree(tmp_path / "preview")
    assert "index.html" in preview
    assert not any(name.startswith(("secret", "notes", "environment")) for name in preview)
    assert not any(SECRET.encode() in data for data in preview.values())


# --- What a build may replace, and how ------------------------------------------------------------------

def sources(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.relative_to(root).as_posix().startswith(("site/", ".cache/"))}


@pytest.mark.parametrize("site_dir, why", [
    ("content", "is the project's content/ folder"),
    (".", "is the project's own folder"),
    ("..", "contains the project"),
    ("vignettes/more", "is inside the project's vignettes/ folder"),
    ("references", "is the project's references/ folder"),
    ("generator", "is the project's generator/ folder"),
    (".git", "is the project's .git/ folder"),
    ("chapters", "is the project's content/ folder"),  # a symbolic link to content/
])
def test_a_site_dir_that_is_contains_or_lies_inside_the_sources_is_refused(project, site_dir, why):
    (project / "chapters").symlink_to("content")
    before = sources(project)
    result = run_cli("build", "--site-dir", site_dir, cwd=project)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: --site-dir {site_dir}: {why}")
    assert "— it would delete the sources. Use a folder outside content/, vignettes/, references/" in result.stderr
    assert sources(project) == before
    assert leftovers(project) == [] and leftovers(project.parent) == []


def test_a_site_dir_inside_the_project_beside_the_sources_is_built(project):
    result = run_cli("build", "--site-dir", "public", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / "public" / "index.html").is_file()


@pytest.mark.parametrize("out, says", [
    ("content/report.pdf", "error: --out content/report.pdf: is inside the project's content/ folder — the PDF "
                           "would be written over or among the sources."),
    ("content/index.md", "error: --out content/index.md: is inside the project's content/ folder"),
    ("mkdocs.yml", "error: --out mkdocs.yml: is a file that is not a PDF — writing the PDF there would destroy it."),
])
def test_a_pdf_out_among_the_sources_or_over_another_file_is_refused(project, out, says):
    before = sources(project)
    result = run_cli("pdf", "--out", out, cwd=project)
    assert result.returncode == 2
    assert result.stderr.startswith(says)
    assert sources(project) == before


def test_the_published_site_has_the_permissions_of_any_new_folder(project, capsys):
    old = os.umask(0o022)
    try:
        shutil.rmtree(project / "site")
        assert cli.build(project, project / "site") == 0
    finally:
        os.umask(old)
    modes = {p.relative_to(project).as_posix(): stat.S_IMODE(p.stat().st_mode)
             for p in [project / "site", *(project / "site").rglob("*")]}
    assert modes["site"] == 0o755  # tempfile.mkdtemp made it 0700: nobody else could read the site
    assert {mode for path, mode in modes.items() if (project / path).is_dir()} == {0o755}
    assert {mode for path, mode in modes.items() if (project / path).is_file()} == {0o644}


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """``folder`` made read-only for real: root ignores permission bits, but not the immutable attribute."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("running as root, and this file system cannot make a folder immutable (chattr +i)")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


@pytest.mark.parametrize("where", ["site", "parent"])
def test_a_read_only_site_or_parent_fails_the_build_cleanly_and_leaves_nothing_behind(project, where):
    before = tree(project / "site")
    (project / "content" / "about.md").write_text("# About\n\nNew text.\n", encoding="utf-8")
    with read_only(project / "site" / "assets" if where == "site" else project):
        result = run_cli("build", cwd=project)
    assert result.returncode == 1
    if where == "site":
        assert (f"build failed: {project / 'site' / 'assets'} is read-only, so the previous site cannot be "
                f"removed — make it writable (chmod -R u+w {project / 'site'})") in result.stderr
    assert result.stderr.rstrip().endswith(f"{project / 'site'} was left as it was.")
    assert "PDF written" not in result.stdout
    assert tree(project / "site") == before
    assert leftovers(project) == []


def test_a_second_build_of_the_same_site_waits_for_the_first_and_publishes_the_newer_sources(project):
    first = start_build(project, "stall", start_new_session=True)
    stalled(project, first)  # it has read the sources, and is writing its site
    home = project / "content" / "index.md"
    home.write_text(home.read_text(encoding="utf-8") + "\nNewer text.\n", encoding="utf-8")
    second = start_build(project, "")
    said = ""
    while "waiting for another build" not in said and (line := second.stderr.readline()):
        said += line
    assert said.rstrip() == (f"waiting for another build of {project / 'site'} to finish (pid {first.pid}); "
                             "Ctrl-C stops waiting.")
    (project / "stalled.go").touch()
    first.communicate(timeout=120)
    assert first.returncode == 0
    assert b"Newer text." not in tree(project / "site")["index.html"]
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert b"Newer text." in tree(project / "site")["index.html"]  # not replaced by the older build
    assert leftovers(project) == [] and not (project / ".site.lock").exists()


def test_a_build_waiting_for_one_that_is_killed_goes_on(project):
    first = start_build(project, "stall", start_new_session=True)
    mkdocs_pid = stalled(project, first)
    second = start_build(project, "")
    assert "waiting for another build" in second.stderr.readline()
    os.killpg(first.pid, signal.SIGKILL)  # the build and its layout worker: no clean-up runs
    first.wait()
    os.kill(mkdocs_pid, signal.SIGKILL)  # and its MkDocs (a process group of its own), stalled until then
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert out.rstrip().endswith(f"site written to {project / 'site'}")
    assert leftovers(project) == [] and not (project / ".site.lock").exists()  # the killed build's too
