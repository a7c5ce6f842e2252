"""Python-Markdown extension: citations, cross-references, attributed quotes, per-page references.

It needs only Python-Markdown, so any engine built on it can host the core. The host tells it which
page is being rendered (``state.page``, a site path such as ``vignettes/road-safety.md``); links are
emitted as relative ``.md`` paths, which the host resolves (and validates) like any other link.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field

from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

from .citations import CITATION_RE, in_text, parse_citation
from .model import KnowledgeBase
from .scan import XREF_RE

BIBLIOGRAPHY_PAGE = "references.md"
ATTRIBUTION_RE = re.compile(r"^—\s*(?P<code>FG(?P<fg>[A-D])|(?P<area>[A-D])\d{2})(?:\s+(?P<role>police|fire|partner))?\s*$",
                            re.I)


@dataclass
class RenderState:
    """What the host shares with the extension: the knowledge base and the page being rendered."""

    kb: KnowledgeBase
    page: str = "index.md"
    problems: list[str] = field(default_factory=list)

    def href(self, target_page: str, anchor: str = "") -> str:
        rel = posixpath.relpath(target_page, posixpath.dirname(self.page) or ".")
        return rel + (f"#{anchor}" if anchor else "")


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
        span = etree.Element("span", {"class": "citation", "id": f"cite-{n}"})
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
                "aria-describedby": f"cite-{n}-{i}",
            })
            link.text = text
            tip = etree.SubElement(span, "span", {"class": "citation__tip", "role": "tooltip", "id": f"cite-{n}-{i}"})
            tip.text = sources[item.key].reference_text
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
        a = etree.Element("a", {"class": "xref", "href": self.state.href(entity.page, entity.anchor)})
        a.text = m["text"] or entity.label
        if m["text"] and m["text"] != entity.label:
            a.set("title", entity.label)
        return a, m.start(0), m.end(0)


class QuoteProcessor(Treeprocessor):
    """``> text`` … ``> — A04 Police`` becomes a figure with the quote and its attribution."""

    def run(self, root):
        used: dict[str, int] = {}
        for parent in list(root.iter()):
            for index, child in reversed(list(enumerate(parent))):
                if child.tag == "blockquote":
                    figures = self._split(child, used)
                    if figures:
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
            fig = etree.Element("figure", {"class": "quote", "id": ident})
            bq = etree.SubElement(fig, "blockquote")
            bq.extend(children)
            cap = etree.SubElement(fig, "figcaption")
            cap.text = f"— {describe_attribution(m)}"
            out.append(fig)
        if current:
            rest = etree.Element("blockquote")
            rest.extend(current)
            out.append(rest)
        return out


class PageReferencesProcessor(Treeprocessor):
    """Ends every page that cites something with its own reference list."""

    def __init__(self, state: RenderState, md: Markdown):
        super().__init__(md)
        self.state = state

    def run(self, root):
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


class ReportExtension(Extension):
    def __init__(self, state: RenderState, **kwargs):
        self.state = state
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        md.registerExtension(self)
        self.md = md
        md.report_citations = []  # type: ignore[attr-defined]
        # Above 'reference' (170) so that [text][kind:id] and [@key] are ours.
        md.inlinePatterns.register(XRefProcessor(self.state, md), "report-xref", 176)
        md.inlinePatterns.register(CitationProcessor(self.state, md), "report-citation", 175)
        # After inline processing (20), before attr_list (8) and toc (5).
        md.treeprocessors.register(QuoteProcessor(md), "report-quotes", 15)
        md.treeprocessors.register(PageReferencesProcessor(self.state, md), "report-page-references", 12)

    def reset(self) -> None:
        self.md.report_citations = []  # type: ignore[attr-defined]
