"""Links of an entry: which fields hold them, and which addresses are safe to link to."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from .model import Link

# Fields holding a plain address, in the order their buttons appear.
URL_FIELDS: tuple[str, ...] = ("pdf", "code", "slides", "video", "poster", "website")
# Which link the title (and the compact label) points to, first match wins: arXiv is the
# copy anyone can read, so it beats the publisher's page.
PRIMARY_LINK_ORDER: tuple[str, ...] = ("arxiv", "url", "doi", "pdf", "website")

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
# New-style ids (2201.12023v2) and old-style ones (cs/0112017, math.GT/0309136).
_ARXIV_ID = re.compile(
    r"^(?:arxiv:)?(\d{4}\.\d{4,5}(?:v\d+)?|[a-z-]+(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)$", re.IGNORECASE
)
_DOI = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)
# Browsers drop these anywhere in a URL, so "java\tscript:" would still run.
_IGNORED_BY_BROWSERS = re.compile(r"[\x00-\x20\x7f]")
# CommonMark undoes backslash escapes of ASCII punctuation in link destinations.
_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
# Most addresses: http(s) with nothing that cleaning, decoding or urlsplit would act on.
_PLAIN_WEB_ADDRESS = re.compile(r"https?://[^\x00-\x20\x7f&\\\[\]]*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class EntryLinks:
    """An entry's safe links, and the fields whose address was refused."""

    links: tuple[Link, ...]
    refused: tuple[tuple[str, str], ...] = ()

    @property
    def primary(self) -> str | None:
        """The address the title links to."""
        by_kind = {link.kind: link.href for link in self.links}
        return next((by_kind[kind] for kind in PRIMARY_LINK_ORDER if kind in by_kind), None)


def safe_href(address: str) -> str | None:
    """``address`` if it may be an ``href`` (http, https, mailto or relative), else None.

    The scheme is checked as written and as a Markdown renderer will read it after decoding
    entities and backslash escapes, so ``javascript&colon;...`` is refused too.
    """
    if _PLAIN_WEB_ADDRESS.fullmatch(address):
        return address
    return checked_href(address)


def checked_href(address: str) -> str | None:
    """``safe_href`` without its shortcut for plain web addresses."""
    cleaned = _IGNORED_BY_BROWSERS.sub("", address)
    decoded = _IGNORED_BY_BROWSERS.sub("", _MARKDOWN_ESCAPE.sub(r"\1", html.unescape(cleaned)))
    if not cleaned or not all(_has_safe_scheme(form) for form in (cleaned, decoded)):
        return None
    return cleaned


def _has_safe_scheme(address: str) -> bool:
    try:
        scheme = urlsplit(address).scheme.lower()
    except ValueError:  # e.g. an unbalanced "[" in the host part
        return False
    return scheme in SAFE_SCHEMES or not scheme


def arxiv_id(eprint: str, archive_prefix: str = "") -> str | None:
    """The arXiv id of an ``eprint`` field, when the prefix says arXiv or the id looks like one."""
    match = _ARXIV_ID.match(eprint.strip())
    if match and archive_prefix.strip().lower() in ("", "arxiv"):
        return match.group(1)
    return None


def doi_name(doi: str) -> str | None:
    """The DOI itself (``10.NNNN/...``), given bare, as ``doi:...`` or as a doi.org URL."""
    match = _DOI.match(doi.strip())
    return match.group(1) if match else None


def doi_url(doi: str) -> str | None:
    """``https://doi.org/...`` for a DOI given bare, as ``doi:...`` or as a doi.org URL."""
    name = doi_name(doi)
    return f"https://doi.org/{quote(name, safe='/:;()._-')}" if name else None


def entry_links(fields: Mapping[str, str]) -> EntryLinks:
    """Collect the links of an entry from its (decoded) fields, refusing unsafe addresses."""
    links: list[Link] = []
    refused: list[tuple[str, str]] = []

    def add(kind: str, address: str | None, raw: str) -> None:
        href = safe_href(address) if address else None
        if href:
            links.append(Link(kind, href))
        else:
            refused.append((kind, raw))

    for kind in URL_FIELDS:
        if fields.get(kind):
            add(kind, fields[kind], fields[kind])
    eprint = fields.get("eprint", "")
    prefix = fields.get("archiveprefix") or fields.get("eprinttype", "")
    identifier = arxiv_id(eprint, prefix) if eprint else None
    if identifier:
        links.append(Link("arxiv", f"https://arxiv.org/abs/{identifier}"))
    if fields.get("doi"):
        add("doi", doi_url(fields["doi"]), fields["doi"])
    if fields.get("url"):
        add("url", fields["url"], fields["url"])
    return EntryLinks(tuple(links), tuple(refused))
