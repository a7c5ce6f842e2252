"""Material's navigation sidebar rendered once for every page outside the navigation that it leads the same way
(generator/hosts/mkdocs/navonce.py): the site must be the one Material renders page by page. The real report
is built in this process twice, with and without it, and every file compared."""

from __future__ import annotations

from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config

from conftest import EPOCH, REPO
from generator.hosts.mkdocs.navonce import NavOnce


def built(site: Path) -> dict[str, bytes]:
    build(load_config(config_file=str(REPO / "mkdocs.yml"), site_dir=str(site)))
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """The report's site built with the navigation rendered once per way it leads (counting the renderings), and
    as Material renders it, for every page."""
    rendered = []
    once = NavOnce.__call__

    def counting(self, page, nav, config, caller):
        def render():
            rendered.append(page.file.src_uri if page is not None else None)
            return caller()
        return once(self, page, nav, config, render)

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
        patch.setattr(NavOnce, "__call__", counting)
        fast = built(tmp_path_factory.mktemp("once"))
        calls = len(rendered)
        patch.setattr(NavOnce, "__call__", lambda self, page, nav, config, caller: caller())
        every = built(tmp_path_factory.mktemp("every"))
    return fast, every, rendered[:calls]


def test_the_site_is_the_same_with_the_navigation_rendered_once(both):
    fast, every, _ = both
    assert sorted(fast) == sorted(every)
    assert len([name for name in fast if name.endswith(".html")]) > 25
    changed = [name for name in fast if fast[name] != every[name]]
    assert not changed, f"pages that differ when the navigation is rendered once: {changed}"


def test_pages_outside_the_navigation_share_a_rendering_and_pages_in_it_have_their_own(both):
    """The lessons' pages are outside the navigation and lead the same way, as do the areas' pages: one of each
    is rendered, the others reuse it. Every page in the navigation (a chapter, a vignette) is rendered."""
    _, _, rendered = both
    for folder in ("lessons/", "areas/"):
        pages = [uri for uri in rendered if uri and uri.startswith(folder) and uri != f"{folder}index.md"]
        assert len(pages) == 1, (folder, pages)
    for in_nav in ("introduction.md", "vignettes/road-safety.md", "lessons/index.md", "areas/index.md"):
        assert in_nav in rendered
