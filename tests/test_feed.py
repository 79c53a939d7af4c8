"""The Atom feed (``-f atom``): valid to feed readers, stable across builds, text kept text;
and the compact page's "more" link."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import pytest
from click.testing import CliRunner

from bibfolio.build import build_page, render_documents
from bibfolio.cli import main
from bibfolio.config import Config, make_config
from bibfolio.dates import entry_updated, parse_moment
from bibfolio.errors import ConfigError
from bibfolio.feed import TAG_PREFIX, feed_papers, page_to_atom
from bibfolio.model import Entry, Kind, Page, Section, SectionGroup, Theme

DATA_DIR = Path(__file__).parent / "data"
REFS = Path(__file__).parent.parent / "refs.bib"
FIXTURES = sorted([DATA_DIR / "small.bib", *(DATA_DIR / "tricky").glob("*.bib")])
ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)")


def atom(bib: Path, **settings: object) -> bytes:
    config = Config(skip_invalid=True, formats=("atom",), **settings)  # type: ignore[arg-type]
    return page_to_atom(build_page([bib], config).page, config.site_url)


def page_of(*entries: Entry) -> Page:
    return Page("Papers", (Theme("", (SectionGroup(Section.OTHER, "Other", entries),)),))


@pytest.mark.parametrize("bib", [REFS, *FIXTURES], ids=lambda path: path.name)
def test_feed_is_valid_atom_with_unique_well_formed_entries(bib: Path) -> None:
    document = atom(bib)
    parsed = feedparser.parse(document)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    ids = [item.id for item in parsed.entries]
    assert len(ids) == len(set(ids))
    root = ElementTree.fromstring(document)
    times = [node.text or "" for node in root.iter(f"{ATOM}updated")]
    assert times and all(RFC3339.fullmatch(text) for text in times)
    assert all(item.title and item.updated_parsed for item in parsed.entries)


def test_refs_feed_holds_its_papers_newest_first_and_no_projects() -> None:
    page = build_page([REFS], Config(skip_invalid=True)).page
    parsed = feedparser.parse(page_to_atom(page))
    papers = [entry for entry in page.entries if entry.kind is Kind.PAPER]
    assert len(parsed.entries) == len(papers)
    assert {item.id for item in parsed.entries} == {TAG_PREFIX + entry.key for entry in papers}
    years = [int(item.updated[:4]) for item in parsed.entries]
    assert years == sorted(years, reverse=True)
    assert parsed.feed.title == page.title
    assert parsed.feed.updated == parsed.entries[0].updated
    first = next(entry for entry in papers if TAG_PREFIX + entry.key == parsed.entries[0].id)
    assert [author.name for author in parsed.entries[0].authors] == [
        person.name for person in first.people
    ]
    assert parsed.entries[0].link == first.url
    assert not any(link.rel == "self" for link in parsed.feed.get("links", []))


def test_builds_are_byte_identical_and_ids_ignore_other_entries(
    write_bib: Callable[..., Path],
) -> None:
    assert atom(REFS) == atom(REFS)
    one = write_bib("@article{a, title={A}, author={X, Y}, year=2020}\n", "one.bib")
    both = write_bib(
        "@article{b, title={B}, author={X, Y}, year=2021}\n"
        "@article{a, title={A}, author={X, Y}, year=2020}\n",
        "both.bib",
    )
    ids = {item.title: item.id for item in feedparser.parse(atom(one)).entries}
    more = {item.title: item.id for item in feedparser.parse(atom(both)).entries}
    assert ids["A"] == more["A"] == f"{TAG_PREFIX}a"


def test_site_url_gives_http_ids_a_self_link_and_absolute_links(
    write_bib: Callable[..., Path],
) -> None:
    bib = write_bib(
        "@article{k:1, title={T}, author={X, Y}, year=2020, pdf={paper.pdf}}\n"
        "@article{k:2, title={U}, author={X, Y}, year=2019, url={https://example.com/u}}\n"
    )
    parsed = feedparser.parse(atom(bib, site_url="https://example.org/me/"))
    assert parsed.bozo == 0
    assert parsed.feed.id == "https://example.org/me/publications.atom"
    assert [link.href for link in parsed.feed.links if link.rel == "self"] == [parsed.feed.id]
    assert [item.id for item in parsed.entries] == [
        "https://example.org/me/#k:1",
        "https://example.org/me/#k:2",
    ]
    assert parsed.entries[0].link == "https://example.org/assets/pdf/paper.pdf"
    assert parsed.entries[1].link == "https://example.com/u"


def test_hostile_text_stays_text() -> None:
    bib = DATA_DIR / "tricky" / "hostile.bib"
    page = build_page([bib], Config(skip_invalid=True)).page
    root = ElementTree.fromstring(page_to_atom(page))
    titles = {node.text for node in root.iter(f"{ATOM}title")}
    assert "<script>alert(1)</script> and <img src=x onerror=alert(2)>" in titles
    assert not list(root.iter("script")) and not list(root.iter("img"))
    terms = {node.get("term") for node in root.iter(f"{ATOM}category")}
    assert terms == {"<em>Hostile</em> Theme"}


def test_characters_xml_cannot_hold_are_dropped() -> None:
    entry = Entry("k", Kind.PAPER, "article", "Bell\x07 and \x1b[31mred", "L", year=2020)
    entry = replace(entry, abstract="nul\x00 here\ufffe")
    parsed = feedparser.parse(page_to_atom(page_of(entry)))
    assert parsed.bozo == 0
    assert parsed.entries[0].title == "Bell and [31mred"
    assert parsed.entries[0].summary == "nul here"


def test_entry_dates_come_from_the_bib_not_the_clock(write_bib: Callable[..., Path]) -> None:
    bib = write_bib(
        "@article{dblp, title={D}, author={X, Y}, year=2019,\n"
        "  timestamp={Mon, 08 Jul 2019 10:47:53 +0200}}\n"
        "@online{web, title={W}, author={X, Y}, date={2018-03-04}, urldate={2018-05-06}}\n"
        "@article{month, title={M}, author={X, Y}, year=2017, month=sep}\n"
        "@article{year, title={Y}, author={X, Y}, year=2016, timestamp={not a date}}\n"
        "@article{undated, title={U}, author={X, Y}}\n"
        "@software{tool, title={Tool}, author={X, Y}, year=2020}\n"
    )
    parsed = feedparser.parse(atom(bib))
    assert [(item.id.rsplit(":", 1)[1], item.updated) for item in parsed.entries] == [
        ("dblp", "2019-07-08T10:47:53+02:00"),
        ("web", "2018-05-06T00:00:00Z"),
        ("month", "2017-09-01T00:00:00Z"),
        ("year", "2016-01-01T00:00:00Z"),
    ]
    assert parsed.feed.updated == "2019-07-08T10:47:53+02:00"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"timestamp": "Mon, 08 Jul 2019 10:47:53 +0200"}, "2019-07-08T10:47:53+02:00"),
        ({"timestamp": "2019-07-08T10:47:53.5-05:00"}, "2019-07-08T10:47:53-05:00"),
        ({"timestamp": "2019-07-08 10:47:53"}, "2019-07-08T10:47:53Z"),
        ({"timestamp": "2019.07.08"}, "2019-01-01T00:00:00Z"),
        ({"date-modified": "2020-01-02 03:04:05 +0100"}, "2020-01-02T03:04:05+01:00"),
        ({"timestamp": "2019-13-45", "date": "2019-07/2019-08"}, "2019-07-01T00:00:00Z"),
        ({"timestamp": "Tue, 31 Feb 2019 10:00:00 +0000"}, ""),
        ({"urldate": "yesterday"}, ""),
        ({}, ""),
    ],
)
def test_entry_updated_reads_what_exporters_write(fields: dict[str, str], expected: str) -> None:
    assert entry_updated(fields) == expected


def test_parse_moment_keeps_the_offset() -> None:
    moment = parse_moment("2019-07-08T10:47:53+0530")
    assert moment is not None and moment.utcoffset() is not None
    assert moment.utcoffset().total_seconds() == 5.5 * 3600  # type: ignore[union-attr]


def test_undated_papers_and_projects_are_left_out() -> None:
    dated = Entry("d", Kind.PAPER, "article", "D", "L", year=2020)
    undated = Entry("u", Kind.PAPER, "article", "U", "L")
    project = Entry("p", Kind.PROJECT, "software", "P", "P", year=2021)
    assert feed_papers(page_of(undated, project, dated)) == [dated]
    empty = feedparser.parse(page_to_atom(page_of(project)))
    assert empty.bozo == 0 and empty.entries == [] and empty.feed.updated == "1970-01-01T00:00:00Z"


def test_atom_to_standard_output_and_to_its_file(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["build", str(REFS), "-f", "atom", "-o", "-"])
    assert result.exit_code == 0, result.output
    assert feedparser.parse(result.stdout_bytes).bozo == 0
    streamed = result.stdout_bytes
    result = runner.invoke(main, ["build", str(REFS), "-f", "atom", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert [path.name for path in tmp_path.iterdir()] == ["publications.atom"]
    assert (tmp_path / "publications.atom").read_bytes() == streamed


# --- the compact page's "more" link ----------------------------------------------------------


def test_more_link_ends_the_compact_page_in_both_formats() -> None:
    config = Config(
        title="Research",
        fragment=True,
        more_url="https://example.org/all?a=1&b=2",
        more_text="All <papers> & *more*",
    )
    documents = render_documents(build_page([REFS], config).page, config)
    assert documents["md"].endswith(
        "\n\n[All &lt;papers&gt; &amp; \\*more\\*](https://example.org/all?a=1&b=2)\n"
    )
    assert documents["html"].endswith(
        '<p class="bf-more-link"><a href="https://example.org/all?a=1&amp;b=2">'
        "All &lt;papers&gt; &amp; *more*</a></p>\n</section>\n"
    )


def test_more_text_has_a_default_and_no_url_means_no_line(tmp_path: Path) -> None:
    (tmp_path / "bibfolio.toml").write_text('more_url = "/publications/"\n', encoding="utf-8")
    config = replace(make_config(tmp_path / "bibfolio.toml", {}), fragment=True)
    documents = render_documents(build_page([REFS], config).page, config)
    assert documents["md"].endswith("\n[More publications](/publications/)\n")
    plain = render_documents(build_page([REFS], Config(fragment=True)).page, Config(fragment=True))
    assert "More publications" not in plain["md"] + plain["html"]


@pytest.mark.parametrize("address", ["javascript:alert(1)", "javascript&colon;alert(1)", "data:x"])
def test_an_unsafe_more_url_is_refused(tmp_path: Path, address: str) -> None:
    path = tmp_path / "bibfolio.toml"
    path.write_text(f'more_url = "{address}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="more_url") as caught:
        make_config(path, {})
    assert caught.value.path == path
