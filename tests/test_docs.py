"""The README stays true: its CLI reference is the live help, its commands are what CI runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from bibfolio.cli import main

REPO_ROOT = Path(__file__).parent.parent
README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(main.commands))
def test_readme_help_matches_live_help(command: str) -> None:
    block = re.search(rf"<!-- {command}-help:.*?-->\n```text\n(.*?)```", README, re.DOTALL)
    assert block is not None, f"README has no {command}-help block"
    live = CliRunner().invoke(main, [command, "--help"], prog_name="bibfolio", terminal_width=100)
    assert block.group(1) == live.stdout


def test_ci_runs_the_readme_test_command() -> None:
    test_command = re.search(r"^python3 -m venv \.venv && .*pytest$", README, re.MULTILINE)
    assert test_command is not None
    ci_script = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command.group(0) in ci_script.splitlines()


def test_readme_screenshot_exists() -> None:
    for image in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README):
        assert (REPO_ROOT / image).is_file(), image
