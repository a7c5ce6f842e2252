"""Python-Markdown extension: citations, cross-references, attributed quotes, per-page references.

It needs only Python-Markdown, so any engine built on it can host the core. The host tells it which
page is being rendered (``state.page``, a site path such as ``vignettes/road-safety.md``); links are
emitted as relative ``.md`` paths, which the host resolves (and validates) like any other link.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from functools import lru_cache
import html
from html import escape
from types import SimpleNamespace

from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.serializers import to_html_string
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from ..knowledge.citations import CITATION_RE, in_text, parse_citation
from ..knowledge.entities import term_by_abbr, term_pattern
from ..knowledge.sitemap import BIBLIOGRAPHY_PAGE, EXAMPLES_PAGE, GLOSSARY_PAGE, VOICES_PAGE, relative_path, relative_url
from ..knowledge.model import KnowledgeBase
from .sanitize import Finding, check_element, check_html, plain_element
from ..sources.scan import SPAN_ENTITY_RE, XREF_RE

ATTRIBUTION_RE = re.compile(r"^—\s*(?P<code>FG(?P<fg>[A-D])|(?P<area>[A-D])\d{2})(?:\s+(?P<role>police|fire|partner))?\s*$",
                            re.I)



@dataclass
class RenderState:
    """What the host shares with the extension: the knowledge base and the page being rendered.

    ``fragment``: rendering a snippet for an island (``Fragments``), whose links are final URLs.
    """

    kb: KnowledgeBase
    page: str = "index.md"
    problems: list[str] = field(default_factory=list)
    fragment: bool = False
    # The ids inside the current page's islands: the host never sees them, so it is told (link checks).
    island_ids: set[str] = field(default_factory=set)
    # A host whose search indexes the page's HTML before it writes the page sets ``defer_unindexed``:
    # islands the index leaves out (``island(..., indexed=False)``) then come out as placeholders, their
    # HTML kept in ``deferred`` (a new list for every page), and the host puts them back after indexing
    # (``restore_deferred``). Its search never parses what it would throw away.
    defer_unindexed: bool = False
    deferred: list[str] = field(default_factory=list)
    # What the page's own HTML (its islands aside) holds that the sanitiser would remove (HtmlCheckProcessor);
    # a new list for every page. The host reports it (htmlcheck.diagnostics).
    unsafe: list[Finding] = field(default_factory=list)

    def href(self, target_page: str, anchor: str = "") -> str:
        if self.fragment:
            return relative_url(target_page, self.page, anchor)
        return relative_path(target_page, self.page) + (f"#{anchor}" if anchor else "")

    def local_id(self, kind: str, n: int) -> str:
        """``cite-3``, ``xref-2``; in a fragment ``cite-f3``, so that snippets never reuse the page's ids."""
        return f"{kind}-f{n}" if self.fragment else f"{kind}-{n}"


# HTML the generator has already rendered, carried through a page's Markdown untouched (an island):
# Python-Markdown neither parses nor rescans it, which is what makes large generated pages cheap. The
# closing marker names the glossary terms the island already links, so the page links each only once.
# " unindexed" marks an island that lies in a section the site's search leaves out.
ISLAND_OPEN = "<!--report:island"
ISLAND_RE = re.compile(r"^<!--report:island(?P<unindexed> unindexed)?-->\n(?P<html>.*?)\n"
                       r"<!--/report:island(?P<terms>(?: [^\s>]+)*)-->$", re.S | re.M)
DEFERRED_RE = re.compile(r"<!--report:deferred (\d+)-->")


def island(html: str, terms: list[str] | tuple = (), indexed: bool = True) -> str:
    """``html`` (block-level, links as final URLs) wrapped so that ``ReportExtension`` passes it through.

    ``indexed=False``: the island sits in a section that search leaves out (a heading with
    ``data-search-exclude``), and holds no heading of its own; a host may defer it (``RenderState``)."""
    flag = "" if indexed else " unindexed"
    return f"{ISLAND_OPEN}{flag}-->\n{html.strip()}\n<!--/report:island{''.join(' ' + t for t in terms)}-->\n"


def restore_deferred(html: str, deferred: list[str]) -> str:
    """The page's HTML with its deferred islands put back where their placeholders are."""
    if not deferred:
        return html
    return DEFERRED_RE.sub(lambda m: deferred[int(m[1])], html)


ID_RE = re.compile(r'\sid="([^"]+)"')


class IslandPreprocessor(Preprocessor):
    def __init__(self, state: RenderState, md: Markdown):
        super().__init__(md)
        self.state = state

    def run(self, lines):
        self.state.island_ids = set()
        self.state.deferred = []
        text = "\n".join(lines)
        if ISLAND_OPEN not in text:
            return lines

        def stash(m: re.Match) -> str:
            self.md.report_terms_linked.update(m["terms"].split())  # type: ignore[attr-defined]
            html = m["html"]
            self.state.island_ids.update(ID_RE.findall(html))
            if m["unindexed"] and self.state.defer_unindexed:
                self.state.deferred.append(html)
                html = f"<!--report:deferred {len(self.state.deferred) - 1}-->"
            placeholder = self.md.htmlStash.store(html)
            self.md.report_islands.add(len(self.md.htmlStash.rawHtmlBlocks) - 1)  # type: ignore[attr-defined]
            return f"\n\n{placeholder}\n\n"  # a block of its own

        return ISLAND_RE.sub(stash, text).split("\n")


def describe_attribution(m: re.Match) -> str:
    """'A04, police' or 'FGD (focus group, area D)' from a matched attribution line."""
    code = m["code"].upper()
    if m["fg"]:
        return f"{code} (focus group, area {m['fg'].upper()})"
    return f"{code}, {m['role'].lower()}" if m["role"] else code


class CitationProcessor(InlineProcessor):
    def __init__(self, state: RenderState, md: Markdown):
        super().__init__(CITATION_RE.pattern, md)
        self.state = state

    def handleMatch(self, m, data):  # noqa: N802 (Python-Markdown API)
        items = parse_citation(m["body"])
        if items is None:
            return None, None, None
        rendered: list = self.md.report_citations  # type: ignore[attr-defined]
        n = len(rendered) + 1
        rendered.append(items)
        sources = self.state.kb.sources
        span = etree.Element("span", {"class": "citation", "id": self.state.local_id("cite", n)})
        if any(i.key not in sources for i in items):  # reported by the loader with its line
            span.text = m.group(0)
            span.set("class", "citation citation--unknown")
            return span, m.start(0), m.end(0)
        span.text = "("
        last = None
        for i, (item, text) in enumerate(in_text(items, sources), start=1):
            if last is not None:
                last.tail = (last.tail or "") + "; "
            link = etree.SubElement(span, "a", {
                "class": "citation__link",
                "href": self.state.href(BIBLIOGRAPHY_PAGE, f"ref-{item.key}"),
                "aria-describedby": f"{self.state.local_id('cite', n)}-{i}",
            })
            link.text = AtomicString(text)  # words, never Markup: BibTeX fields may hold < & "
            # The full reference is shown on hover and focus; search finds it on /references/, not here.
            tip = etree.SubElement(span, "span", {"class": "citation__tip", "role": "tooltip",
                                                  "id": f"{self.state.local_id('cite', n)}-{i}",
                                                  "data-search-exclude": ""})
            tip.text = AtomicString(sources[item.key].reference_text)
            last = tip
        last.tail = ")"
        return span, m.start(0), m.end(0)


class XRefProcessor(InlineProcessor):
    def __init__(self, state: RenderState, md: Markdown):
        super().__init__(XREF_RE.pattern, md)
        self.state = state

    def handleMatch(self, m, data):  # noqa: N802
        entity = self.state.kb.entities.get(m["target"])
        if entity is None:  # reported by the loader with its line
            return None, None, None
        xrefs: list = self.md.report_xrefs  # type: ignore[attr-defined]
        xrefs.append(m["target"])
        a = etree.Element("a", {"class": "xref", "href": self.state.href(entity.page, entity.anchor),
                                "id": self.state.local_id("xref", len(xrefs))})
        a.text = AtomicString(m["text"] or entity.label)  # words, never Markup: a title may hold < & "
        if m["text"] and m["text"] != entity.label:
            a.set("title", entity.label)
        return a, m.start(0), m.end(0)


# What each inline pattern needs in a text to match at all: Python-Markdown's own (3.x) and ours. The
# delimiter pattern ('em_strong') needs one of its tokens ('*', '_', and any an extension adds).
INLINE_TRIGGERS = {
    "backtick": ("`", "\\"), "escape": ("\\",), "reference": ("[",), "link": ("[",), "image_link": ("[",),
    "image_reference": ("[",), "short_reference": ("[",), "short_image_ref": ("[",), "autolink": ("<",),
    "automail": ("<",), "linebreak": ("  \n",), "html": ("<",), "entity": ("&",), "report-inline": ("[", "{#"),
}
# Nothing else: attribute lists ('{: …}') are read by a tree processor, atomic text or not, and a
# stashed-HTML placeholder (STX wzxhzdk:N ETX, an island's or raw HTML's) is left alone by every pattern.


def inline_triggers(md: Markdown) -> tuple[str, ...] | None:
    """What a text must contain for one of ``md``'s inline patterns to match in it (any of these strings);
    None when an inline pattern is registered whose needs are not known here (then every text is processed)."""
    triggers: set[str] = set()
    # Registry keeps (name, priority) items; a copy, since looking an item up sorts them in place.
    names = [item.name for item in getattr(md.inlinePatterns, "_priority", ())]
    if not names:
        return None
    for name in names:
        if name == "em_strong" and hasattr(md.inlinePatterns[name], "tokens"):
            triggers.update(md.inlinePatterns[name].tokens)
        elif name in INLINE_TRIGGERS:
            triggers.update(INLINE_TRIGGERS[name])
        else:
            return None
    return tuple(sorted(triggers))


def may_match_inline(text: str, triggers: tuple[str, ...]) -> bool:
    # A few substring tests, each a fast scan in C: ten times faster than one alternation pattern.
    return any(t in text for t in triggers)


class PlainTextProcessor(Treeprocessor):
    """Before inline processing: a block's text in which no inline pattern can match (most paragraphs of
    plain prose) becomes an ``AtomicString``, which Python-Markdown leaves as it is, instead of trying
    each of its fifteen patterns on it and finding nothing. The HTML is the same (tested)."""

    def run(self, root):
        triggers = inline_triggers(self.md)
        if triggers is None:
            return
        for el in root.iter():
            text = el.text
            if text and not isinstance(text, AtomicString) and not may_match_inline(text, triggers):
                el.text = AtomicString(text)
            tail = el.tail
            if tail and not isinstance(tail, AtomicString) and not may_match_inline(tail, triggers):
                el.tail = AtomicString(tail)


class QuoteProcessor(Treeprocessor):
    """``> text`` … ``> — A04 Police`` becomes a figure with the quote and its attribution."""

    def __init__(self, state: RenderState, md: Markdown):
        super().__init__(md)
        self.state = state

    def run(self, root):
        used: dict[str, int] = {}
        self.known = [q for q in self.state.kb.quotes_on(self.state.page, inline=False)]
        self.n = 0
        # Split in reading order (ids follow the report's order), then replace.
        parents = {child: parent for parent in root.iter() for child in parent}
        found = [(parents[bq], bq) for bq in root.iter("blockquote") if bq in parents]
        replacements = [(parent, child, self._split(child, used)) for parent, child in found]
        for parent, child, figures in replacements:
            if figures:
                index = list(parent).index(child)
                parent.remove(child)
                for offset, fig in enumerate(figures):
                    parent.insert(index + offset, fig)

    def _split(self, quote, used):
        groups, current = [], []
        for child in list(quote):
            text = "".join(child.itertext()).strip() if child.tag == "p" else ""
            m = ATTRIBUTION_RE.match(text)
            if m:
                groups.append((current, m))
                current = []
            else:
                current.append(child)
        if not groups:
            return None
        out = []
        for children, m in groups:
            code = m["code"].upper()
            base = f"quote-{code.lower()}"
            used[base] = used.get(base, 0) + 1
            ident = base if used[base] == 1 else f"{base}-{used[base]}"
            known = self.known[self.n] if self.n < len(self.known) else None
            self.n += 1
            if known is not None and known.code == code:
                ident = known.place.anchor
            fig = etree.Element("figure", {"class": "quote", "id": ident})
            bq = etree.SubElement(fig, "blockquote")
            bq.extend(children)
            cap = etree.SubElement(fig, "figcaption")
            who = describe_attribution(m)
            if known is not None and known.code == code and self.state.page != VOICES_PAGE:
                # The code leads to every extract of the report, grouped by theme.
                cap.text = "— "
                link = etree.SubElement(cap, "a", {"href": self.state.href(VOICES_PAGE, ident),
                                                   "title": "This extract among all the report's interview extracts"})
                link.text = code
                link.tail = who[len(code):]
            else:
                cap.text = f"— {who}"
            out.append(fig)
        if current:
            rest = etree.Element("blockquote")
            rest.extend(current)
            out.append(rest)
        return out


class SpanEntityProcessor(InlineProcessor):
    """``[words]{#example:slug …}`` and ``['words' (A14)]{#quote}``: the words, with the entity's id."""

    def __init__(self, state: RenderState, md: Markdown):
        super().__init__(SPAN_ENTITY_RE.pattern, md)
        self.state = state

    def handleMatch(self, m, data):  # noqa: N802
        body = m["body"].split()[0] if m["body"].split() else ""
        kind, _, slug = body.partition(":")
        span = etree.Element("span")
        span.text = m["text"]
        if kind == "example" and f"example:{slug}" in self.state.kb.examples:
            example = self.state.kb.examples[f"example:{slug}"]
            span.set("class", "example")
            span.set("id", example.place.anchor)
            if self.state.page != EXAMPLES_PAGE:
                # A small label after the words: the example's level, leading to every example of prevention.
                badge = etree.SubElement(span, "a", {"class": "entity-link", "data-search-exclude": "",
                                                     "href": self.state.href(EXAMPLES_PAGE, f"pe-{slug}")})
                badge.text = f"{example.level} prevention" if example.level else "prevention example"
                badge.set("title", "This example among all the report's examples of prevention")
        elif kind == "quote":
            seen: list = self.md.report_inline_quotes  # type: ignore[attr-defined]
            known = self.state.kb.quotes_on(self.state.page, inline=True)
            span.set("class", "voice")
            if len(seen) < len(known):
                span.set("id", known[len(seen)].place.anchor)
            seen.append(m["text"])
        return span, m.start(0), m.end(0)


class BlockEntityProcessor(InlineProcessor):
    """``… {#lesson:slug}`` at the end of a block: a marker the tree processor turns into the block's id."""

    def __init__(self, state: RenderState, md: Markdown):
        super().__init__(r"\{#(?P<body>[a-z][\w-]*:[^{}\n]*)\}", md)
        self.state = state

    def handleMatch(self, m, data):  # noqa: N802
        if data[m.end(0):].strip():
            return None, None, None
        kind, _, slug = m["body"].split()[0].partition(":")
        marker = etree.Element("span", {"data-report-anchor": f"{kind}-{slug}"})
        kb = self.state.kb
        entity = kb.lessons.get(f"{kind}:{slug}") or kb.areas.get(f"{kind}:{slug}")
        if entity is not None and entity.page != self.state.page:
            # The block leads to the entity's own page: "Lesson 2 page", "Area A page".
            link = etree.SubElement(marker, "a", {"class": "entity-link", "data-search-exclude": "",
                                                  "href": self.state.href(entity.page)})
            link.text = f"{entity.label.split(':')[0]} page"
        return marker, m.start(0), m.end(0)


class BlockAnchorProcessor(Treeprocessor):
    """Moves each block declaration's id onto its list item or paragraph."""

    def run(self, root):
        parents = {child: parent for parent in root.iter() for child in parent}
        for marker in [e for e in root.iter("span") if "data-report-anchor" in e.attrib]:
            parent = parents[marker]
            target = parent
            if parent.tag == "p" and parents.get(parent) is not None and parents[parent].tag == "li":
                target = parents[parent]
            target.set("id", marker.attrib["data-report-anchor"])
            if len(marker):  # keep the link to the entity's page, drop the marker
                del marker.attrib["data-report-anchor"]
                marker.set("class", "entity-links")
                continue
            # Remove the marker, keeping its tail text and trimming the space before it.
            index = list(parent).index(marker)
            tail = marker.tail or ""
            if index == 0:
                parent.text = (parent.text or "").rstrip() + tail
            else:
                prev = parent[index - 1]
                prev.tail = (prev.tail or "").rstrip() + tail
            parent.remove(marker)


_WORD_START = r"(?<![\w&])"


@lru_cache(maxsize=16)
def _without_word_start(pattern: re.Pattern) -> re.Pattern:
    assert pattern.pattern.startswith(_WORD_START), pattern.pattern
    return re.compile(pattern.pattern[len(_WORD_START):], pattern.flags)


def term_matches(pattern: re.Pattern, text: str):
    """``pattern.finditer(text)`` for ``term_pattern``, about five times faster on prose: the pattern
    without its leading look-behind lets the regular-expression engine jump to the abbreviations'
    letters, and the character before each candidate is checked here (``\\w`` is ``isalnum`` or ``_``).
    A candidate that fails is retried one character on, as ``finditer`` would."""
    fast, pos = _without_word_start(pattern), 0
    while (m := fast.search(text, pos)) is not None:
        i = m.start()
        if i and (text[i - 1].isalnum() or text[i - 1] in "_&"):
            pos = i + 1
            continue
        yield m
        pos = m.end()


class TermProcessor(Treeprocessor):
    """Marks every glossary abbreviation: the first on a page links to the glossary and shows its meaning
    on hover and keyboard focus; the rest are ``<abbr title>``."""

    SKIP = {"a", "abbr", "code", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "script", "style"}

    def __init__(self, state: RenderState, md: Markdown):
        super().__init__(md)
        self.state = state

    def run(self, root):
        pattern = term_pattern(self.state.kb)
        if pattern is None or self.state.page == GLOSSARY_PAGE:
            return
        # Terms an island already links count as seen (in a fragment: the page's other fragments).
        self.pattern, self.terms = pattern, term_by_abbr(self.state.kb)
        self.candidate = _without_word_start(pattern).search  # most texts have none: one search says so
        self.seen = self.md.report_terms_linked  # type: ignore[attr-defined]
        self._walk(root)

    def _walk(self, el):
        """In reading order: the element's text, then each child and the text after it."""
        if el.tag in self.SKIP or "citation" in el.get("class", ""):
            return
        children = list(el)
        self._mark(el, None)
        for child in children:
            self._walk(child)
            self._mark(el, child)

    def _pieces(self, text: str):
        out, last = [], 0
        for m in term_matches(self.pattern, text):
            out.append((text[last:m.start()], m))
            last = m.end()
        return out, text[last:]

    def _make(self, m):
        term = self.terms[m.group(1)]
        abbr = etree.Element("abbr", {"title": term.expansion})
        abbr.text = m.group(1)
        if term.id in self.seen:
            abbr.tail = m.group(2)
            return [abbr]
        self.seen.add(term.id)
        tip_id = f"{term.anchor}-tip"
        a = etree.Element("a", {"class": "term", "href": self.state.href(GLOSSARY_PAGE, term.anchor),
                                "aria-describedby": tip_id})
        a.append(abbr)
        abbr.tail = m.group(2)
        tip = etree.Element("span", {"class": "term__tip", "role": "tooltip", "id": tip_id, "data-search-exclude": ""})
        tip.text = term.expansion
        return [a, tip]

    def _mark(self, parent, after):
        """Split the text of ``parent`` (or the tail of its child ``after``) around abbreviations."""
        text = parent.text if after is None else after.tail
        if not text or self.candidate(text) is None:
            return
        pieces, rest = self._pieces(text)
        if not pieces:
            return
        if after is None:
            parent.text, index = pieces[0][0], 0
        else:
            after.tail, index = pieces[0][0], list(parent).index(after) + 1
        new = []
        for before, m in pieces:
            if new:
                new[-1].tail = (new[-1].tail or "") + before
            new.extend(self._make(m))
        new[-1].tail = (new[-1].tail or "") + rest
        for i, node in enumerate(new):
            parent.insert(index + i, node)


class HtmlCheckProcessor(Treeprocessor):
    """Reads the HTML the page's Markdown made, as a browser would: every element of the tree (attribute lists,
    links and images included) and every piece of raw HTML, the generator's islands aside. What the sanitiser
    would remove, or what loads from another host, goes to ``state.unsafe``. Runs after attr_list (8) and toc
    (5), so that it sees every attribute they set."""

    def __init__(self, state: RenderState, md: Markdown):
        super().__init__(md)
        self.state = state

    def run(self, root):
        found = self._in_tree(root, skip=root, markdown=True)
        islands = self.md.report_islands  # type: ignore[attr-defined]
        for i, block in enumerate(self.md.htmlStash.rawHtmlBlocks):
            if i not in islands:  # raw HTML, as text or (md_in_html) as elements
                found += check_html(block) if isinstance(block, str) else self._in_tree(block, markdown=False)
        self.state.unsafe = found

    @staticmethod
    def _in_tree(root, skip=None, *, markdown: bool) -> list[Finding]:
        found: list[Finding] = []
        for el in root.iter():
            if el is not skip and isinstance(el.tag, str) and not plain_element(el.tag, el.attrib):
                found += check_element(el.tag, {name: html.unescape(value or "") for name, value in el.attrib.items()},
                                       dict(el.attrib), markdown=markdown)
        return found


class PageReferencesProcessor(Treeprocessor):
    """Ends every page that cites something with its own reference list."""

    def __init__(self, state: RenderState, md: Markdown):
        super().__init__(md)
        self.state = state

    def run(self, root):
        if self.state.fragment:  # a snippet: the page it goes on lists its own references
            return
        keys: list[str] = []
        for items in self.md.report_citations:  # type: ignore[attr-defined]
            for item in items:
                if item.key in self.state.kb.sources and item.key not in keys:
                    keys.append(item.key)
        expected = self.state.kb.documents.get(self.state.page)
        if expected is not None and len(expected.citations) != len(self.md.report_citations):  # type: ignore[attr-defined]
            self.state.problems.append(
                f"{expected.file}: {len(expected.citations)} citations in the source but "
                f"{len(self.md.report_citations)} rendered — a citation inside raw HTML, a link or a heading "  # type: ignore[attr-defined]
                "is not supported; move it into the running text.")
        if not keys:
            return
        sources = self.state.kb.sources
        h2 = etree.SubElement(root, "h2", {"id": "references-on-this-page"})
        h2.text = "References"
        ul = etree.SubElement(root, "ul", {"class": "page-references"})
        for key in sorted(keys, key=lambda k: (sources[k].author_label.lower(), sources[k].year_label)):
            li = etree.SubElement(ul, "li")
            a = etree.SubElement(li, "a", {"href": self.state.href(BIBLIOGRAPHY_PAGE, f"ref-{key}")})
            a.text = sources[key].label
            a.tail = ": " + sources[key].reference_text


class ReportInlineProcessor(InlineProcessor):
    """The report's four inline syntaxes as one pattern: Python-Markdown tries every pattern on every
    piece of text, so one cheap pattern (a ``[`` or ``{#``) that hands over to the right processor costs
    a quarter of four. At each place they are tried in the order they had as separate patterns."""

    def __init__(self, state: RenderState, md: Markdown):
        super().__init__(r"\[|\{#", md)
        self.processors = [SpanEntityProcessor(state, md), BlockEntityProcessor(state, md),
                           XRefProcessor(state, md), CitationProcessor(state, md)]

    def handleMatch(self, m, data):  # noqa: N802
        start = m.start(0)
        for processor in self.processors:
            match = processor.compiled_re.match(data, start)
            if match is not None:
                node, begin, end = processor.handleMatch(match, data)
                if node is not None:
                    return node, begin, end
        return None, None, None


class ReportExtension(Extension):
    def __init__(self, state: RenderState, **kwargs):
        self.state = state
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        md.registerExtension(self)
        self.md = md
        self.reset()
        md.preprocessors.register(IslandPreprocessor(self.state, md), "report-islands", 29)  # before html_block (20)
        # Above 'reference' (170) so that [text][kind:id], [words]{#…} and [@key] are ours.
        md.inlinePatterns.register(ReportInlineProcessor(self.state, md), "report-inline", 178)
        # Before inline processing (20): text it cannot change is marked as such.
        md.treeprocessors.register(PlainTextProcessor(md), "report-plain-text", 21)
        # After inline processing (20), before attr_list (8) and toc (5).
        md.treeprocessors.register(BlockAnchorProcessor(md), "report-block-anchors", 16)
        md.treeprocessors.register(QuoteProcessor(self.state, md), "report-quotes", 15)
        md.treeprocessors.register(TermProcessor(self.state, md), "report-terms", 14)
        md.treeprocessors.register(PageReferencesProcessor(self.state, md), "report-page-references", 12)
        md.treeprocessors.register(HtmlCheckProcessor(self.state, md), "report-html-check", 3)

    def reset(self) -> None:
        self.md.report_citations = []  # type: ignore[attr-defined]
        self.md.report_xrefs = []  # type: ignore[attr-defined]
        self.md.report_inline_quotes = []  # type: ignore[attr-defined]
        self.md.report_terms_linked = set()  # type: ignore[attr-defined]
        self.md.report_islands = set()  # type: ignore[attr-defined]  # indexes of the islands in htmlStash


# Anything Python-Markdown could read as markup: escapes, code, emphasis, links and the report's own
# syntaxes, HTML and entities, tables, line breaks; or a line that starts a block (a list, a quote, a
# heading, a rule). Text without any of these is one paragraph of plain words.
_NOT_PLAIN = re.compile(r"[\\`*_{}\[\]<>&!|~#\n\t]|^\s|\s$|^(?:[-+:=]|\d+[.)])")


def _is_plain_paragraph(markdown: str) -> bool:
    return bool(markdown) and _NOT_PLAIN.search(markdown) is None


class Fragments:
    """Snippets of author Markdown (an extract's words) rendered to HTML for islands on one page.

    They share the page's glossary links (each term linked once per page) and never reuse its ids.
    """

    def __init__(self, kb: KnowledgeBase, page: str, seen: set[str] | frozenset[str] = frozenset()):
        """``seen``: terms the page's Markdown uses before the islands, which it links itself."""
        self.state = RenderState(kb, page, fragment=True)
        self.linked: set[str] = set(seen)
        self._md: Markdown | None = None  # made on first use: most pages only mark plain text
        self._citations: list = []  # shared by every snippet of the page, so that ids count on
        self._xrefs: list = []
        self._reported: set[str] = set(seen)
        self._pattern = term_pattern(kb)
        # Plain text needs only the glossary marking, not a Markdown instance.
        self._terms = TermProcessor(self.state, SimpleNamespace(report_terms_linked=self.linked))
        # Marked texts, shared by every page: the same words come out the same where the same terms are
        # already linked and the glossary is at the same relative URL (a vignette's services, say).
        self._marked = kb.memo("fragments.text")
        self._glossary = relative_url(GLOSSARY_PAGE, page)

    def html(self, markdown: str) -> str:
        if _is_plain_paragraph(markdown):  # most extracts: one paragraph of plain words
            return f"<p>{self.text(markdown)}</p>"
        if self._md is None:  # the extensions the generated Markdown relies on, as on the page
            self._md = Markdown(extensions=["attr_list", "md_in_html", ReportExtension(self.state)])
        self._md.reset()
        self._md.report_terms_linked = self.linked  # type: ignore[attr-defined]
        self._md.report_citations = self._citations  # type: ignore[attr-defined]
        self._md.report_xrefs = self._xrefs  # type: ignore[attr-defined]
        return self._md.convert(markdown)

    def text(self, text: str) -> str:
        """Plain text (a title, a list of services) as HTML, its abbreviations marked as on the page."""
        if self._pattern is None or next(term_matches(self._pattern, text), None) is None:
            return escape(text, quote=False)
        key = (text, frozenset(self.linked), self._glossary)
        known = self._marked.get(key)
        if known is not None:
            html, newly_linked = known
            self.linked.update(newly_linked)
            return html
        before = set(self.linked)
        root = etree.Element("div")
        p = etree.SubElement(root, "p")
        p.text = text
        self._terms.run(root)
        html = to_html_string(p)[3:-4]  # without <p> and </p>
        self._marked[key] = (html, frozenset(self.linked - before))
        return html

    def new_terms(self) -> list[str]:
        """Terms linked since the last call: the closing marker of the island that linked them."""
        new = sorted(self.linked - self._reported)
        self._reported.update(new)
        return new
