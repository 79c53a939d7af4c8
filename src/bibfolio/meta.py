"""What search engines read in a page's ``<head>``: Google Scholar's ``citation_*`` tags and
schema.org JSON-LD (Google Scholar's inclusion guidelines index a paper page by them)."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from markupsafe import Markup

from .export import bare_doi
from .model import Entry, Kind, Page

# The type of an entry → the tag that names its venue (Google Scholar's names).
VENUE_TAGS: dict[str, str] = {
    "article": "citation_journal_title",
    "inproceedings": "citation_conference_title",
    "conference": "citation_conference_title",
    "phdthesis": "citation_dissertation_institution",
    "mastersthesis": "citation_dissertation_institution",
    "thesis": "citation_dissertation_institution",
    "techreport": "citation_technical_report_institution",
    "report": "citation_technical_report_institution",
}
# Types whose venue is who published them (a university, an institute) rather than a work
# they are part of.
_PUBLISHER_TYPES = frozenset({"phdthesis", "mastersthesis", "thesis", "techreport", "report"})
# "123--130", "123–130", "123 - 130": first and last page.
_PAGE_RANGE = re.compile(r"^\s*([^\s\-–—]+)\s*(?:-+|–|—)\s*([^\s\-–—]+)\s*$")
# What must not appear as is in a <script>: "</script>", "<!--", and "&" for XHTML readers.
_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}
SCHEMA_CONTEXT = "https://schema.org"


def absolute_url(address: str | None, site_url: str | None) -> str | None:
    """``address`` when it is absolute http(s), made absolute from ``site_url`` when it is
    relative and that is known, else None: nothing claims an address it cannot know."""
    if not address:
        return None
    if urlsplit(address).scheme in ("http", "https"):
        return address
    if urlsplit(address).scheme or not site_url:
        return None
    return urljoin(site_url, address)


def page_url(site_url: str | None, path: str) -> str | None:
    """The address of the page at ``path`` (relative to the site's root), when known."""
    return (
        urljoin(site_url if site_url.endswith("/") else site_url + "/", path) if site_url else None
    )


def citation_date(entry: Entry) -> str:
    """Google Scholar's ``YYYY/MM`` (or ``YYYY``), "" when the entry has no year."""
    if entry.year is None:
        return ""
    return f"{entry.year:04d}/{entry.month:02d}" if entry.month else f"{entry.year:04d}"


def page_range(pages: str) -> tuple[str, str]:
    """First and last page of ``pages`` ("123--130"); a single page is both first and last
    only as first ("e1234" → ("e1234", ""))."""
    match = _PAGE_RANGE.match(pages)
    if match:
        return match.group(1), match.group(2)
    return pages.strip(), ""


def _link(entry: Entry, kind: str) -> str | None:
    return next((link.href for link in entry.links if link.kind == kind), None)


def arxiv_id(entry: Entry) -> str:
    """The entry's arXiv id without version, "" when it has none."""
    return next((value for name, value in entry.identities if name == "arXiv id"), "")


def citation_tags(entry: Entry, site_url: str | None = None) -> list[tuple[str, str]]:
    """Google Scholar's ``citation_*`` meta tags of a paper as (name, content), in its
    order, none with an empty content."""
    tags = [("citation_title", entry.title)]
    tags += [("citation_author", person.name) for person in entry.people]
    tags.append(("citation_publication_date", citation_date(entry)))
    if entry.entry_type in VENUE_TAGS:
        tags.append((VENUE_TAGS[entry.entry_type], entry.venue))
    tags += [("citation_volume", entry.volume), ("citation_issue", entry.number)]
    if entry.entry_type in ("techreport", "report"):
        tags.append(("citation_technical_report_number", entry.number))
    first, last = page_range(entry.pages)
    tags += [("citation_firstpage", first), ("citation_lastpage", last)]
    tags += [("citation_doi", bare_doi(entry) or ""), ("citation_arxiv_id", arxiv_id(entry))]
    tags.append(("citation_pdf_url", absolute_url(_link(entry, "pdf"), site_url) or ""))
    return [(name, content.strip()) for name, content in tags if content.strip()]


def scholarly_article(entry: Entry, url: str | None = None) -> dict[str, Any]:
    """The paper as a schema.org ``ScholarlyArticle`` (without ``@context``)."""
    article: dict[str, Any] = {"@type": "ScholarlyArticle", "name": entry.title}
    authors = [
        _person(person.first, person.von, person.last, person.name) for person in entry.people
    ]
    if authors:
        article["author"] = authors
    if entry.year is not None:
        article["datePublished"] = (
            f"{entry.year:04d}-{entry.month:02d}" if entry.month else f"{entry.year:04d}"
        )
    if entry.venue and entry.entry_type in _PUBLISHER_TYPES:
        article["publisher"] = {"@type": "Organization", "name": entry.venue}
    elif entry.venue:
        kind = "Periodical" if entry.entry_type == "article" else "CreativeWork"
        article["isPartOf"] = {"@type": kind, "name": entry.venue}
    for field, value in (
        ("volumeNumber", entry.volume),
        ("issueNumber", entry.number),
        ("pagination", entry.pages),
    ):
        if value.strip():
            article[field] = value.strip()
    same_as = [href for href in (_link(entry, "doi"), _link(entry, "arxiv")) if href]
    if same_as:
        article["sameAs"] = same_as
    if url:
        article["url"] = url
    return article


def _person(first: str, von: str, last: str, name: str) -> dict[str, str]:
    person = {"@type": "Person", "name": name}
    if first:
        person["givenName"] = first
    if last:
        person["familyName"] = " ".join(part for part in (von, last) if part)
    return person


def paper_json_ld(entry: Entry, url: str | None) -> dict[str, Any]:
    """A paper page's JSON-LD document: its ``ScholarlyArticle``, with its abstract (which
    the grouped page leaves out: a thousand abstracts would double its size)."""
    article = {"@context": SCHEMA_CONTEXT, **scholarly_article(entry, url)}
    if entry.abstract.strip():
        article["abstract"] = entry.abstract.strip()
    return article


# The grouped page lists this many papers at most in its JSON-LD: a personal page has fewer,
# and a whole bibliography's list (10,000 papers) would double its page and its build time;
# its paper pages carry each paper's data in full.
MAX_LISTED_PAPERS = 1000


def page_json_ld(page: Page) -> dict[str, Any]:
    """The grouped page's JSON-LD document: an ``ItemList`` of its papers, in page order (the
    first ``MAX_LISTED_PAPERS``), each with its title's link as ``url`` when that is
    absolute."""
    papers = [entry for entry in page.entries if entry.kind is Kind.PAPER][:MAX_LISTED_PAPERS]
    return {
        "@context": SCHEMA_CONTEXT,
        "@type": "ItemList",
        "name": page.title,
        "numberOfItems": len(papers),
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": position,
                "item": _listed_article(entry),
            }
            for position, entry in enumerate(papers, 1)
        ],
    }


@lru_cache(maxsize=MAX_LISTED_PAPERS)
def _listed_article(entry: Entry) -> dict[str, Any]:
    """An entry of the grouped page's list, made once per entry: ``serve`` lists the same
    entries after every edit. (Read only: ``json.dumps`` never changes it.)"""
    return scholarly_article(entry, absolute_url(entry.url, None))


def json_ld_script(document: dict[str, Any]) -> Markup:
    """``document`` in a ``<script type="application/ld+json">``, escaped so that no text
    in it can end the script or start markup (``</script>`` in a title)."""
    text = json.dumps(document, ensure_ascii=False)
    for char, escaped in _SCRIPT_ESCAPES.items():
        text = text.replace(char, escaped)
    return Markup('<script type="application/ld+json">\n{}\n</script>').format(Markup(text))
