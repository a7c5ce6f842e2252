"""Loading and validation on tiny projects: every problem reported once, as path:line with a fix."""

from __future__ import annotations

import pytest

from conftest import write_project
from generator.common.diagnostics import BuildError
from generator.compile.project import load_project


V = "vignettes/road-safety.md"


def problems(tmp_path, files, only=None):
    """Every problem reported, as the author reads it (only those of file ``only`` when given)."""
    _, diags = load_project(write_project(tmp_path, files))
    return [str(d) for d in diags.items if only is None or d.path == only]


def test_valid_project_loads_with_no_problems(tmp_path):
    kb, diags = load_project(write_project(tmp_path, {}))
    assert diags.items == []
    v = kb.vignettes["vignette:road-safety"]
    assert (v.number, v.title, v.area, v.services, v.partners) == ("I", "Road Safety", "B", ("Police Scotland",), ("council",))
    assert v.page == "vignettes/road-safety.md"
    assert [c.anchor for c in kb.documents["index.md"].citations] == ["cite-1"]
    assert [c.page for c in kb.cited_in("huxham2005")] == ["index.md"]


def test_unclosed_front_matter(tmp_path):
    assert problems(tmp_path, {"vignettes/road-safety.md": "---\nnumber: I\ntitle: x\n"},
                    only="vignettes/road-safety.md") == [
        "vignettes/road-safety.md:1: front matter is not closed — the opening '---' has no closing '---' line, "
        "so the whole file would be read as YAML. Add a '---' line after the last field. [frontmatter.unclosed]",
    ]


def test_unclosed_quote_in_front_matter_names_the_line(tmp_path):
    text = "---\nnumber: I\ntitle: 'Road Safety\narea: B\n---\nBody\n"
    assert problems(tmp_path, {"vignettes/road-safety.md": text}, only=V) == [
        "vignettes/road-safety.md:3: front matter is not valid YAML: found unexpected end of stream — a quoted "
        "value is not closed. Add the closing quote. [frontmatter.yaml]",
    ]


def test_tab_indentation_is_explained(tmp_path):
    text = "---\nnumber: I\ntitle: Road Safety\narea: B\nservices:\n\t- SFRS\npartners: [council]\n---\n"
    [p] = problems(tmp_path, {"vignettes/road-safety.md": text}, only=V)
    assert p.startswith("vignettes/road-safety.md:6: front matter is not valid YAML: ")
    assert p.endswith("— YAML does not allow tabs for indentation. Indent with spaces. [frontmatter.yaml]")


def test_list_instead_of_mapping(tmp_path):
    assert problems(tmp_path, {"vignettes/road-safety.md": "---\n- number\n- title\n---\n"}, only=V) == [
        "vignettes/road-safety.md:2: front matter must be a mapping of 'field: value' lines, not a list — each "
        "field needs a name, e.g. 'title: Road Safety'. [frontmatter.not-mapping]",
    ]


def test_missing_front_matter(tmp_path):
    assert problems(tmp_path, {"vignettes/road-safety.md": "Just text.\n"}, only=V) == [
        "vignettes/road-safety.md:1: a vignette starts with front matter between '---' lines (number, title, area, "
        "services, partners) — none was found. [vignette.no-front-matter]",
    ]


def test_duplicate_key(tmp_path):
    text = "---\nnumber: I\ntitle: A\ntitle: B\narea: B\nservices: [SFRS]\npartners: [council]\n---\n"
    [p] = problems(tmp_path, {"vignettes/road-safety.md": text}, only=V)
    assert p.startswith("vignettes/road-safety.md:4: front matter is not valid YAML: duplicate key 'title'")
    assert "a field may be given once" in p


def test_python_tag_is_rejected_not_executed(tmp_path):
    marker = tmp_path / "pwned"
    text = f"---\nnumber: !!python/object/apply:os.system ['touch {marker}']\n---\n"
    [p] = problems(tmp_path, {"vignettes/road-safety.md": text}, only=V)
    assert p.startswith("vignettes/road-safety.md:2: front matter is not valid YAML: could not determine a constructor")
    assert "never executed" in p
    assert not marker.exists()


def test_unknown_field_suggests_the_right_one(tmp_path):
    text = ("---\nnumber: I\ntitle: Road Safety\narea: B\nservices: [SFRS]\npartners: [council]\n"
                   "partnrs: [x]\n---\n")
    assert problems(tmp_path, {"vignettes/road-safety.md": text}, only=V) == [
        "vignettes/road-safety.md:7: unknown field 'partnrs' — the fields here are number, title, area, services, "
        "partners. Did you mean 'partners'? [frontmatter.unknown-field]",
    ]


def test_wrong_values_are_all_reported(tmp_path):
    text = "---\nnumber: V2\ntitle: Road Safety\narea: E\nservices: [Police]\npartners: [council]\n---\n"
    assert problems(tmp_path, {"vignettes/road-safety.md": text}, only=V) == [
        "vignettes/road-safety.md:2: number 'V2' is not a Roman numeral I–X — the report numbers vignettes I, II, "
        "III, IV. Did you mean 'V'? [vignette.number]",
        "vignettes/road-safety.md:4: area 'E' is not a case-study area — the report has areas A, B, C and D. "
        "[vignette.area]",
        "vignettes/road-safety.md:5: service 'Police' is not one of Police Scotland, SFRS — other organisations go "
        "under 'partners'. [vignette.service]",
    ]


def test_missing_field_and_wrong_type(tmp_path):
    text = "---\nnumber: I\ntitle: Road Safety\narea: B\nservices: SFRS\n---\n"
    assert problems(tmp_path, {"vignettes/road-safety.md": text}, only=V) == [
        "vignettes/road-safety.md:1: missing field 'partners' — every vignette needs it. [frontmatter.missing-field]",
        "vignettes/road-safety.md:5: field 'services' must be a list of names, one '- name' line each, not 'SFRS'. "
        "[frontmatter.type]",
    ]


def test_bom_and_crlf_are_accepted(tmp_path):
    from conftest import MINI_VIGNETTE
    data = ("\ufeff" + MINI_VIGNETTE).replace("\n", "\r\n").encode("utf-8")
    kb, diags = load_project(write_project(tmp_path, {"vignettes/road-safety.md": data}))
    assert diags.items == []
    assert kb.vignettes["vignette:road-safety"].title == "Road Safety"


def test_file_that_is_not_utf8(tmp_path):
    assert problems(tmp_path, {"content/about.md": "# Caf\xe9\n".encode("latin-1")}) == [
        "content/about.md:1: the file is not UTF-8 text: byte 0xe9 in column 6 is not valid UTF-8 — save the file "
        "with UTF-8 encoding. [file.encoding]",
    ]


def test_unknown_citation_key_and_cross_reference(tmp_path):
    page = "# Home\n\nText [@huxham2005].\n\nMore [see @moorse2010, p. 3] and [Vignette][vignette:road-safty].\n"
    assert problems(tmp_path, {"content/index.md": page}, only="content/index.md") == [
        "content/index.md:5: unknown citation key 'moorse2010' — no entry with this key in references/*.bib. "
        "Did you mean 'morse2010'? [citation.unknown-key]",
        "content/index.md:5: unknown cross-reference 'vignette:road-safty' — no entity has this id. Did you mean "
        "'vignette:road-safety'? [xref.unknown]",
    ]


def test_at_signs_in_code_and_email_are_not_citations(tmp_path):
    page = ("# Home\n\nMail [psi@nationalarchives.gsi.gov.uk](mailto:psi@nationalarchives.gsi.gov.uk) "
            "or [write to psi@example.org]. Code `[@notakey]` [@huxham2005] [][vignette:road-safety].\n\n```\n[@alsonot]\n```\n")
    kb, diags = load_project(write_project(tmp_path, {"content/index.md": page}))
    assert diags.items == []
    assert [[i.key for i in c.items] for c in kb.documents["index.md"].citations] == [["huxham2005"]]


def test_two_titles_and_no_title(tmp_path):
    assert problems(tmp_path, {"content/index.md": "# One [@huxham2005] [][vignette:road-safety]\n\n# Two\n",
                                "content/about.md": "Text\n"}) == [
        "content/about.md:1: the page has no title — start it with a '# Title' line. [page.no-title]",
        "content/index.md:3: second '# ' heading 'Two' — a page has one title ('One [@huxham2005] "
        "[][vignette:road-safety]', line 1). "
        "Make this one '## '. [page.many-titles]",
    ]


def test_unsafe_html_is_rejected(tmp_path):
    page = ("# Home [@huxham2005]\n\n<script>alert(1)</script>\n\n<a href=\"javascript:x()\">x</a>\n\n"
            "<img src=\"a.png\" onerror=\"x()\">\n\nIn one area n = 4 and someone = 2: prose, not HTML; "
            "javascript: in words is words.\n")
    assert problems(tmp_path, {"content/index.md": page}, only="content/index.md") == [
        "content/index.md:3: '<script>' is not allowed — scripts would run in every reader's browser; the site "
        "never needs one. Remove it. [html.unsafe]",
        "content/index.md:5: href=\"javascript:x()\" on <a> is not allowed — only http:, https: and mailto: links "
        "and links within the site are; other kinds (javascript:, data:, vbscript:) can run script. [html.unsafe]",
        "content/index.md:7: 'onerror=' on <img> is not allowed — event handlers run script in readers' browsers. "
        "Remove it. [html.unsafe]",
    ]


def test_all_problems_fail_together(tmp_path):
    page = "# Home\n\n[@nokey] [@huxham2005]\n"
    bad_vignette = "---\nnumber: I\ntitle: x\narea: Z\nservices: [SFRS]\npartners: [c]\n---\n"
    _, diags = load_project(write_project(tmp_path, {"content/index.md": page,
                                                     "vignettes/road-safety.md": bad_vignette}))
    with pytest.raises(BuildError) as exc:
        diags.raise_if_any()
    report = exc.value.report()
    assert "content/index.md:3: unknown citation key 'nokey'" in report
    assert "vignettes/road-safety.md:4: area 'Z'" in report
    assert report.endswith("problems found; nothing was built.")
