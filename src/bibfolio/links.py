"""Links of an entry: which fields hold them, and which addresses are safe to link to.

Exporters and site themes name the same links differently (al-folio's ``arxiv`` and ``html``,
BibBase's ``url_Paper``, Hugo's ``url_code``, DBLP's ``ee``, ADS's ``adsurl``); identifiers
(arXiv, DOI, PubMed, MathSciNet, zbMATH) become links to where anyone can read the paper.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, urlsplit

from .model import Link

# Fields holding an address, and the kind of link each gives (several names, one kind).
LINK_FIELDS: Mapping[str, str] = {
    **dict.fromkeys(("pdf", "url_pdf", "url_paper", "pdfurl"), "pdf"),
    **dict.fromkeys(("supp", "url_supplementary", "supplementary"), "supp"),
    "html": "html",
    **dict.fromkeys(("code", "url_code", "github"), "code"),
    **dict.fromkeys(("data", "url_dataset", "dataset"), "data"),
    **dict.fromkeys(("slides", "url_slides"), "slides"),
    **dict.fromkeys(("video", "url_video"), "video"),
    **dict.fromkeys(("poster", "url_poster"), "poster"),
    "blog": "blog",
    **dict.fromkeys(("website", "url_project"), "website"),
    "adsurl": "ads",
    **dict.fromkeys(("url", "ee", "bdsk-url-1"), "url"),
}
# The first of several fields of one kind wins: the table's own names, then the others.
_FIELD_RANK: Mapping[str, int] = {name: index for index, name in enumerate(LINK_FIELDS)}
# The order of the buttons; kinds from other ``url_*`` or ``*link`` fields come before
# "arxiv", in the order of their fields.
KIND_ORDER: tuple[str, ...] = (
    *("pdf", "supp", "html", "code", "data", "slides", "video", "poster", "blog", "website"),
    *("arxiv", "doi", "pubmed", "pmc", "mathscinet", "zbmath", "ads", "url"),
)
# Which link the title (and the compact label) points to, first match wins: arXiv is the
# copy anyone can read, so it beats the publisher's page.
PRIMARY_LINK_ORDER: tuple[str, ...] = (
    *("arxiv", "url", "html", "doi", "pdf", "website", "pubmed", "pmc", "ads"),
    *("mathscinet", "zbmath"),
)
# al-folio's file fields: a bare file name lives in the site's assets (see ``AssetBases``).
FILE_KINDS = frozenset({"pdf", "supp", "poster", "slides"})
# Bookkeeping addresses that are not links to the paper.
NOT_LINKS = frozenset({"biburl", "bibsource", "file", "bdsk-file-1", "bdsk-file-2"})

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:", re.IGNORECASE)
_BARE_HOST = re.compile(r"www\.|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/", re.IGNORECASE)
_URL_COMMAND = re.compile(r"\\(?:url|href)\s*\{([^{}]*)\}")
_ARXIV_ID_TEXT = r"\d{4}\.\d{4,5}(?:v\d+)?|[a-z-]+(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?"
# New-style ids (2201.12023v2) and old-style ones (cs/0112017, math.GT/0309136).
_ARXIV_ID = re.compile(rf"^(?:arxiv:)?({_ARXIV_ID_TEXT})$", re.IGNORECASE)
# An arXiv id written in running text or an address: "arXiv preprint arXiv:1510.08713",
# "arXiv:2606.31440" (ADS's eid), arxiv.org/abs/…, the DOI 10.48550/arXiv.…, CoRR's
# "abs/1901.00001".
_ARXIV_IN_TEXT = re.compile(
    rf"(?:arxiv[:.]\s*|arxiv\.org/(?:abs|pdf)/|^abs/)({_ARXIV_ID_TEXT})", re.IGNORECASE
)
# What any text naming an arXiv id contains: a quick test before the full pattern.
_MAY_NAME_ARXIV = re.compile(r"[aA][rR][xX][iI][vV]|^abs/")
# Fields that may carry an arXiv id in text, beside ``eprint`` and ``arxiv``.
ARXIV_TEXT_FIELDS: tuple[str, ...] = (
    *("journal", "journaltitle", "note", "howpublished", "eid", "pages", "doi", "url"),
    *("volume", "booktitle", "number"),
)
_DOI = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
# Identifier fields and the address each names: (kind, fields, address with {id}).
_IDENTIFIERS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("pubmed", ("pmid", "pubmed_id", "pubmed"), "https://pubmed.ncbi.nlm.nih.gov/{id}/"),
    ("pmc", ("pmcid", "pmc"), "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC{id}/"),
    ("mathscinet", ("mrnumber",), "https://mathscinet.ams.org/mathscinet-getitem?mr=MR{id}"),
)
_ZBMATH_FIELDS = ("zbl", "zbmath")
_ZBMATH_ID = re.compile(r"\d{4}\.\d{5}|\d{7,8}")
# Browsers drop these anywhere in a URL, so "java\tscript:" would still run.
_IGNORED_BY_BROWSERS = re.compile(r"[\x00-\x20\x7f]")
# CommonMark undoes backslash escapes of ASCII punctuation in link destinations.
_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
# Most addresses: http(s) with nothing that cleaning, decoding or urlsplit would act on.
_PLAIN_WEB_ADDRESS = re.compile(r"https?://[^\x00-\x20\x7f&\\\[\]]*", re.IGNORECASE)
# Link fields of BibBase and Hugo (``url_Paper``, ``url_code``) and of hand-kept files
# (``preprintlink``, ``codelink``): the kind is the rest of the name.
_GENERIC_LINK_FIELD = re.compile(r"^url_([a-z]+)$|^([a-z]+)link$")


@dataclass(frozen=True, slots=True)
class AssetBases:
    """Where a site keeps files that link fields name without an address (al-folio's
    ``pdf = {paper.pdf}`` is ``/assets/pdf/paper.pdf``)."""

    files: str = "/assets/pdf/"
    previews: str = "/assets/img/publication_preview/"


@dataclass(frozen=True, slots=True)
class EntryLinks:
    """An entry's safe links, and the fields whose address was refused."""

    links: tuple[Link, ...]
    refused: tuple[tuple[str, str], ...] = ()
    # The arXiv id found in any field (``find_arxiv_id``), linked or not.
    arxiv_id: str | None = None

    @property
    def primary(self) -> str | None:
        """The address the title links to."""
        by_kind = {link.kind: link.href for link in self.links}
        return next((by_kind[kind] for kind in PRIMARY_LINK_ORDER if kind in by_kind), None)


@lru_cache(maxsize=4096)  # field names recur on every entry
def link_kind(field_name: str) -> str | None:
    """The kind of link a field holds (``url_Paper`` → "pdf", ``codelink`` → "code"), or
    None when it holds no address."""
    if field_name in LINK_FIELDS:
        return LINK_FIELDS[field_name]
    if field_name in NOT_LINKS:
        return None
    match = _GENERIC_LINK_FIELD.match(field_name)
    return (match.group(1) or match.group(2)) if match else None


def is_address_field(field_name: str) -> bool:
    """Whether a field's value is an address (never LaTeX-decoded: "~" and "%" mean
    something in a URL)."""
    return field_name in ("doi", "preview") or link_kind(field_name) is not None


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


def find_arxiv_id(fields: Mapping[str, str]) -> str | None:
    """The entry's arXiv id, wherever the exporter put it: ``eprint`` (with an arXiv or no
    prefix), al-folio's ``arxiv``, or text such as Google Scholar's ``journal = {arXiv
    preprint arXiv:1510.08713}``, ADS's ``eid``, an arxiv.org address or the arXiv DOI."""
    found = find_arxiv_field(fields)
    return found[0] if found else None


def find_arxiv_field(fields: Mapping[str, str]) -> tuple[str, str] | None:
    """The entry's arXiv id and the field it was found in (see ``find_arxiv_id``)."""
    prefix = fields.get("archiveprefix") or fields.get("eprinttype", "")
    for name in ("eprint", "arxiv", "arxivid"):
        identifier = arxiv_id(fields.get(name, ""), prefix if name == "eprint" else "")
        if identifier:
            return identifier, name
    texts = ((name, fields.get(name, "")) for name in ARXIV_TEXT_FIELDS)
    links = ((name, value) for name, value in fields.items() if link_kind(name))  # url_Paper…
    for name, text in (*texts, *links):
        match = _ARXIV_IN_TEXT.search(text) if _MAY_NAME_ARXIV.search(text) else None
        if match:
            return match.group(1), name
    return None


def doi_name(doi: str) -> str | None:
    """The DOI itself (``10.NNNN/...``), given bare, as ``doi:...`` or as a doi.org URL."""
    match = _DOI.match(doi.strip())
    return match.group(1) if match else None


def doi_url(doi: str) -> str | None:
    """``https://doi.org/...`` for a DOI given bare, as ``doi:...`` or as a doi.org URL."""
    name = doi_name(doi)
    return f"https://doi.org/{quote(name, safe='/:;()._-')}" if name else None


def asset_address(address: str, base: str) -> str:
    """A file name as al-folio reads it: with no scheme ("https:") and no leading "/", it is
    a file in the site's assets under ``base``."""
    address = address.strip()
    if not address or address.startswith(("/", "#")) or _SCHEME.match(address):
        return address
    return base + address


@dataclass(frozen=True, slots=True)
class LinkSource:
    """Where one of an entry's links came from: the field and its text, and whether that
    text was a bare file name put under the asset base (al-folio's ``pdf = {x.pdf}``)."""

    link: Link
    field: str
    value: str
    asset_file: bool = False


def entry_links(fields: Mapping[str, str], bases: AssetBases | None = None) -> EntryLinks:
    """Collect the links of an entry from its (decoded) fields, refusing unsafe addresses.

    One link per kind: of several fields of one kind, the first in ``LINK_FIELDS`` wins.
    """
    sources, refused, identifier = _collect_links(fields, bases or AssetBases())
    return EntryLinks(tuple(source.link for source in sources), refused, identifier)


def link_sources(
    fields: Mapping[str, str], bases: AssetBases | None = None
) -> tuple[LinkSource, ...]:
    """The links ``entry_links`` gives, in its order, each with the field it came from: what
    ``bibfolio explain`` shows."""
    return _collect_links(fields, bases or AssetBases())[0]


def _collect_links(
    fields: Mapping[str, str], bases: AssetBases
) -> tuple[tuple[LinkSource, ...], tuple[tuple[str, str], ...], str | None]:
    """The safe links in button order with their sources, the refused ones, the arXiv id."""
    found: dict[str, tuple[str, str, str, bool]] = {}  # kind: href, field, its text, asset
    refused: list[tuple[str, str]] = []

    def add(kind: str, address: str | None, raw: str, name: str, asset: bool = False) -> None:
        href = safe_href(address) if address else None
        if not href:
            refused.append((kind, raw))
        else:
            found.setdefault(kind, (href, name, fields[name], asset))

    by_kind: dict[str, list[str]] = {}
    for name, value in fields.items():
        kind = link_kind(name)
        if kind and value.strip():
            by_kind.setdefault(kind, []).append(name)
    arxiv = find_arxiv_field(fields)
    identifier = arxiv[0] if arxiv else None
    for kind, names in by_kind.items():
        name = min(names, key=lambda name: _FIELD_RANK.get(name, len(_FIELD_RANK)))
        address = fields[name].strip()
        written = _URL_COMMAND.search(address)  # pdf = {\url{https://…}{[paper]}}
        address = written.group(1).strip() if written else address
        if identifier and kind not in KIND_ORDER and identifier in address:
            continue  # "preprintlink = {arxiv.org/abs/…}" is the arXiv button
        if kind in FILE_KINDS:
            in_assets = asset_address(address, bases.files)
            add(kind, in_assets, address, name, in_assets != address)
        else:  # "www.springer.com/…", "osf.io/…": addresses without their scheme
            add(kind, "http://" + address if _BARE_HOST.match(address) else address, address, name)
    if arxiv:
        found["arxiv"] = (f"https://arxiv.org/abs/{arxiv[0]}", arxiv[1], fields[arxiv[1]], False)
    if fields.get("doi"):
        add("doi", doi_url(fields["doi"]), fields["doi"], "doi")
    for kind, id_fields, address in _IDENTIFIERS:
        name = next((name for name in id_fields if fields.get(name)), "")
        number = _DIGITS.search(fields[name]) if name else None
        if number:
            found.setdefault(kind, (address.format(id=number.group()), name, fields[name], False))
    name = next((name for name in _ZBMATH_FIELDS if fields.get(name)), "")
    zbmath_id = _ZBMATH_ID.search(fields[name]) if name else None
    if zbmath_id:
        href = f"https://zbmath.org/?q=an:{zbmath_id.group()}"
        found.setdefault("zbmath", (href, name, fields[name], False))
    rank = {kind: index for index, kind in enumerate(KIND_ORDER)}
    before_arxiv = rank["arxiv"] - 0.5  # kinds of no table: after the files, before arXiv
    ordered = sorted(found.items(), key=lambda item: rank.get(item[0], before_arxiv))
    sources = tuple(
        LinkSource(Link(kind, href), name, text, asset)
        for kind, (href, name, text, asset) in ordered
    )
    return sources, tuple(refused), identifier


def preview_address(fields: Mapping[str, str], bases: AssetBases | None = None) -> str | None:
    """al-folio's ``preview`` thumbnail as a safe address (a bare file name is in the site's
    preview images), or None."""
    preview = fields.get("preview", "").strip()
    return safe_href(asset_address(preview, (bases or AssetBases()).previews)) if preview else None
