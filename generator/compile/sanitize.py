"""The HTML a page of the report may hold, as one allowlist: the sanitiser and the authors' check share it.

Content is untrusted (pull requests from strangers), so every page's HTML, the site's and the PDF's,
goes through :func:`clean` (nh3, the Python binding of the Ammonia sanitiser) before anything reads
it. The allowlist is what the report's pages use: the elements Python-Markdown and its extensions
write, the report's own (citations, tooltips, quotes, the explorer's form), and nothing that can run
script, embed another page, load from another host or change how the whole page loads.

Authors are told, not silently corrected: :func:`check_element` says what in an element the
allowlist would remove, or what loads from another host, as a :class:`Finding` with an error code
(``html.unsafe``, ``html.remote-resource``, ``html.not-allowed``) and the strings to look for in the
source to find its line. :func:`may_hold_html` says whether a page's Markdown can produce anything
but plain Markdown output at all (a cheap test, so that only those pages are rendered to be checked
while the sources are loaded).

The Content-Security-Policy of every page of the site is here too (:func:`content_security_policy`).
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from html.parser import HTMLParser

import nh3

from ..common.vocabulary import EXAMPLE_FIELDS

URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Every element a page may hold.
TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd", "del", "details",
    "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "ins", "kbd", "li", "mark", "nav", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var",
    # The explorer's filters (prevention examples): the generator renders them; an author may not.
    "form", "fieldset", "legend", "label", "input",
})
GENERATOR_ONLY_TAGS = frozenset({"form", "input"})
# Attributes any element may have: ids and classes, titles, accessibility, and what Material's search
# reads (data-search-exclude).
GLOBAL_ATTRIBUTES = frozenset({
    "id", "class", "title", "lang", "dir", "role", "hidden", "aria-describedby", "aria-labelledby", "aria-label",
    "aria-live", "aria-hidden", "data-search-exclude",
})
ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "data-areas", "data-level", "data-services"}),  # data-*: the explorer's filters
    "img": frozenset({"src", "alt", "width", "height"}),
    "ol": frozenset({"start", "reversed"}),
    "li": frozenset({"value"}),
    "td": frozenset({"colspan", "rowspan", "headers"}),
    "th": frozenset({"colspan", "rowspan", "headers", "scope"}),
    "col": frozenset({"span"}),
    "colgroup": frozenset({"span"}),
    "blockquote": frozenset({"cite"}),
    "q": frozenset({"cite"}),
    "del": frozenset({"cite"}),
    "ins": frozenset({"cite"}),
    "details": frozenset({"open"}),
    "label": frozenset({"for"}),
    "input": frozenset({"name", "value", "checked"}),
}
# Attributes allowed with these values only: a Markdown table's column alignment; the explorer's checkboxes; a
# link out of the Tab order (a passage's permalink, compile/passages.py).
ATTRIBUTE_VALUES: dict[str, dict[str, frozenset[str]]] = {
    "a": {"tabindex": frozenset({"-1"})},
    "td": {"style": frozenset({f"text-align: {side};" for side in ("left", "right", "center")})},
    "th": {"style": frozenset({f"text-align: {side};" for side in ("left", "right", "center")})},
    "input": {"type": frozenset({"checkbox"})},
}
URL_ATTRIBUTES = frozenset({"href", "src", "cite", "action", "formaction", "data", "poster", "background",
                            "srcset", "xlink:href", "ping", "manifest", "codebase", "longdesc", "lowsrc",
                            "dynsrc", "icon"})

_OPTIONS = dict(
    tags=set(TAGS),
    attributes={"*": set(GLOBAL_ATTRIBUTES), **{tag: set(names) for tag, names in ATTRIBUTES.items()}},
    tag_attribute_values={tag: {name: set(values) for name, values in allowed.items()}
                          for tag, allowed in ATTRIBUTE_VALUES.items()},
    url_schemes=set(URL_SCHEMES),
    strip_comments=False,  # harmless, and they mark where deferred islands go (islands.py)
    link_rel=None,
)
_CLEANER = nh3.Cleaner(**_OPTIONS)
# Images are the one element that loads what its URL names: one from another host loses its src. A second
# cleaner, for HTML that has an image, since a filter in Python costs a call for every attribute.
_IMAGES_CLEANER = nh3.Cleaner(**_OPTIONS, attribute_filter=lambda tag, name, value: (
    None if tag == "img" and name == "src" and is_remote(value) else value))
_IMG_RE = re.compile(r"<img", re.I)


def clean(fragment: str) -> str:
    """``fragment`` with everything outside the allowlist removed (script and style with their content), and
    images from other hosts without their address.

    The HTML is parsed and written again: void elements lose their ``/`` (``<br>``), boolean attributes get
    an empty value (``checked=""``) and character references become the characters (``&#8211;`` is ``–``);
    ``& < >`` stay escaped."""
    return (_IMAGES_CLEANER if _IMG_RE.search(fragment) else _CLEANER).clean(fragment)


# --------------------------------------------------------------------------- the authors' check

UNSAFE, REMOTE, NOT_ALLOWED = "html.unsafe", "html.remote-resource", "html.not-allowed"

_WHY_TAG = {
    **dict.fromkeys(("script", "noscript", "template"),
                    "scripts would run in every reader's browser; the site never needs one"),
    **dict.fromkeys(("iframe", "frame", "frameset", "object", "embed", "applet", "portal", "fencedframe"),
                    "it embeds another page or a plugin, which can run script and track readers; link to it "
                    "instead: [words](https://…)"),
    "base": "it changes where every link and script of the page points",
    "meta": "it can redirect readers (http-equiv=refresh) or change how the page is read",
    "link": "it loads styles or other files into the page, from anywhere",
    "style": "styles can hide or fake parts of the page and load files from other hosts",
    **dict.fromkeys(("form", "input", "button", "select", "textarea", "option", "datalist", "output", "isindex"),
                    "a form sends what readers type to wherever it points"),
    **dict.fromkeys(("svg", "math"), "it can carry script and links of its own; use an image file: ![words](file.png)"),
}
_MEDIA = {"img": "src", "video": "src", "audio": "src", "source": "src", "track": "src", "iframe": "src",
          "frame": "src", "embed": "src", "object": "data", "input": "src", "image": "href"}


@dataclass(frozen=True)
class Finding:
    """What in an element the allowlist removes (or what loads from another host), and why."""

    code: str
    message: str
    needles: tuple[str, ...]  # what to look for in the source, best first, to find its line


_CONTROL_AND_SPACE = "".join(map(chr, range(0x21)))


def url_scheme(url: str) -> str | None:
    """The scheme a browser reads in ``url`` (an attribute's value, entities decoded), lower case; None for a
    relative URL. Browsers drop leading and trailing spaces and control characters and every tab and line
    break, so ``" java\\tscript:"`` is ``javascript``."""
    url = re.sub(r"[\t\n\r]", "", url.strip(_CONTROL_AND_SPACE))
    m = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", url)
    return m[1].lower() if m else None


def is_remote(url: str) -> bool:
    """Whether a browser fetches ``url`` from another host: an absolute http(s) URL or ``//host/…``."""
    url = re.sub(r"[\t\n\r]", "", url.strip())
    return url_scheme(url) in ("http", "https") or url.replace("\\", "/").startswith("//")


def check_element(tag: str, attrs: dict[str, str], raw: dict[str, str] | None = None,
                  markdown: bool = False) -> list[Finding]:
    """What the allowlist would remove from ``<tag attrs>`` (values with entities decoded), or what it loads
    from another host. ``raw``: the values as written, where they differ (to find them in the source);
    ``markdown``: the element was made from Markdown syntax (a link's URL is then written ``](url)``)."""
    tag = tag.lower()
    raw = raw or {}
    media = _MEDIA.get(tag)
    if media is not None and is_remote(attrs.get(media, "")):
        return [_remote(tag, media, attrs[media], raw.get(media), markdown)]
    if tag == "link" and "stylesheet" in attrs.get("rel", "").lower().split() and is_remote(attrs.get("href", "")):
        return [_remote(tag, "href", attrs["href"], raw.get("href"), markdown)]
    if tag not in TAGS or tag in GENERATOR_ONLY_TAGS:
        why = _WHY_TAG.get(tag)
        if why is not None:
            return [Finding(UNSAFE, f"'<{tag}>' is not allowed — {why}. Remove it.", (f"<{tag}",))]
        return [Finding(NOT_ALLOWED, f"'<{tag}>' is not among the HTML elements a page may hold, so the site "
                        "would remove it — write it in Markdown, or use an element such as <span> or <div>.",
                        (f"<{tag}",))]
    found = []
    for name, value in attrs.items():
        name = name.lower()
        needles = (f"{name}=", name)
        if name.startswith("on"):
            found.append(Finding(UNSAFE, f"'{name}=' on <{tag}> is not allowed — event handlers run script in "
                                 "readers' browsers. Remove it.", needles))
        elif name in URL_ATTRIBUTES and value is not None and url_scheme(value) not in (None, *URL_SCHEMES):
            shown = (raw.get(name) or value)[:40]
            found.append(Finding(UNSAFE, f"{name}=\"{shown}\" on <{tag}> is not allowed — only http:, https: and "
                                 "mailto: links and links within the site are; other kinds (javascript:, data:, "
                                 "vbscript:) can run script.", (*_url_needles(name, value, raw.get(name), markdown),
                                                                *needles)))
        elif name not in GLOBAL_ATTRIBUTES and name not in ATTRIBUTES.get(tag, ()) and \
                value not in ATTRIBUTE_VALUES.get(tag, {}).get(name, ()):
            if name == "style":
                found.append(Finding(UNSAFE, f"'style=' on <{tag}> is not allowed — {_WHY_TAG['style']}. Remove it.",
                                     needles))
            else:
                found.append(Finding(NOT_ALLOWED, f"'{name}=' on <{tag}> is not among the attributes a page may "
                                     "use, so the site would remove it. Remove it.", needles))
    return found


# For each element an author may write: the attributes that need no further look, and those that hold URLs.
_PLAIN_ATTRIBUTES = {tag: GLOBAL_ATTRIBUTES | (ATTRIBUTES.get(tag, frozenset()) - URL_ATTRIBUTES)
                     for tag in TAGS - GENERATOR_ONLY_TAGS}
_URL_ATTRIBUTES = {tag: ATTRIBUTES.get(tag, frozenset()) & URL_ATTRIBUTES for tag in TAGS}


def plain_element(tag: str, attrs: dict[str, str]) -> bool:
    """True when :func:`check_element` would find nothing, told quickly for most elements (no attribute, or
    allowed ones and URLs that are plain paths); False means "look closer", not "unsafe"."""
    allowed = _PLAIN_ATTRIBUTES.get(tag)
    if allowed is None:
        return False
    for name, value in attrs.items():
        if name not in allowed and not (name in _URL_ATTRIBUTES[tag] and ":" not in value and "&" not in value
                                        and "\\" not in value and "//" not in value):
            return False
    return True


def _remote(tag: str, attr: str, url: str, raw: str | None, markdown: bool) -> Finding:
    return Finding(REMOTE, f"<{tag} {attr}=\"{url[:60]}\"> loads from another host — a page loads nothing from "
                   "other hosts (readers' privacy; the site works offline). Put the file in the project and "
                   "link to it relatively, or link to it: [words](https://…).", _url_needles(attr, url, raw, markdown))


def _url_needles(attr: str, url: str, raw: str | None, markdown: bool) -> tuple[str, ...]:
    """What to look for to find a URL in the source: a Markdown link's target or an attribute, then the URL."""
    written = raw or url
    as_markdown = (f"]({written}", f"](<{written}", f"<{written}>", f"]: {written}")
    as_html = (f'{attr}="{written}', f"{attr}='{written}", f"{attr}={written}")
    return (*(as_markdown if markdown else as_html), written, url)


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[Finding] = []

    def handle_starttag(self, tag, attrs):
        text = self.get_starttag_text() or ""
        raw = {m[1].lower(): m[2].strip("\"'") for m in _ATTR_RE.finditer(text)}
        self.found += check_element(tag, {name: value or "" for name, value in attrs}, raw)

    handle_startendtag = handle_starttag


_ATTR_RE = re.compile(r"""\s([^\s=/>]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""")


def check_html(fragment: str) -> list[Finding]:
    """Every finding of :func:`check_element` in a fragment of HTML (raw HTML an author wrote)."""
    if "<" not in fragment:
        return []
    checker = _Checker()
    checker.feed(fragment)
    checker.close()
    return checker.found


def locate(needles: tuple[str, ...], text: str, start: int = 0) -> tuple[int, int] | None:
    """Where the first of ``needles`` (tried in order, case ignored) that ``text`` holds from ``start`` on is:
    (the 0-based number of its line, the offset just after it); None when none is there."""
    lowered = text.lower()
    for needle in needles:
        at = lowered.find(needle.lower(), start) if needle else -1
        if at >= 0:
            return lowered.count("\n", 0, at), at + len(needle)
    return None


# What Python-Markdown turns into HTML beyond its own plain elements: raw HTML, images, attribute lists,
# a fence's options, and links, whose targets are checked below.
_TAG_RE = re.compile(r"<[A-Za-z!?/]")
_FENCE_OPTIONS_RE = re.compile(r"^[ \t]*(?:`{3,}|~{3,})[^\n]*=", re.M)
_LINK_TARGET_RE = re.compile(r"\]\(\s*<?([^\s)>]*)|^\s{0,3}\[[^\]\n]+\]:\s*<?(\S*)", re.M)
_SAFE_TARGET_RE = re.compile(r"(?:https?://|mailto:)[^\s&\\]*|[^\s:&\\]*(?:[/?#][^\s&\\]*)?")
# An attribute list as attr_list reads one: from a '{' to the first '}' outside quotes, on one line.
_ATTR_LIST_RE = re.compile(r"\{((?:\"[^\"\n]*\"|'[^'\n]*'|[^}\n])*)\}")
_QUOTED_RE = re.compile(r"\"[^\"]*\"|'[^']*'")
# The fields of an entity's declaration ({#example:slug level=… services="…"}), which the report reads.
DECLARATION_FIELDS = frozenset(EXAMPLE_FIELDS)


def may_hold_html(markdown: str) -> bool:
    """Whether Python-Markdown could make of ``markdown`` anything :func:`check_element` finds. False only
    when it has no raw HTML, image, fence options or attribute list other than ids, classes and the report's
    declarations, and every link target is http(s), mailto or a path within the site."""
    # Substring tests first, each a fast scan in C: most pages hold none of these.
    if "<" in markdown and _TAG_RE.search(markdown) or "![" in markdown:
        return True
    if ("```" in markdown or "~~~" in markdown) and _FENCE_OPTIONS_RE.search(markdown):
        return True
    if "](" in markdown or "]:" in markdown:
        for m in _LINK_TARGET_RE.finditer(markdown):
            target = m[1] if m[1] is not None else m[2]
            if not _SAFE_TARGET_RE.fullmatch(target):
                return True
    if "{" in markdown:
        for m in _ATTR_LIST_RE.finditer(markdown):
            for token in _QUOTED_RE.sub("", m[1]).replace("{", " ").replace("}", " ").split():
                key, is_pair, _ = token.lstrip(":").partition("=")
                if not (token.lstrip(":") == "" or token.lstrip(":")[:1] in "#." and not is_pair
                        or is_pair and key in DECLARATION_FIELDS):
                    return True
    return False


# --------------------------------------------------------------------------- Content-Security-Policy

_TYPE_RE = re.compile(r"\btype\s*=\s*[\"']?([^\"'\s>]*)", re.I)


def inline_script_hashes(page: str) -> list[str]:
    """``'sha256-…'`` for each inline script of ``page`` that a browser runs (not ``src=``, not a data block
    such as ``type="application/json"``), in order, without repeats. ``page`` is the theme's HTML, whose tags
    are lower case (the content's scripts are gone: the sanitiser removed them)."""
    hashes: list[str] = []
    at = page.find("<script")
    while at >= 0:
        opened = page.find(">", at) + 1
        closed = page.find("</script>", opened)
        if opened == 0 or closed < 0:
            break
        attrs = page[at + len("<script"):opened - 1]
        kind = _TYPE_RE.search(attrs)
        if "src=" not in attrs and (kind is None or kind[1].lower() in ("", "text/javascript", "module")):
            digest = base64.b64encode(hashlib.sha256(page[opened:closed].encode("utf-8")).digest()).decode("ascii")
            if f"'sha256-{digest}'" not in hashes:
                hashes.append(f"'sha256-{digest}'")
        at = page.find("<script", closed)
    return hashes


def content_security_policy(page: str) -> str:
    """The policy for ``page`` (a whole HTML page): its own files, and its inline scripts by hash; nothing
    from other hosts, no plugins, frames, other base address or form targets."""
    scripts = " ".join(["'self'", *inline_script_hashes(page)])
    return ("default-src 'self'; " f"script-src {scripts}; " "style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; frame-src 'none'; base-uri 'self'; form-action 'self'")


CSP_PLACEHOLDER = "report-content-security-policy"


def with_content_security_policy(page: str) -> str:
    """``page`` with its policy in place of the theme's placeholder (``content="report-content-security-policy"``).
    Raises ValueError when the page has no placeholder, or has it after a script: a policy set after a
    script does not cover it."""
    marker = f'content="{CSP_PLACEHOLDER}"'
    at = page.find(marker)
    first_script = page.find("<script")
    if at < 0 or 0 <= first_script < at:
        raise ValueError("the page has no Content-Security-Policy placeholder before its first script")
    return page.replace(marker, f'content="{content_security_policy(page)}"', 1)  # nothing in it to escape
