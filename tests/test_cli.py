"""The command line as a maintainer uses it: check, build, and a failed build that changes nothing."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

from conftest import REPO, copy_project, run_cli, write_mkdocs_site, write_project


def tree_digest(folder):
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        h.update(p.relative_to(folder).as_posix().encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


def test_check_reports_every_problem_with_its_place_and_fails(tmp_path):
    write_project(tmp_path, {"content/index.md": "# Home\n\n[@nokey] [][vignette:road-safety] [@huxham2005]\n",
                             "content/about.md": "# About\n\n[@morse201]\n"})
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "content/about.md:3: unknown citation key 'morse201' — no entry with this key in references/*.bib. "
        "Did you mean 'morse2010'? [citation.unknown-key]",
        "content/index.md:3: unknown citation key 'nokey' — no entry with this key in references/*.bib. "
        "[citation.unknown-key]",
        "2 problems found; nothing was built.",
    ]
    assert "Traceback" not in result.stderr


def test_check_passes_on_a_valid_project(tmp_path):
    result = run_cli("check", cwd=write_project(tmp_path, {}))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: 2 pages, 1 vignettes, 0 lessons, 0 prevention examples, 0 areas, 0 quotes, "
                                    "0 terms, 2 sources, 2 citations checked in ")


def test_build_writes_the_site_and_a_failed_build_keeps_the_previous_one(tmp_path):
    root = write_mkdocs_site(tmp_path)
    first = run_cli("build", cwd=root)
    assert first.returncode == 0, first.stdout + first.stderr
    site = root / "site"
    assert first.stdout.splitlines()[-1] == f"site written to {site}"
    assert ".site-new-" not in first.stdout + first.stderr  # the temporary folder it was built in
    assert (site / "vignettes" / "road-safety" / "index.html").is_file()
    assert (site / "references" / "index.html").is_file()
    before = tree_digest(site)

    (root / "vignettes" / "road-safety.md").write_text("---\nnumber: I\narea: E\n---\n", encoding="utf-8")
    second = run_cli("build", cwd=root)
    assert second.returncode == 1
    assert "vignettes/road-safety.md:1: missing field 'title'" in second.stderr
    assert tree_digest(site) == before
    assert sorted(p.name for p in root.iterdir() if p.name.startswith(".site")) == []


def test_a_broken_link_fails_the_strict_build_and_keeps_the_site(tmp_path, mini_site):
    root = copy_project(mini_site, tmp_path)
    before = tree_digest(root / "site")
    (root / "content" / "about.md").write_text("# About\n\nSee [the missing page](nowhere.md).\n", encoding="utf-8")
    result = run_cli("build", cwd=root)
    assert result.returncode == 1
    assert "nowhere.md" in result.stderr + result.stdout
    assert tree_digest(root / "site") == before


def test_pdf_alone_into_the_site_keeps_its_checksums_true(tmp_path, mini_site):
    root = copy_project(mini_site, tmp_path)
    pdf = next((root / "site" / "downloads").glob("*.pdf"))
    pdf.write_bytes(b"stale")  # as if the sources changed since the site was built
    result = run_cli("pdf", cwd=root)
    assert result.returncode == 0, result.stderr
    check = subprocess.run(["sha256sum", "--check", "--quiet", "SHA256SUMS"], cwd=root / "site",
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_pdf_that_cannot_be_written_there_is_an_error_not_a_traceback(tmp_path):
    root = write_mkdocs_site(tmp_path)
    (root / "a-file").write_text("not a folder\n", encoding="utf-8")
    result = run_cli("pdf", "--out", str(root / "a-file" / "report.pdf"), cwd=root)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"error: {root / 'a-file'}" in result.stderr and "the PDF cannot be written there" in result.stderr


BUGGY_CHECK = ("import sys, generator.cli as cli; cli.check = lambda root: 1 / 0; "
               "from generator.entry import main; sys.exit(main(sys.argv[1:]))")


def test_a_bug_in_the_generator_is_one_line_for_the_reader_and_a_traceback_with_report_debug(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "REPORT_DEBUG"}
    result = subprocess.run([sys.executable, "-c", BUGGY_CHECK, "--root", str(tmp_path), "check"], env=env,
                            capture_output=True, text=True, cwd=REPO)
    assert (result.returncode, result.stderr) == (70, (
        "error: the generator failed (ZeroDivisionError: division by zero) — this is a bug in it, not in the sources. "
        "Run again with REPORT_DEBUG=1 to see where, and please report it.\n"))
    result = subprocess.run([sys.executable, "-c", BUGGY_CHECK, "--root", str(tmp_path), "check"],
                            env={**env, "REPORT_DEBUG": "1"}, capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 1
    assert result.stderr.startswith("Traceback (most recent call last):")
    assert result.stderr.endswith("ZeroDivisionError: division by zero\n")
