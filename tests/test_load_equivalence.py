"""Loading's shortcuts give exactly what the plain computation they replace gives (BENCHMARKS.md, issue #7).

Each shortcut in the loader stands for a slower, obvious computation, kept here as the reference:

- ``scan.block_declaration``: the block-declaration search skipped on lines that do not end with "}";
- ``scan._anchor_base``: a heading's slug, remembered (headings repeat across pages);
- ``citations.rich``: pybtex's LaTeX reading (``Text.from_latex``) skipped for plain text;
- ``frontmatter.split``: the front matter found line by line from the top, not by splitting the whole file;
- ``frontmatter._text_data``: front matter of text, lists and mappings built straight from the YAML nodes;
- ``frontmatter.normalise_text``: no line-ending replacement when there is no "\\r";
- ``dialect.strip_declarations`` and ``lessonlinks._plain``: a pre-test, and patterns that start with a character;
- ``collector.paused``: the cycle collector paused while loading.

Each is compared with its reference on the real report, on awkward input and on random strings (seeded);
then whole projects are loaded both ways — every shortcut, or every reference — and every field of the
knowledge base and every problem reported must be the same.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import gc
import random
import re
import sys
from functools import partial
from pathlib import Path

import pytest
import yaml
from pybtex.richtext import Text

from conftest import MINI_BIB, MINI_VIGNETTE, REPO, write_project
from generator.common.project import Layout
from generator.compile import project
from generator.knowledge import citations, entities, lessonlinks, loader
from generator.sources import dialect, frontmatter, scan
from generator.common.diagnostics import Diagnostics
from generator.sources.frontmatter import FENCE, FrontMatter, SplitDocument, parse_block, read_source
from test_knowledge import CONCLUSIONS, INTRO, PRACTICES, VIGNETTE

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from bench import synthetic  # noqa: E402


# --------------------------------------------------------------------------- the reference computations

def reference_block_declaration(text: str) -> re.Match | None:
    return scan.BLOCK_ENTITY_RE.search(scan.SPAN_ENTITY_RE.sub(lambda s: " " * len(s.group(0)), text))


def reference_split(text: str, path: str, diags: Diagnostics) -> SplitDocument:
    """The front matter found by splitting the whole text into lines, as before."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != FENCE:
        return SplitDocument(None, text, 1)
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].rstrip() in (FENCE, "..."))
    except StopIteration:
        diags.error(path, 1, "front matter is not closed — the opening '---' has no closing '---' "
                    "line, so the whole file would be read as YAML. Add a '---' line after the last field.",
                    "frontmatter.unclosed")
        return SplitDocument(FrontMatter(valid=False), "", len(lines) + 1)
    fm = parse_block("\n".join(lines[1:end]), path, first_line=2, diags=diags)
    return SplitDocument(fm, "\n".join(lines[end + 1:]), end + 2)


def reference_normalise_text(text: str) -> str:
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def reference_strip_declarations(markdown: str) -> str:
    return re.sub(r"\s*\{#[a-z][\w-]*:[^{}\n]*\}\s*$", "", markdown, flags=re.M).strip()


def reference_plain(markdown: str) -> str:
    text = scan.XREF_RE.sub(lambda m: m["text"], markdown)
    text = scan.SPAN_ENTITY_RE.sub(lambda m: m["text"], text)
    text = reference_strip_declarations(text)
    text = re.sub(r"\[@[^\]]*\]", "", text)
    text = re.sub(r"\*\*|__|(?<!\w)\*|\*(?!\w)", "", text)
    text = text.replace("‘", "'").replace("’", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"^\s*(?:>\s*)*(?:[-*+]\s+)?", "", text, flags=re.M)
    return " ".join(text.split())


def use_references(monkeypatch) -> None:
    """Put every reference computation in place of its shortcut, where the loader looks it up."""
    monkeypatch.setattr(scan, "block_declaration", reference_block_declaration)
    monkeypatch.setattr(scan, "_anchor_base", scan._anchor_base.__wrapped__)
    monkeypatch.setattr(citations, "rich", Text.from_latex)
    monkeypatch.setattr(frontmatter, "_text_data", lambda node, seen: None)
    monkeypatch.setattr(frontmatter, "normalise_text", reference_normalise_text)
    monkeypatch.setattr(loader, "split", reference_split)
    monkeypatch.setattr(loader.collector, "paused", contextlib.nullcontext)
    monkeypatch.setattr(entities, "strip_declarations", reference_strip_declarations)
    monkeypatch.setattr(lessonlinks, "strip_declarations", reference_strip_declarations)
    monkeypatch.setattr(lessonlinks, "_plain", reference_plain)


def canonical(value):
    """Every field, in order, with its type: dicts compare with their order, dataclasses with all attributes
    (the knowledge base's lookup tables too)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return type(value).__name__, tuple((k, canonical(v)) for k, v in vars(value).items())
    if isinstance(value, dict):
        return "dict", tuple((canonical(k), canonical(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return type(value).__name__, tuple(canonical(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return "set", tuple(sorted(repr(canonical(v)) for v in value))
    if isinstance(value, enum.Enum):
        return type(value).__name__, value.value
    return type(value).__name__, repr(value)


# --------------------------------------------------------------------------- inputs

def real_sources() -> list[tuple[str, str]]:
    """(path, text) of every Markdown file of the real report."""
    paths = sorted((REPO / "content").rglob("*.md")) + sorted((REPO / "vignettes").glob("*.md"))
    return [(p.relative_to(REPO).as_posix(), read_source(p, "x", Diagnostics())) for p in paths]


def front_matter_block(text: str) -> str | None:
    lines = text.split("\n")
    if lines[0] != FENCE or FENCE not in lines[1:]:
        return None
    return "\n".join(lines[1:lines.index(FENCE, 1)])


def real_lines() -> list[str]:
    """Every line of prose of the real report, as the scan sees it (code removed), and every raw line."""
    out = []
    for path, text in real_sources():
        body = frontmatter.split(text, path, Diagnostics()).body
        out += [t for _, t in scan.scan(body, 1).text_lines] + body.split("\n")
    return out


def random_strings(alphabet: list[str], n: int, longest: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, longest))) for _ in range(n)]


BLOCK_LINES = [
    "- **Title:** text {#lesson:a}", "- **Title:** text {#lesson:a}  ", "text {#lesson:a}\t", "{#lesson:a}",
    "Area A – x {#area:a}", "[words]{#example:x services=SFRS}", "[words]{#example:x} {#lesson:y}",
    "{#lesson:y} [words]{#quote}", "a {#lesson:y} [w]{#quote}.", "a [w]{#quote} {#lesson:y}\u00a0",
    "a {#Lesson:y}", "a {#lesson:y} b", "a{#lesson:y}", "a {#lesson:y}}", "a {#lesson:{y}", "",
]


# --------------------------------------------------------------------------- the scan

def test_block_declarations_are_found_as_by_the_full_search():
    lines = real_lines() + BLOCK_LINES + random_strings(
        [" {#lesson:x}", "\t{#area:b}", "[w]{#quote}", "[w]{#example:y a=b}", "{#", "quote}", "lesson:x", "}", " ",
         "\t", "\u00a0", ".", "z", "[", "]", "{"], n=40_000, longest=8, seed=2)
    found = 0
    for line in lines:
        fast, full = scan.block_declaration(line), reference_block_declaration(line)
        assert (fast and (fast.span(), fast.groupdict())) == (full and (full.span(), full.groupdict())), repr(line)
        found += full is not None
    assert found > 1_000


def test_heading_anchors_are_the_same_however_often_a_heading_recurs():
    scan._anchor_base.cache_clear()
    body = "## Why? {#why}\n\n## Who *takes* part?\n\n## Who takes part?\n\n# Who _takes_ part? { #own .x }\n"
    first, again = scan.scan(body, 1), scan.scan(body, 1)  # the second from the remembered slugs
    assert [h.anchor for h in first.headings] == ["why", "who-takes-part", "who-takes-part_1", "own"]
    assert first.headings == again.headings
    for text in ["Why? {#why}", "Who *takes* part?", "**A**, `b` and _c_ { .cls }", "Ünïcode — dash"]:
        assert scan._anchor_base(text) == scan._anchor_base.__wrapped__(text)


# --------------------------------------------------------------------------- the bibliography

def test_plain_latex_excludes_every_ligature_latexcodec_makes_of_ordinary_characters():
    from latexcodec.codec import _LATEX_UNICODE_TABLE  # private: this test notices if a new version adds any

    ligatures = ["".join(token.text for token in key) for key in _LATEX_UNICODE_TABLE.unicode_map
                 if all(token.name in ("chars", "space") for token in key)]
    assert "--" in ligatures  # the table is the one the shortcut was written against
    for text in ligatures:
        assert citations._NOT_PLAIN_LATEX_RE.search(f"a{text}b"), text


def test_plain_latex_reads_as_pybtex_reads_it():
    fields = random_strings(list("ab -'`!?,.:;<>\"\\{}%#$~\t\n\r\xa0éſ—&^_") + ["--", "``", "''", "  ", "\\'e"],
                            n=40_000, longest=8, seed=3)
    fields += ["", " ", "a ", " a", "a  b", "Caf\\'e", "{Braces}", "x~y", "50%", "a -- b", "Pages 1-2",
               "``q''", "!`", "?`", ",,", "a,,b", "Routledge", "Scottish Institute for Policing Research"]

    def read(from_latex, field):
        try:
            return repr(from_latex(field))
        except Exception as exc:  # noqa: BLE001 - unbalanced braces, a lone backslash: the same error either way
            return f"raised {type(exc).__name__}: {exc}"

    plain = 0
    for field in fields:
        assert read(citations.rich, field) == read(Text.from_latex, field), repr(field)
        plain += citations._NOT_PLAIN_LATEX_RE.search(field) is None
    assert plain > 5_000


def test_the_name_style_reads_names_as_pybtex_lastfirst_does():
    from pybtex.backends.html import Backend as HtmlBackend
    from pybtex.database import Person
    from pybtex.style.names.lastfirst import NameStyle as PybtexLastFirst

    names = ["Morse, R. S.", "Huxham", "de la Vall{\\'e}e Poussin, Charles Louis", "O'Neill, M.", "{Police Scotland}",
             "McCarthy, Jr, D. J.", "van Beethoven, Ludwig", "Caf\\'e, {\\AA}se", "Smith--Jones, A.", "Ng, X~Y"]
    names += random_strings(list("ab ,.-{}\\'~é"), n=2_000, longest=10, seed=4)
    compared = 0
    for name in names:
        try:
            person = Person(name)
        except Exception:  # noqa: BLE001 - pybtex cannot read it as a name at all; neither style sees it
            continue
        for abbr in (False, True):
            def formatted(style):
                try:
                    return style.format(person, abbr).format().render(HtmlBackend())
                except Exception as exc:  # noqa: BLE001 - unbalanced braces: the same error either way
                    return f"raised {type(exc).__name__}: {exc}"

            assert formatted(citations.LastFirstNames()) == formatted(PybtexLastFirst()), repr(name)
            compared += 1
    assert compared > 2_000


def test_the_style_plugins_given_as_classes_are_the_ones_pybtex_finds_by_name():
    from pybtex.plugin import find_plugin

    style = citations.AuthorYearStyle()
    assert type(style.name_style) is citations.LastFirstNames  # pybtex's "lastfirst", compared above
    assert type(style.label_style) is find_plugin("pybtex.style.labels")
    assert type(style.sorting_style) is find_plugin("pybtex.style.sorting", "author_year_title")
    assert citations.BibTeXParser is find_plugin("pybtex.database.input", "bibtex")


# --------------------------------------------------------------------------- front matter

FRONT_MATTER_TEXTS = [
    "", "---", "---\n", "---\n---", "---\n---\n", "---\n...\nbody", "--- \na: 1\n---  \nbody\n", "---\na: b\n",
    "text\n---\na: b\n---\n", "---\na: b\n---\n---\nmore", "---\n\n\n---\n\n", "---\na: 'x\n---\nbody",
    "---\ntitle: Road Safety\nservices:\n  - SFRS\n---\n# T\n", "---x\na: b\n---\n", "\n---\na: b\n---\n",
]
YAML_BLOCKS = [
    "title: Road Safety", "title: 'Road Safety'", 'title: "2018: a review"', "title: 2018", "title: 2018-01-01",
    "title: yes", "title: null", "title:", "title: ~", "services: [SFRS, Police Scotland]", "services: []",
    "a: {b: c, d: [e, f]}", "a: &x [p, q]\nb: *x", "a: &x p\nb: *x", "base: &b {x: y}\nm:\n  <<: *b\n  z: w",
    "a: !!str 12", "a: !!python/object/apply:os.system ['true']", "a: b\na: c", "? [k]\n: v", "1: x", "- a\n- b",
    "just text", "a: |\n  two\n  lines", "a: >\n  folded\n  text", "'quoted key': v", "a: b\nb: {c: {c: d}}",
    "terms:\n  SFRS: Scottish Fire and Rescue Service\n  CPP: Community Planning Partnership",
    "a: [x, [y, {z: w}]]", "a: 1.5", "a: 0x1f", "a: .inf", "a: =", "=: a", "a:\n\t- b",
]


def test_front_matter_is_split_as_by_splitting_the_whole_text():
    texts = FRONT_MATTER_TEXTS + [text for _, text in real_sources()] + random_strings(
        ["---", "--- ", "...", "a: 1", "b: [x]", "", " ", "text", "\t", "c: 'q", "\n", "\n", "\n"],
        n=20_000, longest=10, seed=4)
    for text in texts:
        fast_diags, reference_diags = Diagnostics(), Diagnostics()
        fast, reference = frontmatter.split(text, "p.md", fast_diags), reference_split(text, "p.md", reference_diags)
        assert canonical(fast) == canonical(reference), repr(text)
        assert fast_diags.items == reference_diags.items, repr(text)


def outcome(compute):
    """The canonical form of what ``compute()`` returns, or of the exception it raises."""
    try:
        return canonical(compute())
    except Exception as exc:  # noqa: BLE001 - compared, not handled: both ways must raise the same
        return "raised", type(exc).__name__, str(exc)


def test_text_only_front_matter_is_what_the_yaml_constructor_builds(monkeypatch):
    blocks = YAML_BLOCKS + [block for _, text in real_sources() if (block := front_matter_block(text))]
    loaders = [frontmatter._StrictLoader] + ([frontmatter._FastStrictLoader] if frontmatter._FastStrictLoader else [])
    built_directly = 0
    for block in blocks:
        for loader_class in loaders:
            with monkeypatch.context() as m:
                m.setattr(frontmatter, "_text_data", lambda node, seen: None)
                reference = outcome(partial(lambda lc, b: frontmatter._load(lc, b)[1], loader_class, block))
                reference_diags = Diagnostics()
                reference_fm = outcome(partial(parse_block, block, "p.md", 2, reference_diags))
            assert outcome(partial(lambda lc, b: frontmatter._load(lc, b)[1], loader_class, block)) == reference, (
                block, loader_class)
            fm_diags = Diagnostics()
            assert outcome(partial(parse_block, block, "p.md", 2, fm_diags)) == reference_fm, block
            assert fm_diags.items == reference_diags.items, block
        with contextlib.suppress(yaml.YAMLError):
            node = frontmatter._StrictLoader(block).get_single_node()
            built_directly += node is not None and frontmatter._text_data(node, set()) is not None
    assert built_directly >= 10
    for loader_class in loaders:  # an alias stays one object shared by its uses, as the constructor makes it
        data = frontmatter._load(loader_class, "a: &x [p, q]\nb: *x")[1]
        assert data == {"a": ["p", "q"], "b": ["p", "q"]} and data["a"] is data["b"]


def test_line_endings_are_normalised_as_before():
    for text in ["a\r\nb\rc\n", "\ufeffa\r\n", "\ufeff", "plain\n", "", "\r", "\r\n\r\n", "a\u2028b"]:
        assert frontmatter.normalise_text(text) == reference_normalise_text(text), repr(text)


# --------------------------------------------------------------------------- checks and the knowledge graph

def test_declarations_and_emphasis_are_stripped_as_before():
    texts = [frontmatter.split(text, p, Diagnostics()).body for p, text in real_sources()]
    texts += [CONCLUSIONS, PRACTICES, INTRO, "**a** __b__ *c* a*b*c _d_ * e", "x {#lesson:a}\n\n  {#area:b}  \ny"]
    texts += random_strings(["*", "**", "_", "__", " ", "a", "é", "\n", "{#lesson:x}", "{#", "}", "> ", "- ", "[@k]",
                             "[w][vignette:x]", "[w]{#quote}", "‘", "”"], n=40_000, longest=10, seed=6)
    for text in texts:
        assert dialect.strip_declarations(text) == reference_strip_declarations(text), repr(text)
        assert lessonlinks._plain.__wrapped__(text) == reference_plain(text), repr(text)


@pytest.mark.parametrize("enabled", [True, False])
def test_loading_leaves_the_cycle_collector_as_it_found_it(tmp_path, monkeypatch, enabled):
    root = write_project(tmp_path, {})
    during = []
    build_entities = entities.build_entities

    def watched(*args):
        during.append(gc.isenabled())
        build_entities(*args)

    monkeypatch.setattr(loader, "build_entities", watched)
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        loader.load_knowledge(root)
        assert gc.isenabled() is enabled
        monkeypatch.setattr(citations, "load_sources", lambda *a: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            loader.load_knowledge(root)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
    assert during == [False]


# --------------------------------------------------------------------------- whole projects, both ways

AWKWARD_BIB = MINI_BIB + r"""
@string{hmso = {HMSO}}
@book{schon1983,
  author = {Sch{\"o}n, Donald A. and van der Berg, Jr, J. and {\v S}koda, J. and Ca{\~n}ada, M.},
  title = {{\'E}tudes on Stra{\ss}e -- a caf\'e at {\aa}: ``quoted'' and 50\% done},
  year = {1983},
  publisher = hmso,
  address = "Oxon  and   London"
}
@techreport{gov2017, author = {{Scottish Government}}, title = {Beta~report, 1--2}, year = {2017},
  institution = {Scottish Government}, url = {http://example.org/a_b%20c}}
@techreport{gov2017b, author = {{Scottish Government}}, title = {Alpha}, year = {2017}, month = jun}
@misc{noauthor, title = {  Leading and trailing  }, year = {2001}, organization = {O'Neill  Ltd}}
"""

AWKWARD_INDEX = """\
# Home { #start }

See [][vignette:road-safety], [the practices](practices.md#evaluating-prevention), [end](practices.md#the-end),
[nowhere](practices.md#nowhere), [Images](img.png) and [@huxham2005; see @schon1983, p. 3] [-@gov2017]
[@gov2017b] [@noauthor] [][lesson:quality] [][area:b].

```python
[@notakey] <script> {#lesson:in-code}
```

~~~~
``` still code [@notakey]
~~~~

Inline `code [@alsonot] <script>` and ``double `tick` javascript:`` text.

<SCRIPT>x</SCRIPT> <a href="JavaScript:go()">x</a> <img src=x ONERROR=y> JAVAſCRIPT: and n < 4, y = 2: fine.

## Findings

> 'An extract.'
>
> — B12 partner

## Findings

Words *and* __more__ a*b* ‘quoted’ [w]{#quote} and [more (B12)]{#quote} [as a span]{#lesson:span}.

- **Not a lesson** {#lesson:misplaced}
- item {#area:z}
"""

AWKWARD_PRACTICES = PRACTICES + "\n## The end\n\nLast words. {#the-end}\n"


def awkward_project(root: Path) -> Path:
    crlf_bom = lambda text: ("\ufeff" + text).replace("\n", "\r\n").encode("utf-8")  # noqa: E731
    return write_project(root, {
        "content/index.md": AWKWARD_INDEX,
        "content/conclusions.md": crlf_bom(CONCLUSIONS),
        "content/practices.md": AWKWARD_PRACTICES,
        "content/introduction.md": INTRO,
        "content/glossary.md": "---\nterms: &t\n  SFRS: Scottish Fire and Rescue Service\n  CPP: Community Planning "
                               "Partnership\ndescription: \"2018: a review\"\n...\n# Glossary\n\nTerms.\n",
        "content/about.md": "---\ndescription: 2018-01-01\nterms: [x]\n---\n# About\n\n# Again\n",
        "content/broken.md": "---\ndescription: 'open\n---\nNo title.\n",
        "content/unclosed.md": "---\ndescription: x\n",
        "content/deep/page.md": "# Deep\n\n[up](../index.md#start) [bad](../index.md#nope)\n",
        "vignettes/road-safety.md": VIGNETTE,
        "vignettes/copied.md": MINI_VIGNETTE.replace("title: Road Safety", "title: &t 'Copied'\nalias: *t"),
        "vignettes/Bad_Name.md": MINI_VIGNETTE.replace("number: I", "number: II").replace("area: B", "area: E"),
        "vignettes/no-front-matter.md": "Just text [@morse2010].\n",
        "references/references.bib": AWKWARD_BIB,
    })


def load_both_ways(root: Path, monkeypatch, layout: Layout = Layout()):
    # cache=False: each load computes, the shortcuts once and the references once (tests/test_load_cache.py
    # shows that a load from the cache gives the same).
    fast = project.load_project(root, layout, cache=False)
    with monkeypatch.context() as m:
        use_references(m)
        reference = project.load_project(root, layout, cache=False)
    return fast, reference


def assert_same_load(fast, reference):
    (fast_kb, fast_diags), (reference_kb, reference_diags) = fast, reference
    assert [str(d) for d in fast_diags.items] == [str(d) for d in reference_diags.items]
    assert canonical(fast_diags) == canonical(reference_diags)
    assert canonical(fast_kb) == canonical(reference_kb)


def test_the_real_report_loads_the_same_both_ways(monkeypatch):
    fast, reference = load_both_ways(REPO, monkeypatch)
    assert len(fast[0].documents) > 10 and fast[0].sources and fast[0].lesson_links  # it was read
    assert_same_load(fast, reference)


def test_an_awkward_project_loads_the_same_both_ways(tmp_path, monkeypatch):
    fast, reference = load_both_ways(awkward_project(tmp_path), monkeypatch)
    codes = {d.code for d in fast[1].items}
    assert {"html.unsafe", "link.missing-anchor", "heading.duplicate-anchor", "frontmatter.yaml",
            "frontmatter.unclosed", "vignette.area", "entity.placement", "area.unknown", "quote.no-code",
            "frontmatter.type", "vignette.slug", "term.unused"} <= codes  # it was awkward
    assert_same_load(fast, reference)


def test_a_synthetic_project_loads_the_same_both_ways(tmp_path, monkeypatch):
    fast, reference = load_both_ways(synthetic.write_project(tmp_path / "n40", 40, lessons=8), monkeypatch,
                                     synthetic.LAYOUT)
    assert len(fast[0].vignettes) == 40 and len(fast[0].lesson_links) == 8
    assert_same_load(fast, reference)
