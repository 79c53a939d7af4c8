"""Explain and summarise a loaded bibliography: why an entry is where it is on the page
(``bibfolio explain``), and counts over all of it (``bibfolio stats``)."""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from . import labels
from .build import Analysis, analyse, read_settings
from .cache import Cache
from .config import Config
from .entries import shown_fields
from .errors import BibfolioError, Diagnostic
from .group import SECTION_TITLES, owner_found, section_of
from .links import link_sources
from .model import Entry, Kind, Section
from .records import Record
from .venues import find_venue

TOP_COAUTHORS = 15
NO_VENUE = "(year only)"


@dataclass(frozen=True, slots=True)
class LinkReport:
    """One link button and the field it came from."""

    label: str
    href: str
    field: str
    value: str
    asset_file: bool


@dataclass(frozen=True, slots=True)
class WarningReport:
    """A diagnostic ``bibfolio check`` gives about the entry."""

    severity: str
    code: str
    message: str
    line: int | None


@dataclass(frozen=True, slots=True)
class EntryReport:
    """Why an entry is where it is: its themes, section, owner match, label and links."""

    key: str
    title: str
    path: str | None
    line: int | None
    entry_type: str
    themes: tuple[str, ...]
    theme_reason: str
    section: str
    section_title: str
    section_reason: str
    owner: str | None
    owner_given: bool
    owner_position: int | None  # 1-based among the authors, None when not an author
    owner_as_written: str | None  # the author (or editor, advisor) who matched
    label: str
    label_source: str
    label_reason: str
    links: tuple[LinkReport, ...]
    warnings: tuple[WarningReport, ...]


@dataclass(frozen=True, slots=True)
class Stats:
    """Counts over the papers (projects aside, but for ``types``), most first."""

    entries: int
    papers: int
    first_author: int
    years: tuple[tuple[str, int], ...]
    venues: tuple[tuple[str, int], ...]
    types: tuple[tuple[str, int], ...]
    coauthors: tuple[tuple[str, int], ...]

    @property
    def first_author_share(self) -> float:
        """First-author papers over papers (0 without papers)."""
        return self.first_author / self.papers if self.papers else 0.0


def explain(
    bib_paths: Sequence[Path], config: Config, keys: Sequence[str], cache: Cache | None = None
) -> tuple[EntryReport, ...]:
    """Why each entry of ``keys`` is where it is on the page; an unknown key raises a
    ``BibfolioError`` naming the keys closest to it."""
    analysis = analyse(bib_paths, config, cache)
    by_key = {entry.key: entry for entry in analysis.entries}
    for key in keys:
        if key not in by_key:
            close = difflib.get_close_matches(key, list(by_key), n=3, cutoff=0.5)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            raise BibfolioError(f'no entry "{key}" in {", ".join(map(str, bib_paths))}{hint}')
    return tuple(_report(by_key[key], analysis, config) for key in keys)


def _report(entry: Entry, analysis: Analysis, config: Config) -> EntryReport:
    record = next(
        (r for r in analysis.bibliography.records if (r.key, r.path, r.line) == _place(entry)),
        None,
    )
    fields = shown_fields(record, read_settings(config)) if record else {}
    owners_known = owner_found(analysis.entries)
    section = section_of(entry, owners_known)
    matched = next(
        (p for p in (*entry.authors, *entry.editors, *entry.advisors) if p.is_owner), None
    )
    position = next((i for i, p in enumerate(entry.authors, 1) if p.is_owner), None)
    owner = analysis.owners[0].name if analysis.owners else None
    return EntryReport(
        key=entry.key,
        title=entry.title,
        path=str(entry.path) if entry.path else None,
        line=entry.line,
        entry_type=entry.entry_type,
        themes=entry.themes,
        theme_reason=_theme_reason(entry, analysis.entries, config.other_theme),
        section=section.value,
        section_title=SECTION_TITLES[section],
        section_reason=_section_reason(entry, section, record, position, owner),
        owner=owner,
        owner_given=bool(config.owner),
        owner_position=position,
        owner_as_written=matched.name if matched else None,
        label=entry.label,
        label_source=entry.label_source,
        label_reason=_label_reason(entry, fields),
        links=tuple(
            LinkReport(s.link.label, s.link.href, s.field, s.value, s.asset_file)
            for s in link_sources(fields, read_settings(config).assets)
        ),
        warnings=tuple(
            WarningReport(d.severity.value, d.code, d.message, d.line)
            for d in analysis.diagnostics
            if _is_about(d, entry)
        ),
    )


def _place(entry: Entry) -> tuple[str, Path | None, int | None]:
    return entry.key, entry.path, entry.line


def _is_about(diagnostic: Diagnostic, entry: Entry) -> bool:
    """Whether a diagnostic is reported at the entry or names it."""
    at_entry = (diagnostic.path, diagnostic.line) == (entry.path, entry.line)
    return at_entry or f'"{entry.key}"' in diagnostic.message


def _theme_reason(entry: Entry, entries: Sequence[Entry], other: str) -> str:
    if entry.themes:
        each = "; listed under each" if len(entry.themes) > 1 else ""
        return f"{_quoted(entry.themes)} (from its theme field{each})"
    if not any(e.themes for e in entries):
        return "no theme: the page has no theme headings (no entry has a theme field)"
    return f'"{other}" (no theme field: the catch-all theme)'


def _section_reason(
    entry: Entry, section: Section, record: Record | None, position: int | None, owner: str | None
) -> str:
    """The rule of ``group.section_of`` that put the entry in its section."""
    authors = len(entry.authors)
    if section is Section.PROJECTS:
        return f"a project: @{entry.entry_type} entries are projects"
    if section is Section.FIRST_AUTHOR and position == 1:
        return f"first author: the owner is author 1 of {authors}"
    if section is Section.FIRST_AUTHOR:
        how = "author+an" if record and "author+an" in record.fields else '"*" after the names'
        return (
            f"co-first: the owner is author {position} of {authors}, marked equal ({how}) in "
            "the group of equal authors starting at author 1"
        )
    if section is Section.SUPERVISED:
        names = ", ".join(p.name for p in entry.advisors or entry.editors)
        whom = f"the owner is among its advisors ({names})" if names else "it names no advisor"
        return f"a supervised thesis: @{entry.entry_type} the owner did not write, and {whom}"
    if owner is None:
        return "no owner known: every paper is an other publication"
    if position is None:
        return "other: the owner is not among its authors"
    return (
        f"other: the owner is author {position} of {authors}, not first and not marked equal in a "
        "group starting at author 1"
    )


def _label_reason(entry: Entry, fields: Mapping[str, str]) -> str:
    """Where the label came from, with the text it was made from."""
    source, venue = entry.label_source, entry.venue
    if entry.kind is Kind.PROJECT:
        return "a project: its title"
    if source == labels.FROM_ABBR:
        return f'the abbr field "{fields.get("abbr", "")}"'
    if source == labels.FROM_SERIES:
        return f'the acronym of the series "{fields.get("series", "")}"'
    if source == labels.FROM_SETTINGS:
        return f'your [venues] table, for the venue "{venue}"'
    if source == labels.FROM_VENUE_ACRONYM:
        return f'the acronym in parentheses in the venue "{venue}"'
    if source == labels.FROM_PREPRINT:
        return "a preprint (a preprint server or DOI, or an arXiv id and no venue)"
    if source == labels.FROM_TYPE:
        return f"the entry type @{entry.entry_type}"
    if source == labels.FROM_TABLE:
        full = fields.get("fjournal") or venue
        match = find_venue(full) or find_venue(venue)
        if match:
            return f'the venue "{full}" is "{match.name}" in the {match.table} table'
        return f'the venue "{full}" found in the venue tables'
    if source == labels.FROM_VENUE_WORDS:
        return f'the words of the venue "{venue}", which no table knows (give abbr or [venues])'
    return "no venue: the year only"


def _quoted(texts: Sequence[str]) -> str:
    return ", ".join(f'"{text}"' for text in texts)


def summarise(bib_paths: Sequence[Path], config: Config, cache: Cache | None = None) -> Stats:
    """Papers per year, venue and type, the first-author share, and the owner's co-authors."""
    entries = analyse(bib_paths, config, cache).entries
    papers = [entry for entry in entries if entry.kind is Kind.PAPER]
    coauthors = Counter(
        name
        for paper in papers
        for name in dict.fromkeys(p.name for p in paper.authors if not p.is_owner)
    )
    years = Counter(str(paper.year) if paper.year else "undated" for paper in papers)
    return Stats(
        entries=len(entries),
        papers=len(papers),
        first_author=sum(paper.is_first_author for paper in papers),
        years=tuple(sorted(years.items(), reverse=True)),
        venues=_most_first(Counter(venue_of(paper) for paper in papers)),
        types=_most_first(Counter(entry.entry_type for entry in entries)),
        coauthors=_most_first(coauthors)[:TOP_COAUTHORS],
    )


def venue_of(entry: Entry) -> str:
    """The entry's label without its year ("OSDI 22" → "OSDI")."""
    if entry.label_source == labels.FROM_YEAR:
        return NO_VENUE
    if entry.year is not None:
        return re.sub(rf"\s+{entry.year % 100:02d}$", "", entry.label)
    return entry.label


def _most_first(counts: Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def reports_json(reports: Sequence[EntryReport]) -> str:
    """The explanations as JSON (versioned, as ``check``'s)."""
    return json.dumps(
        {"version": 1, "entries": [asdict(r) for r in reports]}, indent=2, ensure_ascii=False
    )


def stats_json(stats: Stats) -> str:
    """The counts as JSON, each table as an object in order, most first."""
    data: dict[str, Any] = {
        "version": 1,
        "entries": stats.entries,
        "papers": stats.papers,
        "first_author": stats.first_author,
        "first_author_share": round(stats.first_author_share, 4),
        **{name: dict(getattr(stats, name)) for name in ("years", "venues", "types")},
        "coauthors": dict(stats.coauthors),
    }
    return json.dumps(data, indent=2, ensure_ascii=False)


def report_text(report: EntryReport) -> str:
    """An explanation as the lines ``bibfolio explain`` prints."""
    where = f"{report.path}:{report.line}" if report.path else ""
    owner = f'"{report.owner}" ({"given" if report.owner_given else "guessed"})'
    if report.owner is None:
        owner = "none given or found"
    elif report.owner_as_written:
        at = f"author {report.owner_position}" if report.owner_position else "not an author, but"
        owner += f', matched {at} "{report.owner_as_written}"'
    else:
        owner += ", not in this entry"
    lines = [
        f"{report.key} (@{report.entry_type}, {where}): {report.title}",
        f"  theme:   {report.theme_reason}",
        f"  section: {report.section_title}: {report.section_reason}",
        f"  owner:   {owner}",
        f'  label:   "{report.label}" from {report.label_source or "the title"}: '
        f"{report.label_reason}",
        f"  links:{'' if report.links else '   none'}",
    ]
    for link in report.links:
        asset = ", an al-folio file name under asset_base" if link.asset_file else ""
        text = f'{link.field} "{link.value}"' if link.value != link.href else link.field
        lines.append(f"    {link.label}: {link.href} (from {text}{asset})")
    lines.append(f"  warnings:{'' if report.warnings else ' none'}")
    lines += [f"    {w.severity}: {w.message} [{w.code}]" for w in report.warnings]
    return "\n".join(lines)


def stats_text(stats: Stats) -> str:
    """The counts as text tables."""
    share = f"{stats.first_author_share:.0%}"
    lines = [
        f"{stats.entries} entries, {stats.papers} papers; first author of "
        f"{stats.first_author} of {stats.papers} papers ({share})",
    ]
    tables = (
        ("Year", "papers", stats.years),
        ("Venue", "papers", stats.venues),
        ("Entry type", "entries", stats.types),
        ("Co-author", "shared papers", stats.coauthors),
    )
    for title, unit, rows in tables:
        width = max([len(title), *(len(name) for name, _ in rows)])
        lines += ["", f"{title:<{width}}  {unit}"]
        lines += [f"{name:<{width}}  {count:>{len(unit)}}" for name, count in rows]
    return "\n".join(lines)
