"""A synthetic project of N vignettes, in the report's own content format, for benchmarks and scaling tests.

``write_project(root, n)`` writes, under ``root``:

- ``vignettes/<slug>.md`` × n: full front matter (number, title, area, services, partners), the four
  questions as ``## `` headings, about 950 words, three citations, cross-references to a lesson, an
  area and the previous and next vignettes, a prevention example on its own words, two interview
  extracts (``> — A04 Police``), one inline extract and glossary abbreviations;
- ``vignettes/index.md``: the Annex's introduction;
- ``content/index.md``, ``content/introduction.md`` (areas A–D and their focus groups),
  ``content/conclusions.md`` (n // 50 lessons by default, at least 4; every fifth vignette illustrates one, with
  the vignette's own words as the reason), ``content/glossary.md`` (abbreviations);
- ``references/references.bib``: n // 4 entries, every one cited;
- ``mkdocs.yml``: the real report's configuration, with a navigation of index pages only — the
  vignettes are ``not_in_nav``, reached from the Annex's table.

``write_plain_project(root, n)`` writes the same pages as plain Markdown (no front matter, citations
as text, cross-references as ordinary links, no declarations) with a default Material configuration:
every page in the navigation.

Vignette numbers are Roman numerals I, II, … up to n: the project's mkdocs.yml allows them
(``vignette_numbers``), and whoever loads one directly passes :data:`LAYOUT`.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from generator.common.project import Layout
from generator.common.vocabulary import roman

LAYOUT = Layout(vignette_numbers=5000)  # what write_project's mkdocs.yml allows
REPO = Path(__file__).resolve().parent.parent
THEME_DIR = REPO / "generator" / "hosts" / "mkdocs" / "theme"
AREAS = "ABCD"
LEVELS = ("primary", "secondary", "tertiary", None)
ROLES = ("police", "fire", "partner")
TERMS = {
    "CPP": "Community Planning Partnership",
    "LOIP": "Local Outcome Improvement Plan",
    "NHS": "National Health Service",
    "SFRS": "Scottish Fire and Rescue Service",
    "SPA": "Scottish Police Authority",
}
TOPICS = ("road safety", "home fire safety", "mental health triage", "community safety hub",
          "youth diversion", "water safety", "falls prevention", "anti-social behaviour",
          "cyber safety", "fire-setting education")
WORDS = ("partners", "officers", "crews", "residents", "schools", "referrals", "visits", "funding",
         "evaluation", "trust", "leadership", "data", "outcomes", "training", "volunteers", "risk",
         "prevention", "engagement", "council", "community", "resources", "priorities", "staff", "time")




def slug(i: int) -> str:
    return f"initiative-{i:04d}"


def n_lessons(n: int) -> int:
    return max(4, n // 50)


def n_sources(n: int) -> int:
    return max(2, n // 4)


def _sentence(i: int, k: int, words: int = 18) -> str:
    """A deterministic filler sentence of ``words`` words."""
    picked = [WORDS[(i * 7 + k * 13 + j * 5) % len(WORDS)] for j in range(words)]
    return "The " + " ".join(picked) + "."


def _paragraph(i: int, k: int, sentences: int = 5) -> str:
    return " ".join(_sentence(i, k * 10 + s) for s in range(sentences))


def exemplar_reason(i: int) -> str:
    return f"initiative {i} provides an exemplar of this approach"


def _vignette(i: int, n: int, lessons: int) -> str:
    area = AREAS[i % 4]
    level = LEVELS[i % 4]
    sources = n_sources(n)
    keys = [f"src{(i - 1) % sources:04d}", f"src{(i * 7) % sources:04d}", f"src{(i * 13 + 5) % sources:04d}"]
    lesson = f"lesson-{(i - 1) % lessons + 1:03d}"
    prev_i, next_i = (i - 2) % n + 1, i % n + 1
    attrs = " ".join(filter(None, [f"level={level}" if level else "", 'services="SFRS, partners"',
                                   f"vignettes={slug(i)}", f"areas={area}"]))
    code = f"{area}{i % 100:02d}"
    code2 = f"{area}{(i + 37) % 100:02d}"
    role = ROLES[i % 3]
    topic = TOPICS[i % len(TOPICS)]
    example = f"[{topic} work in initiative {i}]{{#example:{slug(i)} {attrs}}}"
    return f"""---
number: {roman(i)}
title: {topic.capitalize()} initiative {i}
area: {area}
services:
  - Police Scotland
  - SFRS
partners:
  - council
  - NHS board
---

This vignette outlines how {topic} is being used as an early intervention in [area {area}][area:{area.lower()}],
working with the CPP and the NHS [@{keys[0]}]. {_paragraph(i, 1)}

## Why was this initiative needed?

{_paragraph(i, 2)} The partners drew on earlier evidence [see @{keys[1]}, p. {i % 90 + 1}]. It follows on
from [][vignette:{slug(prev_i)}] and informs [the next initiative][vignette:{slug(next_i)}].

{_paragraph(i, 3)}

## What does this initiative involve?

The initiative combined {example} with regular meetings of the SFRS and police. {_paragraph(i, 4)}

> '{_sentence(i, 50, 24)} {_sentence(i, 51, 12)}'
>
> — {code} {role.capitalize()}

{_paragraph(i, 5)} As one partner put it, ['{_sentence(i, 52, 8)}' ({code2})]{{#quote}}.

## Who participates?

{_paragraph(i, 6)} The LOIP sets the priorities [@{keys[2]}; @{keys[0]}, p. 4].

> '{_sentence(i, 60, 20)}'
>
> — {code2} Partner

## What has been the impact?

{_paragraph(i, 7)} This is what [][lesson:{lesson}] asks for. Staff said {exemplar_reason(i)}.

{_paragraph(i, 8)}
"""


def _bib(n: int) -> str:
    entries = []
    for k in range(n_sources(n)):
        entries.append(f"""@book{{src{k:04d},
  author = {{Author{k:04d}, A. and Writer{k % 17:02d}, B.}},
  title = {{A study of partnership and prevention, volume {k}}},
  year = {{{2000 + k % 18}}},
  publisher = {{Synthetic Press}},
  address = {{Edinburgh}}
}}
""")
    return "\n".join(entries)


def _conclusions(n: int, lessons: int) -> str:
    links: dict[str, list[str]] = {}
    for i in range(5, n + 1, 5):
        lesson = f"lesson:lesson-{(i - 1) % lessons + 1:03d}"
        links.setdefault(lesson, []).append(
            f"    - target: vignette:{slug(i)}\n      reason: \"{exemplar_reason(i)}\"")
    front = "illustrated_by:\n" + "".join(f"  {lesson}:\n" + "\n".join(items) + "\n"
                                          for lesson, items in sorted(links.items()))
    items = "\n".join(
        f"- **Wider lesson number {k}:** {_sentence(k, 90, 20)} {_sentence(k, 91, 14)} {{#lesson:lesson-{k:03d}}}"
        for k in range(1, lessons + 1))
    return f"""---
{front}---
# Conclusions and wider lessons

## Conclusions

{_paragraph(0, 92)}

## Wider lessons

{items}

{_paragraph(0, 93)}
"""


INTRODUCTION = """\
# Introduction

## Case-study areas

The four case-study areas were:

- Area A – urban area with a range of levels of deprivation {#area:a}
- Area B – remote rural area with retained firefighters {#area:b}
- Area C – rural area and site of innovation for home safety {#area:c}
- Area D – large urban area and site of innovation for policing {#area:d}

The focus groups in each area were on:

- Area A – community safety hub {#focus-group:a}
- Area B – road safety initiative for young people {#focus-group:b}
- Area C – innovation through home safety {#focus-group:c}
- Area D – innovation through community triage {#focus-group:d}

The SPA and the SFRS were consulted.
"""

HOME = """\
# Partnership, Innovation and Prevention (synthetic)

A synthetic project for benchmarks: [the vignettes](vignettes/index.md) and
[the conclusions](conclusions.md).
"""

ANNEX = """\
# Annex 1

The following vignettes provide brief descriptions that illustrate a range of partnership working,
prevention and innovation. Each addresses four key questions.
"""


def _glossary() -> str:
    terms = "".join(f"  {abbr}: {text}\n" for abbr, text in TERMS.items())
    return f"---\nterms:\n{terms}---\n# Glossary\n\nThe abbreviations the report uses.\n"


MKDOCS_YML = """\
site_name: Synthetic report ({n} vignettes)
docs_dir: content
site_dir: site
strict: true
theme:
  name: material
  custom_dir: {theme}
  language: en-GB
  font: false
  features:
    - navigation.indexes
    - navigation.footer
    - navigation.top
    - navigation.prune
    - search.highlight
    - content.code.copy
    - toc.follow
extra_css:
  - assets/stylesheets/report.css
  - assets/stylesheets/knowledge.css
extra_javascript:
  - assets/javascripts/report.js
  - assets/javascripts/explorer.js
extra:
  generator: false
plugins:
  - search:
      lang: en
  - report:
      vignette_numbers: 5000
markdown_extensions:
  - toc:
      permalink: true
      permalink_title: Link to this section
  - attr_list
  - md_in_html
  - tables
  - admonition
  - pymdownx.highlight
  - pymdownx.superfences
validation:
  nav:
    omitted_files: warn
    not_found: warn
    absolute_links: warn
  links:
    not_found: warn
    anchors: warn
    absolute_links: warn
    unrecognized_links: warn
# Every vignette has its page but not a nav entry: the Annex's table leads to each one, so every
# page's navigation stays the same size however many vignettes there are.
not_in_nav: |
  /vignettes/*.md
  !/vignettes/index.md
nav:
  - Home: index.md
  - Introduction: introduction.md
  - Conclusions and wider lessons: conclusions.md
  - "Annex 1: Vignettes": vignettes/index.md
  - Explore the findings:
      - Wider lessons: lessons/index.md
      - Prevention examples: prevention-examples.md
      - Case-study areas: areas/index.md
      - Voices: voices.md
      - Glossary: glossary.md
  - References: references.md
"""


def write_project(root: Path | str, n: int, lessons: int | None = None) -> Path:
    """Write a synthetic project of ``n`` vignettes in the report's content format under ``root``, with
    ``lessons`` wider lessons (default :func:`n_lessons`)."""
    root = Path(root)
    lessons = lessons or n_lessons(n)
    for folder in ("content", "vignettes", "references"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    for i in range(1, n + 1):
        (root / "vignettes" / f"{slug(i)}.md").write_text(_vignette(i, n, lessons), encoding="utf-8")
    (root / "vignettes" / "index.md").write_text(ANNEX, encoding="utf-8")
    (root / "content" / "index.md").write_text(HOME, encoding="utf-8")
    (root / "content" / "introduction.md").write_text(INTRODUCTION, encoding="utf-8")
    (root / "content" / "conclusions.md").write_text(_conclusions(n, lessons), encoding="utf-8")
    (root / "content" / "glossary.md").write_text(_glossary(), encoding="utf-8")
    (root / "references" / "references.bib").write_text(_bib(n), encoding="utf-8")
    (root / "mkdocs.yml").write_text(MKDOCS_YML.format(n=n, theme=THEME_DIR), encoding="utf-8")
    return root


# --------------------------------------------------------------------------- the same pages, plain

_FRONT_RE = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_XREF_RE = re.compile(r"\[(?P<text>[^\[\]\n]*)\]\[(?P<kind>[a-z-]+):(?P<id>[\w.-]+)\]")
_SPAN_RE = re.compile(r"\[(?P<text>[^\[\]\n]+)\]\{#[^{}\n]*\}")
_BLOCK_RE = re.compile(r"\s*\{#[a-z][\w-]*:[^{}\n]*\}\s*$", re.M)
_CITE_RE = re.compile(r"\[(?P<body>[^\[\]\n]*?@[^\[\]\n]*?)\](?![\[(:])")


def _plain_page(text: str, page: str, titles: dict[str, str]) -> str:
    m = _FRONT_RE.match(text)
    body = text[m.end():] if m else text
    if page.startswith("vignettes/") and page != "vignettes/index.md":
        body = f"# {titles[page]}\n" + body

    def xref(x: re.Match) -> str:
        kind, ident = x["kind"], x["id"]
        if kind == "vignette":
            target = f"vignettes/{ident}.md"
            label = x["text"] or titles[target]
        elif kind == "area":
            target, label = "introduction.md", x["text"] or f"Area {ident.upper()}"
        else:  # lessons live in the conclusions
            target, label = "conclusions.md", x["text"] or ident.replace("-", " ").capitalize()
        href = Path(target).as_posix()
        here = Path(page).parent.as_posix()
        rel = href if here == "." else ("../" * len(Path(page).parent.parts) + href)
        return f"[{label}]({rel})"

    body = _XREF_RE.sub(xref, body)
    body = _SPAN_RE.sub(lambda s: s["text"], body)
    body = _BLOCK_RE.sub("", body)
    body = _CITE_RE.sub(lambda c: "(" + re.sub(r"@src(\d+)", r"Author\1", c["body"]) + ")", body)
    return body


def write_plain_project(root: Path | str, n: int, source: Path | str) -> Path:
    """The pages of the synthetic project at ``source`` as plain Markdown, under a default Material
    configuration (every page in the navigation)."""
    root, source = Path(root), Path(source)
    docs = root / "docs"
    titles = {}
    for path in sorted((source / "vignettes").glob("*.md")):
        m = _FRONT_RE.match(path.read_text(encoding="utf-8"))
        if m:
            fields = dict(line.split(": ", 1) for line in m.group(1).split("\n") if ": " in line)
            titles[f"vignettes/{path.name}"] = f"Vignette {fields['number']}: {fields['title']}"
    pages = {f"vignettes/{p.name}": p for p in (source / "vignettes").glob("*.md")}
    pages.update({p.name: p for p in (source / "content").glob("*.md")})
    for page, path in sorted(pages.items()):
        out = docs / page
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(_plain_page(path.read_text(encoding="utf-8"), page, titles), encoding="utf-8")
    (root / "mkdocs.yml").write_text(textwrap.dedent(f"""\
        site_name: Plain Markdown ({n} vignettes)
        theme:
          name: material
        """), encoding="utf-8")
    return root
