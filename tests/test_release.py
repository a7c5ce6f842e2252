"""What a maintainer relies on to release: reproducible builds, the SHA256SUMS manifest, the version and
build date, the changelog, and GitHub workflows that GitHub will accept."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

import generator
from conftest import EPOCH, REPO, build_real_report, once_per_run
from generator.common import release

@pytest.fixture(scope="session")
def two_builds(built_site, tmp_path_factory) -> tuple[Path, Path]:
    """The real report built twice: from the repository in UTC (the tests' real site), and from a copy of
    it in another folder, in another time zone and locale."""

    def elsewhere(folder: Path) -> None:
        copy = folder / "elsewhere" / "report"
        shutil.copytree(REPO, copy, ignore=shutil.ignore_patterns(
            ".git", ".venv", "site", ".site-*", "node_modules", "tests", "__pycache__", ".*_cache", ".cache",
            "*.egg-info"))
        build_real_report(copy, copy / "public", tz="Pacific/Kiritimati", locale="POSIX")

    second = once_per_run(tmp_path_factory, "elsewhere", elsewhere) / "elsewhere" / "report" / "public"
    return built_site, second


def files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def test_builds_with_source_date_epoch_are_byte_identical_across_folders_time_zones_and_locales(two_builds):
    a, b = (files(site) for site in two_builds)
    assert sorted(a) == sorted(b)
    assert [path for path in a if a[path] != b[path]] == []
    for kind in ("sitemap.xml", "sitemap.xml.gz", "search/search_index.json", "index.html"):
        assert kind in a
    assert any(path.endswith(".pdf") for path in a), "the PDF is part of the release"


def test_sha256sums_lists_every_file_of_the_site_and_checks_out(two_builds):
    site = two_builds[0]
    manifest = (site / "SHA256SUMS").read_text(encoding="utf-8")
    listed = [line.split("  ", 1)[1] for line in manifest.splitlines()]
    assert listed == sorted(p for p in files(site) if p != "SHA256SUMS")
    first = manifest.splitlines()[0]
    digest, path = first.split("  ", 1)
    assert digest == hashlib.sha256((site / path).read_bytes()).hexdigest()
    if shutil.which("sha256sum"):
        check = subprocess.run(["sha256sum", "--check", "--strict", "--quiet", "SHA256SUMS"], cwd=site,
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr


def test_footer_shows_the_version_and_the_utc_build_date(two_builds):
    html = (two_builds[1] / "index.html").read_text(encoding="utf-8")  # built in UTC+14
    footer = html[html.index('<footer'):]
    assert f"Version {generator.__version__}" in footer
    assert "2023-11-14" in footer and "2023-11-15" not in footer


def test_build_date_is_the_utc_day_of_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    time.tzset()
    try:
        assert release.build_date() == "2023-11-14"
        assert release.build_date(0) == "1970-01-01"
        monkeypatch.delenv("SOURCE_DATE_EPOCH")
        assert release.build_date() == datetime.now(timezone.utc).date().isoformat()
    finally:
        monkeypatch.undo()
        time.tzset()


def test_version_comes_from_pyproject_and_has_a_changelog_section():
    declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert generator.__version__ == release.version() == declared
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## \[([^\]]+)\]", changelog, flags=re.M)
    assert headings[0] == "Unreleased"
    assert declared in headings


WORKFLOWS = REPO / ".github" / "workflows"


@pytest.mark.parametrize("name", ["ci.yml", "release.yml"])
def test_workflows_are_valid_for_github(name):
    result = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                             str(WORKFLOWS / name)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def workflow(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def steps(job: dict) -> str:
    return "\n".join(str(s.get("uses", "")) + " " + str(s.get("run", "")) + " " + str(s.get("with", ""))
                     for s in job["steps"])


def test_ci_runs_the_readmes_two_commands_on_every_push_and_pull_request_with_the_system_packages_named():
    ci = workflow("ci.yml")
    assert set(ci["on"]) == {"push", "pull_request", "workflow_call"}  # workflow_call: from the release
    [job] = ci["jobs"].values()
    assert job["env"]["CI"] == "true"
    text = steps(job)
    assert text.index("python3 tools/system_deps.py test") < text.index("bash .ci/run")
    commands = [line for line in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
                if line and not line.startswith(("#", "set ", "cd "))]
    assert commands == ["make build", "make test"]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert re.search(r"^make build +#.*\nmake test +#", readme, re.M)


def test_release_publishes_a_tag_reproducibly_with_its_pdf_checksums_and_pages():
    wf = workflow("release.yml")
    assert wf["on"] == {"push": {"tags": ["v*"]}}
    tag, ci, build_job, deploy = (wf["jobs"][name] for name in ("tag", "ci", "build", "deploy"))
    assert "bash .ci/release-notes" in steps(tag)  # first of all: the tag names the version
    assert ci == {"needs": "tag", "uses": "./.github/workflows/ci.yml"}
    assert build_job["needs"] == "ci"
    text = steps(build_job)
    assert 'SOURCE_DATE_EPOCH=$(git log -1 --format=%ct "$GITHUB_SHA")' in text
    assert text.index("SOURCE_DATE_EPOCH") < text.index("make build")
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0"):  # the PDF's bytes depend on them
        assert text.index(package) < text.index("make build"), package
    assert "site/downloads/*.pdf" in text and "site/SHA256SUMS" in text
    assert build_job["permissions"] == {"contents": "write", "pages": "read"}  # pages: configure-pages
    assert "actions/upload-pages-artifact@" in text
    # The site's address comes from the deployment: configure-pages' base_url, before the build that uses it.
    [pages] = [s for s in build_job["steps"] if s.get("uses", "").startswith("actions/configure-pages@")]
    [make] = [s for s in build_job["steps"] if s.get("run") == "make build"]
    assert build_job["steps"].index(pages) < build_job["steps"].index(make)
    assert make["env"] == {"SITE_URL": "${{ steps.%s.outputs.base_url }}" % pages["id"]}
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]


@pytest.fixture
def release_notes(tmp_path):
    """.ci/release-notes in a copy of what it reads, so that the notes it writes stay out of the checkout."""
    (tmp_path / ".ci").mkdir()
    for name in (".ci/release-notes", "pyproject.toml", "CHANGELOG.md"):
        shutil.copy(REPO / name, tmp_path / name)

    def run(tag: str) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", str(tmp_path / ".ci" / "release-notes")], capture_output=True, text=True,
                              env={**os.environ, "GITHUB_REF_NAME": tag})

    run.notes = tmp_path / "release-notes.md"
    return run


def test_a_release_refuses_a_tag_that_is_not_the_version_and_writes_the_versions_notes(release_notes):
    version = release.version()
    wrong = release_notes("v9.9.9")
    assert wrong.returncode == 1
    assert wrong.stderr == f"tag v9.9.9 does not match version {version} in pyproject.toml\n"
    right = release_notes(f"v{version}")
    assert right.returncode == 0, right.stderr
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    section = changelog.split(f"\n## [{version}]", 1)[1].split("\n## [", 1)[0]
    assert release_notes.notes.read_text(encoding="utf-8").strip() == section.split("\n", 1)[1].strip()
