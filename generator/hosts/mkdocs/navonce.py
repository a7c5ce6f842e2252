"""Material's navigation sidebar, rendered once for every page that leads the same way.

Material renders the whole navigation (``partials/nav.html``) for every page: on a site of 2,000 vignettes,
about a third of the theme's time. What it renders depends on the page in three ways only: which items are
active, whether an item is the page itself (its table of contents is then folded into the navigation), and
the links, which the ``url`` filter makes relative to the page. A page outside the navigation (every vignette)
is no item and makes none active, so its sidebar is fixed by the links as its ``url`` filter writes them: pages
that agree on those get the same HTML, rendered once (:class:`NavOnce`). A page in the navigation is rendered
as Material renders it. The theme calls it around Material's partial (``report-page.html``).

``tests/test_nav_once.py`` compares every page of the report built with and without it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from mkdocs.utils import normalize_url


def _items(items) -> Iterator:
    for item in items:
        yield item
        yield from _items(getattr(item, "children", None) or ())


class NavOnce:
    """``{% call nav_once(page, nav, config) %}{% include "partials/nav.html" %}{% endcall %}``: the sidebar of
    a page outside the navigation rendered once for every page that leads the same way; for one build."""

    def __init__(self) -> None:
        self.rendered: dict[tuple, str] = {}

    def __call__(self, page, nav, config, caller: Callable[[], str]) -> str:
        if page is None or nav is None or page in nav.pages:
            return caller()
        # No item is active (MkDocs marks the page and the sections above it) and none is the page: what is left
        # is where the links lead from here.
        targets = [getattr(item, "url", None) for item in _items(nav.items)]
        targets += [config.extra.get("homepage"), nav.homepage.url if nav.homepage else None, config.theme.get("logo")]
        key = tuple(None if target is None else normalize_url(str(target), page=page) for target in targets)
        if key not in self.rendered:
            self.rendered[key] = caller()
        return self.rendered[key]
