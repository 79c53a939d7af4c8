"""Evaluating field values: literals, macros and # concatenation."""

from __future__ import annotations

import pytest

from bibfolio.bibtex import StringBlock, read_blocks
from bibfolio.macros import MONTH_MACROS, Evaluated, evaluate

MACROS = {**MONTH_MACROS, "osdi": "OSDI", "usenix": "USENIX Association"}


def evaluated(raw: str) -> Evaluated:
    """A value as written, read by ``bibtex.py`` and evaluated with ``MACROS``."""
    (block,) = read_blocks(f"@string{{x = {raw}}}")
    assert isinstance(block, StringBlock)
    return evaluate(block.parts, MACROS)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("{Alpa}", "Alpa", id="braced"),
        pytest.param('"Alpa"', "Alpa", id="quoted"),
        pytest.param("2022", "2022", id="number"),
        pytest.param("osdi", "OSDI", id="macro"),
        pytest.param("OSDI", "OSDI", id="macro-name-ignores-case"),
        pytest.param('osdi # " 2022"', "OSDI 2022", id="macro-hash-quoted"),
        pytest.param('"16th " # osdi # { (OSDI 22)}', "16th OSDI (OSDI 22)", id="three-parts"),
        pytest.param("{a # b}", "a # b", id="hash-inside-braces-is-text"),
        pytest.param('"a # b"', "a # b", id="hash-inside-quotes-is-text"),
        pytest.param('"say {"}hi{"}"', 'say {"}hi{"}', id="quote-inside-braces"),
        pytest.param("{{Nested} braces}", "{Nested} braces", id="nested-braces-kept-for-latex"),
        pytest.param("jan", "January", id="month-macro"),
    ],
)
def test_evaluate_resolves_literals_and_macros(raw: str, expected: str) -> None:
    assert evaluated(raw).text == expected


def test_undefined_macro_is_empty_and_reported() -> None:
    result = evaluated('nosuch # " Letters"')
    assert result.text == " Letters"
    assert result.undefined == ("nosuch",)
