"""Site integrations: YAML front matter, academicpages and Hugo per-paper files."""

from __future__ import annotations

import datetime
import random
import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bibfolio import sites
from bibfolio.build import build_page
from bibfolio.config import Config
from bibfolio.model import Entry, Kind, Page, Person
from bibfolio.sites import (
    academicpages_page_front_matter,
    academicpages_publications,
    entry_slugs,
    front_matter,
    hugo_publications,
    plain_citation,
    slugify,
    yaml_string,
)

SMALL_BIB = Path(__file__).parent / "data" / "small.bib"
SMALL_PAPERS = [
    "lovelace1843notes",
    "babbage1842cofirst",
    "somerville1840star",
    "demorgan1847other",
    "lovelace1850preprint",
    "lovelace1851untitled",
]
SAFE_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*$")


def yaml_module() -> ModuleType | None:
    try:
        import yaml
    except ImportError:
        return None
    return yaml


def load_yaml(text: str) -> Any:
    """Parse with PyYAML, skipping the test when it is not installed."""
    yaml = yaml_module()
    if yaml is None:
        pytest.skip("PyYAML is not installed")
    return yaml.safe_load(text)


def small_page() -> Page:
    return build_page([SMALL_BIB], Config(owner=("Ada Lovelace",))).page


def page_from(bib: Path) -> Page:
    return build_page([bib], Config(owner=("Ada Lovelace",))).page


# A reader for YAML double-quoted scalars (YAML 1.2 §5.7), independent of the writer, so the
# escaping is checked even where PyYAML is not installed.
_YAML_UNESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r",
    "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0",
    "L": "\u2028", "P": "\u2029",
}  # fmt: skip
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}


def read_yaml_string(quoted: str) -> str:
    assert quoted[0] == quoted[-1] == '"' and len(quoted) >= 2
    body, out, index = quoted[1:-1], [], 0
    while index < len(body):
        char = body[index]
        assert (char != '"' and char >= " ") or char == "\t", f"raw {char!r} in {quoted!r}"
        if char != "\\":
            out.append(char)
            index += 1
            continue
        code = body[index + 1]
        if code in _HEX_ESCAPES:
            width = _HEX_ESCAPES[code]
            out.append(chr(int(body[index + 2 : index + 2 + width], 16)))
            index += 2 + width
        else:
            out.append(_YAML_UNESCAPES[code])
            index += 2
    return "".join(out)


# --- front matter -----------------------------------------------------------------------------

HOSTILE = [
    pytest.param('He said "hi"', id="double-quote"),
    pytest.param("It's", id="single-quote"),
    pytest.param("Title: a subtitle", id="colon"),
    pytest.param("C# #hash", id="hash"),
    pytest.param("line one\nline two", id="newline"),
    pytest.param("- a list?", id="leading-dash"),
    pytest.param("*alias", id="leading-star"),
    pytest.param("&anchor", id="leading-ampersand"),
    pytest.param("!tag", id="leading-bang"),
    pytest.param("| block", id="leading-pipe"),
    pytest.param("> folded", id="leading-gt"),
    pytest.param("%directive", id="leading-percent"),
    pytest.param("@at `tick`", id="reserved"),
    pytest.param("{a: b}", id="flow-mapping"),
    pytest.param("[a, b]", id="flow-sequence"),
    pytest.param("yes", id="yes"),
    pytest.param("no", id="no"),
    pytest.param("null", id="null"),
    pytest.param("~", id="tilde"),
    pytest.param("1.0", id="float"),
    pytest.param("0x1F", id="hex"),
    pytest.param("1e3", id="exponent"),
    pytest.param("2024-01-01", id="date"),
    pytest.param("", id="empty"),
    pytest.param("  padded  ", id="spaces"),
    pytest.param("back\\slash \\n", id="backslash"),
    pytest.param("tab\there", id="tab"),
    pytest.param("bell\a nul\0 esc\x1b del\x7f c1\x9b", id="control"),
    pytest.param("sep\u2028par\u2029nel\x85", id="unicode-line-breaks"),
    pytest.param("\ufeffbom", id="bom"),
    pytest.param("---", id="document-marker"),
    pytest.param("Gödel – “quotes” 数学 🎉", id="unicode"),
    pytest.param("{{ liquid }} {% raw %}", id="liquid"),
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_strings_stay_one_quoted_line(text: str) -> None:
    block = front_matter({"title": text})
    lines = block.split("\n")
    assert lines[0] == "---" and lines[2] == "---" and lines[3] == "" and len(lines) == 4
    assert lines[1].startswith('title: "') and lines[1].endswith('"')
    assert read_yaml_string(lines[1].removeprefix("title: ")) == text


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_strings_round_trip_through_pyyaml(text: str) -> None:
    assert load_yaml(front_matter({"title": text, "tags": [text]}).strip("-\n")) == {
        "title": text,
        "tags": [text],
    }


@given(st.text(st.characters(exclude_categories=["Cs"])))
def test_any_text_round_trips(text: str) -> None:
    line = yaml_string(text)
    assert "\n" not in line and "\r" not in line
    assert read_yaml_string(line) == text
    yaml = yaml_module()
    if yaml is not None:
        assert yaml.safe_load(f"k: {line}") == {"k": text}


def test_yaml_string_escapes_exactly_what_yaml_char_escapes() -> None:
    """The one-pass regex finds every character the per-character rule changes, and no
    other: checked on every code point it could concern (the whole BMP, surrogates
    included) and a few beyond."""
    text = "".join(map(chr, range(0x10000))) + "\U0001f389\U0010ffff"
    assert yaml_string(text) == '"' + "".join(map(sites._yaml_char, text)) + '"'


def test_front_matter_value_types() -> None:
    fields = {
        "flag": True,
        "off": False,
        "count": 3,
        "date": datetime.date(1843, 9, 1),
        "none": None,
        "names": ["Ada", "Charles"],
        "empty": [],
        "links": [{"name": "arXiv", "url": "https://arxiv.org/abs/1"}],
        "nested": {"deep": ("x",), "blank": {}},
        "yes": 1,
        "two words": "k",
    }
    text = front_matter(fields)
    assert text == (
        "---\n"
        "flag: true\n"
        '"off": false\n'
        "count: 3\n"
        "date: 1843-09-01\n"
        "none: null\n"
        "names:\n"
        '  - "Ada"\n'
        '  - "Charles"\n'
        "empty: []\n"
        "links:\n"
        '  - name: "arXiv"\n'
        '    url: "https://arxiv.org/abs/1"\n'
        "nested:\n"
        "  deep:\n"
        '    - "x"\n'
        "  blank: {}\n"
        '"yes": 1\n'
        '"two words": "k"\n'
        "---\n"
    )
    loaded = load_yaml(text.strip("-\n"))
    assert loaded == {**fields, "nested": {"deep": ["x"], "blank": {}}}


def test_empty_front_matter() -> None:
    assert front_matter({}) == "---\n---\n"


@pytest.mark.parametrize("value", [1.5, object(), b"bytes", {1, 2}])
def test_unsupported_values_are_a_type_error(value: object) -> None:
    with pytest.raises(TypeError):
        front_matter({"x": value})


def test_academicpages_page_front_matter() -> None:
    assert academicpages_page_front_matter("Publications", "/publications/") == (
        '---\ntitle: "Publications"\npermalink: "/publications/"\nauthor_profile: true\n---\n'
    )
    # academicpages runs page titles through Markdown, so Markdown characters are escaped.
    text = academicpages_page_front_matter("R&D *new*", "/p/")
    assert 'title: "R&amp;D \\\\*new\\\\*"' in text


# --- slugs and file names ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "slug"),
    [
        pytest.param("zheng2022alpa", "zheng2022alpa", id="plain"),
        pytest.param("Zheng_2022.v2-x", "Zheng_2022.v2-x", id="allowed-punctuation"),
        pytest.param("../evil", "evil", id="parent-traversal"),
        pytest.param("../../etc/passwd", "etc-passwd", id="deep-traversal"),
        pytest.param("/abs", "abs", id="absolute"),
        pytest.param("a/b", "a-b", id="slash"),
        pytest.param("a\\b", "a-b", id="backslash"),
        pytest.param("C:evil", "C-evil", id="drive"),
        pytest.param("a b:c", "a-b-c", id="space-colon"),
        pytest.param("müller:2020", "muller-2020", id="accent"),
        pytest.param("con", "entry-con", id="windows-device"),
        pytest.param("NUL.md", "entry-NUL.md", id="windows-device-ext"),
        pytest.param("lpt1", "entry-lpt1", id="windows-lpt"),
        pytest.param("console", "console", id="not-a-device"),
        pytest.param(".hidden", "hidden", id="leading-dot"),
        pytest.param("..", "entry", id="dotdot"),
        pytest.param("???", "entry", id="nothing-left"),
        pytest.param("", "entry", id="empty"),
        pytest.param("数学", "entry", id="non-latin"),
    ],
)
def test_slugify(key: str, slug: str) -> None:
    assert slugify(key) == slug


def test_slugs_are_capped() -> None:
    assert len(slugify("x" * 500)) == 100


def keyed(*keys: str) -> list[Entry]:
    return [Entry(key, Kind.PAPER, "article", key, key) for key in keys]


def test_colliding_keys_get_distinct_slugs_ignoring_case() -> None:
    slugs = entry_slugs(keyed("a/b", "a-b", "a b", "A-B", "a-b-2", "a:b"))
    # Keys that are already safe claim their slug first ("A-B" before "a-b" in key order);
    # the rest are numbered in key order, skipping "a-b-2", which another key has.
    assert slugs == {
        "A-B": "A-B",
        "a-b-2": "a-b-2",
        "a-b": "a-b-3",
        "a b": "a-b-4",
        "a/b": "a-b-5",
        "a:b": "a-b-6",
    }


def test_slugs_do_not_depend_on_entry_order() -> None:
    keys = ["a/b", "a-b", "a b", "A-B", "a-b-2", "x", "???", "entry"]
    expected = entry_slugs(keyed(*keys))
    for seed in range(5):
        shuffled = keys[:]
        random.Random(seed).shuffle(shuffled)
        assert entry_slugs(keyed(*shuffled)) == expected


HOSTILE_KEYS = ["../evil", "a/b", "a-b", "A.b", "con", "???", "entry", "müller:2020", ".x"]


@pytest.fixture
def hostile_keys_bib(write_bib: Callable[..., Path]) -> Path:
    return write_bib(
        "".join(
            f"@article{{{key}, title = {{Paper {n}}}, author = {{Lovelace, Ada}},"
            f" journal = {{J}}, year = 2020}}\n"
            for n, key in enumerate(HOSTILE_KEYS)
        )
    )


@pytest.mark.parametrize("site", ["academicpages", "hugo"])
def test_per_paper_paths_are_safe_and_distinct(hostile_keys_bib: Path, site: str) -> None:
    page = page_from(hostile_keys_bib)
    assert sorted(entry.key for entry in page.entries) == sorted(HOSTILE_KEYS)
    files = academicpages_publications(page) if site == "academicpages" else hugo_publications(page)
    assert len(files) == len(HOSTILE_KEYS)
    folded = {path.lower() for path in files}
    assert len(folded) == len(files)
    for path in files:
        parts = PurePosixPath(path).parts
        assert len(parts) == (1 if site == "academicpages" else 2)
        assert all(SAFE_NAME.match(part) and part not in (".", "..") for part in parts), path
    permalinks = [re.search(r"permalink: \"(.*)\"", text) for text in files.values()]
    if site == "academicpages":
        assert len({match.group(1) for match in permalinks if match}) == len(HOSTILE_KEYS)


# --- academicpages ----------------------------------------------------------------------------


def test_academicpages_files_golden() -> None:
    files = academicpages_publications(small_page())
    assert sorted(files) == [
        "1840-01-01-somerville1840star.md",
        "1842-01-01-babbage1842cofirst.md",
        "1843-09-01-lovelace1843notes.md",
        "1847-01-01-demorgan1847other.md",
        "1850-01-01-lovelace1850preprint.md",
        "1851-01-01-lovelace1851untitled.md",
    ]
    assert list(files) == sorted(files)
    assert files["1843-09-01-lovelace1843notes.md"] == (
        "---\n"
        'title: "Notes on the Analytical Engine"\n'
        'collection: "publications"\n'
        'category: "conferences"\n'
        'permalink: "/publication/lovelace1843notes/"\n'
        "date: 1843-09-01\n"
        'venue: "Proceedings of the International Conference on Analytical Engines (ICAE 43)"\n'
        'paperurl: "https://example.org/notes.pdf"\n'
        'citation: "Ada Lovelace, Charles Babbage. \\"Notes on the Analytical Engine.\\"'
        ' Proceedings of the International Conference on Analytical Engines (ICAE 43), 1843."\n'
        "scholar:\n"
        + "".join(
            f'  - name: "{name}"\n    content: "{content}"\n'
            for name, content in (
                ("citation_title", "Notes on the Analytical Engine"),
                ("citation_author", "Ada Lovelace"),
                ("citation_author", "Charles Babbage"),
                ("citation_publication_date", "1843/09"),
                (
                    "citation_conference_title",
                    "Proceedings of the International Conference on Analytical Engines (ICAE 43)",
                ),
                ("citation_firstpage", "1"),
                ("citation_lastpage", "70"),
                ("citation_doi", "10.1000/notes.1843"),
                ("citation_pdf_url", "https://example.org/notes.pdf"),
            )
        )
        + "---\n"
        "\n"
        "[PDF](https://example.org/notes.pdf) · [DOI](https://doi.org/10.1000/notes.1843)\n"
    )
    preprint = files["1850-01-01-lovelace1850preprint.md"]
    assert 'category: "manuscripts"\n' in preprint
    assert 'paperurl: "https://arxiv.org/abs/1850.01234"\n' in preprint  # no pdf: primary link
    assert "Ada Lovelace, Kurt Gödel, et al. " in preprint
    # A paper without links has front matter only.
    assert files["1842-01-01-babbage1842cofirst.md"].endswith("---\n")


def test_academicpages_front_matter_parses_to_the_theme_fields() -> None:
    files = academicpages_publications(small_page())
    data = load_yaml(files["1843-09-01-lovelace1843notes.md"].split("---\n")[1])
    assert data["date"] == datetime.date(1843, 9, 1)
    assert set(data) == {
        "title", "collection", "category", "permalink", "date", "venue", "paperurl", "citation",
        "scholar",
    }  # fmt: skip


def test_academicpages_leaves_out_projects_and_dates_undated_papers(
    write_bib: Callable[..., Path],
) -> None:
    bib = write_bib(
        "@software{tool, title = {Tool}, url = {https://example.org}}\n"
        "@misc{undated, title = {Undated}, author = {Lovelace, Ada}}\n"
    )
    files = academicpages_publications(page_from(bib))
    assert list(files) == ["1900-01-01-undated.md"]


def test_academicpages_escapes_for_where_each_field_lands(write_bib: Callable[..., Path]) -> None:
    bib = write_bib(
        "@inproceedings{evil,\n"
        '  title = {<script>x</script> *bold* "quoted": yes},\n'
        "  author = {Lovelace, Ada},\n"
        "  booktitle = {Journal & <i>Co</i>},\n"
        "  year = 2020,\n"
        '  pdf = {https://example.org/a?x=1&y="2"},\n'
        "  slides = {https://example.org/s (1).pdf},\n"
        "}\n"
    )
    (text,) = academicpages_publications(page_from(bib)).values()
    front, body = text.split("---\n")[1:]
    # The title goes through Markdown; venue and citation go into the HTML as they are.
    assert 'title: "&lt;script&gt;x&lt;/script&gt; \\\\*bold\\\\* \\"quoted\\": yes"' in front
    assert 'venue: "Journal &amp; &lt;i&gt;Co&lt;/i&gt;"' in front
    assert "&lt;script&gt;" in front.split("citation:")[1]
    assert 'paperurl: "https://example.org/a?x=1&amp;y=&quot;2&quot;"' in front
    assert "slidesurl:" in front
    assert "[PDF](https://example.org/a?x=1&y=%222%22)" in body
    assert "<" not in front
    assert "[Slides](https://example.org/s%281%29.pdf)" in body  # browsers drop the space
    data = load_yaml(front)
    assert data["title"].startswith("&lt;script&gt;")


# --- citations --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "citation"),
    [
        pytest.param(
            Entry("k", Kind.PAPER, "article", "Title", "", (), (Person("A", "", "B"),),
                  year=2020, venue="J"),
            'A B. "Title." J, 2020.',
            id="full",
        ),
        pytest.param(
            Entry("k", Kind.PAPER, "article", "Why?", "", (), (Person("A", "", "B"),),
                  et_al=True),
            'A B, et al. "Why?"',
            id="question-et-al",
        ),
        pytest.param(
            Entry("k", Kind.PAPER, "misc", "T", "", year=2020), '"T." 2020.', id="no-authors"
        ),
        pytest.param(
            Entry("k", Kind.PAPER, "misc", "T", "", (), (Person("A", "", "B", "Jr."),)),
            'A B, Jr. "T."',
            id="jr-dot",
        ),
        pytest.param(
            Entry("k", Kind.PAPER, "book", "T", "", editors=(Person("A", "", "B"),)),
            'A B (ed.). "T."',
            id="editor",
        ),
    ],
)  # fmt: skip
def test_plain_citation(entry: Entry, citation: str) -> None:
    assert plain_citation(entry) == citation


# --- Hugo -------------------------------------------------------------------------------------


def test_hugo_bundles_golden() -> None:
    files = hugo_publications(small_page())
    assert sorted(files) == sorted(f"{key}/index.md" for key in SMALL_PAPERS)
    assert list(files) == sorted(files)
    assert files["somerville1840star/index.md"] == (
        "---\n"
        'title: "Co-first Authorship Marked with a Star"\n'
        "authors:\n"
        '  - "Mary Somerville"\n'
        '  - "Ada Lovelace"\n'
        '  - "Augustus De Morgan"\n'
        "author_notes:\n"
        '  - "Equal contribution"\n'
        '  - "Equal contribution"\n'
        '  - ""\n'
        "date: 1840-01-01\n"
        'publication: "*Proceedings of the Royal Society (RS 40)*"\n'
        "publication_types:\n"
        '  - "paper-conference"\n'
        "featured: false\n"
        'abstract: ""\n'
        'url_code: "https://example.org/star-code"\n'
        "scholar:\n"
        + "".join(
            f'  - name: "{name}"\n    content: "{content}"\n'
            for name, content in (
                ("citation_title", "Co-first Authorship Marked with a Star"),
                ("citation_author", "Mary Somerville"),
                ("citation_author", "Ada Lovelace"),
                ("citation_author", "Augustus De Morgan"),
                ("citation_publication_date", "1840"),
                ("citation_conference_title", "Proceedings of the Royal Society (RS 40)"),
            )
        )
        + "---\n"
    )
    notes = files["lovelace1843notes/index.md"]
    assert (
        'doi: "10.1000/notes.1843"\n' in notes
        and 'url_pdf: "https://example.org/notes.pdf"\n' in notes
    )
    assert "date: 1843-09-01\n" in notes and "author_notes" not in notes
    preprint = files["lovelace1850preprint/index.md"]
    assert '  - "article"\n' in preprint
    assert 'links:\n  - name: "arXiv"\n    url: "https://arxiv.org/abs/1850.01234"\n' in preprint


def test_hugo_owner_alias_replaces_only_the_owner() -> None:
    files = hugo_publications(small_page(), owner_alias="admin")
    data = load_yaml(files["babbage1842cofirst/index.md"].split("---\n")[1])
    assert data["authors"] == ["Charles Babbage", "admin", "Luigi Menabrea"]
    assert data["publication_types"] == ["article-journal"]
    assert data["featured"] is False and data["abstract"] == ""


def test_hugo_featured_follows_selected_and_venue_is_markdown_escaped(
    write_bib: Callable[..., Path],
) -> None:
    bib = write_bib(
        "@inproceedings{sel, title = {T}, author = {Lovelace, Ada}, year = 2020,\n"
        "  booktitle = {Proc. *Stars* & _Under_}, selected = {true}}\n"
    )
    (text,) = hugo_publications(page_from(bib)).values()
    assert "featured: true\n" in text
    assert 'publication: "*Proc. \\\\*Stars\\\\* &amp; \\\\_Under\\\\_*"\n' in text


@pytest.mark.parametrize("site", ["academicpages", "hugo"])
def test_per_paper_output_is_deterministic(site: str, write_bib: Callable[..., Path]) -> None:
    blocks = SMALL_BIB.read_text(encoding="utf-8").split("\n@")
    macros = [block for block in blocks if block.lower().startswith("string")]
    entries = [block for block in blocks[1:] if block not in macros]
    reordered = write_bib("\n@".join([blocks[0], *macros, *reversed(entries)]), "reversed.bib")
    build = academicpages_publications if site == "academicpages" else hugo_publications
    assert build(small_page()) == build(small_page()) == build(page_from(reordered))


def test_scholar_tags_ride_along_escaped_for_where_they_land(
    write_bib: Callable[..., Path],
) -> None:
    bib = write_bib(
        '@article{evil, title = {<script>x</script> & "q"}, author = {Lovelace, Ada},'
        " journal = {J}, year = 2020}\n"
    )
    page = page_from(bib)
    jekyll = load_yaml(academicpages_publications(page)["2020-01-01-evil.md"].split("---\n")[1])
    hugo = load_yaml(hugo_publications(page)["evil/index.md"].split("---\n")[1])
    # academicpages' head/custom.html writes them as they are: escaped here, as venue is.
    assert jekyll["scholar"][0] == {
        "name": "citation_title",
        "content": "&lt;script&gt;x&lt;/script&gt; &amp; &quot;q&quot;",
    }
    # Hugo's templates escape what they write: the text itself.
    assert hugo["scholar"][0] == {"name": "citation_title", "content": '<script>x</script> & "q"'}
    assert {"name": "citation_author", "content": "Ada Lovelace"} in hugo["scholar"]
