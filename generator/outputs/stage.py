"""``report stage DIR``: the report as an ordinary MkDocs project that needs no plugin of ours.

``DIR/mkdocs.yml`` is the project's own, without the ``report`` plugin: ``docs_dir: docs``, the theme's
overrides copied to ``DIR/overrides/`` (``theme.custom_dir``), and what the plugin would have told the
theme (``extra.report``: version, build date, the PDF) written into it. ``DIR/docs/`` holds every page of
the site as the compile step makes it (:mod:`..compile.compiler`): the authors' pages and vignettes, and
every generated page (references, lessons, areas, examples, voices), each standard Markdown with its
front matter; the files of ``content/`` beside them, and the PDF in ``docs/downloads/`` when there is one.
Any host that reads mkdocs.yml builds it: MkDocs with Material (``mkdocs build``), or Zensical.

Every page is written as the index of its own folder (``about.md`` as ``docs/about/index.md``), where it is
published anyway (``/about/``). Links in the pages' HTML are relative to the page's address; MkDocs leaves
them as they are, while Zensical reads them as relative to the Markdown file and rewrites them for the
page's address: with the file in the folder of its page, the two agree, and the URLs are the site's.

What a plain host cannot do is left out: the Content-Security-Policy, whose hashes the plugin computes
from each written page (the theme prints it only under the plugin), and the search index's deferral of
what it leaves out (``data-search-exclude`` still says so to Material's search).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml
from markupsafe import escape

from ..common import release
from ..common.diagnostics import Diagnostic, Diagnostics
from ..common.project import Layout
from ..compile.compiler import CompiledPage, Compiler
from ..compile.htmlcheck import diagnostics as html_problems
from ..compile.sanitize import clean
from ..compile.sitelinks import FAILING_BY_DEFAULT, LINK_CHECKS, SiteLinks
from ..knowledge.loader import stays_inside
from ..knowledge.model import KnowledgeBase
from ..knowledge.publication import site_settings
from ..knowledge.siteconfig import CONFIG
from ..knowledge.sitemap import DOWNLOADS, generated_page_paths, out_of_nav, search_boosts
from .cite import cite_files
from .data import data_files
from .pagemeta import page_metadata
from ..sources.frontmatter import read_yaml, split

DOCS = "docs"
OVERRIDES = "overrides"
PLUGIN = "report"
# What MkDocs adds to every site's markdown_extensions: the compile step renders with them too.
MKDOCS_EXTENSIONS = ("toc", "tables", "fenced_code")


@dataclass(frozen=True)
class StagedPdf:
    path: Path  # the PDF as built
    name: str  # its name under docs/downloads/


def stage_project(root: Path, kb: KnowledgeBase, out: Path, *, pdf: StagedPdf | None = None,
                  layout: Layout = Layout()) -> list[Diagnostic]:
    """Write the MkDocs project into the empty folder ``out``; the problems (nothing is complete then)."""
    diags = Diagnostics()
    config = _read_config(root, diags)
    if config is None:
        return diags.items
    docs = out / DOCS
    static = _static_files(root, root / layout.content)
    if pdf is not None:
        static[f"{DOWNLOADS}/{pdf.name}"] = pdf.path
    pages = [*kb.documents, *sorted(generated_page_paths(kb))]
    extensions, settings = _extensions(config.get("markdown_extensions") or [])
    links = SiteLinks(frozenset(pages), frozenset(static), _failing(config.get("validation")))
    compiler = Compiler(kb, extensions, settings, links=links, sanitize=True)
    compiled = {page: compiler.compile(page) for page in pages}
    problems = [d for c in compiled.values() for d in _problems(kb, c)] + compiler.anchor_problems(compiled)
    if problems:
        return problems
    boosts = search_boosts(kb)
    root_url = site_url(config)
    pdf_path = f"{DOWNLOADS}/{pdf.name}" if pdf is not None else None
    for page, result in compiled.items():
        meta = page_metadata(kb, page, root_url, pdf_path, result.dialect)
        _write(docs / staged_path(page), _front_matter(kb, page, boosts.get(page), meta) + result.markdown)
    for name, source in static.items():
        (docs / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, docs / name)
    for name, content in {**data_files(kb, root_url), **cite_files(kb, root_url)}.items():
        (docs / name).parent.mkdir(parents=True, exist_ok=True)
        (docs / name).write_bytes(content)
    theme = config.get("theme") if isinstance(config.get("theme"), dict) else {"name": config.get("theme")}
    if theme.get("custom_dir"):
        custom = root / theme["custom_dir"]
        for name, source in _static_files(custom, custom).items():
            (out / OVERRIDES / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, out / OVERRIDES / name)
        theme = {**theme, "custom_dir": OVERRIDES}
    staged = _staged_config({**site_settings(kb.publication), **config}, theme, pdf,
                            sorted(out_of_nav(kb) & generated_page_paths(kb)))
    if "site_url" in config:
        staged["site_url"] = root_url
    if "nav" in config:
        staged["nav"] = _staged_nav(config["nav"], set(pages))
    _write(out / CONFIG, yaml.safe_dump(staged, sort_keys=False, allow_unicode=True, width=120))
    return []


def staged_path(page: str) -> str:
    """Where ``page`` is written in ``docs/``: as the index of the folder it is published as."""
    if page == "index.md" or page.endswith("/index.md"):
        return page
    return page.removesuffix(".md") + "/index.md"


def _staged_nav(nav, pages: set[str]):
    """mkdocs.yml's nav with each page's path in the staged docs/ (links and unknown entries as they are), its
    titles as HTML text (themes print them as they are)."""
    if isinstance(nav, list):
        return [_staged_nav(item, pages) for item in nav]
    if isinstance(nav, dict):
        return {str(escape(title)): _staged_nav(value, pages) for title, value in nav.items()}
    return staged_path(nav) if isinstance(nav, str) and nav in pages else nav


def _read_config(root: Path, diags: Diagnostics) -> dict | None:
    try:
        text = (root / CONFIG).read_text(encoding="utf-8")
    except OSError as exc:
        diags.error(CONFIG, None, f"cannot be read ({exc.strerror or exc}) — the staged project starts from it.",
                    "config.unreadable")
        return None
    read = read_yaml(text, CONFIG, 1, diags, what="the file", code="config.yaml", any_tags=True)
    if read is None:
        return None
    if not isinstance(read[1], dict):
        diags.error(CONFIG, 1, "is not a mapping of 'name: value' settings — the staged project starts from it.",
                    "config.not-mapping")
        return None
    return read[1]


def _extensions(configured: list) -> tuple[list[str], dict]:
    """mkdocs.yml's markdown_extensions (names, or one-key mappings to their settings) after MkDocs' own."""
    names, settings = list(MKDOCS_EXTENSIONS), {}
    for entry in configured:
        name, value = next(iter(entry.items())) if isinstance(entry, dict) else (entry, None)
        names.append(name)
        if isinstance(value, dict):
            settings[name] = value
    return list(dict.fromkeys(names)), settings


def _failing(validation) -> frozenset[str]:
    """The link checks mkdocs.yml sets to ``warn`` (``validation.links``), which fail a strict build."""
    links = validation.get("links") if isinstance(validation, dict) else None
    if not isinstance(links, dict):
        return FAILING_BY_DEFAULT
    return frozenset(c for c in LINK_CHECKS if links.get(c, "warn" if c in FAILING_BY_DEFAULT else "info") == "warn")


def _problems(kb: KnowledgeBase, compiled: CompiledPage) -> list[Diagnostic]:
    return [*(Diagnostic(compiled.source, None, p, "markdown.render") for p in compiled.problems),
            *html_problems(kb, compiled.page, compiled.unsafe), *compiled.link_problems]


def _static_files(root: Path, folder: Path) -> dict[str, Path]:
    """Every file under ``folder`` but Markdown and hidden ones, by its path there; none behind a symbolic
    link out of the project (the loader reports those)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if (path.is_file() and path.suffix != ".md" and not any(p.startswith(".") for p in name.split("/"))
                and stays_inside(root, path)):
            found[name] = path
    return found


def site_url(config: dict, environ=os.environ) -> str | None:
    """The site's address: mkdocs.yml's ``site_url``, or the environment's ``SITE_URL`` when mkdocs.yml reads it
    from there (``!ENV SITE_URL``, which the staged mkdocs.yml gets as the value); None when neither says."""
    value = config.get("site_url")
    if value is None and "site_url" in config:
        value = environ.get("SITE_URL")
    return value if isinstance(value, str) and value else None


def _front_matter(kb: KnowledgeBase, page: str, boost: int | None, report_meta: dict) -> str:
    """The page's front matter for the host: the author's, its title and description as HTML text (themes
    print them as they are), its rank in search as the plugin gives it (``boost``), and what the theme
    prints of its metadata and "Cite this" (``report_meta``, :mod:`.pagemeta`; its description the page's
    unless the author gave one)."""
    meta: dict = {}
    if page in kb.texts:
        front = split(kb.texts[page], page, Diagnostics()).front_matter
        meta = dict(front.data) if front is not None else {}
    meta["report_meta"] = report_meta
    if report_meta["description"]:
        meta.setdefault("description", report_meta["description"])
    for key in ("title", "description"):
        if isinstance(meta.get(key), str):
            meta[key] = str(escape(meta[key]))
    if boost is not None:
        meta.setdefault("search", {"boost": boost})
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=120) + "---\n\n"


def _staged_config(config: dict, theme: dict, pdf: StagedPdf | None, not_in_nav: list[str]) -> dict:
    """mkdocs.yml for the staged project; ``not_in_nav``: the generated pages about one entity, which the
    plugin leaves out of the navigation (reached from their index pages)."""
    staged = {key: value for key, value in config.items() if key not in ("docs_dir", "site_dir")}
    staged["docs_dir"], staged["site_dir"] = DOCS, "site"
    patterns = [str(config["not_in_nav"])] if config.get("not_in_nav") else []
    staged["not_in_nav"] = "\n".join([*patterns, *(f"/{staged_path(page)}" for page in not_in_nav)])
    staged["theme"] = theme
    plugins = [p for p in config.get("plugins") or [] if p != PLUGIN and not (isinstance(p, dict) and PLUGIN in p)]
    if "plugins" in config:
        staged["plugins"] = plugins
    for key in ("site_name", "site_description", "site_author"):  # text, which themes print as they are
        if isinstance(config.get(key), str):
            staged[key] = str(escape(config[key]))
    if isinstance(config.get("copyright"), str):  # HTML: what a page may hold
        staged["copyright"] = clean(config["copyright"])
    report = {"version": release.version(), "build_date": release.build_date()}
    if pdf is not None:
        report["pdf"] = {"url": f"{DOWNLOADS}/{pdf.name}", "size": release.human_size(pdf.path.stat().st_size)}
    staged["extra"] = {**(config.get("extra") or {}), "report": report}
    return staged


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
