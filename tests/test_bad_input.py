"""Bad input, as an author makes it: `report build` fails with `path:line: message`, every problem of
the run, no traceback, and the previous site kept. Inputs that look wrong but are fine build.

Loader-level details (each message's wording for more variants) are in test_loader.py and
test_citations.py; this table checks what the author sees from `report build` (run in-process: its exit
status and output through the command itself are checked in test_cli.py and test_injection.py).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import markdown
import pytest

from conftest import MINI_BIB, MINI_VIGNETTE, once_per_run, run_cli, write_mkdocs_site, write_project
from generator.compile.project import load_project
from generator.compile.mdext import RenderState, ReportExtension
from generator.compile.render import page_markdown

V = MINI_VIGNETTE
VF = "vignettes/road-safety.md"
SCRIPT = "'<script>' is not allowed — scripts would run in every reader's browser; the site never needs one. " \
         "Remove it. [html.unsafe]"



CASES = [
    pytest.param({VF: V.replace("title: Road Safety", "title: 'Road Safety")}, [
        f"{VF}:3: front matter is not valid YAML: found unexpected end of stream — a quoted value is not closed. "
        "Add the closing quote. [frontmatter.yaml]",
    ], id="yaml-unclosed-quote"),
    pytest.param({VF: V.replace("services:\n  - Police", "services:\n\t- Police")}, [
        f"{VF}:6: front matter is not valid YAML: found character '\\t' that cannot start any token — YAML does "
        "not allow tabs for indentation. Indent with spaces. [frontmatter.yaml]",
    ], id="yaml-tab-indentation"),
    pytest.param({VF: "---\n- number\n- title\n---\n\nIntro [@morse2010].\n"}, [
        f"{VF}:2: front matter must be a mapping of 'field: value' lines, not a list — each field needs a name, "
        "e.g. 'title: Road Safety'. [frontmatter.not-mapping]",
    ], id="yaml-list-not-mapping"),
    pytest.param({VF: V.replace("area: B\n", "area: B\narea: C\n")}, [
        f"{VF}:5: front matter is not valid YAML: duplicate key 'area' (first given on line 3 of the block) — a "
        "field may be given once. Remove one of them. [frontmatter.yaml]",
    ], id="yaml-duplicate-key"),
    pytest.param({VF: V.replace("area: B\n", "area: B\n? [k]\n: v\n")}, [  # was an uncaught TypeError
        f"{VF}:5: front matter is not valid YAML: a key that is a list or a mapping — a field's name is a word, "
        "e.g. 'title'. Write 'name: value'. [frontmatter.yaml]",
    ], id="yaml-list-as-key"),
    pytest.param({VF: V.replace("partners:", "partnrs:")}, [  # one problem: not also "missing 'partners'"
        f"{VF}:7: unknown field 'partnrs' — the fields here are number, title, area, services, partners. Did you "
        "mean 'partners'? [frontmatter.unknown-field]",
    ], id="misspelt-field"),
    pytest.param({VF: V.replace("title: Road Safety", "title: 2018")}, [
        f"{VF}:3: field 'title' must be text, not 2018 — put it in quotes. [frontmatter.type]",
    ], id="wrong-type"),
    pytest.param({VF: V.replace("area: B", "area: E")}, [
        f"{VF}:4: area 'E' is not a case-study area — the report has areas A, B, C and D. [vignette.area]",
    ], id="wrong-value"),
    pytest.param({VF: V.replace("title: Road Safety", "title: !!python/object/apply:os.system ['touch pwned']")}, [
        f"{VF}:3: front matter is not valid YAML: could not determine a constructor for the tag "
        "'tag:yaml.org,2002:python/object/apply:os.system' — only plain YAML data is accepted; tags such as "
        "'!!python/…' are never executed. Remove the tag. [frontmatter.yaml]",
    ], id="python-tag"),
    pytest.param({VF: "Intro [@morse2010].\n"}, [
        f"{VF}:1: a vignette starts with front matter between '---' lines (number, title, area, services, "
        "partners) — none was found. [vignette.no-front-matter]",
    ], id="missing-front-matter"),
    pytest.param({"references/extra.bib": "@misc{cafe, title = {Caf\xe9}, year = {2001}}\n".encode("latin-1")}, [
        "references/extra.bib:1: the file is not UTF-8 text: byte 0xe9 in column 25 is not valid UTF-8 — save the "
        "file with UTF-8 encoding. [file.encoding]",
    ], id="bibtex-not-utf8"),
    pytest.param({"content/about.md": "# About\n\nThe caf\xe9.\n".encode("latin-1")}, [
        "content/about.md:3: the file is not UTF-8 text: byte 0xe9 in column 8 is not valid UTF-8 — save the file "
        "with UTF-8 encoding. [file.encoding]",
    ], id="markdown-not-utf8"),
    pytest.param({"references/references.bib": MINI_BIB.replace("Oxon", "Caf\xe9").encode("latin-1")}, [
        "references/references.bib:6: the file is not UTF-8 text: byte 0xe9 in column 17 is not valid UTF-8 — save "
        "the file with UTF-8 encoding. [file.encoding]",
    ], id="unreadable-bibtex-hides-no-keys"),
    pytest.param({"content/about.md": "# About\n\nAs shown [see @morse2001, p. 3].\n"}, [
        "content/about.md:3: unknown citation key 'morse2001' — no entry with this key in references/*.bib. Did you "
        "mean 'morse2010'? [citation.unknown-key]",
    ], id="unknown-citation-key"),
    pytest.param({"references/references.bib": MINI_BIB.replace("  year = {2010}\n", "  year = {2010\n")}, [
        "references/references.bib:17: BibTeX syntax error: premature end of file — check the braces, commas and "
        "quotes of entry 'morse2010' (line 9). [bibtex.syntax]",
    ], id="bibtex-syntax-error"),
    pytest.param({"references/references.bib": MINI_BIB + "\n@misc{Huxham2005, title = {Again}, year = {2005}}\n"}, [
        "references/references.bib:18: duplicate BibTeX key 'Huxham2005' (same as 'huxham2005' but for case, which "
        "BibTeX does not distinguish) — first defined at references/references.bib:1. Each source needs its own "
        "key; remove or rename one. [bibtex.duplicate-key]",
    ], id="bibtex-duplicate-key-but-for-case"),
    pytest.param({"references/references.bib": MINI_BIB.replace("publisher = {Routledge}", "publisher = routledge")}, [
        "references/references.bib:5: BibTeX error: undefined @string macro 'routledge' — define it before this "
        "entry with @string{routledge = {…}}, or write the value in braces: {routledge}. [bibtex.undefined-macro]",
    ], id="bibtex-undefined-macro"),
    pytest.param({"vignettes/road-safety-2.md": V}, [
        "vignettes/road-safety-2.md:1: vignette 'vignette:road-safety-2' is never linked to — nothing in the report "
        "points readers to it. Link it where the report mentions it: [][vignette:road-safety-2]. [entity.unlinked]",
        f"{VF}:2: vignette number 'I' is already used by vignettes/road-safety-2.md — each vignette has its own "
        "number. [vignette.duplicate-number]",
    ], id="vignette-copied-under-another-name"),
    pytest.param({"content/about.md": "# About\n\n<script>track()</script>\n\n<p onclick=\"go()\">Hi</p>\n\n"
                                      "[Open](javascript:go())\n"}, [
        f"content/about.md:3: {SCRIPT}",
        "content/about.md:5: 'onclick=' on <p> is not allowed — event handlers run script in readers' browsers. "
        "Remove it. [html.unsafe]",
        "content/about.md:7: href=\"javascript:go()\" on <a> is not allowed — only http:, https: and mailto: links "
        "and links within the site are; other kinds (javascript:, data:, vbscript:) can run script. [html.unsafe]",
    ], id="script-handler-javascript-url"),
    pytest.param({"content/about.md": "# About\n\nSee [the method](method.md).\n"}, [
        "content/about.md:3: link to 'method.md' — there is no such page in content/ or vignettes/. "
        "[link.missing-page]",
    ], id="link-to-a-missing-page"),
    pytest.param({"content/about.md": "# About\n\nSee [the method](index.md#method).\n"}, [
        "content/about.md:3: link to 'index.md#method' — content/index.md has no heading or anchor '#method'. "
        "[link.missing-anchor]",
    ], id="link-to-a-missing-anchor"),
    pytest.param({"content/about.md": "# About\n\n## Findings\n\nOne.\n\n## Findings\n\nTwo.\n"}, [
        "content/about.md:7: heading 'Findings' has the same anchor '#findings' as line 3 — links would reach only "
        "the first. Reword one, or give it its own '{ #id }'. [heading.duplicate-anchor]",
    ], id="duplicate-heading-anchor"),
    pytest.param({"content/vignettes/road-safety.md": "# Road\n"}, [
        f"{VF}: page 'vignettes/road-safety.md' is defined twice — also by content/vignettes/road-safety.md. "
        "Remove one. [page.duplicate]",
    ], id="duplicate-page"),
]


@pytest.fixture(scope="module")
def previous_site(mini_site) -> Path:
    return mini_site / "site"


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def problems_reported(stderr: str) -> list[str]:
    """The author's view: every `path[:line]: message [code]` line, in order."""
    return [line for line in stderr.splitlines() if re.match(r"^[\w./-]+(:\d+)?: .* \[[\w.-]+\]$", line)]


@pytest.mark.parametrize("files, expected", CASES)
def test_bad_input_fails_the_build_says_where_and_keeps_the_site(tmp_path, previous_site, files, expected):
    root = write_mkdocs_site(tmp_path, files)
    shutil.copytree(previous_site, root / "site")
    before = tree(root / "site")
    result = run_cli("build", cwd=root)
    assert result.returncode == 1
    assert problems_reported(result.stderr) == expected
    n = len(expected)
    assert result.stderr.endswith(f"{n} problem{'s' if n > 1 else ''} found; nothing was built.\n")
    assert "Traceback" not in result.stderr
    assert not (root / "pwned").exists()
    assert tree(root / "site") == before
    assert [p.name for p in root.iterdir() if p.name.startswith(".site-")] == []


def test_every_problem_of_every_file_is_reported_in_one_run(tmp_path):
    files = {
        VF: V.replace("services:\n  - Police", "services:\n\t- Police"),
        "content/about.md": "# About\n\n<script>x()</script> [@nokey]\n",
        "references/extra.bib": "@misc{x, title = {A}, publisher = nosuch}\n",
    }
    result = run_cli("check", cwd=write_mkdocs_site(tmp_path, files))
    assert result.returncode == 1
    assert problems_reported(result.stderr) == [
        f"content/about.md:3: {SCRIPT}",
        "content/about.md:3: unknown citation key 'nokey' — no entry with this key in references/*.bib. "
        "[citation.unknown-key]",
        "references/extra.bib:1: BibTeX entry 'x' is never cited — cite it with [@x] where the report uses it, or "
        "remove it. [bibtex.uncited]",
        "references/extra.bib:1: BibTeX error: undefined @string macro 'nosuch' — define it before this entry with "
        "@string{nosuch = {…}}, or write the value in braces: {nosuch}. [bibtex.undefined-macro]",
        f"{VF}:6: front matter is not valid YAML: found character '\\t' that cannot start any token — YAML does "
        "not allow tabs for indentation. Indent with spaces. [frontmatter.yaml]",
    ]
    assert result.stderr.endswith("5 problems found; nothing was built.\n")


# --------------------------------------------------------------------------- input that is fine

ACCENTS_BIB = r"""
@book{schon1983,
  author = {Sch{\"o}n, Donald A. and Fran{\c c}ois, Ren{\'e} and {\v S}koda, J. and Ca{\~n}ada, M.},
  title = {{\'E}tudes on Stra{\ss}e and {\O}resund -- a caf\'e at {\aa}},
  year = {1983},
  publisher = {Basic Books \& Co}
}
"""


@pytest.fixture(scope="module")
def tricky_site(tmp_path_factory) -> Path:
    return once_per_run(tmp_path_factory, "tricky", build_tricky) / "site"


def build_tricky(root: Path) -> None:
    """A valid project written the awkward ways authors write: BOM and CRLF, LaTeX accents, and @ that is
    no citation."""
    crlf_bom = lambda text: ("\ufeff" + text).replace("\n", "\r\n").encode("utf-8")  # noqa: E731
    write_mkdocs_site(root, {
        VF: crlf_bom(V),
        "references/references.bib": crlf_bom(MINI_BIB + ACCENTS_BIB),
        "content/about.md": crlf_bom(
            "# About\n\nWrite to [psi@example.org](mailto:psi@example.org) or psi@example.org [@schon1983].\n\n"
            "```\nprint('[@notakey]')\n```\n\nAnd `[@alsonot]`.\n"),
    })
    result = run_cli("build", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr


def test_bom_and_crlf_are_accepted_everywhere(tricky_site):
    vignette = (tricky_site / "vignettes/road-safety/index.html").read_text(encoding="utf-8")
    assert "\ufeff" not in vignette and "\r" not in vignette
    assert "<dd>Area B</dd>" in vignette  # the front matter was read through the BOM
    assert "Huxham and Vangen, 2005" in (tricky_site / "index.html").read_text(encoding="utf-8")


def test_latex_accents_in_bibtex_render_as_unicode(tricky_site):
    html = (tricky_site / "references/index.html").read_text(encoding="utf-8")
    assert ("Schön, D. A., François, R., Škoda, J. and Cañada, M. (1983) <em>Études on Straße and Øresund – a "
            "café at å</em>. Basic Books &amp; Co.") in html
    assert "Schön et al. (1983)" in html
    assert "\\" not in re.sub(r"<script.*?</script>", "", html, flags=re.S)


def test_at_signs_in_code_and_email_addresses_are_not_citations(tricky_site):
    html = (tricky_site / "about/index.html").read_text(encoding="utf-8")
    assert '<a href="mailto:psi@example.org">psi@example.org</a> or psi@example.org' in html
    assert html.count('class="citation"') == 1  # [@schon1983] only
    assert "[@notakey]" in html and "[@alsonot]" in html


TITLE_YAML = "\"Fish <b> & \\\"Chips\\\" 'n' peas\""


def test_special_characters_in_a_title_are_escaped_in_the_page_title_and_meta_tags(tmp_path):
    root = write_mkdocs_site(tmp_path, {
        VF: V.replace("title: Road Safety", f"title: {TITLE_YAML}"),
        "content/about.md": f"---\ndescription: {TITLE_YAML}\n---\n\n# About\n",
    })
    # The site's HTML only (MkDocs itself): the PDF has tests of its own.
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(root / "site")],
                            cwd=root, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    vignette = (root / "site/vignettes/road-safety/index.html").read_text(encoding="utf-8")
    about = (root / "site/about/index.html").read_text(encoding="utf-8")
    escaped = "Fish &lt;b&gt; &amp; &#34;Chips&#34; &#39;n&#39; peas"
    assert f"<title>{escaped} - Fixture</title>" in vignette
    # The page's content, as the sanitiser writes it: text needs no escaped quotes.
    in_text = "Fish &lt;b&gt; &amp; \"Chips\" 'n' peas"
    assert f'<h1 id="vignette-i-fish-b-chips-n-peas">Vignette I: {in_text}</h1>' in vignette
    assert f'<span class="md-ellipsis">\n    \n  \n    {escaped}\n' in about  # the navigation
    assert f'<meta name="description" content="{escaped}">' in about
    assert "Fish <b>" not in vignette and "Fish <b>" not in about


def test_special_characters_in_a_title_are_escaped_in_cross_references(tmp_path):
    files = {VF: V.replace("title: Road Safety", f"title: {TITLE_YAML}"),
             "content/index.md": "# Home\n\nSee [][vignette:road-safety] [@huxham2005].\n"}
    kb, _ = load_project(write_project(tmp_path, files))
    md = markdown.Markdown(extensions=["attr_list", "md_in_html", "toc", ReportExtension(RenderState(kb))])
    html = md.convert(page_markdown(kb, "index.md"))
    # Text, not markup: < and & escaped (quotes need no escaping in text content).
    assert "Vignette I: Fish &lt;b&gt; &amp; \"Chips\" 'n' peas</a>" in html


def test_special_characters_in_a_title_are_text_in_the_pdf_bookmarks_and_metadata(tmp_path):
    from pypdf import PdfReader

    files = {VF: V.replace("title: Road Safety", f"title: {TITLE_YAML}"),
             "content/index.md": "# Home\n\nSee [][vignette:road-safety] [@huxham2005].\n"}
    project = write_mkdocs_site(tmp_path, files)
    result = run_cli("pdf", "--out", str(tmp_path / "r.pdf"), cwd=project)
    assert result.returncode == 0, result.stderr
    reader = PdfReader(tmp_path / "r.pdf")

    def titles(outline):
        for item in outline:
            yield from titles(item) if isinstance(item, list) else [item.title]

    title = "Vignette I: Fish <b> & \"Chips\" 'n' peas"  # a PDF's strings are text: nothing to escape, nothing lost
    assert title in list(titles(reader.outline))
    assert reader.metadata.title == title
