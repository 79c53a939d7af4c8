"""bibfolio's BibTeX reader: BibTeX's grammar, exact lines, failures as data; bibtexparser as
the oracle wherever it reads the input right."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bibfolio.bibtex import (
    Block,
    CommentInEntry,
    EntryBlock,
    Failure,
    PreambleBlock,
    StringBlock,
    read_blocks,
    split_chunks,
)
from bibfolio.macros import evaluate

DATA = Path(__file__).parent / "data"
SAMPLES = [DATA / "small.bib", *sorted((DATA / "tricky").glob("*.bib"))]
SAMPLES += sorted((DATA / "broken").glob("*.bib"))
SAMPLES = [path for path in SAMPLES if path.name != "latin1.bib"]


def chunked_blocks(text: str) -> list[Block]:
    """Each chunk read on its own, its lines moved to the whole file's (as ``load`` does)."""
    blocks: list[Block] = []
    for chunk in split_chunks(text):
        for block in read_blocks(chunk.text):
            moved = replace(block, line=block.line + chunk.line - 1)
            if isinstance(moved, EntryBlock):
                fields = tuple(replace(f, line=f.line + chunk.line - 1) for f in moved.fields)
                moved = replace(moved, fields=fields)
            blocks.append(moved)
    return blocks


def entries(text: str) -> list[tuple[str, str, dict[str, str]]]:
    """Each entry's type, key and fields evaluated without macros (the first of repeats)."""
    found = []
    for block in read_blocks(text):
        if isinstance(block, EntryBlock):
            fields: dict[str, str] = {}
            for f in block.fields:
                fields.setdefault(f.name, evaluate(f.parts, {}).text)
            found.append((block.entry_type, block.key, fields))
    return found


def test_each_sample_reads_the_same_chunk_by_chunk() -> None:
    for path in SAMPLES:
        text = path.read_text(encoding="utf-8-sig")
        assert chunked_blocks(text) == list(read_blocks(text)), path.name


PIECES = st.sampled_from(
    [
        "@article{a, title = {T}}\n",
        "@article{b,\n  title = {Open\n",
        "@string{v = {Venue}}\n",
        '@misc{c, note = "q}\n',
        "@comment{x}\n",
        "@comment{\n@misc{inside, title = {I}}\n}\n",
        "  @book{d, title={{B}}}\n",
        "% @article{e, title={x}}\n",
        "text @inproceedings{f, title = {x} # v}\n",
        "mail ada@example.org (home)\n",
        "@preamble{ {p} }\n",
        "@preamble{\\def\\x{y}}\n",
        "}\n",
        "{\n",
        "title = {x},\n",
        "@@article{g,}\n",
        "@misc{h, note = {x \\\\\n y}}\n",
        "@misc{i,\n  note = {x \\\\\n y} # v,\n  year = w}\n",
        '@misc{j, note = "{a "b" c, d}" # "e{"}f", year = 1}\n',
        "@misc{k,\n  % c, d\n  title = {x%y}, % z\n}\n",
        "@misc(l, title = {a)b}, year = 2)\n",
        "@misc{m, title = {T}\n  year = 2000}\n",
        "@misc{n, author {Ada}}\n",
        "\n",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PIECES, max_size=10))
def test_chunk_by_chunk_reading_agrees_with_reading_the_whole_file(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert chunked_blocks(text) == list(read_blocks(text))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='@{}()"%#=,\\ \nabc', max_size=60))
def test_any_text_reads_without_raising_and_with_lines_inside_it(text: str) -> None:
    lines = text.count("\n") + 1
    for block in read_blocks(text):
        assert 1 <= block.line <= lines
        if isinstance(block, EntryBlock):
            assert block.text.startswith("@") and block.text in text
            assert all(block.line <= f.line <= lines for f in block.fields)


def test_each_block_and_field_is_at_its_line() -> None:
    text = (
        "% header\n\n@string{v = {Venue}}\n@article{a,\n  title = {A \\\\\n  B},\n"
        "  journal = v # { 2000},\n\n  year = 2000}\n  @preamble{ {p} }\n"
        "@misc(b,\n  title = {x})\n"
    )
    blocks = list(read_blocks(text))
    assert [(type(b).__name__, b.line) for b in blocks] == [
        ("StringBlock", 3),
        ("EntryBlock", 4),
        ("PreambleBlock", 10),
        ("EntryBlock", 11),
    ]
    entry = blocks[1]
    assert isinstance(entry, EntryBlock)
    assert [(f.name, f.line, f.text) for f in entry.fields] == [
        ("title", 5, "A \\\\\n  B"),
        ("journal", 7, None),
        ("year", 9, "2000"),
    ]
    assert entry.fields[1].parts == ("v", "{ 2000}")


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("@misc{a,\n  title = {T}\n  year = 2000}\n", '"," missing after the value of "title"', 3),
        ("@misc{a,\n  title {T}}\n", '"=" missing after the field name "title"', 2),
        ("@misc{a,\n  title = ,\n}\n", 'the value of "title" is missing', 2),
        ("@misc{a,\n  title = {T\n}\n\n@misc{b}\n", "it does not end before the next entry", 1),
        ('@misc{a, title = "T}\n', "it does not end before the next entry", 1),
        ("@misc{a b, title = {T}}\n", '"," missing after the key', 1),
    ],
)
def test_what_cannot_be_read_is_a_failure_at_its_line(text: str, message: str, line: int) -> None:
    failures = [block for block in read_blocks(text) if isinstance(block, Failure)]
    assert len(failures) == 1
    assert failures[0].message.startswith("cannot read @misc{a")
    assert message in failures[0].message
    assert failures[0].line == line


def test_reading_goes_on_after_a_failure_at_the_next_block() -> None:
    text = "@misc{a,\n  title = {T\n\n@misc{b, title = {B}}\n@misc{c, title = {C}}\n"
    kinds = [(type(b).__name__, getattr(b, "key", None)) for b in read_blocks(text)]
    assert kinds == [("Failure", None), ("EntryBlock", "b"), ("EntryBlock", "c")]


def test_the_grammar_as_bibtex_reads_it() -> None:
    text = (
        "@ article {spaced, title = {S}}\n"  # white space after "@" and before "{"
        '@misc{q, title = "a {"b"} c", note = {x "y" z}}\n'  # a quote inside braces
        "@misc(p, title = {a)b})\n"  # parentheses as delimiters
        "@misc{,\n  title = {No key}}\n"
        "@misc{nokey2 = {x}}\n"
        "@commentary{c, title = {An entry type that starts with comment}}\n"
        "@comment{ @misc{x, title = {hidden}} }\n"
        "Write to ada@example.org (any day).\n"
        "@misc{k,\n  % a comment, as biber reads it\n  title = {50\\% of it}, % more\n}\n"
    )
    blocks = list(read_blocks(text))
    found = [(b.entry_type, b.key) for b in blocks if isinstance(b, EntryBlock)]
    assert found == [
        ("article", "spaced"),
        ("misc", "q"),
        ("misc", "p"),
        ("misc", ""),
        ("misc", ""),
        ("commentary", "c"),
        ("misc", "k"),
    ]
    assert entries(text)[1][2] == {"title": 'a {"b"} c', "note": 'x "y" z'}
    assert entries(text)[2][2] == {"title": "a)b"}
    assert entries(text)[4][2] == {"nokey2": "x"}
    assert entries(text)[6][2] == {"title": "50\\% of it"}
    comments = [b.line for b in blocks if isinstance(b, CommentInEntry)]
    assert comments == [11, 12]


def test_preamble_and_string_blocks() -> None:
    text = (
        '@string{v = "Venue" # { 2000}}\n'
        '@preamble{"\\newcommand{\\x}{y}"}\n'
        "@preamble{\\def\\z{w}}\n"
    )
    string, value, raw = read_blocks(text)
    assert isinstance(string, StringBlock) and string.parts == ('"Venue"', "{ 2000}")
    assert isinstance(value, PreambleBlock) and value.parts == ('"\\newcommand{\\x}{y}"',)
    assert isinstance(raw, PreambleBlock) and raw.parts is None
    assert raw.content == "\\def\\z{w}"


def test_an_entry_on_a_percent_line_is_marked() -> None:
    text = "% @misc{p, title = {P}}\n@misc{q, title = {Q}}\n  %@misc{r, title = {R}}\n"
    marked = [(b.key, b.after_percent) for b in read_blocks(text) if isinstance(b, EntryBlock)]
    assert marked == [("p", True), ("q", False), ("r", True)]


# Well-formed entries of the kind bibtexparser reads right (no "%" comments, no quotes inside
# quoted values, no line ending in a backslash): its fields must be ours.
_NAME = st.from_regex(r"[a-z][a-z0-9_\-]{0,8}", fullmatch=True)
# (bibtexparser counts no brace after a backslash; BibTeX counts every brace.)
_PLAIN = st.text(alphabet="abc XYZ,.=:;-+!?'$()", max_size=12) | st.just("\\'e ")


@st.composite
def _braced(draw: st.DrawFn, depth: int = 0) -> str:
    parts = draw(st.lists(_PLAIN | st.just('"'), max_size=3))
    if depth < 3 and draw(st.booleans()):
        parts.append(draw(_braced(depth + 1)))
    return "{" + "".join(parts) + "}"


_VALUE = _braced() | _PLAIN.map(lambda text: f'"{text}"') | st.integers(0, 3000).map(str)
_SPACE = st.sampled_from([" ", "", "\n  ", "  ", "\t"])


@st.composite
def _entry(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["article", "Misc", "INPROCEEDINGS", "online"]))
    key = draw(st.from_regex(r"[A-Za-z][A-Za-z0-9:/_\-.]{0,12}", fullmatch=True))
    names = draw(st.lists(_NAME, max_size=6, unique=True))
    fields = [
        f"{name}{draw(_SPACE)}={draw(_SPACE)}{draw(_VALUE)}".replace("\\\n", "\\ \n")
        for name in names
    ]
    comma = draw(st.sampled_from([",", ""])) if fields else ""
    body = ("," + draw(_SPACE)).join(fields)
    return f"@{kind}{{{key},{draw(_SPACE)}{body}{comma}\n}}\n"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_entry(), min_size=1, max_size=4, unique_by=lambda text: text.split(",")[0]))
def test_the_same_fields_as_bibtexparser_where_it_reads_right(texts: list[str]) -> None:
    from bibtexparser.entrypoint import parse_string

    text = "\n".join(texts)
    library = parse_string(text, parse_stack=[])
    assume(not library.failed_blocks)  # where bibtexparser reads it right
    theirs = [
        (e.entry_type.lower(), e.key, {f.key.lower(): f.value for f in e.fields})
        for e in library.entries
    ]
    ours = [
        (block.entry_type, block.key, {f.name: "#".join(f.parts) for f in block.fields})
        for block in read_blocks(text)
        if isinstance(block, EntryBlock)
    ]
    assert ours == theirs
    assert [b.line for b in read_blocks(text)] == [e.start_line + 1 for e in library.entries]


@st.composite
def _braced_text(draw: st.DrawFn, depth: int = 0) -> str:
    """Text with balanced braces, where double quotes appear only inside braces."""
    plain = st.sampled_from(["a", " ", ",", "=", "#", "\n", "\\x", "{}"])
    parts = draw(st.lists(plain, max_size=6))
    if depth < 3 and draw(st.booleans()):
        inner = draw(st.lists(st.sampled_from(['"', "b", ",", " ", "}{"]), max_size=6))
        parts.append("{" + "".join(inner) + draw(_braced_text(depth + 1)) + "}")
    return "".join(draw(st.permutations(parts)))


@settings(max_examples=300, deadline=None)
@given(_braced_text())
def test_a_quoted_value_reads_as_the_same_value_in_braces(text: str) -> None:
    """BibTeX reads ``"text"`` and ``{text}`` alike when the braces in ``text`` balance."""
    before, after = "@misc{k, title = {T}, note = ", ", year = 2000}\n@misc{next, title = {N}}\n"
    quoted = entries(f'{before}"{text}"{after}')
    assert quoted == entries(f"{before}{{{text}}}{after}")
    assert [key for _, key, _ in quoted] == ["k", "next"]
