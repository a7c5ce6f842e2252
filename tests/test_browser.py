"""What the public sees, in a real Chromium (Debian's /usr/bin/chromium driven by Playwright)."""

from __future__ import annotations

import functools
import http.server
import threading

import pytest

from conftest import chromium_or_skip

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url(built_site):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(built_site))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    executable = chromium_or_skip()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(executable), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield b
        b.close()


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(base_url=base_url)
    requested = []
    context.on("request", lambda r: requested.append(r.url))
    pg = context.new_page()
    pg.requested = requested
    yield pg
    context.close()


def test_citation_shows_its_full_reference_on_keyboard_focus_and_leads_to_the_bibliography(page, base_url):
    page.goto("/partnership-working-and-innovation/")
    link = page.locator("#cite-1 .citation__link").first
    tip = page.locator("#cite-1 .citation__tip").first
    assert not tip.is_visible()
    link.hover()
    assert tip.is_visible()
    page.mouse.move(0, 0)
    assert not tip.is_visible()
    link.focus()
    assert tip.is_visible()
    assert "O'Neill, M. and McCarthy, D. J. (2014)" in tip.inner_text()
    assert link.get_attribute("aria-describedby") == tip.get_attribute("id")
    page.keyboard.press("Enter")
    page.wait_for_url("**/references/#ref-oneill2014")
    assert page.locator("#ref-oneill2014").is_visible()


def test_cited_in_link_returns_to_the_citing_passage(page):
    page.goto("/references/")
    page.locator("#ref-morse2010 ~ ul a").first.click()
    page.wait_for_url("**/partnership-working-and-innovation/#cite-*")
    target = page.url.split("#")[1]
    assert page.locator(f"#{target}").is_visible()
    assert "Morse 2010" in page.locator(f"#{target}").inner_text()


def test_pages_request_nothing_from_other_hosts(page, base_url):
    for path in ("/", "/introduction/", "/vignettes/road-safety/", "/references/"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
    foreign = [u for u in page.requested if not u.startswith(base_url) and not u.startswith("data:")]
    assert foreign == []


def test_quote_shows_interviewee_code(page):
    page.goto("/practices-of-prevention/")
    caption = page.locator("figure.quote figcaption").first
    assert caption.inner_text() == "— C11, fire"
