"""A failed or interrupted `report build` leaves the previous site/ byte-identical and no temporary folder.

Faults are injected where they happen for real: inside MkDocs (a hook in mkdocs.yml raises, fills
the disk, or stalls so that the test can send Ctrl-C or SIGTERM), and in the CLI's own steps (the
manifest and the swap) by patching them in-process.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import run_cli, write_mkdocs_site
from generator import cli
from generator.core import sitedir

FAULT_HOOK = '''\
import errno, os, time
from pathlib import Path

import mkdocs.utils

FAULT = os.environ.get("REPORT_FAULT", "")


def on_config(config):
    if FAULT == "enospc":  # the disk fills up once the theme's files are copied
        def full(*args, **kwargs):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        mkdocs.utils.write_file = full


def on_page_markdown(markdown, page, config, files):
    if FAULT == "exception":
        raise RuntimeError("injected failure in a Markdown extension")
    if FAULT == "stall":
        Path(os.environ["REPORT_FAULT_MARKER"]).write_text(str(os.getpid()))
        time.sleep(60)
    return markdown
'''


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith((".site-new-", ".site-old-")))


@pytest.fixture
def project(tmp_path) -> Path:
    """A project whose site/ was built once; mkdocs.yml loads the fault hook (off unless asked)."""
    root = write_mkdocs_site(tmp_path)
    (root / "fault.py").write_text(FAULT_HOOK, encoding="utf-8")
    with open(root / "mkdocs.yml", "a", encoding="utf-8") as f:
        f.write("hooks:\n  - fault.py\n")
    first = run_cli("build", cwd=root)
    assert first.returncode == 0, first.stdout + first.stderr
    return root


def start_build(root: Path, fault: str, **popen) -> subprocess.Popen:
    env = {**os.environ, "REPORT_FAULT": fault, "REPORT_FAULT_MARKER": str(root / "stalled")}
    return subprocess.Popen([sys.executable, "-m", "generator.entry", "--root", str(root), "build"], cwd=root,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


@pytest.mark.parametrize("fault, says", [
    ("exception", "RuntimeError: injected failure in a Markdown extension"),
    ("enospc", "No space left on device"),
])
def test_a_failure_inside_mkdocs_keeps_the_previous_site(project, fault, says):
    before = tree(project / "site")
    proc = start_build(project, fault)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert says in err
    assert err.rstrip().endswith(f"build failed; {project / 'site'} was left as it was.")
    assert tree(project / "site") == before
    assert leftovers(project) == []


@pytest.mark.parametrize("how, code", [("ctrl-c", 130), ("sigterm", 143)])
def test_an_interrupted_build_keeps_the_previous_site_and_stops_mkdocs(project, how, code):
    before = tree(project / "site")
    # A session of its own, like a shell job: Ctrl-C reaches the whole group, `kill` only the CLI.
    proc = start_build(project, "stall", start_new_session=True)
    marker = project / "stalled"
    deadline = time.monotonic() + 60
    while not (marker.exists() and marker.read_text()):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    mkdocs_pid = int(marker.read_text())
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

