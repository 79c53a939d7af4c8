"""Reading .bib files: macros, LaTeX, diagnostics with file and line, encodings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bibfolio.bibtex import EntryBlock, Failure, read_blocks
from bibfolio.errors import BibfolioError, Severity
from bibfolio.load import load
from bibfolio.model import Kind

BibWriter = Callable[..., Path]


def test_macros_concatenation_and_latex(write_bib: BibWriter) -> None:
    path = write_bib(
        '@string{osdi = "Operating Systems Design and Implementation"}\n'
        "@inproceedings{alpa,\n"
        '  title = {{Alpa}: {Intra-Operator} M{\\"u}ller -- Parallelism},\n'
        "  author = {Zheng, Lianmin},\n"
        '  booktitle = "16th " # osdi # " (OSDI 22)",\n'
        "  month = jan,\n"
        "  year = 2022,\n"
        "}\n"
    )
    (entry,) = load([path]).entries
    assert entry.title == "Alpa: Intra-Operator Müller – Parallelism"
    assert entry.venue == "16th Operating Systems Design and Implementation (OSDI 22)"
    assert (entry.year, entry.month) == (2022, 1)
    assert entry.label == "OSDI 22"
    assert entry.line == 2


def test_macros_are_shared_across_files_in_order(write_bib: BibWriter) -> None:
    strings = write_bib('@string{icml = "ICML"}\n', name="strings.bib")
    papers = write_bib(
        "@inproceedings{p, title={T}, booktitle=icml, year=2020}\n", name="papers.bib"
    )
    bibliography = load([strings, papers])
    assert bibliography.entries[0].venue == "ICML"
    assert bibliography.diagnostics == ()


def test_undefined_macro_is_a_warning_with_field_line(write_bib: BibWriter) -> None:
    path = write_bib("@article{k,\n  title = {T},\n  journal = nosuch,\n  year = 2020,\n}\n")
    bibliography = load([path])
    (diagnostic,) = bibliography.diagnostics
    assert diagnostic.severity is Severity.WARNING
    assert diagnostic.line == 3
    message = 'undefined macro "nosuch" (BibTeX reads it as empty)'
    assert str(diagnostic) == f"{path}:3: warning: {message} [undefined-macro]"
    assert len(bibliography.entries) == 1


@pytest.mark.parametrize(
    "before",
    ["", "% a comment\n", "@misc{z, title = {Page\x0cbreak}}\n", "  \n@comment{x}\n"],
    ids=["first line", "after a comment", "after a form feed", "after a blank line"],
)
def test_an_entry_on_a_percent_line_is_read_and_reported(write_bib: BibWriter, before: str) -> None:
    """BibTeX reads it, so a warning says so, at its line (a form feed is no line break)."""
    line = before.count("\n") + 1
    path = write_bib(f"{before}  % @misc{{p, title = {{P}}}}\n@misc{{q, title = {{Q}}}}\n")
    bibliography = load([path])
    assert [entry.key for entry in bibliography.entries][-2:] == ["p", "q"]
    percent = [d for d in bibliography.diagnostics if d.code == "percent-comment"]
    assert [(d.line, d.message.split()[1]) for d in percent] == [(line, '"p"')]


def test_unclosed_brace_is_an_error_at_the_entry_line() -> None:
    path = Path(__file__).parent / "data" / "broken" / "unclosed_brace.bib"
    bibliography = load([path])
    (error,) = bibliography.errors
    assert error.line == 7
    assert "@article{broken" in error.message
    assert "--skip-invalid" not in error.message  # advice is the strict caller's to give
    assert [e.key for e in bibliography.entries] == ["fine", "after"]


def test_lines_stay_true_after_a_line_ending_in_a_backslash(write_bib: BibWriter) -> None:
    """bibtexparser does not count a line break right after a backslash (LaTeX's ``\\`` at
    the end of a line): every later block and field would be reported a line too early."""
    path = write_bib(
        "@misc{a,\n  title = {A},\n  note = {one \\\\\n  two \\\\\n  three},\n}\n\n"
        "@misc{b,\n  title = {B},\n  note = {x \\\\\n  y},\n  howpublished = nosuch,\n"
        "  year = {20x},\n}\n"
    )
    bibliography = load([path])
    assert [(e.key, e.line) for e in bibliography.entries] == [("a", 1), ("b", 8)]
    lines = {d.code: d.line for d in bibliography.diagnostics}
    assert lines == {"undefined-macro": 12, "bad-year": 8}


def test_a_quoted_value_may_hold_quotes_inside_braces(write_bib: BibWriter) -> None:
    """BibTeX ends a quoted value at a ``"`` outside braces only; bibtexparser alone cut this
    note short (losing the year after it) and could not read the remark at all (both as in
    TeX Live's texbook2.bib)."""
    path = write_bib(
        '@book{a,\n  title = "Comments on {"}Filenames{"}",\n'
        '  note = "{x "y" z "w}",\n  year = 2000,\n}\n\n'
        '@book{b,\n  title = "T",\n  remark = "{Die "optionalen" Kapitel aus "the Art of\n'
        '    Computer Programming, Band 3". Themen: Rechnen, Operatoren}.",\n  year = 1982,\n}\n'
    )
    bibliography = load([path])
    assert bibliography.diagnostics == ()
    a, b = bibliography.entries
    assert (a.title, a.year, a.line) == ('Comments on "Filenames"', 2000, 1)
    assert (b.title, b.year, b.line) == ("T", 1982, 7)


@pytest.mark.parametrize(
    ("value", "after"),
    [
        ("{Lovelace, Ada}", "year = 1843"),
        ("{Lovelace, Ada}", "year = {1843}"),
        ('"Lovelace, Ada"', 'year = "1843"'),
        ("lovelace", "year = 1843"),
    ],
)
def test_a_missing_comma_is_an_error_where_the_next_field_starts(
    write_bib: BibWriter, value: str, after: str
) -> None:
    """bibtexparser reads on to the next comma, so the value would swallow the next field
    (an author "Lovelace, Ada year = 184"); BibTeX stops there with an error, as we do."""
    path = write_bib(
        "@string{lovelace = {Lovelace, Ada}}\n"
        f"@misc{{a,\n  title = {{T}},\n  author = {value}\n  {after},\n}}\n"
        "@misc{b, title = {B}, url = {https://example.org/?a=1&b=2}}\n"
    )
    bibliography = load([path])
    (error,) = bibliography.errors
    assert error.line == 5
    assert "@misc{a" in error.message and '"," missing' in error.message
    assert f"{after}" in error.message and '"author"' in error.message
    (entry,) = bibliography.entries
    assert entry.url == "https://example.org/?a=1&b=2"


def test_a_percent_comment_inside_an_entry_is_skipped_as_biber_does(
    write_bib: BibWriter,
) -> None:
    """biber reads "%" outside values as a comment to the end of the line; BibTeX has no
    comments and fails, so each is a warning. bibtexparser alone read "%volume" as a field
    and a comment without "=" as part of the next field's name."""
    path = write_bib(
        "@article{a,\n  title = {50\\% of {\\%} it},\n  author = {Ada Lovelace},\n"
        "  % from DBLP, checked\n  journal = {J},\n  year = 2000, % the year\n"
        "  %volume = {7},\n  url = {http://x.org/a%20b},\n}\n"
    )
    bibliography = load([path])
    (entry,) = bibliography.entries
    assert (entry.title, entry.venue, entry.year) == ("50% of % it", "J", 2000)
    assert entry.url == "http://x.org/a%20b"
    assert "volume" not in entry.bibtex and "the year" not in entry.bibtex
    warnings = [(d.line, d.code) for d in bibliography.diagnostics]
    assert warnings == [(4, "comment-in-entry"), (6, "comment-in-entry"), (7, "comment-in-entry")]
    assert "biber" in bibliography.diagnostics[0].message


@st.composite
def balanced(draw: st.DrawFn, quotes: bool = True, depth: int = 0) -> str:
    """Text whose braces balance (double quotes only inside braces unless ``quotes``)."""
    plain = st.sampled_from(["a", " ", ",", "=", "#", "\n", "\\x", "%", "(", "'"])
    parts = draw(st.lists(plain | st.just('"') if quotes else plain, max_size=5))
    if depth < 3 and draw(st.booleans()):
        parts.append("{" + draw(balanced(True, depth + 1)) + "}")
    return "".join(draw(st.permutations(parts)))


value_part = (
    balanced().map(lambda text: "{" + text + "}")
    | balanced(quotes=False).map(lambda text: f'"{text}"')
    | st.sampled_from(["2024", "jan", "j-TUGboat", "pub-AW:adr"])
)


@given(st.lists(value_part, min_size=1, max_size=3), st.sampled_from([" # ", "#", "\n  #  "]))
def test_a_well_formed_value_reads_whole_and_a_missing_comma_after_it_fails(
    parts: list[str], joint: str
) -> None:
    value = joint.join(parts)
    (block,) = read_blocks(f"@misc{{a, note = {value}}}")
    assert isinstance(block, EntryBlock)
    assert block.fields[0].parts == tuple(parts)
    (failure,) = read_blocks(f"@misc{{a, note = {value}\n  year = 2000}}")
    assert isinstance(failure, Failure)
    assert '"," missing after the value of "note"' in failure.message
    assert failure.line == value.count("\n") + 2


def test_a_block_that_cannot_be_read_is_reported_where_reading_stopped(
    write_bib: BibWriter,
) -> None:
    path = write_bib("@misc{a,\n  title = {T},\n  author {Ada},\n  year = 1843,\n}\n")
    (error,) = load([path]).errors
    assert error.line == 3
    assert "@misc{a" in error.message


def test_duplicate_keys_across_files(write_bib: BibWriter) -> None:
    one = write_bib("@article{same, title={One}, year=2020}\n", name="one.bib")
    two = write_bib("\n@article{same, title={Two}, year=2021}\n", name="two.bib")
    bibliography = load([one, two])
    (error,) = bibliography.errors
    assert (error.path, error.line) == (two, 2)
    assert f"first used at {one}:1" in error.message
    assert [e.title for e in bibliography.entries] == ["One"]


def test_latin1_file_fails_with_hint_then_reads_with_encoding(write_bib: BibWriter) -> None:
    path = write_bib("@article{k,\n  title = {Café},\n  year = 2020,\n}\n", encoding="latin-1")
    with pytest.raises(BibfolioError) as caught:
        load([path])
    assert caught.value.line == 2
    assert "--encoding latin-1" in str(caught.value)
    assert load([path], encoding="latin-1").entries[0].title == "Café"


def test_utf8_bom_is_accepted(write_bib: BibWriter) -> None:
    path = write_bib("\ufeff@article{k, title={Ünïcode}, year=2020}\n")
    assert load([path]).entries[0].title == "Ünïcode"


def test_unknown_encoding_is_an_error(write_bib: BibWriter) -> None:
    path = write_bib("@article{k, title={T}}\n")
    with pytest.raises(BibfolioError, match='unknown encoding "klingon"'):
        load([path], encoding="klingon")


def test_software_entries_are_projects_with_role(write_bib: BibWriter) -> None:
    path = write_bib(
        "@software{fastchat, title={FastChat}, url={https://github.com/lm-sys/FastChat},"
        " role={Lead}, theme={Systems}}\n"
    )
    (entry,) = load([path]).entries
    assert (entry.kind, entry.is_lead, entry.label, entry.theme) == (
        Kind.PROJECT,
        True,
        "FastChat",
        "Systems",
    )


def test_unsafe_link_is_dropped_with_warning(write_bib: BibWriter) -> None:
    path = write_bib("@article{k,\n  title={T},\n  url={javascript:alert(1)},\n  year=2020\n}\n")
    bibliography = load([path])
    assert bibliography.entries[0].links == ()
    (warning,) = bibliography.diagnostics
    assert "not a safe link" in warning.message


def test_escaped_underscore_in_url_is_unescaped(write_bib: BibWriter) -> None:
    path = write_bib("@article{k, title={T}, url={https://x.example/a\\_b~c%20d}, year=2020}\n")
    assert load([path]).entries[0].url == "https://x.example/a_b~c%20d"


def test_missing_title_shows_the_key(write_bib: BibWriter) -> None:
    path = write_bib("@article{notitle, year=2020}\n")
    assert load([path]).entries[0].title == "notitle"


def test_year_without_digits_warns(write_bib: BibWriter) -> None:
    path = write_bib("@article{k, title={T}, year={forthcoming}}\n")
    bibliography = load([path])
    assert bibliography.entries[0].year is None
    assert "four-digit year" in bibliography.diagnostics[0].message


def test_decoding_latex_leaves_no_cycles_to_freeze(write_bib: BibWriter) -> None:
    """pylatexenc leaves reference cycles behind; bibfolio's commands freeze what a build
    read (gc.freeze), which would keep them for good unless they are collected first."""
    import gc

    from bibfolio.collector import freezing_what_is_read

    titles = "".join(
        f"@misc{{k{n}, title = {{{{The {{\\TeX}} and \\LaTeX\\ guide {n}}} -- \\emph{{x}}}}}}\n"
        for n in range(200)
    )
    bib = write_bib(titles)
    gc.unfreeze()  # what in-process builds of earlier tests froze
    gc.collect()
    with freezing_what_is_read(unfreeze=True):  # unfrozen at the end: collectable again
        bibliography = load([bib])
    assert gc.collect() < 200  # was 25,000 (125 objects an entry)
    assert len(bibliography.entries) == 200


def test_a_book_shows_its_publisher_when_that_is_all_there_is(write_bib: BibWriter) -> None:
    path = write_bib(
        "@book{b, title = {Sketches}, publisher = {Taylor}, year = 1843}\n"
        "@inproceedings{p, title = {P}, booktitle = {Proc. (RS 40)}, publisher = {RS},\n"
        "  year = 1840}\n"
    )
    book, paper = load([path]).entries
    assert (book.venue, paper.venue, paper.label) == ("Taylor", "Proc. (RS 40)", "RS 40")
