"""The site map: every page's path, and the public URL it is published at.

Pages are named by their site path, a ``.md`` path from the site's root (``vignettes/road-safety.md``,
``lessons/evaluation-matters.md``); each is published in a folder of its own (``/vignettes/road-safety/``).
Links the host resolves are relative ``.md`` paths (:func:`relative_path`); HTML the compile stage writes
itself never passes through the host, so it links with the public URLs (:func:`relative_url`).
"""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache
from urllib.parse import quote

from .model import KnowledgeBase

HOME = "index.md"
GLOSSARY_PAGE = "glossary.md"
BIBLIOGRAPHY_PAGE = "references.md"
VOICES_PAGE = "voices.md"
EXAMPLES_PAGE = "prevention-examples.md"
LESSONS_INDEX = "lessons/index.md"
AREAS_INDEX = "areas/index.md"
VIGNETTES_INDEX = "vignettes/index.md"
SITE_INDEX = "site-index.md"  # every page and its sections: what the header's search leads to without JavaScript
DOWNLOADS = "downloads"  # the folder the PDF is published in
PDF_NAME = "year3-partnership-innovation-prevention.pdf"  # published as downloads/<PDF_NAME>
# The report's own chapters (the PDF prints them, with everything under vignettes/, in the nav's order).
REPORT_CHAPTERS = frozenset({
    "executive-summary.md", "introduction.md", "partnership-working-and-innovation.md",
    "practices-of-prevention.md", "conclusions.md", "references.md",
})
# Characters a URL keeps as they are in its path and in its fragment (RFC 3986's pchar, and "/" and "?").
URL_SAFE = "/?:@!$&'()*+,;=-._~"


def vignette_page(file_name: str) -> str:
    return f"vignettes/{file_name}"


def lesson_page(slug: str) -> str:
    return f"lessons/{slug}.md"


def area_page(slug: str) -> str:
    return f"areas/{slug}.md"


def reference_anchor(key: str) -> str:
    """The id of a cited work's entry on the References page: ``'morse2010'`` -> ``'ref-morse2010'``."""
    return f"ref-{key}"


# The titles of the pages generated about the knowledge base as a whole (a lesson's or an area's page has its label).
GENERATED_TITLES = {BIBLIOGRAPHY_PAGE: "References", LESSONS_INDEX: "Wider lessons", AREAS_INDEX: "Case-study areas",
                    EXAMPLES_PAGE: "Prevention examples", VOICES_PAGE: "Voices", SITE_INDEX: "Every page and section"}


def generated_page_titles(kb: KnowledgeBase) -> dict[str, str]:
    """Site path -> title of every page the compile stage generates from the knowledge base, in the site's order."""
    pages = {BIBLIOGRAPHY_PAGE: GENERATED_TITLES[BIBLIOGRAPHY_PAGE]}
    if kb.lessons:
        pages[LESSONS_INDEX] = GENERATED_TITLES[LESSONS_INDEX]
        pages.update((lesson.page, lesson.label) for lesson in kb.lessons.values())
    if kb.areas:
        pages[AREAS_INDEX] = GENERATED_TITLES[AREAS_INDEX]
        pages.update((area.page, area.label) for area in kb.areas.values())
    return pages | {page: GENERATED_TITLES[page] for page in (EXAMPLES_PAGE, VOICES_PAGE, SITE_INDEX)}


def generated_page_paths(kb: KnowledgeBase) -> frozenset[str]:
    """Site paths of every page the compile stage generates from the knowledge base."""
    return frozenset(generated_page_titles(kb))


# The site's search (Material's ``search: boost``): a phrase of the report's text finds its passage in a chapter
# or vignette before the pages that gather the report's words by entity (lessons, areas: each repeats the
# passages it is made of, voices the extracts); those come before the other pages that only mention them.
REPORT_TEXT_BOOST, ENTITY_PAGE_BOOST = 4, 2


def search_boosts(kb: KnowledgeBase) -> dict[str, int]:
    """Site path -> the boost of its page in the site's search; pages not in it are not boosted."""
    boosts = {page: ENTITY_PAGE_BOOST for page in entity_pages(kb)}
    boosts.update({page: REPORT_TEXT_BOOST for page in kb.documents
                   if page in REPORT_CHAPTERS or page.startswith("vignettes/")})
    return boosts


def out_of_nav(kb: KnowledgeBase) -> frozenset[str]:
    """The generated pages the navigation leaves out: those about one entity (reached from their index pages,
    the nav stays the same size however many there are) and the index of every page."""
    return entity_pages(kb) | {SITE_INDEX}


def entity_pages(kb: KnowledgeBase) -> frozenset[str]:
    """Pages about one entity: the host may rank them first in search and leave them out of the nav."""
    return frozenset({lesson.page for lesson in kb.lessons.values()} | {a.page for a in kb.areas.values()} |
                     {v.page for v in kb.vignettes.values()})


@lru_cache(maxsize=65536)
def site_url(page: str) -> str:
    """A page's URL from the site's root, one folder per page: ``'vignettes/road-safety.md'`` ->
    ``'vignettes/road-safety/'``, ``'areas/index.md'`` -> ``'areas/'``, ``'index.md'`` -> ``''``."""
    stem = page.removesuffix(".md")
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem.removesuffix("index")
    return stem + "/"


def public_url(page: str, root_url: str | None, anchor: str = "") -> str:
    """A page's URL, relative to the site's root, or absolute under ``root_url`` when it is given (and not
    empty), its path and anchor percent-encoded: ``public_url('areas/a.md', 'https://x.org/r/', 'q')`` ->
    ``'https://x.org/r/areas/a/#q'``."""
    base = root_url.rstrip("/") + "/" if root_url else ""
    fragment = f"#{quote(anchor, safe=URL_SAFE)}" if anchor else ""
    return base + quote(site_url(page), safe=URL_SAFE) + fragment


@lru_cache(maxsize=65536)
def _relative(target_url: str, from_url: str) -> str:
    """What ``posixpath.relpath`` gives for two folder URLs (plus the closing ``/``), without its
    ``abspath`` and ``getcwd`` on every call: up out of what ``from_url`` does not share, then down."""
    target, origin = target_url.split("/")[:-1], from_url.split("/")[:-1]
    common = 0
    for a, b in zip(target, origin, strict=False):  # up to the shorter
        if a != b:
            break
        common += 1
    parts = [".."] * (len(origin) - common) + target[common:]
    return "/".join(parts) + "/" if parts else "./"


def relative_url(target_page: str, from_page: str, anchor: str = "") -> str:
    """The link from ``from_page`` to ``target_page`` (site paths), e.g. ``'../areas/a/#area-a'``; a link
    to the page itself is just ``'#anchor'``."""
    fragment = f"#{anchor}" if anchor else ""
    if target_page == from_page and fragment:
        return fragment
    return _relative(site_url(target_page), site_url(from_page)) + fragment


def relative_path(target_page: str, from_page: str) -> str:
    """``target_page`` relative to the folder of ``from_page`` (both site paths, e.g. ``lessons/a.md``)."""
    return _relpath(target_page, posixpath.dirname(from_page) or ".")


@lru_cache(maxsize=65536)
def _relpath(target: str, folder: str) -> str:
    # posixpath.relpath makes both paths absolute on every call; pages are in a handful of folders.
    return posixpath.relpath(target, folder)


def page_id(page: str) -> str:
    """A page's id in the one document the PDF is: ``vignettes/road-safety.md`` -> ``vignettes-road-safety``."""
    stem = posixpath.splitext(page)[0]
    if stem.endswith("/index"):
        stem = stem[: -len("/index")]
    return re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-") or "home"


def global_id(page: str, anchor: str = "") -> str:
    """A page's element id, unique in the whole report (site and PDF): ``introduction--cite-3``. An id made
    global already (a passage's, :mod:`..compile.passages`) stays as it is."""
    if not anchor:
        return page_id(page)
    prefix = f"{page_id(page)}--"
    return anchor if anchor.startswith(prefix) else prefix + anchor
