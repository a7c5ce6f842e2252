"""The generated pages' templates (Jinja2, ``templates/``) and what every template may use: links between
pages, the islands the page's Markdown carries through untouched, glossary terms marked in their text."""

from __future__ import annotations

import re
from functools import lru_cache

import jinja2
from markupsafe import Markup, escape

from ..common.vocabulary import LEVELS
from ..knowledge.glossary import term_by_abbr, term_pattern, terms_used
from ..knowledge.model import KnowledgeBase, Place, PreventionExample
from ..knowledge.sitemap import relative_path, relative_url
from .fragments import Fragments
from .islands import island
from .state import RenderState
from .terms import term_matches

NOT_CLASSIFIED = "not-classified"
LEVEL_OPTIONS = tuple((lv, f"{lv.capitalize()} prevention") for lv in LEVELS) + (
    (NOT_CLASSIFIED, "Not classified in the report"),)

# Python-Markdown extensions the generated Markdown relies on; the host must enable them.
REQUIRED_EXTENSIONS = ("attr_list", "md_in_html", "toc")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("generator.compile", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # the templates are the package's: no need to check them on every include
    )
    env.filters["slug"] = lambda v: re.sub(r"[^a-z0-9]+", "-", v.lower()).strip("-")
    env.filters["capitalize_first"] = lambda v: v[:1].upper() + v[1:]
    env.filters["island"] = _island
    env.filters["md_text"] = markdown_text
    return env


_MARKDOWN_PUNCTUATION_RE = re.compile(r"([\\`*_{}\[\]()#+\-.!])")


def markdown_text(text: str) -> str:
    """``text`` (a BibTeX field, say) to print in Markdown as the words it is: every character Python-Markdown
    reads as markup is escaped with a backslash (the template's autoescaping does ``< & "``)."""
    return _MARKDOWN_PUNCTUATION_RE.sub(r"\\\1", text)


def _has_term(kb: KnowledgeBase, text: str) -> bool:
    pattern = term_pattern(kb)
    return pattern is not None and next(term_matches(pattern, text), None) is not None


@jinja2.pass_context
def _island(context, html: str, indexed: bool = True) -> Markup:
    """``{% filter island %}…{% endfilter %}``: HTML the page's Markdown carries through untouched;
    ``island(indexed=False)`` in a section that search leaves out (``data-search-exclude``)."""
    return Markup(island(html, context["fragments"].new_terms(), indexed=indexed))


class PageFragments:
    """The page's ``Fragments``, made on first use (most pages have no island). ``plain``: the PDF, which
    has no glossary to link to — text is just text."""

    def __init__(self, kb: KnowledgeBase, page: str, before: str, plain: bool = False):
        self.kb, self.page, self.before, self.plain, self._fragments = kb, page, before, plain, None

    def _get(self) -> Fragments:
        if self._fragments is None:
            terms = term_by_abbr(self.kb)
            seen = {terms[abbr].id for abbr in terms_used(self.kb, self.before)}
            self._fragments = Fragments(self.kb, self.page, seen)
        return self._fragments

    def html(self, markdown: str) -> Markup:
        return Markup(self._get().html(markdown))

    def text(self, text: str) -> Markup:
        if self.plain or self._fragments is None and not _has_term(self.kb, text):
            return Markup.escape(text)  # no abbreviation to mark: nothing else to do
        return Markup(self._get().text(text))

    def new_terms(self) -> list[str]:
        return self._fragments.new_terms() if self._fragments is not None else []


def _rel(from_page: str):
    def rel(target: str) -> str:
        return relative_path(target, from_page)
    return rel


def level_label(level: str | None) -> str:
    return f"{level} prevention" if level else "not classified in the report"


def place_label(kb: KnowledgeBase, place: Place) -> str:
    title = kb.documents[place.page].title if place.page in kb.documents else place.page
    return f"{title} › {place.section}" if place.section and place.section != title else title


def _common(kb: KnowledgeBase, page: str, before: str = "", links: RenderState | None = None) -> dict:
    """What every template may use. ``before``: the Markdown the page has above the rendered part;
    ``links``: the host's own links for islands (the PDF's), instead of the site's URLs."""
    rel = _rel(page)

    def example_link(e: PreventionExample, own_id: bool = False, ambiguous: bool = False) -> Markup:
        """The example's words (its short label, if it has one: the whole words then in its title, and its
        accessible name where the short label is ``ambiguous``), linking to their passage, with what the page's
        filters read (islands)."""
        slug = environment().filters["slug"]
        own = f' id="pe-{escape(e.slug)}"' if own_id else ""
        if e.short_label:
            own += f' title="{escape(e.label)}"' + (f' aria-label="{escape(e.label)}"' if ambiguous else "")
        # f-strings with escape(), not Markup.format: the same HTML, made several times faster.
        return Markup(f'<a class="example-link" data-areas="{escape(" ".join(e.areas) or "none")}" '
                      f'data-level="{escape(e.level or NOT_CLASSIFIED)}" '
                      f'data-services="{escape(" ".join(slug(s) for s in e.services))}" '
                      f'href="{escape(url(e.place.page, e.place.anchor))}"{own}>{escape(e.short_label or e.label)}</a>')

    def href(target_page: str, anchor: str = "") -> str:
        return rel(target_page) + (f"#{anchor}" if anchor else "")

    def url(target_page: str, anchor: str = "") -> str:
        """In islands: the final URL (the host never sees these links); "" for no link (the PDF)."""
        if links is not None:
            return links.href(target_page, anchor)
        return relative_url(target_page, page, anchor)

    def link(target_page: str, anchor: str, text: str) -> Markup:
        """``<a href>`` in islands; where the host has no such page (the PDF), the words alone."""
        href = url(target_page, anchor)
        if not href:
            return Markup(f'<span class="link--outside">{escape(text)}</span>')
        return Markup(f'<a href="{escape(href)}">{escape(text)}</a>')

    def page_links(docs) -> Markup:
        """'<a>Title</a>, <a>Title</a>': a list that grows with the report, made without a template loop."""
        return Markup(", ".join(f'<a href="{escape(url(d.page))}">{escape(d.title)}</a>' for d in docs))

    def area_link(letter: str, text: str) -> Markup:
        """area_md in HTML, for islands."""
        area = kb.areas.get(f"area:{letter.lower()}")
        if area and area.page != page:
            return link(area.page, "", text)
        return Markup.escape(text)

    fragments = PageFragments(kb, page, before, plain=links is not None)

    def voice_parts(quotes) -> list[tuple]:
        """For each extract, in order: it, its words as HTML, its area's link, and the link and words that
        lead to its place. One call from the template for a whole list (a call costs more than a loop)."""
        return [(q, fragments.html(q.markdown), area_link(q.area, f"area {q.area}"),
                 url(q.place.page, q.place.anchor), place_label(kb, q.place)) for q in quotes]

    return {
        "rel": rel,
        "href": href,
        "level_label": level_label,
        "place_label": lambda place: place_label(kb, place),
        "example_link": example_link,
        "vignette_label": lambda vid: kb.vignettes[vid].label,
        "vignette_page": lambda vid: kb.vignettes[vid].page,
        "backlinks": [],
        "url": url,
        "link": link,
        "page_links": page_links,
        "area_link": area_link,
        "voice_parts": voice_parts,
        "fragments": fragments,
    }


def render_template(template: str, kb: KnowledgeBase, page: str, before: str = "", host_links: RenderState | None = None,
            **context) -> str:
    return environment().get_template(template).render(**{**_common(kb, page, before, host_links), **context})
