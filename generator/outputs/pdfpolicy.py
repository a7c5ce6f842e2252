"""What the PDF may take in from outside its HTML, and what it may point to.

The PDF's HTML carries the authors' raw HTML and CSS, which is untrusted input. Left to itself,
WeasyPrint loads whatever a URL in it names and embeds it in the PDF: a file of the build machine
(``file:///proc/self/environ`` holds the build's secrets), a file beside the project, an address on
another host — as an image, a font, a stylesheet, or a file attached to the PDF. So:

- :class:`Fetcher` loads only the generator's own fonts (files inside ``generator/outputs/fonts/``, symbolic
  links resolved) and ``data:`` URLs, which carry their own bytes; it refuses anything else, and keeps
  what it refused;
- :func:`enforce` takes out of a laid-out document, and lists, every file it would attach (``rel="attachment"`` on
  an ``<a>`` or a ``<link>``), every link to an address that is not http:, https: or mailto:
  (``javascript:``, ``data:``, ``file:`` …), and every form field (a form sends what readers type to
  an address).

:func:`.pdfworker.write_pdf` writes no PDF when anything was refused (:class:`.pdfworker.Refused`): nothing
is left out in silence. This module imports WeasyPrint; only the layout imports it.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.request import url2pathname

from weasyprint import URLFetcher

from .refusals import LINK_SCHEMES, Refusal

REFUSED = "the report's PDF loads only its own fonts and data: URLs"  # in WeasyPrint's message, too


class Fetcher(URLFetcher):
    """WeasyPrint's fetcher, for ``data:`` URLs and the files inside ``fonts_dir`` only."""

    def __init__(self, fonts_dir: Path):
        super().__init__()
        self.fonts_dir = Path(fonts_dir).resolve()
        self.refused: list[Refusal] = []

    def fetch(self, url, headers=None):
        if _scheme(url) == "data":
            return super().fetch(url, headers)
        font = self._font(url)
        if font is None:
            self.refused.append(Refusal("load", url))
            raise ValueError(f"{REFUSED}: {url}")
        return super().fetch(font.as_uri(), headers)

    def _font(self, url: str) -> Path | None:
        """The file inside ``fonts_dir`` that ``url`` names, or None."""
        if _scheme(url) != "file" or urlsplit(url).netloc not in ("", "localhost"):
            return None
        try:
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            return path if path.is_relative_to(self.fonts_dir) and path.is_file() else None
        except (OSError, ValueError):  # e.g. a NUL byte in the path
            return None


def _scheme(url: str) -> str:
    try:
        return urlsplit(url).scheme.lower()
    except ValueError:  # e.g. an unclosed '[' in the host: not an address the PDF can use
        return ""


def enforce(html, document) -> list[Refusal]:
    """Take out of the laid-out ``document`` of ``html`` (a ``weasyprint.HTML``) every attachment, every link
    the PDF must not have and every form field, and list them."""
    found = [Refusal("attachment", urljoin(html.base_url or "", link.etree_element.get("href", "")))
             for link in html.wrapper_element.query_all("link")
             if "attachment" in link.etree_element.get("rel", "").lower().split()]
    if document.metadata.attachments and not found:  # however WeasyPrint found it
        found.append(Refusal("attachment", ""))
    document.metadata.attachments = []
    for page in document.pages:
        links = []
        for link in page.links:
            kind, target = link[:2]
            if kind == "attachment":
                found.append(Refusal("attachment", target))
            elif kind == "external" and _scheme(target) not in LINK_SCHEMES:
                found.append(Refusal("link", target))
            else:
                links.append(link)
        page.links[:] = links
        found += [Refusal("form", f"<{box.element.tag}") for fields in page.forms.values() for box, _ in fields]
        page.forms.clear()
        page.forms[None] = []
    return found
