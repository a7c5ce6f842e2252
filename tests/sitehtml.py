"""Reading a built site as a reader (or a link checker) would: text, ids and links of each page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Page:
    path: Path
    ids: set[str] = field(default_factory=set)
    links: list[tuple[str, dict]] = field(default_factory=list)  # (href, attrs of <a>)
    text: str = ""  # article text, without citations and permalinks
    captions: list[str] = field(default_factory=list)  # quote attributions


class _Parser(HTMLParser):
    def __init__(self, page: Page):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.stack: list[tuple[str, bool]] = []  # (tag, excluded)
        self.in_article = 0
        self.chunks: list[str] = []
        self.caption: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.page.ids.add(a["id"])
        if tag == "a" and "href" in a:
            self.page.links.append((a["href"], a))
        if tag in VOID:
            if tag == "br":
                self.chunks.append(" ")
            return
        cls = a.get("class", "") or ""
        excluded = bool(self.stack and self.stack[-1][1]) or "citation" in cls.split() or "headerlink" in cls or "term__tip" in cls.split() or "entity-link" in cls.split()
        if tag == "article":
            self.in_article += 1
        if tag == "figcaption":
            self.caption = []
        self.stack.append((tag, excluded))
        if tag in {"p", "li", "h1", "h2", "h3", "h4", "blockquote", "figcaption", "dd", "dt", "td", "th"}:
            self.chunks.append("\n")

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break
        if tag == "article":
            self.in_article -= 1
        if tag == "figcaption" and self.caption is not None:
            self.page.captions.append("".join(self.caption).strip())
            self.caption = None
        if tag in {"p", "li", "h1", "h2", "h3", "h4"}:
            self.chunks.append("\n")

    def handle_data(self, data):
        if self.caption is not None:
            self.caption.append(data)
        if self.in_article and not (self.stack and self.stack[-1][1]):
            self.chunks.append(data)


def read_page(path: Path) -> Page:
    page = Page(path)
    parser = _Parser(page)
    parser.feed(path.read_text(encoding="utf-8"))
    page.text = "".join(parser.chunks)
    return page


def read_site(site: Path) -> dict[str, Page]:
    return {p.relative_to(site).as_posix(): read_page(p) for p in sorted(site.rglob("*.html"))}


def resolve(site: Path, from_page: str, href: str) -> tuple[str, str] | None:
    """(target page key, fragment) for an internal link; None for external ones."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or href.startswith("mailto:"):
        return None
    base = Path(from_page).parent
    target = (base / unquote(parts.path)).as_posix() if parts.path else from_page
    target = re.sub(r"(^|/)\./", r"\1", target)
    segs: list[str] = []
    for seg in target.split("/"):
        if seg == "..":
            segs.pop()
        elif seg not in ("", "."):
            segs.append(seg)
    target = "/".join(segs)
    if parts.path.endswith("/") or not target.endswith(".html") and (site / target).is_dir():
        target = (target + "/index.html").lstrip("/")
    return target, parts.fragment


def norm(text: str) -> str:
    """Whitespace collapsed; no space before closing punctuation (citations leave such gaps)."""
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r" +([.,;:)])", r"\1", text)


class _SectionItems(HTMLParser):
    def __init__(self, heading_id: str):
        super().__init__(convert_charrefs=True)
        self.heading_id = heading_id
        self.inside = False
        self.items: list[tuple[str, list[str]]] = []  # (text, hrefs) of each list item
        self.item: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "h2":
            self.inside = a.get("id") == self.heading_id
        elif self.inside and tag == "li":
            self.item = []
            self.items.append(("", []))
        elif self.item is not None and tag == "a" and "href" in a:
            self.items[-1][1].append(a["href"])

    def handle_endtag(self, tag):
        if tag == "li" and self.item is not None:
            self.items[-1] = ("".join(self.item), self.items[-1][1])
            self.item = None

    def handle_data(self, data):
        if self.item is not None:
            self.item.append(data)


def section_items(path: Path, heading_id: str) -> list[tuple[str, list[str]]]:
    """(text, hrefs) of each list item under the <h2> with this id, up to the next <h2>."""
    parser = _SectionItems(heading_id)
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.items


class _SectionText(HTMLParser):
    def __init__(self, heading_id: str):
        super().__init__(convert_charrefs=True)
        self.heading_id = heading_id
        self.level: int | None = None  # the section's heading level while inside it
        self.done = False
        self.chunks: list[str] = []

    def handle_starttag(self, tag, attrs):
        if re.fullmatch(r"h[1-6]", tag):
            level = int(tag[1])
            if self.level is not None and level <= self.level:
                self.level, self.done = None, True
            elif not self.done and dict(attrs).get("id") == self.heading_id:
                self.level = level

    def handle_data(self, data):
        if self.level is not None:
            self.chunks.append(data)


def section_text(path: Path, heading_id: str) -> str:
    """The text of the section whose heading has this id, up to the next heading of its level or above
    ("" when the page has no such heading)."""
    parser = _SectionText(heading_id)
    parser.feed(path.read_text(encoding="utf-8"))
    return norm("".join(parser.chunks))
