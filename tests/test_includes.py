"""``{% include page.md#heading-id %}``: a section of another page shown where the directive stands — its
problems reported at their line on tiny projects, and what a reader gets on a built one."""

from __future__ import annotations

import json
import re

from conftest import run_cli, write_mkdocs_site, write_project
from generator.compile.project import load_project

SUMMARY = """\
# Summary

## Findings { #findings }

Partnership was 'business as usual' [@huxham2005], see [Vignette I][vignette:road-safety] and
[the method](../method.md#how-we-asked) or [what follows](#what-follows).

- [Road safety talks]{#example:road-safety-talks services="Police Scotland" vignettes=road-safety} in schools.

### A detail

Detail words.

## What follows

Not included.
"""
METHOD = "# Method\n\n## How we asked\n\nWe asked.\n"


def problems(tmp_path, index: str, **more: str) -> list[str]:
    files = {"content/index.md": index, "content/part/summary.md": SUMMARY, "content/method.md": METHOD,
             **{name.replace("__", "/") + ".md": text for name, text in more.items()}}
    _, diags = load_project(write_project(tmp_path, files))
    return [str(d) for d in diags.items if d.code.startswith("include.")]


def test_every_problem_of_an_include_is_reported_at_its_line_with_the_closest_name(tmp_path):
    index = """\
        # Home

        {% include part/sumary.md#findings %}

        {% include part/summary.md#finding %}

        {% include part/summary.md %}

        {% inclde part/summary.md#findings %}

        - {% include part/summary.md#findings %}

        {% include ../references/references.bib#x %}

        {% include /etc/passwd#x %}

        Cites [@huxham2005] and [Vignette I][vignette:road-safety].
        """
    assert problems(tmp_path, index) == [
        "content/index.md:3: include of 'part/sumary.md' — there is no such page in content/ or vignettes/; an "
        "include shows a section of a page of the report, never another file. Did you mean 'part/summary.md'? "
        "[include.unknown-page]",
        "content/index.md:5: include of 'part/summary.md#finding' — content/part/summary.md has no heading with "
        "the id 'finding'. Did you mean 'findings'? [include.unknown-section]",
        "content/index.md:7: include of 'part/summary.md' names no section — add its heading's id: "
        "'part/summary.md#what-follows'. [include.unknown-section]",
        "content/index.md:9: '{% inclde part/summary.md#findings %}' is not a directive of the report — the only "
        "one is '{% include page.md#heading-id %}'. [include.syntax]",
        "content/index.md:11: an include stands at the start of a line of its own — not indented, in a list or in "
        "a quote. [include.syntax]",
        "content/index.md:13: include of '../references/references.bib' — there is no such page in content/ or "
        "vignettes/; an include shows a section of a page of the report, never another file. [include.unknown-page]",
        "content/index.md:15: include of '/etc/passwd' — there is no such page in content/ or vignettes/; an "
        "include shows a section of a page of the report, never another file. [include.unknown-page]",
    ]


def test_a_page_that_is_included_includes_nothing_so_there_is_no_circle(tmp_path):
    index = "# Home\n\n{% include part/summary.md#findings %}\n\n{% include index.md#home %}\n\n" \
            "[@huxham2005] [Vignette I][vignette:road-safety]\n"
    summary = SUMMARY.replace("Detail words.", "{% include ../index.md#home %}")
    assert problems(tmp_path, index, content__part__summary=summary) == [
        "content/index.md:3: include of content/part/summary.md, which includes another page itself — an included "
        "page includes nothing (one level of includes at most, so that no page ever includes itself). "
        "[include.nested]",
        "content/index.md:5: include of itself — an included page includes nothing (one level of includes at most, "
        "so that no page ever includes itself). [include.nested]",
        "content/part/summary.md:12: include of content/index.md, which includes another page itself — an included "
        "page includes nothing (one level of includes at most, so that no page ever includes itself). "
        "[include.nested]",
    ]


def test_a_directive_shown_in_code_is_no_include(tmp_path):
    index = "# Home\n\n```\n{% include nowhere.md#x %}\n```\n\n[@huxham2005] [Vignette I][vignette:road-safety]\n"
    assert problems(tmp_path, index) == []


def test_the_included_section_keeps_its_links_citations_and_headings_and_says_where_it_is_from(tmp_path):
    index = "# Home\n\n## Summary of findings\n\n{% include part/summary.md#findings %}\n\nAfter.\n"
    root = write_mkdocs_site(tmp_path, {"content/index.md": index, "content/part/summary.md": SUMMARY,
                                        "content/method.md": METHOD})
    result = run_cli("build", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr  # strict: every link of the page resolves
    html = (root / "site" / "index.html").read_text(encoding="utf-8")
    start = html.index('id="summary-of-findings"')
    body = html[start:html.index("After.", start)]  # the page's text (its description, in the head, says it too)
    # The section's headings one level below the heading above the directive, up to the next of its level.
    assert re.search(r'<h3 [^>]*id="findings">Findings<', body) and re.search(r'<h4 [^>]*id="a-detail">A detail<', body)
    assert "Detail words." in body and "Not included." not in html
    # Where it comes from, with a link to the section on its own page.
    assert re.search(r'<p class="included-from">From <a href="part/summary/#findings">Summary › Findings</a>', body)
    # Its links lead where they do on its own page; its citation and cross-reference work from here.
    assert 'href="method/#how-we-asked"' in body and 'href="part/summary/#what-follows"' in body
    assert 'href="references/#ref-huxham2005"' in body and 'href="vignettes/road-safety/"' in body
    # It declares nothing here: the example keeps its one place, on its own page.
    assert "Road safety talks" in body and 'id="example-road-safety-talks"' not in body
    summary = (root / "site" / "part" / "summary" / "index.html").read_text(encoding="utf-8")
    assert 'id="example-road-safety-talks"' in summary
    # Search finds the words where they are written, not this copy of them.
    docs = json.loads((root / "site" / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    assert sorted(d["location"] for d in docs if "Detail words" in d["text"]) == ["part/summary/#a-detail"]
