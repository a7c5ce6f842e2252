"""The report's inline syntaxes (``sources.dialect``) rendered: citations, cross-references and entity
declarations, on a passage's words or at the end of a block."""

from __future__ import annotations

import xml.etree.ElementTree as etree

from markdown import Markdown
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from ..knowledge.citations import in_text
from ..knowledge.sitemap import BIBLIOGRAPHY_PAGE, EXAMPLES_PAGE
from ..sources.dialect import CITATION_RE, SPAN_ENTITY_RE, XREF_RE, parse_citation
from .state import RenderState


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
