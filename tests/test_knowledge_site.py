"""The knowledge base on the real site: every entity page exists at its public URL, and every link
between a passage and an entity works in both directions."""

from __future__ import annotations

import json
import re

import pytest

from generator.compile.project import load_project
from conftest import REPO, SOURCE
from sitehtml import norm, read_site, resolve, section_items, section_text


@pytest.fixture(scope="module")
def pages(built_site):
    return read_site(built_site)


@pytest.fixture(scope="module")
def kb():
    kb, diags = load_project(REPO)
    assert diags.items == []
    return kb


def url(page: str) -> str:
    """Site path of a source page -> key of its HTML file in the built site."""
    stem = page.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return (stem.removesuffix("index") + "index.html").lstrip("/")
    return f"{stem}/index.html"


def links_from(pages, built_site, key):
    """(target page, fragment, attrs) of every internal link on a page."""
    out = []
    for href, attrs in pages[key].links:
        r = resolve(built_site, key, href)
        if r is not None:
            out.append((r[0], r[1], attrs))
    return out


def links_to(pages, built_site, key, target, fragment=None):
    return [a for t, f, a in links_from(pages, built_site, key) if t == target and (fragment is None or f == fragment)]


def test_the_public_urls_of_the_knowledge_base_exist(pages, kb):
    expected = ["lessons/index.html", "areas/index.html", "prevention-examples/index.html", "voices/index.html",
                "glossary/index.html", "references/index.html", "vignettes/index.html"]
    expected += [f"lessons/{slug}/index.html" for slug in
                 ("quality-not-quantity", "evaluation-matters", "spreading-success", "learning-organisation")]
    expected += [f"areas/{x}/index.html" for x in "abcd"]
    expected += [f"vignettes/{v.slug}/index.html" for v in kb.vignettes.values()]
    assert [e for e in expected if e not in pages] == []
    assert len(kb.lessons) == 4 and len(kb.areas) == 4 and len(kb.vignettes) == 4


def test_each_lesson_and_its_place_in_the_conclusions_link_to_each_other(pages, built_site, kb):
    for lesson in kb.lessons.values():
        key = url(lesson.page)
        assert links_to(pages, built_site, key, "conclusions/index.html", lesson.place.anchor), lesson.id
        assert lesson.place.anchor in pages["conclusions/index.html"].ids
        assert links_to(pages, built_site, "conclusions/index.html", key), f"Conclusions do not lead to {key}"
        assert f"Lesson {lesson.number}: {lesson.title}" in pages[key].text


def test_lessons_illustrated_by_passages_lead_there_and_vignettes_lead_back(pages, built_site, kb):
    assert kb.lesson_links, "the report connects lessons to passages"
    for link in kb.lesson_links:
        key = url(kb.lessons[link.lesson].page)
        target_id, _, section = link.target.partition("#")
        target_key = url(kb.entities[target_id].page)
        assert links_to(pages, built_site, key, target_key, section or None), link
        if section:
            assert section in pages[target_key].ids
        assert link.reason.replace("'", "’")[:20] in pages[key].text.replace("'", "’")
        if target_id in kb.vignettes:  # the vignette's facts name the lesson
            assert links_to(pages, built_site, target_key, key), f"{target_key} does not lead back to {key}"
    # Vignette I is the report's exemplar of lesson 4, and says so on its page.
    vignette = pages["vignettes/mental-health-community-triage/index.html"]
    assert "Lesson 4: Focus on being a learning organisation" in vignette.text


def test_a_lesson_links_a_vignette_where_the_words_it_quotes_are(pages, built_site, kb):
    """Not the top of the vignette: the section that holds the quotation, whose id is on the built page; the
    open data gives the same place."""
    data = json.loads((built_site / "data" / "knowledge.json").read_text(encoding="utf-8"))
    illustrated = {row["id"]: row["illustrated_by"] for row in data["lessons"]}
    checked = 0
    for link in kb.lesson_links:
        if link.target not in kb.vignettes:
            continue
        lesson = kb.lessons[link.lesson]
        key, target_key = url(lesson.page), url(kb.vignettes[link.target].page)
        quote = plain(link.reason)
        [fragment] = [resolve(built_site, key, href)[1] for text, hrefs in section_items(built_site / key, "illustrated-by")
                      if quoted(text) == quote for href in hrefs if resolve(built_site, key, href)[0] == target_key]
        assert target_key.removesuffix("index.html") + (f"#{fragment}" if fragment else "") in illustrated[lesson.id]
        if quote in lesson_words(lesson.title) and quote not in vignette_words(kb.vignettes[link.target].number):
            assert fragment == "", link  # the lesson's own words: the vignette as a whole
            continue
        first_question = kb.documents[kb.vignettes[link.target].page].headings[0].text
        if quote in plain(pages[target_key].text.split(first_question)[0]):
            assert fragment == "", link  # its opening words, under its title
            continue
        assert fragment in pages[target_key].ids, link
        assert quote in plain(section_text(built_site / target_key, fragment)), link
        checked += 1
    assert checked >= 8  # of the 11 links to a vignette; the others quote its opening or the lesson


def report_words(start: str, end: str, after: str = "") -> str:
    """The report's text from ``start`` up to ``end``, as the source prints it (bold marks left out)."""
    source = SOURCE.read_text(encoding="utf-8").split("© Crown copyright 2018")[0]
    i = source.index(start, source.index(after))
    j = source.find(end, i + len(start))
    return plain(source[i:j if j > 0 else None].replace("**", ""))


def vignette_words(number: str) -> str:
    return report_words(f"## **Vignette {number}:", "\n## ")


def lesson_words(title: str) -> str:
    return report_words(f"- **{title}", "\n- **", after="# Conclusions and wider lessons")


def plain(text: str) -> str:
    return norm(text.replace("’", "'"))


def quoted(item: str) -> str:
    """The words a link quotes, between “ and ”."""
    m = re.search(r"“(.+)”", item)
    assert m, f"no quotation in {item!r}"
    return plain(m[1])


def grounded_links(built_site, key: str, section: str, prefix: str) -> list[tuple[str, str]]:
    """(target page, quoted words) of the items of a section that link to a page under prefix."""
    out = []
    for text, hrefs in section_items(built_site / key, section):
        for href in hrefs:
            target = resolve(built_site, key, href)[0]
            if target.startswith(prefix) and target != prefix + "index.html":
                out.append((target, quoted(text)))
    return out


def test_every_lesson_is_illustrated_by_a_vignette_in_the_vignettes_own_words(built_site, kb):
    words = {url(v.page): vignette_words(v.number) for v in kb.vignettes.values()}
    for lesson in kb.lessons.values():
        links = grounded_links(built_site, url(lesson.page), "illustrated-by", "vignettes/")
        assert links, f"{lesson.id}: its page links no vignette"
        for vignette, quote in links:
            assert quote in words[vignette] or quote in lesson_words(lesson.title), (lesson.id, vignette, quote)


def test_every_vignette_names_its_lessons_and_the_words_that_ground_them(pages, built_site, kb):
    lessons = {url(lesson.page): lesson_words(lesson.title) for lesson in kb.lessons.values()}
    for v in kb.vignettes.values():
        key = url(v.page)
        assert "None linked by the report" not in pages[key].text, key
        links = grounded_links(built_site, key, "related-passages", "lessons/")
        assert links, f"{key}: its page lists no lesson"
        for lesson, quote in links:
            assert quote in vignette_words(v.number) or quote in lessons[lesson], (key, lesson, quote)
            assert links_to(pages, built_site, lesson, key), f"{lesson} does not lead back to {key}"


def test_every_prevention_example_links_to_its_words_and_its_words_link_back(pages, built_site, kb):
    explorer = "prevention-examples/index.html"
    assert len(kb.examples) >= 10
    for ex in kb.examples.values():
        chapter = url(ex.place.page)
        assert ex.place.anchor in pages[chapter].ids
        assert links_to(pages, built_site, explorer, chapter, ex.place.anchor), ex.id
        badge = links_to(pages, built_site, chapter, explorer, f"pe-{ex.slug}")
        assert badge and f"pe-{ex.slug}" in pages[explorer].ids, ex.id
        assert badge[0].get("class") == "entity-link"
    # The levels are the report's: where it gives none, the site says so instead of guessing.
    text = pages[explorer].text
    for heading in ("Primary prevention", "Secondary prevention", "Tertiary prevention",
                    "Not classified in the report"):
        assert heading in text
    assert kb.examples["example:road-safety-programmes"].level == "primary"
    assert kb.examples["example:campus-officers"].level is None


def test_the_prevention_matrix_has_a_row_per_example_a_mark_per_service_and_its_passage(built_site, kb):
    """Complete without JavaScript: each example once, under its level, with a mark in words for each service
    and the paragraph that names it (its words marked) on demand, left out of the search index."""
    html = (built_site / "prevention-examples" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<form[^>]*id="explorer"[^>]*hidden', html) or re.search(r'<form[^>]*hidden[^>]*id="explorer"', html)
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", html, re.S)
    assert len(rows) == len(kb.examples)
    for ex, row in zip(sorted(kb.examples.values(), key=lambda e: LEVEL_ORDER.index(e.level)), rows, strict=True):
        assert row.count('class="example-link"') == 1 and f'id="pe-{ex.slug}"' in row, ex.id
        # A long example is labelled by a short run of its words; its whole words are the link's title.
        assert len(ex.short_label or ex.label) <= 60, ex.id
        label = re.search(r'<a class="example-link"[^>]*>(.*?)</a>', row)[1]
        assert label == (ex.short_label or ex.label) and (ex.short_label is None or f'title="{ex.label}"' in row)
        marks = re.findall(r'<td class="pe-mark[^"]*"><span aria-hidden="true">.</span>'
                           r'<span class="visually-hidden">(yes|no)</span></td>', row)
        assert marks == ["yes" if s in ex.services else "no" for s in ("Police Scotland", "SFRS", "partners")], ex.id
        passage = re.search(r'<details class="passage" data-search-exclude="?"?><summary>The passage</summary>(.*?)</details>',
                            row, re.S)
        assert passage and f"<mark>{ex.label}</mark>" in passage[1], ex.id
        assert f'#{ex.place.anchor}"' in passage[1], ex.id
    assert html.count('class="example-link"') == len(kb.examples)


LEVEL_ORDER = ["primary", "secondary", "tertiary", None]


def test_every_interview_extract_is_on_voices_and_each_leads_to_the_other(pages, built_site, kb):
    voices = "voices/index.html"
    assert len(kb.quotes) == 34  # 29 set-out extracts and 5 quoted in running text
    captions = pages[voices].captions
    assert len(captions) == len(kb.quotes)
    for q in kb.quotes.values():
        chapter = url(q.place.page)
        assert q.place.anchor in pages[chapter].ids and q.place.anchor in pages[voices].ids
        assert links_to(pages, built_site, voices, chapter, q.place.anchor), q.id
        if not q.inline:  # a set-out extract's code leads to it among all the voices
            assert links_to(pages, built_site, chapter, voices, q.place.anchor), q.id
    assert any(c.startswith("— A04, police, area A") for c in captions)
    assert any(c.startswith("— C10, role not given, area C") for c in captions)


def test_areas_gather_their_vignette_quotes_and_examples(pages, built_site, kb):
    for area in kb.areas.values():
        key = url(area.page)
        text = pages[key].text
        assert area.description in text and area.focus_group in text
        for v in kb.vignettes.values():
            if v.area == area.letter:
                assert links_to(pages, built_site, key, url(v.page))
                assert links_to(pages, built_site, url(v.page), key), f"{v.id} does not lead to {key}"
        for q in kb.quotes.values():
            if q.area == area.letter:
                assert links_to(pages, built_site, key, url(q.place.page), q.place.anchor), (area.id, q.id)
        for ex in kb.examples.values():
            if area.letter in ex.areas:
                assert links_to(pages, built_site, key, url(ex.place.page), ex.place.anchor), (area.id, ex.id)


def test_glossary_terms_are_defined_and_explained_where_used(pages, built_site, kb):
    glossary = "glossary/index.html"
    for term in ("SFRS", "SPA", "HMICS", "HMFSI", "CPP", "LOIP", "MATAC", "CEA", "P&P", "SIPR", "NHS"):
        assert any(t.abbr == term for t in kb.terms.values()), term
    for t in kb.terms.values():
        assert t.anchor in pages[glossary].ids
    html = (built_site / "partnership-working-and-innovation" / "index.html").read_text(encoding="utf-8")
    assert html.count('class="term"') >= 5  # the first use of each abbreviation on the page
    assert '<abbr title="Scottish Fire and Rescue Service">SFRS</abbr>' in html
    firsts = [a for t, f, a in links_from(pages, built_site, "partnership-working-and-innovation/index.html")
              if t == glossary and a.get("class") == "term"]
    assert firsts and all(f.get("aria-describedby") for f in firsts)


def test_every_cross_reference_is_listed_where_it_points(pages, built_site, kb):
    n = 0
    for doc in kb.documents.values():
        for x in doc.xrefs:
            entity = kb.entities[x.target]
            target_key = url(entity.page)
            assert x.anchor in pages[url(doc.page)].ids
            if entity.page.startswith(("lessons/", "areas/", "vignettes/")) and entity.page != "vignettes/index.md":
                assert links_to(pages, built_site, target_key, url(doc.page), x.anchor), (x, target_key)
                n += 1
    assert n >= 20


def test_home_page_leads_into_the_knowledge_base(pages, built_site, kb):
    home = "index.html"
    text = pages[home].text
    for figure in ("40", "12 police officers", "14 fire officers", "14 partners", "4 focus groups",
                   "May to August 2017"):
        assert figure in text, figure
    for lesson in kb.lessons.values():
        assert links_to(pages, built_site, home, url(lesson.page))
    for v in kb.vignettes.values():
        assert links_to(pages, built_site, home, url(v.page))
    for level in ("primary", "secondary", "tertiary", "not-classified"):
        assert links_to(pages, built_site, home, "prevention-examples/index.html", level)


def test_entity_pages_are_out_of_the_navigation_but_their_indexes_are_in(built_site):
    html = (built_site / "index.html").read_text(encoding="utf-8")
    nav = html[html.index('<nav class="md-nav md-nav--primary"'):html.index('<div class="md-content"')]
    assert "lessons/" in nav and "prevention-examples/" in nav and "voices/" in nav
    assert "lessons/evaluation-matters/" not in nav and "areas/a/" not in nav


def test_hover_texts_and_badges_stay_out_of_the_search_index(built_site):
    """A reader searching for a work finds the bibliography and the page's reference list, not every
    sentence whose citation preview (or abbreviation tip, or level badge) repeats it."""
    import json

    docs = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    with_reference = sorted(d["location"] for d in docs if "Managing to collaborate" in d["text"])
    assert with_reference == ["partnership-working-and-innovation/#references-on-this-page",
                              "references/#ref-huxham2005"]
    assert not any("Scottish Fire and Rescue Service" in d["text"] and d["location"].startswith("conclusions/")
                   for d in docs)  # the glossary tip of "SFRS" on the Conclusions page
    assert not any("secondary prevention prevention" in d["text"] for d in docs)
