"""The load cache (``<root>/.cache/load/``): a rebuild reads again only the files that changed, and gives
exactly what a load without the cache gives — the same knowledge base, the same problems, in the same order.

Which of the cached computations ran is watched with ``sys.setprofile`` (``frontmatter.split`` with the
file it read, ``scan.scan``, the bibliography's formatting).
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import shutil
import sys
from collections import Counter
from pathlib import Path

import pytest

from conftest import MINI_BIB, REPO, write_project
from generator.common import files
from generator.common.project import Layout
from generator.knowledge import citations, loader
from generator.knowledge import loadcache
from generator.sources import frontmatter, scan
from generator.sources.scan import Heading
from test_load_equivalence import assert_same_load, awkward_project

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from bench import synthetic  # noqa: E402

WORK = {frontmatter.split.__code__: "split", scan.scan.__code__: "scan", citations._format_all.__code__: "bibliography"}
DOCUMENTS = Path(".cache/load/documents.pickle")
BIBLIOGRAPHY = Path(".cache/load/bibliography.pickle")


def load(root: Path, layout: Layout = Layout(), **kwargs):
    """``load_project(root)``, and what of the cacheable work it did: {"split": [files], "scan": n, …}."""
    ran: Counter = Counter()
    split: list[str] = []

    def profile(frame, event, arg):
        if event == "call" and frame.f_code in WORK:
            ran[WORK[frame.f_code]] += 1
            if WORK[frame.f_code] == "split":
                split.append(frame.f_locals["path"])

    sys.setprofile(profile)
    try:
        result = loader.load_knowledge(root, layout, **kwargs)
    finally:
        sys.setprofile(None)
    return result, {"split": sorted(split), "scan": ran["scan"], "bibliography": ran["bibliography"]}


def markdown_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.md") if ".cache" not in p.parts)


def cached_paths(root: Path) -> set[str]:
    with open(root / DOCUMENTS, "rb") as f:
        return set(pickle.load(f)[2])


def poison(root: Path, rel: str, title: str) -> None:
    """Rewrite the cached scan of ``rel`` so that its first heading reads ``title`` (the entry's key and the
    file's fingerprint unchanged): what a stale entry would look like, were one ever used."""
    with open(root / DOCUMENTS, "rb") as f:
        form, code, entries = pickle.load(f)
    digest, data = entries[rel]
    *split, found = pickle.loads(data)
    headings = (Heading(1, title, found.headings[0].line, "stale"),) + found.headings[1:]
    entries[rel] = digest, pickle.dumps((*split, dataclasses.replace(found, headings=headings)))
    with open(root / DOCUMENTS, "wb") as f:
        pickle.dump((form, code, entries), f)


@pytest.fixture
def project(tmp_path):
    return write_project(tmp_path, {"content/more.md": "# More\n\nSee [@morse2010].\n"})


@pytest.fixture
def real_report(tmp_path):
    """A copy of the real report's sources, so that its cache starts empty."""
    for folder in ("content", "vignettes", "references"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    return tmp_path


# --------------------------------------------------------------------------- same result, less work

def assert_warm_is_cold(root: Path, layout: Layout = Layout()) -> None:
    cold, cold_work = load(root, layout, cache=False)
    first, first_work = load(root, layout)
    warm, warm_work = load(root, layout)
    assert first_work == cold_work and cold_work["split"] == markdown_files(root)  # the first load reads all
    assert (root / DOCUMENTS).is_file() and (root / BIBLIOGRAPHY).is_file()
    assert warm_work == {"split": [], "scan": 0, "bibliography": 0}  # the second reads nothing again
    assert_same_load(first, cold)
    assert_same_load(warm, cold)


def test_the_real_report_loads_the_same_from_the_cache_without_reading_a_file_again(real_report):
    assert_warm_is_cold(real_report)
    kb, diags = load(real_report)[0]
    assert len(kb.documents) > 10 and kb.sources and not diags.items  # it was read, and is clean


def test_a_synthetic_project_loads_the_same_from_the_cache(tmp_path):
    root = synthetic.write_project(tmp_path / "n40", 40, lessons=8)
    assert_warm_is_cold(root, synthetic.LAYOUT)
    assert len(load(root, synthetic.LAYOUT)[0][0].vignettes) == 40


def test_a_project_full_of_problems_reports_the_same_problems_from_the_cache(tmp_path):
    root = awkward_project(tmp_path)
    (root / "content/vignettes").mkdir()  # the same page twice: vignettes/road-safety.md is read, but loses
    (root / "content/vignettes/road-safety.md").write_text("# Twice\n\nSee [@morse2010].\n", encoding="utf-8")
    cold, _ = load(root, cache=False)
    load(root)
    warm, work = load(root)
    assert_same_load(warm, cold)
    assert {"frontmatter.yaml", "frontmatter.unclosed", "page.duplicate"} <= {
        d.code for d in warm[1].items}
    # Only the files whose front matter has a problem are read again: the others come from the cache.
    assert work["split"] == ["content/broken.md", "content/unclosed.md"]


# --------------------------------------------------------------------------- edits

def test_an_edited_file_is_read_again_and_only_it(project):
    load(project)
    (project / "content/more.md").write_text("# Further reading\n\nSee [@huxham2005].\n", encoding="utf-8")
    vignette = project / "vignettes/road-safety.md"
    vignette.write_text(vignette.read_text().replace("## Why was", "## Why exactly was"), encoding="utf-8")
    (kb, diags), work = load(project)
    assert work["split"] == ["content/more.md", "vignettes/road-safety.md"] and work["bibliography"] == 0
    assert kb.documents["more.md"].title == "Further reading"
    assert [i.key for c in kb.documents["more.md"].citations for i in c.items] == ["huxham2005"]
    assert [h.text for h in kb.documents["vignettes/road-safety.md"].headings] == [
        "Why exactly was this initiative needed?"]
    assert_same_load((kb, diags), load(project, cache=False)[0])


def test_an_edited_front_matter_title_shows(project):
    load(project)
    vignette = project / "vignettes/road-safety.md"
    vignette.write_text(vignette.read_text().replace("title: Road Safety", "title: Safer Roads"), encoding="utf-8")
    kb, _ = load(project)[0]
    assert kb.vignettes["vignette:road-safety"].title == "Safer Roads"


def test_an_edited_bibliography_is_formatted_again(project):
    load(project)
    bib = project / "references/references.bib"
    bib.write_text(MINI_BIB.replace("Managing to collaborate", "Managing to collaborate, revised"), encoding="utf-8")
    (kb, _), work = load(project)
    assert work["bibliography"] == 1 and work["split"] == []
    assert "Managing to collaborate, revised" in kb.sources["huxham2005"].reference_text
    bib.write_text(MINI_BIB, encoding="utf-8")  # back as it was: the cache holds only the latest
    (kb, _), work = load(project)
    assert work["bibliography"] == 1 and "revised" not in kb.sources["huxham2005"].reference_text


# --------------------------------------------------------------------------- problems are never hidden

def test_a_front_matter_problem_is_reported_on_every_load(project):
    broken = "---\nnumber: I\ntitle: 'Road Safety\narea: B\n---\nBody\n"
    (project / "vignettes/road-safety.md").write_text(broken, encoding="utf-8")
    loads = [load(project) for _ in range(3)]
    reported = [[str(d) for d in diags.items if d.code == "frontmatter.yaml"] for (_, diags), _ in loads]
    assert reported[0] == ["vignettes/road-safety.md:3: front matter is not valid YAML: found unexpected end of "
                           "stream — a quoted value is not closed. Add the closing quote. [frontmatter.yaml]"]
    assert reported[1] == reported[0] and reported[2] == reported[0]
    assert [work["split"] for _, work in loads[1:]] == [["vignettes/road-safety.md"]] * 2


@pytest.mark.parametrize("bib, code", [
    (MINI_BIB + "\n@book{huxham2005, title = {Again}, year = {2006}, publisher = {P}}\n", "bibtex.duplicate-key"),
    (MINI_BIB + "\n@book{broken, title = {Unclosed, year = {2006}\n", "bibtex.syntax"),
    (MINI_BIB + "\n@article{partial, author = {A, B.}, year = {2001}, journal = {J}}\n", "bibtex.incomplete"),
    (MINI_BIB.encode("utf-8") + b"\n% caf\xe9\n", "file.encoding"),
], ids=["duplicate key", "syntax", "incomplete", "not UTF-8"])
def test_a_bibtex_problem_is_reported_on_every_load(tmp_path, bib, code):
    root = write_project(tmp_path, {"references/references.bib": bib})
    loads = [load(root) for _ in range(2)]
    first, second = ([str(d) for d in diags.items] for (_, diags), _ in loads)
    assert any(f"[{code}]" in line for line in first)
    assert second == first
    assert loads[1][1]["bibliography"] == 1  # formatted again


# --------------------------------------------------------------------------- the cache's own failures

def assert_ignored(root: Path, expected, *, rewritten: bool = True) -> None:
    result, work = load(root)
    assert_same_load(result, expected)
    assert work["split"] == markdown_files(root)  # computed, as without the cache
    if rewritten:  # and kept again, whole, for the next load
        assert load(root)[1] == {"split": [], "scan": 0, "bibliography": 0}


@pytest.mark.parametrize("damage", [
    b"", b"not a pickle", b"\x80\x05\x95", pickle.dumps({"a": 1}), pickle.dumps(("report-load-cache 1", b"x", [])),
], ids=["empty", "text", "cut short", "another shape", "another format"])
def test_a_corrupt_cache_file_is_ignored(project, damage):
    expected = load(project, cache=False)[0]
    load(project)
    (project / DOCUMENTS).write_bytes(damage)
    (project / BIBLIOGRAPHY).write_bytes(damage)
    assert_ignored(project, expected)


class Touch:
    """Unpickled, it would create a file."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return Path.touch, (Path(self.path),)


@pytest.mark.parametrize("damage", [
    lambda data, marker: data[: len(data) // 2],  # cut short
    lambda data, marker: pickle.dumps(("not", "a document")),  # of another shape
    lambda data, marker: pickle.dumps(Heading(1, "x", 1)),
    lambda data, marker: pickle.dumps(Touch(marker)),  # code, were it run
], ids=["cut short", "another shape", "another dataclass", "code"])
def test_a_damaged_cache_entry_is_ignored_and_never_runs_code(project, tmp_path, damage):
    expected = load(project, cache=False)[0]
    load(project)
    marker = tmp_path / "ran"
    with open(project / DOCUMENTS, "rb") as f:
        form, code, entries = pickle.load(f)
    entries = {rel: (digest, damage(data, marker)) for rel, (digest, data) in entries.items()}
    with open(project / DOCUMENTS, "wb") as f:
        pickle.dump((form, code, entries), f)
    assert_ignored(project, expected)
    assert not marker.exists()


def test_an_unreadable_cache_file_is_ignored(project):
    expected = load(project, cache=False)[0]
    (project / DOCUMENTS).mkdir(parents=True)  # a folder where the file should be: it can be neither read nor written
    assert_ignored(project, expected, rewritten=False)


def test_a_cache_folder_that_cannot_be_written_is_ignored(project):
    expected = load(project, cache=False)[0]
    (project / ".cache").write_text("not a folder")
    assert_ignored(project, expected, rewritten=False)
    assert_ignored(project, expected, rewritten=False)
    assert (project / ".cache").read_text() == "not a folder"


def test_a_full_disk_is_ignored_and_leaves_no_temporary_file(project, monkeypatch):
    expected = load(project, cache=False)[0]

    def full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", full)
    assert_ignored(project, expected, rewritten=False)
    assert list((project / ".cache" / "load").iterdir()) == []


def test_a_result_that_cannot_be_pickled_is_only_not_kept(project, monkeypatch):
    expected = load(project, cache=False)[0]

    def unpicklable(value, protocol=None):
        raise pickle.PicklingError("cannot pickle")

    monkeypatch.setattr(loadcache.pickle, "dumps", unpicklable)
    assert_ignored(project, expected, rewritten=False)
    assert_ignored(project, expected, rewritten=False)


# --------------------------------------------------------------------------- when the cache is not read

def test_a_cache_written_by_other_code_is_not_used(project, monkeypatch):
    load(project)
    poison(project, "content/more.md", "Stale")
    assert load(project)[0][0].documents["more.md"].title == "Stale"  # the entry is read: the test can tell
    monkeypatch.setattr(loadcache, "fingerprint", lambda: b"the code after an edit to the generator")
    (kb, _), work = load(project)
    assert kb.documents["more.md"].title == "More"
    assert work["split"] == markdown_files(project) and work["bibliography"] == 1
    assert load(project)[1]["split"] == []  # written again under the new fingerprint


def test_report_no_cache_recomputes_and_keeps_the_fresh_result(project, monkeypatch):
    load(project)
    poison(project, "content/more.md", "Stale")
    monkeypatch.setenv("REPORT_NO_CACHE", "1")
    (kb, _), work = load(project)
    assert kb.documents["more.md"].title == "More" and work["split"] == markdown_files(project)
    monkeypatch.setenv("REPORT_NO_CACHE", "0")
    (kb, _), work = load(project)
    assert kb.documents["more.md"].title == "More" and work["split"] == []  # rewritten by the load above


def test_cache_false_neither_reads_nor_writes(project):
    load(project, cache=False)
    assert not (project / ".cache").exists()
    load(project)
    poison(project, "content/more.md", "Stale")
    before = (project / DOCUMENTS).read_bytes()
    (kb, _), work = load(project, cache=False)
    assert kb.documents["more.md"].title == "More" and work["split"] == markdown_files(project)
    assert (project / DOCUMENTS).read_bytes() == before


# --------------------------------------------------------------------------- size

def test_the_cache_holds_only_the_files_of_the_last_load(project):
    extra = {f"content/page-{i}.md": f"# Page {i}\n\n{'Words. ' * 200}\n" for i in range(6)}
    write_project(project, extra)
    load(project)
    assert cached_paths(project) == set(markdown_files(project))
    full = (project / DOCUMENTS).stat().st_size
    for rel in list(extra)[1:]:
        (project / rel).unlink()
    for n in range(3):  # edited again and again: one entry for the file, the latest
        (project / "content/page-0.md").write_text(f"# Page 0, edit {n}\n\n{'Words. ' * 200}\n", encoding="utf-8")
        kb, _ = load(project)[0]
        assert kb.documents["page-0.md"].title == f"Page 0, edit {n}"
    assert cached_paths(project) == set(markdown_files(project)) == {
        "content/index.md", "content/more.md", "content/page-0.md", "vignettes/road-safety.md"}
    assert (project / DOCUMENTS).stat().st_size < full / 2


def test_an_unchanged_project_does_not_rewrite_its_cache(project):
    load(project)
    os.utime(project / DOCUMENTS, (0, 0))
    os.utime(project / BIBLIOGRAPHY, (0, 0))
    load(project)
    assert (project / DOCUMENTS).stat().st_mtime == 0 and (project / BIBLIOGRAPHY).stat().st_mtime == 0
    (project / "content/more.md").write_text("# Changed\n", encoding="utf-8")
    load(project)
    assert (project / DOCUMENTS).stat().st_mtime > 0 and (project / BIBLIOGRAPHY).stat().st_mtime == 0
