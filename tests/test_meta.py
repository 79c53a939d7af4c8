"""Paper pages (``--site html``) and the grouped page's structured data, read back as Google
Scholar and schema.org readers read them: citation tags, JSON-LD, valid HTML."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import extruct
import html5lib
import pytest
from click.testing import CliRunner
from pyld import jsonld

from bibfolio.build import build_page, per_paper_files, render_documents
from bibfolio.cli import main
from bibfolio.config import Config
from bibfolio.meta import citation_date, json_ld_script, page_range
from bibfolio.model import Entry, Kind, Page
from bibfolio.sites import entry_slugs

ROOT = Path(__file__).parent.parent
FIXTURES = [ROOT / "refs.bib", *sorted((ROOT / "tests" / "data" / "tricky").glob("*.bib"))]
SITE_URL = "https://example.org/"
DATE = re.compile(r"^\d{4}(/(0[1-9]|1[0-2])(/\d{2})?)?$")
# schema.org's context, as much of it as these documents use: no network in tests.
SCHEMA_CONTEXT = {"@context": {"@vocab": "https://schema.org/"}}


def offline_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    assert url.rstrip("/") in ("https://schema.org", "http://schema.org"), url
    return {"contextUrl": None, "documentUrl": url, "document": SCHEMA_CONTEXT}


class MetaTags(HTMLParser):
    """The ``<meta name=… content=…>`` pairs of a document, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, str]] = []
        self.canonical: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "meta" and "name" in found:
            self.tags.append((found["name"] or "", found.get("content") or ""))
        if tag == "link" and found.get("rel") == "canonical":
            self.canonical.append(found.get("href") or "")


def meta_tags(text: str) -> MetaTags:
    parser = MetaTags()
    parser.feed(text)
    return parser


def paper_pages(bib: Path, site_url: str | None) -> Iterator[tuple[Entry, str]]:
    config = Config(per_paper="papers", site="html", site_url=site_url, skip_invalid=True, jobs=1)
    page = build_page([bib], config).page
    files = per_paper_files(page, config)
    papers = [entry for entry in page.entries if entry.kind is Kind.PAPER]
    slugs = entry_slugs(papers)
    assert len(files) == len(papers)
    for entry in papers:
        yield entry, files[Path("papers") / slugs[entry.key] / "index.html"]


def json_ld(text: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = extruct.extract(text, syntaxes=["json-ld"])["json-ld"]
    return items


@pytest.mark.parametrize("bib", FIXTURES, ids=lambda path: path.stem)
@pytest.mark.parametrize("site_url", [SITE_URL, None], ids=["site-url", "no-site-url"])
def test_citation_tags_say_what_the_bib_says(bib: Path, site_url: str | None) -> None:
    for entry, text in paper_pages(bib, site_url):
        parsed = meta_tags(text)
        tags = [(name, content) for name, content in parsed.tags if name.startswith("citation_")]
        assert all(content.strip() for _, content in tags), tags
        names = [name for name, _ in tags]
        assert names.count("citation_title") == 1
        assert dict(tags)["citation_title"] == entry.title
        authors = [content for name, content in tags if name == "citation_author"]
        assert authors == [person.name for person in entry.people]
        for name, content in tags:
            if name == "citation_publication_date":
                assert DATE.match(content), content
            if name == "citation_pdf_url":
                assert content.startswith(("http://", "https://")), content
        if site_url is None:
            assert not parsed.canonical and 'property="og:url"' not in text
        else:
            assert parsed.canonical == [f"{SITE_URL}papers/{entry_slugs([entry])[entry.key]}/"]


@pytest.mark.parametrize("bib", FIXTURES, ids=lambda path: path.stem)
def test_paper_pages_parse_and_carry_one_scholarly_article(bib: Path) -> None:
    for entry, text in paper_pages(bib, SITE_URL):
        parser = html5lib.HTMLParser(strict=True)
        parser.parse(text)
        # The page's JSON-LD and the full style's script: none comes from the data.
        assert text.count("<script") == 2
        items = json_ld(text)
        assert len(items) == 1
        article = items[0]
        assert article["@type"] == "ScholarlyArticle"
        assert article["name"] == entry.title
        assert [person["name"] for person in article.get("author", [])] == [
            person.name for person in entry.people
        ]
        assert article["url"].startswith(SITE_URL)
        expanded = jsonld.expand(article, {"documentLoader": offline_loader})
        assert expanded[0]["@type"] == ["https://schema.org/ScholarlyArticle"]


def test_the_grouped_page_lists_its_papers_without_showing_them_twice() -> None:
    config = Config(formats=("html",), style="full", jobs=1)
    page = build_page([ROOT / "refs.bib"], config).page
    text = render_documents(page, config)["html"]
    html5lib.HTMLParser(strict=True).parse(text)
    (item_list,) = json_ld(text)
    assert item_list["@type"] == "ItemList"
    articles = [element["item"] for element in item_list["itemListElement"]]
    assert [article["name"] for article in articles] == [entry.title for entry in papers(page)]
    assert {article["@type"] for article in articles} == {"ScholarlyArticle"}
    expanded = jsonld.expand(item_list, {"documentLoader": offline_loader})
    assert expanded[0]["@type"] == ["https://schema.org/ItemList"]


def papers(page: Page) -> list[Entry]:
    return [entry for entry in page.entries if entry.kind is Kind.PAPER]


def test_refs_bib_paper_page_tags() -> None:
    """One known paper: venue, volume, pages, DOI and arXiv id as Google Scholar wants them."""
    pages = {entry.key: text for entry, text in paper_pages(ROOT / "refs.bib", SITE_URL)}
    found = meta_tags(pages["feng2023tensorir"]).tags
    tags = [(name, value) for name, value in found if name.startswith("citation_")]
    assert tags[:2] == [
        (
            "citation_title",
            "TensorIR: An Abstraction for Automatic Tensorized Program Optimization",
        ),
        ("citation_author", "Siyuan Feng"),
    ]
    for tag in [
        ("citation_publication_date", "2023"),
        ("citation_volume", "2"),
        ("citation_firstpage", "804"),
        ("citation_lastpage", "817"),
        ("citation_doi", "10.1145/3575693.3576933"),
        ("citation_arxiv_id", "2207.04296"),
    ]:
        assert tag in tags
    assert any(name == "citation_conference_title" and "ASPLOS" in value for name, value in tags)
    assert ("citation_author", "Lianmin Zheng") in tags  # the owner too


def test_json_ld_cannot_end_its_script() -> None:
    script = json_ld_script({"name": "</script><script>alert(1)</script> & <!--"})
    body = str(script).removeprefix('<script type="application/ld+json">').removesuffix("</script>")
    assert "<" not in body and ">" not in body and "&" not in body
    assert json_ld(f"<html><head>{script}</head></html>")[0]["name"] == (
        "</script><script>alert(1)</script> & <!--"
    )


@pytest.mark.parametrize(
    ("pages", "first_last"),
    [
        ("123--130", ("123", "130")),
        ("123–130", ("123", "130")),
        ("e1234", ("e1234", "")),
        ("", ("", "")),
    ],
)
def test_page_range(pages: str, first_last: tuple[str, str]) -> None:
    assert page_range(pages) == first_last


def test_citation_date() -> None:
    entry = Entry(key="k", kind=Kind.PAPER, entry_type="article", title="T", label="L")
    assert citation_date(entry) == ""
    assert citation_date(dataclasses.replace(entry, year=843, month=9)) == "0843/09"
    assert citation_date(dataclasses.replace(entry, year=2020)) == "2020"


def title_links(html: str) -> list[str]:
    return re.findall(r'class="bf-title"><a href="([^"]*)"', html)


@pytest.mark.parametrize(
    ("site_url", "base"),
    [
        pytest.param(None, "papers/", id="relative"),
        pytest.param("https://example.org/", "https://example.org/papers/", id="absolute"),
    ],
)
def test_the_grouped_page_links_each_title_to_its_paper_page(
    tmp_path: Path, cache_home: Path, site_url: str | None, base: str
) -> None:
    out = tmp_path / "site"
    command = ["build", str(ROOT / "refs.bib"), "-s", "full", "-f", "html", "-o", str(out)]
    command += ["--per-paper", str(out / "papers"), "--site", "html"]
    command += ["--site-url", site_url] if site_url else []
    # First without paper pages, with the cache: their links must not be reused after.
    plain = CliRunner().invoke(main, command[:8])
    assert plain.exit_code == 0, plain.output
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 0, result.output
    links = title_links((out / "publications.html").read_text(encoding="utf-8"))
    assert links and all(link.startswith(base) for link in links)
    for link in links:
        page = out / "papers" / link[len(base) :] / "index.html"
        assert page.is_file(), link
        # A paper page's title links out, to the paper itself, not to itself.
        assert not title_links(page.read_text(encoding="utf-8"))[0].startswith(base)
    again = CliRunner().invoke(main, command[:8])  # paper pages no more: links as before
    assert again.exit_code == 0, again.output
    assert not any(
        link.startswith(base)
        for link in title_links((out / "publications.html").read_text(encoding="utf-8"))
    )


def test_a_whole_bibliography_lists_its_first_papers_only(tmp_path: Path) -> None:
    """A page of 1,200 papers lists the first 1,000 in its JSON-LD, in page order."""
    from bibfolio.meta import MAX_LISTED_PAPERS, page_json_ld

    bib = tmp_path / "many.bib"
    bib.write_text(
        "".join(
            f"@article{{p{i:04d}, title = {{Paper {i}}}, author = {{Lovelace, Ada}},"
            f" journal = {{J}}, year = {1900 + i % 100}}}\n"
            for i in range(1200)
        ),
        encoding="utf-8",
    )
    page = build_page([bib], Config(owner=("Ada Lovelace",))).page
    listed = page_json_ld(page)
    papers = [entry.title for entry in page.entries]
    assert listed["numberOfItems"] == MAX_LISTED_PAPERS == len(listed["itemListElement"])
    assert [item["item"]["name"] for item in listed["itemListElement"]] == papers[:1000]
