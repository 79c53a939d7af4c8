"""Parsing author lists, equal-contribution marks, and matching the site owner."""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bibfolio.build import owner_note
from bibfolio.model import Entry, Kind, Person
from bibfolio.names import (
    equal_contribution_positions,
    infer_owner,
    mark_owner,
    parse_authors,
    parse_person,
    same_person,
    split_names,
)


@pytest.mark.parametrize(
    ("latex", "first", "von", "last", "jr"),
    [
        pytest.param("Zheng, Lianmin", "Lianmin", "", "Zheng", "", id="last-comma-first"),
        pytest.param("Lianmin Zheng", "Lianmin", "", "Zheng", "", id="first-last"),
        pytest.param("Ludwig van Beethoven", "Ludwig", "van", "Beethoven", "", id="von"),
        pytest.param("Doe, Jr., John", "John", "", "Doe", "Jr.", id="jr"),
        pytest.param("R{\\'e}, Christopher", "Christopher", "", "Ré", "", id="accent"),
        pytest.param("Jean-Paul Sartre", "Jean-Paul", "", "Sartre", "", id="hyphenated-first"),
        pytest.param("{Barnes and Noble}", "", "", "Barnes and Noble", "", id="corporate"),
    ],
)
def test_parse_person_splits_name_parts(
    latex: str, first: str, von: str, last: str, jr: str
) -> None:
    person = parse_person(latex)
    assert (person.first, person.von, person.last, person.jr) == (first, von, last, jr)


@pytest.mark.parametrize(
    ("latex", "first", "von", "last", "jr"),
    [
        pytest.param(r"Oca\~{n}a, Manuel", "Manuel", "", "Ocaña", "", id="tilde-accent"),
        pytest.param(r"Oca\~na, Manuel", "Manuel", "", "Ocaña", "", id="tilde-accent-no-braces"),
        pytest.param("Jean~Paul Sartre", "Jean Paul", "", "Sartre", "", id="tie-is-a-space"),
        pytest.param(
            "family=Smithers Jones, prefix=van der, given=James, useprefix=true",
            "James",
            "van der",
            "Smithers Jones",
            "",
            id="extended",
        ),
        pytest.param("id=x, given=Alfred, family=Adler", "Alfred", "", "Adler", "", id="ext-id"),
        pytest.param(
            "family={Doe, Sr}, given = {Jo Ann}, given-i=J, suffix=III",
            "Jo Ann",
            "",
            "Doe, Sr",
            "III",
            id="extended-braced-values",
        ),
        pytest.param("Smith = Jones, Ann", "Ann", "", "Smith = Jones", "", id="not-extended"),
        pytest.param(r"\textbf{Beck, E. D.}", "E. D.", "", "Beck", "", id="textbf-whole-name"),
        pytest.param(r"\underline{Smith}, J.", "J.", "", "Smith", "", id="underline"),
        pytest.param(r"\emph{Ada Lovelace}", "Ada", "", "Lovelace", "", id="emph"),
        pytest.param(r"{\bf Ada Lovelace}", "Ada", "", "Lovelace", "", id="bf-switch"),
        pytest.param(
            r"\mkbibbold{Ferguson}, \mkbibbold{Deborah}", "Deborah", "", "Ferguson", "", id="mkbib"
        ),
        pytest.param(r"{\myname{Ginsburg}}, A.", "A.", "", "Ginsburg", "", id="unknown-macro"),
        pytest.param(r"\textbf{\underline{Beck}}, E.", "E.", "", "Beck", "", id="nested"),
        pytest.param(r"{\noopsort{b}}de Araujo, J.", "J.", "de", "Araujo", "", id="noopsort"),
        pytest.param(r"Na{\c{c}}, K.", "K.", "", "Naç", "", id="accent-is-no-wrapper"),
    ],
)
def test_parse_person_reads_accents_extended_names_and_wrappers(
    latex: str, first: str, von: str, last: str, jr: str
) -> None:
    person = parse_person(latex)
    assert (person.first, person.von, person.last, person.jr) == (first, von, last, jr)


@pytest.mark.parametrize(
    "latex",
    [
        pytest.param("Zheng*, Lianmin", id="star-on-last-comma-first"),
        pytest.param("Lianmin Zheng*", id="star-on-first-last"),
        pytest.param("Lianmin Zheng *", id="star-after-space"),
        pytest.param("*Zheng, Lianmin", id="star-before"),
        pytest.param(r"*\textbf{Zheng, Lianmin}", id="star-before-wrapper"),
    ],
)
def test_trailing_star_marks_cofirst_and_is_not_displayed(latex: str) -> None:
    person = parse_person(latex)
    assert person.is_cofirst
    assert person.name == "Lianmin Zheng"


def test_parse_authors_reads_annotation_positions_and_others() -> None:
    authors = parse_authors(
        "Li, Zhuohan and Zheng, Lianmin and Zhong, Yinmin and others", "1=equal; 2=equal"
    )
    assert [p.is_cofirst for p in authors.people] == [True, True, False]
    assert authors.et_al


def test_braced_and_is_one_author() -> None:
    authors = parse_authors("{Google Research and Brain Team} and Lovelace, Ada")
    assert [p.name for p in authors.people] == ["Google Research and Brain Team", "Ada Lovelace"]


@pytest.mark.parametrize(
    ("latex", "names"),
    [
        pytest.param(
            r"Vaswani, A. and \L{}ukasz Kaiser", ["Vaswani, A.", r"\L{}ukasz Kaiser"], id="L"
        ),
        pytest.param(
            r"Ng, A. and \"{O}zg\"{u}r Bob", ["Ng, A.", r"\"{O}zg\"{u}r Bob"], id="umlaut"
        ),
        pytest.param(r"A, B and \textbf{Smith}, J.", ["A, B", r"\textbf{Smith}, J."], id="textbf"),
        pytest.param("A, B AND C, D\nAnd\tE, F", ["A, B", "C, D", "E, F"], id="any-case-space"),
        pytest.param(
            "{Barnes {and} Noble} and Ng, A.", ["{Barnes {and} Noble}", "Ng, A."], id="braced"
        ),
        pytest.param(
            r"Li, {\relax Ch}ang and Ng, A.", [r"Li, {\relax Ch}ang", "Ng, A."], id="group"
        ),
        pytest.param("and Smith and Jones and", ["and Smith", "Jones and"], id="and-at-the-ends"),
        pytest.param("Anderson, Band and Sand, Andy", ["Anderson, Band", "Sand, Andy"], id="words"),
        pytest.param("Ng~and~Li", ["Ng~and~Li"], id="ties-are-not-spaces"),
        pytest.param("  ", [], id="empty"),
    ],
)
def test_split_names_splits_as_bibtex_does(latex: str, names: list[str]) -> None:
    assert split_names(latex) == names


@pytest.mark.parametrize(
    ("latex", "name"),
    [
        pytest.param(r"Vaswani, A. and \L{}ukasz Kaiser", "Łukasz Kaiser", id="L"),
        pytest.param(r"Ng, A. and \"{O}zg\"{u}r Bob", "Özgür Bob", id="umlaut"),
        pytest.param(r"A, B and \textbf{Smith}, J.", "J. Smith", id="textbf"),
    ],
)
def test_a_name_starting_with_a_command_keeps_its_first_letters(latex: str, name: str) -> None:
    assert parse_authors(latex).people[1].name == name


def _bibtex_split(latex: str) -> list[str]:
    """BibTeX's rule, read character by character: "and" between white space splits at brace
    depth 0; every brace counts, and nothing else is special."""
    text = latex.strip(" \r\n\t")
    names, start, depth, i = [], 0, 0, 0
    while i < len(text):
        separator = re.compile(r"[ \t\r\n]+and[ \t\r\n]+", re.IGNORECASE).match(text, i)
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth = max(depth - 1, 0)
        elif separator and depth == 0:
            names.append(text[start:i])
            start = i = separator.end()
            continue
        i += 1
    return [*names, text[start:]] if text else names


_NAME_PARTS = st.sampled_from(
    [
        "Smith",
        "J.",
        "van",
        "Anderson",
        "Band",
        "Sandy",
        "others",
        r"\L{}ukasz",
        r"\"{O}zg\"{u}r",
        r"\textbf{Beck, E. D.}",
        r"\textbf{X}",
        "{and}",
        "{Corporate and Co}",
        r"R{\'e}",
        r"Oca\~{n}a",
        'M{\\"u}ller',
        "Jean~Paul",
        "{\\bf Doe}",
        "Zheng*",
        ",",
        "Ng,",
        "{{a} and b}",
    ]
)
_SEPARATOR = st.sampled_from([" and ", " AND ", " And ", "\nand\t", "  aNd  "])


@given(
    st.lists(st.lists(_NAME_PARTS, min_size=1, max_size=4).map(" ".join), min_size=1, max_size=6),
    st.data(),
)
def test_split_names_is_bibtex_split_and_loses_nothing(
    names: list[str], data: st.DataObject
) -> None:
    separators = [data.draw(_SEPARATOR) for _ in names[1:]]
    latex = names[0] + "".join(sep + name for sep, name in zip(separators, names[1:], strict=True))
    split = split_names(latex)
    assert split == _bibtex_split(latex)
    assert split == names
    assert "".join(name + sep for name, sep in zip(split, [*separators, ""], strict=True)) == latex


@given(st.text(alphabet="aAnNdD {}\\\"'x\n", max_size=40))
def test_split_names_agrees_with_bibtex_on_any_text(latex: str) -> None:
    split = split_names(latex)
    assert split == _bibtex_split(latex)
    rest = latex.strip(" \r\n\t")
    for name in split:  # the names, in order, and between them only separators
        assert rest.startswith(name)
        rest = rest[len(name) :]
        separator = re.match(r"[ \t\r\n]+and[ \t\r\n]+", rest, re.IGNORECASE)
        rest = rest[separator.end() :] if separator else rest
    assert rest == ""


@pytest.mark.parametrize(
    ("annotation", "positions"),
    [
        pytest.param("1=equal; 2=equal", {1, 2}, id="two"),
        pytest.param(" 1 = equal ;3=equal,corresponding", {1, 3}, id="spaces-and-lists"),
        pytest.param("2=corresponding", set(), id="other-annotation"),
        pytest.param("1:family=equal", {1}, id="part-annotation"),
        pytest.param("", set(), id="empty"),
        pytest.param("garbage; x=equal", set(), id="malformed-ignored"),
    ],
)
def test_equal_contribution_positions(annotation: str, positions: set[int]) -> None:
    assert equal_contribution_positions(annotation) == positions


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        pytest.param("Zheng, Lianmin", "Lianmin Zheng", True, id="order"),
        pytest.param("L. Zheng", "Lianmin Zheng", True, id="initial"),
        pytest.param("L Zheng", "Lianmin Zheng", True, id="initial-no-dot"),
        pytest.param("Joseph Gonzalez", "Joseph E. Gonzalez", True, id="missing-middle"),
        pytest.param("J. E. Gonzalez", "Joseph E. Gonzalez", True, id="two-initials"),
        pytest.param('M{\\"u}ller, Hans', "Hans Muller", True, id="accent-and-braces"),
        pytest.param("{Zheng}, {Lianmin}", "Lianmin Zheng", True, id="braces"),
        pytest.param("ZHENG, Lianmin", "Lianmin Zheng", True, id="case"),
        pytest.param("Lianmin Zheng", "Lingmin Zheng", False, id="other-first-name"),
        pytest.param("K. Zheng", "Lianmin Zheng", False, id="other-initial"),
        pytest.param("Lianmin Zhang", "Lianmin Zheng", False, id="other-last-name"),
        pytest.param("Zheng", "Lianmin Zheng", False, id="no-given-name"),
        pytest.param("Augustus De Morgan", "De Morgan, Augustus", True, id="capitalised-von"),
        pytest.param("A. De Morgan", "De Morgan, Augustus", True, id="capitalised-von-initial"),
        pytest.param("A. B.", "Ann Bee", False, id="family-name-is-never-an-initial"),
        pytest.param(r"\textbf{Beck, E. D.}", "Emorie D. Beck", True, id="bold-whole-name"),
        pytest.param(r"{\bf E. Beck}", "Emorie D. Beck", True, id="bold-switch"),
    ],
)
def test_same_person(a: str, b: str, same: bool) -> None:
    assert same_person(parse_person(a), parse_person(b)) is same
    assert same_person(parse_person(b), parse_person(a)) is same


def _paper(key: str, authors: str, annotation: str = "") -> Entry:
    people = parse_authors(authors, annotation).people
    return Entry(
        key=key, kind=Kind.PAPER, entry_type="article", title=key, label=key, authors=people
    )


@pytest.mark.parametrize(
    ("authors", "annotation", "first_author"),
    [
        pytest.param("Lovelace, Ada and Babbage, Charles", "", True, id="listed-first"),
        pytest.param(
            "Babbage, Charles and Lovelace, Ada", "1=equal; 2=equal", True, id="cofirst-second"
        ),
        pytest.param(
            "B, C and D, E and Lovelace, Ada", "1=equal; 2=equal; 3=equal", True, id="cofirst-third"
        ),
        pytest.param("Babbage, Charles and Lovelace, Ada", "", False, id="second"),
        pytest.param(
            "B, C and D, E and Lovelace, Ada",
            "1=equal; 2=equal",
            False,
            id="third-after-cofirst-pair",
        ),
        pytest.param(
            "B, C and D, E and Lovelace, Ada",
            "1=equal; 3=equal",
            False,
            id="equal-but-not-in-first-group",
        ),
        pytest.param("Babbage*, Charles and Ada Lovelace*", "", True, id="star-shorthand"),
        pytest.param("Babbage, Charles", "", False, id="not-an-author"),
    ],
)
def test_first_author_status(authors: str, annotation: str, first_author: bool) -> None:
    (entry,) = mark_owner([_paper("p", authors, annotation)], [parse_person("Ada Lovelace")])
    assert entry.is_first_author is first_author


def test_owner_variants_are_all_marked() -> None:
    entries = mark_owner(
        [_paper("a", "A. Lovelace and Babbage, Charles"), _paper("b", "Lovelace, Ada")],
        [parse_person("Ada Lovelace")],
    )
    assert [e.authors[0].is_owner for e in entries] == [True, True]
    assert not entries[0].authors[1].is_owner


def test_marking_another_owner_takes_the_marks_off_the_first() -> None:
    read = _paper("a", "Lovelace, Ada and Hopper, Grace")
    (ada,) = mark_owner([read], [parse_person("Ada Lovelace")])
    (grace,) = mark_owner([ada], [parse_person("Grace Hopper")])
    assert [person.is_owner for person in ada.authors] == [True, False]
    assert [person.is_owner for person in grace.authors] == [False, True]
    assert mark_owner([grace], [])[0].authors == read.authors


def test_marked_entries_keep_distinct_digests_named_after_their_owners() -> None:
    """Digests key rendered output: two entries must never share one after marking."""
    a, b = (dataclasses.replace(_paper(key, "Lovelace, Ada"), digest=key) for key in "ab")
    ada = mark_owner([a, b], [parse_person("Ada Lovelace")])
    grace = mark_owner(ada, [parse_person("Grace Hopper")])
    digests = [entry.digest for entry in (*ada, *grace)]
    assert len(set(digests)) == 4
    assert mark_owner(grace, [parse_person("Ada Lovelace")]) == ada
    assert mark_owner([_paper("c", "Ada Lovelace")], [])[0].digest == ""


def test_infer_owner_takes_the_most_frequent_author_as_most_often_written() -> None:
    entries = [
        _paper("a", "A. Lovelace and Babbage, Charles"),
        _paper("b", "Lovelace, Ada and Babbage, Charles"),
        _paper("c", "Lovelace, Ada"),
    ]
    guess = infer_owner(entries)
    assert guess is not None
    assert (guess.person.name, guess.papers, guess.total) == ("Ada Lovelace", 3, 3)


@pytest.mark.parametrize(
    ("spellings", "name", "papers", "variants"),
    [
        pytest.param(
            ["Tobias Weyand"] * 15 + ["Tobias Christoph Weyand", "T. Weyand"],
            "Tobias Weyand",
            17,
            ("Tobias Christoph Weyand", "T. Weyand"),
            id="most-used-spelling-not-fullest",
        ),
        pytest.param(
            ["Ginsburg, Adam"] * 5 + ["Adam G. Ginsburg"] * 2 + ["{\\'A}. Ginsburg"],
            "Adam Ginsburg",
            8,
            ("Adam G. Ginsburg", "Á. Ginsburg"),
            id="middle-name-initial-accent",
        ),
        pytest.param(
            ["\\textbf{Beck, E. D.}"] * 3 + ["*\\textbf{Beck, E. D.}", "Beck, Emorie D."],
            "E. D. Beck",
            5,
            ("Emorie D. Beck",),
            id="wrapped",
        ),
        pytest.param(
            ["J. Smith"] * 3 + ["John Smith"] * 2 + ["Jane Smith"] * 2,
            "J. Smith",
            5,
            ("John Smith",),
            id="an-initial-joins-one-person-only",
        ),
        pytest.param(
            ["{LIGO Scientific Collaboration}"] * 5 + ["Ferguson, Deborah"] * 2,
            "Deborah Ferguson",
            2,
            (),
            id="not-a-collaboration",
        ),
    ],
)
def test_infer_owner_counts_spellings_of_one_person_together(
    spellings: list[str], name: str, papers: int, variants: tuple[str, ...]
) -> None:
    papers_by_owner = (_paper(str(i), spelling) for i, spelling in enumerate(spellings))
    guess = infer_owner([_paper("other", "Coauthor, Carl"), *papers_by_owner])
    assert guess is not None
    assert (guess.person.name, guess.papers, guess.variants) == (name, papers, variants)
    assert not guess.person.is_cofirst


def test_owner_note_lists_the_merged_spellings() -> None:
    guess = infer_owner([_paper("a", "Lovelace, Ada"), _paper("b", "A. Lovelace")])
    assert owner_note(guess) == (
        'note: no owner given; assuming "Ada Lovelace", an author of 2 of 2 papers '
        '(also written "A. Lovelace") (set it with --owner or in bibfolio.toml)'
    )


def test_infer_owner_ignores_projects_and_empty_input() -> None:
    assert infer_owner([]) is None
    project = Entry(
        key="p",
        kind=Kind.PROJECT,
        entry_type="software",
        title="P",
        label="P",
        authors=(Person(first="Ada", last="Lovelace"),),
    )
    assert infer_owner([project]) is None


@pytest.mark.parametrize(
    ("written", "owner", "same"),
    [
        pytest.param("Drichoutis, AC", "Andreas C Drichoutis", True, id="scholar-initials"),
        pytest.param("Drichoutis, AC", "Bob Drichoutis", False, id="other-initial"),
        pytest.param("Lawless, Lydia JR", "Lydia J. R. Lawless", True, id="middle-initials"),
    ],
)
def test_initials_run_together_match_their_names(written: str, owner: str, same: bool) -> None:
    assert same_person(parse_person(written), parse_person(owner)) is same
