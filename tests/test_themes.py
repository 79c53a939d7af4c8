"""Pages without themes, entries in several themes, and supervised theses, as a user builds
them: both styles, both formats, through the command line."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bibfolio.cli import main

STYLES_AND_FORMATS = [
    pytest.param(style, fmt, id=f"{style}-{fmt}")
    for style in ("compact", "full")
    for fmt in ("md", "html")
]
UNTHEMED = (
    "@article{first2020, title = {First Paper}, author = {Lovelace, Ada and Babbage, Charles},\n"
    "  journal = {Journal One}, abbr = {JO}, year = 2020}\n"
    "@article{second2021, title = {Second Paper}, author = {Babbage, Charles and Lovelace, Ada},\n"
    "  journal = {Journal Two}, abbr = {JT}, year = 2021}\n"
    "@software{engine, title = {Engine}, url = {https://example.org/engine}, role = {lead}}\n"
)
TWO_THEMES = (
    "@article{both2022, title = {Both Themes}, author = {Lovelace, Ada}, journal = {J},\n"
    "  abbr = {BT}, year = 2022, theme = {Systems; Compilers}}\n"
    "@article{sys2021, title = {Systems Only}, author = {Lovelace, Ada}, journal = {J},\n"
    "  abbr = {SO}, year = 2021, theme = {Systems}}\n"
    "@article{comp2020, title = {Compilers Only}, author = {Lovelace, Ada}, journal = {J},\n"
    "  abbr = {CO}, year = 2020, theme = {Compilers}}\n"
)
ADA_PAPERS = (
    "@article{ada2020, title = {Notes}, author = {Lovelace, Ada}, journal = {J}, abbr = {J},\n"
    "  year = 2020}\n"
    "@article{ada2021, title = {More Notes}, author = {Lovelace, Ada and Somerville, Mary},\n"
    "  journal = {J}, abbr = {J}, year = 2021}\n"
)


def build(runner: CliRunner, bib: Path, *args: str) -> Result:
    result = runner.invoke(main, ["build", str(bib), "--no-cache", *args], prog_name="bibfolio")
    assert result.exit_code == 0, result.output
    return result


def page(runner: CliRunner, bib: Path, style: str, fmt: str, *args: str) -> str:
    return build(runner, bib, "-s", style, "-f", fmt, "-o", "-", *args).stdout


def thesis(key: str, entry_type: str, author: str, extra: str = "") -> str:
    return (
        f"@{entry_type}{{{key}, title = {{Thesis {key}}}, author = {{{author}}},\n"
        f"  school = {{University}}, year = 2019{extra}}}\n"
    )


# --- pages without themes ---------------------------------------------------------------------


@pytest.mark.parametrize(("style", "fmt"), STYLES_AND_FORMATS)
def test_a_page_without_themes_shows_its_sections_without_a_theme_heading(
    runner: CliRunner, write_bib: Callable[..., Path], style: str, fmt: str
) -> None:
    text = page(runner, write_bib(UNTHEMED), style, fmt, "--owner", "Ada Lovelace")
    assert "Other</" not in text and "- Other\n" not in text and "## Other\n" not in text
    assert 'class="bf-theme-title"' not in text
    sections = ["Projects", "First-author publications", "Other publications"]
    expected = {
        ("compact", "md"): [f"- {title}:" for title in sections],
        ("compact", "html"): [f'<span class="bf-section-title">{t}:</span>' for t in sections],
        ("full", "md"): [f"## {title}\n" for title in sections],  # the top headings
        ("full", "html"): [f'<h2 class="bf-section-title">{t}</h2>' for t in sections],
    }[style, fmt]
    positions = [text.index(heading) for heading in expected]
    assert positions == sorted(positions)
    if (style, fmt) == ("compact", "md"):
        assert text.splitlines()[2:] == [line for line in text.splitlines()[2:] if line[:1] == "-"]


def test_a_page_without_themes_has_no_theme_filter(
    runner: CliRunner, write_bib: Callable[..., Path]
) -> None:
    text = page(runner, write_bib(UNTHEMED), "full", "html", "--owner", "Ada Lovelace")
    assert 'name="theme"' not in text
    assert 'name="year"' in text  # the other filters stay


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_a_mixed_file_keeps_other_for_unthemed_entries(
    runner: CliRunner, write_bib: Callable[..., Path], fmt: str
) -> None:
    bib = write_bib(UNTHEMED + TWO_THEMES)
    text = page(runner, bib, "compact", fmt, "--owner", "Ada Lovelace")
    headings = re.findall(r"^- (\w+)$|bf-theme-title\">(\w+)<", text, re.MULTILINE)
    assert ["".join(h) for h in headings] == ["Systems", "Compilers", "Other"]


@pytest.mark.parametrize("group_by", ["year", "type"])
def test_grouping_by_year_or_type_keeps_its_headings(
    runner: CliRunner, write_bib: Callable[..., Path], group_by: str
) -> None:
    text = page(runner, write_bib(UNTHEMED), "full", "md", "--group-by", group_by)
    headings = re.findall(r"^## (.+)$", text, re.MULTILINE)
    assert headings == (
        ["Projects", "2021", "2020"] if group_by == "year" else ["Journal articles", "Software"]
    )


def test_the_summary_names_no_themes_on_a_page_without_them(
    runner: CliRunner, write_bib: Callable[..., Path], tmp_path: Path
) -> None:
    result = build(runner, write_bib(UNTHEMED), "-o", str(tmp_path / "out"))
    assert "(3 entries)" in result.stderr


# --- several themes per entry -----------------------------------------------------------------


@pytest.mark.parametrize(("style", "fmt"), STYLES_AND_FORMATS)
def test_an_entry_is_listed_under_each_of_its_themes(
    runner: CliRunner, write_bib: Callable[..., Path], style: str, fmt: str
) -> None:
    text = page(runner, write_bib(TWO_THEMES), style, fmt, "--owner", "Ada Lovelace")
    shown = "BT 22" if style == "compact" else "Both Themes"
    systems, compilers = re.split(r'(?:^- |^## |bf-theme-title">)Compilers', text, flags=re.M)
    assert shown in systems and shown in compilers
    assert text.count(shown) == 2 or (style, fmt) == ("full", "html")  # + aria-label, search
    assert "Other" not in text.replace("Other publications", "")


def test_an_entry_in_two_themes_has_one_id_and_matches_both_in_the_filter(
    runner: CliRunner, write_bib: Callable[..., Path]
) -> None:
    text = page(runner, write_bib(TWO_THEMES), "full", "html", "--owner", "Ada Lovelace")
    ids = re.findall(r' id="([^"]+)"', text)
    assert len(ids) == len(set(ids)) and "both2022" in ids
    assert text.count('data-theme="Systems;Compilers"') == 2
    assert text.count("bf-again") == 2  # the second listing, and the script that skips it
    options = re.findall(r'<option value="([^"]*)">', text)
    assert options[:2] == ["Systems", "Compilers"]


def test_json_lists_every_theme_of_an_entry(
    runner: CliRunner, write_bib: Callable[..., Path]
) -> None:
    data = json.loads(page(runner, write_bib(TWO_THEMES), "compact", "json"))
    keys = {
        t["title"]: [e["key"] for s in t["sections"] for e in s["entries"]] for t in data["themes"]
    }
    assert keys == {"Systems": ["both2022", "sys2021"], "Compilers": ["both2022", "comp2020"]}
    entry = data["themes"][0]["sections"][0]["entries"][0]
    assert (entry["theme"], entry["themes"]) == ("Systems", ["Systems", "Compilers"])


def test_csl_json_and_the_summary_count_an_entry_in_two_themes_once(
    runner: CliRunner, write_bib: Callable[..., Path], tmp_path: Path
) -> None:
    bib = write_bib(TWO_THEMES)
    items = json.loads(page(runner, bib, "compact", "csl-json"))
    assert [item["id"] for item in items] == ["both2022", "sys2021", "comp2020"]
    result = build(runner, bib, "-o", str(tmp_path / "out"))
    assert "(3 entries in 2 themes)" in result.stderr


def test_check_hints_at_a_typo_in_one_of_several_themes(
    runner: CliRunner, write_bib: Callable[..., Path]
) -> None:
    bib = write_bib(TWO_THEMES.replace("{Systems; Compilers}", "{Systems; Compilres}"))
    result = runner.invoke(main, ["check", str(bib), "--no-cache"], prog_name="bibfolio")
    assert 'theme "Compilres" is used by "both2022" only; did you mean "Compilers"?' in (
        result.stdout
    )
    assert 'theme "Systems"' not in result.stdout


# --- bibfolio init ----------------------------------------------------------------------------


def test_init_lists_every_theme_and_explains_the_separator(
    runner: CliRunner, write_bib: Callable[..., Path]
) -> None:
    bib = write_bib(TWO_THEMES)
    result = runner.invoke(main, ["init", str(bib)], prog_name="bibfolio")
    assert result.exit_code == 0, result.output
    config = (bib.parent / "bibfolio.toml").read_text(encoding="utf-8")
    assert 'themes = [\n  "Systems",\n  "Compilers",\n]' in config
    assert 'separated by ";"' in config and "theme = {Systems; Compilers}" in config


def test_init_says_how_to_add_themes_to_a_bib_without_any(
    runner: CliRunner, write_bib: Callable[..., Path]
) -> None:
    result = runner.invoke(main, ["init", str(write_bib(UNTHEMED))], prog_name="bibfolio")
    assert result.exit_code == 0, result.output
    assert 'several separated by ";": theme = {Systems; Compilers}' in result.stderr


# --- supervised theses ------------------------------------------------------------------------

SUPERVISED = ADA_PAPERS + thesis(
    "advised", "phdthesis", "Student, Sam", ",\n  advisor = {Lovelace, Ada}"
)


@pytest.mark.parametrize(("style", "fmt"), STYLES_AND_FORMATS)
def test_a_thesis_the_owner_advised_has_its_own_section_last(
    runner: CliRunner, write_bib: Callable[..., Path], style: str, fmt: str
) -> None:
    # A fragment: the page around it names every title in its JSON-LD.
    text = page(runner, write_bib(SUPERVISED), style, fmt, "--owner", "Ada Lovelace", "--fragment")
    assert "Other publications" not in text
    first, supervised = text.split("Supervised theses")
    label = "PhD thesis 19" if style == "compact" else "Thesis advised"
    assert label in supervised and label not in first
    assert "Notes" not in supervised if style == "full" else "J 20" in first


@pytest.mark.parametrize(
    "how",
    [
        pytest.param(("--supervised", "omit"), id="option"),
        pytest.param(("--config", "toml"), id="bibfolio.toml"),
    ],
)
@pytest.mark.parametrize("fmt", ["md", "html"])
def test_supervised_omit_leaves_them_out(
    runner: CliRunner,
    write_bib: Callable[..., Path],
    tmp_path: Path,
    how: tuple[str, str],
    fmt: str,
) -> None:
    args = list(how)
    if how[0] == "--config":
        config = tmp_path / "settings.toml"
        config.write_text('supervised = "omit"\n', encoding="utf-8")
        args = ["--config", str(config)]
    text = page(runner, write_bib(SUPERVISED), "full", fmt, "--owner", "Ada Lovelace", *args)
    assert "Supervised theses" not in text and "Thesis advised" not in text
    assert "More Notes" in text


def test_an_unknown_supervised_setting_is_an_error(
    runner: CliRunner, write_bib: Callable[..., Path], tmp_path: Path
) -> None:
    (tmp_path / "bibfolio.toml").write_text('supervised = "hide"\n', encoding="utf-8")
    result = runner.invoke(main, ["build", str(write_bib(ADA_PAPERS))], prog_name="bibfolio")
    assert result.exit_code == 1
    assert 'unknown supervised "hide" (choose from section, omit)' in result.stderr


@pytest.mark.parametrize(
    ("entry", "section"),
    [
        pytest.param(thesis("t", "mastersthesis", "Student, Sam"), "Supervised", id="no-advisor"),
        pytest.param(
            thesis("t", "thesis", "Student, Sam", ",\n  supervisor = {A. Lovelace}"),
            "Supervised",
            id="supervisor-initials",
        ),
        pytest.param(
            thesis("t", "bachelorsthesis", "Student, Sam", ",\n  editor = {Lovelace, Ada}"),
            "Supervised",
            id="biblatex-editor",
        ),
        pytest.param(
            thesis("t", "phdthesis", "Student, Sam", ",\n  advisor = {Babbage, Charles}"),
            "Other",
            id="someone-else-advised",
        ),
        pytest.param(thesis("t", "phdthesis", "Lovelace, Ada"), "First-author", id="own-thesis"),
        pytest.param(
            "@article{t, title = {Thesis t}, author = {Student, Sam}, abbr = {J}, year = 2019}",
            "Other",
            id="not-a-thesis",
        ),
    ],
)
def test_which_theses_count_as_supervised(
    runner: CliRunner, write_bib: Callable[..., Path], entry: str, section: str
) -> None:
    text = page(runner, write_bib(ADA_PAPERS + entry), "full", "md", "--owner", "Ada Lovelace")
    heading = text[: text.index("Thesis t")].rsplit("## ", 1)[1]
    assert heading.startswith(section)


def test_the_guessed_owner_gets_the_theses_they_advised_and_advisors_are_not_counted(
    runner: CliRunner, write_bib: Callable[..., Path]
) -> None:
    # Babbage advises three theses, more than Ada's two papers: an author count ignores that.
    theses = "".join(
        thesis(f"s{n}", "phdthesis", name, ",\n  advisor = {Babbage, Charles}")
        for n, name in enumerate(["Adams, Sam", "Brown, Kim", "Cole, Lee"])
    )
    advised = thesis("mine", "mastersthesis", "Pupil, Pat", ",\n  advisor = {Lovelace, A.}")
    result = build(runner, write_bib(ADA_PAPERS + theses + advised), "-s", "full", "-f", "md",
                   "-o", "-")  # fmt: skip
    assert 'assuming "Ada Lovelace"' in result.stderr
    supervised = result.stdout.split("## Supervised theses")[1]
    assert "Thesis mine" in supervised and "Thesis s0" not in supervised


def test_a_p3palazzo_like_cv_puts_students_dissertations_under_supervised(
    runner: CliRunner, write_bib: Callable[..., Path]
) -> None:
    # p3palazzo/cv: master's dissertations as @phdthesis with `type`, no advisor field.
    student = (
        "@phdthesis{almeida:2021papel,\n  type = {{Dissertação de Mestrado em Arquitetura}},\n"
        "  title = {{O papel da arquitetura}},\n  author = {Almeida, Sarah da Silva},\n"
        "  year = {2021},\n  school = {Universidade de Brasília}\n}\n"
    )
    own = (
        "@phdthesis{palazzo:2010belo,\n  type = {{Tese de Doutorado}},\n  title = {{O belo}},\n"
        "  author = {Palazzo, Pedro P.},\n  year = {2010},\n  school = {Universidade}\n}\n"
        "@article{a, title = {A}, author = {Palazzo, Pedro P.}, abbr = {J}, year = 2020}\n"
    )
    text = page(runner, write_bib(student + own), "compact", "md")
    assert "- Supervised theses: Master's thesis 21\n" in text
    assert "- First-author publications: J 20, PhD thesis 10\n" in text
