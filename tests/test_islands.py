"""HTML the generator renders itself (islands) and carries through a page's Markdown untouched: what makes
the large generated pages cheap (issue #7) without changing what the reader gets. Tiny projects in
tmp_path, and the real site for the search index."""

from __future__ import annotations

import json
import re

import markdown
import pytest

from generator.compile.fragments import Fragments
from generator.compile.islands import island, restore_deferred
from generator.compile.mdext import RenderState, ReportExtension
from generator.compile.render import page_markdown
from generator.knowledge.sitemap import relative_url, site_url
from test_knowledge import load
from conftest import REPO


@pytest.mark.parametrize("page, url", [
    ("index.md", ""), ("voices.md", "voices/"), ("vignettes/road-safety.md", "vignettes/road-safety/"),
    ("areas/index.md", "areas/"), ("areas/a.md", "areas/a/"),
])
def test_every_page_has_its_public_folder_url(page, url):
    assert site_url(page) == url


@pytest.mark.parametrize("target, origin, anchor, link", [
    ("vignettes/road-safety.md", "voices.md", "q", "../vignettes/road-safety/#q"),
    ("index.md", "voices.md", "", "../"),
    ("areas/a.md", "areas/index.md", "", "a/"),
    ("areas/index.md", "areas/a.md", "", "../"),
    ("areas/b.md", "vignettes/road-safety.md", "", "../../areas/b/"),
    ("voices.md", "index.md", "x", "voices/#x"),
    ("voices.md", "voices.md", "x", "#x"),
    ("index.md", "index.md", "", "./"),
])
def test_links_in_islands_are_relative_to_the_pages_own_url(target, origin, anchor, link):
    assert relative_url(target, origin, anchor) == link


def test_relative_urls_between_every_two_pages_are_what_relpath_gives():
    import posixpath

    from generator.compile.project import load_project
    from generator.knowledge.sitemap import generated_page_paths

    kb, _ = load_project(REPO)
    pages = [*kb.documents, *generated_page_paths(kb), "a/b/c/d.md", "a/b/index.md", "a/x/y.md"]
    for target in pages:
        for origin in pages:
            rel = posixpath.relpath(site_url(target) or ".", site_url(origin) or ".")
            expected = "#top" if target == origin else ("./" if rel == "." else rel + "/") + "#top"
            assert relative_url(target, origin, "top") == expected, (target, origin)


def convert(kb, page, text):
    state = RenderState(kb, page=page)
    md = markdown.Markdown(extensions=["attr_list", "toc", ReportExtension(state)])
    return md.convert(text), state


def test_an_island_is_passed_through_whole_and_its_ids_are_told_to_the_host(tmp_path):
    kb, _ = load(tmp_path)
    html, state = convert(kb, "voices.md", "# V\n\nBefore *this*.\n" + island(
        '<div class="x" id="made-here">\n*not emphasis* [not a link](a.md) SFRS\n\n<p id="second">[@morse2010]</p>\n</div>')
        + "After *that*.\n")
    assert ('<div class="x" id="made-here">\n*not emphasis* [not a link](a.md) SFRS\n\n<p id="second">[@morse2010]'
            '</p>\n</div>') in html
    assert "<em>this</em>" in html and "<em>that</em>" in html
    assert "report:island" not in html
    assert state.island_ids == {"made-here", "second"}


def test_a_term_an_island_links_is_not_linked_again_by_the_page(tmp_path):
    kb, _ = load(tmp_path)
    fragments = Fragments(kb, "voices.md")
    inner = fragments.html("The SFRS said so, and the SFRS again.")
    assert inner.count('class="term"') == 1 and 'href="../glossary/#term-sfrs"' in inner
    html, _ = convert(kb, "voices.md", "# V\n" + island(inner, fragments.new_terms()) + "The SFRS, later.\n")
    assert html.count('class="term"') == 1 and html.count('id="term-sfrs-tip"') == 1
    assert '<p>The <abbr title="Scottish Fire and Rescue Service">SFRS</abbr>, later.</p>' in html
    # A term the page's own text uses before the island stays the page's to link.
    fragments = Fragments(kb, "voices.md", seen={"term:sfrs"})
    assert 'class="term"' not in fragments.text("SFRS") and fragments.new_terms() == []


def test_snippets_never_reuse_the_pages_ids(tmp_path):
    kb, _ = load(tmp_path)
    fragments = Fragments(kb, "voices.md")
    first = fragments.html("As [@morse2010] says, see [][vignette:road-safety].")
    second = fragments.html("And [@morse2010] again, see [][vignette:road-safety].")
    ids = re.findall(r'\sid="([^"]+)"', first + second)
    assert ids == ["cite-f1", "cite-f1-1", "xref-f1", "cite-f2", "cite-f2-1", "xref-f2"]
    assert 'href="../vignettes/road-safety/"' in first
    assert 'href="../references/#ref-morse2010"' in first
    assert "References" not in first  # the page lists its own references, not each snippet


def test_generated_pages_put_their_extracts_in_islands_with_the_same_figures(tmp_path):
    kb, _ = load(tmp_path)
    html, state = convert(kb, "voices.md", page_markdown(kb, "voices.md"))
    figures = re.findall(r'<figure class="voice" id="([^"]+)">', html)
    assert figures == [q.place.anchor for q in kb.quotes.values()]
    assert set(figures) <= state.island_ids
    assert ('<figcaption>\n<p>— B11, fire, <a href="../areas/b/">area B</a> · <a href="../practices/#quote-b11">'
            'In context: Practices › Making sense of prevention</a></p>\n</figcaption>') in html
    assert all('data-search-exclude=""' in h for h in re.findall(r"<h[23][^>]*>", html))


def test_islands_search_leaves_out_are_deferred_and_put_back_unchanged(tmp_path):
    """A host that indexes pages before writing them gets unindexed islands as placeholders, then the
    same page once it puts them back; indexed islands and the page's own words are never deferred."""
    kb, _ = load(tmp_path)
    text = ("# V\n\n## Extracts { data-search-exclude=\"\" }\n\n"
            + island('<figure id="q1"><p>one</p></figure>', indexed=False) + "\nWords *here*.\n\n"
            + island('<p id="shown">indexed</p>')
            + island('<figure id="q2"><p>two</p></figure>', indexed=False))
    whole, plain = convert(kb, "voices.md", text)
    state = RenderState(kb, page="voices.md", defer_unindexed=True)
    md = markdown.Markdown(extensions=["attr_list", "toc", ReportExtension(state)])
    deferred_html = md.convert(text)
    assert state.deferred == ['<figure id="q1"><p>one</p></figure>', '<figure id="q2"><p>two</p></figure>']
    assert "one" not in deferred_html and "two" not in deferred_html
    assert '<p id="shown">indexed</p>' in deferred_html and "<em>here</em>" in deferred_html
    assert restore_deferred(deferred_html, state.deferred) == whole
    assert state.island_ids == plain.island_ids == {"q1", "shown", "q2"}  # still told to the host's link checks
    md.convert("# Next page\n")  # every page starts with nothing deferred
    assert state.deferred == []


def test_no_placeholder_reaches_the_built_site(built_site):
    pages = list(built_site.rglob("*.html"))
    assert len(pages) > 20
    assert not [p for p in pages if "report:deferred" in p.read_text(encoding="utf-8")]
    voices = (built_site / "voices" / "index.html").read_text(encoding="utf-8")
    from generator.compile.project import load_project

    kb, _ = load_project(REPO)
    assert voices.count('<figure class="voice"') == len(kb.quotes) > 0  # every extract, put back


def test_the_voices_copies_of_extracts_stay_out_of_the_search_index(built_site):
    """Search finds each extract where the report quotes it; Voices is found by its own words."""
    docs = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    voices = [d for d in docs if d["location"].startswith("voices/")]
    assert [d["location"] for d in voices] == ["voices/"] and "Every interview extract" in voices[0]["text"]
    words = "it’s been years since I’ve been at meetings"
    assert [d["location"] for d in docs if words in d["text"]] == ["partnership-working-and-innovation/#the-partnership-and-innovation-landscape"]


PLAIN_AND_NOT = [
    "'We're all trying to do more with less.' It's the SFRS and the SFRS.",
    "A -- B, 1990 was: fine... (really) \"quoted\" — yes?",
    "*emphasis* here", "a [link](x.md)", "an [@morse2010] citation", "1. a list", "- a list", "> a quote",
    "# heading", "two  \nlines", "tab\there", "&amp; entity", "<b>html</b>", "`code`", "under_score",
    " leading space", "trailing space ", "a\n\nb", "x{#lesson:y}", "== setext", "back\\slash",
]


@pytest.mark.parametrize("text", PLAIN_AND_NOT)
def test_plain_extracts_skip_markdown_but_come_out_the_same(tmp_path, text, monkeypatch):
    import generator.compile.fragments as fragments

    kb, _ = load(tmp_path)
    fast = Fragments(kb, "voices.md").html(text)
    monkeypatch.setattr(fragments, "_is_plain_paragraph", lambda markdown: False)
    assert fast == Fragments(kb, "voices.md").html(text)


def test_every_extract_of_the_report_renders_the_same_with_or_without_the_plain_text_path(monkeypatch):
    from pathlib import Path

    import generator.compile.fragments as fragments
    from generator.compile.project import load_project

    kb, _ = load_project(Path(__file__).resolve().parents[1])
    texts = [q.markdown for q in kb.quotes.values()]
    assert sum(fragments._is_plain_paragraph(t) for t in texts) > len(texts) // 2  # the path is used
    fast = Fragments(kb, "voices.md")
    fast_html = [fast.html(t) for t in texts]
    monkeypatch.setattr(fragments, "_is_plain_paragraph", lambda markdown: False)
    slow = Fragments(kb, "voices.md")
    assert fast_html == [slow.html(t) for t in texts]


def test_the_quick_pass_over_words_finds_the_same_abbreviations_as_the_pattern(tmp_path):
    from pathlib import Path

    from generator.compile.project import load_project
    from generator.knowledge.glossary import term_pattern, terms_used

    kb, _ = load_project(Path(__file__).resolve().parents[1])
    pattern = term_pattern(kb)
    texts = [doc.body for doc in kb.documents.values()] + [
        "CPPs and P&P, &NHS; NHS_x NHS2 IT's (SFRS) SFRSs NatCen-led UKs UK.", "PCs PCS pc SPA&"]
    for text in texts:
        assert terms_used(kb, text) == {m.group(1) for m in pattern.finditer(text)}
    assert terms_used(kb, texts[-2]) == {"CPP", "P&P", "IT", "SFRS", "NatCen", "UK"}


def test_the_fast_term_search_finds_exactly_what_the_pattern_finds():
    """TermProcessor marks the matches of ``term_matches``: the same places, words and plurals as the
    pattern's own ``finditer``, on every page and on words glued to letters, digits, _, & or accents."""
    from pathlib import Path

    from generator.compile.project import load_project
    from generator.knowledge.glossary import term_pattern
    from generator.compile.terms import term_matches

    kb, _ = load_project(Path(__file__).resolve().parents[1])
    pattern = term_pattern(kb)
    texts = [doc.body for doc in kb.documents.values()] + [q.markdown for q in kb.quotes.values()] + [
        "CPPs and P&P, &NHS; NHS_x NHS2 IT's (SFRS) SFRSs NatCen-led UKs UK.", "PCs PCS pc SPA&",
        "XSFRS éSFRS SFRSé 2SFRS _SFRS SFRS_ SFRSSFRS SFRS SFRS", "SFRS", "", "P&P&P P&PP &P&P"]
    found = 0
    for text in texts:
        spans = [(m.span(), m.groups()) for m in term_matches(pattern, text)]
        assert spans == [(m.span(), m.groups()) for m in pattern.finditer(text)], text[:80]
        found += len(spans)
    assert found > 50


def test_the_lists_of_links_on_entity_pages_stay_out_of_the_search_index(built_site):
    """"Referenced by" and "Related passages" repeat the titles of other pages: indexed (and boosted, on
    entity pages), they came before the pages themselves in the results."""
    docs = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    assert not [d["location"] for d in docs if d["title"] in ("Referenced by", "Related passages")]
    assert any(d["location"] == "vignettes/road-safety/#why-was-this-initiative-needed" for d in docs)


def test_an_author_cannot_write_the_generators_island_marker(tmp_path):
    from test_knowledge import problems

    found = problems(tmp_path, content__index_md="# Home\n\nSee [][vignette:road-safety] [@huxham2005].\n\n"
                     "<!--report:island-->\n<p>unchecked</p>\n<!--/report:island-->\n")
    assert [p for p in found if "markdown.island-marker" in p] == [
        "content/index.md:5: '<!--report:island-->' is the generator's own marker for HTML it renders itself "
        "(nothing inside it would be checked) — remove it, and write any HTML as ordinary raw HTML. "
        "[markdown.island-marker]"]
    found = problems(tmp_path, content__index_md="# Home\n\nSee [][vignette:road-safety] [@huxham2005].\n\n"
                     "<!--report:deferred 0-->\n")  # a placeholder the site fills with an island
    assert [p for p in found if "markdown.island-marker" in p] == [
        "content/index.md:5: '<!--report:deferred-->' is the generator's own marker for HTML it renders itself "
        "(nothing inside it would be checked) — remove it, and write any HTML as ordinary raw HTML. "
        "[markdown.island-marker]"]


PLAIN_OR_NOT_INLINE = [
    "Plain words, 'quoted' – and (brackets) 100% ok?", "two  \nlines", "x * y and a*b*c", "snake_case_word",
    "__strong__", "&amp; &copy", "a <b>tag</b>", "<http://example.org>", "`code`", "back\\slash \\*",
    "![image](x.png)", "[link](x.md)", "[@morse2010]", "[words]{#quote}", "text {: .class }", "SFRS and CPPs",
    "line one\nline two", "## Heading { #custom-id }", "## Heading { data-search-exclude=\"\" }",
    "<div class=\"x\">raw *not*</div>\n\nAfter *it*.", "Paragraph\n{: .cls }", "<p markdown>in *html*</p>", "| a | b |\n|---|---|\n| 1 | 2 |", "> quoted\n> — A04 Police", "- item *one*\n- item two",
]


def _site_markdown(kb, page, text, plain_text_path: bool):
    state = RenderState(kb, page=page)
    md = markdown.Markdown(extensions=["toc", "tables", "attr_list", "md_in_html", "admonition", ReportExtension(state)])
    if not plain_text_path:
        md.treeprocessors.deregister("report-plain-text")
    return md.convert(text)


def test_text_no_inline_pattern_can_change_skips_them_with_the_same_html(tmp_path):
    """Python-Markdown is spared trying its inline patterns on plain prose; every page of the report and
    every kind of inline markup come out exactly as when it tries them."""
    from generator.compile.project import load_project

    kb, _ = load_project(REPO)
    pages = {page: page_markdown(kb, page) for page in kb.documents}
    assert len(pages) > 10
    for page, text in pages.items():
        assert _site_markdown(kb, page, text, True) == _site_markdown(kb, page, text, False), page
    small, _ = load(tmp_path)
    for text in PLAIN_OR_NOT_INLINE:
        assert _site_markdown(small, "index.md", text, True) == _site_markdown(small, "index.md", text, False), text


def test_the_plain_text_path_steps_aside_for_inline_patterns_it_does_not_know():
    from markdown.inlinepatterns import SimpleTagInlineProcessor

    from generator.compile.plaintext import inline_triggers, may_match_inline

    md = markdown.Markdown(extensions=["attr_list"])
    assert not may_match_inline("a ~~b~~", inline_triggers(md))  # nothing of Python-Markdown's own matches it
    md.inlinePatterns.register(SimpleTagInlineProcessor(r"(~~)(.+?)~~", "del"), "del", 75)
    assert inline_triggers(md) is None
    md.inlinePatterns.deregister("del")
    assert not may_match_inline("x^2", inline_triggers(md))
    md.inlinePatterns["em_strong"].tokens.append("^")  # an extension's own delimiter
    assert may_match_inline("x^2", inline_triggers(md))



def test_marked_texts_are_shared_between_pages_and_come_out_as_if_marked_afresh(tmp_path):
    """A vignette's services and partners repeat across pages: their marking is kept on the knowledge base
    and reused only where the same terms are already linked and the glossary is as far away."""
    kb, _ = load(tmp_path)
    sequence = ["Police Scotland, SFRS", "SFRS and council", "Police Scotland, SFRS", "plain words"]
    pages = ["vignettes/a.md", "vignettes/b.md", "voices.md", "areas/a.md", "vignettes/a.md"]

    def marked(kb, page):
        fragments = Fragments(kb, page)
        return [fragments.text(t) for t in sequence], fragments.new_terms()

    shared = [marked(kb, page) for page in pages]
    afresh = [marked(load(tmp_path / str(i))[0], page) for i, page in enumerate(pages)]
    assert shared == afresh
    first, later = shared[0][0][0], shared[0][0][2]
    assert 'class="term"' in first and 'class="term"' not in later  # linked once a page, then <abbr> only
    assert 'href="../../glossary/#term-sfrs"' in first and 'href="../glossary/#term-sfrs"' in shared[2][0][0]
