"""Symbolic links in the source folders that lead out of the project: nothing behind one is read or published
(it could be any file of the build machine)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

from ..common.diagnostics import Diagnostics
from ..common.project import Layout


def stays_inside(root: Path, path: Path) -> bool:
    """Whether ``path``, every symbolic link on the way followed, is inside the project ``root``."""
    return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(root))


def links_outside(root: Path, folder: Path) -> Iterator[Path]:
    """The symbolic links under ``folder`` (not followed) that lead out of the project ``root``."""
    with os.scandir(folder) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.is_symlink():
                if not stays_inside(root, Path(entry.path)):
                    yield Path(entry.path)
            elif entry.is_dir():
                yield from links_outside(root, Path(entry.path))


def report_links_outside(root: Path, layout: Layout, diags: Diagnostics) -> bool:
    """Report every symbolic link in the source folders that leads out of the project; True if there is one."""
    found = False
    for folder in (layout.content, layout.vignettes, layout.references):
        if not (root / folder).is_dir():
            continue
        for link in links_outside(root, root / folder):
            found = True
            diags.error(link.relative_to(root).as_posix(), None, f"is a symbolic link to '{os.readlink(link)}', "
                        "outside the project — the build would read it and publish it in the site (it could be any "
                        f"file of the build machine). Put the file itself in {folder}/.", "file.outside-project")
    return found
