"""Problems found in the project's sources, reported all at once.

Every problem is a :class:`Diagnostic` with a location and a stable code, formatted as::

    content/introduction.md:12: unknown citation key 'oneil2014' — no entry … Did you mean 'oneill2014'? [citation.unknown-key]

Exceptions raised by the core::

    BuildError            the project has one or more errors (carries every Diagnostic)
"""

from __future__ import annotations

import difflib
import html
import reprlib
from dataclasses import dataclass, field
from enum import Enum
from pathlib import PurePosixPath
from typing import Any, Iterable, Sequence

from .limits import MESSAGE_CHARS, QUOTED_CHARS


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int | None
    message: str
    code: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {bounded(self.message)} [{self.code}]"


def bounded(message: str) -> str:
    """The message on one line; when it is longer than MESSAGE_CHARS (it quotes long text from the sources),
    its beginning and its end (what to do), with what is between them left out."""
    message = " ".join(message.splitlines())
    if len(message) <= MESSAGE_CHARS:
        return message
    keep = MESSAGE_CHARS // 2
    return f"{message[:keep]} […{len(message) - 2 * keep:,} characters…] {message[-keep:]}"


_SHOWN = reprlib.Repr()
_SHOWN.maxstring = _SHOWN.maxother = QUOTED_CHARS
_SHOWN.maxlevel, _SHOWN.maxlist, _SHOWN.maxdict = 3, 10, 10


def excerpt(text: str, n: int = 40) -> str:
    """``text`` on one line, cut to ``n`` characters (with "…"), to quote in a message."""
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def shown(value: Any) -> str:
    """``repr(value)`` as a message quotes it: long text, long lists and deep nesting elided with '...'."""
    return _SHOWN.repr(value)


def did_you_mean(value: str, candidates: Iterable[str]) -> str:
    """' Did you mean 'x'?' for the closest candidate, or '' when nothing is close."""
    match = difflib.get_close_matches(value, list(candidates), n=1, cutoff=0.6)
    return f" Did you mean '{match[0]}'?" if match else ""


@dataclass
class Diagnostics:
    """Collects problems; :meth:`raise_if_any` fails once, with all of them."""

    items: list[Diagnostic] = field(default_factory=list)

    def error(self, path: str | PurePosixPath, line: int | None, message: str, code: str) -> None:
        self.items.append(Diagnostic(str(path), line, message, code, Severity.ERROR))

    def warning(self, path: str | PurePosixPath, line: int | None, message: str, code: str) -> None:
        self.items.append(Diagnostic(str(path), line, message, code, Severity.WARNING))

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.WARNING]

    def raise_if_any(self, strict: bool = True) -> None:
        failing = self.items if strict else self.errors
        if failing:
            raise BuildError(sorted(failing, key=lambda d: (d.path, d.line or 0, d.message)))


class BuildError(Exception):
    """The project has problems; ``diagnostics`` lists every one of them."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = diagnostics
        super().__init__(self.report())

    def report(self) -> str:
        n = len(self.diagnostics)
        lines = [str(d) for d in self.diagnostics]
        lines.append(f"{n} problem{'s' if n != 1 else ''} found; nothing was built.")
        return "\n".join(lines)


def problems_html(problems: Sequence[Diagnostic | str]) -> str:
    """The problems as an alert for the top of a preview page (``make serve``); the text is escaped."""
    n = len(problems)
    items = "".join(f"<li><code>{html.escape(str(p))}</code></li>" for p in problems)
    return (f'<div class="admonition failure report-problems" role="alert">'
            f'<p class="admonition-title">{n} problem{"s" if n != 1 else ""} in the report\'s sources</p>'
            "<p>This preview shows the pages as far as they could be read. <code>make build</code> refuses to "
            "publish until every problem is fixed; the terminal running <code>make serve</code> lists them too.</p>"
            f"<ul>{items}</ul></div>\n")
