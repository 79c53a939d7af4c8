"""Grouping into themes and sections, and their order."""

from __future__ import annotations

from dataclasses import replace

from bibfolio.group import group_page
from bibfolio.model import Entry, Kind, Person, Section

OWNER = Person(first="Ada", last="Lovelace", is_owner=True)
OTHER = Person(first="Charles", last="Babbage")


def paper(
    key: str, year: int | None, theme: str | None, first: bool = True, month: int | None = None
) -> Entry:
    authors = (OWNER, OTHER) if first else (OTHER, OWNER)
    return Entry(
        key=key,
        kind=Kind.PAPER,
        entry_type="article",
        title=key,
        label=key,
        authors=authors,
        year=year,
        month=month,
        themes=(theme,) if theme else (),
    )


def project(key: str, theme: str | None) -> Entry:
    return Entry(
        key=key,
        kind=Kind.PROJECT,
        entry_type="software",
        title=key,
        label=key,
        themes=(theme,) if theme else (),
    )


def test_themes_follow_first_appearance_and_unthemed_go_last() -> None:
    page = group_page(
        [paper("a", 2020, None), paper("b", 2020, "Beta"), paper("c", 2020, "Alpha")], "T"
    )
    assert [t.title for t in page.themes] == ["Beta", "Alpha", "Other"]


def test_configured_theme_order_wins_and_missing_themes_are_skipped() -> None:
    page = group_page(
        [paper("b", 2020, "Beta"), paper("c", 2020, "Alpha"), paper("d", 2020, "Gamma")],
        "T",
        theme_order=["Alpha", "Nope", "Beta"],
    )
    assert [t.title for t in page.themes] == ["Alpha", "Beta", "Gamma"]


def test_other_theme_title_is_configurable() -> None:
    page = group_page([paper("a", 2020, None), paper("b", 2020, "B")], "T", other_theme="Misc")
    assert [t.title for t in page.themes] == ["B", "Misc"]


def test_sections_in_order_and_empty_ones_omitted() -> None:
    page = group_page(
        [paper("o", 2020, "X", first=False), project("p", "X"), paper("f", 2020, "X")], "T"
    )
    (theme,) = page.themes
    assert [g.section for g in theme.sections] == [
        Section.PROJECTS,
        Section.FIRST_AUTHOR,
        Section.OTHER,
    ]
    assert [g.title for g in theme.sections] == [
        "Projects",
        "First-author publications",
        "Other publications",
    ]
    only_other = group_page([paper("o", 2020, "X", first=False)], "T").themes[0]
    assert [g.section for g in only_other.sections] == [Section.OTHER]


def test_papers_newest_first_ties_by_key_and_projects_keep_file_order() -> None:
    entries = [
        project("zeta", "X"),
        project("alpha", "X"),
        paper("b2020", 2020, "X"),
        paper("a2022", 2022, "X"),
        paper("c2022", 2022, "X"),
        paper("d2022dec", 2022, "X", month=12),
        paper("undated", None, "X"),
    ]
    projects, papers = group_page(entries, "T").themes[0].sections
    assert [e.key for e in projects.entries] == ["zeta", "alpha"]
    assert [e.key for e in papers.entries] == ["d2022dec", "a2022", "c2022", "b2020", "undated"]


def test_grouping_does_not_depend_on_input_order_of_papers() -> None:
    entries = [paper(k, y, "X") for k, y in [("a", 2020), ("b", 2021), ("c", 2021)]]
    assert group_page(entries, "T") == group_page(list(reversed(entries)), "T")


def test_group_by_year_newest_first_with_projects_first_and_undated_last() -> None:
    entries = [paper("a", 2020, "X"), paper("b", 2022, "Y"), paper("c", None, "X"),
               project("p", "X")]  # fmt: skip
    page = group_page(entries, "T", group_by="year")
    assert [t.title for t in page.themes] == ["Projects", "2022", "2020", "Undated"]


def test_group_by_type_uses_the_type_table_and_preprint_flag() -> None:
    article = paper("a", 2020, "X")
    preprint = replace(paper("p", 2021, "X"), entry_type="misc", is_preprint=True)
    talk = replace(paper("t", 2019, "X"), entry_type="presentation")
    conference = replace(paper("c", 2018, "X"), entry_type="inproceedings")
    page = group_page([talk, preprint, article, conference, project("s", "X")], "T",
                      group_by="type")  # fmt: skip
    assert [t.title for t in page.themes] == [
        "Journal articles",
        "Conference papers",
        "Preprints",
        "Software",
        "Other",
    ]


def test_the_smallest_key_names_the_page_and_stays_when_a_newer_paper_comes_first() -> None:
    page = group_page([paper("lovelace1843", 1843, "A"), paper("Babbage1842", 1842, "A")], "P")
    assert page.smallest_key == "Babbage1842"  # case-sensitive: "B" sorts before "l"
    newer = group_page([*page.entries, paper("lovelace1850", 1850, "A")], "P")
    assert newer.entries[0].key == "lovelace1850"
    assert newer.smallest_key == "Babbage1842"
    assert group_page([], "P").smallest_key is None
