"""What the MkDocs plugin does to the process it runs in (issue #7): compiled templates kept between
builds, and Python's collector left as it was (``report build`` tunes it in the MkDocs process it starts,
generator/hosts/mkdocs/run.py). Fixture sites in tmp_path, built in this process as ``mkdocs build`` does."""

from __future__ import annotations

import gc
import hashlib

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

from conftest import write_mkdocs_site


def build_here(root, site):
    build(load_config(config_file=str(root / "mkdocs.yml"), site_dir=str(site)))


def digest(folder):
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.suffix in (".html", ".json", ".xml"):
            h.update(p.relative_to(folder).as_posix().encode() + p.read_bytes())
    return h.hexdigest()


def test_compiled_templates_are_kept_and_change_nothing_in_the_site(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1518048000")
    root = write_mkdocs_site(tmp_path / "project")
    build_here(root, tmp_path / "first")
    cached = sorted((root / ".cache" / "jinja").iterdir())
    assert len(cached) > 10  # Material's templates and ours
    build_here(root, tmp_path / "second")  # now from the kept bytecode
    assert sorted((root / ".cache" / "jinja").iterdir()) == cached
    assert digest(tmp_path / "first") == digest(tmp_path / "second")


def test_the_collector_is_left_as_it_was_after_a_build_and_after_a_failed_one(tmp_path):
    before = gc.get_threshold()
    root = write_mkdocs_site(tmp_path / "good")
    build_here(root, tmp_path / "site")
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    # A problem found while compiling: MkDocs stops with the plugin's error.
    bad = write_mkdocs_site(tmp_path / "bad", {"content/index.md": "# Home\n\nSee [Vignette I][vignette:road-safety] "
                                                                  "and [@huxham2005].\n\n<div>[@morse2010]</div>\n"})
    with pytest.raises(Abort, match="problem\\(s\\) in the report.s pages"):  # the plugin has logged them
        build_here(bad, tmp_path / "bad-site")
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
