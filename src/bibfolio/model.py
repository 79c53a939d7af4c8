"""The publication model: plain frozen dataclasses with meaning, no markup and no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path


class Kind(str, Enum):
    """Whether an entry is a paper or a project (a ``@software`` entry)."""

    PAPER = "paper"
    PROJECT = "project"


class Section(str, Enum):
    """The sections of a theme, in the order they appear on the page."""

    PROJECTS = "projects"
    FIRST_AUTHOR = "first-author"
    OTHER = "other"
    SUPERVISED = "supervised"


# Separates an entry's themes in its ``theme`` field: ``theme = {Systems; Compilers}``.
THEME_SEPARATOR = ";"


def split_themes(text: str) -> tuple[str, ...]:
    """The themes a ``theme`` field names, each once, in its order."""
    return tuple(dict.fromkeys(t.strip() for t in text.split(THEME_SEPARATOR) if t.strip()))


LINK_LABELS: dict[str, str] = {
    "pdf": "PDF",
    "code": "Code",
    "arxiv": "arXiv",
    "doi": "DOI",
    "slides": "Slides",
    "video": "Video",
    "poster": "Poster",
    "website": "Website",
    "url": "Link",
    "html": "HTML",
    "supp": "Supp",
    "blog": "Blog",
    "ads": "ADS",
    "pubmed": "PubMed",
    "pmc": "PMC",
    "mathscinet": "MathSciNet",
    "zbmath": "zbMATH",
}


@dataclass(frozen=True, slots=True)
class Span:
    """A run of decoded text in one style: plain, ``em``, ``strong``, ``code``, ``math``,
    ``link`` (with ``href``, not yet checked for safety), or a ``sub`` or ``sup`` script
    (math's ``_`` and ``^``, ``\\textsubscript{}``). A script's text is in Unicode's sub- or
    superscript characters when each of its characters has one ("₂", "¹⁸"), else as it is
    ("⊙", "eff"): joined, the spans read as plain text ("H₂CO", "M⊙")."""

    text: str
    style: str = ""
    href: str = ""


@dataclass(frozen=True, slots=True)
class Person:
    """One author, split into BibTeX's name parts and decoded to Unicode."""

    first: str = ""
    von: str = ""
    last: str = ""
    jr: str = ""
    is_cofirst: bool = False
    is_owner: bool = False
    # The name as it is displayed: "First von Last, Jr" (made once: pages show it often).
    name: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        full = " ".join(part for part in (self.first, self.von, self.last) if part)
        object.__setattr__(self, "name", f"{full}, {self.jr}" if self.jr else full)


@dataclass(frozen=True, slots=True)
class Link:
    """A link whose address is already known to be safe to put in an ``href``."""

    kind: str
    href: str

    @property
    def label(self) -> str:
        """The button text for this kind of link (``PDF``, ``arXiv``, ...)."""
        return LINK_LABELS.get(self.kind, self.kind.capitalize())


@dataclass(frozen=True, slots=True)
class Entry:
    """A paper or project as the page shows it."""

    key: str
    kind: Kind
    entry_type: str
    title: str
    label: str
    title_spans: tuple[Span, ...] = ()
    authors: tuple[Person, ...] = ()
    et_al: bool = False
    # The ``editor`` field's people: a page names them when there are no authors (an edited
    # book or volume).
    editors: tuple[Person, ...] = ()
    # A thesis's ``advisor`` and ``supervisor`` fields: whether the owner supervised it.
    advisors: tuple[Person, ...] = ()
    year: int | None = None
    month: int | None = None
    venue: str = ""
    is_preprint: bool = False
    abstract: str = ""
    bibtex: str = ""
    # The ``theme`` field's themes, in its order (``{Systems; Compilers}``): the entry is
    # listed in each.
    themes: tuple[str, ...] = ()
    is_lead: bool = False
    selected: bool = False
    links: tuple[Link, ...] = ()
    url: str | None = None
    # Where the label came from: "abbr", "venue table", "year only"… (see ``labels.py``).
    label_source: str = ""
    # A thumbnail (al-folio's ``preview``), already safe to put in a ``src``.
    preview: str | None = None
    # An award the paper won (al-folio's ``award_name``, else ``award``), shown as a badge.
    award: str = ""
    # A remark to show with the citation (``note``, al-folio's ``additional_info``).
    note: str = ""
    # Where in its venue the paper is: ``volume``, ``number`` (its issue) and ``pages``
    # ("123–130"), for the citation tags and structured data of paper pages.
    volume: str = ""
    number: str = ""
    pages: str = ""
    # What makes two entries the same paper: ("DOI", doi), ("arXiv id", id without version)
    # and ("title", its words, folded), each when known; the duplicate check compares them.
    identities: tuple[tuple[str, str], ...] = ()
    # When the .bib says the entry last changed (``dates.entry_updated``: its timestamp,
    # urldate or date), as RFC 3339, for feeds; "" when it says nothing readable.
    updated: str = ""
    path: Path | None = None
    line: int | None = None
    # A hash of everything the entry was made from (its fields as read, and the owner); two
    # entries with the same non-empty digest are equal but for path and line. "" when unknown.
    digest: str = ""

    @property
    def theme(self) -> str | None:
        """The first theme, or None: what a page with one theme per entry shows."""
        return self.themes[0] if self.themes else None

    @property
    def is_first_author(self) -> bool:
        """True when the owner is listed first or is co-first in the group starting at 1."""
        for position, person in enumerate(self.authors):
            if person.is_owner:
                return position == 0 or person.is_cofirst
            if not person.is_cofirst:
                return False
        return False

    @property
    def people(self) -> tuple[Person, ...]:
        """Whom a page names for the entry: its authors, or its editors when it has none."""
        return self.authors or self.editors

    @property
    def people_role(self) -> str:
        """What ``people`` did when they are editors ("ed." or "eds."), else ""."""
        if self.authors or not self.editors:
            return ""
        return "ed." if len(self.editors) == 1 else "eds."

    @property
    def has_cofirst(self) -> bool:
        """True when some author is marked as an equal contributor."""
        return any(person.is_cofirst for person in self.authors)


@dataclass(frozen=True, slots=True)
class SectionGroup:
    """One section of a theme (projects, first-author or other) and its entries."""

    section: Section
    title: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class Theme:
    """A research theme and its non-empty sections, in page order. The title is empty on a
    page where no entry has a theme: its sections are shown without a theme heading."""

    title: str
    sections: tuple[SectionGroup, ...]


@dataclass(frozen=True, slots=True)
class Page:
    """Everything a template needs to render the publication page."""

    title: str
    themes: tuple[Theme, ...]
    owner: str | None = None
    # The compact page's last line, a link to a longer list (``more_url`` in bibfolio.toml).
    more_url: str | None = None
    more_text: str = ""
    # Every entry on the page, each once, in page order (templates ask for it often; made once).
    entries: tuple[Entry, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # An entry in several themes is listed in each, but is one entry of the page.
        entries: dict[int, Entry] = {}
        for theme in self.themes:
            for group in theme.sections:
                for entry in group.entries:
                    entries.setdefault(id(entry), entry)
        object.__setattr__(self, "entries", tuple(entries.values()))

    @property
    def smallest_key(self) -> str | None:
        """The smallest entry key (None for an empty page): a name for the page's own ids
        that tells two lists from different .bib files apart, and that adding a paper seldom
        changes (each entry's output includes the ids it links to)."""
        return min((entry.key for entry in self.entries), default=None)

    @property
    def entry_themes(self) -> tuple[str, ...]:
        """The themes entries name, each once, in page order (for a theme filter)."""
        return tuple(dict.fromkeys(theme for entry in self.entries for theme in entry.themes))

    @property
    def has_unthemed(self) -> bool:
        """True when some entry names no theme."""
        return any(not entry.themes for entry in self.entries)

    @property
    def years(self) -> tuple[int, ...]:
        """The years of the entries, each once, newest first (for a year filter)."""
        return tuple(sorted({entry.year for entry in self.entries if entry.year}, reverse=True))

    @property
    def has_undated_paper(self) -> bool:
        """True when some paper (not project) has no year."""
        return any(entry.kind is Kind.PAPER and not entry.year for entry in self.entries)

    @property
    def has_selected(self) -> bool:
        """True when some entry is marked ``selected``."""
        return any(entry.selected for entry in self.entries)

    @property
    def has_awards(self) -> bool:
        """True when some entry names an award (the page then styles its badge)."""
        return any(entry.award for entry in self.entries)

    @property
    def has_previews(self) -> bool:
        """True when some entry has a thumbnail (the page then styles it)."""
        return any(entry.preview for entry in self.entries)

    @property
    def has_cofirst(self) -> bool:
        """True when some paper marks equal contributors, so the page explains the ``*``."""
        return any(entry.has_cofirst for entry in self.entries)
