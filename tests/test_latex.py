"""LaTeX decoding: text decoded a brace group at a time reads as the parser reads it whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pylatexenc.macrospec import LatexContextDb

from bibfolio.cli import main
from bibfolio.latex import _parsed_spans, _tidy, to_spans, to_unicode
from bibfolio.latex_context import parser_context
from bibfolio.model import Span

# Pieces of field text as .bib files write them: words, groups, commands and their
# arguments, style switches, accents, logos, math, ties, dashes, quotes, comments, escapes.
PIECES = [
    "A", "word", " ", "  ", "\n", "{", "}", "{}", "\\TeX", "\\LaTeX{}", "\\TeX\\ ", "\\it ",
    "\\bf", "\\em ", "\\emph{", "\\textbf{", "\\\"o", "\\'{e}", "\\c c", "\\&", "&", "\\{",
    "\\}", "\\\\", "\\", "~", "--", "---", "``", "''", "?`", "$", "$x^2$", "\\alpha", "%",
    "\\url{http://a.b/c}", "\\href{http://a.b}{", "\\sys", "\\unknown{", "\\verb|{|",
    "\\noopsort{a}", "\\mbox{", "\\slash", "\\#", "\\sl ", "\\rm ", "\\Dash", "\\MF{}",
    "$H_2$", "^", "_", "\\textsuperscript{", "\\kern-.1em", "\\raise.5ex", "\\accent19 ",
    "\\path|", "\\path{", "\\small ", "\\special{", "\\hskip 1em plus 1fil",
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
@example("{\\path|}|")
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
    context = parser_context()
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


@pytest.mark.parametrize(
    ("latex", "spans"),
    [
        pytest.param(
            "$H_2CO$",
            (Span("H", "math"), Span("₂", "sub"), Span("CO", "math")),
            id="subscript-digit",
        ),
        pytest.param(
            "$C^{18}O$",
            (Span("C", "math"), Span("¹⁸", "sup"), Span("O", "math")),
            id="superscript-group",
        ),
        pytest.param("$M_\\odot$", (Span("M", "math"), Span("⊙", "sub")), id="symbol-subscript"),
        pytest.param(
            "150 M $_{\\odot}$ stars",
            (Span("150 M"), Span("⊙", "sub"), Span(" stars")),
            id="script-hangs-on-the-text-before",
        ),
        pytest.param("H$_2$O", (Span("H"), Span("₂", "sub"), Span("O")), id="script-alone"),
        pytest.param(
            "$T_{\\rm eff}$", (Span("T", "math"), Span("eff", "sub")), id="letters-without-script"
        ),
        pytest.param("$10^{-3}$", (Span("10", "math"), Span("⁻³", "sup")), id="negative-exponent"),
        pytest.param(
            "$\\mathrm{H_2O}$",
            (Span("H", "math"), Span("₂", "sub"), Span("O", "math")),
            id="script-inside-mathrm",
        ),
        pytest.param(
            "$x^\\prime_i$",
            (Span("x", "math"), Span("′", "sup"), Span("ᵢ", "sub")),
            id="prime-and-index",
        ),
        pytest.param("CO\\textsubscript{2}", (Span("CO"), Span("₂", "sub")), id="textsubscript"),
        pytest.param("$z\\sim6$", (Span("z∼6", "math"),), id="no-stray-space"),
        pytest.param("$z \\sim 6$", (Span("z ∼ 6", "math"),), id="spaces-as-written"),
        pytest.param("$O(n \\log n)$", (Span("O(n log n)", "math"),), id="word-command"),
        pytest.param(
            "$\\alpha$-synuclein", (Span("α", "math"), Span("-synuclein")), id="greek-letter"
        ),
        pytest.param("$x^$", (Span("x^", "math"),), id="script-without-argument"),
    ],
)
def test_math_scripts_are_spans(latex: str, spans: tuple[Span, ...]) -> None:
    assert to_spans(latex) == spans


SYMBOLS = {
    **{"odot": "⊙", "sim": "∼", "pm": "±", "times": "×", "alpha": "α", "omega": "ω"},
    **{"Gamma": "Γ", "Omega": "Ω", "leq": "≤", "geq": "≥", "approx": "≈", "infty": "∞"},
    **{"rightarrow": "→", "cdot": "·", "prime": "′", "circ": "∘", "lesssim": "≲"},
    **{"gtrsim": "≳", "propto": "∝", "partial": "∂", "nabla": "∇", "ell": "ℓ", "hbar": "ħ"},
    **{"mu": "μ", "ne": "≠", "Delta": "Δ", "sun": "☉"},
}


@pytest.mark.parametrize(("name", "char"), SYMBOLS.items(), ids=SYMBOLS)
def test_symbols_are_unicode_in_and_out_of_math(name: str, char: str) -> None:
    assert to_unicode(f"a $x\\{name}1$ b") == f"a x{char}1 b"
    assert to_unicode(f"a $x \\{name} y$ b") == f"a x {char} y b"
    assert to_unicode(f"a {{\\{name}}} b") == f"a {char} b"


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        pytest.param("$\\mathrm{H}\\alpha$ and \\mathrm{H}", "Hα and H", id="mathrm"),
        pytest.param("$\\rm H\\,II$ region", "H II region", id="rm"),
        pytest.param("$\\text{km s}^{-1}$", "km s⁻¹", id="text"),
        pytest.param("\\textrm{Roman}", "Roman", id="textrm"),
        pytest.param("$\\mathbf{x}$, \\mathbf{y}", "x, y", id="mathbf"),
        pytest.param("$\\mathit{x}$", "x", id="mathit"),
        pytest.param("$\\operatorname{Tr} A$", "Tr A", id="operatorname"),
        pytest.param("$\\mbox{a b}$ and \\mbox{c}", "a b and c", id="mbox"),
    ],
)
def test_text_commands_read_as_their_text(latex: str, text: str) -> None:
    assert to_unicode(latex) == text


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        pytest.param(
            "T\\kern-.1667em\\lower.5ex\\hbox{E}\\kern-.125emX", "TEX", id="kern-lower-hbox"
        ),
        pytest.param("Th{\\^e}{\\kern-.05em}\\raise\n 0.5ex\\hbox{x}", "Thêx", id="raise"),
        pytest.param("a\\hskip 1em plus 1fil b\\vskip2pt c", "a b c", id="skips"),
        pytest.param("{\\small a} {\\footnotesize b} {\\Large c}", "a b c", id="sizes"),
        pytest.param("{\\large d} {\\normalsize e} {\\tiny f}", "d e f", id="more-sizes"),
        pytest.param("a\\special{color push}b", "ab", id="special"),
        pytest.param("a\\penalty10000 b\\relax\\/c\\null", "abc", id="penalty-relax"),
        pytest.param("a\\,b\\;c\\!d\\quad e \\allowbreak f", "a b cd e f", id="spaces"),
        pytest.param("\\vbox{a}\\hbox{b}", "ab", id="boxes"),
        pytest.param('\\accent"7F a', "ä", id="accent-hex-dieresis"),
        pytest.param("\\accent19 e", "é", id="accent-acute"),
        pytest.param("Dv\\accent'27ur", "Dvůr", id="accent-octal-ring"),
        pytest.param("\\accent20 s", "š", id="accent-caron"),
        pytest.param("\\accent99 x", "\\accent99 x", id="accent-unknown-slot"),
        pytest.param("pp.\\\n 272", "pp. 272", id="backslash-newline"),
        pytest.param("Upr. Bol\\cprime sh.", "Upr. Bolʹsh.", id="cprime"),
    ],
)
def test_tex_primitives_vanish(latex: str, text: str) -> None:
    assert to_unicode(latex) == text


@pytest.mark.parametrize("latex", ["\\path|a_b%c|", "\\path{a_b%c}"], ids=["bars", "braces"])
def test_path_is_code(latex: str) -> None:
    assert to_spans(f"mail {latex}, or") == (Span("mail "), Span("a_b%c", "code"), Span(", or"))
