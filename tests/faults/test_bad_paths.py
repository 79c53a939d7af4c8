"""Faults in the paths a user gives: a templates directory that is not there, an output that
is a link to nowhere, a project folder ``init`` cannot write. Each is one ``Error:`` line and
exit 1, never a traceback, and nothing is left half-written."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bibfolio.cli import main
from bibfolio.serve import Failed, LivePage, rebuild_lines

SMALL_BIB = Path(__file__).parents[1] / "data" / "small.bib"


@pytest.fixture
def bib(tmp_path: Path) -> Path:
    path = tmp_path / "refs.bib"
    shutil.copyfile(SMALL_BIB, path)
    return path


def run(*args: str) -> Result:
    """``bibfolio ARGS``; a traceback (an exception other than the exit) fails the test."""
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.mark.parametrize(
    ("value", "what"),
    [("nope", "does not exist"), ("refs.bib", "is not a directory")],
    ids=["missing", "a-file"],
)
def test_a_templates_setting_that_is_no_directory_names_the_settings_file(
    bib: Path, tmp_path: Path, value: str, what: str
) -> None:
    settings = tmp_path / "bibfolio.toml"
    settings.write_text(f'title = "Papers"\n\ntemplates = "{value}"\n', encoding="utf-8")
    out = tmp_path / "site"
    result = run("build", str(bib), "-o", str(out))
    error = f'Error: {settings}:3: templates directory "{value}" {what}'
    assert (result.exit_code, result.stderr.splitlines()) == (1, [error])
    assert not out.exists()
    failed = LivePage([bib]).rebuild()  # serve says the same
    assert isinstance(failed, Failed)
    assert rebuild_lines(failed) == [error]


@pytest.mark.parametrize("below", ["", "deeper"], ids=["output", "under-output"])
def test_an_output_that_links_to_nowhere_is_one_error_line(
    bib: Path, tmp_path: Path, below: str
) -> None:
    site = tmp_path / "site"
    site.symlink_to(tmp_path / "nonexistent")
    result = run("build", str(bib), "--owner", "Ada Lovelace", "-o", str(site / below))
    error = f'Error: {site}: cannot write into it: it links to "{tmp_path / "nonexistent"}", '
    last = result.stderr.splitlines()[-1]  # after the .bib's warnings
    assert (result.exit_code, last) == (1, error + "which does not exist")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["refs.bib", "site"]


def test_init_templates_where_the_templates_folder_is_a_file_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("templates").write_text("not a folder\n", encoding="utf-8")
    result = run("init", "--templates")
    error = "Error: templates/compact-entry.html: cannot write file: Not a directory"
    assert (result.exit_code, result.stderr.splitlines()) == (1, [error])
    assert [path.name for path in tmp_path.iterdir()] == [
        "templates"
    ]  # no bibfolio.toml without its templates


@pytest.mark.skipif(
    os.geteuid() == 0, reason="root writes into read-only folders (the test above runs as root)"
)
def test_init_templates_in_a_read_only_folder_is_one_error_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    project.mkdir(mode=0o555)
    monkeypatch.chdir(project)
    try:
        result = run("init", "--templates")
    finally:
        project.chmod(0o755)
    error = "Error: templates/compact-entry.html: cannot write file: Permission denied"
    assert (result.exit_code, result.stderr.splitlines()) == (1, [error])
    assert list(project.iterdir()) == []
