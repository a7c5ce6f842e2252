"""Rendering with the core's Python-Markdown extension: source -> HTML, as a reader gets it."""

from __future__ import annotations

import markdown

from conftest import write_project
from generator.compile.project import load_project
from generator.compile.mdext import RenderState, ReportExtension
from generator.compile.render import page_markdown, render_bibliography


def render(tmp_path, page="index.md", files=None):
    kb, diags = load_project(write_project(tmp_path, files or {}))
    assert diags.errors == []
    state = RenderState(kb, page=page)
    md = markdown.Markdown(extensions=["attr_list", "md_in_html", "toc", ReportExtension(state)])
    return md.convert(page_markdown(kb, page)), state


def test_citation_links_to_its_entry_with_the_full_reference_on_focus(tmp_path):
    html, state = render(tmp_path, files={"content/index.md": "# Home\n\nSee this [see @huxham2005, p. 3; @morse2010].\n"})
    assert state.problems == []
    assert (
        '<span class="citation" id="cite-1">(<a aria-describedby="cite-1-1" class="citation__link" '
        'href="references.md#ref-huxham2005">see Huxham and Vangen, 2005, p. 3</a><span class="citation__tip" '
        'data-search-exclude="" id="cite-1-1" role="tooltip">Huxham, C. and Vangen, S. (2005) Managing to collaborate. Oxon: Routledge.'
        '</span>; <a aria-describedby="cite-1-2" class="citation__link" href="references.md#ref-morse2010">'
        'Morse, 2010</a><span class="citation__tip" data-search-exclude="" id="cite-1-2" role="tooltip">Morse, R. S. (2010) Integrative '
        'public leadership. The Leadership Quarterly, 21, 231–245.</span>)</span>'
    ) in html


def test_page_ends_with_its_own_references(tmp_path):
    html, _ = render(tmp_path, files={"content/index.md": "# Home\n\nA [@morse2010]. B [@huxham2005]. C [@morse2010].\n"})
    tail = html[html.index('<h2 id="references-on-this-page">'):]
    assert tail == (
        '<h2 id="references-on-this-page">References</h2>\n<ul class="page-references">\n'
        '<li><a href="references.md#ref-huxham2005">Huxham and Vangen, 2005</a>: Huxham, C. and Vangen, S. (2005) '
        'Managing to collaborate. Oxon: Routledge.</li>\n'
        '<li><a href="references.md#ref-morse2010">Morse, 2010</a>: Morse, R. S. (2010) Integrative public '
        'leadership. The Leadership Quarterly, 21, 231–245.</li>\n</ul>'
    )


def test_links_from_a_vignette_are_relative_to_it(tmp_path):
    html, _ = render(tmp_path, page="vignettes/road-safety.md",
                     files={"content/index.md": "# Home\n\n[@huxham2005] [][vignette:road-safety]\n"})
    assert html.startswith('<h1 id="vignette-i-road-safety">Vignette I: Road Safety</h1>\n<dl class="facts">')
    assert "<dt>Case-study area</dt>\n<dd>Area B</dd>" in html  # no page for area B in this project
    assert "<dt>Level of prevention</dt>\n<dd>Not classified in the report</dd>" in html
    assert 'href="../references.md#ref-morse2010"' in html


def test_cross_reference_renders_the_entity_title_or_the_given_words(tmp_path):
    html, _ = render(tmp_path, files={"content/index.md": "# Home [@huxham2005]\n\n[][vignette:road-safety] and "
                                      "(see [Vignette I][vignette:road-safety]).\n"})
    assert ('<a class="xref" href="vignettes/road-safety.md" id="xref-1">Vignette I: Road Safety</a> and (see '
            '<a class="xref" href="vignettes/road-safety.md" id="xref-2" title="Vignette I: Road Safety">Vignette I</a>)'
            ) in html


def test_quotes_get_their_interviewee_code_as_attribution(tmp_path):
    page = ("# Home\n\n[@huxham2005] [][vignette:road-safety]\n\n> 'We are very can do.'\n>\n> — A04 Police\n\n"
            "> 'Second.'\n>\n> — A04 police\n\n> 'Group.'\n>\n> — FGD\n")
    html, _ = render(tmp_path, files={"content/index.md": page})
    # The code links to the extract among all the report's extracts on /voices/.
    assert ('<figure class="quote" id="quote-a04">\n<blockquote>\n<p>\'We are very can do.\'</p>\n</blockquote>\n'
            '<figcaption>— <a href="voices.md#quote-a04" title="This extract among all the report\'s interview '
            'extracts">A04</a>, police<a aria-hidden="true" aria-label="Link to this extract" '
            'class="headerlink passage-link" data-search-exclude="" href="#quote-a04" tabindex="-1" '
            'title="Link to this extract">¶</a></figcaption>\n</figure>') in html
    assert '<figure class="quote" id="quote-a04-2">' in html
    assert '">FGD</a> (focus group, area D)<a aria-hidden="true" aria-label="Link to this extract" class="headerlink passage-link"' in html
    assert html.count("<figure") == 3  # two extracts sharing one block quote are split


def test_bibliography_page_golden(tmp_path):
    kb, _ = load_project(write_project(tmp_path, {}))
    assert render_bibliography(kb) == (
        "# References\n\nEvery work the report cites, as its footnotes give it. Under each, \"Cited in\" links back "
        "to each\npassage of the report that cites it.\n\n"
        "## Huxham and Vangen (2005) { #ref-huxham2005 }\n\n"
        "Huxham, C\\. and Vangen, S\\. \\(2005\\) *Managing to collaborate*\\. Oxon: Routledge\\.\n\n"
        "Cited in:\n\n<!--report:island-->\n<ul>\n<li><a href=\"../#cite-1\">Home</a></li>\n</ul>\n<!--/report:island-->\n\n"
        "## Morse (2010) { #ref-morse2010 }\n\n"
        "Morse, R\\. S\\. \\(2010\\) Integrative public leadership\\. *The Leadership Quarterly*, 21, 231–245\\.\n\n"
        "Cited in:\n\n<!--report:island-->\n<ul>\n<li><a href=\"../vignettes/road-safety/#cite-1\">Vignette I: Road Safety</a>"
        "</li>\n</ul>\n<!--/report:island-->\n\n"
    )
