"""Short venue labels for the page: ``OSDI 22``, ``ICRA 19``, ``ApJ 21``, ``Preprint 23``.

A label is found from the most explicit source to the least: the entry's own ``abbr``, the
acronym ACM writes in ``series``, the user's ``[venues]``, an acronym in parentheses in the
venue, a preprint server, the entry type (theses, books, reports, patents), the shipped venue
tables (``venues.py``), and last a short form of the venue's own words. The year alone is
left for entries that name no venue at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .venues import IGNORED_WORDS, find_venue, normalise_venue

PREPRINT = "Preprint"

# Where each label came from (``Entry.label_source``; ``bibfolio check`` reports the last two).
FROM_ABBR = "abbr"
FROM_SERIES = "series"
FROM_SETTINGS = "[venues]"
FROM_VENUE_ACRONYM = "acronym in the venue"
FROM_PREPRINT = "preprint"
FROM_TYPE = "entry type"
FROM_TABLE = "venue table"
FROM_VENUE_WORDS = "venue's words"
FROM_YEAR = "year only"

# Entry types whose label is what they are, whatever their school, institution or publisher.
TYPE_LABELS: Mapping[str, str] = {
    "phdthesis": "PhD thesis",
    "mastersthesis": "Master's thesis",
    "thesis": "Thesis",
    "book": "Book",
    "mvbook": "Book",
    "collection": "Book",
    "proceedings": "Proceedings",
    "techreport": "Tech report",
    "report": "Report",
    "patent": "Patent",
}
# Types whose label is "Chapter" when the book they are in is not a known venue.
CHAPTER_TYPES = frozenset({"inbook", "incollection", "bookinbook", "suppbook"})
# A thesis's ``type`` (biblatex's "mathesis", "Master's thesis", "Dissertação (Mestrado)",
# "Bachelor thesis") says which degree it was for.
_THESIS_DEGREES = (
    (re.compile(r"master|mathesis|mestrado|maestr|magist|\bm\.?sc?\b", re.I), "Master's thesis"),
    (re.compile(r"bachelor|licenci|\bb\.?sc?\b", re.I), "Bachelor's thesis"),
    (re.compile(r"ph\.?d|doctor|doutorado|dissertation", re.I), "PhD thesis"),
)

# "(OSDI 22)", "(SOSP '23)", "(NeurIPS 2021, Round 1)": a parenthesised acronym, which must
# have two capitals so that "(Round 1)" or "(Volume 2)" are not taken for one.
# A second capitalised word belongs to it: "(USENIX Security)".
_ACRONYM_IN_VENUE = re.compile(
    r"\(\s*([A-Z][A-Za-z]*[A-Z][A-Za-z]*(?: [A-Z][a-z]+(?=\s*\)))?)\b[^()]*\)"
)
# Preprint servers, by name in the venue or note.
_PREPRINT_VENUE = re.compile(
    r"\b(arxiv|preprint|corr|biorxiv|medrxiv|ssrn|psyarxiv|socarxiv|osf preprints|"
    r"chemrxiv|research square|preprints\.org|techrxiv|eartharxiv|openrxiv)\b",
    re.IGNORECASE,
)
# DOI prefixes of preprint servers: arXiv, bioRxiv/medRxiv, SSRN, OSF (PsyArXiv…),
# Research Square, ChemRxiv, Preprints.org, TechRxiv.
_PREPRINT_DOI = re.compile(
    r"^(?:https?://(?:dx\.)?doi\.org/)?10\.(?:48550|1101|2139|31234|31219|31235|21203|26434|"
    r"20944|36227)/",
    re.IGNORECASE,
)
_ARXIV_ADDRESS = re.compile(r"arxiv\.org/(?:abs|pdf)/", re.IGNORECASE)
# A series that is an acronym with a year: ACM's "CHI '23", "SIGSIM-PADS '24", "PADS '19",
# "MM '23", "CHI EA '22".
_SERIES_ACRONYM = re.compile(
    r"^\s*([A-Z][\w&+-]*(?:\s[A-Z][\w&+-]*)?)\s*['’‘](\d{2})\s*$|"
    r"^\s*([A-Z][\w&+-]*(?:\s[A-Z][\w&+-]*)?)\s+((?:19|20)\d{2})\s*$"
)
# A year written in an ``abbr``: "NeurIPS 2024", "ICCV'25", "CHI '23", "ICML-2021".
_YEAR_IN_ABBR = re.compile(r"\s*[-'’‘\s]\s*((?:19|20)?\d{2})\s*$")
# What comes before the venue of a paper not yet out: "In press at", "To appear in".
_NOT_YET_OUT = re.compile(
    r"^\s*(?:in press(?: at| in)?|to appear(?: in| at)?|accepted(?: at| in| to)?|"
    r"forthcoming(?: in| at)?|submitted(?: to)?|under review(?: at| in)?)\b[\s:,]*",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_][\w'’&-]*")
_ADDRESS = re.compile(r"://|\bwww\.", re.IGNORECASE)
_PARENTHESISED = re.compile(r"\([^()]*\)")
_PROCEEDINGS_OF = re.compile(
    r"^\s*(?:in\s+)?(?:proc(?:eedings|eeding)?\.?)?\s*(?:of\s+)?(?:the\s+)?[-–:\s]*",
    re.IGNORECASE,
)
# "SMARTCOMP 2018", "HLDVT2002", "SOAS06", "WOA 2009": an acronym with its year.
_ACRONYM_WITH_YEAR = re.compile(r"\b([A-Z][A-Z&-]*[A-Z])\s?['’]?(?:(?:19|20)\d{2}|\d{2})\b")
_SMALL_WORDS = frozenset(
    {"a", "an", "and", "at", "de", "der", "des", "di", "du", "for", "from", "in", "la", "le"}
    | {"of", "on", "the", "to", "und", "van", "von", "with", "e", "da", "do", "dos", "das"}
)
_MAX_INITIALS = 6
_VENUE_KINDS = ("Workshop", "Symposium", "Conference", "Congress", "Journal", "Proceedings")
# A venue this short is its own label ("Econometrica", "Psychological Science").
_SHORT_VENUE_WORDS, _SHORT_VENUE_CHARS = 2, 24


@dataclass(frozen=True, slots=True)
class Label:
    """An entry's label and where it came from (one of the ``FROM_*`` names)."""

    text: str | None
    source: str


@dataclass(frozen=True, slots=True)
class UserVenues:
    """The ``[venues]`` of ``bibfolio.toml``: a venue's full name, or a regular expression
    searched in it, → its label. Names are compared as the venue tables compare them."""

    names: Mapping[str, str]
    patterns: tuple[tuple[re.Pattern[str], str], ...] = ()

    @classmethod
    def from_settings(cls, venues: Sequence[tuple[str, str]]) -> UserVenues:
        """Each key is both a name and, when it is a valid one, a pattern."""
        names = {normalise_venue(name): label for name, label in venues}
        patterns = []
        for pattern, label in venues:
            try:
                patterns.append((re.compile(pattern, re.IGNORECASE), label))
            except re.error:
                continue
        return cls(names, tuple(patterns))

    def find(self, venue: str) -> str | None:
        """The user's label for ``venue``, or None."""
        if not venue or not (self.names or self.patterns):
            return None
        found = self.names.get(normalise_venue(venue))
        return found or next((label for p, label in self.patterns if p.search(venue)), None)


NO_USER_VENUES = UserVenues({})


def is_preprint(fields: Mapping[str, str], venue: str) -> bool:
    """Whether the entry is a preprint: its venue (or note) names a preprint server, its DOI
    is a preprint server's, or it has no venue but an arXiv id."""
    if _PREPRINT_VENUE.search(venue) or _PREPRINT_DOI.match(fields.get("doi", "")):
        return True
    if not venue and _PREPRINT_VENUE.search(fields.get("note", "")):
        return True
    prefix = (fields.get("archiveprefix") or fields.get("eprinttype", "")).strip().lower()
    has_arxiv = (
        prefix == "arxiv"
        or bool(fields.get("arxiv"))
        or bool(_ARXIV_ADDRESS.search(fields.get("url", "")))
    )
    return not venue.strip() and (has_arxiv or bool(fields.get("eprint")))


def abbr_without_year(abbr: str) -> str:
    """``abbr`` without a year written in it: "NeurIPS 2024" → "NeurIPS", "ICCV'25" → "ICCV"."""
    return _YEAR_IN_ABBR.sub("", abbr).strip() or abbr.strip()


def series_acronym(series: str) -> str | None:
    """The acronym of an ACM-style ``series`` with its year ("SIGSIM-PADS '24"), or None
    (a series like "Lecture Notes in Computer Science" is not a venue)."""
    match = _SERIES_ACRONYM.match(series)
    if not match:
        return None
    acronym = match.group(1) or match.group(3)
    return acronym if sum(char.isupper() for char in acronym) >= 2 else None


@lru_cache(maxsize=8192)  # venues recur
def venue_acronym(venue: str) -> str | None:
    """An acronym written in the venue: in parentheses ("… Systems (OSDI 22)" → "OSDI"), or
    in capitals with its year ("…, SMARTCOMP 2018", "HLDVT2002: IEEE Workshop…") in a venue
    not written all in capitals."""
    match = _ACRONYM_IN_VENUE.search(venue)
    if match:
        return match.group(1)
    if venue.isupper():
        return None
    found = (m.group(1) for m in _ACRONYM_WITH_YEAR.finditer(venue))
    return next((word for word in found if word.casefold() not in IGNORED_WORDS), None)


@lru_cache(maxsize=8192)
def venue_words_label(venue: str) -> str | None:
    """A label from the venue's own words, for a venue no table knows: a short venue as
    written ("Econometrica"), else the initials of its main words ("Journal of Personality
    Assessment" → "JPA")."""
    if _ADDRESS.search(venue):  # a link in ``howpublished`` names no venue
        return None
    if venue.isupper() and venue.count(" ") >= _SHORT_VENUE_WORDS:  # "INTERNATIONAL JOURNAL …"
        venue = venue.title()
    venue = _PROCEEDINGS_OF.sub("", _PARENTHESISED.sub("", venue))
    words = [w for w in _WORD.findall(venue) if w.casefold() not in IGNORED_WORDS]
    text = abbr_without_year(" ".join(words))
    if words and len(words) <= _SHORT_VENUE_WORDS and len(text) <= _SHORT_VENUE_CHARS:
        return text
    # A venue's name is capitalised: lower-case words are not part of it, unless only its
    # first word is ("Health economics review").
    main = [w for w in words if w[0].isupper() and w.casefold() not in _SMALL_WORDS]
    if len(main) < 2:
        main = [w for w in words if w.casefold() not in _SMALL_WORDS]
    initials = "".join(word[0].upper() for word in main)
    if 2 <= len(initials) <= _MAX_INITIALS:
        return initials
    # Too many words for initials anyone would recognise: say what kind of venue it is.
    return next((kind for kind in _VENUE_KINDS if kind.casefold() in venue.casefold()), None)


def paper_label(
    fields: Mapping[str, str],
    entry_type: str,
    venue: str,
    year: int | None,
    user_venues: UserVenues = NO_USER_VENUES,
) -> Label:
    """The label of a paper from its decoded ``fields``: a short venue and a two-digit year
    (see the module's docstring for the order of sources)."""
    short, source = _short_venue(fields, entry_type, venue, user_venues)
    year_text = f"{year % 100:02d}" if year is not None else None
    if short and year_text:
        return Label(f"{short} {year_text}", source)
    if short:
        return Label(short, source)
    return Label(str(year) if year is not None else None, FROM_YEAR)


def _short_venue(
    fields: Mapping[str, str], entry_type: str, venue: str, user_venues: UserVenues
) -> tuple[str | None, str]:
    abbr = fields.get("abbr", "").strip()
    if abbr:
        return abbr_without_year(abbr), FROM_ABBR
    series = series_acronym(fields.get("series", ""))
    if series:
        return series, FROM_SERIES
    venue = _NOT_YET_OUT.sub("", venue)
    full_venue = fields.get("fjournal") or venue  # MathSciNet: the journal's full name
    user = user_venues.find(venue) or user_venues.find(full_venue)
    if user:
        return user, FROM_SETTINGS
    acronym = venue_acronym(venue)
    if acronym:
        return acronym, FROM_VENUE_ACRONYM
    if is_preprint(fields, venue):
        return PREPRINT, FROM_PREPRINT
    type_label = _type_label(fields, entry_type)
    if type_label:
        return type_label, FROM_TYPE
    match = find_venue(full_venue) or (find_venue(venue) if venue != full_venue else None)
    if match:
        return match.label, FROM_TABLE
    if entry_type in CHAPTER_TYPES and venue:
        return "Chapter", FROM_TYPE
    words = venue_words_label(venue)
    return (words, FROM_VENUE_WORDS) if words else (None, FROM_YEAR)


def _type_label(fields: Mapping[str, str], entry_type: str) -> str | None:
    """What the entry is, for types whose label says so: "PhD thesis", "Tech report"…; a
    report's own ``type`` ("Working Paper") when it gives one."""
    label = TYPE_LABELS.get(entry_type)
    kind = fields.get("type", "").strip()
    if label is None or not kind:
        return label
    if entry_type in ("thesis", "phdthesis", "mastersthesis"):
        return next((name for degree, name in _THESIS_DEGREES if degree.search(kind)), label)
    return kind[:1].upper() + kind[1:] if entry_type in ("techreport", "report") else label
