"""The knowledge base in the core: entities declared in Markdown, their validation, and the pages made
from them. Tiny projects in tmp_path; exact error text, as the author reads it."""

from __future__ import annotations

import markdown
import pytest

from conftest import MINI_VIGNETTE, write_project
from generator.common.diagnostics import BuildError
from generator.compile.project import load_project
from generator.compile.mdext import RenderState, ReportExtension
from generator.compile.render import generated_pages, page_markdown
from generator.knowledge.sitemap import generated_page_paths

CONCLUSIONS = """\
---
illustrated_by:
  lesson:evaluation-matters:
    - target: vignette:road-safety
      reason: "is in the process of being independently evaluated"
    - target: chapter:practices#evaluating-prevention
      reason: "many of the initiatives were not being evaluated"
---
# Conclusions

## Wider lessons

- **Focus on quality:** partnerships need 'softer' skills. {#lesson:quality}
- **Evaluation matters:** evaluation needs to be a high priority, including: {#lesson:evaluation-matters}
    - a sound understanding of what works;
    - time and resources.
"""

PRACTICES = """\
# Practices

## Making sense of prevention

Partners deliver [road safety programmes]{#example:road-safety-programmes level=primary services="Police Scotland, SFRS, partners" vignettes=road-safety}.
In area B the fire service ran [fire reach courses]{#example:fire-reach services=SFRS areas=B} too.

> 'It is very difficult to measure.'
>
> — B11 fire

Officers said prevention is ['the normal now' (B11)]{#quote} and [another word (C10)]{#quote}.

## Evaluating prevention

On the whole many of the initiatives were not being evaluated. See [][lesson:quality] and [][area:b].

> 'Second extract.'
>
> — B11 fire
"""

INTRO = """\
# Introduction

- Area B – remote rural area (with retained firefighters) {#area:b}

The focus group themes:

- Area B – road safety initiative for young people {#focus-group:b}
"""

VIGNETTE = MINI_VIGNETTE.replace("Intro with a citation [@morse2010].",
                                 "Intro [@morse2010]. This initiative is in the process of being independently "
                                 "evaluated.")


def project(tmp_path, **overrides):
    files = {
        "content/index.md": "# Home\n\n[][vignette:road-safety] [][lesson:evaluation-matters] [@huxham2005]\n",
        "content/conclusions.md": CONCLUSIONS,
        "content/practices.md": PRACTICES,
        "content/introduction.md": INTRO,
        "content/glossary.md": "---\nterms:\n  SFRS: Scottish Fire and Rescue Service\n---\n# Glossary\n\nTerms.\n",
        "vignettes/road-safety.md": VIGNETTE,
    }
    files.update({k.replace("__", "/").replace("_md", ".md"): v for k, v in overrides.items()})
    return write_project(tmp_path, files)


def load(tmp_path, **overrides):
    return load_project(project(tmp_path, **overrides))


def problems(tmp_path, **overrides):
    _, diags = load(tmp_path, **overrides)
    return [str(d) for d in diags.items]


def test_a_valid_knowledge_base_has_no_problems_and_every_entity(tmp_path):
    kb, diags = load(tmp_path)
    assert [str(d) for d in diags.items] == []
    assert [(lesson.number, lesson.title, lesson.page) for lesson in kb.lessons.values()] == [
        (1, "Focus on quality", "lessons/quality.md"),
        (2, "Evaluation matters", "lessons/evaluation-matters.md"),
    ]
    # The lesson's text is the list item's, nested list included, and is not copied anywhere.
    assert kb.lessons["lesson:evaluation-matters"].markdown == (
        "**Evaluation matters:** evaluation needs to be a high priority, including:\n"
        "  - a sound understanding of what works;\n  - time and resources.")
    area = kb.areas["area:b"]
    assert (area.label, area.description, area.focus_group, area.page) == (
        "Area B", "remote rural area (with retained firefighters)", "road safety initiative for young people",
        "areas/b.md")
    road = kb.examples["example:road-safety-programmes"]
    assert (road.label, road.level, road.services, road.vignettes, road.place.page, road.place.anchor,
            road.place.section) == ("road safety programmes", "primary", ("Police Scotland", "SFRS", "partners"),
                                    ("vignette:road-safety",), "practices.md", "example-road-safety-programmes",
                                    "Making sense of prevention")
    reach = kb.examples["example:fire-reach"]
    assert (reach.level, reach.areas) == (None, ("B",))  # no level in the report: not classified


def test_quotes_get_ids_in_reading_order_and_a_role_from_the_same_code(tmp_path):
    kb, _ = load(tmp_path)
    assert [(q.id, q.label, q.area, q.inline, q.place.section) for q in kb.quotes.values()] == [
        ("quote:b11", "B11, fire", "B", False, "Making sense of prevention"),
        ("quote:b11-2", "B11, fire", "B", True, "Making sense of prevention"),  # role taken from the block quote
        ("quote:c10", "C10", "C", True, "Making sense of prevention"),  # no role anywhere: none invented
        ("quote:b11-3", "B11, fire", "B", False, "Evaluating prevention"),
    ]
    assert kb.quotes["quote:b11-2"].markdown == "'the normal now'"


def test_lesson_links_keep_the_reports_words_and_backlinks_know_where_they_come_from(tmp_path):
    kb, _ = load(tmp_path)
    assert [(link.lesson, link.target, link.location.line) for link in kb.lesson_links] == [
        ("lesson:evaluation-matters", "vignette:road-safety", 4),
        ("lesson:evaluation-matters", "chapter:practices#evaluating-prevention", 6),
    ]
    back = kb.backlinks["lesson:quality"]
    assert [(b.label, b.place.page, b.place.anchor) for b in back] == [
        ("Practices › Evaluating prevention", "practices.md", "xref-1")]


BAD = [
    ("unknown kind",
     {"content__practices_md": PRACTICES.replace("{#example:fire-reach", "{#exmple:fire-reach")},
     "content/practices.md:6: unknown kind 'exmple' in '{#exmple:fire-reach services=SFRS areas=B}' — the kinds "
     "here are example, quote. Did you mean 'example'? [entity.kind]"),
    ("unclosed quote",
     {"content__practices_md": PRACTICES.replace('services=SFRS areas=B', 'services="SFRS areas=B')},
     "content/practices.md:6: '{#example:fire-reach services=\"SFRS areas=B}' has an unclosed quote — close it "
     "with \". [entity.syntax]"),
    ("misspelt field",
     {"content__practices_md": PRACTICES.replace("level=primary", "levle=primary")},
     "content/practices.md:5: unknown field 'levle' on example 'road-safety-programmes' — the fields are level, "
     "services, areas, vignettes, short. Did you mean 'level'? [example.unknown-field]"),
    ("short label with a word of its own",
     {"content__practices_md": PRACTICES.replace("services=SFRS areas=B", 'services=SFRS areas=B short="fire courses"')},
     "content/practices.md:6: short label 'fire courses' is not part of the example's words 'fire reach courses' — a "
     "label must quote the report, a run of its words as they are. Did you mean 'reach courses'? "
     "[example.short-label]"),
    ("short label that skips a word",
     {"content__practices_md": PRACTICES.replace("vignettes=road-safety}", 'vignettes=road-safety short="road programmes"}')},
     "content/practices.md:5: short label 'road programmes' is not part of the example's words 'road safety "
     "programmes' — a label must quote the report, a run of its words as they are. Did you mean 'road safety "
     "programmes'? [example.short-label]"),
    ("level that is not the report's",
     {"content__practices_md": PRACTICES.replace("level=primary", "level=quaternary")},
     "content/practices.md:5: level 'quaternary' of example 'road-safety-programmes' is not a level of prevention "
     "— the report's framework has primary, secondary, tertiary; leave 'level' out where the report gives none. "
     "Did you mean 'tertiary'? [example.level]"),
    ("area E on an example",
     {"content__practices_md": PRACTICES.replace("areas=B", "areas=E")},
     "content/practices.md:6: area 'E' of example 'fire-reach' is not a case-study area — the report has areas A, "
     "B, C and D. [example.area]"),
    ("area E declared",
     {"content__introduction_md": INTRO.replace("{#area:b}", "{#area:e}")},
     "content/introduction.md:3: 'area:e' is not a case-study area — the report has areas a, b, c and d. "
     "[area.unknown]"),
    ("service typo",
     {"content__practices_md": PRACTICES.replace("services=SFRS", "services=SFSR")},
     "content/practices.md:6: service 'SFSR' of example 'fire-reach' is not one of Police Scotland, SFRS, partners. "
     "Did you mean 'SFRS'? [example.service]"),
    ("missing required field",
     {"content__practices_md": PRACTICES.replace(" services=SFRS", "")},
     "content/practices.md:6: example 'fire-reach' has no services — say who carries it out, e.g. "
     "services=\"SFRS, partners\". [example.missing-field]"),
    ("unknown vignette",
     {"content__practices_md": PRACTICES.replace("vignettes=road-safety", "vignettes=road-safty")},
     "content/practices.md:5: example 'road-safety-programmes' names vignette 'road-safty', which does not exist. "
     "Did you mean 'road-safety'? [example.vignette]"),
    ("duplicate id",
     {"content__conclusions_md": CONCLUSIONS.replace("{#lesson:evaluation-matters}", "{#lesson:quality}")},
     "content/conclusions.md:14: duplicate id 'lesson:quality' — it is already declared at "
     "content/conclusions.md:13. Give each its own slug. [entity.duplicate]"),
    ("unknown cross-reference",
     {"content__index_md": "# Home\n\n[][vignette:road-safety] [][lesson:evaluation-maters] [@huxham2005]\n"},
     "content/index.md:3: unknown cross-reference 'lesson:evaluation-maters' — no entity has this id. Did you mean "
     "'lesson:evaluation-matters'? [xref.unknown]"),
    ("quote without its code",
     {"content__practices_md": PRACTICES.replace("['the normal now' (B11)]", "['the normal now']")},
     "content/practices.md:12: quote ''the normal now'' does not end with its interviewee code — write the code in "
     "brackets at the end, e.g. ['the normal now' (A14)]{#quote}. [quote.no-code]"),
    ("lesson that is not a list item",
     {"content__practices_md": PRACTICES + "\nA paragraph. {#lesson:stray}\n"},
     "content/practices.md:22: a lesson is a list item that starts with its title in bold, e.g. '- **Evaluation "
     "matters:** understanding …' — the title names its page. [lesson.form]"),
    ("reason that is not the report's words",
     {"content__conclusions_md": CONCLUSIONS.replace("is in the process of being independently evaluated",
                                                     "was evaluated and worked")},
     "content/conclusions.md:4: reason 'was evaluated and worked' is not the report's words — quote the lesson or "
     "the passage it points to exactly, so that every link is grounded in the report's text. [lesson.ungrounded]"),
    ("reason quoted from another passage",
     {"content__conclusions_md": CONCLUSIONS.replace('reason: "is in the process of being independently evaluated"',
                                                     'reason: "many of the initiatives were not being evaluated"')},
     "content/conclusions.md:4: reason 'many of the initiatives were not being evaluated' is not the report's words "
     "— quote the lesson or the passage it points to exactly, so that every link is grounded in the report's "
     "text. [lesson.ungrounded]"),
    ("unknown section",
     {"content__conclusions_md": CONCLUSIONS.replace("#evaluating-prevention", "#evaluating")},
     "content/conclusions.md:6: unknown target 'chapter:practices#evaluating' — give an entity id or "
     "'chapter:<page>#<section>'. Did you mean 'chapter:practices#evaluating-prevention'? [xref.unknown]"),
    ("typo in a lesson link's field",
     {"content__conclusions_md": CONCLUSIONS.replace("      reason: \"many", "      reasn: \"many")},
     "content/conclusions.md:6: each passage that illustrates a lesson has exactly two fields, 'target' and "
     "'reason'. Unknown: reasn. Did you mean 'reason'? [lesson.link-fields]"),
]


@pytest.mark.parametrize("files, message", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_declarations_are_reported_where_they_are(tmp_path, files, message):
    assert message in problems(tmp_path, **files)


def test_a_short_label_quotes_the_examples_words_and_labels_its_row(tmp_path):
    practices = (PRACTICES.replace("services=SFRS areas=B", 'services=SFRS areas=B short="reach  courses"')
                 .replace("vignettes=road-safety}", 'vignettes=road-safety short="road safety"}'))
    kb, diags = load(tmp_path, content__practices_md=practices)
    assert diags.items == []
    assert [(e.label, e.short_label) for e in kb.examples.values()] == [
        ("road safety programmes", "road safety"), ("fire reach courses", "reach courses")]
    html = page_markdown(kb, "prevention-examples.md")
    assert '<a class="example-link" ' in html and 'id="pe-fire-reach" title="fire reach courses">reach courses</a>' in html
    assert "<mark>fire reach courses</mark>" in html  # the whole words, in the passage shown on demand
    # Two rows that would read the same: each link's name is its whole words.
    ambiguous = practices.replace('short="reach  courses"', 'short="road safety"').replace(
        "[fire reach courses]", "[road safety courses]")
    kb, _ = load(tmp_path / "two", content__practices_md=ambiguous)
    html = page_markdown(kb, "prevention-examples.md")
    assert 'title="road safety programmes" aria-label="road safety programmes">road safety</a>' in html
    assert 'title="road safety courses" aria-label="road safety courses">road safety</a>' in html


def test_all_problems_are_reported_in_one_run(tmp_path):
    broken = PRACTICES.replace("level=primary", "level=quaternary").replace("areas=B", "areas=E")
    found = problems(tmp_path, content__practices_md=broken,
                     content__introduction_md=INTRO.replace("{#area:b}", "{#area:e}"))
    # The bad area, the focus group left without its area, both examples, and the link to the missing area.
    assert sorted(p.split(" ", 1)[0] for p in found if "[entity.unlinked]" not in p) == [
        "content/introduction.md:3:", "content/introduction.md:7:", "content/practices.md:16:",
        "content/practices.md:5:", "content/practices.md:6:"]


def test_an_entity_nothing_links_to_and_an_unused_term_are_warnings_that_fail_a_strict_build(tmp_path):
    kb, diags = load(tmp_path, content__index_md="# Home\n\n[][vignette:road-safety] [@huxham2005]\n",
                     content__glossary_md="---\nterms:\n  SFRS: Scottish Fire and Rescue Service\n  "
                     "HMICS: HM Inspectorate of Constabulary in Scotland\n---\n# Glossary\n")
    assert [str(d) for d in diags.warnings] == [
        "content/conclusions.md:14: lesson 'lesson:evaluation-matters' is never linked to — nothing in the report "
        "points readers to it. Link it where the report mentions it: [][lesson:evaluation-matters]. "
        "[entity.unlinked]",
        "content/glossary.md:4: term 'HMICS' is not used on any page — remove it from the glossary. [term.unused]",
    ]
    assert diags.errors == []
    with pytest.raises(BuildError):
        diags.raise_if_any(strict=True)


def render(kb, page, markdown_text=None):
    state = RenderState(kb, page=page)
    md = markdown.Markdown(extensions=["attr_list", "md_in_html", "toc", "tables", ReportExtension(state)])
    return md.convert(markdown_text if markdown_text is not None else page_markdown(kb, page))


def test_passages_carry_their_entities_ids_and_lead_to_the_knowledge_base(tmp_path):
    kb, _ = load(tmp_path)
    html = render(kb, "practices.md")
    assert ('<span class="example" id="example-road-safety-programmes">road safety programmes<a class="entity-link" '
            'data-search-exclude="" href="prevention-examples.md#pe-road-safety-programmes" title="This example among all the report\'s '
            'examples of prevention">primary prevention</a></span>') in html
    assert '<span class="voice" id="quote-b11-2">\'the normal now\' (B11)</span>' in html
    assert '<figure class="quote" id="quote-b11-3">' in html
    conclusions = render(kb, "conclusions.md")
    assert ('<li id="lesson-evaluation-matters"><strong>Evaluation matters:</strong> evaluation needs to be a high '
            'priority, including: <span class="entity-links"><a class="entity-link" '
            'data-search-exclude="" href="lessons/evaluation-matters.md">Lesson 2 page</a></span>') in conclusions


def test_first_use_of_an_abbreviation_links_to_the_glossary_later_ones_explain_on_hover(tmp_path):
    kb, _ = load(tmp_path)
    html = render(kb, "practices.md", "# P\n\nThe SFRS and SFRS again. `SFRS` in code.\n")
    assert html == (
        '<h1 id="p">P</h1>\n<p id="practices--p-p1">The <a aria-describedby="term-sfrs-tip" class="term" href="glossary.md#term-sfrs">'
        '<abbr title="Scottish Fire and Rescue Service">SFRS</abbr></a><span class="term__tip" '
        'data-search-exclude="" id="term-sfrs-tip" role="tooltip">Scottish Fire and Rescue Service</span> and <abbr title="Scottish Fire and Rescue Service">'
        'SFRS</abbr> again. <code>SFRS</code> in code.<a aria-hidden="true" aria-label="Link to this paragraph" '
        'class="headerlink passage-link" data-search-exclude="" '
        'href="#practices--p-p1" tabindex="-1" title="Link to this paragraph">¶</a></p>')
    # "First" is in reading order, also when the first use is inside emphasis.
    html = render(kb, "practices.md", "# P\n\n*The SFRS* and SFRS.\n")
    assert html.index('class="term"') < html.index("</em>") < html.index("<abbr", html.index("</em>"))


def test_lesson_page_golden(tmp_path):
    kb, _ = load(tmp_path)
    assert generated_pages(kb)["lessons/evaluation-matters.md"] == """\
# Lesson 2: Evaluation matters

*One of the report's 2 wider lessons, from [Conclusions › Wider lessons](../conclusions.md#lesson-evaluation-matters).*

**Evaluation matters:** evaluation needs to be a high priority, including:

- a sound understanding of what works;
- time and resources.

## Illustrated by

- [Vignette I: Road Safety](../vignettes/road-safety.md) — “is in the process of being independently evaluated” (the passage's words)
- [Practices › Evaluating prevention](../practices.md#evaluating-prevention) — “many of the initiatives were not being evaluated” (the passage's words)

## Referenced by { data-search-exclude="" }

<!--report:island unindexed-->
<ul>
<li><a href="../../#xref-2">Home</a></li>
</ul>
<!--/report:island-->

<nav class="pager" aria-label="Lessons" markdown>
[Previous: Lesson 1: Focus on quality](quality.md)

</nav>
"""


def test_areas_index_golden(tmp_path):
    kb, _ = load(tmp_path)
    assert generated_pages(kb)["areas/index.md"] == """\
# Case-study areas

The report studies four communities, identified only by letter ([Introduction](../introduction.md#introduction)). Each page gathers the area's vignette, focus-group theme, interview extracts and examples of prevention.

| Area | As the report describes it | Focus group theme | Vignette |
|---|---|---|---|
| [Area B](b.md) | remote rural area (with retained firefighters) | road safety initiative for young people | [Vignette I: Road Safety](../vignettes/road-safety.md) |
"""


def test_the_host_is_told_every_generated_page_without_rendering_any(tmp_path):
    kb, _ = load(tmp_path)
    assert generated_page_paths(kb) == set(generated_pages(kb))
    assert {"lessons/quality.md", "lessons/evaluation-matters.md", "areas/b.md", "voices.md",
            "prevention-examples.md"} <= generated_page_paths(kb)


def test_a_link_to_an_id_given_to_a_paragraph_mid_page_is_not_reported_missing(tmp_path):
    """'{: #id }' on any block is an anchor (attr_list), not only at the end of the page."""
    page = "# Home\n\nSee [][vignette:road-safety] [@huxham2005].\n\nFirst point.\n{: #first-point }\n\nMore.\n"
    fine = problems(tmp_path, content__index_md=page, content__about_md="# About\n\n[It](index.md#first-point)\n")
    assert [p for p in fine if "link.missing-anchor" in p] == []
    found = problems(tmp_path, content__index_md=page, content__about_md="# About\n\n[It](index.md#no-such)\n")
    assert [p for p in found if "link.missing-anchor" in p] == [
        "content/about.md:3: link to 'index.md#no-such' — content/index.md has no heading or anchor '#no-such'. "
        "[link.missing-anchor]"]
