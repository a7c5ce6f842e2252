"""One server and one Chromium for the whole test run, shared by every browser test module, and every page
of the site visited once for all the tests that check something on every page.

Test modules load this as a plugin (``pytest_plugins = ["browser_fixtures"]``): its session fixtures
are then registered once, so however many modules use them, the site is served and the browser
started once.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from browserkit import (AXE_JS, LINKS_WITHOUT_WORDS, MODES, NARROW, PERMALINK_ALONE, RECORD_VIOLATIONS, WCAG_TAGS,
                        WIDER_THAN_THE_WINDOW, focused, load, new_page, refuse_other_hosts, run_axe, serve, settle,
                        site_paths)
from conftest import chromium_or_skip


@pytest.fixture(scope="session")
def base_url(built_site):
    with serve(built_site) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    executable = chromium_or_skip()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(executable), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield b
        b.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `npm ci --ignore-scripts` (make test does)")
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture
def page(browser, base_url):
    pg = new_page(browser, base_url)
    yield pg
    pg.context.close()


def _as_loaded(pg, axe_source: str) -> dict:
    """What every visit reads first: the scheme shown, the page's policies and axe-core's findings."""
    return {"scheme": pg.evaluate("document.body.getAttribute('data-md-color-scheme')"),
            "policies": pg.locator('meta[http-equiv="Content-Security-Policy"]').count(),
            "axe": run_axe(pg, axe_source, WCAG_TAGS + ["best-practice"])}


def _desktop_visit(pg, axe_source: str) -> dict:
    """In this order, as they change the page: what every visit reads, the links without a name in words, the
    skip link (Tab, Enter, Tab), then with text at 200% what is wider than the window. Then, once the network
    has been idle for 0.5 s, the page has made every request it makes by itself (test_browser)."""
    seen = {**_as_loaded(pg, axe_source), "links without words": pg.evaluate(LINKS_WITHOUT_WORDS)}
    pg.keyboard.press("Tab")
    seen["first focus"] = focused(pg)
    settle(pg)
    seen["first focus opacity"] = pg.evaluate("getComputedStyle(document.activeElement).opacity")
    pg.keyboard.press("Enter")
    pg.keyboard.press("Tab")
    seen["focus after skipping"] = focused(pg)
    pg.evaluate("() => { const h = document.documentElement;"
                " h.style.fontSize = parseFloat(getComputedStyle(h).fontSize) * 2 + 'px'; }")
    seen["wider at 200% text"] = pg.evaluate(WIDER_THAN_THE_WINDOW)
    pg.wait_for_load_state("networkidle")
    return seen


def _phone_visit(pg, axe_source: str) -> dict:
    """What every visit reads, then what is wider than the window once it is narrowed to 320 px, and the headings
    whose "¶" is then alone on a line."""
    seen = _as_loaded(pg, axe_source)
    width = pg.viewport_size
    pg.set_viewport_size(NARROW)
    seen["wider at 320 px"] = pg.evaluate(WIDER_THAN_THE_WINDOW)
    seen["permalink alone at 320 px"] = pg.evaluate(PERMALINK_ALONE)
    pg.set_viewport_size(width)
    return seen


VISITS = {  # name -> (how the page is opened, what is read from each page)
    "desktop-light": (MODES["desktop-light"], _desktop_visit),
    "phone-dark": (MODES["phone-dark"], _phone_visit),
}


@dataclass
class Visit:
    pages: dict[str, dict]  # URL path -> what was read from the page
    foreign: list[str]  # requests to another host ("<page> -> <URL>"), refused (on every page's load)
    requests: int  # requests made in all
    errors: list[str]  # uncaught errors of the pages' scripts ("<page>: <error>")


@pytest.fixture(scope="session")
def visits(browser, base_url, built_site, axe_source):
    """``visits(name)``: every page of the site loaded once per run (of this process) for all the tests that
    check something on every page, and what was read from each (see VISITS), with every breach of its
    Content-Security-Policy after that reading."""
    done: dict[str, Visit] = {}

    def get(name: str) -> Visit:
        if name in done:
            return done[name]
        options, read = VISITS[name]
        pg = new_page(browser, base_url, viewport=options["viewport"], color_scheme=options["color_scheme"])
        pg.context.add_init_script(RECORD_VIOLATIONS)
        visit = Visit({}, refuse_other_hosts(pg, base_url), 0, [])
        pg.on("pageerror", lambda e: visit.errors.append(f"{pg.url}: {e}"))
        try:
            for path in site_paths(built_site):
                load(pg, path)
                visit.pages[path] = read(pg, axe_source)
                visit.pages[path]["policy violations"] = pg.evaluate("window.__violations")
            visit.requests = len(pg.requested)
        finally:
            pg.context.close()
        done[name] = visit
        return visit

    return get
