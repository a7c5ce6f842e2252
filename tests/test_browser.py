"""What the public sees, in a real Chromium (Debian's /usr/bin/chromium driven by Playwright)."""

from __future__ import annotations

import pytest

from browserkit import DESKTOP, MODES, RECORD_VIOLATIONS, new_page, refuse_other_hosts, serve

pytest_plugins = ["browser_fixtures"]
pytestmark = pytest.mark.browser


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
    assert "Morse, 2010" in page.locator(f"#{target}").inner_text()


@pytest.mark.xdist_group("desktop-light")
def test_no_page_requests_anything_from_another_host(browser, base_url, visits):
    """No analytics, web fonts or CDN scripts: every request of every page (and of a search) goes to
    the site itself. Requests elsewhere are intercepted and refused, so the test never leaves the machine."""
    visit = visits("desktop-light")  # every page, each until the network was idle for 0.5 s
    assert visit.requests > len(visit.pages)
    assert visit.foreign == []
    pg = new_page(browser, base_url, viewport=DESKTOP)
    foreign = refuse_other_hosts(pg, base_url)
    try:
        pg.goto("/")
        pg.keyboard.press("/")
        pg.keyboard.type("prevention")
        pg.locator(".md-search-result__item").first.wait_for()
        pg.wait_for_load_state("networkidle")
        assert foreign == []
    finally:
        pg.context.close()


def test_quote_shows_interviewee_code(page):
    page.goto("/practices-of-prevention/")
    caption = page.locator("figure.quote figcaption").first
    assert caption.inner_text() == "— C11, fire¶"  # and the extract's permalink, shown on hover and focus


@pytest.mark.parametrize("mode", [pytest.param(m, marks=pytest.mark.xdist_group(m)) for m in MODES])
def test_every_page_keeps_to_its_content_security_policy(visits, mode):
    """The policy (core/sanitize.py) forbids inline scripts but the theme's own, by hash: no page breaks it
    (as loaded, and after what each visit did on it), and no page's script fails."""
    visit = visits(mode)
    assert {path: seen["policies"] for path, seen in visit.pages.items() if seen["policies"] != 1} == {}
    broken = [f"{path}: {v}" for path, seen in visit.pages.items() for v in seen["policy violations"]]
    assert (broken, visit.errors) == ([], [])


def test_the_scripts_still_work_under_the_content_security_policy(browser, base_url):
    """What runs scripts works under the policy: the colour-scheme toggle, the explorer's filters."""
    context = browser.new_context(base_url=base_url, viewport=DESKTOP)
    context.add_init_script(RECORD_VIOLATIONS)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(f"{pg.url}: {e}"))
    try:
        pg.goto("/prevention-examples/")
        scheme = pg.evaluate("document.body.getAttribute('data-md-color-scheme')")
        pg.locator("label.md-header__button[for^='__palette']:visible").first.click()
        assert pg.evaluate("document.body.getAttribute('data-md-color-scheme')") != scheme
        pg.locator("#explorer input[name=level]").first.click()
        assert "shown" in pg.locator("#explorer-status").inner_text()
        broken = pg.evaluate("window.__violations")
    finally:
        context.close()
    assert (broken, errors) == ([], [])


@pytest.mark.parametrize("path, link_selector", [
    ("/partnership-working-and-innovation/", "#cite-1 .citation__link"),
    ("/introduction/", "a.term[href$='#term-sfrs']"),
])
def test_a_preview_stays_open_under_the_pointer_and_escape_closes_it_where_the_focus_is(page, path, link_selector):
    """WCAG 1.4.13: hoverable, persistent, dismissible; and shown on keyboard focus."""
    page.goto(path)
    page.wait_for_function("() => !!document.querySelector('[data-report-tip]')")
    link = page.locator(link_selector).first
    tip = link.locator("xpath=following-sibling::*[1]")
    link.scroll_into_view_if_needed()
    link.hover()
    assert tip.is_visible()
    # The pointer moves from the link down onto the preview, and rests on the words at its far end.
    to = tip.bounding_box()
    page.mouse.move(to["x"] + to["width"] - 4, to["y"] + to["height"] - 4, steps=12)
    assert tip.is_visible()
    page.keyboard.press("Escape")
    assert not tip.is_visible()
    page.mouse.move(0, 0)
    link.hover()  # back on its link: shown again
    assert tip.is_visible()
    page.mouse.move(0, 0)
    assert not tip.is_visible()
    link.focus()
    assert tip.is_visible()
    page.keyboard.press("Escape")
    assert not tip.is_visible()
    assert link.evaluate("e => e === document.activeElement")  # Escape did not move the focus


@pytest.mark.parametrize("missing", ["vignettes/gone/deeper/", "no-such-page", "old-chapter/"])
def test_the_404_page_works_under_a_prefix_as_on_a_github_pages_project_site(browser, mini_site, missing):
    """Its styles and scripts load and its links lead into the site, wherever the missing address is."""
    prefix = "/some/prefix/"
    with serve(mini_site / "site", prefix) as base_url:
        pg = new_page(browser, base_url)
        failed = []
        pg.on("response", lambda r: failed.append(r.url) if r.status >= 400 and not r.url.endswith(missing) else None)
        response = pg.goto(prefix + missing)
        assert response.status == 404
        pg.wait_for_function("() => typeof document$ !== 'undefined'")  # Material's bundle ran
        assert pg.locator("h1").inner_text() == "Page not found"
        assert pg.evaluate("getComputedStyle(document.querySelector('.md-header')).position") == "sticky"
        hrefs = pg.eval_on_selector_all("a[href]:not([href^='#']):not([href^='http'])", "as => as.map(a => a.href)")
        assert hrefs and all(h.startswith(base_url + prefix) for h in hrefs), hrefs
        pg.wait_for_load_state("networkidle")  # the search index too
        pg.get_by_role("link", name="home page").click()
        pg.wait_for_url(base_url + prefix)
        assert pg.locator("h1").first.inner_text() == "Home"
        assert failed == []
        pg.context.close()


def test_without_javascript_the_header_search_leads_to_every_page_and_section(browser, base_url, built_site):
    pg = new_page(browser, base_url, java_script_enabled=False)
    pg.goto("/vignettes/road-safety/")
    assert not pg.locator(".md-search").is_visible()  # Material's search needs JavaScript
    fallback = pg.locator(".md-header").get_by_role("link", name="Every page and section")
    assert fallback.is_visible()
    fallback.click()
    pg.wait_for_url("**/site-index/")
    listed = pg.locator("nav.site-index")
    # Every page of the site is listed, and each chapter's sections.
    pages = {"/" + p.relative_to(built_site).parent.as_posix() + "/" for p in built_site.rglob("index.html")}
    linked = set(listed.locator("a").evaluate_all("as => as.map(a => new URL(a.href).pathname)"))
    assert {p.replace("/./", "/") for p in pages} - {"/site-index/"} <= linked
    listed.get_by_role("link", name="What we know about prevention in practice", exact=False).first.click()
    pg.wait_for_url("**/practices-of-prevention/#*")
    pg.context.close()
    with_script = new_page(browser, base_url)
    with_script.goto("/vignettes/road-safety/")
    with_script.wait_for_function("() => !!document.querySelector('.report-header-button')")
    assert not with_script.locator(".report-search-fallback").is_visible()  # the search itself is there
    with_script.context.close()


def test_the_404_pages_skip_link_stays_on_the_page(browser, mini_site):
    with serve(mini_site / "site", "/some/prefix/") as base_url:
        pg = new_page(browser, base_url)
        pg.goto("/some/prefix/no-such-page")
        pg.wait_for_function("() => typeof document$ !== 'undefined'")
        pg.keyboard.press("Tab")
        pg.keyboard.press("Enter")
        assert pg.url == base_url + "/some/prefix/no-such-page#__skip"
        pg.context.close()
