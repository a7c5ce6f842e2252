"""Wider lessons grounded in the report's passages: a chapter's ``illustrated_by`` front matter links a lesson to
the passages that illustrate it, each with the report's own words as the reason, checked against the text of
the lesson or of the passage."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from ..common.diagnostics import Diagnostics, did_you_mean, excerpt
from ..sources.dialect import CITATION_TEXT_RE, SPAN_ENTITY_RE, XREF_RE, strip_declarations
from ..sources.frontmatter import nested_lines
from ..sources.scan import Scan
from .includes import section_text
from .model import Document, KnowledgeBase, LessonLink, SourceLocation

# **, __, and a * not inside a word: "\*\*|__|(?<!\w)\*|\*(?!\w)", with the look-behind moved after the "*" it
# precedes (a "*" not preceded by a word character), so that every branch starts with a character the
# regular-expression engine can look for instead of trying every position of a whole vignette.
EMPHASIS_MARK_RE = re.compile(r"\*\*|__|\*(?<!\w\*)|\*(?!\w)")
LINE_MARKS_RE = re.compile(r"^\s*(?:>\s*)*(?:[-*+]\s+)?", re.M)  # quote and list markers


def plain_text(markdown: str) -> str:
    """Running text of the report's Markdown, as a reader would copy it: cross-references and declared
    passages reduced to their words, declarations, citations, emphasis and list and quote markers left
    out, white space collapsed."""
    text = XREF_RE.sub(lambda m: m["text"], markdown)
    text = SPAN_ENTITY_RE.sub(lambda m: m["text"], text)
    text = strip_declarations(text)
    text = CITATION_TEXT_RE.sub("", text)
    text = EMPHASIS_MARK_RE.sub("", text)
    text = LINE_MARKS_RE.sub("", text)
    return " ".join(text.split())


@lru_cache(maxsize=4096)  # a lesson's text is compared with every passage that illustrates it
def _plain(markdown: str) -> str:
    """:func:`plain_text`, for matching the report's words: typographic quotes as straight ones."""
    return plain_text(markdown).replace("‘", "'").replace("’", "'").replace("“", '"').replace("”", '"')


def target_text(kb: KnowledgeBase, target: str) -> str | None:
    """The report's text at a link target: a section of a chapter, or an entity's own words."""
    if "#" in target:
        eid, anchor = target.split("#", 1)
        entity = kb.entities.get(eid)
        if entity is None or not eid.startswith("chapter:"):
            return None
        return section_text(kb.documents[entity.page], anchor)
    if target in kb.vignettes:
        return kb.documents[kb.vignettes[target].page].body
    if target in kb.examples:
        ex = kb.examples[target]
        return paragraph_text(kb.documents[ex.place.page], ex.place.location.line)
    if target in kb.quotes:
        return kb.quotes[target].markdown
    return None


def paragraph_text(doc: Document, line: int) -> str:
    """The Markdown of the paragraph (the lines between blank lines) that holds the document's line ``line``."""
    lines = doc.body.split("\n")
    first = last = line - doc.body_line
    while first > 0 and lines[first - 1].strip():
        first -= 1
    while last + 1 < len(lines) and lines[last + 1].strip():
        last += 1
    return "\n".join(lines[first:last + 1])


def resolve_target(kb: KnowledgeBase, target: str) -> tuple[str, str, str] | None:
    """(page, anchor, label) of a link target: an entity id, or 'chapter:<stem>#<section anchor>'."""
    if "#" in target:
        eid, anchor = target.split("#", 1)
        entity = kb.entities.get(eid)
        if entity is None:
            return None
        doc = kb.documents[entity.page]
        heading = next((h for h in doc.headings if h.anchor == anchor), None)
        if heading is None:
            return None
        return entity.page, anchor, f"{doc.title} › {heading.text}"
    entity = kb.entities.get(target)
    if entity is None:
        return None
    return entity.page, entity.anchor, entity.label


def passage_of(kb: KnowledgeBase, link: LessonLink) -> tuple[str, str, str]:
    """(page, anchor, label) where a lesson's link leads: on a page it names whole (a vignette), the innermost
    section that holds the quoted words, so that the reader lands on them (the page itself when they are the
    lesson's words); anywhere else, the target itself."""
    page, anchor, label = resolve_target(kb, link.target)
    doc = kb.documents.get(page)
    if anchor or "#" in link.target or doc is None:
        return page, anchor, label
    words = _plain(link.reason)
    holding = [h for h in doc.headings if words in _plain(section_text(doc, h.anchor) or "")]
    if not holding:
        return page, anchor, label
    inner = max(holding, key=lambda h: h.level)
    return page, inner.anchor, f"{label} › {inner.text}"


def read_lesson_links(kb: KnowledgeBase, scans: dict[str, Scan], diags: Diagnostics, root: Path | None) -> None:
    for doc in kb.documents.values():
        links = doc.meta.get("illustrated_by")
        if links is None:
            continue
        lines = nested_lines(root, doc.file, "illustrated_by") if root else {}
        if not isinstance(links, dict):
            continue  # the field's type is reported by the loader
        for lesson_id, items in links.items():
            at = lines.get((str(lesson_id),), doc.body_line)
            if lesson_id not in kb.lessons:
                diags.error(doc.file, at, f"'{lesson_id}' is not a lesson.{did_you_mean(str(lesson_id), kb.lessons)}",
                            "xref.unknown")
                continue
            if not isinstance(items, list):
                diags.error(doc.file, at, f"'{lesson_id}' must list its passages, one '- target: … reason: …' "
                            "each.", "frontmatter.type")
                continue
            lesson = kb.lessons[lesson_id]
            for n, item in enumerate(items):
                line = lines.get((str(lesson_id), n), at)
                if not isinstance(item, dict) or set(item) != {"target", "reason"}:
                    extra = sorted(set(item) - {"target", "reason"}) if isinstance(item, dict) else []
                    hint = f" Unknown: {', '.join(extra)}.{did_you_mean(extra[0], ('target', 'reason'))}" if extra else ""
                    diags.error(doc.file, line, "each passage that illustrates a lesson has exactly two fields, "
                                f"'target' and 'reason'.{hint}", "lesson.link-fields")
                    continue
                target, reason = str(item["target"]), str(item["reason"])
                if resolve_target(kb, target) is None:
                    candidates = list(kb.entities) + [f"{e}#{h.anchor}" for e in kb.entities if e.startswith("chapter:")
                                                      for h in kb.documents[kb.entities[e].page].headings]
                    diags.error(doc.file, line, f"unknown target '{target}' — give an entity id or "
                                f"'chapter:<page>#<section>'.{did_you_mean(target, candidates)}", "xref.unknown")
                    continue
                words = _plain(reason)
                # The lesson's own words first: the passage (a whole vignette, say) is read only when needed.
                if not words or not (words in _plain(lesson.markdown)
                                     or words in _plain(target_text(kb, target) or "")):
                    diags.error(doc.file, line, f"reason '{excerpt(reason, 60)}' is not the report's words — quote "
                                "the lesson or the passage it points to exactly, so that every link is grounded in "
                                "the report's text.", "lesson.ungrounded")
                    continue
                kb.lesson_links.append(LessonLink(lesson_id, target, reason, SourceLocation(doc.file, line)))
