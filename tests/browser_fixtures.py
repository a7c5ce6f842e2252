"""One server and one Chromium for the whole test run, shared by every browser test module, and every page
of the site visited once for all the tests that check something on every page.

Test modules load this as a plugin (``pytest_plugins = ["browser_fixtures"]``): its session fixtures
are then registered once, so however many modules use them, the site is served and the browser
started once.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from browserkit import (AXE_JS, LINKS_WITHOUT_WORDS, MODES, NARROW, WCAG_TAGS, WIDER_THAN_THE_WINDOW,
                        focused, load, new_page, refuse_other_hosts, run_axe, serve, settle, site_paths)
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


def _desktop_visit(pg, axe_source: str) -> dict:
    """In this order, as they change the page: axe-core's findings and the scheme shown, the links without
    a name in words, the skip link (Tab, Enter, Tab), then with text at 200% what is wider than the window."""
    pg.wait_for_load_state("networkidle")  # every request the page makes by itself (test_browser)
    seen = {"scheme": pg.evaluate("document.body.getAttribute('data-md-color-scheme')"),
            "axe": run_axe(pg, axe_source, WCAG_TAGS + ["best-practice"]),
            "links without words": pg.evaluate(LINKS_WITHOUT_WORDS)}
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
    return seen


def _phone_visit(pg, axe_source: str) -> dict:
    return {"scheme": pg.evaluate("document.body.getAttribute('data-md-color-scheme')"),
            "axe": run_axe(pg, axe_source, WCAG_TAGS + ["best-practice"])}


def _narrow_visit(pg, axe_source: str) -> dict:
    return {"wider at 320 px": pg.evaluate(WIDER_THAN_THE_WINDOW)}


VISITS = {  # name -> (how the page is opened, what is read from each page)
    "desktop-light": (MODES["desktop-light"], _desktop_visit),
    "phone-dark": (MODES["phone-dark"], _phone_visit),
    "narrow": ({"viewport": NARROW, "color_scheme": "light"}, _narrow_visit),
}


@dataclass
class Visit:
    pages: dict[str, dict]  # URL path -> what was read from the page
    foreign: list[str]  # requests to another host ("<page> -> <URL>"), refused (on every page's load)
    requests: int  # requests made in all


@pytest.fixture(scope="session")
def visits(browser, base_url, built_site, axe_source):
    """``visits(name)``: every page of the site loaded once per run (of this process) for all the tests that
    check something on every page, and what was read from each (see VISITS)."""
    done: dict[str, Visit] = {}

    def get(name: str) -> Visit:
        if name in done:
            return done[name]
        options, read = VISITS[name]
        pg = new_page(browser, base_url, viewport=options["viewport"], color_scheme=options["color_scheme"])
        visit = Visit({}, refuse_other_hosts(pg, base_url), 0)
        try:
            for path in site_paths(built_site):
                load(pg, path)
                visit.pages[path] = read(pg, axe_source)
            visit.requests = len(pg.requested)
        finally:
            pg.context.close()
        done[name] = visit
        return visit

    return get
