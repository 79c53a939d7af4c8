"""The papers as an Atom feed (RFC 4287), so that readers learn of new ones.

Nothing in it depends on when it was built: a rebuild of the same .bib gives the same bytes,
and an entry keeps its ``id`` whatever else changes. That ``id`` is ``{site_url}#{key}`` when
the site's address is known; else a tag URI (RFC 4151), which needs an authority and a date:
bibfolio's own name (``bibfolio.dev``, as the JSON schema's ``$id``) and a fixed year, then the
key. Set ``site_url`` to make the ids unique beyond your own feed.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote, urljoin
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from .choices import OUTPUT_NAMES
from .dates import parse_moment
from .model import Entry, Kind, Page

ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"
TAG_PREFIX = "tag:bibfolio.dev,2024:"
# A feed with no dated paper still needs an ``updated``; the build time would change it.
EPOCH = "1970-01-01T00:00:00Z"
# What a URI fragment may hold besides letters, digits and "-._~" (RFC 3986).
_FRAGMENT_SAFE = "!$&'()*+,;=:@/?"
# Characters XML 1.0 cannot hold at all, not even escaped (control characters, lone surrogates).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def page_to_atom(page: Page, site_url: str | None = None) -> bytes:
    """The page's papers, newest first, as an Atom feed in UTF-8."""
    papers = feed_papers(page)
    times = {entry.key: entry_time(entry) for entry in papers}
    feed = Element("feed", xmlns=ATOM_NAMESPACE)
    if site_url:
        address = urljoin(site_url, OUTPUT_NAMES["atom"])
        _text(feed, "id", address)
        SubElement(feed, "link", rel="self", href=address)
    else:
        _text(feed, "id", TAG_PREFIX + "feed:" + quote(page.owner or page.title, safe=""))
    _text(feed, "title", page.title)
    newest = max(times.values(), key=_instant, default=EPOCH)
    _text(feed, "updated", newest)
    # Atom wants an author for every entry; the feed's stands in for entries without people.
    _text(SubElement(feed, "author"), "name", page.owner or page.title)
    for entry in papers:
        _add_entry(feed, entry, times[entry.key], site_url)
    indent(feed)
    document: bytes = tostring(feed, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def feed_papers(page: Page) -> list[Entry]:
    """The papers (not projects) with a date, newest first (year, month), then in .bib order.

    A paper with neither a year nor a date field is left out: a feed could only give it a
    made-up date."""
    # The page knows its files only by their entries: each ranks where its first one is.
    files = {path: rank for rank, path in enumerate(dict.fromkeys(e.path for e in page.entries))}
    papers = [e for e in page.entries if e.kind is Kind.PAPER and (e.year or e.updated)]
    return sorted(
        papers, key=lambda e: (-(e.year or 0), -(e.month or 0), files[e.path], e.line or 0)
    )


def entry_time(entry: Entry) -> str:
    """When the .bib says the entry changed, else the first day of its month or year."""
    if entry.updated:
        return entry.updated
    return f"{entry.year:04d}-{entry.month or 1:02d}-01T00:00:00Z"


def entry_id(entry: Entry, site_url: str | None) -> str:
    """An id that no build and no other entry changes (see the module's docstring)."""
    key = quote(entry.key, safe=_FRAGMENT_SAFE)
    return f"{site_url}#{key}" if site_url else TAG_PREFIX + key


def _add_entry(feed: Element, entry: Entry, updated: str, site_url: str | None) -> None:
    item = SubElement(feed, "entry")
    _text(item, "id", entry_id(entry, site_url))
    _text(item, "title", entry.title)
    _text(item, "updated", updated)
    for person in entry.people:
        _text(SubElement(item, "author"), "name", person.name)
    if entry.url:
        # A relative address is read against the site's, or else against the feed's own.
        href = urljoin(site_url, entry.url) if site_url else entry.url
        SubElement(item, "link", rel="alternate", href=_xml(href))
    for theme in entry.themes:
        SubElement(item, "category", term=_xml(theme))
    if entry.abstract:
        _text(item, "summary", entry.abstract)


def _text(parent: Element, tag: str, text: str) -> None:
    SubElement(parent, tag).text = _xml(text)


def _xml(text: str) -> str:
    """``text`` without what XML cannot hold; ElementTree escapes the rest."""
    return _NOT_XML.sub("", text)


def _instant(moment: str) -> datetime:
    """An RFC 3339 time as a moment to compare (times in other zones compare rightly)."""
    parsed = parse_moment(moment)
    assert parsed is not None  # made by rfc3339 or entry_time
    return parsed
