"""``mkdocs.yml`` as ``report check`` reads it — without MkDocs: the nav, with the line of each entry, checked
against the pages as the build (``mkdocs build --strict``) would check it.

MkDocs' own settings say what is a problem: ``validation.nav.not_found`` (a nav entry that is no page;
MkDocs' default ``warn``) and ``validation.nav.omitted_files`` (a page that is not in the nav; default
``info``). ``report build`` is strict, so ``warn`` fails it, and ``report check`` reports it, at the line.
The file is read with the limits of all YAML here (frontmatter.read_yaml): MkDocs' tags (``!ENV``,
``!!python/name:…``) read as nothing, the rest as plain data.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from ..common.diagnostics import Diagnostics, did_you_mean, shown
from ..sources.frontmatter import read_source, read_yaml
from .loader import UNREAD_CODES
from .model import KnowledgeBase
from ..common.project import Layout
from .sitemap import generated_page_paths, out_of_nav

CONFIG = "mkdocs.yml"
LEVELS = ("warn", "info", "ignore")  # MkDocs' validation levels; "warn" fails a strict build
NAV_CHECKS = {"not_found": "warn", "omitted_files": "info"}  # validation.nav.*: MkDocs' defaults


@dataclass(frozen=True)
class NavEntry:
    target: str  # as written: a page's path, or a link
    line: int


@dataclass(frozen=True)
class SiteConfig:
    nav: tuple[NavEntry, ...] | None  # None: no nav (MkDocs then lists every page itself)
    nav_line: int
    levels: dict[str, str]  # validation.nav.<check> -> level
    not_in_nav: bool  # pages are left out of the nav on purpose (MkDocs' own patterns)


def read_config(root: Path, diags: Diagnostics) -> SiteConfig | None:
    """``root/mkdocs.yml``; None when there is none, or when it cannot be read (the problems are reported)."""
    path = root / CONFIG
    if not path.exists() and not path.is_symlink():
        return None  # a project of sources only: there is no site to check them against
    text = read_source(path, CONFIG, diags)
    read = None if text is None else read_yaml(text, CONFIG, 1, diags, what="the file", code="config.yaml",
                                               any_tags=True)
    if read is None:
        return None
    node, data = read
    if not isinstance(data, dict) or not data:
        found = "empty" if not data else f"not a mapping but {shown(data)}"
        diags.error(CONFIG, 1, f"the file is {found} — MkDocs reads 'name: value' settings from it, at least "
                    "'site_name: …'.", "config.not-mapping")
        return None
    fields = {key.value: (key, value) for key, value in node.value if isinstance(key, yaml.ScalarNode)}
    levels = _levels(data.get("validation"), fields.get("validation", (None,))[0], diags)
    if data.get("nav") is None:
        return SiteConfig(None, 1, levels, data.get("not_in_nav") is not None)
    key, nav = fields["nav"]
    return SiteConfig(tuple(_nav_entries(nav, diags)), key.start_mark.line + 1, levels,
                      data.get("not_in_nav") is not None)


def _levels(validation, node: yaml.Node | None, diags: Diagnostics) -> dict[str, str]:
    """validation.nav.<check>, or validation.<check> (MkDocs applies it to nav and links alike), or the default."""
    levels = dict(NAV_CHECKS)
    if not isinstance(validation, dict):
        return levels
    nav = validation.get("nav") if isinstance(validation.get("nav"), dict) else {}
    for check in NAV_CHECKS:
        level = nav.get(check, validation.get(check, levels[check]))
        if level not in LEVELS:
            line = node.start_mark.line + 1 if node else 1
            diags.error(CONFIG, line, f"validation level {shown(level)} for '{check}' is not one of "
                        f"{', '.join(LEVELS)} — MkDocs would stop at it.{did_you_mean(str(level), LEVELS)}",
                        "config.validation")
            continue
        levels[check] = level
    return levels


def _nav_entries(node: yaml.Node, diags: Diagnostics) -> list[NavEntry]:
    """The nav's pages and links in order: a list item is 'path', 'Title: path' or 'Section: [items]'."""
    entries: list[NavEntry] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, yaml.SequenceNode):
            stack.extend(reversed(item.value))
        elif isinstance(item, yaml.MappingNode):
            stack.extend(reversed([value for _, value in item.value]))
        elif isinstance(item, yaml.ScalarNode) and item.tag.endswith(":str") and item.value.strip():
            entries.append(NavEntry(item.value.strip(), item.start_mark.line + 1))
        else:
            what = f"'{item.value}'" if isinstance(item, yaml.ScalarNode) and item.value else "nothing"
            diags.error(CONFIG, item.start_mark.line + 1, f"nav entry {what} is not a page — write '- page.md', "
                        "'- Title: page.md' or '- Section:' with a list of them.", "config.nav")
    return entries


def check_nav(config: SiteConfig, pages: set[str], in_nav_only: set[str], files: Path, diags: Diagnostics,
              complete: bool = True) -> None:
    """The nav against the site's ``pages`` (every Markdown page, those the generator adds included): an entry
    that is no page, and a page of ``in_nav_only`` left out — each an error where MkDocs' settings make it a
    warning (``files``: the docs folder, whose other files the nav may name too). Unless ``complete``, a page
    is unread, and the pages the generator would make of it (an area's, say) are not known."""
    if config.nav is None:
        return
    listed = set()
    for entry in config.nav:
        try:
            parts = urlsplit(entry.target)
        except ValueError as exc:  # e.g. "http://[": MkDocs would stop at it
            diags.error(CONFIG, entry.line, f"the nav lists '{entry.target}', which is not a valid address ({exc}) — "
                        "check its brackets.", "nav.invalid")
            continue
        if parts.scheme or parts.netloc or entry.target.startswith("/"):
            continue  # a link elsewhere: MkDocs does not look for it
        page = posixpath.normpath(entry.target)
        listed.add(page)
        if page in pages or (not page.startswith("../") and (files / page).is_file()):
            continue
        if config.levels["not_found"] == "warn" and complete:
            diags.error(CONFIG, entry.line, f"the nav lists '{entry.target}', which is no page of the site — MkDocs' "
                        "validation.nav.not_found is 'warn', which fails the strict build."
                        f"{did_you_mean(page, pages)}", "nav.not-found")
    if config.levels["omitted_files"] == "warn" and not config.not_in_nav:
        for page in sorted(in_nav_only - listed):
            diags.error(CONFIG, config.nav_line, f"'{page}' is not in the nav — readers would reach it only by a link; "
                        f"MkDocs' validation.nav.omitted_files is 'warn', which fails the strict build. Add '- {page}' "
                        "where it belongs.", "nav.omitted")


def check_site(root: Path, kb: KnowledgeBase, diags: Diagnostics, layout: Layout = Layout()) -> None:
    """mkdocs.yml read, and its nav checked against the pages of ``kb`` and those the generator adds."""
    config = read_config(root, diags)
    if config is None:
        return

    unread = {d.path for d in diags.items if d.code.startswith(UNREAD_CODES)}  # their problem is said already
    generated = generated_page_paths(kb)
    in_nav_only = ({page for page, doc in kb.documents.items() if doc.file not in unread}
                   | (generated - out_of_nav(kb)))  # lessons' and areas' own pages are not
    check_nav(config, set(kb.documents) | generated, in_nav_only, root / layout.content, diags,
              complete=not any(path.endswith(".md") for path in unread))


def nav_pages(root: Path) -> list[str]:
    """The nav's entries in order (empty when there is no nav, or no readable mkdocs.yml)."""
    config = read_config(root, Diagnostics())
    return [entry.target for entry in config.nav or ()] if config else []
