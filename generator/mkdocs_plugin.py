"""Thin MkDocs glue: load the project with the core, add its pages, render with its extension."""

from __future__ import annotations

import logging
from pathlib import Path

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import Abort, PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from .core import BuildError, load_project
from .core.loader import Layout
from .core.mdext import RenderState, ReportExtension
from .core.render import REQUIRED_EXTENSIONS, generated_pages, page_markdown

log = logging.getLogger("mkdocs.plugins.report")


class ReportConfig(Config):
    vignettes_dir = c.Type(str, default="vignettes")
    references_dir = c.Type(str, default="references")


class ReportPlugin(BasePlugin[ReportConfig]):
    def on_config(self, config):
        self.root = Path(config.config_file_path).parent
        layout = Layout(
            content=Path(config.docs_dir).relative_to(self.root).as_posix(),
            vignettes=self.config.vignettes_dir,
            references=self.config.references_dir,
        )
        kb, diags = load_project(self.root, layout)
        try:
            diags.raise_if_any(strict=True)
        except BuildError as exc:
            for d in exc.diagnostics:
                log.error(str(d))
            raise Abort(f"{len(exc.diagnostics)} problem(s) in the report's sources; nothing was built.") from None
        self.kb = kb
        self.state = RenderState(kb)
        for name in REQUIRED_EXTENSIONS:
            if name not in config.markdown_extensions:
                config.markdown_extensions.append(name)
        config.markdown_extensions.append(ReportExtension(self.state))
        self.layout = layout
        return config

    def on_files(self, files: Files, config):
        for page, doc in self.kb.documents.items():
            if doc.file.startswith(self.layout.vignettes + "/"):
                files.append(File.generated(config, page, abs_src_path=str(self.root / doc.file)))
        for page, markdown in generated_pages(self.kb).items():
            files.append(File.generated(config, page, content=markdown))
        return files

    def on_page_markdown(self, markdown, page, config, files):
        self.state.page = page.file.src_uri
        ours = page_markdown(self.kb, page.file.src_uri)
        return markdown if ours is None else ours

    def on_page_content(self, html, page, config, files):
        if self.state.problems:
            problems, self.state.problems = self.state.problems, []
            raise PluginError("\n".join(problems))
        return html

    def on_serve(self, server, config, builder):
        for folder in (self.layout.vignettes, self.layout.references):
            server.watch(str(self.root / folder))
        return server
