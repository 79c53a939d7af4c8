"""The tricky .bib fixtures in tests/data/tricky/: what check reports and what build renders.

Each fixture covers one family of real-world input (macros, several files with crossref,
unusual entry types, LaTeX, names, problems, hostile text, a byte-order mark). Goldens pin
the whole output; the assertions below say what matters in it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bibfolio.cli import main

TRICKY = Path(__file__).parent / "data" / "tricky"
ADA = ("--owner", "Ada Lovelace")
FIXTURES = {
    "macros": (["macros.bib"], ADA),
    "multi": (["strings.bib", "papers.bib"], ADA),
    "types": (["types.bib"], ADA),
    "latex": (["latex.bib"], ADA),
    "names": (["names.bib"], ("--owner", "Jean-Paul Müller")),
    "problems": (["problems.bib"], ADA),
    "hostile": (["hostile.bib"], ADA),
    "bom": (["bom.bib"], ADA),
}
Golden = Callable[[str, str], None]


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="bibfolio")


@pytest.fixture(autouse=True)
def in_tricky_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the fixture directory so reported paths are short and machine-independent."""
    monkeypatch.chdir(TRICKY)


@pytest.mark.parametrize("name", FIXTURES)
def test_check_report(name: str, golden: Golden) -> None:
    files, owner = FIXTURES[name]
    result = run("check", *files, *owner)
    assert result.exit_code in (0, 1), result.output
    golden(f"tricky/{name}.check.txt", result.stdout)
    has_problems = any(
        ": warning: " in line or ": error: " in line for line in result.stdout.splitlines()
    )
    assert result.exit_code == int(has_problems)


@pytest.mark.parametrize("name", FIXTURES)
@pytest.mark.parametrize("fmt", ["md", "html"])
def test_full_build(name: str, fmt: str, golden: Golden) -> None:
    files, owner = FIXTURES[name]
    result = run("build", *files, *owner, "-s", "full", "-f", fmt, "--fragment", "-o", "-")
    assert result.exit_code == 0, result.output
    golden(f"tricky/{name}.full.{fmt}", result.stdout)


def md(*files: str, owner: tuple[str, ...] = ADA) -> str:
    result = run("build", *files, *owner, "-s", "full", "-f", "md", "--fragment", "-o", "-")
    assert result.exit_code == 0, result.output
    return result.stdout


def check_codes(*files: str) -> list[str]:
    result = run("check", *files, *ADA, "--format", "json")
    return [d["code"] for d in json.loads(result.stdout)["diagnostics"]]


def test_macros_concatenate_and_late_definitions_are_explained() -> None:
    text = md("macros.bib")
    assert "Concatenated Venues Work" in text
    assert "*Proceedings of the Conference on Macro Expansion (CME 2021)*" in text
    assert "*Journal of Quoted and Braced Parts*" in text
    assert "Sorted by a Hidden Key" in text  # \noopsort{a} prints nothing
    report = run("check", "macros.bib", *ADA).stdout
    assert 'macro "laterjournal" is used before its @string definition' in report


def test_crossref_parent_in_another_file_gives_venue_year_and_label() -> None:
    text = md("strings.bib", "papers.bib")
    assert "A Child Inherits Its Venue" in text
    assert "*Proceedings of the Symposium on Parent Data Structures (PODS 22)*, 2022" in text
    assert "Proceedings of the Symposium on Parent Data Structures (PODS 22). " not in text
    compact = run("build", "strings.bib", "papers.bib", *ADA, "-f", "md", "-o", "-").stdout
    assert "[PODS 22](https://example.org/child)" in compact
    assert check_codes("strings.bib", "papers.bib").count("missing-parent") == 1


def test_every_entry_block_is_shown_or_reported() -> None:
    text = md("types.bib")
    for title in ["An Online Resource", "A Dataset", "Parentheses instead of Braces",
                  "Upper-Case Type and Fields", "Looks Commented Out", "A Patent",
                  "An Unknown Entry Type", "A Space after the At Sign"]:  # fmt: skip
        assert title in text
    # BibTeX reads @commented as an entry of an unknown type (only @comment is a comment).
    assert "An Entry Type That Starts with Comment" in text
    report = run("check", "types.bib", *ADA).stdout
    assert "types.bib:17: note: @set{aset" in report
    assert 'types.bib:21: warning: unknown entry type "@commented"' in report
    assert 'types.bib:42: warning: entry "percent2018" is on a line starting with "%"' in report
    assert 'unknown entry type "@weirdtype"' in report
    assert "types.bib:64: warning: @article entry has no key" in report
    assert "An Entry without a Key" in text


def test_latex_is_decoded_and_styles_survive() -> None:
    text = md("latex.bib")
    assert "Accents: ü ü ü ß ç ø é à ô ñ š ő å Æ" in text
    assert "Jörg Müller" in text and "Hans Christian Ørsted" in text and "François Garçon" in text
    assert "Dashes – en, — em, ties\u00a0and Case-Protected GPUs at 50% off" in text
    assert "Sorting in O(n log n) Time with *Emphasis*, **Bold** and `code_name`" in text
    assert "[a named link](https://example.org/h)" in text
    assert "\\\\sys: Unknown Commands like \\\\mysystem and Small Caps" in text
    html = run("build", "latex.bib", *ADA, "-s", "full", "-f", "html", "--fragment", "-o", "-")
    assert '<span class="math">O(n log n)</span>' in html.stdout
    assert "<em>Emphasis</em>" in html.stdout and "<code>code_name</code>" in html.stdout


def test_owner_is_found_in_every_name_form() -> None:
    text = md("names.bib", owner=("--owner", "Jean-Paul Müller"))
    for owner_form in ["**Jean-Paul Müller**", "**J.-P. Muller**", "**J.-P. Müller**"]:
        assert owner_form in text
    assert "Ludwig van Beethoven" in text and "Martin Luther King, Jr." in text
    assert "Jean de la Fontaine" in text and "Barnes and Noble Research" in text
    assert "et al." in text
    first_author = text.split("### Other publications")[0]
    for title in ["First Last Form", "Non-ASCII Names", "Co-First by Star"]:
        assert title in first_author


def test_problems_are_all_reported() -> None:
    codes = check_codes("problems.bib")
    assert sorted(set(codes)) == sorted({
        "missing-field", "single-use-theme", "annotation-range", "unknown-role", "unsafe-link",
        "malformed-doi", "malformed-arxiv", "no-theme", "duplicate-paper", "bad-year",
        "duplicate-field", "guessed-label", "no-label", "paper-versions",
    })  # fmt: skip
    assert codes.count("duplicate-paper") == 1  # same DOI
    # Same arXiv id as a preprint, same title in a workshop: versions of one paper.
    assert codes.count("paper-versions") == 2
    assert codes.count("unsafe-link") == 3  # javascript:, data:, " JaVaScRiPt:"
    text = md("problems.bib")
    assert "The First Title Wins" in text and "The Second Title Loses" not in text


def test_hostile_text_stays_text() -> None:
    html = run("build", "hostile.bib", *ADA, "-s", "full", "-f", "html", "-o", "-").stdout
    # The page's own filter script and its JSON-LD; none from the data.
    assert html.count("<script") == 2
    assert "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    text = md("hostile.bib")
    assert "<" not in text
    assert r"Markdown \*stars\* \_underscores\_ \[brackets\](http://x) \`ticks\`" in text


def test_byte_order_mark_is_accepted() -> None:
    assert "A File with a Byte-Order Mark" in md("bom.bib")
