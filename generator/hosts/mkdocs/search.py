"""Material's search index, made from the same calls read faster.

Material's search plugin divides each page's HTML into sections with its ``Parser``, a subclass of Python's
``HTMLParser``, whose tokenizer is over half of the parser's time, and the parser about a fifth of building a large
site. Every page's HTML reaches the index as the sanitiser wrote it (the plugin cleans it in
``on_page_content``), and that HTML has a small regular grammar: lower-case names, every attribute value in
double quotes, ``<`` in text escaped, no script or style. :class:`SectionParser` reads that grammar with one
regular expression and calls Material's own handlers exactly as ``HTMLParser`` would, in the same order, with
the same (unescaped) values; a page outside it (a ``<script>``, a quote-less attribute, a doctype, a lone
``<``) goes to ``HTMLParser`` as before. Material's rules (which tags are kept, where a section starts, what is
excluded) stay Material's: only the tokenizer is ours. On a build of 500 vignettes the parsing takes 43 % less.

``tests/test_search_index.py`` compares the calls, the sections and the index with Material's own, on every page
of the report and on HTML made to reach every branch, the fallback included.
"""

from __future__ import annotations

import re
from html import unescape

from material.plugins.search.plugin import Parser, SearchIndex, SearchPlugin

# A comment (without "--" inside, where Python versions part ways), a start tag with lower-case attribute names
# and double-quoted values, an end tag, or text: what the sanitiser writes.
_TOKENS = (r'<!--(?:-?[^-])*-->'
           r'|<([a-z][a-z0-9]*)((?:\s+[a-z][a-z0-9:_.-]*(?:="[^"]*")?)*)\s*(/?)>'
           r'|</([a-z][a-z0-9]*)\s*>'
           r'|([^<]+)')
_TOKEN = re.compile(_TOKENS)
# The same tokens, any number, possessive (*+, ++): a page that does not fit is known to at its first misfit, not
# after trying every way of cutting its text into pieces. Without groups: Python 3.11's re fails on a possessive
# quantifier around a capturing group.
_GRAMMAR = re.compile(r'(?:<!--(?:-?[^-])*+-->'
                      r'|<[a-z][a-z0-9]*+(?:\s++[a-z][a-z0-9:_.-]*+(?:="[^"]*+")?+)*+\s*+/?>'
                      r'|</[a-z][a-z0-9]*+\s*+>'
                      r'|[^<]++)*+')
_ATTRIBUTE = re.compile(r'([a-z][a-z0-9:_.-]*)(="[^"]*")?')
# Elements whose content HTMLParser reads as raw text (some Python versions; the sanitiser writes none of them).
_RAW_TEXT = re.compile(r"<(?:script|style|textarea|title|xmp|iframe|noembed|noframes|noscript|plaintext)\b")


def within_grammar(html: str) -> bool:
    """Whether :class:`SectionParser` reads ``html`` as ``HTMLParser`` does: every ``<`` starts a comment or a tag of
    the sanitiser's grammar, and no element's content is raw text."""
    return _GRAMMAR.fullmatch(html) is not None and _RAW_TEXT.search(html) is None


class SectionParser(Parser):
    """Material's parser, its handlers called as ``HTMLParser`` (``convert_charrefs=True``) calls them, fed the
    whole page and closed, where the page is :func:`within_grammar`: a start tag with its attributes (names in
    lower case, values unescaped, None without one), an end tag, text unescaped; nothing for a comment (Material's
    parser has no use for them); a self-closing tag's start and end, as ``handle_startendtag`` does."""

    def feed(self, data: str) -> None:
        if self.rawdata or not within_grammar(data):
            super().feed(data)
            return
        start, end_tag, text_data, attribute = self.handle_starttag, self.handle_endtag, self.handle_data, _ATTRIBUTE
        for tag, attributes, closed, end, text in _TOKEN.findall(data):
            if text:
                text_data(unescape(text) if "&" in text else text)
            elif tag:
                start(tag, [(name, (unescape(value[2:-1]) if "&" in value else value[2:-1]) if value else None)
                            for name, value in attribute.findall(attributes)] if attributes else [])
                if closed:
                    end_tag(tag)
            elif end:
                end_tag(end)


class FasterSearchIndex(SearchIndex):
    """Material's search index, each page divided into sections by :class:`SectionParser`."""

    def add_entry_from_context(self, page) -> None:  # Material's, with the parser swapped
        search = page.meta.get("search") or {}
        if search.get("exclude"):
            return
        parser = SectionParser()
        parser.feed(page.content)
        parser.close()
        for section in parser.data:
            if not section.is_excluded():
                self.create_entry_for_section(section, page.toc, page.url, page)


def read_faster(config) -> None:
    """Has Material's search plugin, where the site uses it, index with :class:`FasterSearchIndex`: the same
    index, made faster. Once every plugin is configured (the index is made in the search plugin's
    ``on_config``); a search index of any other kind is left alone."""
    for plugin in config.plugins.values():
        if isinstance(plugin, SearchPlugin) and type(getattr(plugin, "search_index", None)) is SearchIndex:
            plugin.search_index = FasterSearchIndex(**plugin.search_index.config)
