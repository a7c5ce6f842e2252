"""`report check` reads mkdocs.yml too: whatever is wrong with it is a problem at its line, found before
MkDocs starts, and its nav is checked against the pages as the strict build would check it."""

from __future__ import annotations

import pytest

from conftest import REPO, run_cli, write_project
from generator.cli import check

NAV = """\
site_name: Fixture
docs_dir: content
validation:
  nav:
    omitted_files: warn
nav:
  - Home: index.md
  - Annex:
      - vignettes/road-safety.md
  - Explore:
      - prevention-examples.md
      - voices.md
  - References: references.md
  - Elsewhere: https://example.org/
"""


def omitted(page: str) -> str:
    return (f"mkdocs.yml:6: '{page}' is not in the nav — readers would reach it only by a link; MkDocs' "
            f"validation.nav.omitted_files is 'warn', which fails the strict build. Add '- {page}' where it belongs. "
            "[nav.omitted]")


def checked(tmp_path, capsys, mkdocs: str | bytes) -> tuple[int, list[str]]:
    root = write_project(tmp_path, {"mkdocs.yml": mkdocs})
    code = check(root)
    return code, capsys.readouterr().err.splitlines()[:-1]


def test_a_nav_that_lists_every_page_passes(tmp_path, capsys):
    code, problems = checked(tmp_path, capsys, NAV)
    assert (code, problems) == (0, [])


@pytest.mark.parametrize("mkdocs, expected", [
    pytest.param("", ["mkdocs.yml:1: the file is empty — MkDocs reads 'name: value' settings from it, at least "
                      "'site_name: …'. [config.not-mapping]"], id="empty"),
    pytest.param(NAV.replace("Fixture", "Caf\xe9").encode("latin-1"), [
        "mkdocs.yml:1: the file is not UTF-8 text: byte 0xe9 in column 15 is not valid UTF-8 — save the file with "
        "UTF-8 encoding. [file.encoding]"], id="not-utf8"),
    pytest.param(NAV.replace("- Home: index.md", "- Home: [index.md"), [
        "mkdocs.yml:8: the file is not valid YAML: expected ',' or ']', but got ':' [config.yaml]"], id="syntax-error"),
    pytest.param(NAV.replace("docs_dir: content\n", "docs_dir: content\ndocs_dir: docs\n"), [
        "mkdocs.yml:3: the file is not valid YAML: duplicate key 'docs_dir' (first given on line 2 of the block) — "
        "a field may be given once. Remove one of them. [config.yaml]"], id="repeated-setting"),
    pytest.param(NAV.replace("- Home: index.md", "- Home: indx.md"), [
        omitted("index.md"),
        "mkdocs.yml:7: the nav lists 'indx.md', which is no page of the site — MkDocs' validation.nav.not_found is "
        "'warn', which fails the strict build. Did you mean 'index.md'? [nav.not-found]"], id="missing-page"),
    pytest.param(NAV.replace("  - References: references.md\n", ""), [omitted("references.md")], id="page-left-out"),
    pytest.param(NAV.replace("https://example.org/", "https://[example.org/"), [
        "mkdocs.yml:14: the nav lists 'https://[example.org/', which is not a valid address (Invalid IPv6 URL) — check "
        "its brackets. [nav.invalid]"], id="no-address"),
    pytest.param(NAV.replace("omitted_files: warn", "omitted_files: wran"), [
        "mkdocs.yml:3: validation level 'wran' for 'omitted_files' is not one of warn, info, ignore — MkDocs would "
        "stop at it. Did you mean 'warn'? [config.validation]"], id="unknown-level"),
    pytest.param(NAV.replace("  - References: references.md\n", "  - References:\n"), [
        "mkdocs.yml:13: nav entry nothing is not a page — write '- page.md', '- Title: page.md' or '- Section:' with a "
        "list of them. [config.nav]", omitted("references.md")], id="entry-without-a-page"),
    pytest.param(NAV + "x: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\ny: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                 "z: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nw: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n", [
        "mkdocs.yml:18: the file is refused: more than 10,000 values in this one, each alias (*name) counted as the "
        "values it repeats — limit 10,000 values, so that nothing that reads it runs out of time or memory. Write "
        "the values out, without aliases, and nest them less. [limit.yaml-values]"], id="alias-bomb"),
])
def test_what_is_wrong_with_mkdocs_yml_is_reported_at_its_line(tmp_path, capsys, mkdocs, expected):
    code, problems = checked(tmp_path, capsys, mkdocs)
    assert (code, sorted(problems)) == (1, sorted(expected))


def test_pages_left_out_of_the_nav_pass_when_mkdocs_only_mentions_them(tmp_path, capsys):
    code, problems = checked(tmp_path, capsys, NAV.replace("omitted_files: warn", "omitted_files: info")
                             .replace("  - References: references.md\n", ""))
    assert (code, problems) == (0, [])


def test_a_page_that_cannot_be_read_adds_no_problems_of_the_nav(tmp_path, capsys):
    # Its areas, and so the areas' pages the nav lists, are not known; and a folder is no page to list.
    nav = NAV.replace("      - voices.md\n", "      - voices.md\n      - areas/index.md\n  - About: about.md\n")
    root = write_project(tmp_path, {"mkdocs.yml": nav, "content/about.md": "# About\n\n- Area A – a city {#area:a}\n\n"
                                    + "> " * 30 + "deep\n"})
    (root / "content" / "odd.md").mkdir()
    assert check(root) == 1
    assert capsys.readouterr().err.splitlines() == [
        "content/about.md:5: lists and block quotes nested 30 deep — limit 20, so that rendering neither runs out of "
        "stack nor slows down. Nest them less. [limit.nesting]",
        "content/odd.md: this is a folder, not a file of text — only files are read. Rename it so that its name does "
        "not end in '.md', or move it away. [file.not-a-file]",
        "2 problems found; nothing was built.",
    ]


def test_mkdocs_tags_read_as_nothing(tmp_path, capsys):
    tags = NAV + ("markdown_extensions:\n  - pymdownx.emoji:\n      emoji_index: !!python/name:material.extensions."
                  "emoji.twemoji\nextra:\n  analytics: !ENV [ANALYTICS, '']\n")
    code, problems = checked(tmp_path, capsys, tags)
    assert (code, problems) == (0, [])


def test_the_command_line_reports_a_syntax_error_in_the_real_mkdocs_yml(tmp_path):
    real = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    root = write_project(tmp_path, {"mkdocs.yml": real + "nav: [\n"})
    result = run_cli("check", cwd=root)
    assert result.returncode == 1
    end = real.count("\n") + 2  # the line after "nav: ["
    assert result.stderr == (f"mkdocs.yml:{end}: the file is not valid YAML: expected the node content, but found "
                             "'<stream end>' [config.yaml]\n1 problem found; nothing was built.\n")
