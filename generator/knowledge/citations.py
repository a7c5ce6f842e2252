"""Pandoc-style citations (``[@key]``, ``[see @a, p. 12; @b]``) resolved against BibTeX with pybtex.

Parsing is shared by the source scanner (which validates and records where each citation is) and the
Markdown renderer (which turns it into a link), so both always agree on what is a citation.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import pybtex.errors
from pybtex.backends.markdown import Backend as MarkdownBackend
from pybtex.backends.plaintext import Backend as TextBackend
from pybtex.database import BibliographyData, Entry, parse_string
from pybtex.database.input.bibtex import Parser as BibTeXParser
from pybtex.exceptions import PybtexError
from pybtex.richtext import Text
from pybtex.scanner import PybtexSyntaxError
from pybtex.style.formatting import BaseStyle, toplevel
from pybtex.style.labels.number import LabelStyle as NumberLabels
from pybtex.style.names import BaseNameStyle, name_part
from pybtex.style.sorting.author_year_title import SortingStyle as AuthorYearTitleSorting
from pybtex.style.template import FieldIsMissing, field, first_of, href, join, names, node, optional, sentence, tag

from ..common.diagnostics import Diagnostics, did_you_mean
from ..sources.frontmatter import read_source
from ..common.limits import NESTING, brace_depth, exhausted
from .model import Source, SourceLocation
from ..sources.dialect import CITATION_RE, CitationItem, parse_citation  # noqa: F401 (the compile stage's)

if TYPE_CHECKING:
    from .loadcache import LoadCache

# --------------------------------------------------------------------------- formatting (pybtex)

# Most BibTeX fields are plain text, which pybtex's LaTeX reading (Text.from_latex: latexcodec's decoder, then
# the brace parser) returns unchanged as Text(field) — at a cost that dominated loading the bibliography.
# Plain here means: no command, brace, comment, math, tie or parameter character; no whitespace but single
# spaces (LaTeX drops a leading space and merges runs); none of the ligatures latexcodec turns into other
# characters (-- –, --- —, '' ”, `` “, !` ¡, ?` ¿, ,, „). tests/test_load_equivalence.py checks the list
# against latexcodec's own table and compares both paths.
_NOT_PLAIN_LATEX_RE = re.compile(r"[\\{}%#$~]|[^\S ]|^ |  |--|''|``|!`|\?`|,,")


def rich(latex: str) -> Text:
    """A BibTeX field's text as pybtex reads it (``Text.from_latex``), read directly where it is plain."""
    if _NOT_PLAIN_LATEX_RE.search(latex) is None:
        return Text(latex)
    return Text.from_latex(latex)


@node
def rich_field(children, context, name):
    """pybtex's ``field`` template node, reading the field with :func:`rich`."""
    entry = context["entry"]
    try:
        return rich(entry._find_field(name, bib_data=context.get("bib_data")))
    except KeyError:
        raise FieldIsMissing(name, entry) from None


class LastFirstNames(BaseNameStyle):
    """pybtex's ``lastfirst`` name style ("Last, F."), reading names with :func:`rich`."""

    def format(self, person, abbr=False):
        return join[
            name_part(tie=True)[[rich(n) for n in person.prelast_names]],
            name_part[[rich(n) for n in person.last_names]],
            name_part(before=", ")[[rich(n) for n in person.lineage_names]],
            name_part(before=", ", abbr=abbr)[[rich(n) for n in person.first_names + person.middle_names]],
        ]


class AuthorYearStyle(BaseStyle):
    """The reference list in the Harvard style (Cite Them Right): ``Author (Year) Title. Container. Place:
    Publisher. Available at: URL``; in the text, ``(Author, Year)`` (:func:`in_text`)."""

    default_sorting_style = "author_year_title"

    def __init__(self) -> None:
        # The plugin classes themselves, which pybtex would otherwise look up by name ("lastfirst", the default
        # "number", "author_year_title") among every installed package's entry points, a slow search.
        super().__init__(name_style=LastFirstNames, label_style=NumberLabels, sorting_style=AuthorYearTitleSorting,
                         abbreviate_names=True)

    def _head(self):
        who = first_of[
            optional[names("author", sep=", ", sep2=" and ", last_sep=" and ")],
            optional[rich_field("organization")],
            optional[rich_field("institution")],
        ]
        return join[who, " (", rich_field("year"), ")"]

    def _web(self):
        url = field("url", raw=True)
        return optional[join["Available at: ", href(url)[url]]]

    def get_article_template(self, e):
        return toplevel[
            self._head(),
            sentence[rich_field("title")],
            sentence[
                tag("em")[rich_field("journal")],
                optional[join[rich_field("volume"), optional["(", rich_field("number"), ")"]]],
                optional[rich_field("pages")],
            ],
            self._web(),
        ]

    def get_book_template(self, e):
        return toplevel[
            self._head(),
            sentence[tag("em")[rich_field("title")]],
            optional[sentence[join(sep=": ")[optional[rich_field("address")], rich_field("publisher")]]],
            self._web(),
        ]

    def _published(self):  # "Place: Publisher."
        return optional[sentence[join(sep=": ")[optional[rich_field("address")],
                                                first_of[optional[rich_field("institution")], rich_field("publisher")]]]]

    def _document(self, e):
        return toplevel[self._head(), sentence[tag("em")[rich_field("title")]], self._published(), self._web()]

    def get_incollection_template(self, e):  # a part of a work: "'Title', in *Book*. Place: Publisher."
        return toplevel[self._head(), join["'", rich_field("title"), "', in ", tag("em")[rich_field("booktitle")], "."],
                        self._published(), self._web()]

    get_techreport_template = _document
    get_report_template = _document
    get_misc_template = _document
    get_online_template = _document


def _last_names(entry: Entry) -> list[str]:
    people = entry.persons.get("author", [])
    out = []
    for person in people:
        parts = person.prelast_names + person.last_names
        out.append(_plain(" ".join(str(p) for p in parts)))
    return out


@lru_cache(maxsize=8192)  # names and publishers repeat across a bibliography
def _plain(latex: str) -> str:
    """LaTeX field text (braces, accents, \\&) as plain Unicode."""
    # render(Backend()) rather than render_as("text"): pybtex looks a backend name up among the installed
    # packages' entry points on every call, which costs more than everything else here.
    return rich(str(latex)).render(TextBackend())


def author_label(entry: Entry) -> str:
    names_ = _last_names(entry)
    if not names_:
        for f in ("organization", "institution", "publisher"):
            if f in entry.fields:
                return _plain(entry.fields[f])
        return _plain(entry.fields.get("title", entry.key))
    if len(names_) == 1:
        return names_[0]
    if len(names_) == 2:
        return f"{names_[0]} and {names_[1]}"
    return f"{names_[0]} et al."


# --------------------------------------------------------------------------- loading

_ENTRY_START = re.compile(r"^\s*@(?P<type>\w+)\s*[{(]\s*(?P<key>[^,\s]+)\s*,", re.M)


def _entry_lines(text: str) -> list[tuple[str, str, int]]:
    out, line, counted = [], 1, 0
    for m in _ENTRY_START.finditer(text):  # count line breaks from the previous entry only: linear
        line += text.count("\n", counted, m.start("key"))
        counted = m.start("key")
        out.append((m["type"].lower(), m["key"], line))
    return out


def load_sources(root: Path, bib_dir: str, diags: Diagnostics, cache: LoadCache | None = None) -> dict[str, Source]:
    """Read every ``*.bib`` file under ``bib_dir``; report syntax errors and duplicate keys. With a ``cache``,
    files unchanged since a load that reported no problem in them are not parsed again (see loadcache)."""
    files = []  # (path, text, what reading it reported)
    for path in sorted((root / bib_dir).glob("*.bib")):
        rel = path.relative_to(root).as_posix()
        files.append((rel, read_source(path, rel, read := Diagnostics()), read))
    found = cache.bibliography([(rel, text) for rel, text, _ in files]) if cache is not None else None
    if found is not None:
        return found
    own = Diagnostics()
    sources = _load_sources(files, own)
    diags.items += own.items
    if cache is not None and not own.items:
        cache.keep_bibliography(sources)
    return sources


def _load_sources(files: list[tuple[str, str | None, Diagnostics]], diags: Diagnostics) -> dict[str, Source]:
    merged: dict[str, tuple[Entry, SourceLocation]] = {}
    merged_lower: set[str] = set()
    seen_lower: dict[str, tuple[SourceLocation, str]] = {}
    for rel, text, read in files:
        diags.items += read.items
        if text is None:
            continue
        lines = _entry_lines(text)
        for etype, key, line in lines:
            loc = SourceLocation(rel, line)
            prior = seen_lower.get(key.lower())
            if etype in ("string", "preamble", "comment"):
                continue
            if prior is not None:
                prior_loc, prior_key = prior
                case = "" if prior_key == key else (
                    f" (same as '{prior_key}' but for case, which BibTeX does not distinguish)")
                diags.error(rel, line, f"duplicate BibTeX key '{key}'{case} — first defined at {prior_loc}. "
                            "Each source needs its own key; remove or rename one.", "bibtex.duplicate-key")
            else:
                seen_lower[key.lower()] = (loc, key)
        try:
            data = _parse(text, rel, diags, lines)
        except (RecursionError, MemoryError) as exc:
            diags.error(rel, None, exhausted(exc), "limit.resources")
            continue
        if data is None:
            continue
        line_of = {}
        for _, key, line in lines:
            line_of.setdefault(key.lower(), line)
        for key, entry in data.entries.items():
            if key.lower() in merged_lower:
                continue
            _check_url(entry, rel, text, line_of.get(key.lower(), 1), diags)
            merged_lower.add(key.lower())
            loc = SourceLocation(rel, line_of.get(key.lower(), 1))
            depth = max(map(brace_depth, [key, *entry.fields.values(), *map(str, sum(entry.persons.values(), []))]))
            if depth > NESTING:  # pybtex reads nested braces recursively
                diags.error(rel, loc.line, f"BibTeX entry '{key}' nests braces {depth} deep — limit {NESTING}, so that "
                            "formatting it does not run out of stack. Nest them less.", "limit.nesting")
                continue
            merged[key] = (entry, loc)
    return _format_all(merged, diags)


# A URL the references may link to: http(s), to a host, with none of the characters a URL never holds as
# they are (spaces, quotes, angle brackets and braces, backslashes, carets, backticks, bars).
_WEB_URL_RE = re.compile(r"https?://[^/?#\s\"'<>{}|\\^`]+(?:[/?#][^\s\"'<>{}|\\^`]*)?", re.I)
_URL_FIELD_RE = re.compile(r"^\s*url\s*=", re.I | re.M)


def _check_url(entry: Entry, rel: str, text: str, line: int, diags: Diagnostics) -> None:
    """An entry's ``url`` is linked on every page that cites it: only a web address is kept; anything else is
    an error at the field's line (and the field is dropped, so that a preview shows no such link)."""
    url = entry.fields.get("url")
    if url is None or _WEB_URL_RE.fullmatch(str(url).strip()):
        return
    del entry.fields["url"]
    start = sum(len(t) + 1 for t in text.split("\n")[:line - 1])
    field_at = _URL_FIELD_RE.search(text, start)
    at = line + text.count("\n", start, field_at.start()) if field_at else line
    diags.error(rel, at, f"url '{str(url)[:60]}' of entry '{entry.key}' is not a web address — the references link "
                "to it, and only http:// and https:// addresses are linked (javascript:, data: and other kinds can "
                "run script). Give the http(s) address, or remove the field.", "bibtex.url")


def _parse(text: str, rel: str, diags: Diagnostics, entries: list[tuple[str, str, int]]) -> BibliographyData | None:
    previous = pybtex.errors.strict
    pybtex.errors.set_strict_mode(False)
    try:
        with pybtex.errors.capture() as problems:
            try:
                data = parse_string(text, BibTeXParser)  # the class: no look-up of "bibtex" by name
            except PybtexSyntaxError as exc:
                problems.append(exc)
                data = None
    finally:
        pybtex.errors.set_strict_mode(previous)
    for exc in problems:
        msg = str(getattr(exc, "args", [exc])[0]) if getattr(exc, "args", None) else str(exc)
        line = getattr(exc, "lineno", None)
        if "repeated bibliography entry" in msg:
            continue  # reported above with both locations
        if exc.__class__.__name__ == "UndefinedMacro":
            diags.error(rel, line, f"BibTeX error: undefined @string macro '{msg}' — define it before this entry "
                        f"with @string{{{msg} = {{…}}}}, or write the value in braces: {{{msg}}}.",
                        "bibtex.undefined-macro")
        else:
            # pybtex notices a missing brace only where parsing fails: name the entry it belongs to.
            started = [(key, start) for _, key, start in entries if line is None or start <= line]
            entry = f"entry '{started[-1][0]}' (line {started[-1][1]})" if started else "this entry"
            diags.error(rel, line, f"BibTeX syntax error: {msg} — check the braces, commas and quotes of "
                        f"{entry}.", "bibtex.syntax")
    return data


def _format_all(entries: dict[str, tuple[Entry, SourceLocation]], diags: Diagnostics) -> dict[str, Source]:
    style = AuthorYearStyle()
    # Disambiguate equal author-year labels with a, b, … in title order.
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    author_labels = {}
    for key, (entry, loc) in entries.items():
        try:
            author_labels[key] = author_label(entry)
        except _LATEX_ERRORS as exc:  # its names' or title's LaTeX cannot be read
            diags.error(loc.path, loc.line, _unformatted(key, exc), "bibtex.syntax")
    entries = {key: value for key, value in entries.items() if key in author_labels}
    for key, (entry, _) in entries.items():
        groups[(author_labels[key], str(entry.fields.get("year", "n.d.")))].append(key)
    year_label: dict[str, str] = {}
    for (_, year), keys in groups.items():
        keys.sort(key=lambda k: str(entries[k][0].fields.get("title", "")).lower())
        for i, key in enumerate(keys):
            year_label[key] = year + (_letters(i) if len(keys) > 1 else "")
    sources = {}
    for key, (entry, loc) in entries.items():
        shown = Entry(entry.type, fields=dict(entry.fields), persons=entry.persons)
        shown.key = key
        shown.fields["year"] = year_label[key]
        try:
            formatted = style.format_entry(key, shown)
        except FieldIsMissing as exc:
            diags.error(loc.path, loc.line, f"BibTeX entry '{key}' cannot be formatted: {exc} — add the "
                        "missing field.", "bibtex.incomplete")
            continue
        except _LATEX_ERRORS as exc:
            diags.error(loc.path, loc.line, _unformatted(key, exc), "bibtex.syntax")
            continue
        except Exception as exc:  # anything else pybtex raises: a problem of this entry, not a traceback
            diags.error(loc.path, loc.line, f"BibTeX entry '{key}' cannot be formatted: {exc!r} — check its "
                        "fields.", "bibtex.incomplete")
            continue
        alabel = author_labels[key]
        sources[key] = Source(
            key=key,
            label=f"{alabel}, {year_label[key]}",
            author_label=alabel,
            year_label=year_label[key],
            reference_markdown=formatted.text.render(MarkdownBackend()).replace("\n", " "),
            reference_text=formatted.text.render(TextBackend()).replace("\n", " "),
            url=entry.fields.get("url"),
            location=loc,
        )
    return sources


def _letters(n: int) -> str:
    """a, b, … z, aa, ab, …: the suffix that tells apart the n-th of several works of one author and year."""
    return (_letters(n // 26 - 1) if n >= 26 else "") + "abcdefghijklmnopqrstuvwxyz"[n % 26]


_LATEX_ERRORS = (PybtexError, UnicodeDecodeError)  # LaTeX that pybtex, or latexcodec, cannot read


def _unformatted(key: str, exc: Exception) -> str:
    # The reason only: without pybtex's "in line 1" (of the field's own text), or latexcodec's codec name.
    what = exc.reason if isinstance(exc, UnicodeDecodeError) else exc.args[0] if exc.args else str(exc)
    return f"BibTeX entry '{key}' cannot be read: {what} — check the braces of its names and fields."


def check_keys(items, known: dict[str, Source], path: str, line: int, diags: Diagnostics) -> None:
    for item in items:
        if item.key not in known:
            diags.error(path, line, f"unknown citation key '{item.key}' — no entry with this key in "
                        f"references/*.bib.{did_you_mean(item.key, known)}", "citation.unknown-key")


def in_text(items, sources: dict[str, Source]) -> list[tuple[CitationItem, str]]:
    """The visible text of each item, as Harvard cites in the text: ``prefix Author, Year, locator``."""
    out = []
    for item in items:
        src = sources[item.key]
        who = "" if item.suppress_author else src.author_label + ", "
        text = f"{item.prefix + ' ' if item.prefix else ''}{who}{src.year_label}"
        if item.locator:
            text += f", {item.locator}"
        out.append((item, text))
    return out
