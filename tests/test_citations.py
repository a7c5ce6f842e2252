"""Citation syntax, BibTeX loading and author–year formatting (pybtex)."""

from __future__ import annotations

import pytest

from conftest import write_project
from generator.compile.project import load_project
from generator.sources.dialect import CitationItem, parse_citation


@pytest.mark.parametrize("body, expected", [
    ("@morse2010", (CitationItem("morse2010"),)),
    ("@morse2010, p. 12", (CitationItem("morse2010", locator="p. 12"),)),
    ("see @morse2010, pp. 3-5; @huxham2005",
     (CitationItem("morse2010", prefix="see", locator="pp. 3-5"), CitationItem("huxham2005"))),
    ("Similar findings in @williams2012", (CitationItem("williams2012", prefix="Similar findings in"),)),
    ("-@morse2010", (CitationItem("morse2010", suppress_author=True),)),
])
def test_pandoc_citation_syntax(body, expected):
    assert parse_citation(body) == expected


@pytest.mark.parametrize("body", ["write to psi@example.org", "a@b; @c"])
def test_email_addresses_are_not_citations(body):
    assert parse_citation(body) is None


def sources(tmp_path, bib):
    kb, diags = load_project(write_project(tmp_path, {"references/references.bib": bib,
                                                      "content/index.md": "# Home\n",
                                                      "vignettes/road-safety.md": None}))
    return kb, [str(d) for d in diags.items if "never cited" not in d.message]


def test_labels_are_author_year_and_disambiguated(tmp_path):
    bib = """\
    @techreport{b, author = {{Scottish Government}}, title = {Beta}, year = {2017}}
    @techreport{a, author = {{Scottish Government}}, title = {Alpha}, year = {2017}}
    @misc{c, author = {Frondigoun, L. and Smith, R. and MacLeod, I.}, title = {Campus}, year = {2013}}
    @misc{d, title = {Prevention levels}, organization = {Institute for Work \\& Health}}
    @book{e, author = {Sch{\\"o}n, D. and Ca{\\~n}ada, J.}, title = {Reflective {\\'E}tudes}, year = {1983}, publisher = {Basic}}
    """
    kb, problems = sources(tmp_path, bib)
    assert problems == []
    assert {k: s.label for k, s in kb.sources.items()} == {
        "a": "Scottish Government, 2017a", "b": "Scottish Government, 2017b",
        "c": "Frondigoun et al., 2013", "d": "Institute for Work & Health, n.d.", "e": "Schön and Cañada, 1983",
    }
    assert kb.sources["e"].reference_text == "Schön, D. and Cañada, J. (1983) Reflective Études. Basic."
    assert kb.sources["c"].reference_text == "Frondigoun, L., Smith, R. and MacLeod, I. (2013) Campus."


def test_reference_has_its_url_linked(tmp_path):
    bib = "@misc{x, author = {{Police Scotland}}, title = {Policing 2026}, year = {2017}, url = {https://example.org/a_b.pdf}}\n"
    kb, _ = sources(tmp_path, bib)
    md = kb.sources["x"].reference_markdown
    assert "[https://example\\.org/a\\_b\\.pdf](https://example.org/a_b.pdf)" in md


def test_bibtex_syntax_error_has_a_line(tmp_path):
    bib = "@book{ok, title = {A}, year = {2000}, publisher = {P}}\n\n@book{bad, title = {B} year = {2001}}\n"
    _, problems = sources(tmp_path, bib)
    assert problems and all(p.startswith("references/references.bib:3: BibTeX syntax error: ") for p in problems)


@pytest.mark.parametrize("second, line, why", [
    ("same", 3, ""),
    ("Same", 3, " (same as 'same' but for case, which BibTeX does not distinguish)"),
])
def test_duplicate_keys_name_both_places(tmp_path, second, line, why):
    bib = ("@book{same, title = {A}, year = {2000}, publisher = {P}}\n\n"
           f"@book{{{second}, title = {{B}}, year = {{2001}}, publisher = {{P}}}}\n")
    _, problems = sources(tmp_path, bib)
    assert problems == [
        f"references/references.bib:{line}: duplicate BibTeX key '{second}'{why} — first defined at "
        "references/references.bib:1. Each source needs its own key; remove or rename one. [bibtex.duplicate-key]",
    ]


def test_undefined_string_macro(tmp_path):
    _, problems = sources(tmp_path, "@book{x, title = {A}, year = {2000}, publisher = nosuchmacro}\n")
    assert len(problems) == 1
    assert problems[0].startswith("references/references.bib:1: BibTeX error: ")
    assert "nosuchmacro" in problems[0] and problems[0].endswith("[bibtex.undefined-macro]")


def test_uncited_entry_is_a_warning_that_fails_strict_builds(tmp_path):
    _, diags = load_project(write_project(tmp_path, {"content/index.md": "# Home\n\n[][vignette:road-safety]\n"}))
    assert [str(d) for d in diags.warnings] == [
        "references/references.bib:1: BibTeX entry 'huxham2005' is never cited — cite it with [@huxham2005] where "
        "the report uses it, or remove it. [bibtex.uncited]",
    ]
    assert diags.errors == []
