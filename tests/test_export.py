"""Data exports: bibfolio JSON against its documented schema, and CSL-JSON items."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bibfolio.build import build_page
from bibfolio.config import Config
from bibfolio.export import (
    PAGE_SCHEMA_ID,
    _dump,
    bare_doi,
    csl_item,
    csl_name,
    csl_type,
    page_to_csl_json,
    page_to_json,
)
from bibfolio.model import Entry, Kind, Link, Page, Person

SMALL_BIB = Path(__file__).parent / "data" / "small.bib"
SCHEMA_PATH = Path(__file__).parent.parent / "docs" / "json-schema.json"
ENTRY_FIELDS = [
    "key", "kind", "type", "title", "label", "authors", "et_al", "editors", "advisors", "year",
    "month", "venue", "theme", "themes", "is_lead", "is_first_author", "selected", "url", "links",
]  # fmt: skip
# Every CSL-JSON variable bibfolio may write (CSL 1.0.2 names).
CSL_VARIABLES = {
    "id", "type", "title", "author", "editor", "issued", "container-title", "publisher", "genre",
    "DOI", "URL",
}  # fmt: skip


def small_page() -> Page:
    return build_page([SMALL_BIB], Config(owner=("Ada Lovelace",))).page


def page_from(bib: Path) -> Page:
    return build_page([bib], Config(owner=("Ada Lovelace",))).page


def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


# --- bibfolio JSON ----------------------------------------------------------------------------


def schema_errors(instance: object, document: dict[str, Any]) -> list[str]:
    """Validate against the schema: with jsonschema when installed, else a small checker.

    The small checker reads the keywords docs/json-schema.json uses ($ref, type, const, enum,
    required, properties, additionalProperties, items, minItems, minLength, minimum,
    maximum) and fails on any other, so the schema cannot silently outgrow it.
    """
    try:
        import jsonschema
    except ImportError:
        return _check(instance, document, document, "$")
    jsonschema.Draft202012Validator.check_schema(document)
    validator = jsonschema.Draft202012Validator(document)
    return [error.message for error in validator.iter_errors(instance)]


_JSON_TYPES: dict[str, Callable[[object], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
_ANNOTATIONS = {"$schema", "$id", "$defs", "title", "description"}


def _check(value: object, node: dict[str, Any], root: dict[str, Any], at: str) -> list[str]:
    unknown = set(node) - _ANNOTATIONS - {
        "$ref", "type", "const", "enum", "required", "properties", "additionalProperties",
        "items", "minItems", "minLength", "minimum", "maximum",
    }  # fmt: skip
    assert not unknown, f"the test's schema checker does not know {unknown}"
    if "$ref" in node:
        name = node["$ref"].removeprefix("#/$defs/")
        return _check(value, root["$defs"][name], root, at)
    errors: list[str] = []
    if "type" in node:
        types = node["type"] if isinstance(node["type"], list) else [node["type"]]
        if not any(_JSON_TYPES[t](value) for t in types):
            return [f"{at}: {value!r} is not of type {types}"]
    if "const" in node and value != node["const"]:
        errors.append(f"{at}: {value!r} is not {node['const']!r}")
    if "enum" in node and value not in node["enum"]:
        errors.append(f"{at}: {value!r} is not one of {node['enum']}")
    if isinstance(value, str) and len(value) < node.get("minLength", 0):
        errors.append(f"{at}: too short")
    if _JSON_TYPES["integer"](value) and not (
        node.get("minimum", value) <= value <= node.get("maximum", value)
    ):
        errors.append(f"{at}: {value} out of range")
    if isinstance(value, list):
        if len(value) < node.get("minItems", 0):
            errors.append(f"{at}: too few items")
        for index, item in enumerate(value):
            errors += _check(item, node.get("items", {}), root, f"{at}[{index}]")
    if isinstance(value, dict):
        errors += [f"{at}: missing {key}" for key in node.get("required", []) if key not in value]
        properties = node.get("properties", {})
        if node.get("additionalProperties") is False:
            errors += [f"{at}: unexpected {key}" for key in value if key not in properties]
        for key, item in value.items():
            if key in properties:
                errors += _check(item, properties[key], root, f"{at}.{key}")
    return errors


def test_json_validates_against_the_documented_schema() -> None:
    assert schema_errors(json.loads(page_to_json(small_page())), schema()) == []


def test_schema_checker_rejects_drift() -> None:
    data = json.loads(page_to_json(small_page()))
    entry = data["themes"][0]["sections"][0]["entries"][0]
    entry["undocumented"] = 1
    del entry["label"]
    data["themes"][0]["sections"][1]["section"] = "first"
    assert len(schema_errors(data, schema())) == 3


def test_schema_id_and_version_match_the_output() -> None:
    data = json.loads(page_to_json(small_page()))
    assert schema()["$id"] == PAGE_SCHEMA_ID == data["schema"]
    assert data["version"] == 2


def test_json_has_the_model_fields_in_a_fixed_order() -> None:
    data = json.loads(page_to_json(small_page()))
    assert list(data) == ["schema", "version", "title", "owner", "has_cofirst", "themes"]
    entries = [e for t in data["themes"] for s in t["sections"] for e in s["entries"]]
    assert all(list(entry) == ENTRY_FIELDS for entry in entries)
    assert [e["key"] for e in entries] == [e.key for e in small_page().entries]


def test_json_entry_golden() -> None:
    data = json.loads(page_to_json(small_page()))
    entries = {e["key"]: e for t in data["themes"] for s in t["sections"] for e in s["entries"]}
    assert entries["somerville1840star"] == {
        "key": "somerville1840star",
        "kind": "paper",
        "type": "inproceedings",
        "title": "Co-first Authorship Marked with a Star",
        "label": "RS 40",
        "authors": [
            {"name": "Mary Somerville", "first": "Mary", "von": "", "last": "Somerville",
             "jr": "", "is_owner": False, "is_cofirst": True},
            {"name": "Ada Lovelace", "first": "Ada", "von": "", "last": "Lovelace", "jr": "",
             "is_owner": True, "is_cofirst": True},
            {"name": "Augustus De Morgan", "first": "Augustus", "von": "", "last": "De Morgan",
             "jr": "", "is_owner": False, "is_cofirst": False},
        ],
        "et_al": False,
        "editors": [],
        "advisors": [],
        "year": 1840,
        "month": None,
        "venue": "Proceedings of the Royal Society (RS 40)",
        "theme": "Mathematics",
        "themes": ["Mathematics"],
        "is_lead": False,
        "is_first_author": True,
        "selected": False,
        "url": None,
        "links": [{"kind": "code", "label": "Code", "href": "https://example.org/star-code"}],
    }  # fmt: skip
    assert entries["engine"]["kind"] == "project" and entries["engine"]["is_lead"] is True
    assert entries["lovelace1843notes"]["month"] == 9
    assert entries["lovelace1850preprint"]["et_al"] is True
    assert entries["lovelace1851untitled"]["theme"] is None
    assert entries["lovelace1851untitled"]["themes"] == []


def test_json_is_deterministic_utf8_text_with_one_final_newline() -> None:
    data = page_to_json(small_page())
    assert data == page_to_json(small_page())
    text = data.decode("utf-8")
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert "Gödel" in text and "\\u" not in text  # ensure_ascii=False
    assert '\n  "version": 2,\n' in text  # two-space indent
    assert "small.bib" not in text  # where the entry came from is not part of the model


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@given(JSON_VALUES)
def test_json_is_written_as_the_standard_library_would(data: Any) -> None:
    """orjson writes the files for speed; the text must be json.dumps(indent=2)'s."""
    assert _dump(data) == (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()


@pytest.mark.parametrize("export", [page_to_json, page_to_csl_json])
def test_entries_kept_from_an_earlier_export_give_the_same_text(
    export: Callable[..., bytes],
) -> None:
    page = small_page()
    known: dict[str, str] = {}
    first = export(page, known)
    assert first == export(page)
    assert len(known) == len(page.entries)
    assert export(page, known) == first
    # What is kept is what is written: change one kept text, and the document shows it.
    key = next(iter(known))
    known[key] = known[key].replace('"', '"kept ', 1)
    assert b'"kept ' in export(page, known)


# --- CSL-JSON ---------------------------------------------------------------------------------


def paper(
    entry_type: str, venue: str = "", links: tuple[Link, ...] = (), preprint: bool = False
) -> Entry:
    """An entry as load.py makes it; ``preprint`` is its is_preprint (the page's label)."""
    return Entry(
        "k", Kind.PAPER, entry_type, "T", "L", venue=venue, links=links, is_preprint=preprint
    )


ARXIV = (Link("arxiv", "https://arxiv.org/abs/2201.12023"),)


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        pytest.param(paper("article", "Journal of X"), "article-journal", id="article"),
        pytest.param(paper("inproceedings", "Proc. OSDI"), "paper-conference", id="inproc"),
        pytest.param(paper("inproceedings", "OSDI", ARXIV), "paper-conference", id="inproc-arxiv"),
        pytest.param(
            paper("misc", "arXiv preprint arXiv:2201.12023", preprint=True),
            "article",
            id="misc-arxiv",
        ),
        pytest.param(paper("misc", "", ARXIV, preprint=True), "article", id="misc-eprint-only"),
        pytest.param(paper("online", "", ARXIV, preprint=True), "article", id="online-arxiv"),
        pytest.param(
            paper("article", "arXiv preprint arXiv:1", preprint=True),
            "article",
            id="scholar-preprint",
        ),
        pytest.param(paper("misc", "Blog"), "document", id="misc"),
        pytest.param(paper("online", "Blog"), "webpage", id="online"),
        pytest.param(paper("book"), "book", id="book"),
        pytest.param(paper("incollection"), "chapter", id="incollection"),
        pytest.param(paper("phdthesis", "MIT"), "thesis", id="phdthesis"),
        pytest.param(paper("mastersthesis"), "thesis", id="mastersthesis"),
        pytest.param(paper("techreport"), "report", id="techreport"),
        pytest.param(paper("dataset"), "dataset", id="dataset"),
        pytest.param(paper("patent"), "document", id="other"),
        pytest.param(
            Entry("p", Kind.PROJECT, "software", "Tool", "Tool"), "software", id="project"
        ),
    ],
)
def test_csl_type(entry: Entry, expected: str) -> None:
    assert csl_type(entry) == expected


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        pytest.param(
            Person("Ada", "", "Lovelace"), {"family": "Lovelace", "given": "Ada"}, id="plain"
        ),
        pytest.param(
            Person("John", "von", "Neumann"),
            {"family": "Neumann", "given": "John", "non-dropping-particle": "von"},
            id="von",
        ),
        pytest.param(
            Person("Martin Luther", "", "King", "Jr."),
            {"family": "King", "given": "Martin Luther", "suffix": "Jr."},
            id="jr",
        ),
        pytest.param(Person(last="OpenAI Team"), {"literal": "OpenAI Team"}, id="corporate"),
    ],
)  # fmt: skip
def test_csl_name(person: Person, expected: dict[str, str]) -> None:
    assert csl_name(person) == expected


def test_csl_items_golden() -> None:
    items = {item["id"]: item for item in json.loads(page_to_csl_json(small_page()))}
    assert items["lovelace1843notes"] == {
        "id": "lovelace1843notes",
        "type": "paper-conference",
        "title": "Notes on the Analytical Engine",
        "author": [
            {"family": "Lovelace", "given": "Ada"},
            {"family": "Babbage", "given": "Charles"},
        ],
        "issued": {"date-parts": [[1843, 9]]},
        "container-title": (
            "Proceedings of the International Conference on Analytical Engines (ICAE 43)"
        ),
        "DOI": "10.1000/notes.1843",
        "URL": "https://example.org/notes.pdf",
    }  # fmt: skip
    assert items["lovelace1850preprint"]["type"] == "article"
    assert items["lovelace1850preprint"]["URL"] == "https://arxiv.org/abs/1850.01234"
    assert items["babbage1842cofirst"]["issued"] == {"date-parts": [[1842]]}
    assert items["engine"] == {
        "id": "engine",
        "type": "software",
        "title": "Analytical Engine Toolkit",
        "URL": "https://example.org/engine",
    }


def test_csl_json_is_an_array_of_every_entry_in_page_order() -> None:
    page = small_page()
    text = page_to_csl_json(page)
    items = json.loads(text)
    assert [item["id"] for item in items] == [entry.key for entry in page.entries]
    assert all(set(item) <= CSL_VARIABLES for item in items)
    assert text == page_to_csl_json(page) and text.endswith(b"]\n")


def test_thesis_venue_is_the_publisher_with_a_genre() -> None:
    thesis = Entry("t", Kind.PAPER, "phdthesis", "T", "L", year=2020, venue="MIT")
    item = csl_item(thesis)
    assert item["publisher"] == "MIT" and "container-title" not in item
    assert item["genre"] == "PhD thesis"


def test_doi_is_bare_and_decoded(write_bib: Callable[..., Path]) -> None:
    bib = write_bib(
        "@article{sici, title = {T}, author = {Lovelace, Ada}, journal = {J}, year = 1998,\n"
        "  doi = {https://doi.org/10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-0}}\n"
    )
    (entry,) = page_from(bib).entries
    assert bare_doi(entry) == "10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-0"
    assert csl_item(entry)["DOI"] == bare_doi(entry)
    assert "URL" not in csl_item(entry)  # the DOI is not repeated as the URL


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed")
def test_pandoc_citeproc_reads_the_csl_json(tmp_path: Path) -> None:
    items = tmp_path / "items.json"
    items.write_bytes(page_to_csl_json(small_page()))
    result = subprocess.run(
        ["pandoc", "--citeproc", f"--bibliography={items}", "-t", "plain", "--wrap=none"],
        input='---\nnocite: "@*"\n---\n',
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
    )
    assert "Notes on the Analytical Engine" in result.stdout
    assert "Lovelace, Ada, and Charles Babbage. 1843." in result.stdout
    assert "Gödel" in result.stdout
    assert "https://doi.org/10.1000/notes.1843" in result.stdout
    assert result.stderr == ""


def test_csl_json_names_editors(write_bib: Callable[..., Path]) -> None:
    bib = write_bib("@book{ed, title = {Sketches}, editor = {Lovelace, Ada}, year = 1843}\n")
    (item,) = json.loads(page_to_csl_json(build_page([bib], Config()).page))
    assert item["editor"] == [{"family": "Lovelace", "given": "Ada"}]
    assert "author" not in item
