"""Short venue labels, from the most explicit source to the least."""

from __future__ import annotations

import pytest

from bibfolio.labels import (
    FROM_ABBR,
    FROM_PREPRINT,
    FROM_SERIES,
    FROM_SETTINGS,
    FROM_TABLE,
    FROM_TYPE,
    FROM_VENUE_ACRONYM,
    FROM_VENUE_WORDS,
    FROM_YEAR,
    Label,
    UserVenues,
    paper_label,
)


def label(
    venue: str = "",
    year: int | None = 2022,
    entry_type: str = "article",
    user_venues: UserVenues | None = None,
    **fields: str,
) -> Label:
    if user_venues is None:
        return paper_label(fields, entry_type, venue, year)
    return paper_label(fields, entry_type, venue, year, user_venues)


@pytest.mark.parametrize(
    ("abbr", "expected"),
    [
        pytest.param("OSDI", "OSDI 22", id="plain"),
        pytest.param("NeurIPS 2022", "NeurIPS 22", id="year-in-abbr-not-repeated"),
        pytest.param("ICCV'22", "ICCV 22", id="apostrophe-year"),
        pytest.param("CHI '22", "CHI 22", id="space-apostrophe-year"),
        pytest.param("ICML-2022", "ICML 22", id="dash-year"),
        pytest.param("3DV", "3DV 22", id="digit-led-abbr-kept"),
    ],
)
def test_abbr_wins_and_its_year_is_not_repeated(abbr: str, expected: str) -> None:
    assert label("Whatever Venue", abbr=abbr) == Label(expected, FROM_ABBR)


def test_two_digit_year_is_zero_padded() -> None:
    assert label(year=2005, abbr="OSDI").text == "OSDI 05"


@pytest.mark.parametrize(
    ("series", "expected"),
    [
        pytest.param("CHI '23", "CHI", id="acm"),
        pytest.param("SIGSIM-PADS '24", "SIGSIM-PADS", id="hyphenated"),
        pytest.param("PADS '19", "PADS", id="pads"),
        pytest.param("CHI EA '22", "CHI EA", id="two-words"),
    ],
)
def test_acm_series_gives_the_acronym(series: str, expected: str) -> None:
    found = label("Proceedings of Something Long", entry_type="inproceedings", series=series)
    assert found == Label(f"{expected} 22", FROM_SERIES)


def test_a_series_that_is_no_venue_is_ignored() -> None:
    found = label("2019 International Conference on Robotics and Automation", series="LNCS")
    assert found.source != FROM_SERIES


@pytest.mark.parametrize(
    ("venue", "expected"),
    [
        pytest.param("16th USENIX Symposium on OSDI (OSDI 22)", "OSDI", id="parentheses"),
        pytest.param("Proceedings of SOSP (SOSP '23)", "SOSP", id="apostrophe-year"),
        pytest.param("Datasets and Benchmarks 1 (NeurIPS 2021, Round 1)", "NeurIPS", id="extra"),
    ],
)
def test_acronym_in_parentheses(venue: str, expected: str) -> None:
    assert label(venue) == Label(f"{expected} 22", FROM_VENUE_ACRONYM)


@pytest.mark.parametrize(
    ("venue", "fields"),
    [
        pytest.param("arXiv preprint arXiv:2312.07104", {}, id="google-scholar-journal"),
        pytest.param("", {"eprint": "2312.07104", "archiveprefix": "arXiv"}, id="eprint-only"),
        pytest.param("", {"arxiv": "2312.07104"}, id="al-folio-arxiv"),
        pytest.param("", {"url": "https://arxiv.org/abs/2312.07104"}, id="arxiv-url"),
        pytest.param("CoRR", {}, id="corr"),
        pytest.param("bioRxiv", {}, id="biorxiv"),
        pytest.param("", {"doi": "10.1101/2020.01.01.123456"}, id="biorxiv-doi"),
        pytest.param("SSRN Electronic Journal", {}, id="ssrn"),
        pytest.param("", {"note": "arXiv preprint arXiv:1510.08713"}, id="note"),
        pytest.param("arXiv e-prints", {"eid": "arXiv:2606.31440"}, id="ads"),
    ],
)
def test_preprints_from_any_field_that_says_so(venue: str, fields: dict[str, str]) -> None:
    assert label(venue, 2023, "misc", **fields) == Label("Preprint 23", FROM_PREPRINT)


def test_a_published_paper_with_an_arxiv_id_is_labelled_by_its_venue() -> None:
    found = label("Physical Review Letters", eprint="2101.00001", archiveprefix="arXiv")
    assert found == Label("PRL 22", FROM_TABLE)


@pytest.mark.parametrize(
    ("venue", "expected"),
    [
        pytest.param("2019 International Conference on Robotics and Automation", "ICRA", id="icra"),
        pytest.param(
            "2017 IEEE/RSJ International Conference on Intelligent Robots and Systems",
            "IROS",
            id="iros-full-ieee-booktitle",
        ),
        pytest.param(
            "Proceedings of the 2021 CHI Conference on Human Factors in Computing Systems",
            "CHI",
            id="chi-full-acm-booktitle",
        ),
        pytest.param(
            "Advances in Neural Information Processing Systems 31", "NeurIPS", id="neurips"
        ),
        pytest.param("The Astrophysical Journal", "ApJ", id="apj"),
        pytest.param("Monthly Notices of the Royal Astronomical Society", "MNRAS", id="mnras"),
        pytest.param("Journal of the American Chemical Society", "JACS", id="jacs"),
        pytest.param("Nature", "Nature", id="nature"),
    ],
)
def test_venue_table(venue: str, expected: str) -> None:
    assert label(venue) == Label(f"{expected} 22", FROM_TABLE)


def test_mathscinet_full_journal_name_is_looked_up() -> None:
    found = label("Ann. Statist.", fjournal="The Annals of Statistics")
    assert found.source == FROM_TABLE


@pytest.mark.parametrize(
    ("entry_type", "fields", "expected"),
    [
        pytest.param("phdthesis", {}, "PhD thesis", id="phd"),
        pytest.param("mastersthesis", {}, "Master's thesis", id="masters"),
        pytest.param("phdthesis", {"type": "Dissertação (Mestrado)"}, "Master's thesis", id="pt"),
        pytest.param("thesis", {"type": "phdthesis"}, "PhD thesis", id="biblatex-thesis"),
        pytest.param("book", {}, "Book", id="book"),
        pytest.param("techreport", {}, "Tech report", id="report"),
        pytest.param("techreport", {"type": "Working Paper"}, "Working Paper", id="working"),
        pytest.param("patent", {}, "Patent", id="patent"),
    ],
)
def test_entry_type_labels(entry_type: str, fields: dict[str, str], expected: str) -> None:
    found = label("Some University", 2018, entry_type, **fields)
    assert found == Label(f"{expected} 18", FROM_TYPE)


def test_a_chapter_in_an_unknown_book() -> None:
    assert label("Handbook of Things", entry_type="incollection") == Label("Chapter 22", FROM_TYPE)


@pytest.mark.parametrize(
    ("venue", "expected"),
    [
        pytest.param("Journal of Obscure Results", "JOR", id="initials"),
        pytest.param("Econometrica Nova", "Econometrica Nova", id="short-as-written"),
        pytest.param("In press at Journal of Obscure Results", "JOR", id="in-press"),
    ],
)
def test_an_unknown_venue_gets_a_label_from_its_words(venue: str, expected: str) -> None:
    assert label(venue) == Label(f"{expected} 22", FROM_VENUE_WORDS)


def test_user_venues_win_over_the_tables() -> None:
    venues = UserVenues.from_settings(
        [("Journal of Obscure Results", "JObs"), (r"Physical Review \w+", "PhysRev")]
    )
    assert label("Journal of  Obscure Results", user_venues=venues) == Label(
        "JObs 22", FROM_SETTINGS
    )
    assert label("Physical Review Letters", user_venues=venues) == Label(
        "PhysRev 22", FROM_SETTINGS
    )


def test_year_alone_only_without_a_venue() -> None:
    assert label("") == Label("2022", FROM_YEAR)
    assert label("", None) == Label(None, FROM_YEAR)
    assert label("", None, abbr="ICML") == Label("ICML", FROM_ABBR)
