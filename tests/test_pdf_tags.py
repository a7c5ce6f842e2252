"""The PDF's tag tree, read back as a screen reader and a PDF/UA audit read it: pikepdf walks the structure
tree, pypdf gives the words each marked content shows. Running heads and page numbers are artifacts; lists
hold items of a label and a body; every link annotation is a Link's, described by its words; vignettes are
sections of the annex; the bibliography's entries are not headings; the contents are a table of contents."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from html import unescape

import pikepdf
import pytest
from pypdf import PdfReader

from conftest import required, write_project
from sitehtml import norm
from test_pdf import FOOTER, VIGNETTES, build, html, kb, outline, pdf_path, reader  # noqa: F401 (fixtures, which the tests name as arguments: F811 below)

pytestmark = pytest.mark.xdist_group("pdf")


@dataclass(eq=False)
class Node:
    """A structure element: its type (``"LI"``), its parent, its kids, the words of its marked contents."""

    tag: str
    parent: Node | None
    kids: list[Node] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    annotations: list[tuple[int, int]] = field(default_factory=list)  # the objgen of each annotation it holds

    @property
    def text(self) -> str:
        return norm(" ".join([*self.words, *(k.text for k in self.kids)]))

    def walk(self):
        yield self
        for kid in self.kids:
            yield from kid.walk()

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


@dataclass
class Tagged:
    document: Node
    marks: set[tuple[int, int]]  # (page, MCID) of every marked content the tree holds
    pdf: pikepdf.Pdf

    def nodes(self, tag: str) -> list[Node]:
        return [n for n in self.document.walk() if n.tag == tag]


def marked_words(path) -> dict[tuple[int, int], str]:
    """The words each marked content with an MCID shows, by (page, MCID)."""
    words: dict[tuple[int, int], str] = {}
    for i, page in enumerate(PdfReader(path).pages):
        stack: list[int | None] = []

        def operator(op, args, cm, tm):
            if op == b"BDC":
                stack.append(args[1].get("/MCID") if isinstance(args[1], dict) else None)
            elif op == b"BMC":
                stack.append(None)
            elif op == b"EMC" and stack:
                stack.pop()

        def text(t, cm, tm, font, size, i=i):
            if stack and stack[-1] is not None:
                words[(i, stack[-1])] = words.get((i, stack[-1]), "") + t

        page.extract_text(visitor_operand_before=operator, visitor_text=text)
    return words


def read_tags(path) -> Tagged:
    pdf = pikepdf.open(path)
    page_of = {p.objgen: i for i, p in enumerate(pdf.pages)}
    words = marked_words(path)
    marks: set[tuple[int, int]] = set()

    def build(element, parent: Node | None) -> Node:
        node = Node(str(element.S)[1:], parent)
        kids = element.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, int):
                mark = (page_of[element.Pg.objgen], int(kid))
                marks.add(mark)
                node.words.append(words.get(mark, ""))
            elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                node.kids.append(build(kid, node))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
                node.annotations.append(kid.Obj.objgen)
        return node

    return Tagged(build(pdf.Root.StructTreeRoot.K[0], None), marks, pdf)


@pytest.fixture(scope="session")
def tagged(pdf_path) -> Tagged:  # noqa: F811
    return read_tags(pdf_path)


def assert_lists_hold_items_of_a_label_and_a_body(tagged: Tagged) -> None:
    for lst in tagged.nodes("L"):
        assert {k.tag for k in lst.kids} <= {"LI", "Caption"}, [k.tag for k in lst.kids]
    for item in tagged.nodes("LI"):
        tags = [k.tag for k in item.kids]
        assert set(tags) <= {"Lbl", "LBody"} and "LBody" in tags, tags


def test_running_heads_and_page_numbers_are_artifacts_and_every_marked_content_is_in_the_tree(tagged):
    shown, pagination = set(), 0
    for i, page in enumerate(tagged.pdf.pages):
        for operands, op in pikepdf.parse_content_stream(page):
            if str(op) == "BDC" and "/MCID" in operands[1]:
                shown.add((i, int(operands[1].MCID)))
            elif str(op) == "BDC" and operands[0] == "/Artifact":
                pagination += operands[1].get("/Type") == "/Pagination"
    assert shown == tagged.marks
    # ... and the parent tree maps each of them to its element, with no gap for the running heads.
    nums = tagged.pdf.Root.StructTreeRoot.ParentTree.Nums
    assert all(isinstance(e, pikepdf.Dictionary) for marks in nums[1::2] if isinstance(marks, pikepdf.Array)
               for e in marks)
    pages = len(tagged.pdf.pages)
    assert pagination == 2 * (pages - 1)  # a running head and a page number on every page but the cover
    # A screen reader reading the tree meets no page number in the middle of a sentence.
    assert not any(FOOTER.match(w.strip()) for n in tagged.document.walk() for w in n.words)


def test_lists_hold_items_and_items_a_label_and_a_body(tagged):
    lists = tagged.nodes("L")
    assert len(lists) > 20
    assert_lists_hold_items_of_a_label_and_a_body(tagged)
    # A nested list (the contents' sections, "Cited in" under a chapter) is in its item's body.
    assert any(lst.parent.tag == "LBody" for lst in lists)


def test_nested_lists_over_several_pages_and_description_groups_of_any_shape(tmp_path):
    nested = "\n\n".join(f"- item {i}\n\n    - first of {i}\n    - second of {i}" for i in range(80))
    groups = ("<dl><div><dt>One</dt><dt>Two</dt><dd>both</dd></div>"
              "<div><dt>Term</dt><dd>described</dd></div><dt>Bare</dt><dd>ungrouped</dd></dl>")
    root = write_project(tmp_path / "project",
                         {"content/introduction.md": f"# Introduction\n\n{nested}\n\n{groups}\n"})
    out = tmp_path / "report.pdf"
    assert build(out, root).returncode == 0
    tagged = read_tags(out)
    assert len(tagged.pdf.pages) > 4
    assert_lists_hold_items_of_a_label_and_a_body(tagged)
    inner = [lst for lst in tagged.nodes("L") if "second of" in lst.text and "item" not in lst.text]
    assert len(inner) >= 80  # one per item, one more for each item a page break divides
    assert all(lst.parent.tag == "LBody" for lst in inner)
    terms = {i.kids[0].text: i.kids[1].text for i in tagged.nodes("LI") if [k.tag for k in i.kids] == ["Lbl", "LBody"]}
    assert terms["Term"] == "described"
    assert not {"One", "Two", "Bare"} & set(terms)  # not one term for one description: items as they are


def test_facts_boxes_and_publication_details_are_lists_of_terms_and_descriptions(tagged):
    items = {}
    for item in tagged.nodes("LI"):
        if [k.tag for k in item.kids] == ["Lbl", "LBody"]:
            items.setdefault(item.kids[0].text, []).append(item.kids[1].text)
    assert len(items["Case-study area"]) == len(VIGNETTES)
    assert all(re.fullmatch(r"Area [A-Z]", area) for area in items["Case-study area"])
    assert len(items["Wider lessons"]) == len(VIGNETTES)
    assert items["This edition"][0].startswith("Version ")


def test_no_link_inside_a_link_and_every_link_annotation_is_a_links_described_by_its_words(tagged, html):  # noqa: F811
    links = tagged.nodes("Link")
    assert not [n.text for n in links if any(a.tag == "Link" for a in n.ancestors())]
    holder = {a: n for n in tagged.document.walk() for a in n.annotations}
    words = {norm(unescape(re.sub(r"<[^>]+>", "", t))) for t in re.findall(r"<a [^>]*href=[^>]*>(.*?)</a>", html, re.S)}
    checked = 0
    for page in tagged.pdf.pages:
        for annotation in page.get("/Annots") or []:
            assert holder[annotation.objgen].tag == "Link"
            assert str(annotation.Contents) in words, (str(annotation.Contents), str(annotation.get("/Dest")))
            checked += 1
    assert checked > 200


def test_vignettes_are_sections_of_the_annex_and_headings_agree_with_bookmarks(tagged, reader):  # noqa: F811
    headings = [n for n in tagged.document.walk() if re.fullmatch(r"H[1-6]", n.tag)]
    cover = headings.pop(0)  # the cover's title has no bookmark: the metadata's title names the PDF
    assert cover.tag == "H1"
    assert [(int(h.tag[1]), h.text) for h in headings] == [(depth + 1, norm(title)) for depth, title, _ in
                                                          outline(reader)]
    annex = next(h for h in headings if h.text == "Annex 1")
    assert annex.tag == "H1"
    for title in VIGNETTES:
        heading = next(h for h in headings if h.text == title)
        assert heading.tag == "H2"
        assert [a.tag for a in heading.ancestors()][:3] == ["Sect", "Sect", "Document"]  # the annex's section


def test_bibliography_entries_are_not_headings(tagged, kb):  # noqa: F811
    label = re.compile(r".+ \((?:\d{4}[a-z]?|n\.d\.)\)")
    headings = [n.text for n in tagged.document.walk() if re.fullmatch(r"H[1-6]", n.tag)]
    assert not [h for h in headings if label.fullmatch(h)]
    entries = [n for n in tagged.nodes("P") if label.fullmatch(n.text)]
    assert len(entries) == len(kb.sources)


def test_the_contents_are_a_table_of_contents_of_items_each_a_reference_to_its_link(tagged, html):  # noqa: F811
    """PDF/UA: the contents page is a section of its heading and a TOC, not NonStruct and lists; each entry a
    TOCI holding a Reference to its Link, then its sections as a nested TOC."""
    [contents] = [n for n in tagged.document.kids if n.text.startswith("Contents ")]
    assert contents.tag == "Sect" and [k.tag for k in contents.kids] == ["H1", "TOC"]
    assert not [n for n in contents.walk() if n.tag in ("L", "LI", "LBody")]
    items = [n for n in contents.walk() if n.tag == "TOCI"]
    for item in items:
        assert [k.tag for k in item.kids] in (["Reference"], ["Reference", "TOC"]), [k.tag for k in item.kids]
        [link] = item.kids[0].kids
        assert link.tag == "Link" and link.annotations
    for toc in (n for n in contents.walk() if n.tag == "TOC"):
        assert {k.tag for k in toc.kids} == {"TOCI"}
    nav = html[html.index('<nav class="contents"'):html.index("</nav>")]
    entries = [norm(unescape(re.sub(r"<[^>]+>", "", t))) for t in re.findall(r'<span class="contents__words">(.*?)</span>', nav)]
    assert [norm(i.kids[0].text).rsplit(" ", 1)[0] for i in items] == entries
    nested = [i for i in items if i.parent.parent.tag == "TOCI"]
    assert nested and len(nested) == nav.count('<li class="contents__section">')


def test_contents_page_numbers_have_no_stray_dot_after_them(pdf_path):  # noqa: F811
    """The leader stops short of the page numbers: the last thing drawn on an entry's line is its page
    number's last digit, as tall as a digit, not a dot of the leader."""
    from PIL import Image

    required("pdftoppm and pdftotext", bool(shutil.which("pdftoppm") and shutil.which("pdftotext")),
             "poppler-utils")
    dpi = 200
    words = subprocess.run(["pdftotext", "-bbox", "-f", "2", "-l", "2", str(pdf_path), "-"],
                           capture_output=True, text=True, check=True).stdout
    boxes = [tuple(float(v) * dpi / 72 for v in m.groups()) for m in re.finditer(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">\d+</word>', words)]
    png = subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "2", "-l", "2", str(pdf_path)],
                         capture_output=True, check=True).stdout
    image = Image.open(io.BytesIO(png)).convert("L")
    px = image.load()
    right = max(x1 for _, _, x1, _ in boxes)
    numbers = [b for b in boxes if b[2] > right - 1 and b[3] < image.height * 0.9]  # not the footer's
    assert len(numbers) >= 25
    for x0, y0, x1, y1 in numbers:
        dark = {(x, y) for x in range(int(x0) - 10, min(int(x1) + 10, image.width))
                for y in range(int(y0), int(y1) + 1) if px[x, y] < 170}
        last, todo = set(), [max(dark)]  # the rightmost ink, and all ink touching it
        while todo:
            point = todo.pop()
            if point in dark and point not in last:
                last.add(point)
                todo += [(point[0] + dx, point[1] + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
        height = max(y for _, y in last) - min(y for _, y in last) + 1
        assert height > (y1 - y0) / 3, f"a dot after the page number at y={y0 * 72 / dpi:.0f}pt"
