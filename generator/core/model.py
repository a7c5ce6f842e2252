"""The typed knowledge model: what the report is made of, independent of any site engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, order=True)
class SourceLocation:
    path: str  # relative to the project root, POSIX
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int


@dataclass(frozen=True)
class CitationItem:
    key: str
    prefix: str = ""
    locator: str = ""
    suppress_author: bool = False


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
    label: str  # in-text label, e.g. "O'Neill and McCarthy 2014"
    author_label: str  # "O'Neill and McCarthy"
    year_label: str  # "2014", "2016a", "n.d."
    reference_markdown: str  # full reference, Markdown
    reference_text: str  # full reference, plain text
    url: str | None
    location: SourceLocation


@dataclass(frozen=True)
class Entity:
    """Anything an author can cross-reference by id."""

    id: str
    label: str
    page: str
    anchor: str = ""


@dataclass
class KnowledgeBase:
    documents: dict[str, Document] = field(default_factory=dict)  # by site path
    vignettes: dict[str, Vignette] = field(default_factory=dict)  # by id
    sources: dict[str, Source] = field(default_factory=dict)  # by key
    entities: dict[str, Entity] = field(default_factory=dict)  # by id

    def citations(self) -> list[Citation]:
        return [c for d in self.documents.values() for c in d.citations]

    def cited_in(self, key: str) -> list[Citation]:
        return [c for c in self.citations() if any(i.key == key for i in c.items)]
