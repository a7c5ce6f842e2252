"""Text in which no inline pattern can match, marked as such before Python-Markdown's inline processing."""

from __future__ import annotations

from markdown import Markdown
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

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
