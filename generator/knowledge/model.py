"""The typed knowledge model: what the report is made of, independent of any site engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..sources.dialect import CitationItem
from ..sources.scan import Heading


@dataclass(frozen=True, order=True)
class SourceLocation:
    path: str  # relative to the project root, POSIX
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Citation:
    """One bracketed citation, e.g. ``[see @a, p. 2; @b]``, at its place in a document."""

    items: tuple[CitationItem, ...]
    anchor: str  # element id on the rendered page, e.g. "cite-3"
    page: str  # site path of the citing page, e.g. "introduction.md"
    location: SourceLocation
    section: str | None  # text of the nearest heading above it


@dataclass(frozen=True)
class XRef:
    target: str  # "vignette:road-safety"
    text: str
    location: SourceLocation
    anchor: str = ""  # element id of the rendered link, e.g. "xref-2"
    section: str | None = None
    section_anchor: str = ""


@dataclass(frozen=True)
class Document:
    """A Markdown page of the report: a chapter, the vignettes' index, or a vignette."""

    kind: str  # "chapter" | "vignette"
    page: str  # site path, e.g. "vignettes/road-safety.md"
    file: str  # project path, e.g. "vignettes/road-safety.md" or "content/introduction.md"
    title: str
    body: str
    body_line: int
    headings: tuple[Heading, ...] = ()
    citations: tuple[Citation, ...] = ()
    xrefs: tuple[XRef, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Vignette:
    id: str  # "vignette:road-safety"
    slug: str
    number: str  # Roman numeral, as the report numbers them
    title: str
    area: str  # "A".."D"
    services: tuple[str, ...]
    partners: tuple[str, ...]
    page: str
    location: SourceLocation

    @property
    def label(self) -> str:
        return f"Vignette {self.number}: {self.title}"


@dataclass(frozen=True)
class Source:
    """A work the report cites, from BibTeX."""

    key: str
    label: str  # in-text label (Harvard), e.g. "O'Neill and McCarthy, 2014"
    author_label: str  # "O'Neill and McCarthy"
    year_label: str  # "2014", "2016a", "n.d."
    reference_markdown: str  # full reference, Markdown
    reference_text: str  # full reference, plain text
    url: str | None
    location: SourceLocation


@dataclass(frozen=True)
class Place:
    """Where something sits in the report: a page, the element id there, and the section around it."""

    page: str  # site path of the page, e.g. "practices-of-prevention.md"
    anchor: str  # element id on that page ("" for the page itself)
    section: str | None  # text of the nearest heading above it
    section_anchor: str  # that heading's id ("" when there is none)
    location: SourceLocation


@dataclass(frozen=True)
class Lesson:
    """One of the report's wider lessons: a list item of the Conclusions, numbered in order."""

    id: str  # "lesson:evaluation-matters"
    slug: str
    number: int
    title: str  # the item's bold lead-in
    markdown: str  # the item's whole text (with any nested list), as written in the chapter
    page: str  # its own page, "lessons/<slug>.md"
    place: Place  # where the Conclusions state it

    @property
    def label(self) -> str:
        return f"Lesson {self.number}: {self.title}"


@dataclass(frozen=True)
class LessonLink:
    """A lesson illustrated by a vignette or passage, with the report's words that ground the link."""

    lesson: str  # lesson id
    target: str  # entity id, or "chapter:<stem>#<section-anchor>"
    reason: str  # words quoted verbatim from the report
    location: SourceLocation




@dataclass(frozen=True)
class Include:
    """A section of another page, shown where ``{% include page.md#heading-id %}`` stands."""

    line: int  # the directive's line in the including page's file
    page: str  # the included page's site path
    heading: Heading  # the included section's heading there
    level: int  # the level that heading takes where it is shown: one below the heading above the directive


@dataclass(frozen=True)
class PreventionExample:
    """An example of prevention the report names, marked on the exact words that name it."""

    id: str  # "example:road-safety-programmes"
    slug: str
    label: str  # the report's own words
    level: str | None  # "primary" | "secondary" | "tertiary" | None (not classified in the report)
    services: tuple[str, ...]  # subset of SERVICE_COLUMNS
    areas: tuple[str, ...]  # "A".."D", where the report names the area
    vignettes: tuple[str, ...]  # vignette ids the passage points to
    place: Place
    short_label: str | None = None  # a run of the label's words that names it in a list (short="…")


@dataclass(frozen=True)
class Area:
    """A case-study area, as the Introduction describes it, with its focus group's theme."""

    id: str  # "area:a"
    letter: str  # "A"
    description: str  # the report's words, e.g. "revisit from Year 2, urban area …"
    focus_group: str  # the focus group's theme, in the report's words ("" if not given)
    page: str  # "areas/a.md"
    place: Place

    @property
    def label(self) -> str:
        return f"Area {self.letter}"


@dataclass(frozen=True)
class Quote:
    """An interview extract with its interviewee code (A04, C11, FGD …)."""

    id: str  # "quote:a04", "quote:a04-2" in the order the report quotes them
    code: str  # "A04", "FGD"
    role: str | None  # "police" | "fire" | "partner" | "focus group" | None (not given)
    area: str  # "A".."D"
    markdown: str  # the extract as written (without its attribution)
    inline: bool  # quoted in running text rather than as a block
    place: Place

    @property
    def label(self) -> str:
        return f"{self.code}, {self.role}" if self.role else self.code


@dataclass(frozen=True)
class Term:
    """An abbreviation the report uses, and what it stands for."""

    id: str  # "term:sfrs"
    abbr: str  # "SFRS"
    expansion: str
    anchor: str  # id on the glossary page
    location: SourceLocation


@dataclass(frozen=True)
class Entity:
    """Anything an author can cross-reference by id."""

    id: str
    label: str
    page: str
    anchor: str = ""


@dataclass(frozen=True)
class Backlink:
    """A passage that links to an entity: a cross-reference, with the place it sits."""

    target: str
    place: Place
    page_title: str

    @property
    def label(self) -> str:
        if self.place.section and self.place.section != self.page_title:
            return f"{self.page_title} › {self.place.section}"
        return self.page_title


@dataclass(frozen=True)
class Publication:
    """The report as a publication: the record in the front matter of its About page (``publication:``), from
    which every citation, download and page's metadata is made. Text is plain (one line each)."""

    title: str
    authors: tuple[str, ...]  # organisations, as the report names them ("SIPR")
    publisher: str  # "Scottish Government"
    place: str  # of publication: "Edinburgh"
    year: int
    month: int | None
    series: tuple[str, ...] = ()
    isbn: str = ""
    issn: str = ""
    language: str = ""  # BCP 47, "en-GB"
    prepared_for: str = ""
    address: str = ""  # the publisher's
    production: str = ""
    format: str = ""
    location: SourceLocation | None = None  # the record's first line

    @property
    def date(self) -> str:
        """'2018-02' (ISO 8601), or the year alone."""
        return f"{self.year:04d}-{self.month:02d}" if self.month else f"{self.year:04d}"


@dataclass
class KnowledgeBase:
    documents: dict[str, Document] = field(default_factory=dict)  # by site path
    vignettes: dict[str, Vignette] = field(default_factory=dict)  # by id
    sources: dict[str, Source] = field(default_factory=dict)  # by key
    entities: dict[str, Entity] = field(default_factory=dict)  # by id
    lessons: dict[str, Lesson] = field(default_factory=dict)  # by id, in the report's order
    lesson_links: list[LessonLink] = field(default_factory=list)
    examples: dict[str, PreventionExample] = field(default_factory=dict)  # by id, in reading order
    areas: dict[str, Area] = field(default_factory=dict)  # by id, A to D
    quotes: dict[str, Quote] = field(default_factory=dict)  # by id, in reading order
    terms: dict[str, Term] = field(default_factory=dict)  # by id, alphabetical
    backlinks: dict[str, list[Backlink]] = field(default_factory=dict)  # by target entity id
    texts: dict[str, str] = field(default_factory=dict)  # site path -> its file's whole text, as read
    includes: dict[str, tuple[Include, ...]] = field(default_factory=dict)  # by including page, checked
    publication: Publication | None = None  # the About page's record, when it has one

    # Lookups by page, key or vignette are indexed once (see index()), so that rendering every page is
    # linear in the size of the report rather than pages × entities.

    def index(self) -> None:
        """Build the lookup tables; call again after changing the knowledge base."""
        by_key: dict[str, list[Citation]] = {}
        for c in self.citations():
            for key in dict.fromkeys(i.key for i in c.items):
                by_key.setdefault(key, []).append(c)
        quotes: dict[tuple[str, bool], list[Quote]] = {}
        for q in self.quotes.values():
            quotes.setdefault((q.place.page, q.inline), []).append(q)
        by_vignette: dict[str, list[PreventionExample]] = {}
        for e in self.examples.values():
            for v in e.vignettes:
                by_vignette.setdefault(v, []).append(e)
        links: dict[str, list[LessonLink]] = {}
        by_lesson: dict[str, list[LessonLink]] = {}
        for link in self.lesson_links:
            links.setdefault(link.target.split("#")[0], []).append(link)
            by_lesson.setdefault(link.lesson, []).append(link)
        self._index = {"cited_in": by_key, "quotes": quotes, "examples_of": by_vignette, "links_to": links,
                       "links_of": by_lesson, "lesson_sequence": list(self.lessons.values())}
        self._memos: dict[str, dict] = {}

    def memo(self, name: str) -> dict:
        """A table in which renderers keep results that depend only on this knowledge base and their own
        key (e.g. a text with its abbreviations marked); emptied whenever the lookups are built again."""
        if not hasattr(self, "_index"):
            self.index()
        return self._memos.setdefault(name, {})

    def _lookup(self, table: str, key) -> list:
        if not hasattr(self, "_index"):
            self.index()
        return self._index[table].get(key, [])

    def citations(self) -> list[Citation]:
        return [c for d in self.documents.values() for c in d.citations]

    def cited_in(self, key: str) -> list[Citation]:
        return self._lookup("cited_in", key)

    def quotes_on(self, page: str, inline: bool) -> list[Quote]:
        return self._lookup("quotes", (page, inline))

    def examples_of(self, vignette_id: str) -> list[PreventionExample]:
        return self._lookup("examples_of", vignette_id)

    def lesson_links_to(self, entity_id: str) -> list[LessonLink]:
        """Lessons illustrated by this entity (or by a section of this chapter)."""
        return self._lookup("links_to", entity_id)

    def lesson_links_of(self, lesson_id: str) -> list[LessonLink]:
        """The passages that illustrate this lesson, in the order the Conclusions list them."""
        return self._lookup("links_of", lesson_id)

    def lesson_sequence(self) -> list[Lesson]:
        """The lessons in the report's order (lesson n is at position n - 1)."""
        if not hasattr(self, "_index"):
            self.index()
        return self._index["lesson_sequence"]
