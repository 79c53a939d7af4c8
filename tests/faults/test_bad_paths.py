"""Faults in the paths a user gives: a templates directory that is not there, an output that
is a link to nowhere, a project folder ``init`` cannot write. Each is one ``Error:`` line and
exit 1, never a traceback, and nothing is left half-written."""

from __future__ import annotations

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
