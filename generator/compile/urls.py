"""The site's public URLs, which the core owns (``/vignettes/<slug>/``, ``/areas/a/``, ``/glossary/``…).

Most links are written as relative ``.md`` paths for the host to resolve and validate. HTML the core
renders itself (see ``mdext.island``) never passes through the host, so it links with these URLs.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=65536)
def site_url(page: str) -> str:
    """A page's URL from the site's root, one folder per page: ``'vignettes/road-safety.md'`` ->
    ``'vignettes/road-safety/'``, ``'areas/index.md'`` -> ``'areas/'``, ``'index.md'`` -> ``''``."""
    stem = page.removesuffix(".md")
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem.removesuffix("index")
    return stem + "/"


@lru_cache(maxsize=65536)
def _relative(target_url: str, from_url: str) -> str:
    """What ``posixpath.relpath`` gives for two folder URLs (plus the closing ``/``), without its
    ``abspath`` and ``getcwd`` on every call: up out of what ``from_url`` does not share, then down."""
    target, origin = target_url.split("/")[:-1], from_url.split("/")[:-1]
    common = 0
    for a, b in zip(target, origin, strict=False):  # up to the shorter
        if a != b:
            break
        common += 1
    parts = [".."] * (len(origin) - common) + target[common:]
    return "/".join(parts) + "/" if parts else "./"


def relative_url(target_page: str, from_page: str, anchor: str = "") -> str:
    """The link from ``from_page`` to ``target_page`` (site paths), e.g. ``'../areas/a/#area-a'``; a link
    to the page itself is just ``'#anchor'``."""
    fragment = f"#{anchor}" if anchor else ""
    if target_page == from_page and fragment:
        return fragment
    return _relative(site_url(target_page), site_url(from_page)) + fragment
