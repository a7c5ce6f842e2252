"""The report as a publication: its record, the ``publication:`` field of the About page's front matter, read
and checked here (:func:`load_publication`); the details and copyright line the About page and the PDF print;
and the licence under which its text is reused.

The record is the one place that says what the report is: the About page's "Publication details", its
formatted reference, the citation downloads and every page's metadata are all made from it (:mod:`.cite`).
Its text is plain (no Markdown), one line each::

    publication:
      title: "Evaluation of Police and Fire Reform: …"
      authors: [SIPR, What Works Scotland, ScotCen]
      publisher: Scottish Government
      place: Edinburgh
      date: 2018-02
      isbn: 978-1-78851-591-7
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..common.diagnostics import Diagnostics, did_you_mean, shown
from ..sources.frontmatter import nested_lines
from .model import KnowledgeBase, Publication, SourceLocation

DETAILS_PAGE = "about.md"  # the page whose front matter holds the record, and whose "Copyright and licence" is the report's
FIELD = "publication"
LICENCE = "Open Government Licence v3.0"
OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")

# The record's fields: text, or a list of texts. Those a citation cannot do without come first.
FIELDS: dict[str, type] = {
    "title": str, "authors": list, "publisher": str, "place": str, "date": str,
    "series": list, "isbn": str, "issn": str, "language": str, "prepared_for": str, "address": str,
    "production": str, "format": str,
}
REQUIRED = ("title", "authors", "publisher", "place", "date")
# What BibTeX reads as markup, and no escape gives back as the character: refused in the record's text.
_LATEX_RE = re.compile(r"[{}\\]")
_DATE_RE = re.compile(r"(\d{4})(?:-(\d{2}))?")
_LANGUAGE_RE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")


def load_publication(root: Path, kb: KnowledgeBase, diags: Diagnostics) -> Publication | None:
    """The record of the About page, every problem in it reported at its line; None when there is no record
    (a site without citation metadata) or it has a problem. A ``publication:`` on another page is a problem."""
    for page, doc in kb.documents.items():
        if FIELD in doc.meta and page != DETAILS_PAGE:
            diags.error(doc.file, 2, f"field '{FIELD}' belongs in the front matter of content/{DETAILS_PAGE} — the "
                        "report has one publication record, which every page's citation is made from. Move it "
                        "there.", "publication.elsewhere")
    doc = kb.documents.get(DETAILS_PAGE)
    if doc is None or not isinstance(doc.meta.get(FIELD), dict):
        return None  # not a mapping: the front matter's check says so
    record: dict[str, Any] = doc.meta[FIELD]
    lines = nested_lines(root, doc.file, FIELD)
    first = min(lines.values(), default=2) - 1

    def at(key: str, n: int | None = None) -> int:
        return lines.get((key, n) if n is not None else (key,), first)

    before = len(diags.items)
    values: dict[str, Any] = {}
    for key, value in record.items():
        key = str(key)
        if key not in FIELDS:
            diags.error(doc.file, at(key), f"unknown field '{key}' in the publication record — its fields are "
                        f"{', '.join(FIELDS)}.{did_you_mean(key, FIELDS)}", "publication.unknown-field")
        elif value in (None, "", []):
            continue  # empty: reported below when the record needs it
        elif key == "date":
            values[key] = _date(value, doc.file, at(key), diags)
        else:
            values[key] = _text(key, value, doc.file, at, diags)
    for key in REQUIRED:
        if record.get(key) in (None, "", []):
            diags.error(doc.file, at(key), f"the publication record has no '{key}' — every citation of the report "
                        "needs it. Add it as it is printed in the report.", "publication.missing-field")
    for key, check in (("isbn", _isbn_ok), ("issn", _issn_ok)):
        if isinstance(values.get(key), str) and not check(values[key]):
            diags.error(doc.file, at(key), f"{key} '{values[key]}' is not a valid {key.upper()}: its check digit "
                        f"does not match — copy it from the report's imprint page.", f"publication.{key}")
    if isinstance(values.get("language"), str) and not _LANGUAGE_RE.fullmatch(values["language"]):
        diags.error(doc.file, at("language"), f"language '{values['language']}' is not a language tag — write it "
                    "as BCP 47 does, e.g. 'en-GB'.", "publication.language")
    if len(diags.items) > before:
        return None
    year, month = values.pop("date")
    return Publication(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()},
                       year=year, month=month, location=SourceLocation(doc.file, first))


def _text(key: str, value: Any, path: str, at, diags: Diagnostics) -> str | list[str] | None:
    """A field's text (each item's, for a list), on one line; None, with the problem reported, when it is not
    text or holds what BibTeX would read as markup."""
    expected = FIELDS[key]
    items = value if expected is list and isinstance(value, list) else [value]
    if expected is list and not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in items):
        what = "a list of names, one '- name' line each" if expected is list else "text (in quotes if need be)"
        diags.error(path, at(key), f"field '{key}' of the publication record must be {what}, not {shown(value)}.",
                    "publication.type")
        return None
    for n, item in enumerate(items):
        if _LATEX_RE.search(item):
            diags.error(path, at(key, n if expected is list else None), f"field '{key}' of the publication record "
                        f"holds '{_LATEX_RE.search(item)[0]}' — BibTeX reads braces and backslashes as markup, so "
                        "the citation downloads could not give it back. Leave them out.", "publication.characters")
    cleaned = [" ".join(item.split()) for item in items]
    return cleaned if expected is list else cleaned[0]


def _date(value: Any, path: str, line: int, diags: Diagnostics) -> tuple[int, int | None] | None:
    """(year, month) of 'YYYY-MM' or 'YYYY'."""
    m = _DATE_RE.fullmatch(str(value)) if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    if m is None or m[2] is not None and not 1 <= int(m[2]) <= 12:
        diags.error(path, line, f"date {shown(value)} of the publication record is not a year and month — write "
                    "it as YYYY-MM, e.g. 2018-02, as the report's cover dates it.", "publication.date")
        return None
    return int(m[1]), int(m[2]) if m[2] else None


def _isbn_ok(isbn: str) -> bool:
    digits = isbn.replace("-", "").replace(" ", "").upper()
    if re.fullmatch(r"\d{13}", digits):
        return sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10 == 0
    if re.fullmatch(r"\d{9}[\dX]", digits):
        return sum((10 - i) * (10 if d == "X" else int(d)) for i, d in enumerate(digits)) % 11 == 0
    return False


def _issn_ok(issn: str) -> bool:
    digits = issn.replace("-", "").upper()
    if not re.fullmatch(r"\d{7}[\dX]", digits):
        return False
    return sum((8 - i) * (10 if d == "X" else int(d)) for i, d in enumerate(digits)) % 11 == 0


def authors_text(authors: tuple[str, ...]) -> str:
    """'SIPR, What Works Scotland and ScotCen'."""
    return " and ".join([", ".join(authors[:-1]), authors[-1]]) if len(authors) > 1 else "".join(authors)


def month_year(pub: Publication) -> str:
    """'February 2018'."""
    return f"{MONTHS[pub.month - 1]} {pub.year}" if pub.month else str(pub.year)


def site_settings(pub: Publication | None) -> dict[str, str]:
    """What a host's configuration says of the site that the record says already: its author and description
    (mkdocs.yml's ``site_author`` and ``site_description``, where it sets none)."""
    if pub is None:
        return {}
    for_whom = pub.prepared_for or pub.publisher
    return {"site_author": authors_text(pub.authors),
            "site_description": f"{pub.title} ({authors_text(pub.authors)} for {for_whom}, {month_year(pub)})."}


def publication_details(kb: KnowledgeBase, page: str = DETAILS_PAGE) -> tuple[dict[str, str], str]:
    """The publication details as the About page and the PDF print them (label -> text, from the record), and
    the copyright line (``© …``) of the page's ``## Copyright and licence`` section; empty when missing."""
    pub = kb.publication
    details = {}
    if pub is not None:
        published = ", ".join(p for p in (pub.publisher, pub.address, month_year(pub)) if p)
        details = {label: value for label, value in (
            ("Title", pub.title), ("Series", "; ".join(pub.series)), ("Authors", authors_text(pub.authors)),
            ("Prepared for", pub.prepared_for), ("Published by", published), ("ISBN", pub.isbn),
            ("ISSN", pub.issn), ("Production", pub.production), ("Format", pub.format)) if value}
    doc = kb.documents.get(page)
    copyright_line = ""
    if doc is not None:
        section = re.search(r"^##\s+Copyright and licence\s*$(.*?)(?=^##\s|\Z)", doc.body, re.M | re.S | re.I)
        copyright_line = next((line.strip() for line in (section[1] if section else "").splitlines()
                               if line.strip().startswith("©")), "")
    return details, copyright_line
