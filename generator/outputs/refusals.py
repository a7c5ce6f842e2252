"""What the PDF must not contain (:mod:`.pdfpolicy` finds it), and how each is reported."""

from __future__ import annotations

from dataclasses import dataclass

from ..common.diagnostics import BuildError, Diagnostic

LINK_SCHEMES = ("http", "https", "mailto")  # what a link in the PDF may open (see .pdfpolicy)
_REFUSALS = {  # kind -> (code, what is wrong — why; what to do)
    "load": ("pdf.outside-file", "the PDF does not load '{target}' — it embeds only the generator's own fonts and "
             "data: URLs, never another file or web address (that could put the build machine's files, or another "
             "site's, into the report). Remove it."),
    "attachment": ("pdf.attachment", "'{target}' is marked rel=\"attachment\" — the PDF attaches no files (that "
                   "could put the build machine's files into the report). Remove rel=\"attachment\"."),
    "link": ("pdf.link-scheme", "link to '{target}' — the PDF links only to http:, https: and mailto: addresses "
             "(other links can run code or open files on the reader's machine). Link to a web page, or remove it."),
    "form": ("pdf.form", "form field '{target}>' — the PDF has no form fields (a form sends what readers type to "
             "another address). Remove it."),
}


@dataclass(frozen=True)
class Refusal:
    """Something the PDF's HTML names that the PDF must not contain (:mod:`.pdfpolicy`): ``kind`` is
    ``load``, ``attachment``, ``link`` or ``form``; ``target`` the URL, or the form field's tag (``<input``)."""

    kind: str
    target: str

    def diagnostic(self, path: str, line: int | None = None) -> Diagnostic:
        code, message = _REFUSALS[self.kind]
        target = self.target if len(self.target) <= 80 else self.target[:77] + "..."
        return Diagnostic(path, line, message.format(target=target), code)


class Refused(BuildError):
    """The PDF would contain what it must not (``refusals``); nothing was written. ``others``: WeasyPrint's
    other warnings. Its diagnostics name the PDF; :func:`.pdf.build_pdf` finds the sources that caused them."""

    def __init__(self, refusals: list[Refusal], others: list[Diagnostic], where: str):
        self.refusals, self.others, self.where = refusals, others, where
        super().__init__([*(r.diagnostic(where) for r in dict.fromkeys(refusals)), *others])
