"""The prevention-examples explorer in a real Chromium: filters by level, service and area, by keyboard."""

from __future__ import annotations

import pytest

pytest_plugins = ["browser_fixtures"]  # one Chromium and one server for every browser test

pytestmark = pytest.mark.browser


def visible_examples(page):
    return page.locator("main tr:has(.example-link)").evaluate_all(
        "items => items.filter(i => i.offsetParent !== null).map(i => i.querySelector('.example-link').textContent)")


def test_filters_narrow_the_examples_by_keyboard_and_announce_the_count(page):
    page.goto("/prevention-examples/")
    status = page.locator("#explorer-status")
    assert page.locator("#explorer").is_visible()  # shown only when the script runs
    everything = visible_examples(page)
    assert len(everything) >= 10 and status.inner_text() == f"{len(everything)} examples shown of {len(everything)}."
    # Keep only tertiary prevention: untick the other levels with the keyboard alone.
    page.locator("input[name=level][value=primary]").focus()
    page.keyboard.press("Space")
    for _ in range(2):  # Tab to secondary, skip tertiary ... then "not classified"
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.value") == "tertiary"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Space")  # secondary off
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # not classified off
    tertiary = ["fire safety in the home for elderly community members",  # their short labels
                "a partnership with British Gas"]
    assert visible_examples(page) == tertiary
    assert status.inner_text() == f"2 examples shown of {len(everything)}."
    # Each example is one row: the rows of the other levels are hidden, the tertiary ones shown.
    assert page.locator("table .example-link:visible").count() == 2
    # Area filter: only the British Gas partnership names its area (A).
    page.locator("input[name=area][value=none]").focus()
    page.keyboard.press("Space")
    assert visible_examples(page) == tertiary[1:] and status.inner_text().startswith("1 example shown")
    page.locator("input[name=area][value=A]").focus()
    page.keyboard.press("Space")
    assert visible_examples(page) == [] and status.inner_text().startswith("0 examples shown")


def test_an_example_in_the_text_leads_to_its_row_and_back(page):
    page.goto("/practices-of-prevention/")
    page.locator("#example-campus-officers .entity-link").click()
    page.wait_for_url("**/prevention-examples/#pe-campus-officers")
    row = page.locator("#pe-campus-officers")
    assert row.is_visible() and row.inner_text() == "the use of campus officers in schools and colleges"
    row.click()
    page.wait_for_url("**/practices-of-prevention/#example-campus-officers")
    assert page.locator("#example-campus-officers").is_visible()
