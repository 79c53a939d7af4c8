"""The docs stay true: the CLI reference is the live help, the README's commands are what CI
runs, its links lead somewhere, and the library example runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from bibfolio.cli import main

REPO_ROOT = Path(__file__).parent.parent
README_PATH = REPO_ROOT / "README.md"
README = README_PATH.read_text(encoding="utf-8")
CLI_DOC_PATH = REPO_ROOT / "docs" / "cli.md"
LIBRARY_DOC = (REPO_ROOT / "docs" / "library.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(main.commands))
def test_cli_doc_help_matches_live_help(command: str, request: pytest.FixtureRequest) -> None:
    """docs/cli.md pastes each command's --help; ``--update-golden`` pastes it again."""
    pattern = re.compile(rf"(<!-- {command}-help:.*?-->\n```text\n)(.*?)(```)", re.DOTALL)
    block = pattern.search(CLI_DOC_PATH.read_text(encoding="utf-8"))
    assert block is not None, f"docs/cli.md has no {command}-help block"
    live = CliRunner().invoke(main, [command, "--help"], prog_name="bibfolio", terminal_width=100)
    if request.config.getoption("--update-golden"):
        text = CLI_DOC_PATH.read_text(encoding="utf-8")
        updated = pattern.sub(lambda m: m.group(1) + live.stdout + m.group(3), text)
        CLI_DOC_PATH.write_text(updated, encoding="utf-8")
        return
    assert block.group(2) == live.stdout


def test_ci_runs_the_readme_test_command() -> None:
    test_command = re.search(r"^python3 -m venv \.venv && .*pytest$", README, re.MULTILINE)
    assert test_command is not None
    ci_script = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command.group(0) in ci_script.splitlines()


def test_readme_images_exist() -> None:
    for image in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README):
        assert (REPO_ROOT / image).is_file(), image


def test_readme_links_lead_somewhere() -> None:
    for target in re.findall(r"\]\((?!https?:|#)([^)#]+)", README):
        assert (REPO_ROOT / target).exists(), target


def test_readme_stays_short() -> None:
    """Details live in docs/; the README is what a newcomer reads first."""
    assert README.count("\n") <= 250


def test_library_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    section = LIBRARY_DOC
    example = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert example is not None
    monkeypatch.chdir(REPO_ROOT)  # the example reads refs.bib from the current directory
    namespace: dict[str, object] = {}
    exec(example.group(1), namespace)
    assert "Alpa" in str(namespace["markdown"])
