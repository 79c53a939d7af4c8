"""Lint a bibliography against BibTeX's required fields and bibfolio's .bib conventions.

Each rule is a small function from the loaded data to diagnostics; ``bibfolio check`` prints
them all and ``bibfolio build`` shows them as warnings.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .entries import BIBFOLIO_FIELDS, SHOWN_FIELDS
from .errors import Diagnostic, Severity
from .labels import FROM_VENUE_WORDS, FROM_YEAR
from .links import is_address_field
from .load import Bibliography
from .model import Entry, Kind
from .names import equal_contribution_positions
from .records import Record

# Fields each entry type must have (BibTeX's standard styles, biblatex's names as
# alternatives): a tuple is "one of these".
REQUIRED_FIELDS: Mapping[str, tuple[tuple[str, ...], ...]] = {
    "article": (("author",), ("title",), ("journal", "journaltitle"), ("year", "date")),
    "book": (("author", "editor"), ("title",), ("publisher",), ("year", "date")),
    "booklet": (("title",),),
    "inbook": (("author", "editor"), ("title",), ("chapter", "pages"), ("year", "date")),
    "incollection": (("author",), ("title",), ("booktitle",), ("year", "date")),
    "inproceedings": (("author",), ("title",), ("booktitle",), ("year", "date")),
    "conference": (("author",), ("title",), ("booktitle",), ("year", "date")),
    "manual": (("title",),),
    "mastersthesis": (("author",), ("title",), ("school",), ("year", "date")),
    "phdthesis": (("author",), ("title",), ("school",), ("year", "date")),
    "thesis": (("author",), ("title",), ("school", "institution"), ("year", "date")),
    "proceedings": (("title",), ("year", "date")),
    "techreport": (("author",), ("title",), ("institution",), ("year", "date")),
    "report": (("author",), ("title",), ("institution",), ("year", "date")),
    "unpublished": (("author",), ("title",)),
    "online": (("title",), ("url",)),
    "software": (("title",),),
    "dataset": (("title",),),
    "misc": (("title",),),
}
ROLES = frozenset({"lead"})
# Fields of BibTeX's and biblatex's data model, and bookkeeping every exporter writes: kept
# in the page's BibTeX (or dropped as bookkeeping) but not shown, and never reported unused.
STANDARD_FIELDS = frozenset(
    {
        *("address", "annote", "annotation", "author", "booktitle", "chapter", "edition"),
        *("editor", "key", "organization", "publisher", "school", "title", "institution"),
        *("subtitle", "titleaddon", "booksubtitle", "booktitleaddon", "maintitle", "location"),
        *("isbn", "issn", "isrn", "ismn", "language", "langid", "langidopts", "keywords"),
        *("abstract", "addendum", "pubstate", "urldate", "shorttitle", "shortjournal"),
        *("issue", "issuetitle", "origdate", "eventdate", "eventtitle", "venue", "version"),
        *("edition", "pagetotal", "numpages", "part", "related", "relatedtype", "xref"),
        *("ids", "entryset", "crossref", "xdata", "options", "sorttitle", "sortname"),
        *("sortkey", "presort", "indextitle", "label", "shortauthor", "shorthand"),
        *("primaryclass", "eprintclass", "mrclass", "mrreviewer", "copyright", "lccn"),
        *("collaboration", "reportnumber", "translator", "day", "author+an", "editor+an"),
        *("month", "year", "date", "journal", "journaltitle", "howpublished", "series"),
        *("number", "volume", "pages", "note", "type", "doi", "eprint", "url", "source"),
        *("document_type", "art_number", "author_keywords", "publication_stage", "assignee"),
        *("application", "orcid-numbers", "researcherid-numbers", "unique-id", "da"),
        *("advisor", "supervisor"),
    }
)
_LOOKS_LIKE_ADDRESS = re.compile(r"https?://|www\.", re.IGNORECASE)
# A command latex.py showed as written, not knowing it (``\sys``).
_SHOWN_COMMAND = re.compile(r"\\([A-Za-z@]+)")


@dataclass(frozen=True, slots=True)
class Checked:
    """What the rules look at: every record read, and the page's entries with owner marks."""

    records: Sequence[Record]
    entries: Sequence[Entry]


def _warning(record: Record | Entry, code: str, message: str) -> Diagnostic:
    return Diagnostic(Severity.WARNING, message, record.path, record.line, code)


def missing_fields(data: Checked) -> Iterator[Diagnostic]:
    """BibTeX's required fields per entry type (after crossref inheritance)."""
    for record in data.records:
        fields = record.fields
        for alternatives in REQUIRED_FIELDS.get(record.entry_type, ()):
            # A loop, not any() over a generator: this runs for every entry on every rebuild.
            for name in alternatives:
                if fields.get(name, "").strip():
                    break
            else:
                names = " or ".join(f'"{name}"' for name in alternatives)
                yield _warning(
                    record,
                    "missing-field",
                    f"@{record.entry_type}{{{record.key} has no {names}",
                )


def single_use_themes(data: Checked) -> Iterator[Diagnostic]:
    """A theme only one entry uses is often a typo of another theme."""
    users: dict[str, list[Entry]] = defaultdict(list)
    for entry in data.entries:
        for theme in entry.themes:
            users[theme].append(entry)
    if len(users) < 2:
        return
    for theme, entries in users.items():
        if len(entries) == 1:
            others = [name for name in users if name != theme]
            close = difflib.get_close_matches(theme, others, n=1, cutoff=0.6)
            hint = f'; did you mean "{close[0]}"?' if close else ""
            yield _warning(
                entries[0],
                "single-use-theme",
                f'theme "{theme}" is used by "{entries[0].key}" only{hint}',
            )


def annotation_positions(data: Checked) -> Iterator[Diagnostic]:
    """``author+an`` positions must name authors that exist."""
    annotated = [record for record in data.records if record.fields.get("author+an")]
    authors = {entry.key: len(entry.authors) for entry in data.entries} if annotated else {}
    for record in annotated:
        annotation = record.fields["author+an"]
        count = authors.get(record.key)
        if count is None:
            continue
        for position in sorted(equal_contribution_positions(annotation)):
            if not 1 <= position <= count:
                yield _warning(
                    record,
                    "annotation-range",
                    f'author+an of "{record.key}" marks author {position}, '
                    f"but there are {count} authors",
                )


def roles(data: Checked) -> Iterator[Diagnostic]:
    """``role`` is ``lead`` or absent."""
    for record in data.records:
        role = record.fields.get("role", "").strip()
        if role and role.lower() not in ROLES:
            yield _warning(
                record,
                "unknown-role",
                f'role "{role}" of "{record.key}" is not "lead"; it is ignored',
            )


def owner_papers_without_theme(data: Checked) -> Iterator[Diagnostic]:
    """When themes are used, the owner's papers should each have one."""
    if not any(entry.themes for entry in data.entries):
        return
    for entry in data.entries:
        is_owners = any(person.is_owner for person in entry.people)
        if entry.kind is Kind.PAPER and is_owners and not entry.themes:
            yield _warning(
                entry,
                "no-theme",
                f'"{entry.key}" has no theme, so it goes under the catch-all theme',
            )


def duplicate_papers(data: Checked) -> Iterator[Diagnostic]:
    """The same paper twice: same DOI, same arXiv id, or the same title but for punctuation.

    A preprint and its published version, or a conference paper and its journal version or
    thesis (different entry types), are versions of one paper: a note, not a warning.
    """
    first_seen: dict[tuple[str, str], Entry] = {}
    for entry in data.entries:
        if entry.kind is not Kind.PAPER:
            continue
        for identity in entry.identities:
            earlier = first_seen.setdefault(identity, entry)
            if earlier is entry:
                continue
            where = f'"{earlier.key}" ({earlier.path}:{earlier.line}): same {identity[0]}'
            if _are_versions(earlier, entry):
                message = f'"{entry.key}" looks like another version of {where}'
                yield Diagnostic(Severity.NOTE, message, entry.path, entry.line, "paper-versions")
            else:
                yield _warning(entry, "duplicate-paper", f'"{entry.key}" looks like {where}')
            break


def _are_versions(a: Entry, b: Entry) -> bool:
    return a.entry_type != b.entry_type or a.is_preprint != b.is_preprint


def fallback_labels(data: Checked) -> Iterator[Diagnostic]:
    """Papers whose label is the year alone, or made up from the venue's words: the user
    knows the venue's short name better (``abbr``, or a ``[venues]`` line for all of them)."""
    for entry in data.entries:
        if entry.kind is not Kind.PAPER:
            continue
        hint = 'add abbr = {…}, or a [venues] line to bibfolio.toml ("Full name" = "ABBR")'
        if entry.label_source == FROM_YEAR:
            # Without a venue the year is the right label; say so only where check is asked.
            severity = Severity.WARNING if entry.venue else Severity.NOTE
            venue = f'the venue "{entry.venue}"' if entry.venue else "no venue"
            message = f'"{entry.key}" is labelled by its year alone ({venue}); {hint}'
            yield Diagnostic(severity, message, entry.path, entry.line, "no-label")
        elif entry.label_source == FROM_VENUE_WORDS:
            message = (
                f'"{entry.key}" is labelled "{entry.label}", made from the venue '
                f'"{entry.venue}"; to change it, {hint}'
            )
            yield Diagnostic(Severity.NOTE, message, entry.path, entry.line, "guessed-label")


def unused_fields(data: Checked) -> Iterator[Diagnostic]:
    """Fields bibfolio neither shows nor keeps in the page's BibTeX, one note per name with
    its count, so that no link or identifier is lost without a word."""
    uses: dict[str, list[Record]] = defaultdict(list)
    for record in data.records:
        for name in record.fields:
            if not _is_known_field(name):
                uses[name].append(record)
    for name, records in sorted(uses.items()):
        first = records[0]
        links = any(_LOOKS_LIKE_ADDRESS.match(r.fields[name].strip()) for r in records)
        count = f"{len(records)} {'entry' if len(records) == 1 else 'entries'}"
        example = f' ({name} = "pdf", or "code", "url"…)' if links else ""
        message = (
            f'field "{name}" ({count}) {"holds links but " if links else ""}is not used; '
            f"to show it, map it to a field bibfolio reads in [fields] of bibfolio.toml{example}"
        )
        yield Diagnostic(Severity.NOTE, message, first.path, first.line, "unused-field")


def undefined_commands(data: Checked) -> Iterator[Diagnostic]:
    """Commands shown as written in titles, venues, names and notes (``\\sys``), one note per
    name with its count: the text is still shown, but a definition would show what it means."""
    uses: dict[str, list[Entry]] = defaultdict(list)
    for entry in data.entries:
        found = (_SHOWN_COMMAND.findall(text) for text in _shown_texts(entry) if "\\" in text)
        for name in dict.fromkeys(name for names in found for name in names):
            uses[name].append(entry)
    for name, entries in sorted(uses.items()):
        first = entries[0]
        count = f"{len(entries)} {'entry' if len(entries) == 1 else 'entries'}"
        message = (
            f'command "\\{name}" ({count}) is shown as written, as bibfolio does not know it; '
            f'define it in [macros] of bibfolio.toml ({name} = "…") or in an @preamble'
        )
        yield Diagnostic(Severity.NOTE, message, first.path, first.line, "undefined-command")


def _shown_texts(entry: Entry) -> Iterator[str]:
    """An entry's title (but its code and links), venue, note and names."""
    yield from (span.text for span in entry.title_spans if span.style not in ("code", "link"))
    yield entry.venue
    yield entry.note
    yield from (person.name for person in (*entry.authors, *entry.editors))


@lru_cache(maxsize=4096)  # a few field names recur on every entry
def _is_known_field(name: str) -> bool:
    return (
        name in STANDARD_FIELDS
        or name in SHOWN_FIELDS
        or name in BIBFOLIO_FIELDS
        or is_address_field(name)
    )


RULES: tuple[Callable[[Checked], Iterable[Diagnostic]], ...] = (
    missing_fields,
    fallback_labels,
    unused_fields,
    undefined_commands,
    single_use_themes,
    annotation_positions,
    roles,
    owner_papers_without_theme,
    duplicate_papers,
)


# Rules that only ever say a note: a build, which shows no notes, need not run them.
NOTE_RULES = frozenset({unused_fields, undefined_commands})


def check(
    bibliography: Bibliography, entries: Sequence[Entry], notes: bool = True
) -> tuple[Diagnostic, ...]:
    """Run every rule (but the ``NOTE_RULES`` without ``notes``); ``entries`` are the
    bibliography's entries with the owner marked."""
    data = Checked(bibliography.records, entries)
    rules = RULES if notes else [rule for rule in RULES if rule not in NOTE_RULES]
    return tuple(diagnostic for rule in rules for diagnostic in rule(data))
