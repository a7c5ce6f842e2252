"""The glossary: the terms chapters declare in their front matter (``terms``: abbreviation -> what it stands
for), and where the text uses them."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from ..common.diagnostics import Diagnostics
from ..sources.frontmatter import nested_lines
from .model import KnowledgeBase, SourceLocation, Term


def read_terms(kb: KnowledgeBase, diags: Diagnostics, root: Path | None) -> None:
    for doc in kb.documents.values():
        terms = doc.meta.get("terms")
        if not isinstance(terms, dict):
            continue
        lines = nested_lines(root, doc.file, "terms") if root else {}
        for abbr, expansion in terms.items():
            where = SourceLocation(doc.file, lines.get((str(abbr),), doc.body_line))
            if not isinstance(expansion, str) or not expansion.strip():
                diags.error(doc.file, None, f"term '{abbr}' needs what it stands for as text, e.g. "
                            f"'{abbr}: Scottish Fire and Rescue Service'.", "term.type")
                continue
            slug = re.sub(r"[^a-z0-9]+", "-", str(abbr).lower()).strip("-")
            tid = f"term:{slug}"
            if tid in kb.terms:
                diags.error(doc.file, None, f"term '{abbr}' is defined twice.", "entity.duplicate")
                continue
            kb.terms[tid] = Term(tid, str(abbr), expansion.strip(), f"term-{slug}", where)
    kb.terms = dict(sorted(kb.terms.items(), key=lambda t: t[1].abbr.lower()))


def term_pattern(kb: KnowledgeBase) -> re.Pattern | None:
    """Whole-word matches of every glossary abbreviation (and its plural: CPPs)."""
    if not kb.terms:
        return None
    return _term_regex(tuple(sorted((t.abbr for t in kb.terms.values()), key=len, reverse=True)))


def terms_used(kb: KnowledgeBase, text: str) -> set[str]:
    """The abbreviations ``text`` uses, as ``term_pattern`` finds them (a whole word, or its plural),
    without trying that pattern at every position: each abbreviation's own pattern starts with its
    letters, which the regular-expression engine finds fast; the character before is checked here."""
    return {abbr for abbr, word in _term_words(tuple(t.abbr for t in kb.terms.values()))
            if abbr in text and _word_at_start(word, text)}


def _word_at_start(word: re.Pattern, text: str) -> bool:
    for m in word.finditer(text):
        i = m.start()
        if i == 0 or not (text[i - 1].isalnum() or text[i - 1] in "_&"):  # (?<![\w&])
            return True
    return False


@lru_cache(maxsize=16)
def _term_words(abbrs: tuple[str, ...]) -> tuple[tuple[str, re.Pattern], ...]:
    return tuple((a, re.compile(re.escape(a) + r"s?(?![\w&])")) for a in abbrs)


@lru_cache(maxsize=16)
def _term_regex(words: tuple[str, ...]) -> re.Pattern:
    return re.compile(r"(?<![\w&])(" + "|".join(re.escape(w) for w in words) + r")(s?)(?![\w&])")


def term_by_abbr(kb: KnowledgeBase) -> dict[str, Term]:
    return {t.abbr: t for t in kb.terms.values()}
