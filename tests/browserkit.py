"""Helpers for the browser tests: the pages of a built site, fresh pages, axe-core and its report.

The fixtures (one server and one Chromium for the whole run) are in browser_fixtures.py.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from pathlib import Path

from conftest import REPO

AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(directory: Path):
    """A built site served on 127.0.0.1 while the block runs; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def site_paths(site: Path) -> list[str]:
    """The URL path of every page of the built site, e.g. '/', '/vignettes/road-safety/', '/404.html'."""
    paths = []
    for f in sorted(site.rglob("*.html")):
        rel = f.relative_to(site).as_posix()
        paths.append("/" + rel[: -len("index.html")] if rel.endswith("index.html") else "/" + rel)
    return paths


def new_page(browser, base_url, **context_options):
    """A page in a fresh context (no stored colour scheme or search), recording every request."""
    context = browser.new_context(base_url=base_url, **context_options)
    requested: list[str] = []
    context.on("request", lambda r: requested.append(r.url))
    pg = context.new_page()
    pg.requested = requested
    return pg


def run_axe(pg, axe_source: str, tags: list[str]) -> list[dict]:
    """axe-core's violations on the page as it is now, for rules with any of `tags`."""
    if not pg.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated as the test's own script: the page's Content-Security-Policy forbids adding an inline one.
        pg.evaluate(f"{axe_source}\n;undefined")
    result = pg.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", tags)
    return result["violations"]


def describe(violations: list[dict]) -> list[str]:
    """One line per failing element: rule, impact, selector, what to fix."""
    lines = []
    for v in violations:
        for node in v["nodes"]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"{v['id']} ({v['impact']}) {node['target']}: {summary[:300]}")
    return lines
