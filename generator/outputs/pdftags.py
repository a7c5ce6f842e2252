"""The PDF's tag tree, mended where WeasyPrint tags the report in a way that a PDF/UA audit, and so a screen
reader, does not accept. :func:`mend` is WeasyPrint's ``finisher``: it changes the PDF's objects (pydyf's)
after the layout and before they are written, so it costs no second pass over the file. It reads the tree
as WeasyPrint 70 builds it (hence the pin in pyproject.toml: 68 and 69 put a nested list before its item).

- Running heads and page numbers (the pages' margin boxes) are tagged text that no element of the tree
  holds: they become artifacts (``/Artifact <</Type /Pagination>>``), which assistive technology skips.
- Lists: a list item's content outside a label (Lbl) or body (LBody) goes into a body; a nested list, which
  WeasyPrint puts beside its item, goes into the item's body; a description list's group
  (``<div><dt>…</dt><dd>…</dd></div>``, tagged as a Div of two items) becomes one item, the term its label
  and the description its body.
- A link annotation is held by its Link element (WeasyPrint gives a link's inner boxes, such as a
  ``<span>`` in an ``<a>``, annotations of their own, held by the span's element).
- A link annotation's /Contents, its description for assistive technology, is the link's words (its
  ``aria-label``, else its text), not its target.
- The contents page (``<nav class="contents">``, which WeasyPrint tags NonStruct, as any element it has no
  type for) is a section: its heading, then its list as a table of contents (TOC), each entry an item
  (TOCI) that holds a Reference to its Link, and the entry's sections as a TOC of their own.
"""

from __future__ import annotations

import re

import pydyf

# Item parts: a list item holds only these.
ITEM_PARTS = ("/Lbl", "/LBody")
ARTIFACT = "/Artifact"


def mend(document, pdf: pydyf.PDF) -> None:
    """Mend the tag tree of ``pdf``, laid out from ``document`` (a WeasyPrint Document)."""
    if "StructTreeRoot" not in pdf.catalog:
        return
    tree = _Tree(pdf)
    tree.pagination_as_artifacts()
    tree.annotations_in_links()
    for element in tree.kids(tree.get(tree.root["K"][0])):
        if element["S"] == "/NonStruct" and tree.mend_contents(element):
            element["S"] = "/Sect"
    for element in list(tree.elements()):
        if element["S"] == "/L":
            tree.mend_list(element)
    _describe_links(document)


class _Tree:
    """The structure tree of a pydyf PDF, as WeasyPrint writes it: elements are dictionaries, their
    ``K`` arrays hold references (``b"12 0 R"``) to elements and annotations, and marked-content ids."""

    def __init__(self, pdf: pydyf.PDF):
        self.pdf = pdf
        self.root = self.get(pdf.catalog["StructTreeRoot"])

    def get(self, reference: bytes):
        return self.pdf.objects[int(reference.split()[0])]

    def kids(self, element) -> list:
        return [o for o in (self.get(k) for k in element["K"] if isinstance(k, bytes)) if "S" in o]

    def only_elements(self, element) -> bool:
        """Whether the element holds elements only (no marked content, no annotation): those that do are
        left as they are."""
        return len(self.kids(element)) == len(element["K"])

    def elements(self):
        stack = [self.get(k) for k in self.root["K"]]
        while stack:
            element = stack.pop()
            yield element
            stack.extend(reversed(self.kids(element)))

    def new(self, tag: str, parent, kids: list) -> pydyf.Dictionary:
        element = pydyf.Dictionary({"Type": "/StructElem", "S": tag, "K": pydyf.Array(),
                                    "Pg": parent["Pg"], "P": parent.reference})
        self.pdf.add_object(element)
        self.adopt(element, kids)
        return element

    def adopt(self, parent, kids: list) -> None:
        for kid in kids:
            kid["P"] = parent.reference
            parent["K"].append(kid.reference)

    def pagination_as_artifacts(self) -> None:
        """Each marked content that the tree does not reach becomes an artifact, and leaves the parent
        tree: WeasyPrint tags the margin boxes' text, then leaves their elements out of the tree."""
        reached = {e.number for e in self.elements()}
        nums = self.get(self.root["ParentTree"])["Nums"]
        pages = [self.get(p) for p in self.pdf.page_references]
        for index, marks in zip(nums[::2], nums[1::2], strict=True):
            if not isinstance(marks, pydyf.Array):  # an annotation's parent
                continue
            outside = {mcid for mcid, ref in enumerate(marks) if self.get(ref).number not in reached}
            for mcid in outside:
                marks[mcid] = "null"
            while marks and marks[-1] == "null":  # the margin boxes are painted last: no gap is left
                marks.pop()
            stream = self.get(pages[index]["Contents"]).stream
            for i, item in enumerate(stream):
                if isinstance(item, pydyf.Dictionary) and item.get("MCID") in outside:
                    stream[i - 1] = ARTIFACT
                    stream[i] = pydyf.Dictionary({"Type": "/Pagination"})

    def annotations_in_links(self) -> None:
        nums = self.get(self.root["ParentTree"])["Nums"]
        keys = nums[::2]
        for element in list(self.elements()):
            held = [k for k in element["K"] if isinstance(k, bytes) and self.get(k).get("Type") == "/OBJR"]
            link = self.ancestor(element, "/Link") if held and element["S"] != "/Link" else None
            for reference in held if link is not None else ():
                element["K"].remove(reference)
                link["K"].append(reference)
                annotation = self.get(self.get(reference)["Obj"])
                nums[2 * keys.index(annotation["StructParent"]) + 1] = link.reference

    def ancestor(self, element, tag: str):
        while "S" in element and element["S"] != tag:
            element = self.get(element["P"])
        return element if "S" in element else None

    def mend_list(self, lst) -> None:
        if not self.only_elements(lst):
            return
        kids: list = []
        for kid in self.kids(lst):
            if kid["S"] == "/Div":  # a description list's group
                kids.extend(self._group(kid))
            elif kid["S"] == "/L" and kids and kids[-1]["S"] == "/LI":  # a nested list, beside its item
                self.adopt(self._body(kids[-1]), [kid])
            else:
                kids.append(kid)
        lst["K"] = pydyf.Array()
        self.adopt(lst, kids)
        for item in kids:
            if item["S"] == "/LI":
                self._parts(item)

    def mend_contents(self, nav) -> bool:
        """Whether ``nav``, an element of the document, holds the contents: lists of links only (and of their
        sections' lists), which become a table of contents."""
        lists = [kid for kid in self.kids(nav) if kid["S"] == "/L"]
        if not lists or not all(self._entries(lst) is not None for lst in lists):
            return False
        for lst in lists:
            self._toc(lst)
        return True

    def _entries(self, lst) -> list | None:
        """Each item of the list with its parts (its body's: a Link, then its sections' list), if it is a
        list of links; else None."""
        entries = []
        for item in self.kids(lst):
            parts = [p for part in self.kids(item) for p in (self.kids(part) if part["S"] == "/LBody" else [part])]
            if not self.only_elements(item) or not all(self.only_elements(part) for part in self.kids(item)
                                                       if part["S"] == "/LBody"):
                return None
            if not parts or any(p["S"] not in ("/Link", "/L") for p in parts) or \
                    any(p["S"] == "/L" and self._entries(p) is None for p in parts):
                return None
            entries.append((item, parts))
        return entries

    def _toc(self, lst) -> None:
        """The list as a TOC: each item a TOCI of a Reference to its Link, then its sections' TOC."""
        lst["S"] = "/TOC"
        for item, parts in self._entries(lst):
            item["S"], item["K"] = "/TOCI", pydyf.Array()
            for part in parts:
                if part["S"] == "/L":
                    self._toc(part)
                    self.adopt(item, [part])
                else:
                    self.adopt(item, [self.new("/Reference", item, [part])])

    def _group(self, div) -> list:
        """A ``<div>`` of a ``<dl>``: its term and description, each tagged LI > LBody, as one item of a
        label and a body; any other group's items as they are."""
        items = self.kids(div)
        shapes = [(i["S"], [k["S"] for k in self.kids(i)]) for i in items]
        if not self.only_elements(div) or shapes != [("/LI", ["/LBody"])] * 2:
            return items
        (term,), (description,) = (self.kids(i) for i in items)
        term["S"] = "/Lbl"
        div["S"] = "/LI"
        div["K"] = pydyf.Array()
        self.adopt(div, [term, description])
        return [div]

    def _parts(self, item) -> None:
        """Every run of the item's kids that is neither label nor body goes into a body of its own."""
        if not self.only_elements(item):
            return
        parts: list = []
        loose: list = []
        for kid in self.kids(item):
            if kid["S"] in ITEM_PARTS:
                if loose:
                    parts.append(self.new("/LBody", item, loose))
                    loose = []
                parts.append(kid)
            else:
                loose.append(kid)
        if loose:
            parts.append(self.new("/LBody", item, loose))
        item["K"] = pydyf.Array()
        self.adopt(item, parts)

    def _body(self, item):
        """The item's last body, made if it has none."""
        self._parts(item)
        bodies = [k for k in self.kids(item) if k["S"] == "/LBody"]
        if not bodies:
            bodies = [self.new("/LBody", item, [])]
            self.adopt(item, bodies)
        return bodies[-1]


def _describe_links(document) -> None:
    """Each link annotation's /Contents: the words of the link it belongs to (WeasyPrint gives a link's
    inner boxes, such as its ``<span>``, annotations of their own)."""
    for page in document.pages:
        _describe(page._page_box, None)


def _describe(box, link) -> None:
    box = getattr(box, "_box", box)  # an absolutely positioned box's placeholder
    if getattr(box, "link", None) and box.element is not None:
        link = box.element
    if getattr(box, "link_annotation", None) is not None and link is not None and (words := _words(link)):
        box.link_annotation["Contents"] = pydyf.String(words)
    for child in getattr(box, "children", ()):
        _describe(child, link)


def _words(element) -> str:
    label = element.get("aria-label") or "".join(element.itertext())
    return re.sub(r"\s+", " ", label).strip()
