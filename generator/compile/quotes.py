"""Interview extracts: a block quote that ends with its attribution becomes a figure."""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from markdown import Markdown
from markdown.treeprocessors import Treeprocessor

from ..knowledge.sitemap import VOICES_PAGE
from ..sources.dialect import ATTRIBUTION_RE
from .state import RenderState


def describe_attribution(m: re.Match) -> str:
    """'A04, police' or 'FGD (focus group, area D)' from a matched attribution line."""
    code = m["code"].upper()
    if m["fg"]:
        return f"{code} (focus group, area {m['fg'].upper()})"
    return f"{code}, {m['role'].lower()}" if m["role"] else code


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
