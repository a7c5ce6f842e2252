"""``report new vignette|chapter <slug>``: start a page from a template that passes ``report check``.

A new vignette gets front matter with every field, each explained in a YAML comment, and the next
free Roman number; a new chapter gets its title line and the optional ``description`` field. An
existing file is never overwritten.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .common.diagnostics import Diagnostics, shown
from .sources.frontmatter import normalise_text, split
from .common.limits import SLUG_CHARS
from .common.project import Layout
from .common.vocabulary import AREAS, SERVICES, SLUG_RE, VIGNETTE_NUMBERS, numerals

KINDS = ("vignette", "chapter")  # what `report new` starts
ROMAN = numerals(VIGNETTE_NUMBERS)  # the numbers `report new vignette` chooses from


class ScaffoldError(Exception):
    """The page cannot be created; the message says why and what to do."""


def title_from_slug(slug: str) -> str:
    return slug.replace("-", " ").capitalize()


def used_numbers(vignettes_dir: Path) -> set[str]:
    """The Roman numbers the vignettes already have (files that cannot be read are skipped)."""
    used = set()
    for path in sorted(vignettes_dir.glob("*.md")):
        try:
            text = normalise_text(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            continue
        fm = split(text, path.name, Diagnostics()).front_matter
        if fm is not None and fm.valid and isinstance(fm.data.get("number"), str):
            used.add(fm.data["number"])
    return used


def next_number(used: set[str]) -> str:
    """The first numeral after the highest in use, else the lowest free one."""
    highest = max((ROMAN.index(n) for n in used if n in ROMAN), default=-1)
    for numeral in ROMAN[highest + 1:] + ROMAN[:highest + 1]:
        if numeral not in used:
            return numeral
    raise ScaffoldError(f"every number from {ROMAN[0]} to {ROMAN[-1]} is taken — the report has no room for "
                        "another vignette.")


def vignette_text(slug: str, number: str) -> str:
    services = " and ".join(f'"{s}"' for s in SERVICES)
    return f"""\
---
# Vignette front matter: every field is required. The page title, "Vignette {number}: <title>", is
# made from number and title. See CONTRIBUTING.md.
number: {number}  # Roman numeral {ROMAN[0]}–{ROMAN[-1]}, as the report numbers its vignettes; each is used once
title: {title_from_slug(slug)}  # the vignette's name, without "Vignette {number}:"
area: {AREAS[0]}  # the case-study area: {", ".join(AREAS[:-1])} or {AREAS[-1]}
services:  # which of {services} take part, one '- name' line each
  - {SERVICES[0]}
partners:  # every other organisation the text names, one '- name' line each
  - council
---

One paragraph that says what the initiative is and where it runs.

## Why was this initiative needed?

## What does this initiative involve?

## Who participates?

## What has been the impact?
"""


def chapter_text(slug: str) -> str:
    return f"""\
---
# Chapter front matter is optional. Uncomment to give search engines and link previews a summary
# (the page's meta description); otherwise the report's own description is used.
# description: One sentence on what this chapter covers.
---

# {title_from_slug(slug)}

The chapter's text. Cite with `[@key]`, cross-reference with `[][vignette:slug]`; see CONTRIBUTING.md.
Other pages link here with `[][chapter:{slug}]`.
"""


def create(root: Path, kind: str, slug: str, layout: Layout = Layout()) -> Path:
    """Write the new page and return its path; ScaffoldError when it cannot."""
    if kind not in KINDS:
        raise ScaffoldError(f"unknown kind '{kind}' — use one of {', '.join(KINDS)}.")
    if not SLUG_RE.match(slug):
        raise ScaffoldError(f"{shown(slug)} is not a slug — use lower-case words joined by hyphens, e.g. "
                            "'road-safety'; it becomes the file name and the page's address.")
    if len(slug) > SLUG_CHARS:
        raise ScaffoldError(f"the slug has {len(slug)} characters — limit {SLUG_CHARS}: it becomes the file name "
                            "and the page's address. Choose a shorter one.")
    folder = root / (layout.vignettes if kind == "vignette" else layout.content)
    path = folder / f"{slug}.md"
    rel = path.relative_to(root).as_posix()
    if path.exists() or path.is_symlink():
        raise ScaffoldError(f"{rel} already exists — it was left as it was. Choose another slug, or edit it.")
    text = vignette_text(slug, next_number(used_numbers(folder))) if kind == "vignette" else chapter_text(slug)
    where = f"{folder.relative_to(root).as_posix()}/"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file where the folder should be, or a folder that may not be written to
        raise ScaffoldError(f"{where} cannot be made: {exc.strerror or exc} — it must be a folder you may write "
                            "to.") from None
    try:
        with open(path, "x", encoding="utf-8", newline="\n") as f:  # "x": never overwrite, even in a race
            f.write(text)
    except FileExistsError:
        raise ScaffoldError(f"{rel} already exists — it was left as it was. Choose another slug, or edit it.") from None
    except OSError as exc:
        raise ScaffoldError(f"{rel} cannot be written: {exc.strerror or exc} — check that {where} is a folder you "
                            "may write to.") from None
    return path


def main(root: Path, kind: str, slug: str) -> int:
    try:
        path = create(root, kind, slug)
    except ScaffoldError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    rel = path.relative_to(root).as_posix()
    site_path = rel.split("/", 1)[1] if kind == "chapter" else rel
    print(f"created {rel}\n"
          f"next: fill it in, add '- {site_path}' to the nav in mkdocs.yml, then run 'make check'.")
    return 0
