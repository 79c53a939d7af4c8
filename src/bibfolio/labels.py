"""Short venue labels for the page: ``OSDI 22``, ``NeurIPS 21``, ``Preprint 23``."""

from __future__ import annotations

import re

PREPRINT = "Preprint"

# Checked in order, so a longer name wins over a shorter one it contains (NAACL before ACL).
KNOWN_VENUES: tuple[tuple[str, str], ...] = (
    ("neural information processing systems", "NeurIPS"),
    ("international conference on machine learning", "ICML"),
    ("international conference on learning representations", "ICLR"),
    ("operating systems design and implementation", "OSDI"),
    ("symposium on operating systems principles", "SOSP"),
    ("networked systems design and implementation", "NSDI"),
    ("machine learning and systems", "MLSys"),
    ("architectural support for programming languages", "ASPLOS"),
    ("programming language design and implementation", "PLDI"),
    ("principles of programming languages", "POPL"),
    ("code generation and optimization", "CGO"),
    ("international symposium on computer architecture", "ISCA"),
    ("international symposium on microarchitecture", "MICRO"),
    ("high performance computer architecture", "HPCA"),
    ("high performance computing, networking, storage and analysis", "SC"),
    ("usenix annual technical conference", "ATC"),
    ("european conference on computer systems", "EuroSys"),
    ("very large data bases", "VLDB"),
    ("management of data", "SIGMOD"),
    ("knowledge discovery and data mining", "KDD"),
    ("computer vision and pattern recognition", "CVPR"),
    ("international conference on computer vision", "ICCV"),
    ("european conference on computer vision", "ECCV"),
    ("north american chapter of the association for computational linguistics", "NAACL"),
    ("empirical methods in natural language processing", "EMNLP"),
    ("association for computational linguistics", "ACL"),
    ("aaai conference on artificial intelligence", "AAAI"),
    ("international joint conference on artificial intelligence", "IJCAI"),
    ("artificial intelligence and statistics", "AISTATS"),
    ("uncertainty in artificial intelligence", "UAI"),
    ("conference on learning theory", "COLT"),
    ("journal of machine learning research", "JMLR"),
    ("transactions on machine learning research", "TMLR"),
    ("the web conference", "WWW"),
    ("world wide web", "WWW"),
)

# "(OSDI 22)", "(SOSP '23)", "(NeurIPS 2021, Round 1)": a parenthesised acronym, which must
# have two capitals so that "(Round 1)" or "(Volume 2)" are not taken for one.
_ACRONYM_IN_VENUE = re.compile(r"\(\s*([A-Z][A-Za-z]*[A-Z][A-Za-z]*)\b[^()]*\)")
_PREPRINT_VENUE = re.compile(r"\b(arxiv|preprint|corr|biorxiv|medrxiv|ssrn)\b", re.IGNORECASE)


def is_preprint(venue: str, has_eprint: bool) -> bool:
    """True when the venue names a preprint server, or there is none but an eprint id."""
    return bool(_PREPRINT_VENUE.search(venue)) or (has_eprint and not venue.strip())


def short_venue(venue: str) -> str | None:
    """The venue's acronym: one written in parentheses in it, else from the known table."""
    match = _ACRONYM_IN_VENUE.search(venue)
    if match:
        return match.group(1)
    folded = venue.casefold()
    return next((short for name, short in KNOWN_VENUES if name in folded), None)


def paper_label(abbr: str, venue: str, year: int | None, has_eprint: bool = False) -> str | None:
    """``abbr`` (else the preprint mark, else the venue's acronym) and a two-digit year.

    Falls back to the year alone, and returns None when there is nothing to show at all.
    """
    short = abbr.strip() or (PREPRINT if is_preprint(venue, has_eprint) else short_venue(venue))
    year_text = f"{year % 100:02d}" if year is not None else None
    if short and year_text:
        return f"{short} {year_text}"
    return short or (str(year) if year is not None else None)
