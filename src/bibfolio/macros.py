"""Evaluate raw BibTeX field values: braces, quotes, numbers, ``@string`` macros and ``#``.

bibtexparser 2.1 resolves a value that is a single macro but leaves ``osdi # " 2022"`` as it
is, so bibfolio evaluates every value itself, the way BibTeX does.
"""

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
def evaluate_in(raw: str, state: MacroState) -> Evaluated:
    """``evaluate`` with the macros of ``state``, reused by value and state: a large file
    repeats its values (``month = sep``, ``booktitle = osdi``), and ``serve`` evaluates the
    same ones on every rebuild."""
    return evaluate(raw, state.macros)


def evaluate(raw: str, macros: Mapping[str, str]) -> Evaluated:
    """Evaluate ``{braced}``, ``"quoted"``, ``2022`` and ``macro`` parts joined by ``#``.

    ``macros`` is keyed by lower-case name (BibTeX macro names ignore case). An undefined
    macro contributes nothing, as in BibTeX, and is reported in ``undefined``. A value
    longer than ``MAX_VALUE_LENGTH`` raises ``ValueTooLong`` before it is made.
    """
    text = literal(raw)
    if text is not None:
        return Evaluated(text)
    if "#" not in raw:
        part = raw.strip()
        return _evaluate_parts([part] if part else [], macros)
    return _evaluate_parts(_split_concatenation(raw), macros)


def literal(raw: str) -> str | None:
    """The text of a value that uses no macro (one braced, quoted or numeric part), else None.

    Most values are such literals; telling them apart early saves evaluating them on every
    build of a large file.
    """
    if "#" in raw:
        return None
    part = raw.strip()
    if part[:1] in ("{", '"'):
        return part[1:-1]
    return part if part.isdigit() else None


def _evaluate_parts(parts: list[str], macros: Mapping[str, str]) -> Evaluated:
    texts: list[str] = []
    undefined: list[str] = []
    for token in parts:
        if token[:1] in ("{", '"'):
            texts.append(token[1:-1])
        elif token.isdigit():
            texts.append(token)
        elif token.lower() in macros:
            texts.append(macros[token.lower()])
        else:
            undefined.append(token)
    if len(texts) > 1:  # one text is no longer than what it came from
        length = sum(map(len, texts))
        if length > MAX_VALUE_LENGTH:
            raise ValueTooLong(length)
    return Evaluated("".join(texts), tuple(undefined))


def _split_concatenation(raw: str) -> list[str]:
    """Split a value at the ``#`` signs that are outside braces and quotes.

    Each returned token is stripped; a braced or quoted token keeps its delimiters so the
    caller can tell a literal from a macro name.
    """
    tokens: list[str] = []
    current: list[str] = []
    depth = 0
    in_quotes = False
    for char in raw:
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        elif char == '"' and depth == 0:
            in_quotes = not in_quotes
        elif char == "#" and depth == 0 and not in_quotes:
            tokens.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    tokens.append("".join(current).strip())
    return [token for token in tokens if token]
