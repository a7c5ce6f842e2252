"""Links between the site's pages and files, made as a host makes them from Markdown: ``../about.md#x`` from
``vignettes/road-safety.md`` is ``../../about/#x``.

The compile step writes a page's blocks as ready HTML, whose links no host rewrites (MkDocs does not look
into HTML; Zensical rewrites ``.md`` links in it, but not every host does), so they are made here the way
MkDocs makes them from a Markdown link (folder URLs, ``use_directory_urls``), and checked: a link to a page
or file the site does not have, an absolute link, and (once every page is compiled, :func:`check_anchors`) an
anchor its page does not have are problems, as they are for ``mkdocs build --strict``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from markdown.util import AMP_SUBSTITUTE

from ..common.diagnostics import Diagnostic
from ..knowledge.sitemap import relative_url, site_url
from .sanitize import locate


# MkDocs' link checks (``validation.links`` of mkdocs.yml) and those that fail a strict build by default.
LINK_CHECKS = ("not_found", "anchors", "absolute_links", "unrecognized_links")
FAILING_BY_DEFAULT = frozenset({"not_found"})


@dataclass(frozen=True)
class Where:
    """The file a page comes from, and the line of a URL written in it (None: not written there as such)."""

    source: str
    line: Callable[[str], int | None]


@dataclass(frozen=True)
class Anchored:
    """A link with an anchor, to check once every page has its ids: the page and anchor it leads to, the URL
    as written, and where."""

    page: str
    anchor: str
    url: str
    where: Where


@dataclass
class WrittenAt:
    """Where a file's links are written, for their problems' lines: ``text`` is the file's body, whose first line
    is ``first``. A URL is looked for after the place it was last found, so the same URL written twice is
    found at each of its lines in turn."""

    text: str
    first: int
    searched_to: dict[str, int] = field(default_factory=dict)

    def line(self, url: str) -> int | None:
        found = locate((url, unquote(url)), self.text, self.searched_to.get(url, 0))
        if found is None:  # not written as such (a link the page's generated part makes)
            return None
        self.searched_to[url] = found[1]
        return self.first + found[0]


@dataclass(frozen=True)
class SiteLinks:
    """The site's pages (site paths, ``.md``) and its other files (paths from the site's root, such as
    ``downloads/report.pdf``), which links may lead to; ``failing``: the checks (``LINK_CHECKS``) whose
    findings are problems (the host's setting: the rest it only notes)."""

    pages: frozenset[str]
    files: frozenset[str] = frozenset()
    failing: frozenset[str] = FAILING_BY_DEFAULT

    def rewrite(self, root: etree.Element, page: str, source: str,
                written_at: WrittenAt | None = None) -> tuple[list[Anchored], list[Diagnostic]]:
        """Every link and image of ``root`` (rendered from ``page``, whose file is ``source``, its links written
        where ``written_at`` finds them) with its URL on the site. Returns the links with an anchor and the
        problems."""
        anchored: list[Anchored] = []
        problems: list[Diagnostic] = []
        at = written_at.line if written_at is not None else lambda url: None
        for el in root.iter():
            key = "href" if el.tag == "a" else "src" if el.tag == "img" else None
            url = el.get(key) if key else None
            if url is not None:
                el.set(key, self._url(url, page, Where(source, at), anchored, problems,
                                      "image" if key == "src" else "link to"))
        return anchored, problems

    def _url(self, url: str, page: str, where: Where, anchored: list, problems: list, what: str) -> str:
        try:
            scheme, netloc, path, query, anchor = urlsplit(url)
        except ValueError:  # not an address at all: the loader reports it at its line
            return url
        if scheme or netloc or AMP_SUBSTITUTE in url:
            return url
        if url.startswith(("/", "\\")):
            if "absolute_links" in self.failing:
                problems.append(Diagnostic(where.source, where.line(url), f"{what} '{url}' is absolute — it would lead outside the "
                                           "site wherever it is not published at the root of its host. Link to the "
                                           "page's .md file, relative to this one.", "link.absolute"))
            return url
        if not path:
            if anchor:
                anchored.append(Anchored(page, anchor, url, where))
            return url
        target = posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(path)).lstrip("/"))
        if target in self.pages:
            if anchor:
                anchored.append(Anchored(target, anchor, url, where))
            return urlunsplit(("", "", relative_url(target, page), query, anchor))
        if target in self.files:
            folder = "/" + site_url(page).rstrip("/")
            return urlunsplit(("", "", posixpath.relpath("/" + quote(target), folder), query, anchor))
        if not posixpath.splitext(path)[1]:
            why, code, check = ("it names neither a page (a .md file) nor a file — link to the page's .md file",
                                "link.unrecognized", "unrecognized_links")
        elif target.endswith(".md"):
            why, code, check = f"there is no such page ('{target}')", "link.missing-page", "not_found"
        else:
            why, code, check = f"the site has no file '{target}' — check its name and folder", "link.missing-file", "not_found"
        if check in self.failing:
            problems.append(Diagnostic(where.source, where.line(url), f"{what} '{url}' — {why}.", code))
        return url


def check_anchors(anchored: Iterable[Anchored], ids: dict[str, set[str]]) -> list[Diagnostic]:
    """``anchored``: links with an anchor; ``ids``: page -> the ids it has. A link whose page is known but lacks
    the anchor is a problem."""
    problems = []
    for link in anchored:
        if link.page in ids and link.anchor not in ids[link.page]:
            where = "this page" if link.url.startswith("#") else f"'{link.page}'"
            problems.append(Diagnostic(link.where.source, link.where.line(link.url), f"link to '{link.url}' — {where} has no heading or "
                                       f"anchor '#{link.anchor}'.", "link.missing-anchor"))
    return problems
