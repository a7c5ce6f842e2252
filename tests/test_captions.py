"""Every table is named by a caption in the report's own words: the author's ``Table: words`` line, or the
heading the table sits under; a ``Table:`` line with no table beside it is an error at its line."""

from __future__ import annotations

import re

from conftest import run_cli, write_mkdocs_site, write_project
from generator.compile.compiler import Compiler
from generator.compile.project import load_project

EXTENSIONS = ["toc", "attr_list", "md_in_html", "tables"]
TABLE = "| Where | Printed |\n| --- | --- |\n| Summary | ScotGen |\n"


def compiled(tmp_path, page: str) -> str:
    kb, diags = load_project(write_project(tmp_path, {"content/errata.md": page}))
    assert diags.errors == []
    return Compiler(kb, EXTENSIONS, links=None).compile("errata.md").markdown


def test_a_table_line_after_or_before_a_table_is_its_caption(tmp_path):
    after = compiled(tmp_path / "a", f"# Errata\n\n{TABLE}\nTable: Corrections *made* here\n\nNext words.\n")
    assert "<table>\n<caption>Corrections <em>made</em> here</caption>" in after
    assert "Table:" not in after and "Next words." in after
    before = compiled(tmp_path / "b", f"# Errata\n\nTable: Corrections\n\n{TABLE}")
    assert "<table>\n<caption>Corrections</caption>" in before and "Table:" not in before


def test_a_table_without_one_is_named_after_the_heading_it_sits_under(tmp_path):
    html = compiled(tmp_path, f"# Errata\n\n## What *was* corrected\n\nWords.\n\n{TABLE}")
    assert '<table>\n<caption class="report-caption--heading">What was corrected</caption>' in html


def test_a_table_line_with_no_table_beside_it_is_an_error_at_its_line(tmp_path):
    page = (f"# Errata\n\n{TABLE}\nWords.\n\nTable: Lost caption\n\nMore words\nTable: in a paragraph.\n\n"
            f"```\nTable: in code\n```\n\nTable: Fine\n\n{TABLE}")
    result = run_cli("check", cwd=write_mkdocs_site(tmp_path, {"content/errata.md": page}))
    assert result.returncode == 1
    problems = [line for line in result.stderr.splitlines() if "[markdown.table-caption]" in line]
    assert problems == ["content/errata.md:9: 'Table: …' is a table's caption, but no table is right before or "
                        "after it — put it on a line of its own, one blank line after (or before) its table. "
                        "[markdown.table-caption]"]


def test_every_table_of_the_site_has_a_caption(built_site):
    tables = 0
    for html_file in built_site.rglob("index.html"):
        for table in re.findall(r"<table>.*?</table>", html_file.read_text(), re.S):
            tables += 1
            caption = re.match(r"<table>\s*<caption[^>]*>(.+?)</caption>", table, re.S)
            assert caption and caption[1].strip(), f"{html_file}: a table with no caption"
    assert tables >= 5  # the glossary, the Annex, the areas, the prevention examples, the errata
