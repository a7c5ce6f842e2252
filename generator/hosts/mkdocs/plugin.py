"""Thin MkDocs glue: load the project with the core, add its pages, render with its extension.

``mkdocs build`` reports every problem in the sources, then stops. ``mkdocs serve`` (``make serve``) keeps
running instead: it logs every problem and shows them in a banner on every page, and recovers when
the file is fixed.
"""

from __future__ import annotations

import gc
import logging
import os
import secrets
from pathlib import Path

from jinja2 import FileSystemBytecodeCache
from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import Abort, PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from markupsafe import Markup, escape

from ...common.diagnostics import BuildError
from ...common import collector, release
from ...compile.project import load_project
from ...common.diagnostics import problems_html
from ...compile.htmlcheck import diagnostics as html_problems
from ...compile.sanitize import clean, with_content_security_policy
from ...common.project import Layout
from ...common.vocabulary import VIGNETTE_NUMBERS
from ...knowledge.loader import stays_inside
from ...compile.mdext import RenderState, ReportExtension, restore_deferred
from ...compile.render import REQUIRED_EXTENSIONS, environment, page_markdown
from ...knowledge.sitemap import entity_pages, generated_page_paths

log = logging.getLogger("mkdocs.plugins.report")


class ReportConfig(Config):
    vignettes_dir = c.Type(str, default="vignettes")
    references_dir = c.Type(str, default="references")
    vignette_numbers = c.Type(int, default=VIGNETTE_NUMBERS)  # vignettes numbered I to this


def _not_where(record: logging.LogRecord) -> bool:
    """Leaves out MkDocs' notes on the folder it builds into: ``report build`` builds into a temporary
    folder, and says where the site is once it is in place."""
    return not (record.levelno == logging.INFO and record.getMessage().startswith(
        ("Cleaning site directory", "Building documentation to directory:")))


class ReportPlugin(BasePlugin[ReportConfig]):
    serving = False  # mkdocs serve: show problems instead of stopping

    def on_startup(self, *, command, dirty):
        # Defining on_startup also keeps this instance across the rebuilds of `mkdocs serve`.
        self.serving = command == "serve"
        logging.getLogger("mkdocs.commands.build").addFilter(_not_where)

    def on_config(self, config):
        self.root = Path(config.config_file_path).parent
        layout = Layout(
            content=Path(config.docs_dir).relative_to(self.root).as_posix(),
            vignettes=self.config.vignettes_dir,
            references=self.config.references_dir,
            vignette_numbers=self.config.vignette_numbers,
        )
        # The core's compiled templates are kept between builds too (as Material's, on_env); its
        # environment outlives the build, so the cache is set for this build only (_end_build).
        environment().bytecode_cache = FileSystemBytecodeCache(str(self._jinja_cache()))
        kb, diags = self._load(layout)
        self.problems: list[str] = []
        # Files beyond the limits, or unreadable: what MkDocs itself reads of them (its page's front matter) is
        # not shown either.
        self.refused = {d.path for d in diags.items if d.code.startswith(("file.", "limit."))}
        try:
            diags.raise_if_any(strict=True)
        except BuildError as exc:
            self.problems = [str(d) for d in exc.diagnostics]
            for problem in self.problems:
                log.error(problem)
            if not self.serving:
                raise Abort(f"{len(exc.diagnostics)} problem(s) in the report's sources; nothing was built.") from None
        # The theme prints these as they are (MkDocs renders templates without autoescaping): plain text is
        # escaped, and the copyright, which is HTML, keeps only what a page may hold.
        for key in ("site_name", "site_description", "site_author"):
            if isinstance(config[key], str) and not isinstance(config[key], Markup):
                config[key] = escape(config[key])
        if isinstance(config.copyright, str) and not isinstance(config.copyright, Markup):
            config.copyright = Markup(clean(config.copyright))
        report = config.extra.setdefault("report", {})  # other keys (e.g. pdf) are set elsewhere
        report["version"] = release.version()
        report["build_date"] = release.build_date()
        # `report build` passes the PDF's path; the site links to it. It lays the PDF out while MkDocs
        # builds the site, and says on the pipe REPORT_PDF_READY_FD when the file is written. Meanwhile
        # the pages print a placeholder for its size (a new one each build, so no text can contain
        # it); on_post_build waits for the PDF, copies it and puts its size into the files that print
        # the placeholder. Without the pipe, the file must exist.
        self.pdf = Path(os.environ["REPORT_PDF"]) if os.environ.get("REPORT_PDF") else None
        self.pdf_ready_fd = None
        self.pdf_size_pending: str | None = None
        self.pdf_pending_files: list[Path] = []  # written with the placeholder
        if self.pdf is not None and os.environ.get("REPORT_PDF_READY_FD"):
            fd = os.environ["REPORT_PDF_READY_FD"]
            if not fd.isdigit():
                raise Abort(f"REPORT_PDF_READY_FD={fd!r}: not a file descriptor — it is set by `report build`; "
                            "unset it and build the PDF first (report pdf).")
            self.pdf_ready_fd = int(fd)
            self.pdf_size_pending = f"report-pdf-size-pending-{secrets.token_hex(8)}"
            report["pdf"] = {"url": f"downloads/{self.pdf.name}", "size": self.pdf_size_pending}
        elif self.pdf is not None:
            if not self.pdf.is_file():
                raise Abort(f"REPORT_PDF={self.pdf}: no such file — build the PDF first (report pdf).")
            report["pdf"] = {"url": f"downloads/{self.pdf.name}", "size": release.human_size(self.pdf.stat().st_size)}
        self.kb = kb
        # Islands in sections that search leaves out reach the page only after it is indexed.
        self.state = RenderState(kb, defer_unindexed=True)
        self.deferred: dict[str, list[str]] = {}
        for name in REQUIRED_EXTENSIONS:
            if name not in config.markdown_extensions:
                config.markdown_extensions.append(name)
        config.markdown_extensions.append(ReportExtension(self.state))
        self.layout = layout
        return config

    def _load(self, layout: Layout):
        if self.serving:
            return load_project(self.root, layout)
        # Set aside (below) before the collector runs again: its first collection would walk every
        # object the knowledge base is made of (about 0.1 s at 2,000 vignettes).
        with collector.paused():
            loaded = load_project(self.root, layout)
            self._gc_for_a_build()
        return loaded

    # A build makes millions of short-lived objects (every page's Markdown tree) while the project and
    # MkDocs' own structures live on: Python's collector would rescan those on every full collection.
    # For the length of one `mkdocs build` they are set aside (gc.freeze) and full collections run less
    # often (about 1 s of 35 at 2,000 pages); `mkdocs serve`, which lives on, is left alone.
    _gc_before: tuple[int, int, int] | None = None

    def _gc_for_a_build(self) -> None:
        self._gc_before = gc.get_threshold()
        gc.freeze()
        young, middle, _ = self._gc_before
        gc.set_threshold(young, middle, 100)  # a full collection a tenth as often

    def _end_build(self) -> None:
        environment().bytecode_cache = None
        self._gc_restore()

    def _gc_restore(self) -> None:
        if self._gc_before is not None:
            gc.set_threshold(*self._gc_before)
            gc.unfreeze()
            self._gc_before = None

    @event_priority(-100)  # after every other plugin: the HTML as MkDocs writes it
    def on_post_page(self, output, page, config):
        if self.pdf_size_pending is not None and self.pdf_size_pending in output:
            self.pdf_pending_files.append(Path(page.file.abs_dest_path))
        return _with_policy(output, page.file.dest_uri)

    @event_priority(-100)
    def on_post_template(self, output_content, template_name, config):
        if self.pdf_size_pending is not None and self.pdf_size_pending in output_content:  # 404.html
            self.pdf_pending_files.append(Path(config.site_dir, template_name))
        return _with_policy(output_content, template_name) if template_name.endswith(".html") else output_content

    def on_post_build(self, config):
        if self.pdf_ready_fd is None:
            self._end_build()
            return
        # Every page is written, with the placeholder for the PDF's size: wait for `report build`'s PDF.
        fd, self.pdf_ready_fd = self.pdf_ready_fd, None
        try:
            with open(fd, "rb") as pipe:
                said = pipe.readline()
        except OSError as exc:
            raise Abort(f"REPORT_PDF_READY_FD={fd}: cannot be read ({exc.strerror}) — it is set by "
                        "`report build`; unset it and build the PDF first (report pdf).") from None
        if said.strip() != b"ready" or not self.pdf.is_file():
            raise Abort(f"{self.pdf.name}: the PDF was not built — its errors are above; the site "
                        "needs it, so nothing was built.")
        self.pdf_file.copy_file()
        pending, size = self.pdf_size_pending.encode(), release.human_size(self.pdf.stat().st_size).encode()
        for path in self.pdf_pending_files:
            path.write_bytes(path.read_bytes().replace(pending, size))
        self.pdf_pending_files = []
        environment().bytecode_cache = None
        # This process is `report build`'s and ends here, which the build waits for: the collector's
        # settings are left as they are, and what the build made since is set aside too, since handing
        # every object back to it would only make the exit slower (0.1 s), and its last collection
        # would walk them all.
        gc.freeze()

    def on_build_error(self, error):
        # No page that still shows the placeholder for the PDF's size is left behind.
        for path in getattr(self, "pdf_pending_files", ()):  # not set when on_config failed
            path.unlink(missing_ok=True)
        self.pdf_pending_files = []
        self._end_build()

    def on_files(self, files: Files, config):
        for file in [f for f in files if f.abs_src_path and Path(f.abs_src_path).is_relative_to(config.docs_dir)
                     and not stays_inside(self.root, Path(f.abs_src_path))]:
            files.remove(file)  # behind a symbolic link out of the project (the loader reports it): never published
        for page, doc in self.kb.documents.items():
            if doc.file.startswith(self.layout.vignettes + "/"):
                files.append(File.generated(config, page, abs_src_path=str(self.root / doc.file)))
        # One page per lesson and per area: reached from their index pages, so the navigation stays
        # the same size however many entities there are.
        if self.pdf is not None:
            files.append(File.generated(config, f"downloads/{self.pdf.name}", abs_src_path=str(self.pdf)))
        own_pages = self.entity_pages = entity_pages(self.kb)
        for page in sorted(generated_page_paths(self.kb)):
            inclusion = InclusionLevel.NOT_IN_NAV if page in own_pages else InclusionLevel.UNDEFINED
            files.append(File.generated(config, page, content="", inclusion=inclusion))
        # Every page's Markdown (the generated pages', the vignettes' facts and related passages) is
        # rendered here, in one pass, and handed to MkDocs as it reaches each page (on_page_markdown).
        # The same work, about a third faster: the templates' code and data stay in the processor's
        # caches, where one page at a time, between Python-Markdown's conversions of the pages, they
        # do not (BENCHMARKS.md). While `mkdocs serve` shows problems in the sources, a page may not
        # render at all: each is then rendered as MkDocs reaches it, where its failure is reported.
        self.rendered: dict[str, str | None] = {}
        if not self.problems:
            for file in files.documentation_pages():
                self.rendered[file.src_uri] = page_markdown(self.kb, file.src_uri)
        return files

    def _jinja_cache(self) -> Path:
        cache = self.root / ".cache" / "jinja"
        cache.mkdir(parents=True, exist_ok=True)
        return cache

    def on_nav(self, nav, config, files):
        # Titles given in mkdocs.yml's nav are printed as they are, like site_name: escaped.
        def escape_titles(items):
            for item in items:
                if "title" in vars(item) and isinstance(item.title, str) and not isinstance(item.title, Markup):
                    item.title = escape(item.title)
                escape_titles(getattr(item, "children", None) or ())

        escape_titles(nav.items)
        return nav

    def on_env(self, env, config, files):
        # Compiled templates (Material's and ours) are kept between builds: a build then only renders.
        env.bytecode_cache = FileSystemBytecodeCache(str(self._jinja_cache()))
        if self.pdf_ready_fd is not None:
            # MkDocs copies the static files next, before it renders any page, and `report build` is
            # still laying the PDF out: on_post_build copies it, once it is written.
            self.pdf_file = files.get_file_from_path(f"downloads/{self.pdf.name}")
            files.remove(self.pdf_file)
        return env

    def on_page_markdown(self, markdown, page, config, files):
        self.state.page = page.file.src_uri
        doc = self.kb.documents.get(page.file.src_uri)
        if doc is not None and doc.file in self.refused:  # only while serving: a build stops at the problem
            page.meta = {}
        if page.file.src_uri in self.entity_pages:  # a lesson's words find its own page first
            page.meta.setdefault("search", {"boost": 4})
        # MkDocs keeps front matter as given and the theme prints title and description unescaped.
        for key in ("title", "description"):
            if isinstance(page.meta.get(key), str) and not isinstance(page.meta[key], Markup):
                page.meta[key] = escape(page.meta[key])
        try:
            ours = (self.rendered.pop(page.file.src_uri) if page.file.src_uri in self.rendered
                    else page_markdown(self.kb, page.file.src_uri))
        except Exception:  # a page the loader could not read; its problem is in the banner
            if not (self.serving and self.problems):
                raise
            ours = None
        return markdown if ours is None else ours

    def on_page_content(self, html, page, config, files):
        if self.state.island_ids and page.present_anchor_ids is not None:
            # HTML the core rendered itself (islands) bypasses MkDocs: its ids count for link checks.
            page.present_anchor_ids |= self.state.island_ids
        # Every page's HTML, before search indexes it, and its deferred islands hold only what a page may.
        html = clean(html)
        if self.state.deferred:
            self.deferred[page.file.src_uri] = [clean(island) for island in self.state.deferred]
        if self.state.unsafe:
            self.state.problems += [str(d) for d in html_problems(self.kb, page.file.src_uri, self.state.unsafe)]
        if self.state.problems:
            problems, self.state.problems = self.state.problems, []
            if not self.serving:
                raise PluginError("\n".join(problems))
            for problem in problems:
                log.error(problem)
            self.problems += problems
        if self.serving and self.problems:
            html = problems_html(self.problems) + html
        return html

    @event_priority(-100)  # after every other plugin: Material's search indexes page.content here
    def on_page_context(self, context, page, config, nav):
        deferred = self.deferred.pop(page.file.src_uri, None)
        if deferred:
            page.content = restore_deferred(page.content, deferred)
        return context

    def on_serve(self, server, config, builder):
        for folder in (self.layout.vignettes, self.layout.references):
            server.watch(str(self.root / folder))
        return server


def _with_policy(output: str, name: str) -> str:
    """The page with its Content-Security-Policy (core.sanitize), which the theme leaves a placeholder for."""
    try:
        return with_content_security_policy(output)
    except ValueError as exc:
        raise PluginError(f"{name}: {exc} — the theme's templates (generator/hosts/mkdocs/theme/report-page.html) "
                          "print it at the top of <head>; a page rendered by another template has none.") from None
