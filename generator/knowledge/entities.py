"""The knowledge graph: lessons, prevention examples, areas, quotes and glossary terms, and the links
between them, built from the declarations the scan found on every page.

It runs once every page has been read, because entities link across pages: a lesson on the
Conclusions points at a vignette, an example in a chapter points at an area. Every problem is
reported with ``path:line``; nothing here renders anything.

Declarations (see README, "Knowledge base"):

- on a paragraph or list item, at the end of its first line: ``{#lesson:slug}``, ``{#area:a}``,
  ``{#focus-group:a}``;
- on the exact words of a passage: ``[words]{#example:slug level=… services="…" areas=… vignettes=…}``
  and ``['words' (A14)]{#quote}``;
- block quotes ending in ``> — CODE role`` are interview extracts without any declaration;
- a chapter's front matter may hold ``illustrated_by`` (lesson → passages, each with the report's
  words as the reason) and ``terms`` (abbreviation → what it stands for).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from ..common.diagnostics import Diagnostics, did_you_mean, excerpt
from ..common.vocabulary import EXAMPLE_FIELDS, LEVELS, SERVICE_COLUMNS, SLUG_RE
from .glossary import read_terms, term_by_abbr, term_pattern, terms_used  # noqa: F401 (until compile imports glossary)
from .lessonlinks import _plain, read_lesson_links, resolve_target  # noqa: F401 (the same)
from .model import (Area, Backlink, Entity, KnowledgeBase, Lesson, Place,
                    PreventionExample, Quote, SourceLocation)
from .sitemap import GLOSSARY_PAGE, area_page, lesson_page
from ..sources.dialect import AREA_TEXT_RE, BLOCK_KINDS, INLINE_QUOTE_RE, LESSON_TITLE_RE, SPAN_KINDS, strip_declarations
from ..sources.scan import Heading, Scan, ScannedEntity


def build_entities(kb: KnowledgeBase, scans: dict[str, Scan], diags: Diagnostics, root: Path | None = None) -> None:
    declared: dict[str, SourceLocation] = {}
    focus_groups: dict[str, tuple[str, SourceLocation]] = {}
    quote_ids: Counter[str] = Counter()
    pending_quotes: list[tuple[str, Quote]] = []

    def declare(entity_id: str, where: SourceLocation) -> bool:
        if entity_id in declared or entity_id in kb.entities:
            first = declared.get(entity_id)
            also = f" — it is already declared at {first}" if first else " — another page already has this id"
            diags.error(where.path, where.line, f"duplicate id '{entity_id}'{also}. Give each its own slug.",
                        "entity.duplicate")
            return False
        declared[entity_id] = where
        return True

    for page, s in scans.items():
        doc = kb.documents[page]
        rel = doc.file
        for q in s.quotes:
            pending_quotes.append((page, Quote("", q.code, q.role, q.area, q.markdown, False,
                                               _place(page, "", q.section, rel, q.line))))
        for e in s.entities:
            where = SourceLocation(rel, e.line)
            parsed = _parse_declaration(e, where, diags)
            if parsed is None:
                continue
            kind, slug, attrs = parsed
            place = _place(page, "", e.section, rel, e.line)
            if kind == "quote":
                m = INLINE_QUOTE_RE.match(e.text.strip())
                if not m:
                    diags.error(rel, e.line, f"quote '{excerpt(e.text)}' does not end with its interviewee code — "
                                "write the code in brackets at the end, e.g. ['the normal now' (A14)]{#quote}.",
                                "quote.no-code")
                    continue
                code = m["code"].upper()
                area = code[2] if code.startswith("FG") else code[0]
                role = "focus group" if code.startswith("FG") else (m["role"].lower() if m["role"] else None)
                pending_quotes.append((page, Quote("", code, role, area, m["quote"], True, place)))
            elif kind == "lesson":
                title = LESSON_TITLE_RE.match(e.text)
                if not e.list_item or not title:
                    diags.error(rel, e.line, "a lesson is a list item that starts with its title in bold, e.g. "
                                "'- **Evaluation matters:** understanding …' — the title names its page.",
                                "lesson.form")
                    continue
                if declare(f"lesson:{slug}", where):
                    lesson = Lesson(f"lesson:{slug}", slug, len(kb.lessons) + 1, title["title"].strip(),
                                    strip_declarations(e.text), lesson_page(slug),
                                    _place(page, f"lesson-{slug}", e.section, rel, e.line))
                    kb.lessons[lesson.id] = lesson
            elif kind in ("area", "focus-group"):
                m = AREA_TEXT_RE.match(strip_declarations(e.text))
                if slug not in ("a", "b", "c", "d"):
                    diags.error(rel, e.line, f"'{kind}:{slug}' is not a case-study area — the report has areas a, b, "
                                "c and d.", "area.unknown")
                    continue
                if not m or m["letter"].lower() != slug:
                    diags.error(rel, e.line, f"'{kind}:{slug}' is declared on a line that does not start with "
                                f"'Area {slug.upper()} –' — put it on that area's line.", "area.mismatch")
                    continue
                if kind == "focus-group":
                    if declare(f"focus-group:{slug}", where):
                        focus_groups[slug] = (m["text"].strip(), where)
                elif declare(f"area:{slug}", where):
                    area = Area(f"area:{slug}", slug.upper(), m["text"].strip(), "", area_page(slug),
                                _place(page, f"area-{slug}", e.section, rel, e.line))
                    kb.areas[area.id] = area
            elif kind == "example":
                example = _example(slug, attrs, e, place, where, kb, diags)
                if example is not None and declare(example.id, where):
                    kb.examples[example.id] = example

    # Focus-group themes belong to their area.
    for slug, (theme, where) in focus_groups.items():
        aid = f"area:{slug}"
        if aid not in kb.areas:
            diags.error(where.path, where.line, f"focus group for area {slug.upper()} but no '{{#area:{slug}}}' "
                        "describes that area.", "area.missing")
            continue
        a = kb.areas[aid]
        kb.areas[aid] = Area(a.id, a.letter, a.description, theme, a.page, a.place)
    kb.areas = dict(sorted(kb.areas.items()))

    # Interview extracts get ids in reading order: quote:a04, quote:a04-2, …
    known_roles = {q.code: q.role for _, q in pending_quotes if q.role}
    page_order = {page: n for n, page in enumerate(scans)}
    pending_quotes.sort(key=lambda pq: (page_order[pq[0]], pq[1].place.location.line))
    for page, q in pending_quotes:
        base = q.code.lower()
        quote_ids[base] += 1
        slug = base if quote_ids[base] == 1 else f"{base}-{quote_ids[base]}"
        place = Place(page, f"quote-{slug}", q.place.section, q.place.section_anchor, q.place.location)
        kb.quotes[f"quote:{slug}"] = Quote(f"quote:{slug}", q.code, q.role or known_roles.get(q.code), q.area,
                                           q.markdown, q.inline, place)

    read_terms(kb, diags, root)
    for lesson in kb.lessons.values():
        kb.entities[lesson.id] = Entity(lesson.id, lesson.label, lesson.page)
    for area in kb.areas.values():
        kb.entities[area.id] = Entity(area.id, area.label, area.page)
    for slug in focus_groups:
        if f"area:{slug}" in kb.areas:
            kb.entities[f"focus-group:{slug}"] = Entity(f"focus-group:{slug}", f"Focus group, area {slug.upper()}",
                                                        area_page(slug), "focus-group")
    for ex in kb.examples.values():
        kb.entities[ex.id] = Entity(ex.id, ex.label, ex.place.page, ex.place.anchor)
    for q in kb.quotes.values():
        kb.entities[q.id] = Entity(q.id, q.label, q.place.page, q.place.anchor)
    for t in kb.terms.values():
        kb.entities[t.id] = Entity(t.id, t.abbr, GLOSSARY_PAGE, t.anchor)

    _example_links(kb, diags)
    read_lesson_links(kb, scans, diags, root)
    _backlinks(kb)


def _place(page: str, anchor: str, section: Heading | None, rel: str, line: int) -> Place:
    return Place(page, anchor, section.text if section else None, section.anchor if section else "",
                 SourceLocation(rel, line))




WORD_RE = re.compile(r'(?:[^\s"]|"[^"]*")+')


def _words(body: str) -> list[str]:
    """``example:x services="SFRS, partners"`` -> ['example:x', 'services=SFRS, partners'] (shell-like)."""
    if body.count('"') % 2:
        raise ValueError("unclosed quote")
    return [w.replace('"', "") for w in WORD_RE.findall(body)]


def _parse_declaration(e: ScannedEntity, where: SourceLocation,
                       diags: Diagnostics) -> tuple[str, str, dict[str, str]] | None:
    try:
        words = _words(e.body)
    except ValueError:
        diags.error(where.path, where.line, f"'{{#{e.body}}}' has an unclosed quote — close it with \".",
                    "entity.syntax")
        return None
    head, pairs = words[0], words[1:]
    kind, _, slug = head.partition(":")
    kinds = SPAN_KINDS if e.on_span else BLOCK_KINDS
    if kind not in kinds:
        other = "on a span of words" if kind in SPAN_KINDS else "at the end of a paragraph or list item"
        if kind in SPAN_KINDS + BLOCK_KINDS:
            diags.error(where.path, where.line, f"'{kind}' is declared {other}, not here — see README, "
                        "\"Knowledge base\".", "entity.placement")
        else:
            diags.error(where.path, where.line, f"unknown kind '{kind}' in '{{#{e.body}}}' — the kinds here are "
                        f"{', '.join(kinds)}.{did_you_mean(kind, kinds)}", "entity.kind")
        return None
    if kind == "quote":
        if slug or pairs:
            diags.error(where.path, where.line, "a quote takes no id or fields — write just {#quote}; its id comes "
                        "from its interviewee code.", "entity.syntax")
            return None
        return kind, "", {}
    if not SLUG_RE.match(slug):
        diags.error(where.path, where.line, f"'{head}' needs a slug after the colon — lower-case words joined by "
                    f"hyphens, e.g. '{kind}:road-safety'.", "entity.slug")
        return None
    attrs: dict[str, str] = {}
    for pair in pairs:
        key, eq, value = pair.partition("=")
        if not eq:
            diags.error(where.path, where.line, f"'{pair}' in '{{#{e.body}}}' is not a field=value pair.",
                        "entity.syntax")
            return None
        attrs[key] = value
    if kind != "example" and attrs:
        diags.error(where.path, where.line, f"'{kind}' takes no fields, but has {', '.join(attrs)}.",
                    "entity.unknown-field")
        return None
    return kind, slug, attrs


def _split_list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _example(slug: str, attrs: dict[str, str], e: ScannedEntity, place: Place, where: SourceLocation,
             kb: KnowledgeBase, diags: Diagnostics) -> PreventionExample | None:
    ok = True

    def err(message: str, code: str) -> None:
        nonlocal ok
        ok = False
        diags.error(where.path, where.line, message, code)

    for key in attrs:
        if key not in EXAMPLE_FIELDS:
            err(f"unknown field '{key}' on example '{slug}' — the fields are {', '.join(EXAMPLE_FIELDS)}."
                f"{did_you_mean(key, EXAMPLE_FIELDS)}", "example.unknown-field")
    level = attrs.get("level")
    if level is not None and level not in LEVELS:
        err(f"level '{level}' of example '{slug}' is not a level of prevention — the report's framework has "
            f"{', '.join(LEVELS)}; leave 'level' out where the report gives none.{did_you_mean(level, LEVELS)}",
            "example.level")
    services = _split_list(attrs.get("services", ""))
    if not services:
        err(f"example '{slug}' has no services — say who carries it out, e.g. services=\"SFRS, partners\".",
            "example.missing-field")
    for sv in services:
        if sv not in SERVICE_COLUMNS:
            err(f"service '{sv}' of example '{slug}' is not one of {', '.join(SERVICE_COLUMNS)}."
                f"{did_you_mean(sv, SERVICE_COLUMNS)}", "example.service")
    areas = [a.upper() for a in _split_list(attrs.get("areas", ""))]
    for a in areas:
        if a not in ("A", "B", "C", "D"):
            err(f"area '{a}' of example '{slug}' is not a case-study area — the report has areas A, B, C and D.",
                "example.area")
    vignettes = [f"vignette:{v}" for v in _split_list(attrs.get("vignettes", ""))]
    label = " ".join(e.text.split())
    short = " ".join(attrs["short"].split()) if "short" in attrs else None
    if short is not None and not _is_run_of(short.split(), label.split()):
        err(f"short label '{short}' is not part of the example's words '{label}' — a label must quote the report, "
            f"a run of its words as they are.{_nearest_run(short, label)}", "example.short-label")
    if not ok:
        return None
    anchor = f"example-{slug}"
    return PreventionExample(f"example:{slug}", slug, label, level,
                             tuple(sv for sv in SERVICE_COLUMNS if sv in services), tuple(sorted(areas)),
                             tuple(vignettes),
                             Place(place.page, anchor, place.section, place.section_anchor, place.location), short)


def _is_run_of(run: list[str], words: list[str]) -> bool:
    return bool(run) and any(words[i:i + len(run)] == run for i in range(len(words) - len(run) + 1))


def _nearest_run(short: str, label: str) -> str:
    """' Did you mean …?' with the run of the label's words closest to ``short``."""
    words, n = label.split(), len(short.split())
    runs = [" ".join(words[i:i + k]) for k in range(max(n - 1, 1), n + 2) for i in range(len(words) - k + 1)]
    return did_you_mean(short, runs)


def _example_links(kb: KnowledgeBase, diags: Diagnostics) -> None:
    for ex in kb.examples.values():
        for v in ex.vignettes:
            if v not in kb.vignettes:
                loc = ex.place.location
                diags.error(loc.path, loc.line, f"example '{ex.slug}' names vignette '{v.split(':', 1)[1]}', which "
                            f"does not exist.{did_you_mean(v.split(':', 1)[1], [x.slug for x in kb.vignettes.values()])}",
                            "example.vignette")


def _backlinks(kb: KnowledgeBase) -> None:
    for doc in kb.documents.values():
        for x in doc.xrefs:
            place = Place(doc.page, x.anchor, x.section, x.section_anchor, x.location)
            kb.backlinks.setdefault(x.target, []).append(Backlink(x.target, place, doc.title))


