"""``bibfolio init``: a starting bibfolio.toml that the build then reads."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bibfolio.cli import main
from bibfolio.config import read_config_file
from bibfolio.render import bundled_templates_dir

SMALL_BIB = Path(__file__).parent / "data" / "small.bib"


def init(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["init", *map(str, args)], prog_name="bibfolio")
    return result.exit_code, result.stderr


def test_init_fills_owner_and_themes_from_the_bib(tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    shutil.copyfile(SMALL_BIB, bib)
    code, stderr = init(bib)
    assert code == 0, stderr
    settings = read_config_file(tmp_path / "bibfolio.toml")
    assert settings == {
        "owner": ("Ada Lovelace",),
        "themes": ("Computing machinery", "Mathematics"),
    }
    assert 'Owner set to "Ada Lovelace" and 2 themes listed' in stderr


def test_the_written_config_is_read_by_build(tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    shutil.copyfile(SMALL_BIB, bib)
    assert init(bib, "--templates")[0] == 0
    (tmp_path / "templates" / "compact.md").write_text("edited {{ page.title }}\n", "utf-8")
    result = CliRunner().invoke(main, ["build", str(bib), "-f", "md", "-o", "-"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "# Publications\n\nedited Publications\n"
    assert "note: no owner given" not in result.stderr  # the owner came from the file


def test_init_without_a_bib_writes_a_commented_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert init()[0] == 0
    assert read_config_file(Path("bibfolio.toml")) == {}


def test_init_copies_every_bundled_template(tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    shutil.copyfile(SMALL_BIB, bib)
    assert init(bib, "--templates")[0] == 0
    bundled = sorted(path.name for path in bundled_templates_dir().iterdir())
    assert sorted(path.name for path in (tmp_path / "templates").iterdir()) == bundled


def test_init_never_overwrites_without_force(tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    shutil.copyfile(SMALL_BIB, bib)
    (tmp_path / "bibfolio.toml").write_text("title = 'mine'\n", encoding="utf-8")
    code, stderr = init(bib)
    assert code == 1
    assert (
        stderr.strip()
        == f"Error: {tmp_path / 'bibfolio.toml'}: already exists; pass --force to replace it"
    )
    assert (tmp_path / "bibfolio.toml").read_text(encoding="utf-8") == "title = 'mine'\n"
    assert init(bib, "--force")[0] == 0
