"""Venue tables: every data file is credited and consistent, and real venues find their labels."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bibfolio import venues
from bibfolio.venues import aas_macros, find_venue, normalise_venue

DATA_FILES = sorted(venues.DATA_DIR.glob("*.tsv"))


def _header(path: venues.Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line[:1] == "#"]


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda path: path.name)
def test_data_file_names_source_license_and_command(path: venues.Path) -> None:
    header = "\n".join(_header(path))
    for field in ("# source: https://github.com/", "# license: ", "# regenerate: python scripts/"):
        assert field in header


@pytest.mark.parametrize("table", venues.TABLES)
def test_stored_keys_are_the_normalised_full_names(table: str) -> None:
    rows = venues._lines(table)
    assert len(rows) > 1000
    wrong = [row for row in rows if row.split("\t")[0] != normalise_venue(row.split("\t")[2])]
    assert wrong == []


def test_data_files_are_listed() -> None:
    assert {path.stem for path in DATA_FILES} == {
        *venues.TABLES,
        venues.ABBREVIATIONS,
        "aas_macros",
    }


def test_abbreviations_carry_their_journals_label() -> None:
    rows = [row.split("\t") for row in venues._lines(venues.ABBREVIATIONS)]
    journals = venues._table("journals")
    assert len(rows) > 1000
    assert [key for key, _, _ in rows if key in journals] == []
    wrong = [row for row in rows if journals[normalise_venue(row[2])].split("\t")[0] != row[1]]
    assert wrong == []


@pytest.mark.parametrize(
    ("venue", "label", "full_name"),
    [
        pytest.param("Phys. Rev. D", "PRD", "Physical Review D", id="inspire-prd"),
        pytest.param("Phys. Rev. Lett.", "PRL", "Physical Review Letters", id="inspire-prl"),
        pytest.param("Phys.\u00a0Rev.\u00a0D", "PRD", "Physical Review D", id="aas-prd"),
        pytest.param("Astrophys. J.", "ApJ", "The Astrophysical Journal", id="inspire-apj"),
        pytest.param("Ann. Statist.", None, "The Annals of Statistics", id="mathscinet"),
        # INSPIRE's "Class. Quant. Grav." is in none of the lists; their ISO 4 form is.
        pytest.param("Class. Quantum Gravity", "CQG", "Classical and Quantum Gravity", id="cqg"),
        pytest.param("ApJ", "ApJ", "The Astrophysical Journal", id="aas-apj"),
        pytest.param(
            "MNRAS", "MNRAS", "Monthly Notices of the Royal Astronomical Society", id="mnras"
        ),
        pytest.param("A&A", "A&A", "Astronomy & Astrophysics", id="aas-aa"),
        pytest.param("PASA", "PASA", "Publications of the Astron. Soc. of Australia", id="pasa"),
    ],
)
def test_abbreviated_journals_find_their_journals_label(
    venue: str, label: str | None, full_name: str
) -> None:
    match, journal = find_venue(venue), find_venue(full_name)
    assert match is not None and journal is not None
    assert match.table == "journal abbreviations"
    assert match.label == (label or journal.label)
    assert journal.label == match.label


@pytest.mark.parametrize(
    "venue",
    ["Journal of Foo Studies", "Foo. Bar.", "Zzq"],
    ids=["full-name", "abbreviated", "short"],
)
def test_unknown_abbreviated_or_not_venues_find_nothing(venue: str) -> None:
    assert find_venue(venue) is None


# Looks up a venue in a fresh process (tables load once per process) and prints the label
# found and the names of the data files read.
READ_TABLES = """
import json, sys
from pathlib import Path
read = []
sys.addaudithook(lambda event, args: event == "open" and read.append(str(args[0])))
from bibfolio.venues import find_venue
match = find_venue(sys.argv[1])
names = sorted({Path(path).name for path in read if path.endswith(".tsv")})
print(json.dumps([match and match.label, names]))
"""


def _label_and_tables_read(venue: str) -> tuple[str | None, list[str]]:
    command = [sys.executable, "-c", READ_TABLES, venue]
    found = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60)
    label, names = json.loads(found.stdout)
    return label, names


def test_a_full_name_never_reads_the_abbreviations() -> None:
    venue = "Journal of Personality Assessment and Other Long Studies"
    assert _label_and_tables_read(venue) == (None, ["conferences.tsv", "journals.tsv"])
    # An abbreviated name does read them, as the comparison above would notice.
    assert _label_and_tables_read("Phys. Rev. D") == (
        "PRD",
        ["conferences.tsv", "journal_abbreviations.tsv", "journals.tsv"],
    )


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Proceedings of the 35th AAAI Conference", "aaai conference"),
        ("In Proceedings of the Thirty-Fifth Annual Symposium", "symposium"),
        ("IEEE/RSJ International Conference on Robots ('19)", "international conference on robots"),
        ("Conférence  Française & Européenne, 2019", "conference francaise and europeenne"),
        ("ECCV '18 Workshops", "eccv workshops"),
    ],
    ids=["ordinal", "ordinal-words", "sponsors-and-parenthesis", "accents-and-ampersand", "year"],
)
def test_normalise_venue(text: str, folded: str) -> None:
    assert normalise_venue(text) == folded


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("IEEE International Conference on Robotics and Automation", "ICRA"),
        ("IEEE/RSJ International Conference on Intelligent Robots and Systems", "IROS"),
        ("Robotics: Science and Systems", "RSS"),
        ("ACM/IEEE International Conference on Human-Robot Interaction", "HRI"),
        ("Conference on Robot Learning", "CoRL"),
        ("IEEE/CVF Conference on Computer Vision and Pattern Recognition", "CVPR"),
        ("European Conference on Computer Vision", "ECCV"),
        ("British Machine Vision Conference", "BMVC"),
        ("IEEE/CVF Winter Conference on Applications of Computer Vision", "WACV"),
        ("ACM Conference on Human Factors in Computing Systems", "CHI"),
        ("ACM Symposium on User Interface Software and Technology", "UIST"),
        ("Computer Supported Cooperative Work", "CSCW"),
        ("The Annual Symposium on Computer-Human Interaction in Play", "CHI PLAY"),
        ("ACM Symposium on Theory of Computing", "STOC"),
        ("IEEE Annual Symposium on Foundations of Computer Science", "FOCS"),
        ("ACM-SIAM Symposium on Discrete Algorithms", "SODA"),
        ("Conference on Neural Information Processing Systems", "NeurIPS"),
        ("Annual Meeting of the Association for Computational Linguistics", "ACL"),
        ("Winter Simulation Conference", "WSC"),
        ("Physical Review Letters", "PRL"),
        ("Physical Review D", "PRD"),
        ("The Astrophysical Journal", "ApJ"),
        ("Monthly Notices of the Royal Astronomical Society", "MNRAS"),
        ("Astronomy & Astrophysics", "A&A"),
        ("The Astronomical Journal", "AJ"),
        ("Nature", "Nature"),
        ("Science", "Science"),
        ("Proceedings of the National Academy of Sciences", "PNAS"),
        ("Journal of the American Chemical Society", "JACS"),
        ("PLOS ONE", "PLOS One"),
        ("IEEE Transactions on Pattern Analysis and Machine Intelligence", "TPAMI"),
        ("Nature Communications", "Nat. Commun."),
        ("New England Journal of Medicine", "NEJM"),
        ("American Economic Review", "AER"),
    ],
    ids=lambda value: value if len(value) < 12 else None,
)
def test_well_known_rows(name: str, label: str) -> None:
    match = find_venue(name)
    assert match is not None
    assert match.label == label


@pytest.mark.parametrize(
    ("macro", "text"),
    [
        ("apj", "ApJ"),
        ("mnras", "MNRAS"),
        ("aap", "A&A"),
        ("aj", "AJ"),
        ("pasa", "PASA"),
        ("apjs", "ApJS"),
    ],
    ids=lambda value: value,
)
def test_aas_macros(macro: str, text: str) -> None:
    assert aas_macros()[macro] == text


@pytest.mark.parametrize(
    ("venue", "label"),
    [
        ("2017 IEEE/RSJ International Conference on Intelligent Robots and Systems", "IROS"),
        ("2019 International Conference on Robotics and Automation", "ICRA"),
        ("Proceedings of the 2021 CHI Conference on Human Factors in Computing Systems", "CHI"),
        ("Proceedings of the 55th Annual ACM Symposium on Theory of Computing", "STOC"),
        ("Advances in Neural Information Processing Systems", "NeurIPS"),
        (
            "Proceedings of the 2019 IEEE/ACM 23rd International Symposium on Distributed"
            " Simulation and Real Time Applications",
            "DS-RT",
        ),
        (
            "Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition"
            " (CVPR)",
            "CVPR",
        ),
        ("Proceedings of the IEEE/CVF International Conference on Computer Vision", "ICCV"),
        ("Computer Vision – ECCV 2020: 16th European Conference on Computer Vision", "ECCV"),
        (
            "Proceedings of the 2019 ACM/IEEE International Conference on Human-Robot Interaction",
            "HRI",
        ),
        (
            "Proceedings of the 34th Annual ACM Symposium on User Interface Software"
            " and Technology",
            "UIST",
        ),
        ("Proceedings of the 2023 Annual ACM-SIAM Symposium on Discrete Algorithms (SODA)", "SODA"),
        ("2022 IEEE 63rd Annual Symposium on Foundations of Computer Science (FOCS)", "FOCS"),
        (
            "Proceedings of the 2020 ACM SIGSAC Conference on Computer and Communications Security",
            "CCS",
        ),
        (
            "Proceedings of the 42nd ACM SIGPLAN International Conference on Programming"
            " Language Design and Implementation",
            "PLDI",
        ),
        (
            "Proceedings of the 25th ACM SIGKDD International Conference on Knowledge"
            " Discovery & Data Mining",
            "KDD",
        ),
        (
            "Proceedings of the 60th Annual Meeting of the Association for"
            " Computational Linguistics",
            "ACL",
        ),
        ("Proceedings of the 2020 Winter Simulation Conference", "WSC"),
        ("International Conference on Machine Learning", "ICML"),
        ("Physical Review Letters", "PRL"),
        ("The Astrophysical Journal", "ApJ"),
        ("Monthly Notices of the Royal Astronomical Society", "MNRAS"),
    ],
    ids=lambda value: None,
)
def test_real_booktitles_find_their_acronym(venue: str, label: str) -> None:
    match = find_venue(venue)
    assert match is not None, venue
    assert match.label == label


@pytest.mark.parametrize(
    ("venue", "not_label"),
    [
        ("Theoretical Computer Science", "Science"),
        ("Nature Communications", "Nature"),
        ("Proceedings of the Workshop on Computer Science and Nature", "Science"),
    ],
    ids=["tcs", "nat-commun", "workshop-with-journal-words"],
)
def test_a_journal_name_inside_a_longer_venue_does_not_match(venue: str, not_label: str) -> None:
    match = find_venue(venue)
    assert match is None or match.label != not_label


@pytest.mark.parametrize(
    "venue", ["Workshop on Foo", "", "2019"], ids=["workshop", "empty", "year"]
)
def test_unknown_venues_find_nothing(venue: str) -> None:
    assert find_venue(venue) is None


@pytest.mark.parametrize(
    ("venue", "label"),
    [
        pytest.param("Advances in Cryptology – EUROCRYPT", "EUROCRYPT", id="eurocrypt"),
        pytest.param("Advances in Cryptology – ASIACRYPT", "ASIACRYPT", id="asiacrypt"),
        pytest.param("Advances in Cryptology - CRYPTO", "CRYPTO", id="crypto"),
    ],
)
def test_an_acronym_in_the_venue_beats_words_several_conferences_share(
    venue: str, label: str
) -> None:
    match = venues.find_venue(venue)
    assert match is not None and match.label == label
