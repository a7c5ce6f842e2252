"""Pages generated from the knowledge base (Jinja2), and the Markdown the host renders for each page."""

from __future__ import annotations

import posixpath
from functools import lru_cache

import jinja2

from .mdext import BIBLIOGRAPHY_PAGE
from .model import KnowledgeBase

# Python-Markdown extensions the generated Markdown relies on; the host must enable them.
REQUIRED_EXTENSIONS = ("attr_list", "md_in_html", "toc")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("generator", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _rel(from_page: str):
    def rel(target: str) -> str:
        return posixpath.relpath(target, posixpath.dirname(from_page) or ".")
    return rel


def generated_pages(kb: KnowledgeBase) -> dict[str, str]:
    """Site path -> Markdown of every page the generator writes (never committed)."""
    return {BIBLIOGRAPHY_PAGE: render_bibliography(kb)}


def render_bibliography(kb: KnowledgeBase) -> str:
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
    return environment().get_template("references.md.j2").render(
        sources=sources, cited=cited, rel=_rel(BIBLIOGRAPHY_PAGE)
    )


def page_markdown(kb: KnowledgeBase, page: str) -> str | None:
    """The Markdown to render for a page of the report; None when the page is not ours."""
    doc = kb.documents.get(page)
    if doc is None:
        generated = generated_pages(kb)
        return generated.get(page)
    if doc.kind == "vignette":
        vignette = kb.vignettes[doc.meta["vignette"]]
        header = environment().get_template("vignette_header.md.j2").render(v=vignette, rel=_rel(page))
        return header + "\n" + doc.body
    return doc.body
