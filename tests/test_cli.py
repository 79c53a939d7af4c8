"""The ``bibfolio`` command as a user runs it: exit codes, messages, files written."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bibfolio.cli import main

DATA_DIR = Path(__file__).parent / "data"
SMALL_BIB = DATA_DIR / "small.bib"
BROKEN_DIR = DATA_DIR / "broken"
OUTPUT_NAMES = ("publications.html", "publications.md")
OWNER_NOTE = 'assuming "Ada Lovelace"'
# Builds that fail after the owner is known pass it, so the inferred-owner note stays out of
# stderr and the error is its only line.
ADA = ("--owner", "Ada Lovelace")
FULL_MD_TO_STDOUT = ("-s", "full", "-f", "md", "-o", "-")


def invoke(runner: CliRunner, *args: str | Path) -> Result:
    """Run ``bibfolio ARGS`` in-process, named as the installed command is."""
    return runner.invoke(main, [str(arg) for arg in args], prog_name="bibfolio")


def stderr_lines(result: Result) -> list[str]:
    return result.stderr.splitlines()


def assert_one_error_line(result: Result) -> str:
    """The build failed the way the error model says: exit 1, one ``Error: `` line, no traceback.

    Warnings about the input (``file:line: warning: ...``) may come before it.
    """
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    lines = [line for line in stderr_lines(result) if ": warning: " not in line]
    assert len(lines) == 1, lines
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in result.output
    return lines[0]


def temp_files(directory: Path) -> list[Path]:
    """Leftovers of ``output.write_atomic`` (``.publications.html.XXXX.tmp``)."""
    return sorted(directory.glob(".publications*.tmp"))


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file in ``directory`` (hidden ones included) with its bytes."""
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


# --- building -----------------------------------------------------------------------------


def test_build_writes_html_and_md_and_says_so(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke(runner, "build", SMALL_BIB, "-o", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_NAMES)
    assert "<html" in (out / "publications.html").read_text(encoding="utf-8")
    assert (out / "publications.md").read_text(encoding="utf-8").startswith("# Publications\n")
    wrote = [line for line in stderr_lines(result) if line.startswith("Wrote ")]
    assert len(wrote) == 1
    assert str(out / "publications.html") in wrote[0]
    assert str(out / "publications.md") in wrote[0]
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("owner_args", "note_expected"),
    [
        pytest.param((), True, id="no-owner-note-names-guess"),
        pytest.param(("--owner", "Ada Lovelace"), False, id="owner-given-no-note"),
    ],
)
def test_inferred_owner_note_appears_only_without_owner(
    runner: CliRunner, tmp_path: Path, owner_args: tuple[str, ...], note_expected: bool
) -> None:
    result = invoke(runner, "build", SMALL_BIB, "-o", tmp_path, *owner_args)
    assert result.exit_code == 0, result.output
    assert (OWNER_NOTE in result.stderr) is note_expected
    assert ("note:" in result.stderr) is note_expected
    assert OWNER_NOTE not in result.stdout


def test_output_dash_prints_markdown_to_stdout_only(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = tmp_path / "written"
    assert invoke(runner, "build", SMALL_BIB, "-f", "md", "-o", written).exit_code == 0
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    result = invoke(runner, "build", SMALL_BIB, "-f", "md", "-o", "-")
    assert result.exit_code == 0, result.output
    assert list(cwd.iterdir()) == []  # no site/, no file named "-"
    assert result.stdout == (written / "publications.md").read_text(encoding="utf-8")
    assert "# Publications" not in result.stderr
    assert "Wrote" not in result.stderr


@pytest.mark.parametrize(
    "format_args",
    [
        pytest.param((), id="default-two-formats"),
        pytest.param(("-f", "html", "-f", "md"), id="two-formats-given"),
    ],
)
def test_output_dash_needs_exactly_one_format(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, format_args: tuple[str, ...]
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke(runner, "build", SMALL_BIB, "-o", "-", *format_args)
    assert list(tmp_path.iterdir()) == []
    assert result.exit_code == 2, result.output
    assert "--format" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("style", "present", "absent"),
    [
        pytest.param("compact", "bibfolio-compact", "Notes on the Analytical Engine", id="compact"),
        pytest.param("full", "Notes on the Analytical Engine", "bibfolio-compact", id="full"),
    ],
)
def test_style_chooses_the_template(
    runner: CliRunner, style: str, present: str, absent: str
) -> None:
    # A fragment: the page around it names every title in its JSON-LD.
    result = invoke(runner, "build", SMALL_BIB, "-s", style, "-f", "html", "-o", "-", "--fragment")
    assert result.exit_code == 0, result.output
    assert f"bibfolio-{style}" in result.stdout
    assert present in result.stdout
    assert absent not in result.stdout


def test_full_style_lists_authors_with_owner_in_bold(runner: CliRunner) -> None:
    result = invoke(runner, "build", SMALL_BIB, "--style", "full", "-f", "md", "-o", "-")
    assert result.exit_code == 0, result.output
    assert "**Ada Lovelace**, Charles Babbage." in result.stdout
    assert "Notes on the Analytical Engine" in result.stdout


@pytest.mark.parametrize("style", ["compact", "full"])
def test_fragment_html_has_no_page_wrapper(runner: CliRunner, style: str) -> None:
    result = invoke(runner, "build", SMALL_BIB, "--fragment", "-s", style, "-f", "html", "-o", "-")
    assert result.exit_code == 0, result.output
    assert "<html" not in result.stdout
    assert "<head" not in result.stdout
    assert "<h1>" not in result.stdout
    assert result.stdout.startswith("<section")


@pytest.mark.parametrize("style", ["compact", "full"])
def test_fragment_md_has_no_title_line(runner: CliRunner, style: str) -> None:
    result = invoke(runner, "build", SMALL_BIB, "--fragment", "-s", style, "-f", "md", "-o", "-")
    assert result.exit_code == 0, result.output
    assert not any(line.startswith("# ") for line in result.stdout.splitlines())
    assert "Computing machinery" in result.stdout


def test_page_is_the_default_and_wraps_the_fragment(runner: CliRunner) -> None:
    page = invoke(runner, "build", SMALL_BIB, "-f", "html", "-o", "-").stdout
    fragment = invoke(runner, "build", SMALL_BIB, "--fragment", "-f", "html", "-o", "-").stdout
    assert page.startswith("<!DOCTYPE html>")
    assert fragment.strip() in page


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        pytest.param("html", "<title>Selected Work</title>", id="html-title-element"),
        pytest.param("html", "<h1>Selected Work</h1>", id="html-heading"),
        pytest.param("md", "# Selected Work\n", id="md-heading"),
    ],
)
def test_title_option_sets_the_page_title(runner: CliRunner, fmt: str, expected: str) -> None:
    result = invoke(runner, "build", SMALL_BIB, "--title", "Selected Work", "-f", fmt, "-o", "-")
    assert result.exit_code == 0, result.output
    assert expected in result.stdout
    assert "Publications" not in result.stdout


@pytest.mark.parametrize(
    ("fmt", "escaped"),
    [
        pytest.param("html", "<h1>R&amp;D &lt;b&gt;</h1>", id="html"),
        pytest.param("md", "# R&amp;D &lt;b&gt;\n", id="md"),
    ],
)
def test_title_option_is_escaped(runner: CliRunner, fmt: str, escaped: str) -> None:
    result = invoke(runner, "build", SMALL_BIB, "--title", "R&D <b>", "-f", fmt, "-o", "-")
    assert result.exit_code == 0, result.output
    assert escaped in result.stdout
    assert "<b>" not in result.stdout


def test_owner_option_changes_the_sections(runner: CliRunner) -> None:
    ada = invoke(runner, "build", SMALL_BIB, "-f", "md", "-o", "-").stdout
    babbage = invoke(
        runner, "build", SMALL_BIB, "-f", "md", "-o", "-", "--owner", "Charles Babbage"
    ).stdout
    # Ada is first author of the ICAE paper, Charles its second author.
    assert "First-author publications: [ICAE 43](https://doi.org/10.1000/notes.1843)" in ada
    assert "Other publications: [ICAE 43](https://doi.org/10.1000/notes.1843)" in babbage
    # Both are co-first (author+an) on the BUG paper.
    assert "First-author publications: BUG 42" in babbage
    # Charles is on no Mathematics paper as first author.
    mathematics = babbage.split("- Mathematics\n", 1)[1].split("\n- ", 1)[0]
    assert "First-author" not in mathematics
    assert "Other publications:" in mathematics


def test_owner_option_is_repeatable(runner: CliRunner) -> None:
    result = invoke(
        runner,
        "build",
        SMALL_BIB,
        *FULL_MD_TO_STDOUT,
        "--owner",
        "Charles Babbage",
        "--owner",
        "Mary Somerville",
    )
    assert result.exit_code == 0, result.output
    assert "**Charles Babbage**" in result.stdout
    assert "**Mary Somerville**\\*" in result.stdout
    assert "**Ada Lovelace**" not in result.stdout
    assert "note:" not in result.stderr


def test_owner_matches_a_two_word_family_name_in_either_order(runner: CliRunner) -> None:
    # The .bib writes "De Morgan, Augustus"; the README promises name order does not matter.
    result = invoke(
        runner, "build", SMALL_BIB, "-f", "md", "-o", "-", "--owner", "Augustus De Morgan"
    )
    assert result.exit_code == 0, result.output
    mathematics = result.stdout.split("- Mathematics\n", 1)[1].split("\n- ", 1)[0]
    assert "First-author publications: [JFL 47](https://example.org/formal-logic)" in mathematics


def test_templates_dir_overrides_a_template_by_file_name(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "compact.md").write_text(
        "OVERRIDDEN {% for theme in page.themes %}[{{ theme.title }}]{% endfor %}\n",
        encoding="utf-8",
    )
    md = invoke(runner, "build", SMALL_BIB, "--templates", tmp_path, "-f", "md", "-o", "-")
    assert md.exit_code == 0, md.output
    # The bundled page.md still wraps the overridden compact.md (escape_md still applies).
    assert md.stdout.startswith("# Publications\n")
    assert "OVERRIDDEN [Computing machinery][Mathematics][Other]\n" in md.stdout
    assert "- Computing machinery" not in md.stdout
    # Only compact.md is replaced: full.md and the HTML templates are the bundled ones.
    full = invoke(
        runner, "build", SMALL_BIB, "--templates", tmp_path, "-s", "full", "-f", "md", "-o", "-"
    )
    assert full.exit_code == 0, full.output
    assert "OVERRIDDEN" not in full.stdout
    assert "## Computing machinery" in full.stdout
    html = invoke(runner, "build", SMALL_BIB, "--templates", tmp_path, "-f", "html", "-o", "-")
    assert "OVERRIDDEN" not in html.stdout
    assert "bibfolio-compact" in html.stdout


# --- help and version ---------------------------------------------------------------------


def test_version_comes_from_package_metadata(runner: CliRunner) -> None:
    result = invoke(runner, "--version")
    assert result.exit_code == 0
    assert result.stdout == f"bibfolio, version {importlib.metadata.version('bibfolio')}\n"


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_group_has_help(runner: CliRunner, flag: str) -> None:
    result = invoke(runner, flag)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Usage: bibfolio [OPTIONS] COMMAND")
    for name in main.commands:
        assert name in result.stdout


@pytest.mark.parametrize("command", sorted(main.commands))
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_every_command_has_help(runner: CliRunner, command: str, flag: str) -> None:
    result = invoke(runner, command, flag)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Usage: bibfolio {command} ")
    assert main.commands[command].help, f"{command} has no docstring"
    assert "--help" in result.stdout


def test_python_dash_m_bibfolio_runs_the_cli() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "bibfolio", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "Usage:" in completed.stdout
    assert "build" in completed.stdout


# --- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param(
            "unclosed_brace.bib",
            ["unclosed_brace.bib:7:", "@article{broken", "--skip-invalid"],
            id="unclosed-brace",
        ),
        pytest.param("duplicate_key.bib", ["duplicate_key.bib:7:", '"same"'], id="duplicate-key"),
        pytest.param(
            "latin1.bib", ["latin1.bib:2:", "--encoding latin-1"], id="latin1-suggests-encoding"
        ),
    ],
)
def test_broken_bib_is_one_error_line_with_file_line_and_advice(
    runner: CliRunner, tmp_path: Path, name: str, expected: list[str]
) -> None:
    out = tmp_path / "out"
    line = assert_one_error_line(invoke(runner, "build", BROKEN_DIR / name, "-o", out))
    for fragment in expected:
        assert fragment in line
    assert not out.exists()


@pytest.mark.parametrize("encoding", ["latin-1", "iso-8859-1", "cp1252"])
def test_latin1_file_reads_with_encoding_option(runner: CliRunner, encoding: str) -> None:
    result = invoke(
        runner,
        "build",
        BROKEN_DIR / "latin1.bib",
        "--encoding",
        encoding,
        *FULL_MD_TO_STDOUT,
    )
    assert result.exit_code == 0, result.output
    assert "Café Society" in result.stdout
    assert "Müller" in result.stdout


def test_unknown_encoding_is_one_error_line(runner: CliRunner, tmp_path: Path) -> None:
    result = invoke(runner, "build", SMALL_BIB, "--encoding", "no-such-codec", "-o", tmp_path)
    line = assert_one_error_line(result)
    assert "no-such-codec" in line
    assert "small.bib" in line


def test_undefined_macro_is_a_warning_with_the_field_line(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = invoke(runner, "build", BROKEN_DIR / "undefined_macro.bib", "-o", tmp_path)
    assert result.exit_code == 0, result.output
    warnings = [line for line in stderr_lines(result) if ": warning: " in line]
    assert len(warnings) == 1, result.stderr
    assert warnings[0].endswith(
        'undefined_macro.bib:4: warning: undefined macro "nosuchjournal" (BibTeX reads it as empty)'
        " [undefined-macro]"
    )
    assert "Error" not in result.stderr
    assert (tmp_path / "publications.html").is_file()


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("nope.bib", id="missing-file"),
        pytest.param("a-directory", id="directory"),
    ],
)
def test_unreadable_bib_is_one_error_line_naming_it(
    runner: CliRunner, tmp_path: Path, name: str
) -> None:
    (tmp_path / "a-directory").mkdir()
    result = invoke(runner, "build", tmp_path / name, "-o", tmp_path / "out")
    message = assert_one_error_line(result)
    assert f"{tmp_path / name}: cannot read file" in message
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "encoding",
    [
        pytest.param("rot13", id="str-to-str-codec"),
        pytest.param("base64", id="bytes-to-bytes-codec"),
        pytest.param("hex", id="hex-codec"),
        pytest.param("punycode", id="decoder-raises-plain-unicodeerror"),
    ],
)
def test_unusable_encoding_is_one_error_line(
    runner: CliRunner, tmp_path: Path, encoding: str
) -> None:
    result = invoke(runner, "build", SMALL_BIB, "--encoding", encoding, "-o", tmp_path / "out")
    message = assert_one_error_line(result)
    assert "small.bib" in message
    assert encoding in message
    assert not (tmp_path / "out").exists()


def test_unknown_style_names_the_missing_template(runner: CliRunner, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    result = invoke(
        runner,
        "build",
        SMALL_BIB,
        *ADA,
        "-s",
        "nosuch",
        "--templates",
        templates,
        "-o",
        "-",
        "-f",
        "md",
    )
    message = assert_one_error_line(result)
    assert 'template "nosuch.md" not found' in message
    assert str(templates) in message  # the directories searched, the user's first
    assert result.stdout == ""


def test_templates_dir_can_add_a_style(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "mine.md").write_text(
        "{% for theme in page.themes %}* {{ theme.title }}\n{% endfor %}", encoding="utf-8"
    )
    result = invoke(
        runner,
        "build",
        SMALL_BIB,
        *ADA,
        "-s",
        "mine",
        "--templates",
        tmp_path,
        "-f",
        "md",
        "-o",
        "-",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == ("# Publications\n\n* Computing machinery\n* Mathematics\n* Other\n")


@pytest.mark.parametrize(
    ("template", "line"),
    [
        pytest.param("{% for %}\n", 1, id="first-line"),
        pytest.param("ok\n{{ page.title }}\n{% for %}\n", 3, id="third-line"),
        pytest.param("{% for theme in page.themes %}\n{{ theme.title }}\n", 2, id="unclosed-for"),
    ],
)
def test_template_syntax_error_names_template_file_and_line(
    runner: CliRunner, tmp_path: Path, template: str, line: int
) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "compact.md").write_text(template, encoding="utf-8")
    result = invoke(
        runner,
        "build",
        SMALL_BIB,
        *ADA,
        "--templates",
        templates,
        "-o",
        tmp_path / "out",
    )
    message = assert_one_error_line(result)
    assert f"compact.md:{line}:" in message
    assert "syntax error" in message
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("toml", "line"),
    [
        pytest.param('title = "ok"\nowner = = 3\n', 2, id="bad-value"),
        pytest.param('# settings\n\ntitle = "unterminated\n', 3, id="unterminated-string"),
        pytest.param('title = "a"\ntitle = "b"\n', 2, id="duplicate-key"),
        pytest.param('title = "a"\nowner = [', 2, id="end-of-document"),
    ],
)
def test_malformed_config_file_names_file_and_line(
    runner: CliRunner, tmp_path: Path, toml: str, line: int
) -> None:
    bib = tmp_path / "refs.bib"
    shutil.copyfile(SMALL_BIB, bib)
    (tmp_path / "bibfolio.toml").write_text(toml, encoding="utf-8")
    result = invoke(runner, "build", bib, "-o", tmp_path / "out")
    message = assert_one_error_line(result)
    assert f"bibfolio.toml:{line}:" in message
    assert not (tmp_path / "out").exists()


def test_config_output_is_relative_to_the_config_file(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copyfile(SMALL_BIB, project / "refs.bib")
    (project / "bibfolio.toml").write_text('output = "mysite"\n', encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = invoke(runner, "build", project / "refs.bib", *ADA)
    assert result.exit_code == 0, result.output
    # read_config_file: "relative paths in it are relative to the file", as templates are.
    assert sorted(p.name for p in (project / "mysite").iterdir()) == sorted(OUTPUT_NAMES)
    assert list(elsewhere.iterdir()) == []


def test_unknown_config_setting_names_the_file(runner: CliRunner, tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    shutil.copyfile(SMALL_BIB, bib)
    (tmp_path / "bibfolio.toml").write_text('colour = "blue"\n', encoding="utf-8")
    message = assert_one_error_line(invoke(runner, "build", bib, "-o", tmp_path / "out"))
    assert "bibfolio.toml" in message
    assert '"colour"' in message


def test_skip_invalid_warns_and_renders_the_readable_entries(runner: CliRunner) -> None:
    result = invoke(
        runner,
        "build",
        BROKEN_DIR / "unclosed_brace.bib",
        "--skip-invalid",
        *FULL_MD_TO_STDOUT,
    )
    assert result.exit_code == 0, result.output
    skipped = [line for line in stderr_lines(result) if "warning: skipped" in line]
    assert len(skipped) == 1, result.stderr
    assert "unclosed_brace.bib:7: warning: skipped" in skipped[0]
    assert "Error" not in result.stderr
    # bibtexparser gives up on the broken block at the next "@article" and reads that one.
    assert "A Fine Paper" in result.stdout
    assert "After the Broken One" in result.stdout
    assert "An Unclosed Title" not in result.stdout


def test_output_path_that_is_a_file_is_one_error_line(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "not-a-dir"
    target.write_text("keep me", encoding="utf-8")
    message = assert_one_error_line(invoke(runner, "build", SMALL_BIB, *ADA, "-o", target))
    assert "not-a-dir" in message
    assert target.read_text(encoding="utf-8") == "keep me"


# --- atomicity, safety, determinism -------------------------------------------------------


def _failing_build_args(tmp_path: Path, how: str) -> list[str | Path]:
    if how == "broken-bib":
        return [BROKEN_DIR / "unclosed_brace.bib"]
    templates = tmp_path / "templates"
    templates.mkdir()
    # md is rendered after html: a failure there must not leave a new html behind either.
    (templates / "compact.md").write_text("{% for %}\n", encoding="utf-8")
    return [SMALL_BIB, *ADA, "--templates", templates]


@pytest.mark.parametrize("how", ["broken-bib", "bad-md-template"])
def test_failed_build_leaves_existing_output_untouched(
    runner: CliRunner, tmp_path: Path, how: str
) -> None:
    out = tmp_path / "out"
    good = invoke(runner, "build", SMALL_BIB, "-o", out, "--title", "Old")
    assert good.exit_code == 0, good.output
    before = snapshot(out)
    assert sorted(before) == sorted(OUTPUT_NAMES)
    failed = invoke(runner, "build", *_failing_build_args(tmp_path, how), "-o", out)
    assert_one_error_line(failed)
    assert snapshot(out) == before
    assert temp_files(out) == []


def test_failed_write_leaves_no_temporary_file(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "publications.html").mkdir(parents=True)  # os.replace onto a directory fails
    message = assert_one_error_line(
        invoke(runner, "build", SMALL_BIB, *ADA, "-f", "html", "-o", out)
    )
    assert "publications.html" in message
    assert temp_files(out) == []
    assert sorted(p.name for p in out.iterdir()) == ["publications.html"]


def test_successful_build_leaves_no_temporary_file(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    for _ in range(2):  # first into a new directory, then over existing files
        assert invoke(runner, "build", SMALL_BIB, "-o", out).exit_code == 0
        assert temp_files(out) == []
        assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_NAMES)


def test_files_that_already_hold_their_text_are_left_alone(
    runner: CliRunner, tmp_path: Path
) -> None:
    """A rebuild after a one-paper edit replaces that paper's file only: a site generator
    watching the folder rebuilds one page, not every paper's."""
    bib = tmp_path / "refs.bib"
    shutil.copyfile(SMALL_BIB, bib)
    out, papers = tmp_path / "out", tmp_path / "papers"
    args = ["build", bib, *ADA, "-s", "full", "-o", out, "--per-paper", papers]

    def identities() -> dict[str, tuple[int, int]]:  # a replaced file is a new inode
        files = sorted([*out.iterdir(), *papers.iterdir()])
        return {path.name: (path.stat().st_ino, path.stat().st_mtime_ns) for path in files}

    assert invoke(runner, *args).exit_code == 0
    first = identities()
    text = bib.read_text(encoding="utf-8")
    edit = "title = {Notes on"  # a paper's (the first entries are projects: no file)
    bib.write_text(text.replace(edit, "title = {Edited Notes on", 1), encoding="utf-8")
    result = invoke(runner, *args, "--no-cache")  # rendered afresh, not copied from the cache
    assert result.exit_code == 0, result.output
    second = identities()
    changed = sorted(name for name in first if second[name] != first[name])
    edited = [path.name for path in papers.iterdir() if "Edited " in path.read_text("utf-8")]
    assert len(edited) == 1
    assert changed == sorted([*OUTPUT_NAMES, *edited])
    assert temp_files(out) == []
    (out / "publications.md").write_text("changed by hand\n", encoding="utf-8")
    assert invoke(runner, *args).exit_code == 0
    assert (out / "publications.md").read_bytes() != b"changed by hand\n"


def test_output_files_get_the_usual_permissions(runner: CliRunner, tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        assert invoke(runner, "build", SMALL_BIB, "-o", tmp_path).exit_code == 0
    finally:
        os.umask(umask)
    for name in OUTPUT_NAMES:
        # Not mkstemp's private 0o600: a published page must be readable by the web server.
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644


def test_build_does_not_modify_the_bib_file(runner: CliRunner, tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    shutil.copyfile(SMALL_BIB, bib)
    before = bib.stat()
    data = bib.read_bytes()
    # Output next to the .bib, the way people build into their site's folder.
    result = invoke(runner, "build", bib, "-o", tmp_path)
    assert result.exit_code == 0, result.output
    after = bib.stat()
    assert bib.read_bytes() == data
    assert after.st_mtime_ns == before.st_mtime_ns
    assert after.st_size == before.st_size


def test_builds_are_byte_identical(runner: CliRunner, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for out in (first, second):
        result = invoke(runner, "build", SMALL_BIB, "-s", "full", "-o", out)
        assert result.exit_code == 0, result.output
    assert snapshot(first) == snapshot(second)
    for name in OUTPUT_NAMES:
        text = (first / name).read_bytes()
        assert text.endswith(b"\n")
        assert not text.endswith(b"\n\n")
        assert b"\r" not in text


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        pytest.param("formats = []\n", "formats is empty", id="no-formats"),
        pytest.param('formats = ["pdf"]\n', 'unknown format "pdf"', id="unknown-format"),
        pytest.param("owner = 3\n", 'setting "owner" must be a list of strings', id="wrong-type"),
        pytest.param('fragment = "yes"\n', 'setting "fragment" must be a bool', id="not-bool"),
    ],
)
def test_invalid_config_values_are_one_error_line(
    runner: CliRunner, tmp_path: Path, toml: str, expected: str
) -> None:
    bib = tmp_path / "refs.bib"
    shutil.copyfile(SMALL_BIB, bib)
    (tmp_path / "bibfolio.toml").write_text(toml, encoding="utf-8")
    message = assert_one_error_line(invoke(runner, "build", bib, "-o", tmp_path / "out"))
    assert "bibfolio.toml:" in message and expected in message


def test_owner_who_wrote_nothing_is_a_warning(runner: CliRunner, tmp_path: Path) -> None:
    result = invoke(runner, "build", SMALL_BIB, "--owner", "Grace Hoper", "-o", tmp_path)
    assert result.exit_code == 0, result.output
    assert 'warning: owner "Grace Hoper" is not an author of any entry' in result.stderr


def test_summary_counts_are_singular_for_one(
    runner: CliRunner, write_bib: Callable[..., Path], tmp_path: Path
) -> None:
    bib = write_bib("@article{k, title={T}, author={Lovelace, Ada}, year=2020, theme={X}}\n")
    result = invoke(runner, "build", bib, "-o", tmp_path / "out")
    assert "(1 entry in 1 theme)" in result.stderr


def test_a_piped_bib_is_read_once_and_builds_the_whole_page(
    tmp_path: Path, cache_home: Path
) -> None:
    """``cat refs.bib | bibfolio build /dev/stdin`` once gave an empty page over the good one:
    the build's cache key read the pipe before the build could."""
    out = tmp_path / "site"
    command = [sys.executable, "-m", "bibfolio", "build", "-f", "md", "-o", str(out)]
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    subprocess.run([*command, str(SMALL_BIB)], check=True, env=env, capture_output=True)
    good = (out / "publications.md").read_text(encoding="utf-8")
    piped = subprocess.run(
        [*command, "/dev/stdin"],
        input=SMALL_BIB.read_bytes(),
        env=env,
        capture_output=True,
        check=True,
    )
    assert b"0 entries" not in piped.stderr
    assert (out / "publications.md").read_text(encoding="utf-8") == good


def test_an_output_that_is_an_input_is_refused_and_left_alone(
    runner: CliRunner, tmp_path: Path
) -> None:
    bib = tmp_path / "publications.md"
    shutil.copy(SMALL_BIB, bib)
    result = invoke(runner, "build", bib, "-o", tmp_path)
    assert result.exit_code == 1
    assert "refusing to write over an input file" in result.stderr
    assert bib.read_bytes() == SMALL_BIB.read_bytes()
    assert not (tmp_path / "publications.html").exists()  # nothing written at all


@pytest.mark.parametrize(
    ("site_url", "ok"),
    [
        pytest.param("https://example.org/", True, id="https"),
        pytest.param("http://example.org/~ada/", True, id="path"),
        pytest.param("example.org", False, id="no-scheme"),
        pytest.param("javascript:alert(1)", False, id="unsafe"),
    ],
)
def test_site_url_must_be_an_http_address(runner: CliRunner, site_url: str, ok: bool) -> None:
    result = invoke(runner, "build", SMALL_BIB, "-o", "-", "-f", "md", "--site-url", site_url)
    assert (result.exit_code == 0) is ok, result.output
    if not ok:
        assert "is not an http(s) address" in result.stderr
