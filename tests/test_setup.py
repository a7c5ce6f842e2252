"""A fresh machine: `make build` and `make test` check what they need from the system before anything else
(tools/system_deps.py), and the README names the same packages."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "tools"))
import system_deps  # noqa: E402

MAKE = shutil.which("make")


@pytest.mark.skipif(MAKE is None, reason="make is not installed")
def test_make_test_without_the_tools_or_the_right_to_install_them_stops_first_naming_the_command(tmp_path):
    """Neither root nor apt-get at hand: nothing is installed or run, and the one command to run is printed."""
    for name in ("Makefile", "tools/system_deps.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / name, tmp_path / name)
    bare = tmp_path / "bin"  # a PATH without pdftoppm, java, node, npm or apt-get
    bare.mkdir()
    result = subprocess.run([MAKE, "--no-print-directory", "test", f"PYTHON={sys.executable}"], cwd=tmp_path,
                            env={"PATH": str(bare)}, capture_output=True, text=True)
    assert result.returncode != 0
    assert result.stderr.startswith("make test needs, and this system lacks:\n")
    command = re.search(r"^    (sudo apt-get update && sudo apt-get install -y --no-install-recommends .+)$",
                        result.stderr, re.M)
    assert command, result.stderr
    assert {"poppler-utils", "default-jre-headless", "nodejs", "npm"} <= set(command[1].split())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Makefile", "bin", "tools"]  # no .venv, no node_modules


def test_the_readme_names_every_package_the_build_and_the_tests_need():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| `make build` |"):]
    table = table[:table.index("\n\n")]
    everything = re.search(r"^sudo apt-get update && sudo apt-get install (.+?)\n\n?```", readme, re.M | re.S)[1]
    for target, needs in system_deps.NEEDS.items():
        for need in needs:
            for package in need.packages:
                assert f"`{package}" in table or f" {package}" in table, (target, package)
                assert package in everything.split(), package
