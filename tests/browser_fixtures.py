"""One server and one Chromium for the whole test run, shared by every browser test module.

Test modules load this as a plugin (``pytest_plugins = ["browser_fixtures"]``): its session fixtures
are then registered once, so however many modules use them, the site is served and the browser
started once.
"""

from __future__ import annotations

import pytest

from browserkit import AXE_JS, new_page, serve
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


