"""The generator's work grows linearly with the report: nothing quadratic in loading, cross-references,
backlinks, citations or generated pages. Proved by counting, not by timing (issue #7).

Synthetic projects of N, 2N and 4N vignettes (``bench/synthetic.py``: every vignette cites, links to
a lesson, an area and its neighbours, declares a prevention example and quotes; N/5 lessons, every
fifth vignette illustrating one; a bibliography of N/4 entries) are loaded and every page is compiled
as the MkDocs plugin does it: ``load_project``, then for each page the compile step (``Compiler``, links
checked), the placing of what its HTML held at its lines, and the page's metadata; then the links'
anchors across pages, and the open data. Three deterministic counters:

- ``iterations``: elements yielded by every loop over the knowledge base's collections (documents,
  vignettes, lessons, lesson links, examples, quotes, sources, entities, backlinks …), counted by
  the collections themselves. A lookup that scans a collection once per entity makes this grow as
  N², however small its constant: it is the sharp test of cross-reference and backlink resolution.
- ``lines``: lines of the generator's own code executed (``sys.settrace``, frames whose code lives
  under ``generator/``, which includes comprehensions and the compiled Jinja templates);
- ``calls``: every Python and C function call anywhere (``sys.setprofile``), so that work we cause in
  libraries (Python-Markdown, Jinja, pybtex, YAML) counts too.

Linear work has equal increments from N to 2N and from 2N to 4N; quadratic work makes the second
twice the first. What counting cannot see is a scan inside one C call (``x in a_tuple``,
``list.index``): those on these paths were removed by hand (see BENCHMARKS.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import synthetic  # noqa: E402
from generator.compile.project import load_project  # noqa: E402
from generator.knowledge import loader, model  # noqa: E402
from generator.compile.compiler import Compiler  # noqa: E402
from generator.compile.htmlcheck import diagnostics as html_problems  # noqa: E402
from generator.compile.sitelinks import SiteLinks  # noqa: E402
from generator.knowledge.sitemap import generated_page_paths  # noqa: E402
from generator.outputs.data import data_files  # noqa: E402
from generator.outputs.pagemeta import page_metadata  # noqa: E402
from generator.outputs.pdf import BASE_EXTENSIONS  # noqa: E402

pytestmark = pytest.mark.slow  # a tenth of the suite's time: `make test` leaves it to CI and `make test-all`

OURS = str(REPO / "generator") + "/"
SIZES = (20, 40, 80)  # vignettes; multiples of 20 so that every kind of vignette occurs as often
SLACK = 1.05  # allowed excess of the second increment over the first (longer numerals and ids)


def build_everything(root: Path) -> int:
    """Load the project and compile every page, as the MkDocs plugin does; returns the page count."""
    kb, diags = load_project(root, synthetic.LAYOUT)
    diags.raise_if_any(strict=True)
    pages = [*kb.documents, *sorted(generated_page_paths(kb))]
    compiler = Compiler(kb, BASE_EXTENSIONS, links=SiteLinks(frozenset(pages)), defer_unindexed=True, marked=True)
    compiled = {page: compiler.compile(page) for page in pages}
    for page, result in compiled.items():
        assert not result.problems and not result.link_problems, (result.problems, result.link_problems)
        assert not html_problems(kb, page, result.unsafe)
        assert page_metadata(kb, page, None, None, result.dialect)["description"]
    assert not compiler.anchor_problems(compiled)
    assert data_files(kb, None)
    return len(pages)


# --------------------------------------------------------------------------- iterations over the knowledge base

class Iterations:
    count = 0


def _counted(iterator):
    for item in iterator:
        Iterations.count += 1
        yield item


class CountingDict(dict):
    def __iter__(self):
        return _counted(dict.__iter__(self))

    def keys(self):
        return _counted(dict.keys(self))

    def values(self):
        return _counted(dict.values(self))

    def items(self):
        return _counted(dict.items(self))


class CountingList(list):
    def __iter__(self):
        return _counted(list.__iter__(self))


def counting_knowledge_base() -> model.KnowledgeBase:
    kb = model.KnowledgeBase()
    for name, value in vars(kb).items():
        setattr(kb, name, CountingDict() if isinstance(value, dict) else CountingList())
    return kb


def count_iterations(root: Path, monkeypatch) -> int:
    monkeypatch.setattr(loader, "KnowledgeBase", counting_knowledge_base)
    Iterations.count = 0
    build_everything(root)
    return Iterations.count


# --------------------------------------------------------------------------- lines and calls

def count_lines_and_calls(root: Path) -> dict[str, int]:
    counts = {"lines": 0, "calls": 0}

    def local(frame, event, arg):
        if event == "line":
            counts["lines"] += 1
        return local

    def tracer(frame, event, arg):
        return local if frame.f_code.co_filename.startswith(OURS) else None

    def profiler(frame, event, arg):
        if event == "call" or event == "c_call":
            counts["calls"] += 1

    sys.settrace(tracer)
    sys.setprofile(profiler)
    try:
        counts["pages"] = build_everything(root)
    finally:
        sys.settrace(None)
        sys.setprofile(None)
    return counts


@pytest.fixture(scope="module")
def projects(tmp_path_factory):
    work = tmp_path_factory.mktemp("scaling")
    build_everything(synthetic.write_project(work / "warm-up", 4))  # compile templates, fill caches
    return {n: synthetic.write_project(work / f"n{n}", n, lessons=n // 5) for n in SIZES}


def linear(counts: dict[int, int]) -> bool:
    """N -> 2N adds N vignettes' work and 2N -> 4N adds 2N: linear work adds exactly twice as much."""
    small, middle, large = (counts[n] for n in SIZES)
    return large - middle <= 2 * (middle - small) * SLACK


def test_loops_over_the_knowledge_base_grow_linearly(projects, monkeypatch):
    counts = {n: count_iterations(root, monkeypatch) for n, root in projects.items()}
    assert linear(counts), counts
    assert counts[SIZES[-1]] <= 4 * counts[SIZES[0]] * SLACK, counts


def test_lines_of_our_code_and_all_calls_grow_linearly(projects):
    counts = {n: count_lines_and_calls(root) for n, root in projects.items()}
    for what in ("lines", "calls"):
        assert linear({n: c[what] for n, c in counts.items()}), (what, counts)
    assert counts[SIZES[-1]]["pages"] > SIZES[-1]  # every vignette page, and the others, were rendered


def test_the_count_catches_a_lookup_that_scans_every_example(projects, monkeypatch):
    """The method sees quadratic work: put back a scan of every example for each vignette's lookup."""
    def examples_of(self, vignette_id):
        return [e for e in self.examples.values() if vignette_id in e.vignettes]

    monkeypatch.setattr(model.KnowledgeBase, "examples_of", examples_of)
    counts = {n: count_iterations(root, monkeypatch) for n, root in projects.items()}
    assert not linear(counts), counts
