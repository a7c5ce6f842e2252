"""Load the project's sources into a :class:`KnowledgeBase`, collecting every problem."""

from __future__ import annotations

import posixpath
import re
from difflib import get_close_matches
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import citations as cit
from ..common import collector
from ..common.diagnostics import Diagnostics, did_you_mean, shown
from ..sources.frontmatter import FrontMatter, SplitDocument, read_source, split
from ..common.limits import SLUG_CHARS, exhausted, markdown_within_limits
from .loadcache import LoadCache
from .entities import build_entities
from .glossary import terms_used
from .includes import read_includes
from .model import Citation, Document, Entity, KnowledgeBase, SourceLocation, Vignette, XRef
from .publication import load_publication, publication_details
from ..common.project import Layout
from ..common.vocabulary import AREAS, SERVICES, SLUG_RE, is_numeral, numerals, roman
from ..sources.dialect import stray_table_captions
from ..sources.scan import Scan, explicit_id, scan
from ..sources.outside import report_links_outside, stays_inside  # noqa: F401 (stays_inside: the plugin's)
from .sitemap import generated_page_paths, vignette_page


CHAPTER_FIELDS: dict[str, type] = {"description": str, "illustrated_by": dict, "terms": dict, "publication": dict}
VIGNETTE_FIELDS: dict[str, Any] = {
    "number": str, "title": str, "area": str, "services": list, "partners": list,
}


GENERATOR_MARKER_RE = re.compile(r"<!--/?report:(?P<kind>island|deferred)\b")


def load_knowledge(root: Path | str, layout: Layout = Layout(), *,
                   cache: bool = True) -> tuple[KnowledgeBase, Diagnostics]:
    """The knowledge base and every problem in it (what rendering finds: ``compile.project.load_project``). ``cache``: reuse what an earlier load made of unchanged files
    (``<root>/.cache/load/``, see loadcache; ``REPORT_NO_CACHE=1`` recomputes but keeps). The same either way."""
    with collector.paused():  # some 100,000 objects that all stay alive, next to no garbage
        return _load_project(Path(root), layout, LoadCache(Path(root), enabled=cache))


def _load_project(root: Path, layout: Layout, cache: LoadCache) -> tuple[KnowledgeBase, Diagnostics]:
    diags = Diagnostics()
    kb = KnowledgeBase()
    if report_links_outside(root, layout, diags):  # read nothing: a link could lead to any file of the machine
        return kb, diags
    kb.sources = cit.load_sources(root, layout.references, diags, cache)
    scans: dict[str, Scan] = {}
    texts = kb.texts
    numbers: dict[str, Vignette] = {}  # vignette number -> the first vignette that has it

    unread: set[str] = set()  # pages whose file could not be read: what they say is not known
    for path in sorted((root / layout.content).rglob("*.md")):
        page = path.relative_to(root / layout.content).as_posix()
        if not _load_document(root, path, page, "chapter", kb, diags, scans, texts, numbers, layout.vignette_numbers, cache):
            unread.add(page)
    also_cited: set[str] = set()
    for path in sorted((root / layout.vignettes).glob("*.md")):
        page = vignette_page(path.name)
        kind = "chapter" if path.name == "index.md" else "vignette"
        if page in kb.documents:
            diags.error(path.relative_to(root).as_posix(), None,
                        f"page '{page}' is defined twice — also by {kb.documents[page].file}. Remove one.",
                        "page.duplicate")
            _shadowed(root, path, kind, kb, also_cited, cache)
            continue
        if not _load_document(root, path, page, kind, kb, diags, scans, texts, numbers, layout.vignette_numbers, cache):
            unread.add(page)

    build_entities(kb, scans, diags, root)
    read_includes(kb, scans, diags)
    kb.publication = load_publication(root, kb, diags)
    # With a page unread, what nothing links to, uses or cites is not known: it might.
    _check_references(kb, diags, also_cited, complete=not unread)
    _check_links(kb, scans, diags, unread)
    if any(d.code.startswith(UNREAD_CODES) and d.path.endswith(".bib") for d in diags.items):
        # With a .bib file unread, "unknown key" would only repeat that problem for each citation.
        diags.items[:] = [d for d in diags.items if d.code != "citation.unknown-key"]
    kb.index()
    cache.save()
    return kb, diags


# The problems that leave a whole file unread (the file's path is the problem's).
UNREAD_CODES = ("file.", "limit.file-size", "limit.markup", "limit.line-length", "limit.block-lines",
                "limit.block-size", "limit.nesting", "limit.resources")


def _read_document(path: Path, rel: str, diags: Diagnostics, cache: LoadCache) -> tuple[str, SplitDocument, Scan] | None:
    """A Markdown file's text, split and scanned; None (the problem reported) when it cannot be read, is beyond the limits
    that keep parsing it quick (limits.py), or runs out of stack or memory all the same."""
    text = read_source(path, rel, diags)
    if text is None or not markdown_within_limits(text, rel, diags):
        return None
    try:
        return (text, *_split_and_scan(text, rel, diags, cache))
    except (RecursionError, MemoryError) as exc:
        diags.error(rel, None, exhausted(exc), "limit.resources")
        return None


def _split_and_scan(text: str, rel: str, diags: Diagnostics, cache: LoadCache) -> tuple[SplitDocument, Scan]:
    """What split and scan make of a file's text: from the cache when they made it before, else computed (and
    kept for next time when it reported no problem, so that a problem is reported on every load)."""
    found = cache.document(rel, text)
    if found is not None:
        return found
    own = Diagnostics()
    doc = split(text, rel, own)
    result = doc, scan(doc.body, doc.body_line)
    diags.items += own.items
    if not own.items:
        cache.keep_document(rel, text, result)
    return result


def _shadowed(root: Path, path: Path, kind: str, kb: KnowledgeBase, also_cited: set[str], cache: LoadCache) -> None:
    """A file that lost to another for the same page: keep its id and citations known, so that the one
    problem (the duplicate) does not cascade into unknown links and uncited sources."""
    rel = path.relative_to(root).as_posix()
    read = _read_document(path, rel, Diagnostics(), cache)
    if read is None:
        return
    also_cited.update(i.key for c in read[2].citations for i in c.items)
    if kind == "vignette":
        entity = _page_entity(kind, vignette_page(path.name), path.stem)
        kb.entities.setdefault(entity.id, entity)


def _page_entity(kind: str, page: str, stem: str, title: str = "") -> Entity:
    """The entity of a page: ``vignette:<slug>`` (its label a placeholder until the front matter is read) or
    ``chapter:<page without .md, '/' as '-'>``."""
    if kind == "vignette":
        return Entity(f"vignette:{stem}", f"Vignette ({stem})", page)
    return Entity(f"chapter:{Path(page).with_suffix('').as_posix().replace('/', '-')}", title or stem, page)


def _load_document(root: Path, path: Path, page: str, kind: str, kb: KnowledgeBase, diags: Diagnostics,
                   scans: dict[str, Scan], texts: dict[str, str], numbers: dict[str, Vignette],
                   highest: int, cache: LoadCache) -> bool:
    """Load one page into ``kb``; False when its file could not be read (the problem is reported). The page is
    then empty, its address and id still known: links to it add no problems of their own, and nothing
    renders text that was not checked."""
    rel = path.relative_to(root).as_posix()
    read = _read_document(path, rel, diags, cache)
    if read is None:
        kb.documents[page] = Document(kind, page, rel, path.stem, "", 1)
        entity = _page_entity(kind, page, path.stem)
        kb.entities[entity.id] = entity
        scans[page] = Scan((), (), (), ())
        return False
    texts[page], doc, s = read
    fm = doc.front_matter
    marker = GENERATOR_MARKER_RE.search(doc.body) if "report:" in doc.body else None
    if marker:  # an island's, or a deferred island's placeholder (mdext)
        at = doc.body_line + doc.body[:marker.start()].count("\n")
        diags.error(rel, at, f"'<!--report:{marker['kind']}-->' is the generator's own marker for HTML it renders "
                    "itself (nothing inside it would be checked) — remove it, and write any HTML as ordinary raw "
                    "HTML.", "markdown.island-marker")
    for line in stray_table_captions(s.text_lines):
        diags.error(rel, line, "'Table: …' is a table's caption, but no table is right before or after it — put it "
                    "on a line of its own, one blank line after (or before) its table.", "markdown.table-caption")
    h1s = [h for h in s.headings if h.level == 1]
    meta: dict[str, Any] = {}

    if kind == "vignette":
        vignette = _vignette(rel, page, path.stem, fm, diags, highest)
        if h1s:
            diags.error(rel, h1s[0].line, "a vignette has no '# ' heading of its own — its title comes from "
                        "the front matter ('Vignette N: title'). Make it '## ' or remove it.", "vignette.h1")
        if vignette is None:  # keep the id so that links to it do not cascade into more errors
            entity = _page_entity(kind, page, path.stem)
            kb.entities[entity.id] = entity
            title, meta = path.stem, {}
        elif vignette.number in numbers:  # by number, not a scan of every vignette: linear in vignettes
            other = numbers[vignette.number]
            diags.error(rel, fm.line_of("number") if fm else 1,
                        f"vignette number '{vignette.number}' is already used by {other.location.path} — "
                        "each vignette has its own number.", "vignette.duplicate-number")
        if vignette is not None:
            numbers.setdefault(vignette.number, vignette)
            kb.vignettes[vignette.id] = vignette
            kb.entities[vignette.id] = Entity(vignette.id, vignette.label, page)
            title, meta = vignette.label, {"vignette": vignette.id}
    else:
        if fm is not None and fm.valid:
            _check_fields(rel, fm, CHAPTER_FIELDS, required=(), diags=diags)
            meta = dict(fm.data)
        if not h1s:
            diags.error(rel, doc.body_line, "the page has no title — start it with a '# Title' line.",
                        "page.no-title")
            title = path.stem
        else:
            title = h1s[0].text
            for extra in h1s[1:]:
                diags.error(rel, extra.line, f"second '# ' heading '{extra.text}' — a page has one title "
                            f"('{title}', line {h1s[0].line}). Make this one '## '.", "page.many-titles")
        entity = _page_entity(kind, page, path.stem, title)
        kb.entities[entity.id] = entity

    cites = []
    for n, c in enumerate(s.citations, start=1):
        cit.check_keys(c.items, kb.sources, rel, c.line, diags)
        cites.append(Citation(c.items, f"cite-{n}", page, SourceLocation(rel, c.line), c.section))
    xrefs = tuple(XRef(x.target, x.text, SourceLocation(rel, x.line), f"xref-{n}",
                       x.section.text if x.section else None, x.section.anchor if x.section else "")
                  for n, x in enumerate(s.xrefs, start=1))
    kb.documents[page] = Document(kind, page, rel, title, doc.body, doc.body_line, s.headings,
                                  tuple(cites), xrefs, meta)
    scans[page] = s
    return True


def _check_fields(rel: str, fm: FrontMatter, schema: dict[str, Any], required: tuple[str, ...],
                  diags: Diagnostics) -> bool:
    ok = True
    misspelt: set[str] = set()  # fields an unknown field most likely meant: one problem, not two
    for key in fm.data:
        if key not in schema:
            diags.error(rel, fm.line_of(key), f"unknown field '{key}' — the fields here are "
                        f"{', '.join(schema)}.{did_you_mean(key, schema)}", "frontmatter.unknown-field")
            misspelt.update(get_close_matches(key, list(schema), n=1))
            ok = False
    for key in required:
        if key in misspelt and key not in fm.data:
            continue
        if key not in fm.data or fm.data[key] in (None, "", []):
            diags.error(rel, fm.line, f"missing field '{key}' — every vignette needs it.",
                        "frontmatter.missing-field")
            ok = False
    for key, expected in schema.items():
        value = fm.data.get(key)
        if value is None:
            continue
        if expected is list:
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                diags.error(rel, fm.line_of(key), f"field '{key}' must be a list of names, one '- name' line "
                            f"each, not {shown(value)}.", "frontmatter.type")
                ok = False
        elif expected is dict and not isinstance(value, dict):
            diags.error(rel, fm.line_of(key), f"field '{key}' must be a mapping of 'name: value' lines, not "
                        f"{shown(value)}.", "frontmatter.type")
            ok = False
        elif not isinstance(value, expected):
            diags.error(rel, fm.line_of(key), f"field '{key}' must be text, not {shown(value)} — put it in quotes.",
                        "frontmatter.type")
            ok = False
    return ok


def _vignette(rel: str, page: str, slug: str, fm: FrontMatter | None, diags: Diagnostics,
              highest: int) -> Vignette | None:
    if fm is None:
        diags.error(rel, 1, "a vignette starts with front matter between '---' lines (number, title, area, "
                    "services, partners) — none was found.", "vignette.no-front-matter")
        return None
    if not fm.valid:
        return None
    if not _check_fields(rel, fm, VIGNETTE_FIELDS, tuple(VIGNETTE_FIELDS), diags):
        return None
    d = fm.data
    ok = True
    if not SLUG_RE.match(slug) or len(slug) > SLUG_CHARS:
        diags.error(rel, None, f"file name '{slug}' is not a slug — use lower-case words joined by hyphens, at most "
                    f"{SLUG_CHARS} characters; it becomes the page's address /vignettes/<slug>/.", "vignette.slug")
        ok = False
    if not is_numeral(d["number"], highest):
        diags.error(rel, fm.line_of("number"), f"number '{d['number']}' is not a Roman numeral I–{roman(highest)} "
                    f"— the report numbers vignettes I, II, III, IV.{did_you_mean(str(d['number']), numerals(highest))}",
                    "vignette.number")
        ok = False
    if d["area"] not in AREAS:
        diags.error(rel, fm.line_of("area"), f"area '{d['area']}' is not a case-study area — the report has "
                    "areas A, B, C and D.", "vignette.area")
        ok = False
    for s in d["services"]:
        if s not in SERVICES:
            diags.error(rel, fm.line_of("services"), f"service '{s}' is not one of {', '.join(SERVICES)} — other "
                        f"organisations go under 'partners'.{did_you_mean(s, SERVICES)}", "vignette.service")
            ok = False
    if not ok:
        return None
    return Vignette(f"vignette:{slug}", slug, d["number"], d["title"].strip(), d["area"],
                    tuple(d["services"]), tuple(d["partners"]), page, SourceLocation(rel, fm.line))


def _check_links(kb: KnowledgeBase, scans: dict[str, Scan], diags: Diagnostics, unread: set[str]) -> None:
    """Inline links between pages, and headings whose anchors collide — with their lines, before rendering. (The
    anchors of an ``unread`` page are not known.)"""
    generated = generated_page_paths(kb)
    anchors: dict[str, set[str]] = {}
    for page, doc in kb.documents.items():
        if page in unread:
            continue
        ids = {h.anchor for h in doc.headings} | {c.anchor for c in doc.citations} | {x.anchor for x in doc.xrefs}
        # '{ #id }' at the end of a line: attr_list gives that id to the heading or block.
        ids |= {i for line in doc.body.split("\n") if "{" in line and (i := explicit_id(line))}
        ids.add("references-on-this-page")
        anchors[page] = ids
    for entity in kb.entities.values():
        if entity.anchor and entity.page in anchors:
            anchors[entity.page].add(entity.anchor)
    for area in kb.areas.values():
        anchors.get(area.place.page, set()).update({area.place.anchor, f"focus-group-{area.letter.lower()}"})
    for lesson in kb.lessons.values():
        anchors.get(lesson.place.page, set()).add(lesson.place.anchor)

    for page, doc in kb.documents.items():
        seen: dict[str, int] = {}
        for h in doc.headings:
            base = re.sub(r"_\d+$", "", h.anchor)
            if base in seen and h.anchor != base:
                diags.error(doc.file, h.line, f"heading '{h.text}' has the same anchor '#{base}' as line {seen[base]} "
                            "— links would reach only the first. Reword one, or give it its own '{ #id }'.",
                            "heading.duplicate-anchor")
            seen.setdefault(h.anchor, h.line)
        for line, target in scans[page].links:
            try:
                urlsplit(target)
            except ValueError as exc:  # e.g. "http://[": MkDocs, and the PDF, would stop at it
                diags.error(doc.file, line, f"link to '{target}' is not a valid address ({exc}) — check its brackets.",
                            "link.invalid")
                continue
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("//"):
                continue  # http:, mailto: … — not ours to check
            path, _, fragment = target.partition("#")
            if path and not path.endswith(".md"):
                continue  # a file such as the PDF: MkDocs checks it
            to = posixpath.normpath(posixpath.join(posixpath.dirname(page), path)) if path else page
            if to not in kb.documents and to not in generated:
                diags.error(doc.file, line, f"link to '{target}' — there is no such page in content/ or vignettes/."
                            f"{did_you_mean(to, list(kb.documents) + sorted(generated))}", "link.missing-page")
            elif fragment and to in anchors and fragment not in anchors[to]:
                where = kb.documents[to].file
                diags.error(doc.file, line, f"link to '{target}' — {where} has no heading or anchor '#{fragment}'."
                            f"{did_you_mean(fragment, anchors[to])}", "link.missing-anchor")


def _check_references(kb: KnowledgeBase, diags: Diagnostics, also_cited: set[str] = frozenset(),
                      complete: bool = True) -> None:
    """Unknown cross-references; and, when every page was read (``complete``), what nothing links to, uses
    or cites. (With a page unread, only the pages' own ids are all known.)"""
    for doc in kb.documents.values():
        for x in doc.xrefs:
            if x.target not in kb.entities and (complete or x.target.startswith(("vignette:", "chapter:"))):
                diags.error(x.location.path, x.location.line, f"unknown cross-reference '{x.target}' — no "
                            f"entity has this id.{did_you_mean(x.target, kb.entities)}", "xref.unknown")
    if not complete:
        return
    linked = set(kb.backlinks) | {link.target.split("#")[0] for link in kb.lesson_links} \
        | {v for ex in kb.examples.values() for v in ex.vignettes}
    for kind, entities in (("lesson", kb.lessons), ("vignette", kb.vignettes), ("area", kb.areas)):
        for eid, entity in entities.items():
            if eid not in linked:
                loc = entity.place.location if hasattr(entity, "place") else entity.location
                diags.warning(loc.path, loc.line, f"{kind} '{eid}' is never linked to — nothing in the report "
                              f"points readers to it. Link it where the report mentions it: [][{eid}].",
                              "entity.unlinked")
    if kb.terms:
        # The About page prints the publication details, with their terms (ISBN, ISSN).
        used: set[str] = terms_used(kb, " ".join(publication_details(kb)[0])) if kb.publication else set()
        for doc in kb.documents.values():
            if doc.page != "glossary.md":
                used |= terms_used(kb, doc.body)
                if len(used) == len(kb.terms):
                    break  # every term is used: no need to read further
        for term in kb.terms.values():
            if term.abbr not in used:
                diags.warning(term.location.path, term.location.line, f"term '{term.abbr}' is not used on any page "
                              "— remove it from the glossary.", "term.unused")
    cited = {i.key for c in kb.citations() for i in c.items} | also_cited
    for key, src in kb.sources.items():
        if key not in cited:
            diags.warning(src.location.path, src.location.line, f"BibTeX entry '{key}' is never cited — "
                          "cite it with [@" + key + "] where the report uses it, or remove it.",
                          "bibtex.uncited")
