"""The report's vocabulary: what a vignette, an area or a prevention example may be called, in one place."""

from __future__ import annotations

import re

AREAS = ("A", "B", "C", "D")  # the four case-study areas
SERVICES = ("Police Scotland", "SFRS")  # the services a vignette names; other organisations are its partners
SERVICE_COLUMNS = (*SERVICES, "partners")  # who delivers a prevention example
LEVELS = ("primary", "secondary", "tertiary")  # the levels of prevention the report classifies examples by
# The fields of an example's declaration ({#example:slug level=… services="…" short="…"}).
EXAMPLE_FIELDS = ("level", "services", "areas", "vignettes", "short")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")  # a page's or an entity's name in its address
VIGNETTE_NUMBERS = 10  # vignettes are numbered I to X unless a project allows more (Layout.vignette_numbers)

_NUMERALS = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
             (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def roman(i: int) -> str:
    """``i`` as a Roman numeral: 4 -> ``'IV'``."""
    out = []
    for value, numeral in _NUMERALS:
        count, i = divmod(i, value)
        out.append(numeral * count)
    return "".join(out)


def numerals(n: int) -> tuple[str, ...]:
    """The Roman numerals I to ``n``."""
    return tuple(roman(i) for i in range(1, n + 1))


_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def roman_value(numeral: str) -> int:
    """The value of a Roman numeral, for sorting (``'IX'`` -> 9)."""
    total = 0
    for i, ch in enumerate(numeral):
        value = _VALUES[ch]
        total += -value if i + 1 < len(numeral) and _VALUES[numeral[i + 1]] > value else value
    return total


def is_numeral(text: object, highest: int) -> bool:
    """Whether ``text`` is a Roman numeral, written as :func:`roman` writes it, from I to ``highest``."""
    if not isinstance(text, str) or not text or not set(text) <= _VALUES.keys():
        return False
    value = roman_value(text)
    return 1 <= value <= highest and roman(value) == text
