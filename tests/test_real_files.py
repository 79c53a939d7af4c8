"""What users' own .bib files carry, end to end through the CLI: the exporters' fields, their
venues and links, and what ``check`` says about what bibfolio cannot use."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bibfolio.cli import main

# Excerpts in the shape of real files in ../shared/realworld (credited per entry): an ADS
# export (AlecThomson/alecthomson.github.io), an al-folio file (501Good/501Good.github.io),
# a Google Scholar export, an ACM DL export and a Jekyll _data file with its own field names
# (nickswalker/nickwalker.us).
REAL_SHAPES = r"""
@ARTICLE{2023PASA...40...40T,
       author = {{Thomson}, Alec J.~M. and {Landecker}, Tom L.},
        title = "{Polarisation in the sky}",
      journal = {\pasa},
         year = 2023,
          eid = {arXiv:2304.01234},
       adsurl = {https://ui.adsabs.harvard.edu/abs/2023PASA...40...40T},
}
@inproceedings{milintsevich2024,
  title = {Your Model is Not Predicting Depression Well},
  author = {Milintsevich, Kirill and Sirts, Kairit},
  booktitle = {Proceedings of the 9th Workshop on Computational Linguistics and
               Clinical Psychology},
  year = {2024},
  abbr = {CLPsych 2024},
  arxiv = {2402.00001},
  pdf = {clpsych.pdf},
  preview = {clpsych.png},
  award_name = {Best Paper},
}
@article{walker2015scholar,
  title = {A Scholar Entry},
  author = {Walker, Nick and Doe, Jane},
  journal = {arXiv preprint arXiv:1510.08713},
  year = {2015},
}
@inproceedings{walker2019acm,
  title = {An ACM Entry},
  author = {Walker, Nick},
  booktitle = {Proceedings of the 2019 ACM SIGSIM Conference on Principles of
               Advanced Discrete Simulation},
  series = {SIGSIM-PADS '19},
  year = {2019},
}
@inproceedings{walker2020own,
  title = {Own Fields},
  author = {Walker, Nick},
  booktitle = {2020 IEEE/RSJ International Conference on Intelligent Robots and Systems},
  year = {2020},
  wwwpdf = {https://example.org/own.pdf},
}
"""


def build_json(tmp_path: Path, config: str = "") -> dict:  # type: ignore[type-arg]
    bib = tmp_path / "refs.bib"
    bib.write_text(REAL_SHAPES, encoding="utf-8")
    if config:
        (tmp_path / "bibfolio.toml").write_text(config, encoding="utf-8")
    result = CliRunner().invoke(
        main, ["build", str(bib), "-f", "json", "-o", "-", "--no-cache", "--owner", "Nick Walker"]
    )
    assert result.exit_code == 0, result.output
    entries = {}
    for theme in json.loads(result.stdout)["themes"]:
        for section in theme["sections"]:
            entries.update({entry["key"]: entry for entry in section["entries"]})
    return entries


def links(entry: dict) -> dict[str, str]:  # type: ignore[type-arg]
    return {link["kind"]: link["href"] for link in entry["links"]}


def test_labels_from_each_exporter(tmp_path: Path) -> None:
    entries = build_json(tmp_path)
    assert entries["2023PASA...40...40T"]["label"] == "PASA 23"
    assert entries["2023PASA...40...40T"]["venue"] == "PASA"
    assert entries["milintsevich2024"]["label"] == "CLPsych 24"
    assert entries["walker2015scholar"]["label"] == "Preprint 15"
    assert entries["walker2019acm"]["label"] == "SIGSIM-PADS 19"
    assert entries["walker2020own"]["label"] == "IROS 20"


def test_links_from_each_exporter(tmp_path: Path) -> None:
    entries = build_json(tmp_path)
    ads = links(entries["2023PASA...40...40T"])
    assert ads["arxiv"] == "https://arxiv.org/abs/2304.01234"
    assert ads["ads"] == "https://ui.adsabs.harvard.edu/abs/2023PASA...40...40T"
    alfolio = links(entries["milintsevich2024"])
    assert alfolio == {
        "pdf": "/assets/pdf/clpsych.pdf",
        "arxiv": "https://arxiv.org/abs/2402.00001",
    }
    assert links(entries["walker2015scholar"]) == {"arxiv": "https://arxiv.org/abs/1510.08713"}


def test_settings_name_venues_fields_and_asset_bases(tmp_path: Path) -> None:
    config = """
asset_base = "/files/"
[venues]
"International Conference on Intelligent Robots and Systems" = "IROS-X"
[fields]
wwwpdf = "pdf"
"""
    entries = build_json(tmp_path, config)
    assert entries["walker2020own"]["label"] == "IROS-X 20"
    assert links(entries["walker2020own"]) == {"pdf": "https://example.org/own.pdf"}
    assert links(entries["milintsevich2024"])["pdf"] == "/files/clpsych.pdf"


def test_full_style_shows_award_and_preview(tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text(REAL_SHAPES, encoding="utf-8")
    result = CliRunner().invoke(
        main, ["build", str(bib), "-s", "full", "-f", "html", "-o", "-", "--no-cache"]
    )
    assert result.exit_code == 0, result.output
    assert 'src="/assets/img/publication_preview/clpsych.png"' in result.stdout
    assert "Best Paper" in result.stdout


def test_check_names_unused_fields_and_labels_it_had_to_guess(tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text(
        REAL_SHAPES + "@misc{nolabel, title = {T}, author = {A, B}, year = 2001,"
        " howpublished = {Some talk somewhere that is long enough}}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["check", str(bib), "--format", "json"])
    diagnostics = json.loads(result.stdout)["diagnostics"]
    unused = [d["message"] for d in diagnostics if d["code"] == "unused-field"]
    assert len(unused) == 1 and 'field "wwwpdf" (1 entry) holds links' in unused[0]
    # A sentence is no venue: its label is the year, and check says so.
    found = [(d["severity"], d["code"]) for d in diagnostics if "nolabel" in d["message"]]
    assert found == [("warning", "no-label")]
