"""What ``make build`` and ``make test`` need from the system beyond Python, checked before anything else.

    python3 tools/system_deps.py build   # what WeasyPrint needs to lay the PDF out (Pango)
    python3 tools/system_deps.py test    # that, and what the tests drive: Chromium, pdftoppm, Java, npm

Whatever is missing is installed with apt-get when this runs as root on Debian or Ubuntu; otherwise it
stops at once (exit status 1) with the command to run. Standard library only: it runs before .venv exists.
"""

from __future__ import annotations

import ctypes.util
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable, NamedTuple

VENV = Path(__file__).resolve().parent.parent / ".venv"


class Need(NamedTuple):
    what: str
    present: Callable[[], bool]
    packages: tuple[str, ...]  # Debian's and Ubuntu's names


def command(name: str) -> Callable[[], bool]:
    return lambda: shutil.which(name) is not None


def library(name: str) -> Callable[[], bool]:
    """Found where the system keeps libraries, or loadable as WeasyPrint loads it on Linux."""
    def present() -> bool:
        if ctypes.util.find_library(name):
            return True
        try:
            ctypes.CDLL(f"lib{name}.so.0")
        except OSError:
            return False
        return True

    return present


def path(where: str) -> Callable[[], bool]:
    return lambda: Path(where).exists()


BUILD = [
    Need("Python's venv module, to create .venv",
         lambda: (VENV / "bin" / "python").exists() or importlib.util.find_spec("ensurepip") is not None,
         ("python3-venv",)),
    Need("Pango, which WeasyPrint lays the PDF out with", library("pango-1.0"), ("libpango-1.0-0",)),
    Need("PangoFT2, which WeasyPrint loads the PDF's fonts with", library("pangoft2-1.0"), ("libpangoft2-1.0-0",)),
]
TEST = BUILD + [
    Need("HarfBuzz-Subset, which WeasyPrint subsets the PDF's fonts with, as for a release",
         library("harfbuzz-subset"), ("libharfbuzz-subset0",)),
    Need("Chromium at /usr/bin/chromium, for the browser tests", path("/usr/bin/chromium"), ("chromium",)),
    Need("DejaVu fonts, for the pages Chromium renders", path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
         ("fonts-dejavu-core",)),
    Need("pdftoppm, which draws the PDF's pages for the tests", command("pdftoppm"), ("poppler-utils",)),
    Need("Java, which runs the Nu Html Checker", command("java"), ("default-jre-headless",)),
    Need("Node.js and npm, which install axe-core and the Nu Html Checker", lambda: bool(
        shutil.which("node") and shutil.which("npm")), ("nodejs", "npm")),
]
NEEDS = {"build": BUILD, "test": TEST}


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in NEEDS:
        print(f"usage: {Path(__file__).name} {'|'.join(NEEDS)}", file=sys.stderr)
        return 2
    target = argv[0]
    missing = [need for need in NEEDS[target] if not need.present()]
    if not missing:
        return 0
    packages = [p for need in missing for p in need.packages]
    listed = "".join(f"  - {need.what} ({' '.join(need.packages)})\n" for need in missing)
    install = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"make {target}: installing what is missing with apt-get:\n{listed}", end="", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for step in (["apt-get", "update", "-qq"], [*install[:2], "-qq", *install[2:]]):
            if subprocess.run(step, env=env, stdout=subprocess.DEVNULL).returncode != 0:
                print(f"make {target}: `{' '.join(step)}` failed (its messages are above).", file=sys.stderr)
                return 1
        return 0
    print(f"make {target} needs, and this system lacks:\n{listed}"
          f"On Debian or Ubuntu, install them with:\n\n    sudo apt-get update && sudo {' '.join(install)}\n\n"
          "(elsewhere, with your package manager), then run make again.", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
