"""Venue tables: conference and journal names → short labels, and the AAS journal macros.

The tables are TSV files under ``data/``, generated from public lists by
``scripts/make_venue_tables.py``; each row's key is ``normalise_venue`` of its full name, computed
by the generator, so loading a table is only a dict build. Tables load on first use: a build that
never asks for a venue label pays nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
TABLES = ("conferences", "journals")
# Abbreviated journal names ("Phys. Rev. D", "ApJ") → their journal's label in journals.tsv.
ABBREVIATIONS = "journal_abbreviations"

# A run of words inside a longer venue counts as a conference name only from this many words:
# two-word names ("Computer Vision") occur inside too many other venues.
MIN_RUN_WORDS = 3

_ORDINAL_WORDS = frozenset(
    [
        "first",
        "second",
        "third",
        "fourth",
        "fifth",
        "sixth",
        "seventh",
        "eighth",
        "ninth",
        "tenth",
        "eleventh",
        "twelfth",
        "thirteenth",
        "fourteenth",
        "fifteenth",
        "sixteenth",
        "seventeenth",
        "eighteenth",
        "nineteenth",
        "twentieth",
        "thirtieth",
        "fortieth",
        "fiftieth",
        "sixtieth",
        "seventieth",
        "eightieth",
        "ninetieth",
        "hundredth",
    ]
)
_TENS = frozenset(["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"])
# Publishers and sponsors: "IEEE/RSJ International Conference on …" is the conference of
# "International Conference on …". SIG names that are conferences themselves (SIGGRAPH,
# SIGCOMM, SIGMOD, SIGIR, SIGMETRICS) stay.
_SPONSORS = frozenset(
    [
        "ieee",
        "acm",
        "usenix",
        "siam",
        "springer",
        "elsevier",
        "rsj",
        "ras",
        "cvf",
        "ifip",
        "iapr",
        "lncs",
        "sigplan",
        "sigact",
        "sigsac",
        "sigsim",
        "sigops",
        "sigarch",
        "sigbed",
        "sigda",
        "sigsoft",
        "sigchi",
        "sigmobile",
        "sigkdd",
        "sigecom",
        "sigweb",
        "sigart",
        "sigevo",
        "sigcse",
        "sigapp",
        "sigmicro",
    ]
)
# Words that never name a venue (folded), also skipped when a label is made of a venue's words.
IGNORED_WORDS = _ORDINAL_WORDS | _SPONSORS | {"the", "annual"}

_PARENTHESISED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_SHORT_YEAR = re.compile(r"['’‘]\d\d\b")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th)")
_YEAR = re.compile(r"(?:19|20)\d\d")
# A word written like an acronym: two capitals at least ("EUROCRYPT", "NBiS", "CHI").
_ACRONYM_WORD = re.compile(r"\b(?=(?:[a-z0-9&-]*[A-Z]){2})[A-Za-z][A-Za-z0-9&-]*\b")
_PROCEEDINGS = re.compile(r"^(?:in )?(?:proceedings(?: of)? )?")
# A venue that may be abbreviated: a word ending in "." ("Phys. Rev. D"), or a short venue of
# letters only ("ApJ", "MNRAS", "A&A").
_DOTTED_WORD = re.compile(r"\w\.(?:\W|$)")
_SHORT_LETTERS = re.compile(r"[^\W\d_]+(?:&[^\W\d_]+)?(?:\s+[^\W\d_]+){0,2}")


def normalise_venue(text: str) -> str:
    """Fold a venue name for lookup: casefold, accents stripped, "Proceedings of the", "In",
    ordinals (35th, Thirty-Fifth, First), years (2019, '19), publisher/sponsor words (IEEE, ACM,
    USENIX, SIAM, Springer, IEEE/RSJ, IEEE-RAS, …), "Annual", punctuation, parenthesised parts
    and "&"→"and" removed; words joined by one space."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    plain = _SHORT_YEAR.sub(" ", _PARENTHESISED.sub(" ", plain)).replace("&", " and ")
    words = _NON_WORD.sub(" ", plain).split()
    kept = [
        word
        for i, word in enumerate(words)
        if word not in IGNORED_WORDS
        and not _ORDINAL.fullmatch(word)
        and not _YEAR.fullmatch(word)
        and not (word in _TENS and i + 1 < len(words) and words[i + 1] in _ORDINAL_WORDS)
    ]
    return _PROCEEDINGS.sub("", " ".join(kept), count=1)


@dataclass(frozen=True, slots=True)
class VenueMatch:
    """A venue's short label and the table row it came from."""

    label: str  # "ICRA", "PRL", "ApJ"
    name: str  # the table row's full name
    table: str  # "conferences", "journals" or "journal abbreviations" (the file it came from)


def _lines(name: str) -> list[str]:
    """A data file's rows, without its ``#`` header lines."""
    text = (DATA_DIR / f"{name}.tsv").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line and line[0] != "#"]


@cache
def _table(name: str) -> dict[str, str]:
    """Key → the rest of its row: rows are split only when looked up, so loading stays fast."""
    return {key: rest for key, _, rest in (line.partition("\t") for line in _lines(name))}


def _match(table: str, key: str) -> VenueMatch | None:
    if (rest := _table(table).get(key)) is None:
        return None
    label, _, name = rest.partition("\t")
    return VenueMatch(label, name, table.replace("_", " "))


@cache
def _conference_acronyms() -> dict[str, VenueMatch]:
    """The conferences by their acronym as the table writes it (the first row of each)."""
    acronyms: dict[str, VenueMatch] = {}
    for rest in _table("conferences").values():
        label, _, name = rest.partition("\t")
        acronyms.setdefault(label, VenueMatch(label, name, "conferences"))
    return acronyms


@cache
def aas_macros() -> Mapping[str, str]:
    """AAS journal macro names (without backslash) → their text, e.g. "apj" → "ApJ"."""
    return {row[0]: row[1] for row in (line.split("\t") for line in _lines("aas_macros"))}


@lru_cache(maxsize=8192)  # a bibliography names the same few venues again and again
def find_venue(venue: str) -> VenueMatch | None:
    """The label of a plain-text venue (already LaTeX-decoded), or None.

    The whole venue is looked up in both tables, then, when it looks abbreviated, among the
    journal abbreviations ("Phys. Rev. D", "ApJ"); failing that, the longest run of at least
    ``MIN_RUN_WORDS`` words that is a conference name ("2019 International Conference on
    Robotics and Automation, Workshop …"). Journal names match only whole, so "Computer
    Science" is never "Science".
    """
    key = normalise_venue(venue)
    for table in TABLES:
        if (match := _match(table, key)) is not None:
            return match
    # Only an abbreviated venue loads the abbreviations: full names never need them.
    abbreviated = _DOTTED_WORD.search(venue) or _SHORT_LETTERS.fullmatch(venue.strip())
    if abbreviated and (match := _match(ABBREVIATIONS, key)):
        return match
    # A conference's acronym written in the venue names it better than a run of words that
    # several conferences share ("Advances in Cryptology – EUROCRYPT" is not CRYPTO).
    named = (_conference_acronyms().get(word) for word in _ACRONYM_WORD.findall(venue))
    if (found := next((match for match in named if match), None)) is not None:
        return found
    words = key.split()
    for length in range(len(words) - 1, MIN_RUN_WORDS - 1, -1):
        for start in range(len(words) - length + 1):
            if match := _match("conferences", " ".join(words[start : start + length])):
                return match
    return None
