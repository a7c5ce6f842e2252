"""The compile step: a page in the report's dialect becomes standard Markdown that a host renders to the HTML
the dialect would have rendered to, headings still Markdown; and the links it makes are checked."""

from __future__ import annotations

import markdown
import pytest
from markdown.extensions.toc import render_inner_html

from conftest import run_cli, write_mkdocs_site, write_project

from generator.compile.compiler import Compiler
from generator.compile.mdext import RenderState, ReportExtension
from generator.compile.project import load_project
from generator.compile.sitelinks import SiteLinks

EXTENSIONS = ["toc", "attr_list", "md_in_html", "tables"]
PAGES = {
    "headings": "# Title with *emphasis*, `code` & <b>bold</b>\n\n## C# and 1. and [brackets] {#given}\n\n"
                "## Trailing #\n\n### Under_scores and \\*stars\\* {: .cls data-x=\"y\" }\n\ntext\n",
    "blocks": "# Blocks\n\n> a quote\n\n- a\n- b\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<div class=\"x\">raw</div>\n\n"
              "    code <b>\n\n---\n\n<div markdown>\n*inside*\n</div>\n",
    "dialect": "# Home\n\nSee [Vignette I][vignette:road-safety] and [@huxham2005; @morse2010].\n",
    # toc's table of contents where the marker places it (the compile step makes it only for such a page).
    "toc marker": "# Contents\n\n[TOC]\n\n## One\n\ntext\n\n### Two\n",
}


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    kb, diags = load_project(write_project(tmp_path_factory.mktemp("compile"), {}))
    assert not diags.items
    return kb


@pytest.mark.parametrize("name", sorted(PAGES))
def test_a_host_renders_the_compiled_page_to_the_html_of_the_dialect(kb, name):
    source = PAGES[name]
    # Links between pages are the host's to make: the same page, so that both sides leave them as they are.
    direct = markdown.Markdown(extensions=[*EXTENSIONS, ReportExtension(RenderState(kb, "index.md"))]).convert(source)
    compiled = Compiler(kb, EXTENSIONS, links=None).compile("index.md", source)
    assert "[@" not in compiled.markdown and "][vignette:" not in compiled.markdown
    assert markdown.Markdown(extensions=EXTENSIONS).convert(compiled.markdown) == direct


def test_headings_stay_markdown_with_their_ids_and_everything_else_is_html(kb):
    compiled = Compiler(kb, EXTENSIONS, links=None).compile("index.md", PAGES["headings"] + PAGES["dialect"][7:])
    lines = compiled.markdown.splitlines()
    assert lines[0] == "# Title with <em>emphasis</em>, <code>code</code> &amp; <b>bold</b> {#title-with-emphasis-code-bold}"
    assert "## C\\# and 1\\. and \\[brackets\\] {#given}" in lines
    assert '### Under\\_scores and \\*stars\\* {class="cls" data-x="y" #under_scores-and-stars}' in lines
    assert all(line.startswith(("#", "<")) for line in lines)


def test_links_between_pages_are_the_published_urls(kb):
    links = SiteLinks(frozenset({"index.md", "vignettes/road-safety.md", "references.md"}))
    compiled = Compiler(kb, EXTENSIONS, links=links).compile("vignettes/road-safety.md",
                                                            "# V\n\n[home](../index.md#x) [self](road-safety.md#y)\n")
    assert '<a href="../../#x">home</a> <a href="./#y">self</a>' in compiled.markdown
    assert [(a.page, a.anchor, a.url) for a in compiled.anchored] == [
        ("index.md", "x", "../index.md#x"), ("vignettes/road-safety.md", "y", "road-safety.md#y"),
        ("vignettes/road-safety.md", "vignettes-road-safety--v-p1", "#vignettes-road-safety--v-p1")]


def test_a_link_no_check_before_compiling_sees_is_reported_at_its_line(tmp_path):
    """Reference-style links are not read by the check of the sources; compiling the page finds them, and says
    where each is written (the same URL twice: each of its lines)."""
    about = ("# About\n\nSee [the home page][home] and [the method][method].\n\n[home]: index.md#nowhere\n"
             "[method]: method.md\n\nAgain: [home][again].\n\n[again]: index.md#nowhere\n")
    root = write_mkdocs_site(tmp_path / "project", {"content/about.md": about})
    result = run_cli("build", cwd=root)
    assert result.returncode == 1
    assert ("content/about.md:6: link to 'method.md' — there is no such page ('method.md'). [link.missing-page]"
            in result.stderr)
    for line in (5, 10):
        assert (f"content/about.md:{line}: link to 'index.md#nowhere' — 'index.md' has no heading or anchor "
                "'#nowhere'. [link.missing-anchor]") in result.stderr


def test_a_host_that_renders_only_the_headings_gets_the_same_html(kb):
    """MkDocs is given toc and attr_list of its extensions (``host_extensions``): the compile step applied the
    others already. Characters those extensions made escapable (``~`` for pymdownx.tilde, quotes for smarty)
    are escaped in headings, and the host reads them back as characters, not as a backslash and a character."""
    extensions = [*EXTENSIONS, "pymdownx.tilde", "smarty", "admonition"]
    source = ('# Fire ~ rescue\'s "work", ~~struck~~ {#fire}\n\n!!! note\n    Inside ~~struck~~ and \'quoted\'.\n\n'
              "## A \\~ and a \\\" too\n\nText.\n")
    direct = markdown.Markdown(extensions=[*extensions, ReportExtension(RenderState(kb, "index.md"))]).convert(source)
    compiler = Compiler(kb, extensions, links=None, marked=True)
    host = compiler.host_extensions(extensions)
    assert [e for e in host if isinstance(e, str)] == ["toc", "attr_list"]
    # However mkdocs.yml names them: a dotted module, module:Class.
    named = ["markdown.extensions.toc:TocExtension", "markdown.extensions.attr_list", "pymdownx.tilde"]
    assert [e for e in compiler.host_extensions(named) if isinstance(e, str)] == named[:2]
    html = markdown.Markdown(extensions=host).convert(compiler.compile("index.md", source).markdown)
    assert html == direct
    assert "\\" not in html and "<del>struck</del>" in html and "&rsquo;" in html


TOC_SETTINGS = [
    {"permalink": True, "permalink_title": "Link to this section"},
    {"permalink": "#", "permalink_leading": True, "baselevel": 2, "toc_depth": "2-4"},
    {"anchorlink": True, "toc_depth": 2},
]
FINISHED_PAGES = {
    **PAGES,
    "labels": '# Title {data-toc-label="Short"}\n\n## A <em>b</em> &amp; c\n\n!!! note "N"\n    ## Inside\n\n'
              "    text\n\n### Third\n\n#### Fourth\n",
    "no title": "Text first.\n\n# Late title\n\n## Two\n",
    "empty": "",
}


@pytest.mark.parametrize("settings", TOC_SETTINGS, ids=["permalink", "leading-baselevel", "anchorlink"])
@pytest.mark.parametrize("name", sorted(FINISHED_PAGES))
def test_a_finished_page_is_what_the_host_would_render(kb, name, settings):
    """``finished``: the compile step writes the HTML, table of contents and title a host gets by rendering the
    compiled Markdown with ``host_extensions`` (MkDocs then renders only the title). The reference is that
    rendering itself, with toc set every way that changes headings."""
    extensions, configs = [*EXTENSIONS, "admonition"], {"toc": settings}
    compiler = Compiler(kb, extensions, configs, links=None, finished=True)
    compiled = compiler.compile("index.md", FINISHED_PAGES[name])

    class Title(markdown.treeprocessors.Treeprocessor):  # as MkDocs finds a page's title: a leading h1
        def run(self, root):
            first = next(iter(root), None)
            self.md.title = render_inner_html(first, self.md) if first is not None and first.tag == "h1" else None

    def host(text):
        md = markdown.Markdown(extensions=compiler.host_extensions(extensions), extension_configs=configs)
        md.treeprocessors.register(Title(md), "title", 1)
        return md.convert(text), md.toc_tokens, getattr(md, "title", None)  # Python-Markdown skips an empty text

    html, toc, title = host(compiled.markdown)
    assert (compiled.html, compiled.toc) == (html, toc)
    assert host(compiled.title)[2] == title  # the title MkDocs finds in the one heading it renders
    if name == "labels":
        assert '<h2 id="inside">' in html and toc and "Inside" not in str(toc)  # toc: the page's own headings


def test_an_empty_page_compiles_to_nothing_not_to_the_page_before(kb):
    """Python-Markdown runs no processor on an empty text: the writer must not hand back the last page's."""
    compiler = Compiler(kb, EXTENSIONS, links=None, finished=True)
    assert compiler.compile("index.md", "# Home\n\nText.\n").html
    empty = compiler.compile("about.md", "\n")
    assert (empty.markdown, empty.html, empty.toc, empty.title) == ("", "", [], "")


def test_a_host_without_toc_gets_the_markdown_to_render_itself(kb):
    """``finished`` writes what the host's toc would make of the headings; a host without toc renders them its own
    way, so it is handed the Markdown (no finished HTML to take instead)."""
    compiled = Compiler(kb, ["attr_list"], links=None, finished=True).compile("index.md", PAGES["headings"])
    assert compiled.html is None and compiled.markdown.startswith("# Title with")
