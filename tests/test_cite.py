"""Cite and reuse (issue #17): the publication record in the About page's front matter, every page's citation
metadata (Highwire, Open Graph, schema.org JSON-LD, its own description), canonical links and the sitemap
under SITE_URL only, and "Cite this" with its BibTeX, RIS and CSL-JSON downloads."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest
import rispy
from pybtex.database import parse_string
from pybtex.richtext import Text

from conftest import MINI_VIGNETTE, REPO, SOURCE, run_cli, write_mkdocs_site

CSL_SCHEMA = json.loads((Path(__file__).parent / "data" / "csl-data.json").read_text(encoding="utf-8"))
# The report as its cover and imprint page print it (../shared/source).
TITLE = "Evaluation of Police and Fire Reform: Year 3 Thematic Case Study – Partnership, Innovation and Prevention"
AUTHORS = ["SIPR", "What Works Scotland", "ScotCen"]
ISBN, ISSN = "978-1-78851-591-7", "2045-6964"
REFERENCE = f"SIPR, What Works Scotland and ScotCen (2018) {TITLE}. Edinburgh: Scottish Government."
# The pages that cite a part of the report, by URL, with the part's title.
PARTS = {"executive-summary/": "Executive Summary", "introduction/": "Introduction",
         "vignettes/road-safety/": "Vignette III: Road Safety",
         "lessons/evaluation-matters/": "Lesson 2: Evaluation matters"}


class Head(HTMLParser):
    """A page's metadata: its <meta> (name or property, content), canonical link, JSON-LD, and "Cite this"."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.meta: list[tuple[str, str]] = []
        self.canonical: str | None = None
        self.json_ld: list[str] = []
        self.cite_links: list[dict] = []
        self._script = self._cite = False
        self.cite_text = ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and "content" in a and ("name" in a or "property" in a):
            self.meta.append((a.get("name") or a["property"], a["content"]))
        elif tag == "link" and a.get("rel") == "canonical":
            self.canonical = a["href"]
        elif tag == "script" and a.get("type") == "application/ld+json":
            self._script = True
            self.json_ld.append("")
        elif tag == "details" and "report-cite" in (a.get("class") or ""):
            self._cite = True
        elif tag == "a" and self._cite:
            self.cite_links.append(a)

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = False
        if tag == "details":
            self._cite = False

    def handle_data(self, data):
        if self._script:
            self.json_ld[-1] += data
        if self._cite:
            self.cite_text += data

    def values(self, name: str) -> list[str]:
        return [content for key, content in self.meta if key == name]


def read(site: Path, url: str) -> Head:
    return Head((site / url / "index.html").read_text(encoding="utf-8"))


def site_pages(site: Path) -> list[str]:
    return sorted(p.parent.relative_to(site).as_posix() + "/" for p in site.rglob("index.html")
                  if not p.relative_to(site).as_posix().startswith(("downloads/", "data/")))


def test_the_record_holds_the_reports_own_facts():
    source = SOURCE.read_text(encoding="utf-8")
    for fact in (ISBN, ISSN, "February 2018", "SIPR, What Works Scotland and ScotCen", "CRIME AND JUSTICE",
                 "Social Research series"):
        assert fact in source, fact
    about = (REPO / "content" / "about.md").read_text(encoding="utf-8")
    for fact in (TITLE, ISBN, ISSN, "date: 2018-02", *(f"- {a}\n" for a in AUTHORS)):
        assert fact in about, fact


def test_every_page_carries_the_records_citation_metadata_and_a_description_of_its_own(built_site):
    descriptions = {}
    for url in site_pages(built_site):
        head = read(built_site, url)
        assert head.values("citation_title") == [TITLE], url
        assert head.values("citation_author") == AUTHORS, url
        assert head.values("citation_publication_date") == ["2018/02"], url
        assert head.values("citation_technical_report_institution") == ["Scottish Government"], url
        assert (head.values("citation_isbn"), head.values("citation_issn")) == ([ISBN], [ISSN]), url
        assert head.values("citation_language") == ["en-GB"], url
        assert head.values("author") == ["SIPR, What Works Scotland and ScotCen"], url  # mkdocs.yml names none
        assert head.values("og:site_name") == ["Partnership, Innovation and Prevention"], url
        assert head.values("og:type") == ["website" if url == "./" else "article"], url
        assert len(head.values("og:title")) == 1 and head.values("og:title")[0], url
        [description] = head.values("description")
        assert head.values("og:description") == [description], url
        assert 20 < len(description) <= 161 and "<" not in description and "[" not in description, (url, description)
        descriptions[url] = description
        [ld] = head.json_ld
        report = json.loads(ld)
        assert (report["@context"], report["@type"], report["name"]) == ("https://schema.org", "Report", TITLE)
        assert [a["name"] for a in report["author"]] == AUTHORS
        assert report["datePublished"] == "2018-02" and report["inLanguage"] == "en-GB"
        assert report["identifier"] == {"@type": "PropertyValue", "propertyID": "ISBN", "value": ISBN}
        assert report["isPartOf"]["issn"] == ISSN and report["publisher"]["name"] == "Scottish Government"
    # Without a page of its own, the site's, from the record.
    assert Head((built_site / "404.html").read_text(encoding="utf-8")).values("description") == [
        f"{TITLE} (SIPR, What Works Scotland and ScotCen for the Scottish Government, February 2018)."]
    # Each its own: not the site's description on every page.
    assert len(set(descriptions.values())) == len(descriptions)
    assert descriptions["vignettes/road-safety/"].startswith("The following vignette outlines how road safety")


def test_without_site_url_no_canonical_link_absolute_url_or_sitemap_entry(built_site):
    for url in site_pages(built_site):
        head = read(built_site, url)
        assert head.canonical is None and head.values("og:url") == [] and head.values("citation_pdf_url") == [], url
        assert "url" not in json.loads(head.json_ld[0]), url
        assert "Available at" not in head.cite_text, url
    assert "<url>" not in (built_site / "sitemap.xml").read_text(encoding="utf-8")
    assert b"url" not in (built_site / "downloads" / "cite" / "about.bib").read_bytes()


def test_cite_this_on_about_chapters_vignettes_and_lessons_with_the_harvard_reference(built_site):
    about = read(built_site, "about/")
    assert " ".join(about.cite_text.split()).startswith("Cite this report " + REFERENCE)
    assert '<details class="report-cite" open>' in (built_site / "about" / "index.html").read_text(encoding="utf-8")
    for url, part in PARTS.items():
        head = read(built_site, url)
        text = " ".join(head.cite_text.split())
        assert text.startswith(f"Cite this page SIPR, What Works Scotland and ScotCen (2018) '{part}', in {TITLE}. "
                               "Edinburgh: Scottish Government."), (url, text)
        html = (built_site / url / "index.html").read_text(encoding="utf-8")
        assert f"in <em>{TITLE}</em>" in html, url
        # The downloads say what they are, in words and as a media type.
        assert [(a["type"], a["href"].rsplit(".", 1)[1]) for a in head.cite_links] == [
            ("application/x-bibtex", "bib"), ("application/x-research-info-systems", "ris"),
            ("application/vnd.citationstyles.csl+json", "json")], url
        for name in ("BibTeX", "RIS", "CSL-JSON", ".bib file", ".ris file", ".json file"):
            assert name in text, (url, name)
    for url in ("./", "glossary/", "references/", "accessibility/", "areas/a/"):  # not parts of the report's text
        assert read(built_site, url).cite_links == [], url


def downloads(site: Path) -> dict[str, dict[str, str]]:
    """The citation downloads each citing page links to: page URL -> {extension: text}."""
    found = {}
    for url in site_pages(site):
        links = read(site, url).cite_links
        if links:
            found[url] = {a["href"].rsplit(".", 1)[1]: (site / url / a["href"]).resolve().read_text(encoding="utf-8")
                          for a in links}
    return found


def plain(latex: str) -> str:
    return Text.from_latex(latex).render_as("text")


def check_download(texts: dict[str, str], title: str, part: str | None, url: str | None = None,
                   authors: list[str] = AUTHORS) -> None:
    """The three files of one citation parse, validate and agree with the record (``part``: the part cited)."""
    [(key, entry)] = parse_string(texts["bib"], "bibtex").entries.items()
    assert entry.type == ("incollection" if part else "techreport")
    assert [plain(str(p)) for p in entry.persons["author"]] == authors
    assert plain(entry.fields["title"]) == (part or title)
    if part:
        assert plain(entry.fields["booktitle"]) == title and entry.fields["publisher"] == "Scottish Government"
    else:
        assert entry.fields["institution"] == "Scottish Government"
    assert (entry.fields["year"], entry.fields["month"], entry.fields["address"]) == ("2018", "February", "Edinburgh")
    assert (entry.fields["isbn"], entry.fields["issn"]) == (ISBN, ISSN)
    assert entry.fields.get("url") == url
    [ris] = rispy.loads(texts["ris"])
    assert ris["type_of_reference"] == ("CHAP" if part else "RPRT")
    assert ris["authors"] == authors and ris["title"] == (part or title)
    assert (ris["year"], ris["date"], ris["publisher"], ris["place_published"]) == (
        "2018", "2018/02//", "Scottish Government", "Edinburgh")
    assert ris["issn"] == ISBN and ris.get("secondary_title") == (title if part else None)
    assert ris.get("urls") == ([url] if url else None)
    csl = json.loads(texts["json"])
    jsonschema.Draft7Validator(CSL_SCHEMA).validate(csl)
    [item] = csl
    assert item["id"] == key and item["type"] == ("chapter" if part else "report")
    assert item["title"] == (part or title) and item.get("container-title") == (title if part else None)
    assert [a["literal"] for a in item["author"]] == authors and item["issued"] == {"date-parts": [[2018, 2]]}
    assert (item["ISBN"], item["ISSN"], item["publisher"], item["publisher-place"]) == (
        ISBN, ISSN, "Scottish Government", "Edinburgh")
    assert item.get("URL") == url


def test_the_downloads_parse_validate_and_agree_with_the_record(built_site):
    found = downloads(built_site)
    assert set(PARTS) | {"about/"} <= set(found)
    assert len(found) == 1 + 5 + 1 + 4 + 4  # About, the chapters, the Annex, the vignettes, the lessons
    keys = set()
    for url, texts in found.items():
        part = None if url == "about/" else read(built_site, url).values("og:title")[0]
        assert part == PARTS.get(url, part)
        check_download(texts, TITLE, part)
        keys.add(json.loads(texts["json"])[0]["id"])
    assert len(keys) == len(found)  # one key each
    sums = (built_site / "SHA256SUMS").read_text(encoding="utf-8")
    for ext in ("bib", "ris", "json"):
        assert f"downloads/cite/vignettes-road-safety.{ext}\n" in sums


# --------------------------------------------------------------------------- tiny projects

RECORD = """\
---
publication:
  title: {title}
  authors:
    - SIPR
    - What Works Scotland
  publisher: Scottish Government
  place: Edinburgh
  date: 2018-02
  isbn: 978-1-78851-591-7
  issn: 2045-6964
---

# About

## Copyright and licence

© Crown copyright 2018
"""


def build(root: Path, site_url: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "SITE_URL"}
    if site_url is not None:
        env["SITE_URL"] = site_url
    (root / "mkdocs.yml").write_text((root / "mkdocs.yml").read_text(encoding="utf-8")
                                     + "site_url: !ENV SITE_URL\n", encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "generator.entry", "--root", str(root), "build"], cwd=root,
                          env=env, capture_output=True, text=True)


def test_with_site_url_pages_are_canonical_and_the_sitemap_lists_every_page(tmp_path):
    root = write_mkdocs_site(tmp_path, {"content/about.md": RECORD.format(title="A Report")})
    result = build(root, "https://example.org/report")
    assert result.returncode == 0, result.stderr
    assert "site_url is not set" not in result.stdout + result.stderr
    site = root / "site"
    pages = site_pages(site)
    assert {"./", "about/", "vignettes/road-safety/", "references/"} <= set(pages)
    sitemap = re.findall(r"<loc>(.*?)</loc>", (site / "sitemap.xml").read_text(encoding="utf-8"))
    assert sorted(sitemap) == sorted(f"https://example.org/report/{p}".removesuffix("./") for p in pages)
    for url in pages:
        head = read(site, url)
        absolute = f"https://example.org/report/{url}".removesuffix("./")
        assert head.canonical == absolute and head.values("og:url") == [absolute], url
        assert head.values("citation_pdf_url") == [
            "https://example.org/report/downloads/year3-partnership-innovation-prevention.pdf"], url
        report = json.loads(head.json_ld[0])
        assert report["url"] == "https://example.org/report/about/"
        assert report["encoding"]["contentUrl"] == head.values("citation_pdf_url")[0]
    vignette = read(site, "vignettes/road-safety/")
    assert "Available at: https://example.org/report/vignettes/road-safety/" in " ".join(vignette.cite_text.split())
    texts = {ext: (site / "downloads" / "cite" / f"vignettes-road-safety.{ext}").read_text(encoding="utf-8")
             for ext in ("bib", "ris", "json")}
    check_download(texts, "A Report", "Vignette I: Road Safety", "https://example.org/report/vignettes/road-safety/",
                   ["SIPR", "What Works Scotland"])


@pytest.mark.parametrize("site_url", [None, ""], ids=["unset", "empty"])
def test_without_site_url_the_build_says_so_once_and_passes(tmp_path, site_url):
    root = write_mkdocs_site(tmp_path, {"content/about.md": RECORD.format(title="A Report")})
    result = build(root, site_url)
    assert result.returncode == 0, result.stderr
    said = [line for line in (result.stdout + result.stderr).splitlines() if "site_url is not set" in line]
    assert len(said) == 1 and said[0].startswith("INFO")
    assert "<url>" not in (root / "site" / "sitemap.xml").read_text(encoding="utf-8")
    assert read(root / "site", "about/").canonical is None


HOSTILE = 'Evil </script><script>alert(1)</script> & "quoted" <b>bold</b> \'x\'\nER  - '


def test_a_hostile_title_in_the_record_is_escaped_everywhere(tmp_path):
    title = json.dumps(HOSTILE)  # as YAML reads it: a double-quoted string with "\n"
    root = write_mkdocs_site(tmp_path, {"content/about.md": RECORD.format(title=title)})
    result = build(root)
    assert result.returncode == 0, result.stderr
    expected = " ".join(HOSTILE.split())  # one line
    site = root / "site"
    for url in site_pages(site):
        html = (site / url / "index.html").read_text(encoding="utf-8")
        assert "<script>alert(1)" not in html and "<b>bold</b>" not in html, url
        head = read(site, url)
        assert head.values("citation_title") == [expected], url
        [ld] = head.json_ld
        assert "</script>" not in ld and json.loads(ld)["name"] == expected, url
    about = read(site, "about/")
    assert f"SIPR and What Works Scotland (2018) {expected}. Edinburgh" in " ".join(about.cite_text.split())
    ris = (site / "downloads" / "cite" / "about.ris").read_text(encoding="utf-8")
    assert all(re.match(r"[A-Z][A-Z0-9]  - ", line) for line in ris.splitlines() if line), ris
    [entry] = rispy.loads(ris)
    assert entry["title"] == expected
    [(_, bib)] = parse_string((site / "downloads" / "cite" / "about.bib").read_text(encoding="utf-8"),
                              "bibtex").entries.items()
    assert plain(bib.fields["title"]) == expected
    assert json.loads((site / "downloads" / "cite" / "about.json").read_text(encoding="utf-8"))[0]["title"] == expected


BAD_RECORD = """\
---
publication:
  titel: A Report
  authors: SIPR
  publisher: Scottish {Government}
  place: Edinburgh
  date: 2018-13
  isbn: 978-1-78851-591-8
  issn: 2045-6965
  language: English
---

# About
"""


def test_problems_in_the_record_are_reported_at_their_lines(tmp_path):
    root = write_mkdocs_site(tmp_path, {"content/about.md": BAD_RECORD,
                                        "content/index.md": "---\npublication:\n  title: X\n---\n\n# Home\n\n"
                                                            "See [Vignette I][vignette:road-safety] and [@huxham2005].\n"})
    result = run_cli("check", cwd=root)
    assert result.returncode == 1
    problems = result.stderr.splitlines()[:-1]
    assert problems == [
        "content/about.md:2: the publication record has no 'title' — every citation of the report needs it. Add it "
        "as it is printed in the report. [publication.missing-field]",
        "content/about.md:3: unknown field 'titel' in the publication record — its fields are title, authors, "
        "publisher, place, date, series, isbn, issn, language, prepared_for, address, production, format. Did you "
        "mean 'title'? [publication.unknown-field]",
        "content/about.md:4: field 'authors' of the publication record must be a list of names, one '- name' line "
        "each, not 'SIPR'. [publication.type]",
        "content/about.md:5: field 'publisher' of the publication record holds '{' — BibTeX reads braces and "
        "backslashes as markup, so the citation downloads could not give it back. Leave them out. "
        "[publication.characters]",
        "content/about.md:7: date '2018-13' of the publication record is not a year and month — write it as "
        "YYYY-MM, e.g. 2018-02, as the report's cover dates it. [publication.date]",
        "content/about.md:8: isbn '978-1-78851-591-8' is not a valid ISBN: its check digit does not match — copy "
        "it from the report's imprint page. [publication.isbn]",
        "content/about.md:9: issn '2045-6965' is not a valid ISSN: its check digit does not match — copy it from "
        "the report's imprint page. [publication.issn]",
        "content/about.md:10: language 'English' is not a language tag — write it as BCP 47 does, e.g. 'en-GB'. "
        "[publication.language]",
        "content/index.md:2: field 'publication' belongs in the front matter of content/about.md — the report has "
        "one publication record, which every page's citation is made from. Move it there. [publication.elsewhere]",
    ]


def test_a_date_that_does_not_exist_is_a_problem_at_its_line_not_a_crash(tmp_path):
    # YAML would read 2018-02-30 as a date, and raise; front matter reads dates as the text they are.
    root = write_mkdocs_site(tmp_path, {"content/about.md": RECORD.format(title="A").replace("2018-02", "2018-02-30"),
                                        "vignettes/road-safety.md": MINI_VIGNETTE.replace("area: B", "area: 2018-02-30")})
    result = run_cli("check", cwd=root)
    assert result.returncode == 1 and "Traceback" not in result.stderr and "bug" not in result.stderr
    assert "content/about.md:9: date '2018-02-30' of the publication record is not a year and month" in result.stderr
    assert "vignettes/road-safety.md:4: " in result.stderr


def test_a_site_without_a_record_has_no_citation_metadata_and_no_cite_this(mini_site):
    site = mini_site / "site"
    for url in site_pages(site):
        head = read(site, url)
        assert head.values("citation_title") == [] and head.json_ld == [] and head.cite_links == [], url
        assert len(head.values("description")) == 1, url
    assert not (site / "downloads" / "cite").exists()


def test_report_stage_takes_the_sites_address_from_the_environment_as_mkdocs_would():
    from generator.outputs.stage import site_url

    env = {"SITE_URL": "https://example.org/r/"}
    assert site_url({"site_url": None}, env) == "https://example.org/r/"  # site_url: !ENV SITE_URL
    assert site_url({"site_url": "https://other.org/"}, env) == "https://other.org/"  # written in mkdocs.yml
    assert site_url({}, env) is None  # mkdocs.yml does not ask for it
    assert site_url({"site_url": None}, {}) is None and site_url({"site_url": None}, {"SITE_URL": ""}) is None


@pytest.mark.parametrize("value", ["https://example.org/report/", None])
def test_the_real_mkdocs_yml_takes_the_sites_address_from_site_url_and_writes_none(monkeypatch, value):
    from mkdocs.config import load_config

    if value is None:
        monkeypatch.delenv("SITE_URL", raising=False)
    else:
        monkeypatch.setenv("SITE_URL", value)
    assert load_config(str(REPO / "mkdocs.yml")).site_url == value
