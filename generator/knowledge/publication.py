"""The report as a publication: its details and copyright line as its About page gives them, and the licence
under which its text is reused."""

from __future__ import annotations

import re

from .model import KnowledgeBase

DETAILS_PAGE = "about.md"  # the page whose "Publication details" and "Copyright and licence" are the report's
LICENCE = "Open Government Licence v3.0"
OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"


def publication_details(kb: KnowledgeBase, page: str = DETAILS_PAGE) -> tuple[dict[str, str], str]:
    """The ``- Key: value`` list under ``## Publication details`` and the copyright line (``© …``) of the
    ``## Copyright and licence`` section of ``page``; empty when the page or section is missing."""
    doc = kb.documents.get(page)
    if doc is None:
        return {}, ""
    sections: dict[str, list[str]] = {}
    current = None
    for line in doc.body.splitlines():
        m = re.match(r"^##\s+(.+?)\s*$", line)
        if m:
            current = sections.setdefault(m[1].strip().lower(), [])
        elif current is not None:
            current.append(line)
    details = {}
    for line in sections.get("publication details", []):
        m = re.match(r"^[-*]\s+([^:]+):\s*(.+?)\s*$", line)
        if m:
            details[m[1].strip()] = m[2]
    copyright_line = next((line.strip() for line in sections.get("copyright and licence", [])
                           if line.strip().startswith("©")), "")
    return details, copyright_line
