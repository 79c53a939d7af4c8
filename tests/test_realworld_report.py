"""benchmarks/realworld.py counts what it should on a two-entry al-folio file."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "realworld.py"

BIB = """\
---
---
@article{arxiv2023,
  title = {A Preprint},
  author = {Doe, Jane and Roe, Richard},
  journal = {arXiv preprint},
  year = {2023},
  eprint = {2301.01234},
  archivePrefix = {arXiv},
}

@inproceedings{alfolio2022,
  title = {A Conference Paper},
  author = {Doe, Jane AND Smith, John and others},
  booktitle = {Proceedings of the Symposium on Operating Systems Design and Implementation},
  year = {2022},
  pdf = {paper.pdf},
}

@string{osdi = {OSDI}}
@comment{not an entry}
"""


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("realworld", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["realworld"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def realworld() -> ModuleType:
    return load_script()


def bibfolio_command() -> str:
    command = Path(sys.executable).parent / "bibfolio"
    return str(command) if command.exists() else shutil.which("bibfolio") or "bibfolio"


def test_counts_on_a_small_file(
    realworld: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bib = tmp_path / "small.bib"
    bib.write_text(BIB, encoding="utf-8")
    status = realworld.main([str(bib), "--json", "--bibfolio", bibfolio_command()])
    data = json.loads(capsys.readouterr().out)
    assert status == 0
    (result,) = data["files"]
    assert result["file"] == "small.bib"
    assert (result["in_file"], result["on_page"], result["lost"]) == (2, 2, 0)
    assert result["arxiv_ids"] == 1
    assert result["arxiv_links"] == result["arxiv_ids"] - result["arxiv_missing"]
    # The al-folio pdf is a file name: a relative link whenever it reaches the page as one.
    assert result["relative_links"] <= result["links"].get("pdf", 0)
    assert (result["tracebacks"], result["bad_exits"]) == (0, 0)
    assert result["name_count_mismatch"] == 0
    assert result["family_papers"] is None  # no README next to the file
    assert data["total"]["in_file"] == 2


def test_reference_splitter_and_arxiv_ids(realworld: ModuleType) -> None:
    assert realworld.split_names("{Barnes and Noble} and Doe, J. AND Roe") == [
        "{Barnes and Noble}",
        "Doe, J.",
        "Roe",
    ]
    assert realworld.split_names("Anderson, A. and Sandberg, B.") == [
        "Anderson, A.",
        "Sandberg, B.",
    ]
    (entry,) = realworld.read_raw_entries("@misc{k, doi = {10.48550/arXiv.2101.00001}}")
    assert realworld.has_arxiv_id(entry)
    (entry,) = realworld.read_raw_entries("@misc{k, eprint = {12345}, eprinttype = {pubmed}}")
    assert not realworld.has_arxiv_id(entry)
    assert realworld.folded_letters(realworld.crude_latex("\\L{}ukasz")) == "lukasz"


FAKE_PAGE = {
    "owner": "Jane Doe",
    "themes": [
        {
            "title": "Other",
            "sections": [
                {
                    "section": "other",
                    "title": "Other publications",
                    "entries": [
                        {
                            "key": "arxiv2023",
                            "kind": "paper",
                            "title": "A $\\mathcal{O}(n)$ Preprint",
                            "label": "Preprint 23",
                            "venue": "arXiv preprint",
                            "year": 2023,
                            "authors": [
                                {"name": "Jane Doe", "is_owner": True},
                                {"name": "Richard Roe", "is_owner": False},
                            ],
                            "links": [
                                {"kind": "arxiv", "href": "https://arxiv.org/abs/2301.01234"}
                            ],
                        },
                        {
                            "key": "alfolio2022",
                            "kind": "paper",
                            "title": "A Conference Paper",
                            "label": "2022",
                            "venue": "Proceedings of the Symposium",
                            "year": 2022,
                            "authors": [
                                {"name": "Jane Doe", "is_owner": False},
                                {"name": "ohn Smith", "is_owner": False},
                            ],
                            "links": [{"kind": "pdf", "href": "paper.pdf"}],
                        },
                    ],
                }
            ],
        }
    ],
}

FAKE_BIBFOLIO = """\
import json, sys
if sys.argv[1] == "build":
    print(json.dumps(PAGE))
else:
    print(sys.argv[2] + ":3: warning: something [missing-field]")
    print(sys.argv[2] + ":12: note: something else [unused-field]")
    sys.stderr.write("Traceback (most recent call last):\\n  boom\\n")
    sys.exit(2)
"""


def test_exact_counts_with_a_fake_bibfolio(
    realworld: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The script's own counting, on a page and a check output fixed here."""
    bib = tmp_path / "small.bib"
    bib.write_text(BIB, encoding="utf-8")
    (tmp_path / "README.md").write_text(
        "| file | owner (as written) |\n| --- | --- |\n| small.bib | `Doe, Jane` |\n",
        encoding="utf-8",
    )
    fake = tmp_path / "bibfolio"
    fake.write_text(f"#!{sys.executable}\nPAGE = {FAKE_PAGE!r}\n" + FAKE_BIBFOLIO, encoding="utf-8")
    fake.chmod(0o755)
    status = realworld.main([str(tmp_path), "--json", "--verbose", "--bibfolio", str(fake)])
    result = json.loads(capsys.readouterr().out)["files"][0]
    assert status == 1  # a traceback and check's exit 2
    assert (result["tracebacks"], result["bad_exits"]) == (1, 1)
    assert (result["in_file"], result["on_page"], result["lost"]) == (2, 2, 0)
    assert (result["papers"], result["papers_with_venue"], result["year_only_labels"]) == (2, 2, 1)
    assert (result["arxiv_ids"], result["arxiv_links"], result["arxiv_missing"]) == (1, 1, 0)
    assert result["links"] == {"arxiv": 1, "pdf": 1}
    assert result["relative_links"] == 1
    assert result["codes"] == {"missing-field": 1, "unused-field": 1}
    assert result["unused_field"] == 1
    assert result["latex_in_text"] == 1
    assert result["name_count_mismatch"] == 0  # "and others" is the et-al mark
    assert result["name_letters_differ"] == 1  # "Smith, John" shown as "ohn Smith"
    assert (result["owner"], result["readme_owner"]) == ("Jane Doe", "Doe, Jane")
    assert (result["owner_papers"], result["family_papers"]) == (1, 2)
