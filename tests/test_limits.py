"""Hostile sources — the shapes that made checking or building hang or blow up — are refused quickly, each
with its file, line and the limit it passes (generator/limits.py), and never with a traceback.

Every case runs under a watchdog (tests/watchdog.py): were a limit missing, the case would hang there and
fail, not hang the suite. Each input is scaled down from the report in the issue to just past the limit.
"""

from __future__ import annotations

import re

import pytest

from conftest import ALIAS_BOMB, MINI_VIGNETTE, run_cli, write_project
from generator.common import limits
from generator.compile.project import load_project
from generator.sources.dialect import INLINE_QUOTE_RE
from generator.sources.scan import explicit_id, scan, strip_attr_list
from watchdog import Watchdog, within_timeout

V = "vignettes/road-safety.md"
A = "content/about.md"


def problems(root, only=None):
    """Every problem reported, as the author reads it (only those of file ``only`` when given)."""
    _, diags = load_project(root, cache=False)
    return [str(d) for d in diags.items if only is None or d.path == only]


def problems_of(tmp_path, files, only=None):
    return within_timeout(problems, write_project(tmp_path, files), only)


def about(body: str) -> dict[str, str]:
    return {A: "# About\n\n" + body}


def test_a_long_line_of_tags_is_refused_at_its_line(tmp_path):
    # The 135 kB line of '<a <a …' ran `report check` past 90 s.
    assert problems_of(tmp_path, about("<a " * 4_000 + "\n"), only=A) == [
        f"{A}:3: the file has 4,000 '[' and '<' (links, citations, cross-references, HTML tags), this line passing "
        "1,000 — limit 1,000, so that rendering stays quick. Split the file into several pages. [limit.markup]",
        f"{A}:3: the line has 12,000 characters — limit 10,000, so that checking and building stay quick. Break it "
        "into shorter lines (a paragraph may run over many). [limit.line-length]",
    ]


def test_thousands_of_brackets_are_refused_before_python_markdown_sees_them(tmp_path):
    # 8 kB of '[' took Python-Markdown 10 s to render; 1 MB, past 300 s.
    lines = "\n\n".join(["[" * 100] * 15)
    assert problems_of(tmp_path, about("Text.\n\n" + lines + "\n"), only=A) == [
        f"{A}:25: the file has 1,500 '[' and '<' (links, citations, cross-references, HTML tags), this line passing "
        "1,000 — limit 1,000, so that rendering stays quick. Split the file into several pages. [limit.markup]",
    ]


def test_a_paragraph_too_long_is_refused_at_its_first_line(tmp_path):
    # Python-Markdown looks for the end of each unclosed link to the end of its paragraph: 1,000 '[x](' in a
    # paragraph of 140,000 characters took 28 s.
    paragraph = "[x](" * 500 + "\n" + "\n".join(["words " * 1_500] * 3)
    assert problems_of(tmp_path, about("Text.\n\n" + paragraph + "\n"), only=A) == [
        f"{A}:5: more than 20,000 characters from this line on without a blank line — limit 20,000, so that "
        "rendering stays quick. Put a blank line between paragraphs, or split the list or table. [limit.block-size]",
    ]


@pytest.mark.parametrize("line, depth", [
    pytest.param("    " * 20 + "- deeper", 21, id="list"),
    pytest.param("> " * 21 + "quoted", 21, id="block-quote"),
    pytest.param("- > " * 11 + "mixed", 22, id="list-and-quote"),
])
def test_nesting_deeper_than_the_limit_is_refused_at_its_line(tmp_path, line, depth):
    # A 2,000-level list took 1.2 GB; 5,000 '>' made the PDF's layout run out of stack.
    body = "\n".join("    " * i + "- level" for i in range(20)) + "\n\n" + line + "\n"
    assert problems_of(tmp_path, about(body), only=A) == [
        f"{A}:24: lists and block quotes nested {depth} deep — limit 20, so that rendering neither runs out of "
        "stack nor slows down. Nest them less. [limit.nesting]",
    ]


def test_twenty_levels_of_nesting_are_fine(tmp_path):
    body = "\n".join("    " * i + "- level" for i in range(20)) + "\n\n" + "> " * 20 + "quoted\n"
    assert problems_of(tmp_path, about(body), only=A) == []


def test_a_block_of_too_many_lines_is_refused_at_its_first_line(tmp_path):
    # One heading or rule per line, without a blank line: Python-Markdown's time grows with the square.
    block = "\n".join(["***"] * 201)
    assert problems_of(tmp_path, about("Text.\n\n" + block + "\n"), only=A) == [
        f"{A}:5: more than 200 lines from this one without a blank line — limit 200, so that rendering stays "
        "quick. Put a blank line between paragraphs, or split the list or table. [limit.block-lines]",
    ]


def test_a_file_too_large_is_not_read(tmp_path):
    text = "# About\n\n" + ("Words of a paragraph. " * 40 + "\n\n") * 230
    assert problems_of(tmp_path, {A: text}, only=A) == [
        f"{A}: the file has {len(text.encode()):,} bytes — limit 200,000 for a source file, so that checking and "
        "building stay quick. Split it into several files. [limit.file-size]",
    ]


def test_a_file_beyond_the_limits_adds_no_problems_elsewhere(tmp_path):
    # Unread, its page and id stay known: the link to it and the citation it made are no problems of their own.
    root = write_project(tmp_path, {
        "content/index.md": "# Home\n\nSee [the method](about.md) and [][chapter:about] [@huxham2005].\n",
        A: "# About\n\n[][vignette:road-safety] [@morse2010]\n\n" + "> " * 30 + "deep\n",
    })
    assert within_timeout(problems, root) == [
        f"{A}:5: lists and block quotes nested 30 deep — limit 20, so that rendering neither runs out of stack nor "
        "slows down. Nest them less. [limit.nesting]",
    ]




def refused(what: str, limit: str, code: str) -> str:
    return (f"front matter is refused: {what} — limit {limit}, so that nothing that reads it runs out of time or "
            f"memory. Write the values out, without aliases, and nest them less. [{code}]")


@pytest.mark.parametrize("front, expected", [
    pytest.param(ALIAS_BOMB, f"{V}:6: " + refused("more than 10,000 values in this one, each alias (*name) counted as "
                                                   "the values it repeats", "10,000 values", "limit.yaml-values"),
                 id="alias-bomb"),  # was a 92 MB message and a MemoryError
    pytest.param("---\ntitle: &t [x, *t]\n---\n", f"{V}:2: " + refused(
        "an alias (*name) inside the value it names repeats it endlessly", "10,000 values", "limit.yaml-values"),
        id="alias-in-itself"),
    pytest.param("---\ntitle: " + "[" * 21 + "]" * 21 + "\n---\n", f"{V}:2: " + refused(
        "values nested more than 20 deep", "20 levels", "limit.yaml-nesting"), id="nested"),
    pytest.param("---\ntitle: " + "{a: " * 1_100 + "\n---\n", f"{V}:2: " + refused(
        "values nested more than 20 deep", "20 levels", "limit.yaml-nesting"), id="nested-past-the-readers-stack"),
    pytest.param("---\ntitle: x\n" + "# a comment\n" * 5_000 + "---\n",
                 f"{V}:2: front matter has 60,008 characters — limit 50,000, so that reading it stays quick. Shorten "
                 "it. [limit.yaml-size]", id="too-long"),
])
def test_front_matter_beyond_the_limits_is_refused_at_its_line(tmp_path, front, expected):
    assert problems_of(tmp_path, {V: front + MINI_VIGNETTE.split("---\n", 2)[2]}, only=V) == [expected]


def test_a_control_character_in_front_matter_is_one_problem_at_its_line(tmp_path):
    text = MINI_VIGNETTE.replace("area: B", "area: B\x00")
    assert problems_of(tmp_path, {V: text}, only=V) == [
        f"{V}:4: front matter is not valid YAML: the character U+0000 is not allowed in it — remove it. "
        "[frontmatter.yaml]"]


def test_braces_nested_too_deep_in_bibtex_are_refused_at_the_entry(tmp_path):
    # pybtex reads a field's (or a key's) braces recursively: 2,000 '@misc{' ran out of stack.
    files = {"references/deep.bib": "@misc{deep, title = {" + "{" * 30 + "x" + "}" * 30 + "}, year = {2001}}\n",
             "references/keys.bib": "@misc{" * 100 + "\n"}
    problems = problems_of(tmp_path, files)
    assert problems[0] == ("references/deep.bib:1: BibTeX entry 'deep' nests braces 30 deep — limit 20, so that "
                           "formatting it does not run out of stack. Nest them less. [limit.nesting]")
    assert problems[-1].startswith("references/keys.bib:1: BibTeX entry '@misc{@misc{")
    assert problems[-1].endswith("' nests braces 99 deep — limit 20, so that formatting it does not run out of "
                                 "stack. Nest them less. [limit.nesting]")


def test_aliases_within_the_limits_are_read(tmp_path):
    text = MINI_VIGNETTE.replace("services:\n  - Police Scotland\n", "services: &s\n  - Police Scotland\n")
    text = text.replace("partners:\n  - council\n", "partners: *s\n")
    assert problems_of(tmp_path, {V: text}, only=V) == []


def test_messages_quote_long_text_only_in_part(tmp_path):
    key = "k" * 9_000
    [cite] = problems_of(tmp_path, about(f"[@{key}]\n"), only=A)
    assert len(cite) < limits.MESSAGE_CHARS + 100
    assert cite.startswith(f"{A}:3: unknown citation key 'kkk")
    assert cite.endswith("— no entry with this key in references/*.bib. [citation.unknown-key]")
    assert re.search(r" \[…8,\d{3} characters…\] ", cite)
    [field] = problems_of(tmp_path, {V: MINI_VIGNETTE.replace("title: Road Safety", "title: [" + "x, " * 3_000 + "]")},
                          only=V)
    assert field == (f"{V}:3: field 'title' must be text, not ['x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', ...]"
                     " — put it in quotes. [frontmatter.type]")


@pytest.mark.parametrize("kind, make, expected", [
    pytest.param("folder", lambda p: p.mkdir(), "this is a folder, not a file of text — only files are read. Rename "
                 "it so that its name does not end in '.md', or move it away. [file.not-a-file]", id="folder"),
    pytest.param("loop", lambda p: p.symlink_to(p.name), "this is a symbolic link in a loop (it leads back to itself) "
                 "— replace it with the file, or remove it. [file.unreadable]", id="symlink-loop"),
    pytest.param("dangling", lambda p: p.symlink_to("nowhere.md"), "this is a symbolic link to 'nowhere.md', which "
                 "does not exist — fix the link, or remove it. [file.unreadable]", id="dangling-symlink"),
])
def test_a_source_that_is_not_a_file_is_reported_not_a_traceback(tmp_path, kind, make, expected):
    root = write_project(tmp_path, {})
    make(root / "content" / "odd.md")
    result = run_cli("check", cwd=root)
    assert result.returncode == 1
    assert result.stderr == f"content/odd.md: {expected}\n1 problem found; nothing was built.\n"


def test_a_bibliography_that_is_a_folder_is_reported_once(tmp_path):
    root = write_project(tmp_path, {"references/references.bib": None})
    (root / "references" / "references.bib").mkdir(parents=True)
    result = run_cli("check", cwd=root)
    assert result.returncode == 1
    assert result.stderr == (  # and not "unknown citation key" for each citation of it
        "references/references.bib: this is a folder, not a file of text — only files are read. Rename it so that "
        "its name does not end in '.bib', or move it away. [file.not-a-file]\n1 problem found; nothing was built.\n")


# Lines far longer than the limit allows, of the shapes that made the scanner's patterns slow down with the square
# or the cube of their length: with the patterns linear, each is read at once.
PATHOLOGICAL_LINES = {
    "heading-with-trailing-spaces": "# x" + " " * 200_000 + "y",
    "bracket-then-at-signs": "[" + "@" * 200_000,
    "attribute-lists-not-at-the-end": "# x" + " {: #a" * 100_000 + " } x",
    "explicit-ids-not-at-the-end": "a {#a" * 100_000 + "} x",
}


def _scan_and_match(line: str) -> None:
    scan(line + "\n", 1)
    explicit_id(line), strip_attr_list(line)
    INLINE_QUOTE_RE.match("x" + " " * len(line) + "y")


def test_the_scanner_reads_hostile_lines_in_linear_time():
    with Watchdog() as run:
        for name, line in PATHOLOGICAL_LINES.items():
            run(_scan_and_match, line, what=name)


def out_of_stack(*args, **kwargs):
    raise RecursionError("maximum recursion depth exceeded")


def exhausted(path: str, doing: str) -> str:
    return (f"{path}: {doing} the file ran out of stack (RecursionError) — its shape is beyond what the limits "
            "foresee (CONTRIBUTING.md, \"Limits\"). Simplify it, and please report it as a bug of the generator. "
            "[limit.resources]")


def test_running_out_of_stack_reading_a_file_is_a_problem_of_that_file(tmp_path, monkeypatch):
    # Should a shape beyond the limits' foresight still exhaust the stack, the file says so, not a traceback.
    from generator.knowledge import loader

    real_scan = loader.scan
    monkeypatch.setattr(loader, "scan", lambda body, line: out_of_stack() if "deep" in body else real_scan(body, line))
    assert problems(write_project(tmp_path, about("deep\n"))) == [exhausted(A, "reading")]


def test_running_out_of_stack_rendering_a_page_is_a_problem_of_its_file(tmp_path, monkeypatch):
    import markdown

    from generator.common.diagnostics import BuildError
    from generator.outputs.pdf import render_page

    kb, _ = load_project(write_project(tmp_path, {}), cache=False)
    monkeypatch.setattr(markdown.Markdown, "convert", out_of_stack)
    with pytest.raises(BuildError) as failed:
        render_page(kb, "index.md", frozenset(kb.documents))
    assert [str(d) for d in failed.value.diagnostics] == [exhausted("content/index.md", "rendering")]


# Found by fuzzing (tests/test_fuzz.py): inputs within the limits that were tracebacks.

def test_a_link_that_is_no_address_is_a_problem_at_its_line(tmp_path):
    assert problems_of(tmp_path, about("[licence](https://[example.org/a)\n"), only=A) == [
        f"{A}:3: link to 'https://[example.org/a' is not a valid address (Invalid IPv6 URL) — check its brackets. "
        "[link.invalid]"]


def test_a_link_with_a_space_before_a_stray_bracket_is_a_problem_at_its_line_not_a_traceback(tmp_path):
    # Python-Markdown reads the whole 'https://example ]org/a' as the address; MkDocs stopped at it with a traceback.
    assert problems_of(tmp_path, about("[licence](https://example ]org/a)\n"), only=A) == [
        f"{A}:3: link to 'https://example ]org/a' is not a valid address (Invalid IPv6 URL) — check its brackets. "
        "[link.invalid]"]


def test_the_pdf_renders_a_page_with_an_address_it_cannot_read(tmp_path):
    # Python-Markdown reads '(https://x ]y/z)' as the address 'https://x ]y/z', which urlsplit refuses: the PDF
    # renders the page all the same, and the sanitiser drops an address it cannot read (the words stay).
    from generator.outputs.pdf import render_page

    kb, _ = load_project(write_project(tmp_path, {"content/index.md": "# Home\n\n[licence](https://example ]org/a)\n"}),
                         cache=False)
    html = render_page(kb, "index.md", frozenset(kb.documents)).html
    assert "<a>licence</a>" in html and "example ]org" not in html


# A BibTeX file cut short (as the fuzz test made it), whose recovered entry has a name with unbalanced braces.
CUT_SHORT_BIB = (
    "@techreport{year2main,\n  author = {{Scottish Institute f[][vignette:a b{#lesson:\n  url = {https://consult.scotland"
    ".gov.uk/fire-and-rescue/fire-and-rescue-framework/supporting_documents/417276_Fire%20Framework_V2.pdf}\n}\n  title = "
    "{Collabora~};\"$\t~]\\]/^(&\t}+tion in Public Policy and Practice: perspectives on boundary spanners},")


@pytest.mark.parametrize("bib, key, reason", [
    pytest.param(CUT_SHORT_BIB, "year2main", "unbalanced braces", id="unbalanced-braces-in-a-name"),
    pytest.param("@misc{odd, title = {Caf\\}, year = {2001}}\n", "odd", "unknown token '\\\\'", id="a-lone-backslash"),
])
def test_bibtex_latex_that_cannot_be_read_is_a_problem_of_its_entry(tmp_path, bib, key, reason):
    found = problems_of(tmp_path, {"references/odd.bib": bib}, only="references/odd.bib")
    assert (f"references/odd.bib:1: BibTeX entry '{key}' cannot be read: {reason} — check the braces of its names and "
            "fields. [bibtex.syntax]") in found


def test_more_than_26_works_of_one_author_and_year_are_told_apart(tmp_path):
    bib = "".join(f"@misc{{w{n}, author = {{Smith, J.}}, title = {{Work {n:02}}}, year = {{2001}}}}\n" for n in range(28))
    kb, _ = load_project(write_project(tmp_path, {"references/many.bib": bib}), cache=False)
    assert [kb.sources[f"w{n}"].year_label for n in (0, 25, 26, 27)] == ["2001a", "2001z", "2001aa", "2001ab"]
