"""The knowledge base as open data: the files of the site's ``data/`` folder.

``data/knowledge.json`` is one document with every collection (lessons, vignettes, examples, areas, extracts,
terms, sources) and the report's title, copyright and licence, so that relations between rows resolve within
one download and one schema (``data/knowledge.schema.json``, JSON Schema 2020-12, published beside it) checks
it all. Each collection is also a CSV file (``data/lessons.csv`` …) for spreadsheets: the same rows, with the
schema's fields as columns in its order. The schema's description says how the CSV writes lists, nulls and
booleans, and how it guards against formulas.

Every row has its entity's id, its text in plain words, its relations as ids, and the URL of the passage it
comes from. The same knowledge base gives the same bytes: no dates, rows in the report's order, keys sorted.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Callable

from ..common.vocabulary import roman_value
from ..knowledge import sitemap
from ..knowledge.lessonlinks import passage_of, plain_text
from ..knowledge.model import KnowledgeBase, Place
from ..knowledge.publication import LICENCE, OGL_URL, publication_details

FOLDER = "data"
DOCUMENT = "knowledge.json"
SCHEMA = "knowledge.schema.json"
SCHEMA_FILE = Path(__file__).resolve().parent / "schemas" / SCHEMA
LIST_SEPARATOR = "; "
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP, "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # Excel reads a CSV file as UTF-8 only when it starts with one

Url = Callable[..., str]  # (page, anchor="") -> the passage's URL


def data_files(kb: KnowledgeBase, site_url: str | None = None) -> dict[str, bytes]:
    """Every file of the data folder by its path under the site (``'data/lessons.csv'``). URLs are relative
    to the site's root, or absolute under ``site_url`` when it is given."""
    base = site_url.rstrip("/") + "/" if site_url else ""

    def url(page: str, anchor: str = "") -> str:
        return sitemap.public_url(page, site_url, anchor)

    schema_bytes = SCHEMA_FILE.read_bytes()
    schema = json.loads(schema_bytes)
    details, copyright_line = publication_details(kb)
    home = kb.documents.get(sitemap.HOME)
    title = details.get("Title") or (home.title if home else None)
    collections = {name: rows(kb, url) for name, rows in COLLECTIONS.items()}
    document = {
        "$schema": SCHEMA if site_url is None else f"{base}{FOLDER}/{SCHEMA}",
        "schema_version": schema["properties"]["schema_version"]["const"],
        "title": plain_text(title) if title else None,
        "copyright": copyright_line or None,
        "licence": {"name": LICENCE, "url": OGL_URL},
        **collections,
    }
    files = {f"{FOLDER}/{DOCUMENT}": _json(document), f"{FOLDER}/{SCHEMA}": schema_bytes}
    for name, rows in collections.items():
        definition = schema["properties"][name]["items"]["$ref"].rsplit("/", 1)[1]
        files[f"{FOLDER}/{name}.csv"] = _csv(list(schema["$defs"][definition]["properties"]), rows)
    return dict(sorted(files.items()))


def _placed(kb: KnowledgeBase, place: Place, url: Url) -> dict:
    return {"page_title": kb.documents[place.page].title, "section": place.section,
            "url": url(place.page, place.anchor)}


def _area_id(letter: str) -> str:
    return f"area:{letter.lower()}"


def _lessons(kb: KnowledgeBase, url: Url) -> list[dict]:
    rows = []
    for lesson in kb.lessons.values():
        links = kb.lesson_links_of(lesson.id)
        rows.append({
            "id": lesson.id,
            "number": lesson.number,
            "title": plain_text(lesson.title),
            "text": plain_text(lesson.markdown),
            "vignettes": list(dict.fromkeys(link.target for link in links if link.target in kb.vignettes)),
            "illustrated_by": list(dict.fromkeys(url(*passage_of(kb, link)[:2]) for link in links)),
            "page_url": url(lesson.page),
            **_placed(kb, lesson.place, url),
        })
    return rows


def _vignettes(kb: KnowledgeBase, url: Url) -> list[dict]:
    return [{
        "id": v.id,
        "number": v.number,
        "title": plain_text(v.title),
        "area": _area_id(v.area),
        "services": list(v.services),
        "partners": list(v.partners),
        "url": url(v.page),
    } for v in sorted(kb.vignettes.values(), key=lambda v: roman_value(v.number))]


def _examples(kb: KnowledgeBase, url: Url) -> list[dict]:
    return [{
        "id": e.id,
        "label": plain_text(e.label),
        "short_label": plain_text(e.short_label) if e.short_label else None,
        "level": e.level,
        "services": list(e.services),
        "areas": [_area_id(a) for a in e.areas],
        "vignettes": list(e.vignettes),
        **_placed(kb, e.place, url),
    } for e in kb.examples.values()]


def _areas(kb: KnowledgeBase, url: Url) -> list[dict]:
    return [{
        "id": a.id,
        "letter": a.letter,
        "description": plain_text(a.description),
        "focus_group": plain_text(a.focus_group) or None,
        "page_url": url(a.page),
        **_placed(kb, a.place, url),
    } for a in kb.areas.values()]


def _extracts(kb: KnowledgeBase, url: Url) -> list[dict]:
    return [{
        "id": q.id,
        "code": q.code,
        "role": q.role,
        "area": _area_id(q.area),
        "text": plain_text(q.markdown),
        "inline": q.inline,
        **_placed(kb, q.place, url),
    } for q in kb.quotes.values()]


def _terms(kb: KnowledgeBase, url: Url) -> list[dict]:
    rows = []
    for t in kb.terms.values():
        entity = kb.entities[t.id]
        rows.append({"id": t.id, "abbr": t.abbr, "expansion": t.expansion, "url": url(entity.page, entity.anchor)})
    return rows


def _sources(kb: KnowledgeBase, url: Url) -> list[dict]:
    # In the order of the References page.
    return [{
        "id": f"source:{s.key}",
        "key": s.key,
        "label": s.label,
        "authors": s.author_label,
        "year": s.year_label,
        "reference": s.reference_text,
        "link": s.url,
        "cited_in": list(dict.fromkeys(url(c.page, c.anchor) for c in kb.cited_in(s.key))),
        "url": url(sitemap.BIBLIOGRAPHY_PAGE, sitemap.reference_anchor(s.key)),
    } for s in sorted(kb.sources.values(), key=lambda s: (s.author_label.lower(), s.year_label))]


COLLECTIONS: dict[str, Callable[[KnowledgeBase, Url], list[dict]]] = {
    "lessons": _lessons,
    "vignettes": _vignettes,
    "examples": _examples,
    "areas": _areas,
    "extracts": _extracts,
    "terms": _terms,
    "sources": _sources,
}


def _json(document: dict) -> bytes:
    return (json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


def _cell(value) -> str:
    """A JSON value as a CSV cell: a list joined with '; ', null empty, booleans 'true' and 'false', and text
    that a spreadsheet would run as a formula prefixed with ``'``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = LIST_SEPARATOR.join(value) if isinstance(value, list) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv(columns: list[str], rows: list[dict]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
    writer.writerow(columns)
    writer.writerows([_cell(row[c]) for c in columns] for row in rows)
    return (BOM + out.getvalue()).encode("utf-8")
