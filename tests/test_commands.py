"""Commands defined outside the entries: @preamble, [macros] and the AAS journal macros."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bibfolio.cli import main
from bibfolio.commands import (
    MAX_EXPANSIONS,
    MAX_LENGTH,
    Command,
    Commands,
    read_definitions,
    user_commands,
)
from bibfolio.errors import ConfigError
from bibfolio.load import Bibliography, ReadSettings, load
from bibfolio.model import Span


def read(tmp_path: Path, *texts: str, macros: tuple[tuple[str, str], ...] = ()) -> Bibliography:
    """Load each text as a .bib file of its own, in order."""
    paths = []
    for number, text in enumerate(texts):
        path = tmp_path / f"f{number}.bib"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return load(paths, settings=ReadSettings.from_config(macros=macros))


def title_of(tmp_path: Path, preamble: str, title: str) -> str:
    bibliography = read(tmp_path, f"{preamble}\n@misc{{k, title = {{{title}}}}}\n")
    return bibliography.entries[0].title


def invoke(runner: CliRunner, *args: str | Path) -> Result:
    return runner.invoke(main, [str(arg) for arg in args], prog_name="bibfolio")


@pytest.mark.parametrize(
    ("preamble", "title", "shown"),
    [
        (r"@preamble{ {\newcommand{\apjx}{ApJ X}} }", r"In \apjx", "In ApJ X"),
        (r'@preamble{"\newcommand*\x{y}"}', r"a \x{} b", "a y b"),
        (r'@preamble{"\renewcommand{\TeX}{TeX!}"}', r"\TeX", "TeX!"),
        (r'@preamble{"\providecommand{\sys}{Sys}"}', r"\sys{} works", "Sys works"),
        (r'@preamble{"\providecommand{\TeX}{No}"}', r"\TeX", "TeX"),
        (r'@preamble{"\def \TUB {TUGboat}"}', r"The \TUB\ editor", "The TUGboat editor"),
        (r'@preamble{"\newcommand{\name}[1]{\textbf{#1}}"}', r"\name{Ada} wrote", "Ada wrote"),
        (r'@preamble{"\def\foo#1#2{#2-#1}"}', r"\foo{a}{b}", "b-a"),
        (r'@preamble{"\newcommand{\opt}[2][d]{#1:#2}"}', r"\opt{x} \opt[y]{z}", "d:x y:z"),
        (r'@preamble{"\def\en#1\end{[#1]}"}', r"\en Hallo Welt\end!", "[Hallo Welt]!"),
        (r'@preamble{"\let\ssf=\textbf"}', r"\ssf{x}", "x"),
        (r'@preamble{"\def\a{A}\def\b{\a\a} \newcommand{\c}{\b}"}', r"\c", "AA"),
        (r'@preamble{"\def\x{X}" # " \def\y{Y}"}', r"\x\y", "XY"),
        (r'@string{d = "\def\z{Z}"} @preamble{d}', r"\z", "Z"),
        (r'@preamble{"\ifx \undefined \Dash \def \Dash{--}\fi"}', r"a\Dash b", "a — b"),
        (r'@preamble{"\ifx \undefined \Xy \def \Xy {{\sc Xy}} \fi"}', r"\Xy-pic", "Xy-pic"),
        (r'@preamble{"\newcommand{\noopsort}[1]{}"}', r"\noopsort{a}Title", "Title"),
        (r'@preamble{"\def\w{\em}"}', r"{\w x}y", "xy"),
    ],
    ids=[
        "newcommand-braced-name",
        "newcommand-star-bare-name",
        "renewcommand-replaces-known",
        "providecommand-new",
        "providecommand-keeps-known",
        "def-with-spaces",
        "newcommand-argument",
        "def-two-parameters",
        "optional-argument",
        "delimited-parameter",
        "let",
        "nested-definitions",
        "concatenated-preamble",
        "preamble-using-string",
        "ifx-undefined-keeps-known",
        "ifx-undefined-defines-new",
        "noopsort",
        "switch-in-replacement",
    ],
)
def test_preamble_definitions_are_expanded(
    tmp_path: Path, preamble: str, title: str, shown: str
) -> None:
    assert title_of(tmp_path, preamble, title) == shown


def test_argument_replacement_keeps_its_style(tmp_path: Path) -> None:
    bibliography = read(
        tmp_path,
        '@preamble{"\\newcommand{\\name}[1]{\\textbf{#1}}"}\n@misc{k, title = {\\name{Ada} x}}\n',
    )
    assert bibliography.entries[0].title_spans == (Span("Ada", "strong"), Span(" x"))


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("journal", r"\apj", "ApJ"),
        ("journal", r"{\aap}", "A&A"),
        ("title", r"Results in \mnras{} and \apjl", "Results in MNRAS and ApJ"),
        ("note", r"Accepted in \aj", "Accepted in AJ"),
    ],
    ids=["lone-venue", "venue-in-braces", "title", "note"],
)
def test_aas_macros_read_as_journals_anywhere(
    tmp_path: Path, field: str, value: str, shown: str
) -> None:
    entry = read(tmp_path, f"@article{{k, {field} = {{{value}}}}}\n").entries[0]
    assert {"journal": entry.venue, "title": entry.title, "note": entry.note}[field] == shown


@pytest.mark.parametrize(
    ("preamble", "macros", "shown"),
    [
        ("", (), "ApJ"),
        (r'@preamble{"\newcommand{\apj}{Astrophys. J.}"}', (), "Astrophys. J."),
        (r'@preamble{"\newcommand{\apj}{Astrophys. J.}"}', (("apj", "The ApJ"),), "The ApJ"),
        ("", (("\\apj", "The ApJ"),), "The ApJ"),
    ],
    ids=["aas", "preamble-over-aas", "macros-over-preamble", "macros-with-backslash"],
)
def test_which_definition_wins(
    tmp_path: Path, preamble: str, macros: tuple[tuple[str, str], ...], shown: str
) -> None:
    text = f"{preamble}\n@article{{k, journal = {{\\apj}}}}\n"
    assert read(tmp_path, text, macros=macros).entries[0].venue == shown


def test_a_preamble_applies_to_the_entries_of_every_file(tmp_path: Path) -> None:
    bibliography = read(
        tmp_path, "@misc{a, title = {\\sys}}\n", '@preamble{"\\def\\sys{Sys}"}\n@misc{b, title={x}}'
    )
    assert [entry.title for entry in bibliography.entries] == ["Sys", "x"]


@pytest.mark.parametrize(
    ("author", "names"),
    [
        (r"\me{Ada Lovelace} and Bob Smith", ["Ada Lovelace", "Bob Smith"]),
        (r"\ADA and Bob Smith", ["Ada Lovelace", "Bob Smith"]),
    ],
    ids=["wrapper-with-argument", "whole-name"],
)
def test_names_use_the_definitions(tmp_path: Path, author: str, names: list[str]) -> None:
    preamble = '@preamble{"\\newcommand{\\me}[1]{\\textbf{#1}} \\def\\ADA{Ada Lovelace}"}'
    entry = read(tmp_path, f"{preamble}\n@misc{{k, author = {{{author}}}}}\n").entries[0]
    assert [person.name for person in entry.authors] == names
    assert entry.authors[0].last == "Lovelace"


def test_unknown_commands_stay_visible(tmp_path: Path) -> None:
    assert title_of(tmp_path, "", r"\sys{} and \sys") == r"\sys and \sys"


@pytest.mark.parametrize(
    "definition",
    [
        r"\def\a{\a}",
        r"\def\a{\a\a}",
        r"\def\a{x\a}",
        r"\def\a{\b}\def\b{\a}",
        r"\newcommand{\a}[1]{\a{#1#1}}",
        r"\def\a{\b\b}\def\b{\c\c}\def\c{\d\d}\def\d{\e\e}\def\e{\f\f}\def\f{\g\g}\def\g{}",
    ],
    ids=["itself", "doubling", "growing", "mutual", "argument-doubling", "wide-and-empty"],
)
def test_expansion_is_bounded(tmp_path: Path, definition: str) -> None:
    started = time.perf_counter()
    bibliography = read(
        tmp_path, f'@preamble{{"{definition}"}}\n@misc{{k, title = {{\\a{{x}} and \\TeX}}}}\n'
    )
    assert time.perf_counter() - started < 5
    entry = bibliography.entries[0]
    assert len(entry.title) < 100
    assert entry.title.endswith("and TeX")
    runaway = [d for d in bibliography.diagnostics if d.code == "runaway-command"]
    if definition.endswith(r"\def\g{}"):  # 2**6 empty expansions: within the bounds
        assert not runaway and entry.title == "x and TeX"
    else:
        assert [(d.path.name if d.path else "", d.line) for d in runaway] == [("f0.bib", 2)]
        assert "expands without end" in runaway[0].message


def test_a_runaway_command_leaves_the_others_expanded() -> None:
    commands = Commands.of({"a": Command("\\a"), "b": Command("B")})
    assert commands.expand("\\a \\b") == ("\\a B", "a")


def test_long_text_with_many_uses_is_not_a_runaway() -> None:
    """The bounds are beyond what the text itself holds: an abstract longer than MAX_LENGTH,
    or with more uses than MAX_EXPANSIONS, expands in full."""
    commands = Commands.of({"b": Command("BB")})
    text = "\\b " * (MAX_EXPANSIONS + 1) + "x" * MAX_LENGTH
    assert commands.expand(text) == ("BB " * (MAX_EXPANSIONS + 1) + "x" * MAX_LENGTH, "")


@pytest.mark.parametrize(
    ("text", "expanded"),
    [
        ("plain", "plain"),
        ("\\em\\x", "\\em y"),
        ("\\f{a}b", "\\bf b"),
        ("\\x\\x", "yy"),
        ("\\f", "\\f"),
        ("\\g{1}{2}", "1#2#3"),
    ],
    ids=["no-command", "apart-before", "apart-after", "adjacent", "missing-argument", "hashes"],
)
def test_expanding_text(text: str, expanded: str) -> None:
    defined: dict[str, Command] = {}
    read_definitions(r"\def\x{y} \def\f#1{\bf} \def\g#1#2{#1##2#3}", defined)
    assert Commands.of(defined).expand(text) == (expanded, "")


@pytest.mark.parametrize(
    ("macros", "expected"),
    [
        ((("sys", "Sys"),), {"sys": Command("Sys")}),
        ((("me", "\\textbf{#1}"),), {"me": Command("\\textbf{#1}", ("",))}),
        ((("pair", "#2, #1 (##1)"),), {"pair": Command("#2, #1 (##1)", ("", ""))}),
    ],
    ids=["no-argument", "one-argument", "count-is-highest-n"],
)
def test_user_commands(macros: tuple[tuple[str, str], ...], expected: dict[str, Command]) -> None:
    assert user_commands(macros) == expected


def test_a_bad_macros_name_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r'\[macros\] name "my-name"'):
        user_commands([("my-name", "x")])


def test_macros_from_bibfolio_toml(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "bibfolio.toml").write_text(
        '[macros]\nsys = "\\\\textsc{Sys}"\nme = "\\\\textbf{#1}"\n', encoding="utf-8"
    )
    bib = tmp_path / "refs.bib"
    bib.write_text("@misc{k, title = {\\sys: by \\me{Ada}}, author = {Ada Lovelace}}\n")
    result = invoke(runner, "build", bib, "-f", "json", "-o", "-", "--no-cache")
    assert result.exit_code == 0, result.stderr
    entry = json.loads(result.stdout)["themes"][0]["sections"][0]["entries"][0]
    assert entry["title"] == "Sys: by Ada"


def test_editing_the_preamble_remakes_cached_entries(runner: CliRunner, tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    entries = "@misc{k, title = {About \\sys}, author = {Ada Lovelace}}\n"

    def title(preamble: str) -> str:
        bib.write_text(preamble + entries, encoding="utf-8")
        result = invoke(runner, "build", bib, "-f", "json", "-o", "-")
        assert result.exit_code == 0, result.stderr
        page = json.loads(result.stdout)
        found: str = page["themes"][0]["sections"][0]["entries"][0]["title"]
        return found

    assert title('@preamble{"\\def\\sys{One}"}\n') == "About One"
    assert title('@preamble{"\\def\\sys{Two}"}\n') == "About Two"
    assert title("") == "About \\sys"
    assert title('@preamble{"\\def\\sys{One}"}\n') == "About One"


@pytest.mark.parametrize(
    ("fmt", "shown", "absent"),
    [
        ("html", "&lt;script&gt;alert(1)&lt;/script&gt;", "<script>alert"),
        ("md", "&lt;script&gt;alert(1)&lt;/script&gt;", "<script>alert"),
    ],
    ids=["html", "markdown"],
)
def test_hostile_definitions_stay_escaped(
    runner: CliRunner, tmp_path: Path, fmt: str, shown: str, absent: str
) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text(
        '@preamble{"\\def\\x{<script>alert(1)</script>}"}\n'
        "@misc{k, title = {\\x}, author = {Ada Lovelace}, note = {\\x}, journal = {\\x}}\n",
        encoding="utf-8",
    )
    result = invoke(runner, "build", bib, "-f", fmt, "-s", "full", "-o", "-", "--no-cache")
    assert result.exit_code == 0, result.stderr
    assert shown in result.stdout
    assert absent not in result.stdout


def test_check_lists_commands_shown_as_written(runner: CliRunner, tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text(
        '@preamble{"\\def\\known{K}"}\n'
        "@misc{a, title = {\\sys{} and \\known}, author = {Ada \\Lace}, year = 2020}\n"
        "@misc{b, title = {\\texttt{\\verb} \\sys}, note = {\\other}, year = 2021}\n",
        encoding="utf-8",
    )
    result = invoke(runner, "check", bib)
    assert result.exit_code == 0, result.output  # notes only: the text is still shown
    notes = [line for line in result.stdout.splitlines() if "[undefined-command]" in line]
    assert [line.split(": note: ")[0].rsplit("/", 1)[-1] for line in notes] == [
        "refs.bib:2",
        "refs.bib:2",
        "refs.bib:3",
    ]
    assert '"\\Lace" (1 entry)' in notes[0]
    assert '"\\sys" (2 entries)' in notes[1]
    assert 'define it in [macros] of bibfolio.toml (sys = "…")' in notes[1]
    assert '"\\other" (1 entry)' in notes[2]
    assert "\\known" not in result.stdout and "\\verb" not in result.stdout


def test_editing_macros_remakes_cached_entries(runner: CliRunner, tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text("@misc{k, title = {About \\sys}, author = {Ada Lovelace}}\n", encoding="utf-8")
    titles = []
    for replacement in ("One", "Two", "One"):
        (tmp_path / "bibfolio.toml").write_text(f'[macros]\nsys = "{replacement}"\n')
        result = invoke(runner, "build", bib, "-f", "json", "-o", "-")
        assert result.exit_code == 0, result.stderr
        titles.append(json.loads(result.stdout)["themes"][0]["sections"][0]["entries"][0]["title"])
    assert titles == ["About One", "About Two", "About One"]
