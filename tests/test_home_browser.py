"""What a reader sees of the home page's findings, the prevention examples and a lesson's links to vignettes,
in a real Chromium."""

from __future__ import annotations

import pytest

pytest_plugins = ["browser_fixtures"]  # one Chromium and one server for every browser test

pytestmark = pytest.mark.browser

IN_VIEW = "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.top < window.innerHeight; }"


def test_the_home_page_gives_the_findings_and_leads_to_where_they_come_from(page):
    page.goto("/")
    findings = page.locator("#summary-of-findings ~ *")
    assert "a shared focus on partnership working" in page.locator("main").inner_text()
    assert page.locator("h3#wider-lessons").is_visible() and findings.locator(".xref").count() >= 4
    source = page.locator("p.included-from a").first
    assert source.inner_text() == "Executive Summary › Partnership working and innovation"
    source.click()
    page.wait_for_url("**/executive-summary/#partnership-working-and-innovation")
    assert page.locator("#partnership-working-and-innovation").evaluate(IN_VIEW)


def test_a_lesson_leads_to_the_words_of_the_vignette_it_quotes(page):
    page.goto("/lessons/spreading-success/")
    page.locator("#illustrated-by + ul a[href*='road-safety']").click()
    page.wait_for_url("**/vignettes/road-safety/#*")
    # The vignette's own paragraph (its page also lists the lesson, quoting the words, at the end).
    words = page.get_by_text("Interest has been shown from other areas").first
    assert words.evaluate("e => !e.closest('#related-passages ~ *')") and words.evaluate(IN_VIEW)


def test_each_example_is_a_row_whose_marks_say_who_and_whose_passage_opens_on_demand(page):
    page.goto("/prevention-examples/")
    row = page.locator("tr:has(#pe-campus-officers)")
    marks = row.locator("td.pe-mark")
    # A screen reader reads each mark's words under its column's heading; the symbol itself is hidden from it.
    assert [marks.nth(i).evaluate("e => e.innerText.replace(/\\s+/g, ' ').trim()") for i in range(3)] == \
        ["● yes", "– no", "– no"]
    assert row.locator("td.pe-mark [aria-hidden=true]").count() == 3
    passage = row.locator("details.passage p").first
    assert not passage.is_visible()
    row.locator("summary").click()
    assert passage.is_visible() and "the use of campus officers in schools and colleges" in passage.inner_text()


def test_the_examples_print_whole_every_column_and_every_passage(page):
    page.set_viewport_size({"width": 640, "height": 900})
    page.goto("/prevention-examples/")
    page.emulate_media(media="print")
    passages = page.locator("details.passage p")
    assert passages.count() >= 13 and all(passages.nth(i).is_visible() for i in range(passages.count()))
    clipped = page.evaluate("""() => {
        const right = document.querySelector('article').getBoundingClientRect().right + 1;
        return [...document.querySelectorAll('article th, article td')]
            .filter(c => c.getBoundingClientRect().right > right).map(c => c.innerText);
    }""")
    assert clipped == []
    assert not page.locator("#explorer").is_visible()
