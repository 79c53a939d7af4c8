"""Records → entries: LaTeX decoded, names parsed and the owner marked, labels, links,
themes and identities, each warning about an entry as a (code, message) pair.

``build_entry`` is a pure function of a record, the owner and ``ReadSettings``: what it gives
is cached by the entry's digest (see ``load.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from .cache import digest
from .commands import MAX_EXPANSIONS, MAX_LENGTH, NO_COMMANDS, Command, Commands, user_commands
from .dates import entry_updated
from .labels import FROM_PREPRINT, NO_USER_VENUES, UserVenues, paper_label
from .latex import address_text, to_spans, to_unicode
from .links import AssetBases, arxiv_id, doi_name, entry_links, is_address_field, preview_address
from .macros import MONTH_MACROS
from .model import Entry, Kind, Span, split_themes
from .names import OwnerMatcher, fold, parse_authors
from .records import Record

PROJECT_TYPES = frozenset({"software"})
# Entry types that hold data for other entries rather than being publications themselves.
DATA_ONLY_TYPES = frozenset({"set", "xdata"})
# Types whose entries, when another entry crossrefs them, are shown through that child.
CONTAINER_TYPES = frozenset(
    {"proceedings", "mvproceedings", "book", "mvbook", "collection", "mvcollection", "periodical"}
)
KNOWN_TYPES = frozenset(
    {
        *("article", "book", "booklet", "conference", "inbook", "incollection"),
        *("inproceedings", "manual", "mastersthesis", "misc", "phdthesis", "proceedings"),
        *("techreport", "unpublished", "online", "electronic", "www", "software", "dataset"),
        *("report", "thesis", "patent", "collection", "mvbook", "mvcollection", "mvproceedings"),
        *("periodical", "suppbook", "suppcollection", "suppperiodical", "reference"),
        *("inreference", "mvreference", "bookinbook", "presentation", "talk", "video"),
        *("audio", "image", "movie", "music", "performance", "standard", "artwork", "letter"),
        *("preprint", "jurisdiction", "legislation", "legal", "review", "commentary"),
        *DATA_ONLY_TYPES,
    }
)
# Where the venue of a paper is written, most specific first.
VENUE_FIELDS: tuple[str, ...] = (
    *("journal", "journaltitle", "booktitle", "howpublished", "school", "institution"),
    *("organization", "publisher"),  # a book's publisher, when it is all there is
)
# The fields the model uses besides those holding addresses (``links.is_address_field``);
# only these are decoded (authors are decoded name by name).
SHOWN_FIELDS = frozenset(
    {
        *VENUE_FIELDS,
        *("year", "date", "month", "abbr", "theme", "role", "selected", "author+an"),
        *("eprint", "archiveprefix", "eprinttype", "arxiv", "arxivid", "eid", "pages"),
        *("volume", "number", "series", "type", "fjournal", "note", "additional_info"),
        *("award", "award_name", "pmid", "pubmed_id", "pubmed", "pmcid", "pmc", "mrnumber"),
        *("zbl", "zbmath"),
    }
)
# Fields only bibfolio reads, left out of the BibTeX shown to readers (author+an stays: it is
# biblatex's, and it carries the equal-contribution marks).
# Nor are the fields al-folio keeps for its own page, nor exporters' bookkeeping (DBLP's
# biburl, bibsource and timestamp, ADS's adsnote, BibDesk's and JabRef's).
BIBFOLIO_FIELDS = frozenset(
    {"theme", "abbr", "role", "selected", "crossref", "xdata", "code", "slides"}
    | {"video", "poster", "website", "pdf", "html", "supp", "blog", "preview", "award"}
    | {"award_name", "bibtex_show", "google_scholar_id", "altmetric", "dimensions"}
    | {"additional_info", "annotation", "biburl", "bibsource", "timestamp", "adsnote", "file"}
    | {"date-added", "date-modified", "bdsk-url-1", "bdsk-url-2", "bdsk-file-1", "owner"}
    | {"__markedentry"}
)
TRUE_WORDS = frozenset({"true", "yes", "1"})
# A co-first mark: "Zheng*, Lianmin" or "Lianmin Zheng*" (before " and ", a comma or the end).
_STAR_MARK = re.compile(r"\s*\*(?=\s*(?:,|\band\b|$))")
_MONTHS = {name.lower(): number for number, name in enumerate(MONTH_MACROS.values(), start=1)}
_YEAR = re.compile(r"\d{4}")
_TITLE_WORDS = re.compile(r"[^\W_]+")
_ARXIV_VERSION = re.compile(r"v\d+$")


@dataclass(frozen=True, slots=True)
class ReadSettings:
    """What ``bibfolio.toml`` says about making entries: the user's venue labels, their own
    field names, where their site keeps files that link fields name without an address, and
    the LaTeX commands to expand (``[macros]``, with the files' ``@preamble`` once read)."""

    venues: UserVenues = NO_USER_VENUES
    field_names: Mapping[str, str] = field(default_factory=dict)
    assets: AssetBases = field(default_factory=AssetBases)
    commands: Commands = NO_COMMANDS
    # Names these settings in every entry's digest, so that changing them remakes entries.
    key: str = ""

    @classmethod
    def from_config(
        cls,
        venues: Sequence[tuple[str, str]] = (),
        field_names: Sequence[tuple[str, str]] = (),
        assets: AssetBases | None = None,
        macros: Sequence[tuple[str, str]] = (),
    ) -> ReadSettings:
        """Settings from the config's ``[venues]``, ``[fields]``, asset bases and ``[macros]``."""
        assets = assets or AssetBases()
        key = repr((tuple(venues), tuple(field_names), assets, tuple(macros)))
        return cls(
            UserVenues.from_settings(venues) if venues else NO_USER_VENUES,
            {name.lower(): ours.lower() for name, ours in field_names},
            assets,
            Commands.of(user_commands(macros)),
            _short_digest(key),
        )

    def with_preamble(self, defined: Mapping[str, Command]) -> ReadSettings:
        """These settings with the commands the files' ``@preamble`` define, under the user's
        own (``[macros]`` wins): an edited preamble remakes every entry."""
        if not defined:
            return self
        commands = self.commands.over(defined)
        return replace(self, commands=commands, key=_short_digest(self.key + commands.key))


def _short_digest(text: str) -> str:
    return digest(text, size=8)


DEFAULT_READ_SETTINGS = ReadSettings.from_config()


def build_entry(
    record: Record,
    owners: OwnerMatcher,
    digest: str = "",
    settings: ReadSettings = DEFAULT_READ_SETTINGS,
) -> tuple[Entry, list[tuple[str, str]]]:
    """Decode a record into an entry, with the (code, message) of each warning about it."""
    problems: list[tuple[str, str]] = []
    key = record.key

    def expanded(name: str, value: str | None = None) -> str:
        """A field's LaTeX with the commands defined outside it expanded."""
        latex, runaway = settings.commands.expand(
            record.fields.get(name, "") if value is None else value
        )
        if runaway:
            problems.append(
                (
                    "runaway-command",
                    f'"\\{runaway}" in {name} expands without end (a recursive definition? '
                    f"over {MAX_EXPANSIONS} expansions or {MAX_LENGTH} more characters); "
                    "it is shown as written",
                )
            )
        return latex

    shown = shown_fields(record, settings, expanded)
    kind = Kind.PROJECT if record.entry_type in PROJECT_TYPES else Kind.PAPER
    title_spans = to_spans(expanded("title")) or (Span(key),)
    title = "".join(span.text for span in title_spans)
    year_text = shown.get("year") or shown.get("date", "")
    year = _year(year_text)
    if year_text and year is None:
        problems.append(("bad-year", f'year "{year_text}" has no four-digit year'))
    links = entry_links(shown, settings.assets)
    for link_kind, address in links.refused:
        code, why = (
            ("malformed-doi", "is not a DOI (10.NNNN/...)")
            if link_kind == "doi"
            else ("unsafe-link", "is not a safe link (http, https, mailto or relative)")
        )
        problems.append((code, f'{link_kind} "{address}" {why}; left out'))
    eprint, prefix = shown.get("eprint", ""), shown.get("archiveprefix", "")
    if eprint and prefix.lower() == "arxiv" and arxiv_id(eprint, prefix) is None:
        problems.append(
            ("malformed-arxiv", f'eprint "{eprint}" is not an arXiv id (such as 2201.12023)')
        )
    authors = parse_authors(expanded("author"), shown.get("author+an", ""))
    venue = next((shown[name] for name in VENUE_FIELDS if shown.get(name)), "")
    label = paper_label(shown, record.entry_type, venue, year, settings.venues)
    entry = Entry(
        key=key,
        kind=kind,
        entry_type=record.entry_type,
        title=title,
        title_spans=title_spans,
        label=(title if kind is Kind.PROJECT else label.text) or title,
        label_source="" if kind is Kind.PROJECT else label.source,
        authors=owners.mark(authors.people),
        et_al=authors.et_al,
        editors=owners.mark(parse_authors(expanded("editor")).people),
        advisors=owners.mark(parse_authors(expanded("advisor", _advisors(record.fields))).people),
        year=year,
        month=_month(shown.get("month", "")),
        venue=venue,
        is_preprint=kind is Kind.PAPER and label.source == FROM_PREPRINT,
        abstract=to_unicode(expanded("abstract")),
        bibtex=clean_bibtex(record),
        themes=split_themes(shown.get("theme", "")),
        is_lead=shown.get("role", "").lower() == "lead",
        selected=shown.get("selected", "").lower() in TRUE_WORDS,
        links=links.links,
        url=links.primary,
        preview=preview_address(shown, settings.assets),
        award=shown.get("award_name") or shown.get("award", ""),
        note=" ".join(
            dict.fromkeys(shown[name] for name in ("note", "additional_info") if shown.get(name))
        ),
        volume=shown.get("volume", ""),
        number=shown.get("number", ""),
        pages=shown.get("pages", ""),
        identities=paper_identities(record.fields, title, links.arxiv_id),
        updated=entry_updated(record.fields),
        path=record.path,
        line=record.line,
        digest=digest,
    )
    return entry, problems


def shown_fields(
    record: Record,
    settings: ReadSettings = DEFAULT_READ_SETTINGS,
    expand: Callable[[str, str], str] | None = None,
) -> dict[str, str]:
    """The decoded fields an entry is made from (addresses as written, the rest LaTeX
    decoded after ``expand``, by default the commands of ``settings`` expanded), by the names
    bibfolio reads ([fields] applied)."""

    def expanded(name: str, value: str) -> str:
        return settings.commands.expand(value)[0]

    expand = expand or expanded
    return {
        name: address_text(value) if is_address_field(name) else to_unicode(expand(name, value))
        for name, value in _with_own_names(record.fields, settings.field_names).items()
        if name in SHOWN_FIELDS or is_address_field(name)
    }


def _advisors(fields: Mapping[str, str]) -> str:
    """The people of a thesis's ``advisor`` and ``supervisor`` fields, as one name list."""
    return " and ".join(fields[name] for name in ("advisor", "supervisor") if name in fields)


def paper_identities(
    fields: Mapping[str, str], title: str, identifier: str | None
) -> tuple[tuple[str, str], ...]:
    """What makes two entries the same paper (see ``Entry.identities``): its DOI, its arXiv
    ``identifier`` (found with its links) and its title."""
    identities = []
    doi = doi_name(fields.get("doi", ""))
    if doi:
        identities.append(("DOI", doi.lower()))
    if identifier:
        identities.append(("arXiv id", _ARXIV_VERSION.sub("", identifier)))
    words = _TITLE_WORDS.findall(fold(title))
    if len(words) >= 3:  # short titles ("Introduction") are too common to mean anything
        identities.append(("title", " ".join(words)))
    return tuple(identities)


def record_digest(record: Record) -> str:
    """A hash of what a record's entry is made of: its type, key and evaluated fields."""
    return digest(repr((record.entry_type, record.key, tuple(record.fields.items()))))


def clean_bibtex(record: Record) -> str:
    """The entry as others should cite it: macros expanded, crossref fields included,
    bibfolio's own fields and co-first ``*`` marks removed."""
    lines = [f"@{record.entry_type}{{{record.key},"]
    for name, value in record.fields.items():
        if name in BIBFOLIO_FIELDS or not value.strip():
            continue
        shown = _STAR_MARK.sub("", value) if name in ("author", "editor") else value
        lines.append(f"  {name} = {{{shown}}},")
    lines.append("}")
    return "\n".join(lines)


def not_shown_reason(record: Record, crossref_parents: set[str]) -> str | None:
    """Why a record is not on the page (said as a note), or None when it is shown."""
    if record.entry_type in DATA_ONLY_TYPES:
        return f"@{record.entry_type}{{{record.key} holds data for other entries; not shown itself"
    if record.entry_type in CONTAINER_TYPES and record.key.lower() in crossref_parents:
        return f'"{record.key}" is a crossref parent, shown through the entries that cite it'
    return None


def _year(text: str) -> int | None:
    """The first four-digit number in a year or date field."""
    match = _YEAR.search(text)
    return int(match.group()) if match else None


def _with_own_names(fields: Mapping[str, str], own_names: Mapping[str, str]) -> Mapping[str, str]:
    """The fields with the user's own names (``[fields]``) read as bibfolio's; a field the
    entry has under bibfolio's name wins."""
    if not own_names:
        return fields
    renamed = {own_names.get(name, name): value for name, value in fields.items()}
    return {**renamed, **{n: v for n, v in fields.items() if n in own_names.values()}}


def _month(text: str) -> int | None:
    """``January``, ``jan`` or ``1`` as a month number; anything else as None."""
    text = text.strip().lower()
    if text.isascii() and text.isdigit():
        return int(text) if 1 <= int(text) <= 12 else None
    return next((n for name, n in _MONTHS.items() if text and name.startswith(text[:3])), None)
