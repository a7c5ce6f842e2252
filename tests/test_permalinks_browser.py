"""The "¶" of every paragraph, list item and extract, in a real Chromium: a pointer user sees it on hover, a
keyboard user does not have to Tab past hundreds of them nor a screen reader hear one after every paragraph;
the arrow keys lead from a section's "¶" to its passages', and the passage that holds the text caret or that
the address leads to gives its "¶" back to the Tab key."""

from __future__ import annotations

import pytest

from browserkit import focused, load, settle, tab_until

pytest_plugins = ["browser_fixtures"]  # one Chromium and one server for every browser test

pytestmark = pytest.mark.browser

LONG_PAGE = "/partnership-working-and-innovation/"
SECTION = "#the-partnership-and-innovation-landscape"
PASSAGES = "#partnership-working-and-innovation--the-partnership-and-innovation-landscape"
PASSAGE, LATER = f"{PASSAGES}-p1", f"{PASSAGES}-p11"  # with no link in their words

# Every element that is aria-hidden, or inside one, and yet a Tab stop (axe-core's aria-hidden-focus).
FOCUSABLE_BUT_HIDDEN = """() => [...document.querySelectorAll('[aria-hidden="true"], [aria-hidden="true"] *')]
  .filter(e => e.tabIndex >= 0 && !e.disabled)
  .map(e => e.outerHTML.slice(0, 120))"""


def tab_stops(pg) -> list[dict]:
    """Every element Tab reaches from the top of the page, once round."""
    stops = []
    for _ in range(600):
        pg.keyboard.press("Tab")
        f = focused(pg)
        if f["none"] or stops and f["text"] == "Skip to content":
            return stops
        stops.append(f)
    raise AssertionError("600 presses of Tab never came back to the top of the page")


def test_tab_does_not_stop_at_the_passages_permalinks_but_at_the_headings(page):
    load(page, LONG_PAGE)
    assert page.locator(".passage-link").count() > 50
    stops = tab_stops(page)
    assert [s for s in stops if "passage-link" in s["cls"]] == []
    headings = [s["label"] for s in stops if s["text"] == "¶"]
    assert len(headings) >= 5 and all(label.startswith("Link to this section: ") for label in headings), headings


def test_a_screen_reader_hears_no_link_after_each_paragraph(page):
    load(page, LONG_PAGE)
    tree = page.locator("article").aria_snapshot()
    assert "Link to this paragraph" not in tree and "Link to this list item" not in tree
    assert "Link to this extract" not in tree
    assert 'link "Link to this section: Partnership working and innovation"' in tree


def test_pointing_at_a_paragraph_shows_its_permalink_which_leads_to_it(page):
    load(page, LONG_PAGE)
    link = page.locator(f"{PASSAGE} > .passage-link")
    assert link.evaluate("e => getComputedStyle(e).opacity") == "0"
    page.locator(PASSAGE).hover()
    settle(page)
    assert link.evaluate("e => getComputedStyle(e).opacity") == "1"
    link.click()
    page.wait_for_url(f"**/{PASSAGE}")
    page.mouse.move(0, 0)
    settle(page)
    assert link.evaluate("e => getComputedStyle(e).opacity") == "1"  # on the :target passage it stays


def test_from_a_sections_permalink_the_arrow_keys_reach_its_passages(page):
    load(page, LONG_PAGE)
    tab_until(page, lambda f: f["href"] == SECTION and "headerlink" in f["cls"], limit=200)
    page.keyboard.press("ArrowDown")
    f = focused(page)
    assert (f["href"], f["label"]) == (PASSAGE, "Link to this paragraph")
    settle(page)
    assert page.evaluate("getComputedStyle(document.activeElement).opacity") == "1"
    assert 'link "Link to this paragraph"' in page.locator(PASSAGE).aria_snapshot()
    page.keyboard.press("ArrowDown")
    assert focused(page)["href"] == f"{PASSAGES}-p2"
    left = page.locator(f"{PASSAGE} > .passage-link").evaluate("e => [e.tabIndex, e.ariaHidden]")
    assert left == [-1, "true"]  # the one left behind is hidden again
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/{PASSAGE}")
    page.keyboard.press("Tab")  # following a link leaves the focus at the passage it leads to
    assert focused(page)["href"] == PASSAGE
    page.keyboard.press("ArrowUp")
    assert "headerlink" in focused(page)["cls"] and focused(page)["href"] == SECTION


def test_the_passage_holding_the_caret_or_led_to_is_reached_by_the_next_tab(page):
    load(page, LONG_PAGE)
    page.locator(LATER).click(position={"x": 20, "y": 5})  # the caret, where a click puts it
    page.keyboard.press("Tab")
    assert (focused(page)["href"], focused(page)["label"]) == (LATER, "Link to this paragraph")
    page.goto("about:blank")
    load(page, f"{LONG_PAGE}{PASSAGE}")  # opened at the passage's address
    page.keyboard.press("Tab")
    assert focused(page)["href"] == PASSAGE
    assert page.evaluate(FOCUSABLE_BUT_HIDDEN) == []


def test_nothing_hidden_from_screen_readers_is_a_tab_stop(page):
    load(page, LONG_PAGE)
    assert page.evaluate(FOCUSABLE_BUT_HIDDEN) == []
    page.locator(PASSAGE).click(position={"x": 20, "y": 5})
    assert page.locator(f"{PASSAGE} > .passage-link").evaluate("e => [e.tabIndex, e.ariaHidden]") == [0, None]
    assert page.evaluate(FOCUSABLE_BUT_HIDDEN) == []
