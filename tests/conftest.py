"""Shared fixtures: tiny projects in tmp_path, and the real site built once per test run."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Callable

import pytest

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault("REPORT_DEBUG", "1")  # a bug in the generator shows its traceback in every test (entry.main)
# Tests press Ctrl-C in the builds they start. A suite started in the background by a script (`make test &`) has
# SIGINT ignored, and every build it starts would inherit that and never hear Ctrl-C: it is handled here, so that
# the processes the tests start get the default, as from a terminal.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
SOURCE = REPO.parent / "shared" / "source" / "year3-partnership-innovation-prevention.md"
CHROMIUM = Path("/usr/bin/chromium")
EPOCH = 1700000000  # the real site's build time: 2023-11-14 22:13:20 UTC, already 2023-11-15 in Kiribati

MINI_BIB = """\
@book{huxham2005,
  author = {Huxham, C. and Vangen, S.},
  title = {Managing to collaborate},
  year = {2005},
  publisher = {Routledge},
  address = {Oxon}
}

@article{morse2010,
  author = {Morse, R. S.},
  title = {Integrative public leadership},
  journal = {The Leadership Quarterly},
  volume = {21},
  pages = {231--245},
  year = {2010}
}
"""

MINI_VIGNETTE = """\
---
number: I
title: Road Safety
area: B
services:
  - Police Scotland
partners:
  - council
---

Intro with a citation [@morse2010].

## Why was this initiative needed?

Because.
"""

# Front matter of nine lines whose last value, aliases expanded, holds 9^9 strings (a "billion laughs").
ALIAS_BOMB = """\
---
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
title: [*h, *h, *h, *h, *h, *h, *h, *h, *h]
---
"""


def write_project(root: Path, files: dict[str, str]) -> Path:
    """Write a tiny project: every path -> text (dedented). Defaults make a valid project."""
    defaults = {
        "content/index.md": "# Home\n\nSee [Vignette I][vignette:road-safety] and [@huxham2005].\n",
        "vignettes/road-safety.md": MINI_VIGNETTE,
        "references/references.bib": MINI_BIB,
    }
    for rel, text in {**defaults, **files}.items():
        if text is None:
            continue
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def write_mkdocs_site(root: Path, files: dict[str, str] | None = None) -> Path:
    write_project(root, files or {})
    (root / "mkdocs.yml").write_text(textwrap.dedent(f"""\
        site_name: Fixture
        docs_dir: content
        strict: true
        theme:
          name: material
          custom_dir: {REPO / 'generator' / 'hosts' / 'mkdocs' / 'theme'}
          language: en-GB
          font: false
        plugins:
          - search
          - report
        markdown_extensions:
          - toc
          - attr_list
          - md_in_html
        validation:
          links:
            not_found: warn
            anchors: warn
            unrecognized_links: warn
        """), encoding="utf-8")
    return root


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator.entry", "--root", str(cwd), *args],
                          cwd=cwd, capture_output=True, text=True)


def build_real_report(root: Path, site: Path, *, tz: str, locale: str) -> Path:
    """``report build`` of the report at ``root`` into ``site``, as the release builds it (SOURCE_DATE_EPOCH
    set), in time zone ``tz`` and ``locale``; the PDF laid out by WeasyPrint, not copied from a cache."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH), "TZ": tz, "LC_ALL": locale, "LANG": locale,
           "REPORT_NO_CACHE": "1"}
    result = subprocess.run([sys.executable, "-m", "generator.entry", "--root", str(root), "build",
                             "--site-dir", str(site)], cwd=root, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return site


def once_per_run(tmp_path_factory, name: str, make: Callable[[Path], None]) -> Path:
    """A folder ``name`` filled by ``make(folder)`` once per test run, however many tests ask for it. Under
    pytest-xdist each worker is a process with its own session fixtures: the first worker to ask makes the
    folder while the others wait for it, then every worker reads that one."""
    run = tmp_path_factory.getbasetemp()
    if "PYTEST_XDIST_WORKER" in os.environ:
        run = run.parent  # this run's, above the workers' own folders
    folder, done = run / name, run / f"{name}.done"
    with open(run / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed, even if make() fails
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            done.touch()
    return folder


def copy_project(template: Path, to: Path) -> Path:
    """A copy of ``template`` (e.g. a fixture project built once per run, its site/ and .cache/ with it) at
    ``to``, for a test that changes it; symbolic links stay links."""
    shutil.copytree(template, to, symlinks=True, dirs_exist_ok=True)
    return to


def _build_mini_site(root: Path) -> None:
    result = run_cli("build", cwd=write_mkdocs_site(root))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="session")
def mini_site(tmp_path_factory) -> Path:
    """The tiny project of write_mkdocs_site's defaults with its site/ (and its PDF in .cache/) built once per
    run by `report build`: a test that changes it works on a copy (copy_project)."""
    return once_per_run(tmp_path_factory, "mini", _build_mini_site)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The real report, built once per test run with the real CLI into a temporary folder (in UTC)."""
    folder = once_per_run(tmp_path_factory, "real",
                          lambda f: build_real_report(REPO, f / "site", tz="UTC", locale="C.UTF-8"))
    return folder / "site"


def required(what: str, found: bool, packages: str) -> None:
    """Skip the test when ``what`` is missing, but fail it in CI (CI=true), where every test must run."""
    if found:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required in CI; make test installs it (apt-get install {packages})")
    pytest.skip(f"{what} is not installed (apt-get install {packages}; make test installs it)")


def chromium_or_skip() -> Path:
    required("Chromium at /usr/bin/chromium", CHROMIUM.exists(), "chromium")
    return CHROMIUM
