"""Pages generated from the knowledge base, and the Markdown in the report's dialect of every page: an
author's page with what the site adds to it, or a generated one (:func:`page_markdown`)."""

from __future__ import annotations

import re
import textwrap
from collections import Counter

from markupsafe import Markup

from ..common.vocabulary import LEVELS, SERVICE_COLUMNS, roman_value
from ..knowledge.glossary import terms_used
from ..knowledge.lessonlinks import _plain, paragraph_text, passage_of, plain_text, resolve_target
from ..knowledge.model import KnowledgeBase, Place, PreventionExample
from ..knowledge.publication import DETAILS_PAGE, publication_details
from ..knowledge.sitemap import (AREAS_INDEX, BIBLIOGRAPHY_PAGE, EXAMPLES_PAGE, GENERATED_TITLES, GLOSSARY_PAGE, HOME,
                                 LESSONS_INDEX, SITE_INDEX, VIGNETTES_INDEX, VOICES_PAGE, generated_page_titles)
from .includes import body_with_includes
from .state import RenderState
from .templating import LEVEL_OPTIONS, NOT_CLASSIFIED, place_label, render_template


def generated_pages(kb: KnowledgeBase) -> dict[str, str]:
    """Site path -> Markdown of every page the generator writes (never committed)."""
    return {page: _generated_page(kb, page) or "" for page in generated_page_titles(kb)}



def _generated_page(kb: KnowledgeBase, page: str, links: RenderState | None = None) -> str | None:
    """One generated page, rendering only that page (pages are asked for one at a time). ``links``: as
    for ``page_markdown`` (the PDF prints the References)."""
    if page == BIBLIOGRAPHY_PAGE:
        return render_bibliography(kb, links)
    if page == LESSONS_INDEX and kb.lessons:
        return render_lessons_index(kb)
    if page == AREAS_INDEX and kb.areas:
        return render_areas_index(kb)
    if page == EXAMPLES_PAGE:
        return render_prevention_examples(kb)
    if page == VOICES_PAGE:
        return render_voices(kb)
    if page == SITE_INDEX:
        return render_site_index(kb)
    lesson = kb.lessons.get("lesson:" + page.removeprefix("lessons/").removesuffix(".md"))
    if page.startswith("lessons/") and lesson is not None:
        return render_lesson(kb, lesson.id)
    area = kb.areas.get("area:" + page.removeprefix("areas/").removesuffix(".md"))
    if page.startswith("areas/") and area is not None:
        return render_area(kb, area.id)
    return None


def _lesson_text(markdown: str) -> str:
    """A lesson's list-item text as a block of its own: its nested list moves out one level and gets the
    blank line a list after a paragraph needs."""
    first, _, rest = markdown.partition("\n")
    lines = [first] + textwrap.dedent(rest).split("\n") if rest else [first]
    out: list[str] = []
    for line in lines:
        if re.match(r"^\s*[-*+] ", line) and out and out[-1].strip() and not re.match(r"^\s*[-*+] ", out[-1]):
            out.append("")
        out.append(line)
    return "\n".join(out)


def _levels_of(kb: KnowledgeBase, vignette_id: str) -> list[tuple[str, list[PreventionExample]]]:
    out = []
    for level in LEVELS:
        examples = [e for e in kb.examples_of(vignette_id) if e.level == level]
        if examples:
            out.append((level, examples))
    return out


def _lessons_of(kb: KnowledgeBase, entity_id: str):
    ids = dict.fromkeys(link.lesson for link in kb.lesson_links_to(entity_id))
    return [kb.lessons[i] for i in ids]


def _backlinks(kb: KnowledgeBase, *targets: str) -> list[tuple[str, list[Place]]]:
    """The passages that link to the entities ``targets``, for "Referenced by": one entry per section of a
    page (its label) with every place in it that links here, in the report's order."""
    groups: dict[tuple[str, str], tuple[str, list[Place]]] = {}
    for target in targets:
        for b in kb.backlinks.get(target, []):
            groups.setdefault((b.place.page, b.place.section_anchor), (b.label, []))[1].append(b.place)
    return list(groups.values())


def render_lessons_index(kb: KnowledgeBase) -> str:
    first = next(iter(kb.lessons.values()))
    illustrated = {
        lid: [resolve_target(kb, link.target)[2] for link in kb.lesson_links_of(lid)]
        for lid in kb.lessons
    }
    return render_template("lessons_index.md.j2", kb, LESSONS_INDEX, title=GENERATED_TITLES[LESSONS_INDEX],
                   lessons=list(kb.lessons.values()),
                   illustrated=illustrated, source_page=first.place.page, source_anchor=first.place.section_anchor)


def render_lesson(kb: KnowledgeBase, lesson_id: str) -> str:
    lesson = kb.lessons[lesson_id]
    lessons = kb.lesson_sequence()
    i = lesson.number - 1 if lessons[lesson.number - 1:lesson.number] == [lesson] else lessons.index(lesson)
    links = []
    for link in kb.lesson_links_of(lesson_id):
        page, anchor, label = passage_of(kb, link)
        whose = Markup("the lesson's words" if _plain(link.reason) in _plain(lesson.markdown) else "the passage's words")
        links.append({"page": page, "anchor": anchor, "label": label, "reason": link.reason, "whose": whose})
    return render_template("lesson.md.j2", kb, lesson.page, lesson=lesson, count=len(lessons), text=Markup(_lesson_text(lesson.markdown)),
                   source_label=place_label(kb, lesson.place), links=links,
                   prev=lessons[i - 1] if i > 0 else None, next=lessons[i + 1] if i + 1 < len(lessons) else None,
                   backlinks=_backlinks(kb, lesson_id))


def _where(kb: KnowledgeBase, place: Place) -> tuple[str, str, str]:
    return place_label(kb, place), place.page, place.section_anchor


def render_areas_index(kb: KnowledgeBase) -> str:
    first = next(iter(kb.areas.values()))
    label, page, anchor = _where(kb, first.place)
    vignettes = {a.id: [v for v in kb.vignettes.values() if v.area == a.letter] for a in kb.areas.values()}
    return render_template("areas_index.md.j2", kb, AREAS_INDEX, title=GENERATED_TITLES[AREAS_INDEX],
                   areas=list(kb.areas.values()), where=label,
                   source_page=page, source_anchor=anchor, vignettes=vignettes)


def render_area(kb: KnowledgeBase, area_id: str) -> str:
    area = kb.areas[area_id]
    return render_template("area.md.j2", kb, area.page, area=area, where=place_label(kb, area.place),
                   vignettes=[v for v in kb.vignettes.values() if v.area == area.letter],
                   examples=[e for e in kb.examples.values() if area.letter in e.areas],
                   quotes=[q for q in kb.quotes.values() if q.area == area.letter],
                   backlinks=_backlinks(kb, area_id, f"focus-group:{area.letter.lower()}"))


def _passage(kb: KnowledgeBase, e: PreventionExample) -> tuple[str, str, str]:
    """The paragraph that names an example, in plain words, around the example's own: (before, words, after)."""
    text = plain_text(paragraph_text(kb.documents[e.place.page], e.place.location.line))
    before, words, after = text.partition(" ".join(e.label.split()))
    return (before, words, after) if words else (text, "", "")


def render_prevention_examples(kb: KnowledgeBase) -> str:
    by_level = {value: [e for e in kb.examples.values() if (e.level or NOT_CLASSIFIED) == value]
                for value, _ in LEVEL_OPTIONS}
    framework = next((h for d in kb.documents.values() for h in d.headings if "prevention" in d.page
                      and h.level == 2), None)
    framework_page = next((d.page for d in kb.documents.values() if framework in d.headings), HOME)
    empty = {value: f"The report names no example of {label.lower()}." for value, label in LEVEL_OPTIONS}
    shown = Counter(e.short_label or e.label for e in kb.examples.values())
    return render_template("prevention_examples.md.j2", kb, EXAMPLES_PAGE, title=GENERATED_TITLES[EXAMPLES_PAGE],
                   level_options=LEVEL_OPTIONS,
                   services=SERVICE_COLUMNS, areas=list(kb.areas.values()), by_level=by_level,
                   passages={e.id: _passage(kb, e) for e in kb.examples.values()},
                   ambiguous={e.id for e in kb.examples.values() if e.short_label and shown[e.short_label] > 1},
                   empty=empty, framework_page=framework_page,
                   framework_anchor=framework.anchor if framework else "",
                   framework_label=place_label(kb, Place(framework_page, "", framework.text if framework else None,
                                                         "", None)) if framework else "the report")


def render_voices(kb: KnowledgeBase) -> str:
    groups: list = []
    for q in kb.quotes.values():
        doc = kb.documents[q.place.page]
        if not groups or groups[-1][0] is not doc:
            groups.append((doc, []))
        sections = groups[-1][1]
        if not sections or sections[-1][0] != q.place.section:
            sections.append((q.place.section if q.place.section != doc.title else None, []))
        sections[-1][1].append(q)
    return render_template("voices.md.j2", kb, VOICES_PAGE, title=GENERATED_TITLES[VOICES_PAGE],
                           quotes=list(kb.quotes.values()), groups=groups)


def render_site_index(kb: KnowledgeBase) -> str:
    """Every page with its sections."""
    pages = [(doc.page, doc.title, [h for h in doc.headings if h.level in (2, 3)]) for doc in kb.documents.values()]
    pages += [(page, title, []) for page, title in generated_page_titles(kb).items() if page != SITE_INDEX]
    return render_template("site_index.md.j2", kb, SITE_INDEX, title=GENERATED_TITLES[SITE_INDEX], pages=pages)


def render_glossary_table(kb: KnowledgeBase) -> str:
    used: dict[str, list] = {t: [] for t in kb.terms}
    by_abbr = {t.abbr: t.id for t in kb.terms.values()}
    for doc in kb.documents.values():
        if doc.page != GLOSSARY_PAGE:
            for abbr in terms_used(kb, doc.body):
                used[by_abbr[abbr]].append(doc)
    doc = kb.documents[GLOSSARY_PAGE]
    return render_template("glossary_table.md.j2", kb, GLOSSARY_PAGE, terms=list(kb.terms.values()), used=used,
                           heading=doc.headings[-1].text if doc.headings else doc.title)


def render_vignettes_table(kb: KnowledgeBase, before: str = "") -> str:
    vignettes = sorted(kb.vignettes.values(), key=lambda v: roman_value(v.number))
    return render_template("vignettes_table.md.j2", kb, VIGNETTES_INDEX, before, vignettes=vignettes,
                   levels={v.id: _levels_of(kb, v.id) for v in vignettes},
                   lessons={v.id: _lessons_of(kb, v.id) for v in vignettes})


def render_home_overview(kb: KnowledgeBase) -> str:
    vignettes = sorted(kb.vignettes.values(), key=lambda v: roman_value(v.number))
    levels = [(value, label, sum(1 for e in kb.examples.values() if (e.level or NOT_CLASSIFIED) == value))
              for value, label in LEVEL_OPTIONS]
    return render_template("home_overview.md.j2", kb, HOME, lessons=list(kb.lessons.values()), vignettes=vignettes,
                   levels=levels, quotes=len(kb.quotes), has_areas=bool(kb.areas),
                   has_glossary=GLOSSARY_PAGE in kb.documents)



def render_bibliography(kb: KnowledgeBase, links: RenderState | None = None) -> str:
    sources = sorted(kb.sources.values(), key=lambda s: (s.author_label.lower(), s.year_label))
    cited = {
        s.key: [
            {
                "page": c.page,
                "anchor": c.anchor,
                "label": kb.documents[c.page].title
                + (f" › {c.section}" if c.section and c.section != kb.documents[c.page].title else ""),
            }
            for c in kb.cited_in(s.key)
        ]
        for s in sources
    }
    return render_template("references.md.j2", kb, BIBLIOGRAPHY_PAGE, title=GENERATED_TITLES[BIBLIOGRAPHY_PAGE],
                           host_links=links, sources=sources, cited=cited)


def page_markdown(kb: KnowledgeBase, page: str, site_extras: bool = True, links: RenderState | None = None) -> str | None:
    """The Markdown to render for a page of the report; None when the page is not ours.

    ``site_extras=False`` leaves out what only a website needs — the vignette's related passages and
    backlinks, the tables added to the Annex, glossary and home page — as the PDF does: it prints the
    report as the report is. ``links``: a host whose links are not the site's URLs (the PDF's state)
    gives its own for the HTML the generator renders itself (islands).
    """
    doc = kb.documents.get(page)
    if doc is None:
        return _generated_page(kb, page, links)
    body = body_with_includes(kb, doc, links)
    if doc.kind == "vignette":
        if "vignette" not in doc.meta:
            return body
        vid = doc.meta["vignette"]
        vignette = kb.vignettes[vid]
        header = render_template("vignette_header.md.j2", kb, page, host_links=links, v=vignette, levels=_levels_of(kb, vid),
                         lessons=_lessons_of(kb, vid))
        lesson_links = [{"lesson_label": kb.lessons[link.lesson].label, "lesson_page": kb.lessons[link.lesson].page,
                         "reason": link.reason} for link in kb.lesson_links_to(vid) if link.target == vid]
        if not site_extras:
            return header + "\n" + body
        footer = render_template("vignette_footer.md.j2", kb, page, header + body,
                         examples=kb.examples_of(vid),
                         lesson_links=lesson_links, backlinks=_backlinks(kb, vid))
        return header + "\n" + body + "\n" + footer
    if not site_extras:
        return body
    if page == VIGNETTES_INDEX and kb.vignettes:
        return body + "\n" + render_vignettes_table(kb, body)
    if page == GLOSSARY_PAGE and kb.terms:
        return body + "\n" + render_glossary_table(kb)
    if page == HOME and (kb.lessons or kb.vignettes):
        return body + "\n" + render_home_overview(kb)
    if page == DETAILS_PAGE and kb.publication is not None:
        return render_about(kb, body)
    return body


def render_about(kb: KnowledgeBase, body: str) -> str:
    """The About page with its "Publication details" from the record, under its title."""
    title = re.search(r"^# .*$", body, re.M)
    at = title.end() if title else 0
    details = render_template("publication_details.md.j2", kb, DETAILS_PAGE, details=publication_details(kb)[0])
    return f"{body[:at]}\n\n{details}\n{body[at:]}"
