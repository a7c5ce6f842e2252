"""The real report, built by `report build`: complete, faithful, cited, and linked both ways."""

from __future__ import annotations

import re

import pybtex.database
import pytest

from conftest import REPO, SOURCE
from sitehtml import norm, read_site, resolve

ATTRIB = re.compile(r"\s*\((?P<code>FG[A-D]|[A-D]\d\d(?: \w+)?)\)\s*$")


def errata() -> list[tuple[str, str]]:
    """(printed, corrected) pairs from the About page's errata table: every correction is declared."""
    about = (REPO / "content" / "about.md").read_text(encoding="utf-8")
    section = about[about.index("## Errata"):]
    rows = re.findall(r"^\|([^|\n]*)\|([^|\n]*)\|([^|\n]*)\|\s*$", section, re.M)
    pairs = [(p.strip().strip('"“”`'), c.strip().strip('"“”`')) for _, p, c in rows[2:]]
    assert pairs, "the About page lists no errata"
    return pairs


def source_units() -> tuple[list[str], list[str]]:
    """Every paragraph, list item, heading and quote of the report's text, and the quotes' codes."""
    text = SOURCE.read_text(encoding="utf-8")
    body = text[text.index("# Executive Summary"):text.index("© Crown copyright 2018")]
    for printed, corrected in errata():
        body = body.replace(printed, corrected)
    units, codes, in_footnote = [], [], False
    for line in body.split("\n"):
        s = line.strip()
        if not s:
            in_footnote = False
            continue
        if s == "---" or re.match(r"^<sup>\d+</sup>", s) or in_footnote:
            in_footnote = True  # a footnote block: its text is in references/*.bib
            continue
        s = re.sub(r"<sup>\d+</sup>", "", s)
        s = re.sub(r"^#+\s*", "", s)
        s = re.sub(r"^(?:[-*]|\d+\.)\s+", "", s)
        s = re.sub(r"\*\*|(?<!\w)\*|\*(?!\w)", "", s).replace("<b>", "").replace("</b>", "")
        s = s.strip()
        m = ATTRIB.search(s)
        # A stand-alone extract (or the second half of one split by a page break) ends with its code;
        # running text that merely ends with an inline code starts with a capital letter.
        if m and (s[0] in "'‘\"“[(" or s[0].islower()):
            codes.append(m["code"])
            s = s[:m.start()]
        if s:
            units.append(norm(s))
    return units, codes


@pytest.fixture(scope="module")
def pages(built_site):
    return read_site(built_site)


def test_every_paragraph_list_item_and_quote_of_the_report_is_on_the_site(pages):
    site_text = norm(" ".join(p.text for p in pages.values()))
    units, _ = source_units()
    assert len(units) > 250
    missing = [u for u in units if u not in site_text]
    assert missing == []


def test_every_interview_extract_keeps_its_code(pages):
    _, codes = source_units()
    generated = ("voices/", "areas/", "lessons/")  # these repeat extracts from the report's pages
    captions = [c for k in sorted(pages) if not k.startswith(generated) for c in pages[k].captions]
    shown = sorted(re.sub(r"^— (\w+)(?:, (\w+))?.*$", lambda m: (m[1] + (" " + m[2] if m[2] else "")).lower(), c)
                   for c in captions)
    assert len(codes) >= 28
    assert shown == sorted(c.lower() for c in codes)


def test_every_citation_resolves_and_every_source_is_cited(pages, built_site):
    citations = [(k, href) for k, p in pages.items() for href, a in p.links if "citation__link" in a.get("class", "")]
    assert len(citations) == 20  # the report's 20 footnotes
    refs = pages["references/index.html"]
    for page, href in citations:
        target, frag = resolve(built_site, page, href)
        assert target == "references/index.html" and frag in refs.ids, href
    source_ids = sorted(i for i in refs.ids if i.startswith("ref-"))
    assert len(source_ids) == 17
    html = (built_site / "references" / "index.html").read_text(encoding="utf-8")
    for sid in source_ids:
        section = html[html.index(f'id="{sid}"'):]
        section = section[:section.index("<h2", 1)] if "<h2" in section[1:] else section
        back = re.findall(r'href="([^"]+#cite-\d+)"', section)
        assert back, f"{sid} has no 'Cited in' link"
        for href in back:
            target, frag = resolve(built_site, "references/index.html", href)
            assert frag in pages[target].ids
            # ... and that passage links back to this very source
            assert any(h.endswith(f"#{sid}") for h, _ in pages[target].links)


def test_references_name_each_work_as_the_reports_footnotes_do(pages):
    """Authors and their initials as the footnotes print them (Huxham and Vangen without any); "n.d." where
    the report gives no year, never a year of our own."""
    text = norm(pages["references/index.html"].text)
    for label, reference in (
        ("Police Scotland (n.d.)", "Police Scotland (n.d.) Policing 2026: Our 10 Year Strategy for Policing"),
        ("Institute for Work & Health (n.d.)", "Institute for Work & Health (n.d.) What researchers mean by primary"),
        ("Huxham and Vangen (2005)", "Huxham and Vangen (2005) Managing to collaborate:"),
        ("O'Neill and McCarthy (2014)", "O'Neill, M. and McCarthy, D. J. (2014) (Re)negotiating police culture"),
        ("Morse (2010)", "Morse, R. S. (2010) Integrative public leadership"),
        ("Williams (2012)", "Williams, P. (2012) Collaboration in Public Policy and Practice"),
        ("Frondigoun et al. (2013)", "Frondigoun, L., Smith, R. and MacLeod, I. (2013) The Scottish Campus Officer"),
    ):
        assert f"{label} {reference}" in text, label


def test_every_work_has_an_author_a_citation_manager_can_read():
    """Zotero, Pandoc and other BibTeX readers take the author from ``author`` only (``organization`` is not
    one): every work the report cites names who wrote it, in the text or its footnote."""
    bib = pybtex.database.parse_file(REPO / "references" / "references.bib")
    assert [key for key, entry in bib.entries.items() if not entry.persons.get("author")] == []
    assert str(bib.entries["policing2026"].persons["author"][0]) == "{Police Scotland}"


def test_no_internal_link_or_anchor_is_broken(pages, built_site):
    broken = []
    for key, page in pages.items():
        for href, _ in page.links:
            hit = resolve(built_site, key, href)
            if hit is None:
                continue
            target, frag = hit
            if target not in pages and not (built_site / target).exists():
                broken.append(f"{key}: {href}")
            elif frag and target in pages and frag not in pages[target].ids:
                broken.append(f"{key}: {href} (no #{frag})")
    assert broken == []


def test_vignettes_have_stable_urls_and_titles(pages):
    expected = {
        "vignettes/mental-health-community-triage/index.html": "Vignette I: Mental health community triage",
        "vignettes/community-safety-hub/index.html": "Vignette II: A Community Safety Hub",
        "vignettes/road-safety/index.html": "Vignette III: Road Safety",
        "vignettes/safety-in-the-home/index.html": "Vignette IV: Safety in the home",
    }
    for key, title in expected.items():
        assert f"\n{title}\n" in pages[key].text


def test_site_is_british_english_and_fetches_no_fonts_from_google(built_site):
    html = (built_site / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en-GB"' in html
    assert "fonts.googleapis.com" not in html and "fonts.gstatic.com" not in html


def test_one_title_per_page(built_site):
    for path in built_site.rglob("index.html"):
        assert len(re.findall(r"<h1[ >]", path.read_text(encoding="utf-8"))) == 1, path


SECTION_RE = re.compile(r'<h[2-6]\b[^>]*\bid="([^"]+)"[^>]*>(?:(?!</h[1-6]>).)*<a class="headerlink"', re.S)
ON_THIS_PAGE_RE = re.compile(r'<nav class="md-nav md-nav--secondary"[^>]*>(.*?)</nav>\s*</div>', re.S)


def test_every_page_lists_its_sections_under_on_this_page(built_site):
    """The sidebar's table of contents ("On this page") links every section heading of the page's text, in
    order: the compile step hands MkDocs each page's table of contents, since MkDocs renders only its title."""
    with_sections = 0
    for path in sorted(built_site.rglob("*.html")):
        html = path.read_text(encoding="utf-8")
        if "<article" not in html:
            continue
        sections = SECTION_RE.findall(html[html.index("<article"):html.index("</article>")])
        nav = ON_THIS_PAGE_RE.search(html)
        listed = re.findall(r'<a href="#([^"]+)" class="md-nav__link"', nav[1]) if nav else []
        assert listed == sections, path
        with_sections += bool(sections)
    assert with_sections >= 20  # chapters, vignettes, lessons, areas, the generated pages


def test_a_page_without_a_navigation_label_is_titled_by_its_heading(built_site):
    """Pages out of the navigation (areas, lessons) and a section's index page take the browser tab's title, the
    header's and the footer's "Next"/"Previous" from their first heading, which MkDocs still renders for that."""
    paths = [*built_site.glob("areas/?/index.html"), *built_site.glob("lessons/*/index.html"),
             built_site / "vignettes" / "index.html"]
    assert len(paths) == 9
    for path in paths:
        html = path.read_text(encoding="utf-8")
        heading = re.search(r"<h1[^>]*>(.*?)<a class=\"headerlink\"", html, re.S)[1]
        title = re.search(r"<title>(.*?) - Partnership, Innovation and Prevention</title>", html)[1]
        assert norm(re.sub(r"<[^>]+>", "", heading)) == norm(title), path


def test_about_page_and_every_footer_carry_the_publication_details_and_licence(pages, built_site):
    about = norm(pages["about/index.html"].text)
    for fact in ("ISBN: 978-1-78851-591-7", "ISSN: 2045-6964", "February 2018", "Crime and Justice",
                 "© Crown copyright 2018", "Open Government Licence", "Cite this report",
                 "SIPR, What Works Scotland and ScotCen (2018) Evaluation of Police and Fire Reform"):
        assert fact in about, fact
    for path in built_site.rglob("index.html"):
        html = path.read_text(encoding="utf-8")
        assert "Open Government Licence v3.0" in html and "Crown copyright 2018" in html, path
