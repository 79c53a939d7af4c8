"""The README stays true: its CLI reference is the live help, its commands are what CI runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from bibfolio.cli import main

REPO_ROOT = Path(__file__).parent.parent
README_PATH = REPO_ROOT / "README.md"
README = README_PATH.read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(main.commands))
def test_readme_help_matches_live_help(command: str, request: pytest.FixtureRequest) -> None:
    """The README pastes each command's --help; ``--update-golden`` pastes it again."""
    pattern = re.compile(rf"(<!-- {command}-help:.*?-->\n```text\n)(.*?)(```)", re.DOTALL)
    block = pattern.search(README)
    assert block is not None, f"README has no {command}-help block"
    live = CliRunner().invoke(main, [command, "--help"], prog_name="bibfolio", terminal_width=100)
    if request.config.getoption("--update-golden"):
        text = README_PATH.read_text(encoding="utf-8")
        updated = pattern.sub(lambda m: m.group(1) + live.stdout + m.group(3), text)
        README_PATH.write_text(updated, encoding="utf-8")
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


def test_readme_library_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    section = README.split("## Library use", 1)[1]
    example = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert example is not None
    monkeypatch.chdir(REPO_ROOT)  # the example reads refs.bib from the current directory
    namespace: dict[str, object] = {}
    exec(example.group(1), namespace)
    assert "Alpa" in str(namespace["markdown"])
