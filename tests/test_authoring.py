"""Authoring: `report new` starts pages that pass the checks, and `make serve` shows problems without dying."""

from __future__ import annotations

import html
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
import yaml

from conftest import ALIAS_BOMB, MINI_VIGNETTE, REPO, run_cli, write_mkdocs_site, write_project


def test_new_vignette_explains_every_field_takes_the_next_number_and_passes_the_check(tmp_path):
    root = write_project(tmp_path, {"vignettes/safety-in-the-home.md": MINI_VIGNETTE.replace("number: I", "number: II")})
    result = run_cli("new", "vignette", "community-safety-hub", cwd=root)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ("created vignettes/community-safety-hub.md\n"
                             "next: fill it in, add '- vignettes/community-safety-hub.md' to the nav in mkdocs.yml, "
                             "then run 'make check'.\n")
    text = (root / "vignettes/community-safety-hub.md").read_text(encoding="utf-8")
    front = text.split("---\n")[1]
    fields = yaml.safe_load(front)
    assert fields == {"number": "III", "title": "Community safety hub", "area": "A",
                      "services": ["Police Scotland"], "partners": ["council"]}
    for line in front.splitlines():
        if not line.startswith((" ", "#")):
            assert "  # " in line, f"no comment explains {line!r}"
    # Filled in: linked from the text, as every vignette must be.
    (root / "content/index.md").write_text(
        "# Home\n\nSee [][vignette:road-safety], [][vignette:safety-in-the-home] and "
        "[][vignette:community-safety-hub] [@huxham2005].\n", encoding="utf-8")
    check = run_cli("check", cwd=root)
    assert check.returncode == 0, check.stderr


def test_new_chapter_passes_the_check_once_linked(tmp_path):
    root = write_project(tmp_path, {})
    result = run_cli("new", "chapter", "method", cwd=root)
    assert result.returncode == 0, result.stderr
    text = (root / "content/method.md").read_text(encoding="utf-8")
    assert "# Method\n" in text and "# description: " in text
    (root / "content/index.md").write_text("# Home\n\n[][vignette:road-safety] [][chapter:method] [@huxham2005]\n",
                                           encoding="utf-8")
    check = run_cli("check", cwd=root)
    assert check.returncode == 0, check.stderr


@pytest.mark.parametrize("kind, slug, message", [
    ("vignette", "road-safety", "error: vignettes/road-safety.md already exists — it was left as it was. Choose "
                                "another slug, or edit it.\n"),
    ("chapter", "index", "error: content/index.md already exists — it was left as it was. Choose another slug, or "
                         "edit it.\n"),
    ("chapter", "Road Safety", "error: 'Road Safety' is not a slug — use lower-case words joined by hyphens, e.g. "
                               "'road-safety'; it becomes the file name and the page's address.\n"),
    ("chapter", "a" * 300, "error: the slug has 300 characters — limit 80: it becomes the file name and the page's "
                           "address. Choose a shorter one.\n"),  # was a traceback: the file name was too long
    ("vignette", "x" * 2_000 + " y", f"error: '{'x' * 37}...{'x' * 36} y' is not a slug — use lower-case words "
                                     "joined by hyphens, e.g. 'road-safety'; it becomes the file name and the page's "
                                     "address.\n"),  # quoted cut short
])
def test_new_refuses_to_overwrite_or_to_take_a_bad_name(tmp_path, kind, slug, message):
    root = write_project(tmp_path, {})
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    result = run_cli("new", kind, slug, cwd=root)
    assert result.returncode == 1
    assert result.stderr == message
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_new_says_when_the_folder_cannot_be_written(tmp_path):
    root = write_project(tmp_path, {"content/index.md": None})
    (root / "content").write_text("a file where the folder should be", encoding="utf-8")
    result = run_cli("new", "chapter", "method", cwd=root)
    assert result.returncode == 1
    assert result.stderr == "error: content/ cannot be made: File exists — it must be a folder you may write to.\n"


def test_new_vignette_when_every_number_is_taken(tmp_path):
    numerals = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
    root = write_project(tmp_path, {f"vignettes/v{n}.md": MINI_VIGNETTE.replace("number: I", f"number: {r}")
                                    for n, r in enumerate(numerals)})
    result = run_cli("new", "vignette", "one-more", cwd=root)
    assert result.returncode == 1
    assert result.stderr == ("error: every number from I to X is taken — the report has no room for another "
                             "vignette.\n")


# --------------------------------------------------------------------------- make serve

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8")


def wait_for(url: str, condition, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    page = ""
    while time.monotonic() < deadline:
        try:
            page = fetch(url)
            if condition(page):
                return page
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} never showed what was expected; last seen:\n{page[-2000:]}")


def test_serve_shows_problems_on_the_page_and_recovers_when_they_are_fixed(tmp_path):
    """As `make serve` runs it (non-strict), on a project whose vignette and bibliography are broken."""
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert "mkdocs serve --no-strict" in makefile
    root = write_mkdocs_site(tmp_path, {"vignettes/road-safety.md": MINI_VIGNETTE.replace("area: B", "area: E")})
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "--no-strict", "--dev-addr",
                               f"127.0.0.1:{port}"], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    url = f"http://127.0.0.1:{port}/"
    try:
        page = wait_for(url, lambda html: "report-problems" in html)
        problem = ("vignettes/road-safety.md:4: area 'E' is not a case-study area — the report has areas A, B, C "
                   "and D. [vignette.area]")
        assert f"<code>{html.escape(problem)}</code>" in page
        assert "1 problem in the report's sources" in page

        # Fixing the vignette (watched, though outside docs_dir) clears the banner ...
        (root / "vignettes/road-safety.md").write_text(MINI_VIGNETTE, encoding="utf-8")
        wait_for(url, lambda html: "report-problems" not in html and "Vignette I" in html)
        # ... and breaking the bibliography brings it back.
        bib = root / "references/references.bib"
        bib.write_text(bib.read_text(encoding="utf-8").replace("@book{huxham2005", "@book{huxam2005"),
                       encoding="utf-8")
        page = wait_for(url, lambda html: "report-problems" in html)
        assert "unknown citation key &#x27;huxham2005&#x27;" in page
        assert server.poll() is None, "the server stopped"
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=30)
    assert "ERROR   -  vignettes/road-safety.md:4: area 'E' is not a case-study area" in out


def test_serve_keeps_serving_sources_beyond_the_limits(tmp_path):
    """What the checks refuse is not rendered by the preview either: not the page's text (8,000 '[' and 3,000
    '>' made Python-Markdown hang), nor MkDocs' own reading of its front matter (an alias bomb as the title)."""
    bomb = MINI_VIGNETTE.replace("title: Road Safety\n", ALIAS_BOMB.split("---\n")[1])
    root = write_mkdocs_site(tmp_path, {"vignettes/road-safety.md": bomb,
                                        "content/about.md": "# About\n\n" + "> " * 3_000 + "deep\n\n" + "[" * 8_000})
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "--no-strict", "--dev-addr",
                               f"127.0.0.1:{port}"], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    try:
        for page in ("about/", "vignettes/road-safety/"):
            shown = wait_for(f"http://127.0.0.1:{port}/{page}", lambda html: "report-problems" in html)
            assert "3 problems in the report&#39;s sources" in shown or "3 problems in the report's sources" in shown
            assert "[[[[" not in shown and "lol" not in shown
        assert server.poll() is None, "the server stopped"
    finally:
        server.terminate()
        server.communicate(timeout=30)
