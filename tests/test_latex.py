"""LaTeX decoding: text decoded a brace group at a time reads as the parser reads it whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pylatexenc.macrospec import LatexContextDb

from bibfolio.cli import main
from bibfolio.latex import _parsed_spans, _parser_context, _tidy, to_spans, to_unicode
from bibfolio.model import Span

# Pieces of field text as .bib files write them: words, groups, commands and their
# arguments, style switches, accents, logos, math, ties, dashes, quotes, comments, escapes.
PIECES = [
    "A", "word", " ", "  ", "\n", "{", "}", "{}", "\\TeX", "\\LaTeX{}", "\\TeX\\ ", "\\it ",
    "\\bf", "\\em ", "\\emph{", "\\textbf{", "\\\"o", "\\'{e}", "\\c c", "\\&", "&", "\\{",
    "\\}", "\\\\", "\\", "~", "--", "---", "``", "''", "?`", "$", "$x^2$", "\\alpha", "%",
    "\\url{http://a.b/c}", "\\href{http://a.b}{", "\\sys", "\\unknown{", "\\verb|{|",
    "\\noopsort{a}", "\\mbox{", "\\slash", "\\#", "\\sl ", "\\rm ", "\\Dash", "\\MF{}",
]  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=14).map("".join))
# Where the text cannot be cut at its groups: a comment, math, verbatim text, a command
# outside the groups, an escaped brace, a trailing backslash.
@example("{a % b} c")
@example("{$x}$ {y}")
@example("{\\verb|}|")
@example("\\it {a} b")
@example("{a \\} b} {c}")
@example("{a}\\")
def test_spans_equal_the_parsers_reading_of_the_whole_text(latex: str) -> None:
    assert to_spans(latex) == _tidy(_parsed_spans(latex))


@pytest.mark.parametrize(
    "latex",
    [
        "{The DECUS {\\TeX} collection}",
        "{Exercises for {\\sl\\TeX\\/{\\rm:} The Program}}",
        "The {{\\bf {\\TeXLive} Guide}}, version 2",
        "{On musical typesetting: Sonata for {\\TeX} and {\\MF},\n   Op. 2}",
        "Advanced font features with {\\XeTeX}{\\Dash}the {\\sf\n   fontspec} package",
        "{Towards {\\LaTeX} 2.10} -- a {\\em new} ``hope''",
        "{a \\} b} {c}",
        "{\\it Math into \\LaTeX}",
        "{\\TeX} for {\\VAX}\\slash {VMS}",
        "{a} b \\sys{c} d {e}",
        "{x}\\it y {z}",
        "{x} \\href{http://a.b}{y} {z}",
    ],
)
def test_real_titles_read_as_the_parser_reads_them(latex: str) -> None:
    assert to_spans(latex) == _tidy(_parsed_spans(latex))


def test_groups_keep_their_styles_and_text() -> None:
    assert to_spans("{The {\\it DECUS} {\\TeX} collection}") == (
        Span("The "),
        Span("DECUS", "em"),
        Span(" TeX collection"),
    )


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="~-`'?!&a \\{", max_size=12))
def test_specials_are_looked_up_as_pylatexenc_looks_them_up(text: str) -> None:
    context = _parser_context()
    for pos in range(len(text)):
        expected = LatexContextDb.test_for_specials(context, text, pos)
        assert context.test_for_specials(text, pos) is expected


@pytest.mark.parametrize(
    "latex",
    ["\\href", "\\~\\href{x}", "\\footnote", "\\title", '\\"\\title', "$\\href$",
     "$\\frac$", "\\frac", "\\url", "\\mbox", '\\"\\url'],
)  # fmt: skip
def test_a_command_without_its_arguments_is_shown_as_written(latex: str) -> None:
    """pylatexenc fails on these (or shows "%s"): bibfolio shows the command instead."""
    text = "".join(span.text for span in to_spans(latex))
    assert "%s" not in text
    assert latex.split("\\")[1].strip("$") in text


def test_a_title_with_a_broken_command_builds(tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@article{a, title = {A \\~\\href{x} with \\footnote and \\url},"
        " author = {Lovelace, Ada}, journal = {J}, year = 2020}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["build", str(bib), "-s", "full", "-f", "html", "-o", "-"])
    assert result.exit_code == 0, result.output
    assert "\\href" in result.stdout
    assert "Traceback" not in result.output and "WARNING" not in result.output


def test_groups_nested_deeper_than_the_stack_lose_their_braces() -> None:
    """Parsing recurses once a group: a hostile file nests a thousand (the text stays)."""
    latex = "{" * 2000 + 'Caf\\"e' + "}" * 2000
    assert to_spans(latex) == (Span('Caf\\"e'),)


# Pieces of broken LaTeX: commands without their arguments, environments never closed.
BROKEN = [
    *PIECES,
    "\\verb", "\\begin{", "\\end{", "\\(", "\\]", "$$", "\\item", "\\par", "\\\n",
    "\\newcommand", "\\def", "\\frac{", "^{", "_{", "\\sqrt[", "\\left(", "\\mathrm{",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(BROKEN), max_size=12).map("".join) | st.text(max_size=30))
def test_any_text_decodes_without_failing(latex: str) -> None:
    to_spans(latex)


def test_text_the_parser_fails_on_is_shown_as_written() -> None:
    assert to_spans("x \\verb") == (Span("x \\verb"),)  # pylatexenc fails on it


@pytest.mark.parametrize(
    ("latex", "href"),
    [
        ("\\url{https://a.org/?x=1&y=2}", "https://a.org/?x=1&y=2"),
        ("see \\href{https://a.org/?x=1&y=2}{this}", "https://a.org/?x=1&y=2"),
        ("\\url{https://a.org/a\\_b\\%20c\\&d}", "https://a.org/a_b%20c&d"),
        ("\\url{https://a.org/a%20b} and more", "https://a.org/a%20b"),
        ("\\href{https://a.org/a%20b}{this} and more", "https://a.org/a%20b"),
    ],
)
def test_an_address_in_a_command_is_the_one_written(latex: str, href: str) -> None:
    """A bare "&" is read as the character "\\&" elsewhere; in an address it stays "&", and
    the escapes LaTeX needs outside ``\\url`` (``\\_``, ``\\%``) stand for the characters,
    as in a ``url`` field."""
    (link,) = [span for span in to_spans(latex) if span.style == "link"]
    assert link.href == href


def test_a_bare_percent_sign_is_the_character() -> None:
    """In LaTeX it would hide the rest of the line; in a field, people mean the sign."""
    assert to_unicode("50% faster, 20\\% smaller & cheaper") == "50% faster, 20% smaller & cheaper"


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        ("The status of {\\VAX}\\slash {\\TeX} at {Brown}", "The status of VAX/TeX at Brown"),
        (
            "\\MF{} and \\MP{} for \\LaTeXe, \\ConTeXt\\ and \\XeTeX",
            ("METAFONT and MetaPost for LaTeX2ε, ConTeXt and XeTeX"),
        ),
        ("Fonts\\Dash old and new", "Fonts — old and new"),
        ("see \\S\\,3, Dr.\\@ Who\\relax", "see § 3, Dr. Who"),
        ("{\\textless}i{\\textgreater} a\\textunderscore b\\textbar c", "<i> a_b|c"),
    ],
)
def test_logos_and_typography_of_tex_bibliographies_are_text(latex: str, text: str) -> None:
    """TeX Live's own bibliographies use commands their style files define: shown as text,
    never as "\\slash" or "\\MF"."""
    assert to_unicode(latex) == text


def test_old_font_switches_style_the_rest_of_their_group() -> None:
    spans = to_spans("{\\sl slanted \\rm upright} and {\\sc Small}")
    assert spans == (Span("slanted ", "em"), Span("upright and Small"))
