"""The site's own search, used as a reader would: words put into the search box, in Chromium.

A vignette's distinctive words find that vignette, a lesson's words its lesson, and an author's name
the bibliography, among the first three results (Material's client-side lunr index, issue #5).
"""

from __future__ import annotations

import re

import pytest

from browserkit import DESKTOP, new_page

pytest_plugins = ["browser_fixtures"]
pytestmark = pytest.mark.browser

QUERIES = {
    # a vignette's distinctive words -> that vignette
    "MATAC": "/vignettes/community-safety-hub/",
    "co-location": "/vignettes/community-safety-hub/",
    "Victim Support": "/vignettes/community-safety-hub/",
    "community triage": "/vignettes/mental-health-community-triage/",
    "emergency departments": "/vignettes/mental-health-community-triage/",
    "airfield": "/vignettes/road-safety/",
    "pre-driver": "/vignettes/road-safety/",
    "silos": "/vignettes/safety-in-the-home/",
    "home fire safety visit": "/vignettes/safety-in-the-home/",
    # an author's name -> the bibliography
    "Huxham": "/references/",
    "Vangen": "/references/",
    "Christie": "/references/",
    "Morse": "/references/",
}


@pytest.fixture(scope="module")
def search(browser, base_url):
    """Put a query into the search box; the paths of the first three results (one per page)."""
    pg = new_page(browser, base_url, viewport=DESKTOP)
    pg.goto("/")
    pg.keyboard.press("/")  # Material's shortcut to the search box
    assert pg.evaluate("document.activeElement.classList.contains('md-search__input')")
    box = pg.locator(".md-search__input")

    def run(query: str, first: int = 3) -> list[str]:
        # Material searches when a key goes up. Emptied first, then given the whole query at once, the box
        # asks for one search only: the first results listed after it was emptied are this query's, however
        # long the search takes.
        box.fill("")
        pg.keyboard.press("End")
        pg.wait_for_function("() => !document.querySelector('.md-search-result__list > li')")
        box.fill(query)
        pg.keyboard.press("End")
        pg.locator(".md-search-result__list > li").first.wait_for()
        return pg.evaluate("""first => [...document.querySelectorAll('.md-search-result__list > li')].slice(0, first)
            .map(li => new URL(li.querySelector('a').href).pathname)""", first)

    yield run
    pg.context.close()


@pytest.mark.parametrize("query, page", QUERIES.items(), ids=list(QUERIES))
def test_search_puts_the_entity_page_in_the_first_three_results(search, query, page, base_url):
    top = search(query)
    assert page in top, f"searching {query!r}: first results {top}, expected {page} among them"


def test_lesson_words_find_the_lesson_page(search, built_site):
    """Each lesson page is found by its own title among the first three results."""
    lessons = sorted(p.parent.name for p in (built_site / "lessons").glob("*/index.html"))
    if not lessons:
        pytest.skip("this build has no lesson pages (/lessons/<slug>/)")
    misses = []
    for slug in lessons:
        html = (built_site / "lessons" / slug / "index.html").read_text(encoding="utf-8")
        title = re.sub(r"<[^>]+>", "", re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1)).strip()
        top = search(title)
        if f"/lessons/{slug}/" not in top:
            misses.append(f"{title!r}: {top}")
    assert not misses, "lessons not among the first three results:\n" + "\n".join(misses)


# Phrases of the report's chapters -> the chapter that has them.
PHRASES = {
    "dip in prevention work": "/practices-of-prevention/",
    "disentangle different preventative activity": "/practices-of-prevention/",
    "collaborative ethos": "/partnership-working-and-innovation/",
    "the normal now": "/practices-of-prevention/",
}
# Pages that gather or list the report's words by entity, and so mention the words of many passages.
ENTITY_PAGES = re.compile(r"^/(lessons|areas)/|^/(voices|glossary|prevention-examples|site-index)/$")


@pytest.mark.parametrize("phrase, chapter", PHRASES.items(), ids=list(PHRASES))
def test_a_phrase_of_a_chapter_finds_the_chapter_before_the_pages_that_mention_its_words(search, phrase, chapter):
    results = search(phrase, first=20)
    assert chapter in results, f"searching {phrase!r}: {results}"
    before = results[:results.index(chapter)]
    assert not [r for r in before if ENTITY_PAGES.search(r)], f"searching {phrase!r}: {results}"
