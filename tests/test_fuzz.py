"""Fuzzing `report check` with mutations of the report's own sources: whatever a file becomes — cut short,
bytes flipped, lines repeated or lost, hostile text injected, not UTF-8, NUL bytes — the check ends, with
exit status 0 or 1, no traceback, and every problem as `path[:line]: …` of a file of the project.

The mutations are drawn from a seeded generator (the same cases on every run) and each runs under a
watchdog (tests/watchdog.py): a hang fails its case instead of hanging the suite. Most run in a forked
worker that calls generator.cli.check; a few through the `report` command itself. `make test` checks a
sample that holds every kind of mutation, every hostile text and every file (SAMPLE); the rest is
marked slow, for CI and `make test-all`.
"""

from __future__ import annotations

import contextlib
import io
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ALIAS_BOMB, REPO
from generator.cli import check
from generator.common.diagnostics import BuildError
from generator.compile.project import load_project
from generator.outputs.pdf import render_page
from watchdog import TIMEOUT, Watchdog

SEED = 14
SOURCES = sorted([*(p.relative_to(REPO).as_posix() for folder in ("content", "vignettes", "references")
                    for p in sorted((REPO / folder).iterdir()) if p.suffix in (".md", ".bib")), "mkdocs.yml"])
PROBLEM_RE = re.compile(r"(?P<path>[^\s:][^:]*?)(?::(?P<line>\d+))?: \S")
SUMMARY_RE = re.compile(r"(?P<n>\d+) problems? found; nothing was built\.")

# Each shape that made checking or building hang, blow up or fail with a traceback (issue #14), scaled to
# just past the limits that now refuse it — or, for a pattern that was slow, to where it was slow.
HOSTILE = [
    "<a " * 1_200,
    "[" * 1_200,
    "[x](" * 900 + "\n" + "words " * 3_000,
    "\n".join("    " * i + "- item" for i in range(30)),
    "> " * 40 + "quoted",
    "- " * 40 + "listed",
    "\n".join(["***"] * 250),
    "\n".join(["Heading", "-"] * 150),
    "# x" + " " * 9_000 + "y",
    "[" + "@" * 9_000,
    "[@" + "k" * 9_000 + "]",
    "a {#a" * 1_800 + "} x",
    "[x" + " " * 9_000 + "y (A14)]{#quote}",
    "[words]{#example:" + "x" * 9_000 + "}",
    "`" * 9_000, "*a" * 4_500, "\\" * 9_000, "|" * 9_000, "{" * 9_000, "&#" * 4_500,
    "<!--report:island-->\n<script>alert(1)</script>",
    "```\n" * 100,
    "\r" * 50 + "\ufeff" + "\u2028" * 50,
    ALIAS_BOMB,
    "@misc{" * 2_000,
    "@misc{x, title = {" + "{" * 5_000 + "}}",
    "@string{a = a # a}\n@misc{y, title = a # " + "a # " * 2_000 + "a}",
    "nav: [",
    "x: " + "{a: " * 1_100,
]


FRONT = [ALIAS_BOMB, "---\ntitle: &t [x, *t]\n---", "---\ntitle: " + "{a: " * 1_100 + "\n---",
         "---\ntitle: !!python/object/apply:os.system ['touch pwned']\n---"]  # placed as a page's front matter


def _mutants(index: int, rel: str, data: bytes) -> list[tuple[str, bytes]]:
    """What the ``index``-th file becomes: (what was done, the bytes). Where is drawn from a generator seeded
    by the file's name; which hostile texts, in turn, so that each is put into several files."""
    rng = random.Random(f"{SEED}:{rel}")
    lines = data.split(b"\n")

    def at_line(insert: bytes) -> bytes:
        n = rng.randrange(len(lines) + 1)
        return b"\n".join([*lines[:n], insert, *lines[n:]])

    def flip(count: int) -> bytes:
        out = bytearray(data)
        for _ in range(count):
            out[rng.randrange(len(out))] = rng.randrange(256)
        return bytes(out)

    n = rng.randrange(len(lines))
    hostile = [(index * 5 + k) % len(HOSTILE) for k in range(5)]
    return [
        ("cut short", data[:rng.randrange(len(data))]),
        ("bytes flipped", flip(8)),
        (f"line {n + 1} repeated", b"\n".join([*lines[:n + 1], *[lines[n]] * 50, *lines[n + 1:]])),
        (f"line {n + 1} removed", b"\n".join(lines[:n] + lines[n + 1:])),
        ("not UTF-8", at_line(b"caf\xe9 \xff\xfe \xc3")),
        ("NUL bytes", at_line(b"\x00" * 100)),
        *((f"hostile text {h}", at_line(HOSTILE[h].encode())) for h in hostile),
        (f"hostile front matter {index % len(FRONT)}", FRONT[index % len(FRONT)].encode() + b"\n" + data),
    ]


CASES = [(rel, what, mutant) for index, rel in enumerate(SOURCES)
         for what, mutant in _mutants(index, rel, (REPO / rel).read_bytes())]


def _sample(cases: list[tuple[str, str, bytes]]) -> list[int]:
    """The first case of each kind of mutation (each hostile text and front matter a kind of its own) and the
    first of each file."""
    kinds, files, chosen = set(), set(), []
    for n, (rel, what, _) in enumerate(cases):
        kind = re.sub(r"^line \d+ ", "line ", what)
        if kind not in kinds or rel not in files:
            chosen.append(n)
        kinds.add(kind)
        files.add(rel)
    return chosen


SAMPLE = _sample(CASES)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    for folder in ("content", "vignettes", "references"):
        shutil.copytree(REPO / folder, root / folder)
    shutil.copy(REPO / "mkdocs.yml", root)
    return root


def _check(root: Path, rel: str, mutant: bytes) -> tuple[int, str, str]:
    """`report check` on the project with ``rel`` replaced by ``mutant`` (put back afterwards); then the page
    rendered, as `make serve` renders pages with problems (a problem of the page's own is an outcome too)."""
    path = root / rel
    original = path.read_bytes()
    path.write_bytes(mutant)
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = check(root)
        kb, _ = load_project(root)
        page = next((p for p, doc in kb.documents.items() if doc.file == rel), None)
        if page is not None:
            with contextlib.suppress(BuildError):
                render_page(kb, page, frozenset(kb.documents))
    finally:
        path.write_bytes(original)
    return code, out.getvalue(), err.getvalue()


def assert_reported_well(root: Path, code: int, out: str, err: str) -> None:
    assert code in (0, 1)
    assert "Traceback" not in out + err
    if code == 0:
        assert err == "" and out.startswith("ok: ")
        return
    *problems, summary = err.splitlines()
    found = SUMMARY_RE.fullmatch(summary)
    assert found and int(found["n"]) == len(problems), err
    for line in problems:
        where = PROBLEM_RE.match(line)
        assert where, f"not path[:line]: message — {line[:300]}"
        assert (root / where["path"]).exists() and not Path(where["path"]).is_absolute(), line[:300]
        assert where["line"] is None or int(where["line"]) >= 1, line[:300]


def check_survives(root: Path, cases: list[int]) -> None:
    with Watchdog() as run:
        for rel, what, mutant in (CASES[n] for n in cases):
            code, out, err = run(_check, root, rel, mutant, what=f"report check on {rel}, {what}")
            try:
                assert_reported_well(root, code, out, err)
            except AssertionError as failed:
                raise AssertionError(f"{rel}, {what}: {failed}") from None


def test_check_survives_mutations_of_the_real_sources(project):
    assert len(SOURCES) > 10 and len(CASES) == 12 * len(SOURCES)
    assert len(SAMPLE) < len(CASES) / 2
    assert {what for _, what, _ in (CASES[n] for n in SAMPLE)} >= {f"hostile text {h}" for h in range(len(HOSTILE))}
    assert {CASES[n][0] for n in SAMPLE} == set(SOURCES)
    check_survives(project, SAMPLE)


@pytest.mark.slow
def test_check_survives_the_other_mutations_too(project):
    check_survives(project, sorted(set(range(len(CASES))) - set(SAMPLE)))


@pytest.mark.parametrize("case", [0, 6, 8], ids=lambda n: f"{CASES[n][0]}, {CASES[n][1]}")
def test_the_report_command_survives_mutations_too(project, tmp_path, case):
    rel, what, mutant = CASES[case]
    root = tmp_path / "project"
    shutil.copytree(project, root)
    (root / rel).write_bytes(mutant)
    result = subprocess.run([sys.executable, "-m", "generator.entry", "--root", str(root), "check"],
                            capture_output=True, text=True, timeout=TIMEOUT)
    assert_reported_well(root, result.returncode, result.stdout, result.stderr)
