"""Thin command line: ``report check`` validates the sources; ``report build`` builds the site safely."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .core import BuildError, load_project


def check(root: Path) -> int:
    started = time.perf_counter()
    kb, diags = load_project(root)
    try:
        diags.raise_if_any(strict=True)
    except BuildError as exc:
        print(exc.report(), file=sys.stderr)
        return 1
    took = time.perf_counter() - started
    print(f"ok: {len(kb.documents)} pages, {len(kb.vignettes)} vignettes, {len(kb.sources)} sources, "
          f"{len(kb.citations())} citations checked in {took:.2f} s")
    return 0


def build(root: Path, site_dir: Path) -> int:
    """Build into a temporary folder beside ``site_dir``; swap it in only when everything succeeded."""
    if check(root) != 0:
        return 1
    site_dir = site_dir.resolve()
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".site-new-", dir=site_dir.parent))
    try:
        cmd = [sys.executable, "-m", "mkdocs", "build", "--strict",
               "--config-file", str(root / "mkdocs.yml"), "--site-dir", str(tmp)]
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
        if subprocess.run(cmd, cwd=root, env=env).returncode != 0:
            print(f"build failed; {site_dir} was left as it was.", file=sys.stderr)
            return 1
        old = None
        if site_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=".site-old-", dir=site_dir.parent))
            site_dir.rename(old / "site")
        tmp.rename(site_dir)
        if old is not None:
            shutil.rmtree(old)
        print(f"site written to {site_dir}")
        return 0
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="report", description=__doc__)
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="project folder (default: here)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="validate every source file without rendering")
    b = sub.add_parser("build", help="build the site (strict), replacing site/ only on success")
    b.add_argument("--site-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    root = args.root.resolve()
    try:
        if args.command == "check":
            return check(root)
        return build(root, args.site_dir or root / "site")
    except KeyboardInterrupt:
        print("interrupted; site/ was left as it was.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
