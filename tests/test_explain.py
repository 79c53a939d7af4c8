"""``bibfolio explain`` and ``bibfolio stats``: the reasons given match the page, and the
counts match the page's own JSON export."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from bibfolio.cli import main

REPO_ROOT = Path(__file__).parent.parent
REFS_BIB = REPO_ROOT / "refs.bib"
SMALL_BIB = Path(__file__).parent / "data" / "small.bib"

SCHOLAR_BIB = """\
@article{goodfellow2015,
  title = {A Paper Found on Google Scholar},
  author = {Goodfellow, Ian and Lovelace, Ada},
  journal = {arXiv preprint arXiv:1510.08713},
  year = {2015},
}

@inproceedings{lovelace2020,
  title = {A Paper Kept by al-folio},
  author = {Lovelace, Ada and Babbage, Charles},
  booktitle = {Proceedings of the International Conference on Machine Learning},
  pdf = {x.pdf},
  year = {2020},
}
"""


def invoke(runner: CliRunner, *args: str | Path) -> Result:
    return runner.invoke(main, [str(arg) for arg in args], prog_name="bibfolio")


def explained(runner: CliRunner, bib: Path, key: str, *options: str) -> dict[str, Any]:
    """The JSON explanation of one entry."""
    result = invoke(runner, "explain", bib, "--key", key, "--format", "json", *options)
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout)["entries"][0]
    assert report["key"] == key
    return report


@pytest.mark.parametrize(
    ("key", "section", "reason", "label_source"),
    [
        pytest.param("alpa-project", "projects", "@software entries are projects", "", id="lead"),
        pytest.param(
            "li2023alpaserve", "first-author", "marked equal (author+an)", "abbr", id="cofirst-an"
        ),
        pytest.param("chen2018tvm", "other", "is author 4 of", "abbr", id="other"),
        pytest.param("zheng2022alpa", "first-author", "author 1 of", "abbr", id="first-abbr"),
    ],
)
def test_explain_refs(
    runner: CliRunner, key: str, section: str, reason: str, label_source: str
) -> None:
    report = explained(runner, REFS_BIB, key)
    assert report["section"] == section
    assert reason in report["section_reason"]
    assert report["label_source"] == label_source
    assert report["owner"] == "Lianmin Zheng"
    assert report["themes"] and report["themes"][0] in report["theme_reason"]


def test_explain_abbr_label_names_the_field(runner: CliRunner) -> None:
    result = invoke(runner, "explain", REFS_BIB, "-k", "zheng2022alpa")
    assert result.exit_code == 0, result.output
    assert 'label:   "OSDI 22" from abbr: the abbr field "OSDI"' in result.stdout
    assert "(from eprint" in result.stdout


def test_explain_cofirst_marked_with_star_and_guessed_owner(runner: CliRunner) -> None:
    report = explained(runner, SMALL_BIB, "somerville1840star")
    assert report["section"] == "first-author"
    assert '"*" after the names' in report["section_reason"]
    assert report["owner"] == "Ada Lovelace"
    assert not report["owner_given"]
    assert report["owner_position"] == 2


@pytest.mark.parametrize(
    ("key", "section"),
    [
        pytest.param("engine", "projects", id="project"),
        pytest.param("lovelace1843notes", "first-author", id="first"),
        pytest.param("babbage1842cofirst", "first-author", id="cofirst"),
    ],
)
def test_explain_small_bib_agrees_with_the_page(runner: CliRunner, key: str, section: str) -> None:
    report = explained(runner, SMALL_BIB, key)
    page = invoke(runner, "build", SMALL_BIB, "-f", "json", "-o", "-")
    sections = {
        entry["key"]: group["section"]
        for theme in json.loads(page.stdout)["themes"]
        for group in theme["sections"]
        for entry in group["entries"]
    }
    assert report["section"] == sections[key] == section


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        pytest.param(
            "lovelace2020",
            'PDF: /assets/pdf/x.pdf (from pdf "x.pdf", an al-folio file name under asset_base)',
            id="al-folio-pdf",
        ),
        pytest.param(
            "goodfellow2015",
            'arXiv: https://arxiv.org/abs/1510.08713 (from journal "arXiv preprint '
            'arXiv:1510.08713")',
            id="scholar-arxiv",
        ),
    ],
)
def test_explain_link_sources(
    runner: CliRunner, write_bib: Callable[..., Path], key: str, shown: str
) -> None:
    bib = write_bib(SCHOLAR_BIB)
    result = invoke(runner, "explain", bib, "--key", key, "--owner", "Ada Lovelace")
    assert result.exit_code == 0, result.output
    assert shown in result.stdout


def test_explain_table_label_names_the_row(
    runner: CliRunner, write_bib: Callable[..., Path]
) -> None:
    report = explained(runner, write_bib(SCHOLAR_BIB), "lovelace2020")
    assert report["label_source"] == "venue table"
    assert "International Conference on Machine Learning" in report["label_reason"]
    assert "table" in report["label_reason"]


def test_explain_unknown_key_suggests_close_ones(runner: CliRunner) -> None:
    result = invoke(runner, "explain", REFS_BIB, "--key", "zheng2022alpha")
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Error: ") and "zheng2022alpa" in lines[0]


def test_stats_match_the_page_export(runner: CliRunner) -> None:
    result = invoke(runner, "stats", REFS_BIB, "--format", "json")
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    page = invoke(runner, "build", REFS_BIB, "-f", "json", "-o", "-")
    entries = {
        entry["key"]: entry
        for theme in json.loads(page.stdout)["themes"]
        for group in theme["sections"]
        for entry in group["entries"]
    }.values()
    papers = [entry for entry in entries if entry["kind"] == "paper"]
    assert stats["entries"] == len(entries)
    assert stats["papers"] == len(papers)
    assert stats["first_author"] == sum(paper["is_first_author"] for paper in papers)
    assert stats["years"] == dict(Counter(str(paper["year"]) for paper in papers))
    venues = Counter(paper["label"].rsplit(" ", 1)[0] for paper in papers)
    assert stats["venues"] == dict(venues)
    assert stats["types"] == dict(Counter(entry["type"] for entry in entries))
    coauthors = Counter(
        name
        for paper in papers
        for name in {person["name"] for person in paper["authors"] if not person["is_owner"]}
    )
    top = sorted(coauthors.items(), key=lambda item: (-item[1], item[0]))[:15]
    assert list(stats["coauthors"].items()) == top


def test_stats_text_table(runner: CliRunner) -> None:
    result = invoke(runner, "stats", REFS_BIB)
    assert result.exit_code == 0, result.output
    assert "first author of" in result.stdout.splitlines()[0]
    assert "Ion Stoica" in result.stdout
