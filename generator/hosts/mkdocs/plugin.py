"""The ``report`` plugin: MkDocs as a host of the compile step. It loads the project, adds the report's pages,
hands MkDocs each page compiled (finished: MkDocs renders only its title), and cleans it (:mod:`.adapter`).
``mkdocs build`` reports every problem, then stops; ``mkdocs serve`` logs them and shows them on every page."""

from __future__ import annotations

import logging
from pathlib import Path

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.plugins import BasePlugin, event_priority

from ...common.diagnostics import BuildError, problems_html
from ...common.project import Layout
from ...common.vocabulary import VIGNETTE_NUMBERS
from ...compile.islands import restore_deferred
from ...compile.project import load_project
from ...compile.templating import REQUIRED_EXTENSIONS, environment
from ...compile.sanitize import clean
from ...knowledge.sitemap import search_boosts
from . import adapter


class ReportConfig(Config):
    vignettes_dir = c.Type(str, default="vignettes")
    references_dir = c.Type(str, default="references")
    vignette_numbers = c.Type(int, default=VIGNETTE_NUMBERS)  # vignettes numbered I to this


class ReportPlugin(BasePlugin[ReportConfig]):
    serving = False  # mkdocs serve: show problems instead of stopping

    def on_startup(self, *, command, dirty):  # defined: the instance lives on across `mkdocs serve`'s rebuilds
        self.serving = command == "serve"
        logging.getLogger("mkdocs.commands.build").addFilter(adapter.not_where)

    def on_config(self, config):
        self.root = Path(config.config_file_path).parent
        self.layout = Layout(Path(config.docs_dir).relative_to(self.root).as_posix(), self.config.vignettes_dir,
                             self.config.references_dir, self.config.vignette_numbers)
        # Compiled templates are kept between builds, as Material's are (on_env); for this build only.
        environment().bytecode_cache = self.jinja_cache = adapter.jinja_cache(self.root)
        self.kb, diags = load_project(self.root, self.layout)
        # Files beyond the limits, or unreadable: what MkDocs reads of them (front matter) is not shown either.
        self.refused = {d.path for d in diags.items if d.code.startswith(("file.", "limit."))}
        try:
            diags.raise_if_any(strict=True)
            self.problems = []
        except BuildError as exc:
            self.problems = adapter.report([str(d) for d in exc.diagnostics], "sources", self.serving)
        self.pdf = adapter.tell_theme(config, self.kb)
        config.markdown_extensions += [e for e in REQUIRED_EXTENSIONS if e not in config.markdown_extensions]
        return config

    def on_files(self, files, config):
        adapter.add_report_files(files, config, self.kb, self.root, self.layout, self.pdf)
        self.search_boosts = search_boosts(self.kb)
        # Every page compiled in one pass, handed over in on_page_markdown; one by one while serving with problems.
        self.compiler = adapter.site_compiler(config, files, self.kb)
        self.compiled, self.rendering, self.deferred = {}, {}, {}  # compiled -> rendering -> its deferred islands
        if not self.problems:
            self.compiled = {f.src_uri: self.compiler.compile(f.src_uri) for f in files.documentation_pages()}
            adapter.warn(self.compiler.anchor_problems(self.compiled))
            found = [p for compiled in self.compiled.values() for p in adapter.page_problems(self.kb, compiled)]
            self.problems += adapter.report(found, "pages", self.serving)
        return files

    def on_nav(self, nav, config, files):
        return adapter.escape_titles(nav)

    def on_env(self, env, config, files):
        return adapter.prepare_env(env, config, self.jinja_cache)

    def on_page_markdown(self, markdown, page, config, files):
        compiled = self.compiled.pop(page.file.src_uri, None)
        page.meta = adapter.page_meta(page.meta, self.kb, page.file.src_uri, config, self.refused,
                                      self.search_boosts.get(page.file.src_uri), compiled)
        if compiled is None:  # only while serving with problems in the sources
            try:
                compiled = self.compiler.compile(page.file.src_uri)
            except Exception:  # a page the loader could not read; its problem is in the banner
                return markdown
            self.problems += adapter.report(adapter.page_problems(self.kb, compiled), "pages", self.serving)
        self.rendering[page.file.src_uri] = compiled
        return adapter.host_markdown(compiled)

    def on_page_content(self, html, page, config, files):
        compiled = self.rendering.pop(page.file.src_uri, None)
        self.deferred[page.file.src_uri] = compiled.deferred if compiled is not None else []
        html = clean(adapter.finished(page, html, compiled))  # before search indexes it: only what a page may hold
        return problems_html(self.problems) + html if self.serving and self.problems else html

    @event_priority(-100)  # after every other plugin: Material's search indexes page.content here
    def on_page_context(self, context, page, config, nav):
        deferred = self.deferred.pop(page.file.src_uri, ())
        page.content = restore_deferred(page.content, [clean(island) for island in deferred])
        return context

    @event_priority(-100)  # after every other plugin: the HTML as MkDocs writes it
    def on_post_page(self, output, page, config):
        return adapter.with_policy(output, page.file.dest_uri)

    @event_priority(-100)
    def on_post_template(self, output_content, template_name, config):
        return adapter.with_policy(output_content, template_name) if template_name.endswith(".html") else output_content

    def on_post_build(self, **event):  # and after a failed build: the core's templates, cached for this build
        environment().bytecode_cache = None

    on_build_error = on_post_build

    def on_serve(self, server, config, builder):
        for folder in (self.layout.vignettes, self.layout.references):
            server.watch(str(self.root / folder))
        return server

