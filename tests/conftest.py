"""Shared fixtures: a CLI runner, a .bib writer, and golden-file comparison."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

DATA_DIR = Path(__file__).parent / "data"
GOLDEN_DIR = Path(__file__).parent / "golden"
REPO_ROOT = Path(__file__).parent.parent


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite tests/golden/ from the current output; review the diff before committing.",
    )


@pytest.fixture(autouse=True)
def cache_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own empty cache directory, never the user's ~/.cache."""
    home = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def write_bib(tmp_path: Path) -> Callable[..., Path]:
    """Write a .bib file (UTF-8 unless told otherwise) into the test's tmp dir."""

    def write(text: str, name: str = "refs.bib", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return write


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """Compare output with ``tests/golden/NAME``; ``--update-golden`` rewrites it instead."""

    def check(name: str, actual: str) -> None:
        path = GOLDEN_DIR / name
        if request.config.getoption("--update-golden"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8", newline="\n")
        assert path.exists(), f"missing golden file {path}; run pytest --update-golden"
        assert actual == path.read_text(encoding="utf-8")

    return check
