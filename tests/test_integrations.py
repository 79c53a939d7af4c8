"""Site integrations: each recipe of examples/README.md, run on refs.bib, gives exactly the
files kept in examples/ (regenerate with ``pytest --update-golden``), in the shape the site
reads."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bibfolio.cli import main

REPO_ROOT = Path(__file__).parent.parent
EXAMPLES = REPO_ROOT / "examples"
REFS = str(REPO_ROOT / "refs.bib")
# example folder -> the command of examples/README.md that fills it (run inside the folder)
RECIPES = {
    "academicpages-page": ["-f", "md", "--front-matter", "-o", "_pages"],
    "academicpages-per-paper": ["-f", "md", "-o", "-", "--per-paper", "_publications"],
    "jekyll-include": ["-f", "html", "--fragment", "-o", "_includes"],
    "hugo-partial": ["-f", "html", "--fragment", "-o", "layouts/partials"],
    "hugo-bundles": ["-f", "md", "-o", "-", "--per-paper", "content/publication", "--site", "hugo"],
    "data": ["-f", "json", "-f", "csl-json", "-o", "."],
}


def run_recipe(name: str, directory: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Run a recipe in ``directory`` and return the files it wrote, by relative path."""
    monkeypatch.chdir(directory)
    result = CliRunner().invoke(main, ["build", REFS, *RECIPES[name]], prog_name="bibfolio")
    assert result.exit_code == 0, result.output
    return {
        path.relative_to(directory).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


@pytest.mark.parametrize("name", RECIPES)
def test_recipe_output_matches_examples(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    files = run_recipe(name, tmp_path, monkeypatch)
    assert files
    example = EXAMPLES / name
    if request.config.getoption("--update-golden"):
        shutil.rmtree(example, ignore_errors=True)
        for relative, text in files.items():
            (example / relative).parent.mkdir(parents=True, exist_ok=True)
            (example / relative).write_text(text, encoding="utf-8", newline="\n")
    kept = {
        path.relative_to(example).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(example.rglob("*"))
        if path.is_file()
    }
    assert files == kept


def front_matter(text: str) -> dict[str, object]:
    assert text.startswith("---\n")
    header, _ = text[4:].split("\n---\n", 1)
    data = yaml.safe_load(header)
    assert isinstance(data, dict)
    return data


def test_academicpages_page_has_front_matter_and_no_duplicate_title(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = run_recipe("academicpages-page", tmp_path, monkeypatch)["_pages/publications.md"]
    assert front_matter(text) == {
        "title": "Research", "permalink": "/publications/", "author_profile": True}  # fmt: skip
    assert "\n# Research" not in text
    assert "- Systems for training and serving large models" in text


def test_academicpages_collection_files_have_the_fields_the_theme_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = run_recipe("academicpages-per-paper", tmp_path, monkeypatch)
    assert len(files) == 14
    alpa = front_matter(files["_publications/2022-01-01-zheng2022alpa.md"])
    assert set(alpa) >= {"title", "collection", "permalink", "date", "venue", "paperurl",
                         "citation"}  # fmt: skip
    assert alpa["collection"] == "publications"
    assert str(alpa["date"]) == "2022-01-01"


def test_hugo_bundles_have_the_fields_hugo_blox_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = run_recipe("hugo-bundles", tmp_path, monkeypatch)
    assert len(files) == 14
    alpa = front_matter(files["content/publication/zheng2022alpa/index.md"])
    assert alpa["title"] == (
        "Alpa: Automating Inter- and Intra-Operator Parallelism for Distributed Deep Learning"
    )
    assert isinstance(alpa["authors"], list) and alpa["authors"][0] == "Lianmin Zheng"
    assert alpa["publication_types"] == ["paper-conference"]
    assert set(alpa) >= {"date", "publication", "featured"}


def test_html_include_is_a_fragment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = run_recipe("jekyll-include", tmp_path, monkeypatch)["_includes/publications.html"]
    assert text.startswith('<section class="bibfolio')
    assert "<html" not in text and "<head" not in text


def test_data_exports_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = run_recipe("data", tmp_path, monkeypatch)
    page = json.loads(files["publications.json"])
    assert page["version"] == 2 and len(page["themes"]) == 3
    items = json.loads(files["publications.csl.json"])
    assert {item["id"] for item in items} >= {"zheng2022alpa", "fastchat"}
