"""The allowlist (core/sanitize.py): what the sanitiser keeps and removes, what the authors' check says, and
the Content-Security-Policy. The injection table, in Chromium, is tests/test_injection.py."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

import markdown
import pytest

from conftest import MINI_BIB, REPO, write_project
from generator.compile.project import load_project
from generator.compile.htmlcheck import CHECK_EXTENSIONS
from generator.compile.mdext import RenderState, ReportExtension
from generator.compile.render import page_markdown
from generator.compile.sanitize import (CSP_PLACEHOLDER, check_html, clean, content_security_policy, may_hold_html,
                                     with_content_security_policy)
from injection import BLOCKS, INLINE

# The markup of the report's own pages, as the sanitiser writes it: every piece must come out unchanged.
LEGITIMATE = [
    '<h2 data-search-exclude="" id="referenced-by">Referenced by<a class="headerlink" href="#referenced-by" '
    'title="Link to this section">¶</a></h2>',
    '<p id="a--b-p1">Words.<a aria-hidden="true" aria-label="Link to this paragraph" class="headerlink passage-link" '
    'data-search-exclude="" href="#a--b-p1" tabindex="-1" title="Link to this paragraph">¶</a></p>',
    '<p><span class="citation" id="cite-1">(<a aria-describedby="cite-1-1" class="citation__link" '
    'href="../references/#ref-a">A 2005</a><span class="citation__tip" data-search-exclude="" id="cite-1-1" '
    'role="tooltip">A (2005) Title &amp; more &lt;b&gt;.</span>)</span></p>',
    '<p>The <a aria-describedby="term-sfrs-tip" class="term" href="../glossary/#term-sfrs"><abbr '
    'title="Scottish Fire and Rescue Service">SFRS</abbr></a><span class="term__tip" data-search-exclude="" '
    'id="term-sfrs-tip" role="tooltip">Scottish Fire and Rescue Service</span> met.</p>',
    '<figure class="quote" id="quote-a04"><blockquote><p>Words.</p></blockquote><figcaption>— <a '
    'href="../voices/#quote-a04" title="This extract">A04</a>, police</figcaption></figure>',
    '<table><thead><tr><th style="text-align: left;">A</th><th style="text-align: center;">B</th></tr></thead>'
    '<tbody><tr><td style="text-align: right;">1</td><td colspan="2">2</td></tr></tbody></table>',
    '<form class="explorer" id="explorer" hidden="" aria-labelledby="explorer-title"><fieldset><legend>Level'
    '</legend><label><input type="checkbox" name="level" value="primary" checked=""> Primary</label></fieldset>'
    '<p class="explorer__status" id="explorer-status" role="status" aria-live="polite"></p></form>',
    '<a class="example-link" data-areas="A B" data-level="primary" data-services="sfrs" href="../x/#y">x</a>',
    '<nav class="pager" aria-label="Lessons"><p><a href="../b/">Next</a></p></nav>',
    '<ul class="page-references"><li><a href="../references/#ref-a">A 2005</a>: A (2005).</li></ul>',
    '<div class="admonition note"><p class="admonition-title">Note</p><p>x<sup>2</sup> <code>a &lt; b</code>'
    '</p></div><pre><code class="language-html">&lt;script&gt;x&lt;/script&gt;</code></pre>',
    '<p><a href="https://example.org/a_(b)?q=1&amp;r=2">web</a> <a href="mailto:a@example.org">mail</a> '
    '<img alt="chart" src="img/chart.png"></p><!--report:deferred 0-->',
]


@pytest.mark.parametrize("html", LEGITIMATE, ids=range(len(LEGITIMATE)))
def test_the_report_pages_markup_is_kept_as_it_is(html):
    assert clean(html) == html
    assert check_html(html.replace('<form', '<div').replace('</form>', '</div>')
                      .replace('<input type="checkbox" name="level" value="primary" checked="">', "")) == []


def elements(html: str) -> list[tuple]:
    """Every element with its attributes, in order: what a page holds, whatever its serialisation."""
    out: list[tuple] = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            out.append((tag, tuple(sorted((k, v or "") for k, v in attrs))))

        handle_startendtag = handle_starttag

    Parser(convert_charrefs=True).feed(html)
    return out


def test_every_page_of_the_report_keeps_every_element_and_attribute_and_has_nothing_to_report():
    kb, diags = load_project(REPO)
    assert diags.items == []
    pages = [p for p in sorted({*kb.documents, "references.md", "voices.md", "prevention-examples.md",
                                 "lessons/index.md", "areas/index.md"})]
    for page in pages:
        state = RenderState(kb, page)
        md = markdown.Markdown(extensions=[*CHECK_EXTENSIONS, ReportExtension(state)])
        html = md.convert(page_markdown(kb, page))
        assert elements(clean(html)) == elements(html), page
        assert state.unsafe == [], page


EVIL_ENTRY = """
@techreport{evil2020,
  title = {<img src=x onerror=alert(1)> [a link](javascript:alert(2)) *stars*},
  institution = {<b>Org</b> [c](javascript:alert(3))},
  year = {2020}
}
"""


def test_bibtex_fields_are_text_in_citations_and_the_references(tmp_path):
    root = write_project(tmp_path, {"content/index.md": "# Home\n\nSee [Vignette I][vignette:road-safety], "
                                    "[@huxham2005] and [see @evil2020, p. 2].\n",
                                    "references/references.bib": MINI_BIB + EVIL_ENTRY})
    kb, diags = load_project(root)
    assert diags.items == []
    for page in ("index.md", "references.md"):
        state = RenderState(kb, page)
        html = markdown.Markdown(extensions=[*CHECK_EXTENSIONS, ReportExtension(state)]).convert(
            page_markdown(kb, page))
        assert state.unsafe == [], page
        assert "&lt;img src=x onerror=alert(1)&gt; [a link](javascript:alert(2)) *stars*" in html, page
        assert "<img" not in html and "javascript:" not in html.replace("](javascript:", ""), page


UNSAFE_URLS = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "jav&#x61;script:alert(1)", "&#106;avascript:x",
               "javascript&colon;alert(1)", " javascript:alert(1)", "java&#9;script:alert(1)", "vbscript:x",
               "data:text/html,<script>alert(1)</script>", "file:///etc/passwd"]
SAFE_URLS = ["https://example.org/a", "http://example.org/", "mailto:a@example.org", "page/#x", "#x", "../a/",
             "?q=1", "a/b:c"]


@pytest.mark.parametrize("url", UNSAFE_URLS)
def test_a_link_to_any_other_kind_of_url_loses_its_address_and_is_reported(url):
    html = f'<a href="{url}">x</a>'
    assert clean(html) == "<a>x</a>"
    [finding] = check_html(html)
    assert finding.code == "html.unsafe" and "only http:, https: and mailto: links" in finding.message


@pytest.mark.parametrize("url", SAFE_URLS)
def test_web_mail_and_site_links_are_kept(url):
    html = f'<a href="{url}">x</a>'
    assert elements(clean(html)) == elements(html)
    assert check_html(html) == []


@pytest.mark.parametrize("src", ["https://evil.example/a.png", "//evil.example/a.png", "HTTP://evil.example/a.png",
                                 " https://evil.example/a.png", "&#104;ttps://evil.example/a.png"])
def test_an_image_from_another_host_loses_its_address_and_is_reported(src):
    html = f'<p><img alt="x" src="{src}"></p>'
    assert clean(html) == '<p><img alt="x"></p>'
    [finding] = check_html(html)
    assert finding.code == "html.remote-resource"


@pytest.mark.parametrize("html, tag", [
    ("<script>alert(1)</script>", "script"), ('<iframe src="https://evil.example/"></iframe>', "iframe"),
    ('<object data="x.swf"></object>', "object"), ('<embed src="x.swf">', "embed"),
    ('<base href="https://evil.example/">', "base"), ('<meta http-equiv="refresh" content="0;url=/x">', "meta"),
    ('<form action="https://evil.example/"></form>', "form"), ("<style>@import url(x.css);</style>", "style"),
    ('<link rel="preload" href="x.css">', "link"), ('<svg onload="alert(1)"></svg>', "svg"),
    ("<noscript><p>x</p></noscript>", "noscript"),
])
def test_elements_that_run_script_embed_or_change_the_page_are_removed_and_reported(html, tag):
    # The explorer's form is the generator's: the sanitiser keeps a form, but never where it sends to.
    assert clean(html) == "<form></form>" if tag == "form" else f"<{tag}" not in clean(html)
    assert "alert(1)" not in clean(html) and "evil.example" not in clean(html)
    codes = [f.code for f in check_html(html)]
    assert codes and set(codes) <= {"html.unsafe", "html.remote-resource"}
    assert f"'<{tag}>' is not allowed" in check_html(html)[0].message or codes == ["html.remote-resource"]


@pytest.mark.parametrize("attribute", ['onclick="alert(1)"', 'onmouseover="alert(1)"', 'ONFOCUS="alert(1)"',
                                       'style="background:url(https://evil.example/x)"'])
def test_handlers_and_styles_are_removed_and_reported(attribute):
    html = f"<p {attribute}>x</p>"
    assert clean(html) == "<p>x</p>"
    [finding] = check_html(html)
    assert finding.code == "html.unsafe"


def test_an_element_or_attribute_outside_the_allowlist_is_reported_not_silently_dropped():
    html = '<marquee>x</marquee><p autofocus tabindex="0">y</p><a href="#z" tabindex="0">z</a>'
    assert [f.code for f in check_html(html)] == ["html.not-allowed"] * 4
    assert clean(html) == 'x<p>y</p><a href="#z">z</a>'


@pytest.mark.parametrize("name", list(BLOCKS))
def test_every_payload_makes_its_page_one_to_render_and_check(name):
    assert may_hold_html(BLOCKS[name][0])


@pytest.mark.parametrize("text", [INLINE, "[x](<javascript:y>)", "[x]: data:text/html,y\n\n[x][]", "![x](y.png)",
                                  "*a*{: .c onclick=x }", "*a*{: title=\"}\" onclick=alert(1) }",
                                  "```{.html onclick=x}\ny\n```", "[x](HTTPS://example.org)"])
def test_markup_beyond_plain_markdown_is_noticed(text):
    assert may_hold_html(text)


def test_plain_markdown_with_safe_links_and_the_reports_declarations_needs_no_rendering():
    text = ("# Title { #t }\n\nWords [a page](page.md#x), [web](https://example.org/a_(b)) and [mail](mailto:a@b.org)."
            "\n\n- **Lesson:** words {#lesson:a}\n\n[words]{#example:x level=primary services=\"SFRS, partners\"} "
            "[@key, p. 3] [][vignette:x] ['quote' (A04)]{#quote}.\n\n[ref]: https://example.org/\n")
    assert not may_hold_html(text)


PAGE = ('<html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="'
        f'{CSP_PLACEHOLDER}"><script>var a = 1;</script><script id="__config" type="application/json">{{}}'
        '</script></head><body><script src="x.js"></script><script>\nb()\n</script></body></html>')


def sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_the_policy_allows_the_pages_own_inline_scripts_by_hash_and_nothing_from_elsewhere():
    policy = content_security_policy(PAGE)
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == f"'self' {sha256('var a = 1;')} {sha256(chr(10) + 'b()' + chr(10))}"
    assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'"
    assert directives["frame-src"] == "'none'" and directives["base-uri"] == "'self'"
    assert directives["form-action"] == "'self'" and directives["img-src"] == "'self' data:"
    filled = with_content_security_policy(PAGE)
    assert f'content="{policy}"' in filled and CSP_PLACEHOLDER not in filled


def test_a_policy_after_a_script_would_not_cover_it():
    late = PAGE.replace('<meta http-equiv', '<script>x()</script><meta http-equiv')
    with pytest.raises(ValueError, match="before its first script"):
        with_content_security_policy(late)
    with pytest.raises(ValueError):
        with_content_security_policy(re.sub(CSP_PLACEHOLDER, "", PAGE))
