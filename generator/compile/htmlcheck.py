"""The authors' HTML, checked as Python-Markdown renders it, with ``path:line`` for every problem.

Whether something in a page is code shown as text or HTML that reaches the reader is for
Python-Markdown to say, not a scan of the source: the check reads what it made
(:class:`.authorhtml.HtmlCheckProcessor`). Every host's rendering reports it (the site's, the PDF's), and loading the
project renders each page whose source may hold anything to report (``sanitize.may_hold_html``) the
way the site does, so that ``report check`` says it too. Each problem is located by looking for what
it names in the source (the line that holds ``onclick=``, say); failing that, the file is named.
"""

from __future__ import annotations

import itertools

from markdown import Markdown

from ..common.diagnostics import Diagnostic
from .mdext import RenderState, ReportExtension
from ..knowledge.model import KnowledgeBase
from .render import page_markdown
from .templating import REQUIRED_EXTENSIONS
from ..knowledge.sitemap import generated_page_paths
from .sanitize import Finding, locate, may_hold_html

# The site's Python-Markdown extensions (mkdocs.yml); code blocks fenced as the site fences them.
CHECK_EXTENSIONS = (*REQUIRED_EXTENSIONS, "tables", "admonition", "pymdownx.superfences")


def diagnostics(kb: KnowledgeBase, page: str, findings: list[Finding],
                texts: dict[str, str] | None = None) -> list[Diagnostic]:
    """Each finding on ``page`` as a Diagnostic at the first line that holds what it names (its most telling
    needle first): in the page's own file first (its body, then its front matter), then in the other files
    of the report (a generated page shows words from several).
    ``texts``: page -> its file's whole text, for the front matter (otherwise only bodies are searched). The
    same finding again is looked for after the line of the one before."""
    if not findings:
        return []
    own = kb.documents.get(page)
    others = [d for d in kb.documents.values() if d is not own]
    sources = []
    for docs in ([own] if own else [], others):
        sources += [(d.file, d.body, d.body_line) for d in docs]
        if texts is not None:
            sources += [(d.file, _front_matter(texts[d.page], d.body_line), 1) for d in docs if d.page in texts]
    fallback = own.file if own else page
    out = []
    searched_to: dict[tuple[Finding, int], int] = {}
    for finding in findings:
        out.append(Diagnostic(fallback, None, finding.message, finding.code))
        for needle, (n, (path, text, first)) in itertools.product(finding.needles, enumerate(sources)):
            found = locate((needle,), text, searched_to.get((finding, n), 0))
            if found is not None:  # the most telling needle anywhere before a vaguer one
                out[-1] = Diagnostic(path, first + found[0], finding.message, finding.code)
                searched_to[finding, n] = found[1]
                break
    return out


def check_sources(kb: KnowledgeBase, texts: dict[str, str], *, others: bool = False) -> list[Diagnostic]:
    """The problems in the pages whose files (``texts``: page -> whole text) may hold any, each page rendered
    as the site renders it; and in the generated pages, which print front matter, when a file's front matter
    may hold one. ``others``: the sources have other problems, which may keep a page from rendering at all
    (it is then left out: those problems are reported)."""
    pages = [page for page, text in texts.items() if page in kb.documents and may_hold_html(text)]
    if any(may_hold_html(_front_matter(texts[p], kb.documents[p].body_line)) for p in pages):
        pages += sorted(generated_page_paths(kb))
    found: dict[Diagnostic, None] = {}
    for page in pages:
        state = RenderState(kb, page)
        try:
            Markdown(extensions=[*CHECK_EXTENSIONS, ReportExtension(state)]).convert(page_markdown(kb, page) or "")
        except Exception:
            if not others:
                raise
            continue
        found.update(dict.fromkeys(diagnostics(kb, page, state.unsafe, texts)))
    return list(found)


def _front_matter(text: str, body_line: int) -> str:
    return "\n".join(text.split("\n", body_line - 1)[:body_line - 1])
