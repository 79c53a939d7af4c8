"""Evaluate BibTeX field values: braces, quotes, numbers and ``@string`` macros, joined."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

MONTH_MACROS: Mapping[str, str] = {
    "jan": "January",
    "feb": "February",
    "mar": "March",
    "apr": "April",
    "may": "May",
    "jun": "June",
    "jul": "July",
    "aug": "August",
    "sep": "September",
    "oct": "October",
    "nov": "November",
    "dec": "December",
}


# The longest text a value may evaluate to: ``@string{b = a # a}`` doubles a macro, and 40
# such lines in 1 KB of file would take 6 GB. Real values are a few hundred characters.
MAX_VALUE_LENGTH = 1 << 20
# The most text all the values of a build may evaluate to, each use of a macro counted: a
# long macro used by many short entries, or many macros each a little longer than the last.
MAX_TOTAL_LENGTH = 256 << 20


class ValueTooLong(ValueError):
    """A value evaluates to more than ``MAX_VALUE_LENGTH`` characters; ``args[0]``: how many."""


class Evaluated(NamedTuple):
    """A field's text after evaluation, and the macros it used that were never defined."""

    text: str
    undefined: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MacroState:
    """The macros defined so far, named by ``key``, a hash of their definitions in order:
    two states with one key hold the same macros, so an evaluation can be reused by key."""

    key: str
    macros: Mapping[str, str] = field(compare=False, hash=False)


@lru_cache(maxsize=1 << 16)
def evaluate_in(parts: tuple[str, ...], state: MacroState) -> Evaluated:
    """``evaluate`` with the macros of ``state``, reused by value and state: a large file
    repeats its values (``month = sep``, ``booktitle = osdi``), and ``serve`` evaluates the
    same ones on every rebuild."""
    return evaluate(parts, state.macros)


def evaluate(parts: tuple[str, ...], macros: Mapping[str, str]) -> Evaluated:
    """Evaluate a value's ``{braced}``, ``"quoted"``, ``2022`` and ``macro`` parts (as
    ``bibtex.py`` reads them, the ``#`` between them gone).

    ``macros`` is keyed by lower-case name (BibTeX macro names ignore case). An undefined
    macro contributes nothing, as in BibTeX, and is reported in ``undefined``. A value
    longer than ``MAX_VALUE_LENGTH`` raises ``ValueTooLong`` before it is made.
    """
    texts: list[str] = []
    undefined: list[str] = []
    for part in parts:
        if part[:1] in ("{", '"'):
            texts.append(part[1:-1])
        elif part.isdigit():
            texts.append(part)
        elif part.lower() in macros:
            texts.append(macros[part.lower()])
        else:
            undefined.append(part)
    if len(texts) > 1:  # one text is no longer than what it came from
        length = sum(map(len, texts))
        if length > MAX_VALUE_LENGTH:
            raise ValueTooLong(length)
    return Evaluated("".join(texts), tuple(undefined))
