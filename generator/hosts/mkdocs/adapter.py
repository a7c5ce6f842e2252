"""What the ``report`` plugin hands MkDocs, made from the stages below it: the report's files, the compile step
set up with the site's extensions and link checks, the PDF's link, and the text the theme prints as it is
(escaped here, since MkDocs renders templates without autoescaping)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from jinja2 import FileSystemBytecodeCache
from markupsafe import Markup, escape
from mkdocs.exceptions import Abort, PluginError
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.toc import get_toc

from ...common import release
from ...common.project import Layout
from ...common.diagnostics import Diagnostic
from ...compile.compiler import CompiledPage, Compiler
from ...compile.htmlcheck import diagnostics as html_problems
from ...compile.sanitize import clean, with_content_security_policy
from ...compile.sitelinks import LINK_CHECKS, SiteLinks
from ...knowledge.loader import stays_inside
from ...knowledge.model import KnowledgeBase
from ...knowledge.publication import site_settings
from ...knowledge.sitemap import DOWNLOADS, generated_page_paths, out_of_nav
from ...outputs.cite import cite_files
from ...outputs.data import data_files
from ...outputs.pagemeta import page_metadata
from .navonce import NavOnce
from .search import read_faster

log = logging.getLogger("mkdocs.plugins.report")


def not_where(record: logging.LogRecord) -> bool:
    """Leaves out MkDocs' notes on the folder it builds into: ``report build`` builds into a temporary
    folder, and says where the site is once it is in place."""
    return not (record.levelno == logging.INFO and record.getMessage().startswith(
        ("Cleaning site directory", "Building documentation to directory:")))


def jinja_cache(root: Path) -> FileSystemBytecodeCache:
    folder = root / ".cache" / "jinja"
    folder.mkdir(parents=True, exist_ok=True)
    return FileSystemBytecodeCache(str(folder))


def prepare_env(env, config, jinja_cache: FileSystemBytecodeCache):
    """The theme's Jinja environment for one build: compiled templates kept between builds (as Material's are),
    the navigation rendered once for the pages it leads the same way (:mod:`.navonce`); and Material's search,
    where the site has it, reading each page faster (:mod:`.search`)."""
    env.bytecode_cache = jinja_cache
    env.globals["report_nav_once"] = NavOnce()
    read_faster(config)
    return env


def report(problems: list[str], where: str, serving: bool) -> list[str]:
    """Every problem logged; a build then stops (``mkdocs serve`` shows them on every page instead)."""
    for problem in problems:
        log.error(problem)
    if problems and not serving:
        raise Abort(f"{len(problems)} problem(s) in the report's {where}; nothing was built.")
    return problems


def tell_theme(config, kb: KnowledgeBase) -> Path | None:
    """What the theme prints: the site's name, description and author as text (the last two from the
    publication record unless mkdocs.yml gives them), its copyright as the HTML a page may hold, the report's
    version, build date and PDF (``config.extra.report``). Returns the PDF to publish with the site
    (:func:`pdf_link`)."""
    for key, value in site_settings(kb.publication).items():
        config[key] = config[key] or value
    report = config.extra.setdefault("report", {})  # other keys are the project's
    report["version"], report["build_date"] = release.version(), release.build_date()
    if not config.site_url:
        log.info("site_url is not set (SITE_URL in the environment): the pages have no canonical links, "
                 "sitemap.xml lists none, and the citations give no URL.")
    link, pdf = pdf_link()
    if link is not None:
        report["pdf"] = link
    for key in ("site_name", "site_description", "site_author"):
        if isinstance(config[key], str) and not isinstance(config[key], Markup):
            config[key] = escape(config[key])
    if isinstance(config.copyright, str) and not isinstance(config.copyright, Markup):
        config.copyright = Markup(clean(config.copyright))
    return pdf


def escape_titles(nav):
    """``nav`` (or a part of it), its titles given in mkdocs.yml escaped: the theme prints them as they are."""
    for item in getattr(nav, "items", nav):
        if "title" in vars(item) and isinstance(item.title, str) and not isinstance(item.title, Markup):
            item.title = escape(item.title)
        escape_titles(getattr(item, "children", None) or ())
    return nav


def page_meta(meta: dict, kb: KnowledgeBase, page: str, config, refused: set[str], boost: int | None,
              compiled: CompiledPage | None) -> dict:
    """A page's front matter for the theme: none from a file the loader refused (only while serving: a build
    stops at the problem), its rank in search (``boost``: :func:`...knowledge.sitemap.search_boosts`), what
    the page says about itself to machines and its "Cite this" (``report_meta``, :mod:`...outputs.pagemeta`, from
    the page as ``compiled``, if it was), and title and description
    escaped (MkDocs keeps front matter as given, and the theme prints them as they are)."""
    doc = kb.documents.get(page)
    if doc is not None and doc.file in refused:
        return {}
    if boost is not None:
        meta.setdefault("search", {"boost": boost})
    pdf = config.extra.get("report", {}).get("pdf") or {}
    meta["report_meta"] = page_metadata(kb, page, config.site_url, pdf.get("url"),
                                        compiled.dialect if compiled is not None else None)
    if meta["report_meta"]["description"]:
        meta.setdefault("description", meta["report_meta"]["description"])
    for key in ("title", "description"):
        if isinstance(meta.get(key), str) and not isinstance(meta[key], Markup):
            meta[key] = escape(meta[key])
    return meta


def warn(problems: list[Diagnostic]) -> None:
    """Link problems, logged as MkDocs logs its own link checks: a strict build stops at its end."""
    for problem in problems:
        log.warning(str(problem))


def page_problems(kb: KnowledgeBase, compiled: CompiledPage) -> list[str]:
    """What compiling a page found that stops the build; its link problems are warned about."""
    warn(compiled.link_problems)
    return [*compiled.problems, *(str(d) for d in html_problems(kb, compiled.page, compiled.unsafe))]


def pdf_link(environ=os.environ) -> tuple[dict | None, Path | None]:
    """The PDF the site links to (``config.extra.report.pdf``), and the file to publish with it.

    ``REPORT_PDF``: the PDF's path. ``report build`` also sets ``REPORT_PDF_SIZE``, the text the pages print
    for its size, and puts the file (and its size) in place itself once MkDocs is done; otherwise the file
    must exist, and is published with the site."""
    if not environ.get("REPORT_PDF"):
        return None, None
    pdf = Path(environ["REPORT_PDF"])
    url = f"{DOWNLOADS}/{pdf.name}"
    if environ.get("REPORT_PDF_SIZE"):
        return {"url": url, "size": environ["REPORT_PDF_SIZE"]}, None
    if not pdf.is_file():
        raise Abort(f"REPORT_PDF={pdf}: no such file — build the PDF first (report pdf).")
    return {"url": url, "size": release.human_size(pdf.stat().st_size)}, pdf


def add_report_files(files: Files, config, kb: KnowledgeBase, root: Path, layout: Layout, pdf: Path | None) -> None:
    """The vignettes, every generated page (those about one entity out of the nav: reached from their index
    pages, the nav stays the same size however many there are), the PDF and the open data (``data/``); nothing
    behind a symbolic link out of the project (the loader reports it)."""
    for file in [f for f in files if f.abs_src_path and Path(f.abs_src_path).is_relative_to(config.docs_dir)
                 and not stays_inside(root, Path(f.abs_src_path))]:
        files.remove(file)
    for page, doc in kb.documents.items():
        if doc.file.startswith(layout.vignettes + "/"):
            files.append(File.generated(config, page, abs_src_path=str(root / doc.file)))
    if pdf is not None:
        files.append(File.generated(config, f"{DOWNLOADS}/{pdf.name}", abs_src_path=str(pdf)))
    for path, content in {**data_files(kb, config.site_url), **cite_files(kb, config.site_url)}.items():
        files.append(File.generated(config, path, content=content))
    left_out = out_of_nav(kb)
    for page in sorted(generated_page_paths(kb)):
        inclusion = InclusionLevel.NOT_IN_NAV if page in left_out else InclusionLevel.UNDEFINED
        files.append(File.generated(config, page, content="", inclusion=inclusion))


def site_compiler(config, files: Files, kb: KnowledgeBase) -> Compiler:
    """The compile step with the site's extensions, its pages and files, and MkDocs' link checks: what
    ``validation.links`` makes a warning is a problem. Islands that search leaves out are deferred. Each page
    comes finished, as MkDocs would render its Markdown with ``Compiler.host_extensions`` (:func:`host_markdown`,
    :func:`finished`)."""
    pages = frozenset(f.src_uri for f in files.documentation_pages())
    links = SiteLinks(pages, frozenset(f.src_uri for f in files if not f.is_documentation_page()),
                      frozenset(c for c in LINK_CHECKS if config.validation.links[c] >= logging.WARNING))
    compiler = Compiler(kb, config.markdown_extensions, config.mdx_configs, links=links, defer_unindexed=True,
                        finished=True)
    config.markdown_extensions = compiler.host_extensions(config.markdown_extensions)
    return compiler


def host_markdown(compiled: CompiledPage) -> str:
    """What MkDocs renders of a compiled page: only its first heading, where it finds the page's title, when
    the page comes finished (the rest is :func:`finished`'s); else all of it."""
    return compiled.markdown if compiled.html is None else compiled.title


def finished(page, html: str, compiled: CompiledPage | None) -> str:
    """The page's HTML, its table of contents and its ids as MkDocs would have made them of its compiled Markdown:
    the compile step wrote them (``Compiler(finished=True)``), so MkDocs parsed only the title."""
    if compiled is None or compiled.html is None:
        return html
    page.toc, page.present_anchor_ids = get_toc(compiled.toc), compiled.ids
    return compiled.html


def with_policy(output: str, name: str) -> str:
    """The page with its Content-Security-Policy (compile.sanitize), which the theme leaves a placeholder for."""
    try:
        return with_content_security_policy(output)
    except ValueError as exc:
        raise PluginError(f"{name}: {exc} — the theme's templates (generator/hosts/mkdocs/theme/report-page.html) "
                          "print it at the top of <head>; a page rendered by another template has none.") from None
