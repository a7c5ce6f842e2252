"""The PDF edition, read as a reader, a screen reader and a PDF viewer would: complete, navigable,
tagged, with its own fonts, and byte-identical when rebuilt."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import EPOCH, REPO, copy_project, required, run_cli
from generator.cli import PDF_NAME, pdf_pages
from generator.compile.project import load_project
from generator.outputs.pdf import render_html
from sitehtml import norm
from test_site import source_units

# One worker reads the PDF and renders its HTML for all these tests (--dist loadgroup), not each worker.
pytestmark = pytest.mark.xdist_group("pdf")

TITLE = "Evaluation of Police and Fire Reform: Year 3 Thematic Case Study – Partnership, Innovation and Prevention"
VIGNETTES = ("Vignette I: Mental health community triage", "Vignette II: A Community Safety Hub",
             "Vignette III: Road Safety", "Vignette IV: Safety in the home")
FOOTER = re.compile(r"^Page (\d+) of (\d+)$")
MARKER = re.compile(r"^\s*(?:•|–|\d+\.)\s*$")  # list markers, which WeasyPrint draws after the page's text


def build(out: Path, root: Path = REPO, **env) -> subprocess.CompletedProcess:
    # REPORT_NO_CACHE: every PDF these tests read is laid out by WeasyPrint, none copied from the cache.
    environ = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH), "REPORT_NO_CACHE": "1", **env}
    return subprocess.run([sys.executable, "-m", "generator.entry", "--root", str(root), "pdf", "--out", str(out)],
                          cwd=root, env=environ, capture_output=True, text=True)


@pytest.fixture(scope="session")
def pdf_path(built_site) -> Path:
    """The PDF of the tests' real site, laid out by WeasyPrint."""
    return built_site / "downloads" / PDF_NAME


@pytest.fixture(scope="session")
def reader(pdf_path) -> PdfReader:
    return PdfReader(pdf_path)


@pytest.fixture(scope="session")
def kb():
    kb, diags = load_project(REPO)
    diags.raise_if_any()
    return kb


@pytest.fixture(scope="session")
def html(kb) -> str:
    """The one HTML document the PDF is laid out from."""
    return render_html(kb, pdf_pages(REPO, kb), epoch=EPOCH)


def split_page(text: str) -> tuple[str, str, str]:
    """(body, running header, footer) of a page's text: WeasyPrint draws the margin boxes last."""
    lines = text.split("\n")
    footer = lines.pop().strip() if lines and FOOTER.match(lines[-1].strip()) else ""
    header = lines.pop().strip() if footer and lines else ""
    return "\n".join(line for line in lines if not MARKER.match(line)), header, footer


@pytest.fixture(scope="session")
def pages(reader) -> list[tuple[str, str, str]]:
    return [split_page(p.extract_text()) for p in reader.pages]


def outline(reader) -> list[tuple[int, str, int]]:
    """(depth, title, 1-based page) of every bookmark, in order."""
    out = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                out.append((depth, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 0)
    return out


def dehyphen(text: str) -> str:
    """A line break after a hyphen ('co-' / 'ordination') reads as a space once lines are joined."""
    return re.sub(r"(?<=\w-) (?=\w)", "", text)


class _Citations(HTMLParser):
    """The visible text of every citation in the HTML (without its hidden tooltip)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open: list[bool] | None = None  # inside span.citation: for each open span, is it hidden?
        self.current: list[str] = []
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag != "span":
            return
        if self.open is not None:
            self.open.append(self.open[-1] or a.get("role") == "tooltip")
        elif "citation" in (a.get("class") or "").split():
            self.open, self.current = [False], []

    def handle_endtag(self, tag):
        if self.open is not None and tag == "span":
            self.open.pop()
            if not self.open:
                self.found.append(norm("".join(self.current)))
                self.open = None

    def handle_data(self, data):
        if self.open and not self.open[-1]:
            self.current.append(data)


def citations_in(html: str) -> list[str]:
    parser = _Citations()
    parser.feed(html)
    return parser.found


# --- Completeness -------------------------------------------------------------------------------

def test_every_paragraph_list_item_and_quote_of_the_report_is_in_the_pdf(pages, html):
    text = norm(" ".join(body for body, _, _ in pages))
    cited = citations_in(html)
    assert len(cited) >= 20  # the report's 20 footnotes, as author–year citations
    for citation in sorted(set(cited), key=len, reverse=True):
        text = text.replace(citation, "")
    text = dehyphen(norm(text))
    units, _ = source_units()
    assert len(units) > 250
    missing = [u for u in units if dehyphen(u) not in text]
    assert missing == []


def test_every_citation_is_printed_in_the_chapter_that_makes_it(reader, pages, html, kb):
    starts = [(title, page) for depth, title, page in outline(reader)
              if depth == 0 or title.startswith("Vignette ")]
    # Each page up to the next (the annex's section holds its vignettes' sections).
    for section in re.split(r'(?=<section class="page )', html):
        if not section.startswith(('<section class="page page--chapter"', '<section class="page page--vignette"')):
            continue
        title = re.sub(r"<[^>]+>", "", re.search(r"<h[12][^>]*>(.*?)</h[12]>", section, re.S)[1]).strip()
        expected = citations_in(section)
        if not expected:
            continue
        first = next(p for t, p in starts if t == title)
        last = next((p - 1 for t, p in starts if p > first), len(pages))
        printed = dehyphen(norm(" ".join(pages[i - 1][0] for i in range(first, last + 1))))
        for citation in set(expected):
            assert printed.count(dehyphen(citation)) >= expected.count(citation), (title, citation)


def test_cover_and_back_matter_carry_the_publication_details(pages):
    cover = norm(pages[0][0])
    for fact in (TITLE, "Crime and Justice", "SIPR, What Works Scotland and ScotCen", "February 2018"):
        assert fact in cover, fact
    back = norm(pages[-1][0])
    for fact in ("© Crown copyright 2018", "Open Government Licence v3.0", "978-1-78851-591-7", "2045-6964",
                 "Version 0.1.0", "built on 14 November 2023"):
        assert fact in back, fact


# --- Navigation ---------------------------------------------------------------------------------

def test_bookmarks_for_every_chapter_section_and_vignette_in_the_reports_order(reader, kb):
    marks = outline(reader)
    top = [title for depth, title, _ in marks if depth == 0]
    assert top[:7] == ["Contents", "Executive Summary", "Introduction", "Partnership working and innovation",
                       "The Practices of Prevention", "Conclusions and wider lessons", "Annex 1"]
    assert top[7:] == ["References", "Copyright and publication details"]
    annex = [title for depth, title, _ in marks if depth == 1 and title.startswith("Vignette ")]
    assert annex == list(VIGNETTES)
    titles = {title for _, title, _ in marks}
    for page in pdf_pages(REPO, kb):
        doc = kb.documents.get(page)
        if doc is not None:
            for h in doc.headings:
                if h.level == 2:
                    assert h.text in titles, (page, h.text)
    pages_in_order = [page for _, _, page in marks]
    assert pages_in_order == sorted(pages_in_order)


def test_contents_page_lists_every_chapter_with_the_page_it_starts_on(reader, pages):
    body, header, _ = pages[1]
    assert body.startswith("Contents") and header == "Contents"
    chapters = [(title, page) for depth, title, page in outline(reader) if depth == 0 and title != "Contents"]
    # The dotted leaders are drawn, not written: the text (what a screen reader reads out, what a copy
    # of the line gets) is each entry's words and its page number, with no row of full stops between.
    assert not re.search(r"\.\s*\.\s*\.", body), "leader dots in the contents' text"
    at = 0
    for title, page in chapters[:-1]:  # in order; the back matter is not in the contents
        m = re.compile(rf"^{re.escape(title)} (\d+)$", re.M).search(body, at)
        assert m, f"{title!r} is not in the contents, or out of order"
        assert int(m[1]) == page, title
        at = m.end()


def test_every_internal_link_lands_on_a_page(reader, html):
    dests = reader.named_destinations
    linked, external = set(), []
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if "/Dest" in annot:
                name = str(annot["/Dest"])
                assert name in dests, name
                assert 0 <= reader.get_destination_page_number(dests[name]) < len(reader.pages)
                linked.add(name)
            else:
                external.append(str(annot["/A"]["/URI"]))
    # every internal link of the HTML made it into the PDF: contents, cross-references, citations
    assert linked == set(re.findall(r'<a [^>]*href="#([^"]+)"', html))
    assert any(n.startswith("references--ref-") for n in linked)
    assert any(n.startswith("vignettes-") for n in linked)
    assert all(u.startswith(("http://", "https://", "mailto:")) for u in external), external


def test_contents_entries_land_on_the_page_with_their_heading(reader, pages, html):
    headings = {i: re.sub(r"<[^>]+>", "", t) for i, t in re.findall(r'<h[12][^>]* id="([^"]+)"[^>]*>(.*?)</h[12]>', html)}
    dests = reader.named_destinations
    checked = 0
    for annot in reader.pages[1].get("/Annots") or []:
        name = str(annot.get_object()["/Dest"])
        target = reader.get_destination_page_number(dests[name])
        assert norm(headings[name]) in norm(pages[target][0]), (name, target + 1)
        checked += 1
    assert checked >= 30


def test_running_header_names_the_chapter_and_footer_counts_pages(reader, pages):
    n = len(pages)
    assert pages[0][1:] == ("", "")  # the cover has neither
    starts: dict[int, str] = {}
    for depth, title, page in outline(reader):
        if depth == 0 or title.startswith("Vignette "):
            starts.setdefault(page, title)
    for i, (_, header, footer) in enumerate(pages[1:], start=2):
        assert footer == f"Page {i} of {n}"
        if i in starts:
            assert header == starts[i]


def test_no_heading_is_stranded_at_the_foot_of_a_page(reader, pages):
    for _, title, page in outline(reader):  # each heading is a bookmark to its page
        lines = pages[page - 1][0].strip().split("\n")
        for k in (1, 2, 3):  # a heading may wrap onto several lines
            assert norm(" ".join(lines[-k:])) != norm(title), f"page {page} ends with the heading {title!r}"


# --- Accessibility, metadata, fonts -------------------------------------------------------------

def test_tagged_pdf_ua_in_british_english_with_its_title_in_the_window(reader):
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert root["/MarkInfo"]["/Marked"] == True  # noqa: E712 (a pypdf BooleanObject)
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r'pdfuaid:part="1"|<pdfuaid:part>1<', xmp)
    kinds: set[str] = set()
    stack = [root["/StructTreeRoot"]]
    while stack:  # the structure tree, down its /K kids
        node = stack.pop()
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            if "/S" in node:
                kinds.add(str(node["/S"]))
            if "/K" in node:
                stack.append(node["/K"])
    assert {"/H1", "/H2", "/P", "/L", "/LI", "/Link", "/BlockQuote"} <= kinds, kinds


def test_metadata_title_authors_subject_keywords_and_dates(reader):
    meta = reader.metadata
    assert meta.title == TITLE
    assert meta.author == "SIPR, What Works Scotland, ScotCen"
    assert "police and fire reform" in meta.subject
    assert "prevention" in meta["/Keywords"] and "Police Scotland" in meta["/Keywords"]
    assert meta.creation_date == datetime.fromtimestamp(EPOCH, timezone.utc)


def test_a4_pages(reader):
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)


def test_every_font_is_embedded_and_is_one_of_the_projects_own(reader):
    fonts = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            fonts[str(font["/BaseFont"])] = font
    assert fonts
    for name, font in fonts.items():
        descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        descriptor = descendant["/FontDescriptor"].get_object()
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), f"{name} is not embedded"
        assert re.match(r"^/[A-Z]{6}\+Source-(Serif-4|Sans-3)", name), f"{name} is not a vendored font"
    licences = sorted(p.name for p in (REPO / "generator" / "outputs" / "fonts").glob("OFL-*"))
    assert licences == ["OFL-SourceSans3.md", "OFL-SourceSerif4.md"]


# --- Reproducible -------------------------------------------------------------------------------

def test_rebuild_elsewhere_in_another_time_zone_and_locale_is_byte_identical(pdf_path, tmp_path):
    copy = tmp_path / "elsewhere" / "project"
    shutil.copytree(REPO, copy, ignore=shutil.ignore_patterns(
        ".git", ".venv", "site", ".site-*", "node_modules", "__pycache__", ".pytest_cache", ".cache", "*.egg-info"))
    again = tmp_path / "again.pdf"
    result = build(again, root=copy, TZ="Pacific/Chatham", LC_ALL="C.UTF-8", LANG="C.UTF-8")
    assert result.returncode == 0, result.stderr
    assert again.read_bytes() == pdf_path.read_bytes()


# --- What a reader sees -------------------------------------------------------------------------

@pytest.mark.parametrize("page", [1, 5], ids=["cover", "text page"])
def test_pages_render_to_pictures_that_are_not_blank(pdf_path, tmp_path, page):
    from PIL import Image

    required("pdftoppm", shutil.which("pdftoppm") is not None, "poppler-utils")
    png = subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", str(page), "-l", str(page), str(pdf_path)],
                         capture_output=True, check=True).stdout
    image = Image.open(io.BytesIO(png)).convert("L")
    dark = sum(image.histogram()[:128]) / (image.width * image.height)
    assert 0.005 < dark < 0.5, dark


def test_contents_entries_are_joined_to_their_page_numbers_by_a_drawn_leader(pdf_path, html):
    """Each entry's dotted leader is drawn across the page (not written: see the contents' text test):
    a band of dots crosses the middle of the page on every entry's line, not only on the few lines whose
    words are that long."""
    from PIL import Image

    required("pdftoppm", shutil.which("pdftoppm") is not None, "poppler-utils")
    png = subprocess.run(["pdftoppm", "-png", "-r", "100", "-f", "2", "-l", "2", str(pdf_path)],
                         capture_output=True, check=True).stdout
    image = Image.open(io.BytesIO(png)).convert("L")
    px = image.load()
    middle = range(int(image.width * 0.55), int(image.width * 0.8))
    bands, inside = 0, False
    for y in range(image.height):
        dark = sum(px[x, y] < 170 for x in middle) >= 20
        bands += dark and not inside
        inside = dark
    entries = len(re.findall(r'<li class="contents__(?:chapter|section)"', html))
    assert entries >= 25
    assert bands >= entries, (bands, entries)

# --- The site links to it; a failed PDF keeps the site ------------------------------------------

def test_the_site_publishes_the_pdf_and_every_page_links_to_it(built_site):
    pdf = built_site / "downloads" / PDF_NAME
    assert pdf.read_bytes().startswith(b"%PDF-1.7")
    for page in (built_site / "index.html", built_site / "introduction" / "index.html"):
        html = page.read_text(encoding="utf-8")
        m = re.search(r'<a [^>]*href="([^"]*downloads/' + re.escape(PDF_NAME) + r')"[^>]*>\s*Download the report '
                      r'\(PDF, ([\d.]+ [kM]B)\)', html)
        assert m, page
        assert (page.parent / m[1]).resolve() == pdf.resolve()


def test_a_pdf_that_fails_leaves_the_site_as_it_was(tmp_path, mini_site):
    root = copy_project(mini_site, tmp_path)
    assert (root / "site" / "downloads" / PDF_NAME).is_file()
    before = {p: p.read_bytes() for p in (root / "site").rglob("*") if p.is_file()}
    vignette = root / "vignettes" / "road-safety.md"
    vignette.write_text(vignette.read_text(encoding="utf-8") + '\n<span id="twice">a</span> <span id="twice">b</span>\n',
                        encoding="utf-8")
    result = run_cli("build", cwd=root)
    assert result.returncode == 1
    assert "Anchor defined twice: 'twice'" in result.stderr
    assert {p: p.read_bytes() for p in (root / "site").rglob("*") if p.is_file()} == before
    assert [p.name for p in root.iterdir() if p.name.startswith(".site")] == []


def test_every_passage_and_extract_id_of_the_site_is_a_named_destination_in_the_pdf(reader, built_site, kb):
    """A passage cited by its site URL (``/introduction/#<id>``) opens in the PDF as ``report.pdf#<id>``."""
    destinations = set(reader.named_destinations)
    ids = set()
    for page in pdf_pages(REPO, kb):
        if page == "references.md":
            continue
        html = (built_site / page.removesuffix(".md").removesuffix("index") / "index.html").read_text()
        ids |= set(re.findall(r'<(?:p|li|figure)[^>]* id="([^"]+)"', html))
    assert {i for i in ids if i.startswith("quote-")} and len(ids) > 200
    assert ids - destinations == set()
