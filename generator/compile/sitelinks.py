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
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from markdown.util import AMP_SUBSTITUTE

from ..common.diagnostics import Diagnostic
from ..knowledge.sitemap import relative_url, site_url


# MkDocs' link checks (``validation.links`` of mkdocs.yml) and those that fail a strict build by default.
LINK_CHECKS = ("not_found", "anchors", "absolute_links", "unrecognized_links")
FAILING_BY_DEFAULT = frozenset({"not_found"})


@dataclass(frozen=True)
class SiteLinks:
    """The site's pages (site paths, ``.md``) and its other files (paths from the site's root, such as
    ``downloads/report.pdf``), which links may lead to; ``failing``: the checks (``LINK_CHECKS``) whose
    findings are problems (the host's setting: the rest it only notes)."""

    pages: frozenset[str]
    files: frozenset[str] = frozenset()
    failing: frozenset[str] = FAILING_BY_DEFAULT

    def rewrite(self, root: etree.Element, page: str, source: str) -> tuple[list[tuple[str, str, str]],
                                                                            list[Diagnostic]]:
        """Every link and image of ``root`` (rendered from ``page``, whose file is ``source``) with its URL on
        the site. Returns the links with an anchor, ``(page, anchor, as written)``, and the problems."""
        anchored: list[tuple[str, str, str]] = []
        problems: list[Diagnostic] = []
        for el in root.iter():
            key = "href" if el.tag == "a" else "src" if el.tag == "img" else None
            url = el.get(key) if key else None
            if url is not None:
                el.set(key, self._url(url, page, source, anchored, problems, "image" if key == "src" else "link to"))
        return anchored, problems

    def _url(self, url: str, page: str, source: str, anchored: list, problems: list, what: str) -> str:
        try:
            scheme, netloc, path, query, anchor = urlsplit(url)
        except ValueError:  # not an address at all: the loader reports it at its line
            return url
        if scheme or netloc or AMP_SUBSTITUTE in url:
            return url
        if url.startswith(("/", "\\")):
            if "absolute_links" in self.failing:
                problems.append(Diagnostic(source, None, f"{what} '{url}' is absolute — it would lead outside the "
                                           "site wherever it is not published at the root of its host. Link to the "
                                           "page's .md file, relative to this one.", "link.absolute"))
            return url
        if not path:
            if anchor:
                anchored.append((page, anchor, url))
            return url
        target = posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(path)).lstrip("/"))
        if target in self.pages:
            if anchor:
                anchored.append((target, anchor, url))
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
            problems.append(Diagnostic(source, None, f"{what} '{url}' — {why}.", code))
        return url


def check_anchors(links: dict[str, tuple[str, list[tuple[str, str, str]]]],
                  ids: dict[str, set[str]]) -> list[Diagnostic]:
    """``links``: page -> (its file, its links with an anchor); ``ids``: page -> the ids it has. A link whose
    page is known but lacks the anchor is a problem."""
    problems = []
    for source, anchored in links.values():
        for target, anchor, url in anchored:
            if target in ids and anchor not in ids[target]:
                where = "this page" if url.startswith("#") else f"'{target}'"
                problems.append(Diagnostic(source, None, f"link to '{url}' — {where} has no heading or anchor "
                                           f"'#{anchor}'.", "link.missing-anchor"))
    return problems
