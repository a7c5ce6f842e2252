"""The site's search index is Material's, made faster (generator/hosts/mkdocs/search.py): Material's own parser,
its handlers fed by our tokenizer instead of Python's ``HTMLParser``. What a reader finds must not change, so
every test here compares with Material's own parser: the calls its handlers get, the sections it makes, the
index it writes. On every page of the real report, and on HTML made to reach every branch, the fallback to
``HTMLParser`` included. Pages are untrusted: one that does not fit the grammar is known to at once, however
long (under the watchdog, tests/watchdog.py: a hang fails)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from material.plugins.search.plugin import Parser, SearchIndex, SearchPlugin
from mkdocs.commands.build import build
from mkdocs.config import load_config

from conftest import REPO
from watchdog import Watchdog
from generator.hosts.mkdocs.search import FasterSearchIndex, SectionParser, read_faster, within_grammar


def recorded(parser_class: type[Parser], html: str) -> tuple[list[tuple], list[tuple]]:
    """Every call Material's handlers get from ``parser_class`` fed ``html`` whole and closed, and the sections
    made (heading, id, title, text, excluded)."""
    calls: list[tuple] = []

    class Recording(parser_class):
        def handle_starttag(self, tag, attrs):
            calls.append(("start", tag, list(attrs)))
            super().handle_starttag(tag, attrs)

        def handle_endtag(self, tag):
            calls.append(("end", tag))
            super().handle_endtag(tag)

        def handle_data(self, data):
            calls.append(("data", data))
            super().handle_data(data)

    parser = Recording()
    parser.feed(html)
    parser.close()
    return calls, [(s.el.tag, s.id, s.title, s.text, s.is_excluded()) for s in parser.data]


# HTML as the sanitiser writes it, each reaching a part of the tokenizer.
WITHIN = {
    "headings and sections": '<p>Preface</p>\n<h2 id="why">Why <a class="headerlink" href="#why" title="Link">¶</a>'
                             '</h2>\n<p>Because.</p>\n<h3 id="how">How</h3>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>',
    "entities in text and attributes": '<p title="&quot;A&quot; &amp; B">Tom &amp; Jerry &lt;3 &gt; 2 — '
                                       '&nbsp;&#8211;&#x2014;&copy</p>',
    "an attribute without a value, and an empty one": '<details open=""><summary>More</summary>'
                                                      '<p hidden>x</p><p class="">y</p></details>',
    "void and self-closing elements": '<p>a<br>b<br/>c<br />d<img src="a.png" alt="A"><hr></p>',
    "comments (the deferred islands' markers)": '<p>a</p><!--report:deferred 0--><!-- two - dashes apart -->'
                                                '<p>b</p><!---->',
    "a heading nested in another element": '<div class="admonition"><h2 id="in">In</h2><p>inside</p></div>'
                                           '<p>after</p><h2 id="out">Out</h2>',
    "excluded from search": '<h2 id="a">A</h2><div data-search-exclude><p>hidden</p></div><p>shown</p>',
    "preformatted text": '<pre><code>line 1\n  line 2\n\n</code></pre><p>a\nb   c</p>',
    "whitespace inside tags, and text that is only whitespace": '<p  class="x"\n id="y" >a</p >\n\n  <p>b</p>',
    "a stray end tag": '</p><p>a</span></p>',
    "a table": '<table><thead><tr><th style="text-align: left;">H</th></tr></thead>'
               '<tbody><tr><td>1</td></tr></tbody></table>',
    "nothing": "",
    "only text": "a & b",
}
# HTML outside the sanitiser's grammar: HTMLParser reads it, as before.
OUTSIDE = {
    "a script": '<p>a</p><script>if (a < b) { x = "</p>"; }</script><p>b</p>',
    "a style": "<style>p > a { color: red }</style><p>a</p>",
    "a textarea": "<textarea><p>not a tag</p></textarea>",
    "upper-case tags": "<P>a</P>",
    "an upper-case attribute": '<p CLASS="x">a</p>',
    "single-quoted values": "<p class='x'>a</p>",
    "unquoted values": "<p class=x>a</p>",
    "a doctype": "<!DOCTYPE html><p>a</p>",
    "a processing instruction": "<?xml version='1.0'?><p>a</p>",
    "a CDATA section": "<p>a<![CDATA[ b ]]></p>",
    "a lone <": "<p>a < b</p>",
    "a comment with -- inside": "<!-- a -- > b --><p>c</p>",
    "a comment ending in -": "<!-- a ---><p>c</p>",
    "an end tag with attributes": '<p>a</p class="x">',
    "a custom element": "<my-element>a</my-element>",
    "an unclosed tag at the end": "<p>a</p><p",
}


@pytest.mark.parametrize("html", WITHIN.values(), ids=WITHIN.keys())
def test_html_as_the_sanitiser_writes_it_is_read_as_htmlparser_reads_it(html):
    assert within_grammar(html), "the fast path must take this HTML"
    assert recorded(SectionParser, html) == recorded(Parser, html)


@pytest.mark.parametrize("html", OUTSIDE.values(), ids=OUTSIDE.keys())
def test_html_outside_the_grammar_goes_to_htmlparser_and_gives_the_same_sections(html):
    assert not within_grammar(html)
    assert recorded(SectionParser, html) == recorded(Parser, html)


# Long pages that do not fit at their very end: each is decided at its misfit, however long the text before it.
MISFITS = {
    "long text, then a lone <": "a" * 100_000 + "<",
    "many tags, then one unclosed": "<p>" * 30_000 + "<p",
    "many attributes, then a bare =": "<p" + " a" * 50_000 + " =>",
    "a long comment never closed": "<!--" + "a-" * 50_000,
    "a long attribute value never closed": '<p title="' + "a" * 100_000,
}


def test_a_long_page_outside_the_grammar_is_decided_without_hanging():
    with Watchdog() as run:
        for name, html in MISFITS.items():
            assert run(within_grammar, html, what=name) is False, name


@pytest.fixture(scope="module")
def report_build(tmp_path_factory):
    """The real report built in this process: every page as the build hands it to the search index (what the
    index reads of it), the kind of index Material's search plugin had, its settings and the index it wrote. All
    taken at once: this worker may build other sites later, with the same plugin instances (MkDocs keeps them)."""
    pages = []
    add = FasterSearchIndex.add_entry_from_context

    def keep(self, page):
        pages.append(SimpleNamespace(uri=page.file.src_uri, content=page.content, meta=page.meta, toc=page.toc,
                                     url=page.url, title=page.title))
        add(self, page)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(FasterSearchIndex, "add_entry_from_context", keep)
        config = load_config(config_file=str(REPO / "mkdocs.yml"), site_dir=str(tmp_path_factory.mktemp("site")))
        build(config)
    index = next(p for p in config.plugins.values() if isinstance(p, SearchPlugin)).search_index
    return SimpleNamespace(pages=pages, kind=type(index), settings=dict(index.config),
                           written=json.loads(index.generate_search_index(None)))


def test_every_page_of_the_report_takes_the_fast_path_and_gives_materials_sections(report_build):
    assert len(report_build.pages) > 25
    outside = [page.uri for page in report_build.pages if not within_grammar(page.content)]
    assert not outside, f"pages the sanitiser wrote outside the tokenizer's grammar: {outside}"
    for page in report_build.pages:
        assert recorded(SectionParser, page.content) == recorded(Parser, page.content), page.uri


def test_the_reports_search_index_is_the_one_material_would_write(report_build):
    assert report_build.kind is FasterSearchIndex
    material = SearchIndex(**report_build.settings)
    for page in report_build.pages:
        material.add_entry_from_context(page)
    assert len(report_build.written["docs"]) > 100
    assert report_build.written == json.loads(material.generate_search_index(None))


def test_only_materials_own_search_index_is_replaced():
    """A site whose search index is not Material's own (a plugin's subclass, say) keeps it; Material's own is
    replaced by one with the same settings."""
    class Other(SearchIndex):
        pass

    own, other = SearchPlugin(), SearchPlugin()
    own.search_index = SearchIndex(lang=["en"], separator=" ", pipeline=[], fields={})
    other.search_index = Other(lang=["en"], separator=" ", pipeline=[], fields={})
    read_faster(SimpleNamespace(plugins={"search": own, "material/search": other, "report": object()}))
    assert type(own.search_index) is FasterSearchIndex
    assert own.search_index.config == {"lang": ["en"], "separator": " ", "pipeline": [], "fields": {}}
    assert type(other.search_index) is Other
