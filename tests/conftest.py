"""Shared fixtures: tiny projects in tmp_path, and the real site built once per test run."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault("REPORT_DEBUG", "1")  # a bug in the generator shows its traceback in every test (entry.main)
SOURCE = REPO.parent / "shared" / "source" / "year3-partnership-innovation-prevention.md"
CHROMIUM = Path("/usr/bin/chromium")

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
          custom_dir: {REPO / 'generator' / 'mkdocs_theme'}
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


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The real report, built once with the real CLI into a temporary folder."""
    site = tmp_path_factory.mktemp("real") / "site"
    result = subprocess.run([sys.executable, "-m", "generator.entry", "--root", str(REPO), "build",
                             "--site-dir", str(site)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return site


def chromium_or_skip() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    if os.environ.get("CI") == "true":
        pytest.fail("Chromium is required in CI (/usr/bin/chromium); .ci/run installs it with apt-get")
    pytest.skip("Chromium not installed at /usr/bin/chromium (apt-get install chromium)")
