"""WCAG 2.2 AA in a real Chromium: axe-core on every page, the keyboard, zoom and reflow (issue #5).

axe-core is pinned in package-lock.json; `make test` installs it with `npm ci --ignore-scripts`.
"""

from __future__ import annotations

import re

import pytest

from browserkit import (DESKTOP, MODES, NARROW, PHONE, WCAG_TAGS, describe, focused, load, new_page, run_axe,
                        settle, tab_until)

pytest_plugins = ["browser_fixtures"]
pytestmark = pytest.mark.browser

LONG_PAGE = "/partnership-working-and-innovation/"  # headings, citations, quotes, a long TOC


@pytest.fixture(scope="module", params=list(MODES))
def mode_page(request, browser, base_url):
    """One page (tab) per mode, reused across this module's tests."""
    mode = MODES[request.param]
    pg = new_page(browser, base_url, viewport=mode["viewport"], color_scheme=mode["color_scheme"])
    pg.mode = request.param
    pg.scheme = mode["scheme"]
    yield pg
    pg.context.close()


def results_for(pg, query: str, first: str = "") -> None:
    """Wait for the search results of the whole ``query``, not of the letters typed before its last: each
    key typed starts a search, and a result's link highlights the words its search found (``?h=``). With
    ``first``, the first result must be that page."""
    h = "+".join(query.lower().split())
    item = ".md-search-result__item:first-child" if first else ".md-search-result__item"
    pg.locator(f'{item} > a[href$="{first}?h={h}"]').first.wait_for()


# ---- axe-core ---------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", [pytest.param(m, marks=pytest.mark.xdist_group(m)) for m in MODES])
def test_every_page_passes_axe_in_both_schemes(visits, mode):
    """Zero WCAG 2.0/2.1/2.2 A and AA violations, and no best-practice findings, on every page."""
    wcag, best = [], []
    for path, seen in visits(mode).pages.items():
        assert seen["scheme"] == MODES[mode]["scheme"], f"{path}: {mode} shows the {seen['scheme']!r} scheme"
        for v in seen["axe"]:
            target = wcag if any(t in WCAG_TAGS for t in v["tags"]) else best
            target += [f"{path}: {line}" for line in describe([v])]
    assert not wcag, f"{mode}: WCAG failures:\n" + "\n".join(wcag)
    assert not best, f"{mode}: best-practice findings:\n" + "\n".join(best)


def test_open_search_citation_preview_and_menu_pass_axe(mode_page, axe_source):
    """What only shows after a click or a key press is checked too: search results, a citation's
    full reference, and (on a phone) the open menu."""
    load(mode_page, LONG_PAGE)
    mode_page.keyboard.press("/")  # Material's shortcut: focus the search
    mode_page.keyboard.type("partnership")
    results_for(mode_page, "partnership")
    settle(mode_page)
    states = {"search results": run_axe(mode_page, axe_source, WCAG_TAGS + ["best-practice"])}
    mode_page.keyboard.press("Escape")
    mode_page.locator(".citation__link").first.focus()
    settle(mode_page)
    states["citation preview"] = run_axe(mode_page, axe_source, WCAG_TAGS + ["best-practice"])
    if mode_page.mode == "phone-dark":
        mode_page.locator(".report-header-button__drawer").click()
        mode_page.locator(".md-sidebar--primary a[href]").first.wait_for(state="visible")
        settle(mode_page)
        states["open menu"] = run_axe(mode_page, axe_source, WCAG_TAGS + ["best-practice"])
    problems = [f"{state}: {line}" for state, vs in states.items() for line in describe(vs)]
    assert not problems, "\n".join(problems)


# ---- keyboard ---------------------------------------------------------------------------------

@pytest.mark.xdist_group("desktop-light")
def test_every_page_starts_with_a_skip_link_to_its_content(visits):
    for path, seen in visits("desktop-light").pages.items():
        first = seen["first focus"]
        assert first["text"] == "Skip to content", f"{path}: the first Tab reaches {first}"
        box, vp = first["box"], DESKTOP
        assert box["width"] > 0 and 0 <= box["y"] < vp["height"], f"{path}: the skip link is off screen"
        assert seen["first focus opacity"] == "1", path
        after = seen["focus after skipping"]
        assert after["inContent"], f"{path}: after skipping, Tab reaches {after} instead of the content"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_keyboard_focus_is_always_visible_and_never_under_the_header(browser, base_url, viewport):
    """Tab through a long page: every stop is on screen, not covered by the sticky header, and looks
    different from when it is not focused. Then Shift+Tab back up, when browsers scroll the focus to
    the top edge of the window (where the header is) unless scroll-padding leaves room."""
    pg = new_page(browser, base_url, viewport=viewport)
    try:
        load(pg, LONG_PAGE)
        seen, problems = 0, []
        for step in range(400):
            pg.keyboard.press("Tab")
            f = focused(pg)
            if f["none"]:
                break
            if step and f["text"] == "Skip to content":  # wrapped around
                break
            seen += 1
            settle(pg)
            problems += _obscured(pg, f)
            if not _looks_focused(pg, f):
                problems.append(f"no visible focus on {f['tag']} {f['text'][:40]!r} {f['cls']}")
        assert seen > 20, f"only {seen} focus stops on {LONG_PAGE}"
        pg.locator(".md-footer-meta a").last.focus()
        for _ in range(seen):
            pg.keyboard.press("Shift+Tab")
            f = focused(pg)
            if f["none"] or f["text"] == "Skip to content":
                break
            settle(pg)
            problems += _obscured(pg, f)
        assert not problems, "\n".join(dict.fromkeys(problems))
    finally:
        pg.context.close()


def _obscured(pg, f) -> list[str]:
    """Problems with where the focused element is: off screen, or under something else."""
    vw, vh = pg.viewport_size["width"], pg.viewport_size["height"]
    b = f["box"]
    what = f"{f['tag']} {f['text'][:40]!r} {f['label']!r}"
    if b["width"] <= 0 or b["height"] <= 0:
        return [f"focus on an invisible element: {what}"]
    if b["y"] + b["height"] <= 0 or b["y"] >= vh or b["x"] + b["width"] <= 0 or b["x"] >= vw:
        return [f"focus off screen at {b}: {what}"]
    covered = pg.evaluate("""() => {
      const e = shownFocus(document.activeElement), r = e.getBoundingClientRect();
      const x = Math.min(Math.max(r.x + r.width / 2, 0), innerWidth - 1);
      const y = Math.min(Math.max(r.y + Math.min(r.height, 16) / 2, 0), innerHeight - 1);
      const hit = document.elementFromPoint(x, y);
      return hit && !e.contains(hit) && !hit.contains(e) ? (hit.closest('[class]') || hit).className : null;
    }""")
    return [f"focus hidden under {covered!r}: {what}"] if covered else []


def _looks_focused(pg, f) -> bool:
    """The pixels around the element change when it loses focus."""
    vw, vh = pg.viewport_size["width"], pg.viewport_size["height"]
    b = f["box"]
    x0, y0 = max(b["x"] - 6, 0), max(b["y"] - 6, 0)
    x1, y1 = min(b["x"] + b["width"] + 6, vw), min(b["y"] + b["height"] + 6, vh)
    if x1 - x0 < 1 or y1 - y0 < 1:
        return False
    clip = {"x": x0, "y": y0, "width": x1 - x0, "height": y1 - y0}
    handle = pg.evaluate_handle("document.activeElement")
    with_focus = pg.screenshot(clip=clip, animations="disabled")
    pg.evaluate("document.activeElement.blur()")
    without = pg.screenshot(clip=clip, animations="disabled")
    handle.as_element().focus()
    return with_focus != without


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_search_works_from_the_keyboard_alone(browser, base_url, viewport):
    pg = new_page(browser, base_url, viewport=viewport)
    try:
        load(pg, "/introduction/")
        f = tab_until(pg, lambda f: f["tag"] == "INPUT" and f["label"] == "Search" or f["label"] == "Search")
        if f["tag"] == "BUTTON":  # narrow screens: the search opens from a button
            pg.keyboard.press("Enter")
            assert focused(pg)["tag"] == "INPUT"
        pg.keyboard.type("road safety")
        results_for(pg, "road safety", first="/vignettes/road-safety/")
        pg.keyboard.press("ArrowDown")
        pg.keyboard.press("Enter")
        pg.wait_for_url("**/vignettes/road-safety/**")
    finally:
        pg.context.close()


def test_menu_opens_and_navigates_from_the_keyboard_on_a_phone(browser, base_url):
    pg = new_page(browser, base_url, viewport=PHONE)
    try:
        load(pg, "/introduction/")
        menu = tab_until(pg, lambda f: f["label"] == "Open the menu", limit=10)
        assert menu["tag"] == "BUTTON"
        pg.keyboard.press("Enter")
        settle(pg)
        first = focused(pg)
        assert first["inDrawer"] and not _obscured(pg, first), first
        link = tab_until(pg, lambda f: f["text"] == "References", limit=60)
        settle(pg)
        assert not _obscured(pg, link), link
        pg.keyboard.press("Enter")
        pg.wait_for_url("**/references/")
    finally:
        pg.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_tabbing_to_a_citation_shows_its_full_reference_on_screen(browser, base_url, viewport):
    pg = new_page(browser, base_url, viewport=viewport)
    try:
        load(pg, LONG_PAGE)
        tab_until(pg, lambda f: "citation__link" in f["cls"], limit=200)
        tip = pg.locator(".citation__link:focus + .citation__tip")
        assert tip.is_visible()
        assert re.search(r"\(\d{4}[a-z]?\)|\(n\.d\.\)", tip.inner_text()), tip.inner_text()
        box = tip.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], f"preview cut off: {box}"
    finally:
        pg.context.close()


@pytest.mark.xdist_group("desktop-light")
def test_every_link_has_a_name_in_words(visits):
    """No link is named only by a symbol such as ↩ or ¶: a screen reader user hears where it goes."""
    bad = [f"{path}: {b}" for path, seen in visits("desktop-light").pages.items() for b in seen["links without words"]]
    assert not bad, "\n".join(bad)


# ---- zoom and reflow --------------------------------------------------------------------------

@pytest.mark.xdist_group("phone-dark")
def test_no_page_scrolls_sideways_at_320_px(visits):
    """WCAG 1.4.10: reflow at 320 CSS px, i.e. 400% zoom of a 1280 px window (each page as loaded on a phone,
    the window then narrowed)."""
    overflow = [f"{path}: wider than the window: {seen['wider at 320 px']}"
                for path, seen in visits("phone-dark").pages.items() if seen["wider at 320 px"]]
    assert not overflow, "\n".join(overflow)


@pytest.mark.xdist_group("phone-dark")
def test_no_heading_is_followed_by_a_blank_line_on_a_narrow_screen(visits):
    """A heading's "¶" is hidden until pointed at; where it wrapped onto a line of its own (as Material's
    inline-block may, after a heading that fills the line), a phone shows a blank line under the heading."""
    alone = [f"{path}: {seen['permalink alone at 320 px']}"
             for path, seen in visits("phone-dark").pages.items() if seen["permalink alone at 320 px"]]
    assert not alone, "\n".join(alone)


@pytest.mark.xdist_group("desktop-light")
def test_no_page_scrolls_sideways_with_text_at_200_percent(visits):
    """WCAG 1.4.4: text resized to 200% in a 1280 px window."""
    overflow = [f"{path}: wider than the window: {seen['wider at 200% text']}"
                for path, seen in visits("desktop-light").pages.items() if seen["wider at 200% text"]]
    assert not overflow, "\n".join(overflow)


def test_a_wide_table_scrolls_in_its_own_named_region_by_keyboard(browser, base_url):
    pg = new_page(browser, base_url, viewport=NARROW)
    try:
        load(pg, "/about/")
        region = pg.locator(".md-typeset__scrollwrap").first
        assert pg.evaluate("e => e.scrollWidth > e.clientWidth", region.element_handle()), \
            "the errata table fits at 320 px: pick a wider table for this test"
        assert region.get_attribute("role") == "region"
        assert "Errata" in (region.get_attribute("aria-label") or "")
        tab_until(pg, lambda f: "md-typeset__scrollwrap" in f["cls"], limit=200)
        before = pg.evaluate("document.activeElement.scrollLeft")
        pg.keyboard.press("ArrowRight")
        pg.keyboard.press("ArrowRight")
        pg.wait_for_function("before => document.activeElement.scrollLeft > before", arg=before)
    finally:
        pg.context.close()


# ---- the accessibility statement --------------------------------------------------------------

def test_every_footer_links_to_the_accessibility_statement(built_site):
    from sitehtml import read_site, resolve

    pages = read_site(built_site)
    missing = [key for key, pg in pages.items() if key != "404.html" and not any(
        a.get("href") and resolve(built_site, key, href) == ("accessibility/index.html", "")
        for href, a in pg.links)]
    assert not missing, f"no link to the accessibility statement on: {missing}"


def test_the_accessibility_statement_has_the_public_sector_form(built_site):
    from sitehtml import norm, read_page

    text = norm(read_page(built_site / "accessibility" / "index.html").text)
    for heading in ("Accessibility statement", "How accessible this website is", "Feedback and contact information",
                    "Enforcement procedure", "Compliance status", "Non-accessible content",
                    "How we tested this website", "Preparation of this accessibility statement"):
        assert heading in text, heading
    assert "partially compliant with the Web Content Accessibility Guidelines version 2.2 AA" in text
    assert "axe-core" in text and "Nu Html Checker" in text
