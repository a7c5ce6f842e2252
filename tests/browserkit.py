"""Helpers for the browser tests: the pages of a built site, fresh pages, axe-core and its report.

The fixtures (one server and one Chromium for the whole run) are in browser_fixtures.py.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import io
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

from conftest import REPO

AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}
NARROW = {"width": 320, "height": 640}  # WCAG 1.4.10: reflow at 320 CSS px (400% zoom of a 1280 px window)
MODES = {
    "desktop-light": dict(viewport=DESKTOP, color_scheme="light", scheme="default"),
    "phone-dark": dict(viewport=PHONE, color_scheme="dark", scheme="slate"),
}

# Every breach of a page's Content-Security-Policy, in window.__violations (added to a context before its pages load).
RECORD_VIOLATIONS = """window.__violations = [];
document.addEventListener('securitypolicyviolation', e => window.__violations.push(
    `${e.violatedDirective} ${e.blockedURI} ${e.sample}`));"""

SHOWN_FOCUS = """window.shownFocus = e => {
  // Material's colour-scheme switch is a visually hidden radio button whose focus shows on the
  // label after it (.md-option.focus-visible + label).
  if (e.getBoundingClientRect().width) return e;
  const next = e.nextElementSibling;
  return next && next.tagName === 'LABEL' && next.getBoundingClientRect().width ? next : e;
}"""

# The elements wider than the window, unless they scroll in a region of their own; null when it does not
# scroll sideways.
WIDER_THAN_THE_WINDOW = """() => {
  const w = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= w) return null;
  return [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > w + 1 && !e.closest('.md-typeset__scrollwrap'))
    .filter(e => getComputedStyle(e).visibility !== 'hidden')
    .slice(0, 5).map(e => e.tagName + '.' + e.className);
}"""

# The headings whose "¶" (hidden until pointed at) sits on a line of its own, below the heading's last word: a
# blank line under the heading.
PERMALINK_ALONE = """() => [...document.querySelectorAll('.md-content h1, .md-content h2, .md-content h3')]
  .filter(h => {
    const link = h.querySelector(':scope > a.headerlink');
    if (!link || !h.getClientRects().length) return false;
    const words = document.createRange();
    words.selectNodeContents(h);
    words.setEndBefore(link);
    const lines = words.getClientRects();
    return lines.length && link.getBoundingClientRect().top >= lines[lines.length - 1].bottom - 1;
  })
  .map(h => h.tagName + ' ' + h.textContent.trim().slice(0, 50))"""

# The links on screen named only by a symbol such as ↩ or ¶, not in words.
LINKS_WITHOUT_WORDS = """() => [...document.querySelectorAll('a[href]')]
  .filter(a => a.getClientRects().length && getComputedStyle(a).visibility !== 'hidden')
  .map(a => [a.getAttribute('aria-label') || a.textContent.trim() || a.getAttribute('title') || '', a.outerHTML])
  .filter(([name]) => !/[\\p{L}\\p{N}]/u.test(name))
  .map(([name, html]) => JSON.stringify(name) + ' ' + html.slice(0, 120))"""


def load(pg, path: str) -> None:
    pg.goto(path)
    # report.js runs after Material's bundle has mounted the page.
    pg.wait_for_function("() => !!document.querySelector('.report-header-button')")
    pg.evaluate("() => { " + SHOWN_FOCUS + " }")


def settle(pg) -> None:
    """Wait for CSS transitions to end: axe measures colours as they are at that moment."""
    pg.wait_for_function("() => !document.getAnimations().some(a => a.playState === 'running')")


def focused(pg) -> dict:
    """What has the keyboard focus: tag, text, name, classes, box, and whether it is the page itself."""
    return pg.evaluate("""() => {
      const e = document.activeElement;
      if (!e || e === document.body) return {none: true};
      const shown = shownFocus(e);
      const r = shown.getBoundingClientRect();
      return {none: false, tag: e.tagName, text: (e.innerText || '').trim(), cls: e.className || '',
              label: e.getAttribute('aria-label') || '', href: e.getAttribute('href') || '',
              inHeader: !!e.closest('.md-header'), inContent: !!e.closest('.md-content'),
              inDrawer: !!e.closest('.md-sidebar--primary'),
              box: {x: r.x, y: r.y, width: r.width, height: r.height}};
    }""")


def tab_until(pg, predicate, limit: int = 60, key: str = "Tab") -> dict:
    """Press ``key`` until the focus is on an element ``predicate`` accepts (see :func:`focused`)."""
    for _ in range(limit):
        pg.keyboard.press(key)
        f = focused(pg)
        if not f["none"] and predicate(f):
            return f
    raise AssertionError(f"{limit} presses of {key} never reached the element; last focus: {focused(pg)}")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _UnderPrefix(_QuietHandler):
    """The site under ``prefix`` (a GitHub Pages project site's ``/<repository>/``), its 404.html (status 404) for
    any missing address under it, as GitHub Pages serves it."""

    prefix = "/"

    def send_head(self):
        path = urlsplit(self.path).path
        if not path.startswith(self.prefix):
            self.send_error(404)
            return None
        local = Path(self.directory) / unquote(path[len(self.prefix):])
        if local.is_dir() and (local / "index.html").is_file() and not path.endswith("/"):
            self.send_response(301)
            self.send_header("Location", path + "/")
            self.end_headers()
            return None
        if local.is_dir() and (local / "index.html").is_file() or local.is_file():
            self.path = "/" + self.path[len(self.prefix):]
            return super().send_head()
        page = (Path(self.directory) / "404.html").read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        return io.BytesIO(page)


@contextlib.contextmanager
def serve(directory: Path, prefix: str = ""):
    """A built site served on 127.0.0.1 while the block runs, under ``prefix`` ("/some/prefix/") if given;
    yields its base URL."""
    handler = functools.partial(type("Handler", (_UnderPrefix,), {"prefix": prefix}) if prefix else _QuietHandler,
                                directory=str(directory))
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


def refuse_other_hosts(pg, base_url: str) -> list[str]:
    """Refuse every request of the page's context to another host; the list of them ("<page> -> <URL>")."""
    refused: list[str] = []

    def route(r):
        if r.request.url.startswith((base_url + "/", "data:")):
            r.continue_()
        else:
            refused.append(f"{pg.url} -> {r.request.url}")
            r.abort()

    pg.context.route("**/*", route)
    return refused


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
