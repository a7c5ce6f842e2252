"""`report stage DIR`: the report as an ordinary MkDocs project, built by hosts that know nothing of the report.

The real report is staged once per run, then built with plain `mkdocs build --strict` (Material, without the
`report` plugin) and with Zensical (which reads mkdocs.yml and ignores MkDocs plugins). Each build must give
every page of the main build, with the same article text, no syntax of the report's dialect left, and no
link that leads nowhere.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
import yaml

from conftest import EPOCH, REPO, once_per_run, write_mkdocs_site

PDF = "year3-partnership-innovation-prevention.pdf"
# What the report's dialect looks like, written by an author; none of it may reach a reader.
DIALECT = ("[@", "][vignette:", "][lesson:", "][area:", "][chapter:", "{#lesson:", "{#example:", "{#area:", "{#quote",
           "{#focus-group:", "<!--report:")


def stage(root: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH)}
    return subprocess.run([sys.executable, "-m", "generator.entry", "--root", str(root), "stage", str(out), *extra],
                          cwd=root, env=env, capture_output=True, text=True)


def host_build(host: str, project: Path) -> subprocess.CompletedProcess:
    """`mkdocs build --strict` or `zensical build` in ``project`` (into its site/), with nothing of ours."""
    tools = Path(sys.executable).parent
    cmd = ([str(tools / "mkdocs"), "build", "--strict"] if host == "mkdocs" else [str(tools / "zensical"), "build"])
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": ""}
    return subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True)


@pytest.fixture(scope="session")
def staged(built_site, tmp_path_factory) -> Path:
    """The real report staged (after the main build, whose PDF it reuses from the cache)."""
    def make(folder: Path) -> None:
        result = stage(REPO, folder / "project")
        assert result.returncode == 0, result.stdout + result.stderr
    return once_per_run(tmp_path_factory, "staged", make) / "project"


@pytest.fixture(scope="session", params=["mkdocs", "zensical"])
def hosted(request, staged, tmp_path_factory) -> tuple[str, Path]:
    host = request.param

    def make(folder: Path) -> None:
        shutil.copytree(staged, folder / "project")
        result = host_build(host, folder / "project")
        assert result.returncode == 0, result.stdout + result.stderr
    return host, once_per_run(tmp_path_factory, f"hosted-{host}", make) / "project" / "site"


class Page(HTMLParser):
    """What the tests read of a page: its links, its ids, and the text of its <article>."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.nav: list[str] = []  # the links of the navigation and the table of contents
        self.ids: set[str] = set()
        self.article: list[str] = []
        self._depth = 0  # inside <article>
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("href", "src"):
            if attrs.get(name) and tag in ("a", "link", "script", "img"):
                self.links.append(attrs[name])
        if tag == "a" and "md-nav__link" in (attrs.get("class") or "").split():
            self.nav.append(attrs.get("href"))
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        if tag == "article" or self._depth:
            self._depth += 1

    def handle_endtag(self, tag):
        if self._depth and tag == "article":
            self._depth = 0

    def handle_data(self, data):
        if self._depth:
            self.article.append(data)

    def text(self) -> str:
        return " ".join("".join(self.article).split())


def pages(site: Path) -> dict[str, Path]:
    """Each page of ``site`` by its URL (``about/``), the home page as ``''``."""
    return {f.relative_to(site).parent.as_posix().removeprefix(".") + "/" if f.parent != site else "": f
            for f in site.rglob("index.html")}


def test_stage_writes_an_mkdocs_project_of_every_page_with_the_theme_and_the_pdf(staged, built_site):
    config = yaml.safe_load((staged / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["docs_dir"] == "docs" and config["theme"]["custom_dir"] == "overrides"
    assert "report" not in [p if isinstance(p, str) else next(iter(p)) for p in config["plugins"]]
    assert (staged / "overrides" / "main.html").is_file()
    assert (staged / "overrides" / "assets" / "stylesheets" / "report.css").is_file()
    written = {p.relative_to(staged / "docs").as_posix() for p in (staged / "docs").rglob("*.md")}
    assert written == {f"{url}index.md" for url in pages(built_site)}  # every page, generated ones too
    assert (staged / "docs" / "downloads" / PDF).read_bytes() == (built_site / "downloads" / PDF).read_bytes()
    assert config["extra"]["report"]["pdf"]["url"] == f"downloads/{PDF}"


def test_each_host_builds_every_page_of_the_report(hosted, built_site):
    host, site = hosted
    assert set(pages(site)) == set(pages(built_site))
    data = sorted(p.relative_to(built_site).as_posix() for p in (built_site / "data").iterdir())
    assert data and all((site / path).read_bytes() == (built_site / path).read_bytes() for path in data)  # open data


def test_no_syntax_of_the_dialect_reaches_a_page(hosted):
    host, site = hosted
    found = [(f.relative_to(site).as_posix(), s) for f in site.rglob("*.html") for s in DIALECT
             if s in f.read_text(encoding="utf-8")]
    assert found == []


def test_every_link_leads_to_a_file_and_an_anchor_that_exist(hosted):
    host, site = hosted
    read = {url: Page(f.read_text(encoding="utf-8")) for url, f in pages(site).items()}
    broken = []
    for url, page in read.items():
        for link in page.links:
            parts = urlsplit(urljoin(f"http://site/{url}", link))
            if parts.netloc != "site":
                continue  # another host (or mailto:, data:)
            path = unquote(parts.path).lstrip("/")
            target = site / path / "index.html" if path.endswith("/") or not path else site / path
            if not target.is_file():
                broken.append((url, link))
            elif parts.fragment and (path.endswith("/") or not path):
                target_url = path
                ids = read[target_url].ids if target_url in read else Page(target.read_text(encoding="utf-8")).ids
                if parts.fragment not in ids:
                    broken.append((url, link))
    assert broken == []


def test_each_page_says_what_the_main_build_says(hosted, built_site):
    host, site = hosted
    main = {url: Page(f.read_text(encoding="utf-8")).text() for url, f in pages(built_site).items()}
    hosted_text = {url: Page(f.read_text(encoding="utf-8")).text() for url, f in pages(site).items()}
    assert [url for url in main if hosted_text.get(url) != main[url]] == []
    assert "Download the report (PDF" in hosted_text[""]


def test_plain_mkdocs_indexes_the_same_search_as_the_main_build(hosted, built_site):
    host, site = hosted
    main = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    if host == "mkdocs":
        ours = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
        assert sorted(ours["docs"], key=lambda d: d["location"]) == sorted(main["docs"], key=lambda d: d["location"])
    else:  # Zensical's own index: the same sections, each as titled; what search leaves out, left out
        ours = json.loads((site / "search.json").read_text(encoding="utf-8"))
        assert (sorted((i["location"], i["title"]) for i in ours["items"])
                == sorted((d["location"], d["title"]) for d in main["docs"]))


def test_the_navigation_lists_what_the_main_build_lists(hosted, built_site):
    """Every page's navigation and table of contents: the same links, in the same order."""
    host, site = hosted

    def nav(site: Path) -> dict[str, list[str]]:
        return {url: [urljoin(f"/{url}", link) for link in Page(f.read_text(encoding="utf-8")).nav]
                for url, f in pages(site).items()}
    main = nav(built_site)
    assert all(main.values())
    assert nav(site) == main


def test_stage_refuses_the_sources_and_keeps_an_old_folder_when_it_fails(tmp_path):
    root = write_mkdocs_site(tmp_path / "project")
    for target in (root / "content", root, root / "vignettes" / "x"):
        result = stage(root, target)
        assert result.returncode == 2 and "it would replace the sources" in result.stderr
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    result = stage(root, tmp_path / "notes.txt")
    assert result.returncode == 2 and "is a file, not a folder" in result.stderr
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"
    out = tmp_path / "out"
    assert stage(root, out, "--no-pdf").returncode == 0
    assert (out / "docs" / "vignettes" / "road-safety" / "index.md").is_file()
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    # A problem only compiling finds (the loader leaves pictures to it).
    (root / "content" / "index.md").write_text("# Home\n\nSee [][vignette:road-safety] and [@huxham2005].\n\n"
                                               "![A chart](chart.png)\n", encoding="utf-8")
    result = stage(root, out, "--no-pdf")
    assert result.returncode == 1, result.stderr
    assert "content/index.md:5: image 'chart.png' — the site has no file 'chart.png'" in result.stderr
    assert result.stderr.rstrip().endswith(f"nothing was staged; {out} was left as it was.")
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []



def test_each_host_prints_the_same_citation_metadata_and_cite_this(hosted, built_site):
    """The pages' metadata travels in their front matter (report_meta), and the theme prints it on any host."""
    from test_cite import Head

    host, site = hosted
    for url in ("about/", "vignettes/road-safety/", "lessons/evaluation-matters/", "glossary/", ""):
        main, other = (Head((s / url / "index.html").read_text(encoding="utf-8")) for s in (built_site, site))
        ours = [(k, v) for k, v in main.meta if k.startswith(("citation_", "og:")) or k in ("description", "author")]
        assert ours and [(k, v) for k, v in other.meta if (k, v) in ours or k.startswith("citation_")] == ours, url
        assert other.json_ld == main.json_ld and " ".join(other.cite_text.split()) == " ".join(main.cite_text.split())
        assert [a["href"] for a in other.cite_links] == [a["href"] for a in main.cite_links], (host, url)
