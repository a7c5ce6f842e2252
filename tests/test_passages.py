"""Every paragraph, list item and extract of the report has an id a reader can cite, with a "¶" link to it:
stable when other sections change, unique across the site, and the same id in the PDF."""

from __future__ import annotations

import re

from conftest import write_project
from generator.compile.compiler import Compiler
from generator.compile.project import load_project
from generator.compile.render import page_markdown
from generator.outputs.pdf import render_page

EXTENSIONS = ["toc", "attr_list", "md_in_html"]
PAGE = """\
# Home

Opening words.

## Findings

First finding.

- one
- two

    - nested

> 'We are very can do.'
>
> — A04 Police

Last finding.

## Other

Other words.
"""


def compiled(tmp_path, page: str = PAGE) -> str:
    kb, diags = load_project(write_project(tmp_path, {"content/findings.md": page}))
    assert diags.errors == []
    return Compiler(kb, EXTENSIONS, links=None).compile("findings.md").markdown


def ids(html: str) -> list[str]:
    return re.findall(r'<(?:p|li|figure)[^>]* id="([^"]+)"', html)


def test_each_paragraph_list_item_and_extract_has_an_id_and_a_permalink(tmp_path):
    html = compiled(tmp_path)
    assert ids(html) == ["findings--home-p1", "findings--findings-p1", "findings--findings-p2", "findings--findings-p3",
                         "findings--findings-p4", "quote-a04", "findings--findings-p6", "findings--other-p1"]
    # Out of the Tab order and hidden from screen readers: the site's script gives it back where it is wanted.
    assert ('<p id="findings--findings-p1">First finding.<a aria-hidden="true" aria-label="Link to this paragraph" '
            'class="headerlink passage-link" data-search-exclude="" '
            'href="#findings--findings-p1" tabindex="-1" title="Link to this paragraph">¶</a></p>') in html
    # A list item's link follows its own words, before the list nested in it.
    assert re.search(r'<li id="findings--findings-p3">\s*<p>two<a [^>]*href="#findings--findings-p3" '
                     r'tabindex="-1" title="Link to this list item">¶</a></p>\s*<ul>', html)
    assert re.search(r'police<a [^>]*href="#quote-a04" tabindex="-1" title="Link to this extract">¶</a></figcaption>', html)


def test_ids_do_not_move_when_another_section_changes(tmp_path):
    before = ids(compiled(tmp_path / "a"))
    after = ids(compiled(tmp_path / "b", PAGE.replace("First finding.", "New words.\n\nFirst finding.")))
    assert [i for i in after if "other" in i] == [i for i in before if "other" in i] == ["findings--other-p1"]
    assert "findings--home-p1" in after


def test_generated_sections_and_blocks_of_html_get_no_passage_id(tmp_path):
    """What the site adds (a vignette's facts, "Referenced by", a page's references) is not the report's text."""
    kb, _ = load_project(write_project(tmp_path, {}))
    html = Compiler(kb, EXTENSIONS, links=None).compile("vignettes/road-safety.md").markdown
    assert "<p></p>" not in html and not re.search(r'<p id="[^"]*"></p>', html)
    assert ids(html) == ["vignettes-road-safety--vignette-i-road-safety-p1",
                         "vignettes-road-safety--why-was-this-initiative-needed-p1"]


def test_the_pdf_keeps_the_same_ids_and_prints_no_permalink(tmp_path):
    kb, _ = load_project(write_project(tmp_path, {"content/findings.md": PAGE}))
    site = ids(Compiler(kb, EXTENSIONS, links=None).compile("findings.md").markdown)
    pdf = render_page(kb, "findings.md", frozenset({"findings.md"}))
    assert ids(pdf.html) == site
    assert "passage-link" not in pdf.html and "¶" not in pdf.html


def test_referenced_by_lists_each_section_once_with_every_passage_in_it(tmp_path):
    home = ("# Home\n\n## Where\n\nSee [][vignette:road-safety].\n\nAnd again [Vignette I][vignette:road-safety].\n\n"
            "## Else\n\nAlso [][vignette:road-safety].\n")
    kb, _ = load_project(write_project(tmp_path, {"content/index.md": home}))
    html = page_markdown(kb, "vignettes/road-safety.md")
    listed = re.findall(r"<li>.*</li>", html[html.index("## Referenced by"):])
    assert listed == ['<li>Home › Where: <a href="../../#xref-1">passage 1</a>, <a href="../../#xref-2">passage 2</a></li>',
                      '<li><a href="../../#xref-3">Home › Else</a></li>']
