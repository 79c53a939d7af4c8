"""Read .bib files into model entries, with diagnostics that name the file and line.

Each file is cut into chunks at the lines where a block starts (``@type{``); bibtexparser v2
splits each chunk into blocks, and bibfolio evaluates every value itself (macros and ``#``, see
``macros.py``), applies ``crossref``/``xdata`` inheritance across all files, decodes LaTeX for
display and builds ``Entry``s. Every entry block is either shown or reported: nothing is dropped
silently.

Chunks are what a ``Cache`` remembers parsed, by their text; entries are remembered by a digest
of their evaluated fields and the owner, so an unchanged entry is neither parsed nor decoded
again (see ``cache.py``).
"""

from __future__ import annotations

import bisect
import codecs
import hashlib
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cache import (
    EntryObjects,
    collecting_new_cycles,
    cyclic_gc_paused,
    entry_from_data,
    entry_to_data,
)
from .commands import (
    MAX_EXPANSIONS,
    MAX_LENGTH,
    NO_COMMANDS,
    Command,
    Commands,
    read_definitions,
    user_commands,
)
from .dates import entry_updated
from .errors import BibfolioError, Diagnostic, Severity
from .inputs import MAX_BIB_BYTES, read_bytes
from .labels import FROM_PREPRINT, NO_USER_VENUES, UserVenues, paper_label
from .latex import address_text, to_spans, to_unicode
from .links import (
    AssetBases,
    arxiv_id,
    doi_name,
    entry_links,
    is_address_field,
    preview_address,
)
from .macros import (
    MAX_TOTAL_LENGTH,
    MAX_VALUE_LENGTH,
    MONTH_MACROS,
    MacroState,
    ValueTooLong,
    evaluate_in,
    literal,
)
from .model import Entry, Kind, Person, Span, split_themes
from .names import OwnerMatcher, fold, parse_authors
from .parallel import split_work

if TYPE_CHECKING:
    from bibtexparser import model as bib

    from .cache import Cache

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
# Never copied from a crossref parent: they describe the parent itself (as do its links).
NOT_INHERITED = frozenset(
    {
        *("title", "subtitle", "author", "author+an", "crossref", "xref", "xdata", "ids"),
        *("entryset", "eprint", "archiveprefix", "eprinttype", "role", "selected", "abstract"),
        *("arxiv", "arxivid", "eid", "pages", "note", "additional_info", "award", "award_name"),
        *("pmid", "pubmed_id", "pubmed", "pmcid", "pmc", "mrnumber", "zbl", "zbmath", "doi"),
    }
)
# What a child's field is called when it comes from the parent's title (BibTeX/biblatex).
PARENT_TITLE_AS = "booktitle"
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
# bibtexparser reads "@commented{...}" (anything starting "@comment") as a comment.
_COMMENT_LOOKALIKE = re.compile(r"^@comment(\w+)\s*[{(]\s*([^,\s]*)", re.IGNORECASE)
_ENTRY_START = re.compile(r"@\s*(\w+)\s*[{(]\s*([^,\s{}()]*)")
# Where a chunk ends: before a line that starts a block ("@type{" or "@type(", after optional
# spaces). bibtexparser ends whatever block it is reading at such a line, so the text between
# two of them parses the same on its own as inside the whole file.
_CHUNK_BOUNDARY = re.compile(r"\n(?=[ \t]*@\w*[ \t]*[{(])")
_PERCENT_LINE = re.compile(r"[^\S\n]*%")
# The block a chunk starts with (see ``_readable``), and the marks that matter inside it
# (bibtexparser takes none after a backslash for one, nor do we).
_BLOCK_HEAD = re.compile(r"[ \t]*@[ \t]*(\w+)[ \t]*([{(])")
_BLOCK_MARKS = re.compile(r'(?<!\\)[{}()"%]')
# A double quote inside braces (after up to two levels of groups within them), not counting
# the ``\"`` of an accent: a block with one may need ``_readable``.
# ``(?=(X+))\1`` takes a whole run of X at once, never part of it (what ``X++`` does since
# Python 3.11): five times faster on text with many braces.
_QUOTE_IN_BRACES = re.compile(
    r'\{(?:(?=([^{}"]+))\1|(?<=\\)"|\{(?:(?=([^{}"]+))\2|(?<=\\)"|\{[^{}]*\})*\})*(?<!\\)"'
)
_SPACE = re.compile(r"\s*")

_TITLE_WORDS = re.compile(r"[^\W_]+")
_ARXIV_VERSION = re.compile(r"v\d+$")
_UNENDED_BLOCK_REASONS = ("Unexpected block start", "Unexpectedly reached end of file")
_FOUND_BLOCK_START = re.compile(r"found (?:a )?`?@")
# A number or macro name in a value, and the marks that open and close its other parts.
_BARE_PART = re.compile(r'[^\s"#%\'(),={}]*')
_DELIMITERS = re.compile(r'(?<!\\)[{}"]')  # as bibtexparser, none after a backslash
_UNENDED_BLOCK = 'it does not end before the next entry or the end of the file (a "}" missing?)'

# One block of a chunk as bibtexparser read it, in plain data (so a cache can keep it); lines
# count from 0 at the chunk's first line:
#   ("string", key, value, line)  ("entry", type, key, fields, line, repeated field names)
#   ("preamble", value, line)
#   ("failed", code, message, line)  ("explicit", raw, line)  ("implicit", raw, line)
#   ("comment", how its block starts, line): a "%" comment inside a block (see ``_readable``)
# where fields is {lower-case name: text} when no value read uses a macro (the first of
# repeated fields wins), else flat: lower-case name, text (if the value uses no macro, else
# None), value as written (if it does, else None), line; then the next field's four.
Item = tuple[Any, ...]


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
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


DEFAULT_READ_SETTINGS = ReadSettings.from_config()


@dataclass(frozen=True, slots=True)
class Record:
    """One entry block as written: its fields evaluated and inherited, still in LaTeX."""

    key: str
    entry_type: str
    fields: Mapping[str, str]
    path: Path
    line: int | None
    # Names what the fields were evaluated from when that alone decides them (a cached
    # chunk's entry, and what the macros it uses gave; nothing inherited); else "".
    source: str = ""


@dataclass(frozen=True, slots=True)
class Bibliography:
    """The entries read from one or more .bib files, and what was wrong with them.

    ``records`` holds every entry block read (shown or not); ``entries`` those on the page.
    """

    entries: tuple[Entry, ...]
    records: tuple[Record, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        """Diagnostics that make a strict build fail."""
        return tuple(d for d in self.diagnostics if d.severity is Severity.ERROR)


@dataclass(slots=True)
class _Reader:
    """State shared across the files of one build: macros, keys and records so far."""

    encoding: str
    owners: OwnerMatcher
    cache: Cache | None = None
    jobs: int = 1
    settings: ReadSettings = DEFAULT_READ_SETTINGS
    macros: dict[str, str] = field(default_factory=lambda: dict(MONTH_MACROS))
    # ``macros`` named by a hash of the @string definitions read so far, in order (made
    # anew by each definition, not for each of the many values that use a macro).
    macro_state: MacroState = field(init=False)
    records: dict[str, Record] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Where each undefined macro was used: (name, index of its diagnostic).
    undefined_uses: list[tuple[str, int]] = field(default_factory=list)
    # This build's evaluated fields, for a cache that lives on (see ``Cache.evaluated``).
    evaluated: dict[tuple[str, str], tuple[str, dict[str, str]]] = field(default_factory=dict)
    # The commands the @preamble blocks of every file define, in order (see ``commands.py``).
    preamble: dict[str, Command] = field(default_factory=dict)
    # How much text evaluating values has given so far (bounded: ``MAX_TOTAL_LENGTH``).
    evaluated_length: int = 0
    # The files read that have no entries: what to say, and whether they define anything.
    without_entries: list[tuple[Path, str, bool]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.macro_state = MacroState("", self.macros)

    def report(
        self, severity: Severity, code: str, message: str, path: Path, line: int | None
    ) -> None:
        self.diagnostics.append(Diagnostic(severity, message, path, line, code))

    def read(self, path: Path) -> None:
        text = read_text(path, self.encoding)
        chunks = split_chunks(text)
        texts = [chunk for _, chunk in chunks]
        digests = [chunk_digest(text) for text in texts] if self.cache is not None else None
        kinds: set[str] = set()
        for index, items in enumerate(self.parsed_chunks(texts, digests)):
            first_line, chunk = chunks[index]
            for number, item in enumerate(items):
                source = f"{digests[index]}.{number}" if digests else ""
                self.read_item(item, first_line, path, chunk, source)
                kinds.add(item[0])
        if not kinds & {"entry", "failed"}:
            defines = bool(kinds & {"string", "preamble"})
            message = "no entries in the file" + (
                ", only @string or @preamble definitions" if defines else ""
            )
            empty = "the file is empty: no entries to show"
            self.without_entries.append((path, message if text.strip() else empty, defines))

    def report_empty_files(self) -> None:
        """Warn of each file with no entries, unless it only defines macros or commands for
        the files with entries: an empty page, or a file left out of it, is no surprise."""
        for path, message, defines in self.without_entries:
            if not (defines and self.records):
                self.report(Severity.WARNING, "empty-file", message, path, None)

    def parsed_chunks(
        self, texts: Sequence[str], digests: Sequence[str] | None
    ) -> list[tuple[Item, ...]]:
        """Every chunk's items: from the cache when it has them, else parsed (runs of
        consecutive unknown chunks in one bibtexparser call, which is faster than one each)."""
        cache = self.cache
        parsed: list[tuple[Item, ...] | None] = (
            [cache.chunks.get(d) for d in digests] if cache and digests else [None] * len(texts)
        )
        missing = [index for index, items in enumerate(parsed) if items is None]

        def parse_part(start: int, stop: int) -> list[tuple[Item, ...]]:
            runs = _consecutive_runs(missing[start:stop])
            return [items for run in runs for items in parse_chunks(texts[run[0] : run[-1] + 1])]

        for index, items in zip(
            missing, split_work(parse_part, len(missing), self.jobs), strict=True
        ):
            parsed[index] = items
            if cache and digests:
                cache.chunks[digests[index]] = items
        return parsed  # type: ignore[return-value]  # every None was filled above

    def read_item(
        self, item: Item, first_line: int, path: Path, chunk: str, source: str = ""
    ) -> None:
        """Take in one block: define a macro, add a record, or report what went wrong."""
        kind, line = item[0], _absolute(item[-1] if item[0] != "entry" else item[4], first_line)
        if kind == "string":
            self.define(item[1].lower(), self.value(item[2], path, line, f"@string {item[1]}"))
        elif kind == "preamble":
            read_definitions(self.preamble_text(item[1], path, line), self.preamble)
        elif kind == "entry":
            _, entry_type, key, fields, _, repeated = item
            if repeated:
                # BibTeX warns about a repeated field and uses its first value; so do we.
                self.report(
                    Severity.WARNING,
                    "duplicate-field",
                    f'"{key}" repeats {", ".join(repeated)}; the first value is used',
                    path,
                    line,
                )
            self.add_record(entry_type, key, fields, first_line, path, line, chunk, source)
        elif kind == "failed":
            self.report(Severity.ERROR, item[1], item[2], path, line)
        elif kind == "explicit":
            self.check_explicit_comment(item[1], path, line)
        elif kind == "implicit":
            self.check_implicit_comment(item[1], path, line)
        elif kind == "comment":
            self.report(
                Severity.WARNING,
                "comment-in-entry",
                f'"%" starts a comment in {item[1]} only for biber: BibTeX cannot read the '
                "entry (bibfolio skips the rest of the line, as biber does)",
                path,
                line,
            )

    def check_implicit_comment(self, raw: str, path: Path, line: int | None) -> None:
        """Text between entries that still looks like one (``@ article{``, ``@article`` then a
        line break) was skipped by the parser although BibTeX reads it: report each."""
        for match in _ENTRY_START.finditer(raw):
            kind, key = match.groups()
            self.report(
                Severity.WARNING,
                "skipped-block",
                f"@{kind}{{{key} was not read (BibTeX would read it); write it as "
                f"@{kind}{{{key}, ...}} with no space or line break after @{kind}",
                path,
                None if line is None else line + raw[: match.start()].count("\n"),
            )

    def check_explicit_comment(self, raw: str, path: Path, line: int | None) -> None:
        """Report an ``@commentXYZ{`` entry, which the parser takes for an ``@comment``."""
        lookalike = _COMMENT_LOOKALIKE.match(raw.lstrip())
        if lookalike:
            kind, key = lookalike.groups()
            self.report(
                Severity.WARNING,
                "ignored-block",
                f"@comment{kind}{{{key} is read as a comment and not shown; "
                "use another entry type to show it",
                path,
                line,
            )

    def define(self, name: str, value: str) -> None:
        """Define (or redefine) a macro, and name the new set of macros."""
        self.macros[name] = value
        chain = "\0".join((self.macro_state.key, name, value))
        key = hashlib.blake2b(chain.encode(), digest_size=16).hexdigest()
        self.macro_state = MacroState(key, self.macros)

    def preamble_text(self, raw: str, path: Path, line: int | None) -> str:
        """A preamble's value, evaluated as a field's is; one not written as a value
        (``@preamble{\\def\\x{y}}``, which BibTeX refuses) is taken as it is."""
        if literal(raw) is None and raw.lstrip().startswith("\\"):
            return raw
        return self.value(raw, path, line, "@preamble")

    def value(self, raw: str, path: Path, line: int | None, what: str) -> str:
        """A value evaluated with the macros so far; ``what`` names it in an error."""
        try:
            result = evaluate_in(raw, self.macro_state)
        except ValueTooLong as error:
            raise BibfolioError(
                f"{what} is {error.args[0]:,} characters long with its macros expanded, over "
                f"the limit of {MAX_VALUE_LENGTH:,}: does a macro repeat another?",
                path,
                line,
            ) from None
        self.evaluated_length += len(result.text)
        if self.evaluated_length > MAX_TOTAL_LENGTH:
            raise BibfolioError(
                f"the values read so far are over {MAX_TOTAL_LENGTH:,} characters long with "
                f"their macros expanded, at {what}: does each macro add to the last, or is a "
                "long one used too often?",
                path,
                line,
            )
        for name in result.undefined:
            self.undefined_uses.append((name.lower(), len(self.diagnostics)))
            self.report(
                Severity.WARNING,
                "undefined-macro",
                f'undefined macro "{name}" (BibTeX reads it as empty)',
                path,
                line,
            )
        return result.text

    def add_record(
        self,
        entry_type: str,
        key: str,
        written_fields: dict[str, str] | tuple[str | int | None, ...],
        first_line: int,
        path: Path,
        line: int | None,
        chunk: str,
        source: str = "",
    ) -> None:
        previous = self.records.get(key)
        if previous is not None:
            self.report(
                Severity.ERROR,
                "duplicate-key",
                f'duplicate key "{key}" (first used at {previous.path}:{previous.line}); '
                "rename one of them",
                path,
                line,
            )
            return
        if not key.strip():
            self.report(
                Severity.WARNING,
                "missing-key",
                f"@{entry_type} entry has no key; give it one so it can be cited",
                path,
                line,
            )
        if line is not None and _starts_with_percent(chunk, line - 1 - first_line):
            self.report(
                Severity.WARNING,
                "percent-comment",
                f'entry "{key}" is on a line starting with "%", but BibTeX has no '
                "comments outside entries and reads it; delete it to leave it out",
                path,
                line,
            )
        if isinstance(written_fields, dict):  # evaluated when parsed: no value uses a macro
            self.records[key] = Record(key, entry_type.lower(), written_fields, path, line, source)
            return
        # serve keeps what evaluating gave, by chunk item and macros (``Cache.evaluated``).
        memo = self.cache.evaluated if self.cache is not None and source else None
        memo_key = (source, self.macro_state.key)
        found = memo.get(memo_key) if memo is not None else None
        if found is None:
            reported = len(self.diagnostics)
            found = self.evaluate(written_fields, first_line, path, line, source)
            if len(self.diagnostics) > reported:  # an undefined macro: report it every time
                memo = None
        if memo is not None:
            self.evaluated[memo_key] = found
        source, fields = found
        self.records[key] = Record(key, entry_type.lower(), fields, path, line, source)

    def evaluate(
        self,
        written_fields: tuple[str | int | None, ...],
        first_line: int,
        path: Path,
        line: int | None,
        source: str,
    ) -> tuple[str, dict[str, str]]:
        """An entry's fields as written (name, text or None, value, line, ...) evaluated
        with the macros defined so far, and its source named by what they gave."""
        fields: dict[str, str] = {}
        evaluated: list[str] = []
        each: Iterator[Any] = iter(written_fields)
        for name, text, value, field_line in zip(each, each, each, each, strict=True):
            if name in fields:  # the first of repeated fields wins
                continue
            if text is None:
                text = self.value(
                    value, path, _absolute(field_line, first_line) or line, f'"{name}"'
                )
                evaluated.append(text)
            fields[name] = text
        # The fields follow from the chunk and what its macros gave (not from every macro
        # defined before it: a @string added above changes no entry that does not use it).
        if source:
            source = f"{source}@{_texts_digest(tuple(evaluated))}"
        return source, fields

    def explain_late_macros(self) -> None:
        """An "undefined" macro that a later @string defines was used too early: say so."""
        for name, index in self.undefined_uses:
            if name in self.macros:
                self.diagnostics[index] = replace(
                    self.diagnostics[index],
                    message=f'macro "{name}" is used before its @string definition (BibTeX '
                    "reads it as empty); move the definition up",
                )

    def inherit(self) -> None:
        """Fill each record's missing fields from its ``crossref`` and ``xdata`` parents."""
        by_lower_key = {key.lower(): record for key, record in self.records.items()}
        for key, record in list(self.records.items()):
            if "xdata" not in record.fields and "crossref" not in record.fields:
                continue
            parents = [
                ("xdata", name.strip()) for name in record.fields.get("xdata", "").split(",")
            ]
            parents.append(("crossref", record.fields.get("crossref", "").strip()))
            fields = dict(record.fields)
            for relation, parent_key in parents:
                if not parent_key:
                    continue
                parent = by_lower_key.get(parent_key.lower())
                if parent is None:
                    self.report(
                        Severity.WARNING,
                        "missing-parent",
                        f'{relation} "{parent_key}" of "{key}" is not in the .bib files',
                        record.path,
                        record.line,
                    )
                    continue
                for name, value in _inherited_fields(parent, relation).items():
                    fields.setdefault(name, value)
            if fields != record.fields:
                self.records[key] = Record(key, record.entry_type, fields, record.path, record.line)

    def entries(self) -> list[Entry]:
        """The records shown on the page; the others are reported as notes."""
        parents = {
            record.fields.get("crossref", "").strip().lower() for record in self.records.values()
        }
        shown = []
        for record in self.records.values():
            reason = _not_shown_reason(record, parents)
            if reason:
                self.report(Severity.NOTE, "not-shown", reason, record.path, record.line)
                continue
            if record.entry_type not in KNOWN_TYPES:
                self.report(
                    Severity.WARNING,
                    "unknown-type",
                    f'unknown entry type "@{record.entry_type}" for "{record.key}"; '
                    "shown as a paper",
                    record.path,
                    record.line,
                )
            shown.append(record)
        return self.to_entries(shown)

    def to_entries(self, records: list[Record]) -> list[Entry]:
        """The records as entries: from the cache by digest, the others decoded (in parallel
        when there are many) and added to it."""
        settings = self.settings.with_preamble(self.preamble)
        digests = [
            self.owners.digest(f"{r.source or record_digest(r)}+{settings.key}") for r in records
        ]
        table = self.cache.entries if self.cache is not None else {}
        missing = [index for index, digest in enumerate(digests) if digest not in table]
        # What this process decodes itself it keeps as is; workers send plain data.
        decoded: dict[int, tuple[Entry, list[tuple[str, str]]]] = {}

        def decode_part(start: int, stop: int) -> list[tuple[Any, ...]]:
            with collecting_new_cycles():
                for index in missing[start:stop]:
                    decoded[index] = build_entry(
                        records[index], self.owners, digests[index], settings
                    )
            return [entry_to_data(*decoded[index]) for index in missing[start:stop]]

        for index, data in zip(
            missing, split_work(decode_part, len(missing), self.jobs), strict=True
        ):
            table[digests[index]] = data
        entries = []
        # In a cache that lives on (serve's), the last build's entry objects, kept anew.
        memo = self.cache.objects if self.cache is not None else None
        kept: EntryObjects = {}
        for index, (record, digest) in enumerate(zip(records, digests, strict=True)):
            found = decoded.get(index) or _cached_entry(table, digest, record, memo)
            if memo is not None:
                kept[(digest, record.path, record.line)] = found
            entry, problems = found
            for code, message in problems:
                self.report(Severity.WARNING, code, message, record.path, record.line)
            entries.append(entry)
        if self.cache is not None and memo is not None:
            self.cache.objects = kept
        return entries


def _cached_entry(
    table: Mapping[str, tuple[Any, ...]],
    digest: str,
    record: Record,
    memo: EntryObjects | None,
) -> tuple[Entry, list[tuple[str, str]]]:
    """A cached entry: the last build's object when at hand, else made from the cache's data
    (read either way: the cache keeps what a build read)."""
    data = table[digest]
    found = memo.get((digest, record.path, record.line)) if memo else None
    return found or entry_from_data(data, record.path, record.line, digest)


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


@lru_cache(maxsize=4096)
def _texts_digest(texts: tuple[str, ...]) -> str:
    """A hash of what an entry's macros gave (entries repeat them: ``booktitle = osdi``)."""
    return hashlib.blake2b("\0".join(texts).encode(), digest_size=16).hexdigest()


def record_digest(record: Record) -> str:
    """A hash of what a record's entry is made of: its type, key and evaluated fields."""
    source = repr((record.entry_type, record.key, tuple(record.fields.items())))
    return hashlib.blake2b(source.encode(), digest_size=16).hexdigest()


def load(
    paths: Iterable[Path],
    encoding: str = "utf-8",
    owners: Sequence[Person] = (),
    cache: Cache | None = None,
    jobs: int = 1,
    settings: ReadSettings = DEFAULT_READ_SETTINGS,
) -> Bibliography:
    """Read the .bib files in order; macros and crossref targets are shared between them.

    Authors matching ``owners`` are marked as the owner. With a ``cache``, chunks and entries
    it has seen are taken from it, and what is new is added to it. Parsing and decoding what
    is new may use up to ``jobs`` processes.
    """
    reader = _Reader(encoding, OwnerMatcher(owners), cache, jobs, settings)
    with cyclic_gc_paused():
        for path in paths:
            reader.read(path)
        reader.explain_late_macros()
        reader.report_empty_files()
        reader.inherit()
        entries = reader.entries()
    if cache is not None and cache.evaluated is not None:  # kept anew, as ``objects`` are
        cache.evaluated = reader.evaluated
    return Bibliography(tuple(entries), tuple(reader.records.values()), tuple(reader.diagnostics))


def read_text(path: Path, encoding: str) -> str:
    """Read a file as text, turning I/O and decoding failures into one-line errors.

    A UTF-16 or UTF-32 byte-order mark is read as such when no other encoding is given
    (Windows tools save .bib files so). Text with NUL characters from bytes that look like
    UTF-16 or UTF-32 is refused, naming the encoding: read in a one-byte encoding, such a
    file gave a page without entries."""
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise BibfolioError(f'unknown encoding "{encoding}"', path) from None
    data = read_bytes(path, MAX_BIB_BYTES)
    marked = _marked_encoding(data)
    if codec == "utf-8" and marked:  # utf-16 and utf-32 take their byte order from the mark
        encoding = codec = marked
    try:
        # utf-8-sig also accepts files without a byte-order mark.
        text = data.decode("utf-8-sig" if codec == "utf-8" else codec)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        wide = _wide_encoding(data)
        hint = "; if the file is Latin-1, pass --encoding latin-1" if codec == "utf-8" else ""
        if wide and wide != codec:
            hint = f"; it looks like {wide.upper()}: pass --encoding {wide}"
        raise BibfolioError(
            f"not valid {encoding} (byte 0x{data[error.start]:02x}){hint}", path, line
        ) from None
    except (LookupError, UnicodeError) as error:  # not a text codec (hex, rot13), punycode, ...
        raise BibfolioError(f'cannot decode as "{encoding}": {error}', path) from None
    if "\0" in text:  # a few may be a value's; text made of them is wide text misread
        wide = _wide_encoding(data)
        if wide and wide != codec:
            line = text.count("\n", 0, text.index("\0")) + 1
            raise BibfolioError(
                f"not text in {encoding}: it has NUL characters; it looks like {wide.upper()}: "
                f"pass --encoding {wide}",
                path,
                line,
            )
    return text


def _marked_encoding(data: bytes) -> str | None:
    """``utf-32`` or ``utf-16`` when the data starts with one of their byte-order marks
    (UTF-32's little-endian mark starts with UTF-16's: it is looked for first)."""
    if data[:4] in (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE):
        return "utf-32"
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-16"
    return None


def _wide_encoding(data: bytes) -> str | None:
    """The encoding of text that seems to be UTF-16 or UTF-32: by its byte-order mark, or
    (without one) three in four of its odd or even bytes being 0, as in UTF-16 of Latin
    text; else None."""
    wide = _marked_encoding(data)
    if wide is None and len(data) >= 2:
        if data[1::2].count(0) * 4 >= len(data) // 2 * 3:
            wide = "utf-16-le"
        elif data[0::2].count(0) * 4 >= len(data) // 2 * 3:
            wide = "utf-16-be"
    return wide


def clean_bibtex(record: Record) -> str:
    """The entry as others should cite it: macros expanded, crossref fields included,
    bibfolio's own fields and co-first ``*`` marks removed."""
    lines = [f"@{record.entry_type}{{{record.key},"]
    for name, value in record.fields.items():
        if name in BIBFOLIO_FIELDS or not value.strip():
            continue
        if name in ("author", "editor"):
            value = _STAR_MARK.sub("", value)
        lines.append(f"  {name} = {{{value}}},")
    lines.append("}")
    return "\n".join(lines)


def _inherited_fields(parent: Record, relation: str) -> dict[str, str]:
    """The fields a child takes from a parent: all but the parent's own identity and links.

    Through ``crossref`` the parent's title becomes the child's ``booktitle``, as in BibTeX's
    conventions for @inproceedings in @proceedings; ``xdata`` parents give their fields as is.
    """
    fields = {
        k: v for k, v in parent.fields.items() if k not in NOT_INHERITED and not is_address_field(k)
    }
    if relation == "crossref" and parent.fields.get("title"):
        fields.setdefault(PARENT_TITLE_AS, parent.fields["title"])
    return fields


def _not_shown_reason(record: Record, crossref_parents: set[str]) -> str | None:
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


def _starts_with_percent(chunk: str, index: int) -> bool:
    """Whether line ``index`` (from 0) of ``chunk`` starts with "%", blanks aside. Entries
    mostly start their chunk's first line; the lines before are skipped, never split."""
    if "%" not in chunk:
        return False
    start = 0
    for _ in range(index):
        start = chunk.find("\n", start) + 1
        if not start:
            return False
    return _PERCENT_LINE.match(chunk, start) is not None


def split_chunks(text: str) -> list[tuple[int, str]]:
    """Cut a file's text before every line that starts a block: (first line, from 0; text)."""
    chunks = []
    line = 0
    for chunk in _CHUNK_BOUNDARY.split(text):
        chunks.append((line, chunk))
        line += chunk.count("\n") + 1
    return chunks


def chunk_digest(text: str) -> str:
    """The key under which a chunk's parsed items are cached."""
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def parse_chunks(chunks: Sequence[str]) -> list[tuple[Item, ...]]:
    """Parse consecutive chunks of one file with one bibtexparser call; items per chunk."""
    starts = []
    line = 0
    for chunk in chunks:
        starts.append(line)
        line += chunk.count("\n") + 1
    items: list[list[Item]] = [[] for _ in chunks]
    # bibtexparser loads here: a build whose chunks are all cached never needs it.
    from bibtexparser.entrypoint import parse_string

    readable = [_readable(chunk) for chunk in chunks]
    text = "\n".join(chunk for chunk, _ in readable)
    blocks = parse_string(text, parse_stack=[]).blocks
    for block, line in zip(blocks, _block_lines(text, blocks), strict=True):
        index = bisect.bisect_right(starts, line) - 1
        item = _item(block, line - starts[index])
        if item is not None:
            items[index].append(item)
    for chunk_items, (chunk, comments) in zip(items, readable, strict=True):
        chunk_items.extend(("comment", _block_head(chunk), line) for line in comments)
    return [tuple(chunk_items) for chunk_items in items]


def _readable(chunk: str) -> tuple[str, list[int]]:
    """The chunk as bibtexparser should be given it, and the lines (from its first) of the
    comments taken out of its block. Both changes keep the text's length and lines.

    - A quoted value that holds a ``"`` inside braces is written in braces instead
      (``"a {"b"} c"`` as ``{a {"b"} c}``, the same text to BibTeX): BibTeX ends a quoted
      value at the first ``"`` outside braces, bibtexparser 2.1 at any ``"`` but ``{"}``
      (python-bibtexparser issue #487), so it would cut the value short and read the rest
      as more fields, or fail (as on a remark in TeX Live's texbook2.bib).
    - A ``%`` outside values comments out the rest of its line, as biber reads it (BibTeX
      has no comments and fails there): bibtexparser would read ``%volume = {7}`` as a
      field, and a comment line without "=" as part of the next field's name.
    """
    head = _BLOCK_HEAD.match(chunk) if '"' in chunk or "%" in chunk else None
    if head is None or head.group(1).lower() in ("comment", "preamble"):
        return chunk, []  # a chunk starts with its one block, if it has one
    body = head.end()
    if chunk.find("%", body) < 0 and not _QUOTE_IN_BRACES.search(chunk, body):
        return chunk, []
    closing = "}" if head.group(2) == "{" else ")"
    chars = list(chunk)
    comments: list[int] = []
    depth = 0  # braces open in the block's body
    opened = -1  # where the quoted value being read opened, if one is
    quote_in_braces = False
    at = body
    while (mark := _BLOCK_MARKS.search(chunk, at)) is not None:
        char, at = mark.group(), mark.end()
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                break  # the block's end, or a stray "}" (in a quoted value: leave the rest)
            depth -= 1
        elif char == '"':
            if depth > 0:
                quote_in_braces = quote_in_braces or opened >= 0
            elif opened < 0:
                opened, quote_in_braces = mark.start(), False
            else:
                if quote_in_braces:
                    chars[opened], chars[mark.start()] = "{", "}"
                opened = -1
        elif char == "%":
            if depth == 0 and opened < 0:
                at = _line_end(chunk, at)
                chars[mark.start() : at] = " " * (at - mark.start())
                comments.append(chunk.count("\n", 0, at))
        elif char == closing and depth == 0 and opened < 0:
            break  # the ")" ending a block opened with "("
    return "".join(chars), comments


def _line_end(text: str, at: int) -> int:
    end = text.find("\n", at)
    return len(text) if end < 0 else end


def _block_lines(text: str, blocks: Sequence[bib.Block]) -> list[int]:
    """Each block's first line (from 0) in ``text``, found where its text is.

    bibtexparser counts a line break only when no backslash comes right before it, so after
    a line ending in LaTeX's ``\\`` it places every later block a line too early (and in a
    run of chunks, into the chunk before its own)."""
    lines = []
    position = line = 0  # where the last block ended, and its line
    for block in blocks:
        raw = block.raw or ""
        found = _after_space(text, position)
        if not text.startswith(raw, found):  # not right after the last one (and spaces)
            found = text.find(raw, position) if raw else -1
        if found < 0:  # not expected: where the last block ended
            lines.append(line)
            continue
        line += text.count("\n", position, found)
        lines.append(line)
        line += raw.count("\n")
        position = found + len(raw)
    return lines


def _item(block: bib.Block, line: int) -> Item | None:
    """A block in plain data (see ``Item``), starting at ``line`` of its chunk."""
    from bibtexparser import model as bib

    repeated: tuple[str, ...] = ()
    if isinstance(block, bib.DuplicateFieldKeyBlock) and block.ignore_error_block:
        repeated = tuple(sorted(block.duplicate_keys))
        block = block.ignore_error_block
    elif isinstance(block, bib.DuplicateBlockKeyBlock) and block.ignore_error_block:
        # Reported when the records meet (with where the key was first used), and the same
        # way whether the two blocks were parsed together or not.
        block = block.ignore_error_block
    if isinstance(block, bib.Entry):
        # Interned names are stored once in the cache however many entries use them.
        names = [sys.intern(f.key.lower()) for f in block.fields]
        texts = [literal(f.value) for f in block.fields]
        # One "=" per field, unless a value holds more: maybe the next field, run into.
        if (block.raw or "").count("=") > len(texts):
            for f in block.fields:
                junk = _after_value(f.value) if "=" in f.value else None
                if junk is not None:
                    return ("failed", "syntax-error", *_run_on_value(block, f, junk, line))
        fields: dict[str, str] | tuple[Any, ...] | None = _evaluated(names, texts)
        if fields is None:  # a value uses a macro: keep how each was written, and where
            offsets = _field_offsets(block)
            fields = tuple(
                part
                for name, text, f, offset in zip(names, texts, block.fields, offsets, strict=True)
                for part in (name, text, None if text is not None else f.value, line + offset)
            )
        return ("entry", sys.intern(block.entry_type), block.key, fields, line, repeated)
    if isinstance(block, bib.String):
        return ("string", block.key, block.value, line)
    if isinstance(block, bib.Preamble):
        return ("preamble", block.value, line)
    if isinstance(block, bib.ParsingFailedBlock):
        message, stopped = _failure(block)
        return ("failed", "syntax-error", message, line + stopped)
    if isinstance(block, bib.ExplicitComment):
        return ("explicit", block.raw or "", line)
    if isinstance(block, bib.ImplicitComment):
        return ("implicit", block.raw or "", line)
    return None


def _field_offsets(entry: bib.Entry) -> list[int]:
    """How many lines below the entry's first line each field's ``=`` is (where bibtexparser
    says a field starts), counted in its text: see ``_block_lines`` for why."""
    counted = [(f.start_line or 0) - (entry.start_line or 0) for f in entry.fields]
    raw = entry.raw or ""
    if "\\\n" not in raw:
        return counted  # nothing that count missed
    offsets: list[int] = []
    position = raw.find(",") + 1  # after the entry's key
    for f in entry.fields:
        key = raw.find(f.key, position)
        equals = raw.find("=", key + len(f.key)) if key >= 0 else -1
        value = raw.find(f.value, equals) if equals >= 0 else -1
        if value < 0:  # not expected: the rest as bibtexparser counted
            return [*offsets, *counted[len(offsets) :]]
        offsets.append(raw.count("\n", 0, equals))
        position = value + len(f.value)
    return offsets


def _evaluated(names: Sequence[str], texts: Sequence[str | None]) -> dict[str, str] | None:
    """The fields as name → text, if no value read uses a macro (a text is None when its
    value does); the first of repeated fields wins, as in BibTeX."""
    evaluated: dict[str, str] = {}
    for name, text in zip(names, texts, strict=True):
        if name not in evaluated:
            if text is None:
                return None
            evaluated[name] = text
    return evaluated


def _absolute(line: int | None, first_line: int) -> int | None:
    """A chunk's line (from 0) as people count it in the file (from 1)."""
    return None if line is None else line + first_line + 1


def _consecutive_runs(indexes: list[int]) -> Iterable[list[int]]:
    """``[1, 2, 3, 7, 8]`` as ``[1, 2, 3]``, ``[7, 8]``."""
    run: list[int] = []
    for index in indexes:
        if run and index != run[-1] + 1:
            yield run
            run = []
        run.append(index)
    if run:
        yield run


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


def _failure(block: bib.ParsingFailedBlock) -> tuple[str, int]:
    """What went wrong with a block bibtexparser could not read, and how many lines below
    its first it stopped (where the trouble is; for a block that does not end, its start)."""
    from bibtexparser.exceptions import BlockAbortedException

    raw = block.raw or ""
    error = block.error
    reason = error.abort_reason if isinstance(error, BlockAbortedException) else str(error)
    stopped = raw.count("\n")  # the block's text runs up to where reading stopped
    if reason.startswith(_UNENDED_BLOCK_REASONS) or _FOUND_BLOCK_START.search(reason):
        # bibtexparser names what it met instead (the next entry, or the end of the text it
        # was given); a chunk is parsed without what follows it, so say what is true of both.
        reason, stopped = _UNENDED_BLOCK, 0
    # One line, whatever text bibtexparser quotes (a "key" may hold a line break).
    reason = " ".join(reason.split()).rstrip(".") or "syntax error"
    return f"cannot read {_block_head(raw)}: {reason}", stopped


def _block_head(raw: str) -> str:
    """How a block starts (``@misc{key``), to name it in a message."""
    return raw.split(",", 1)[0].split("\n", 1)[0].strip()


def _after_value(value: str) -> int | None:
    """Where in a value as bibtexparser read it (up to the next comma outside braces) text
    follows that is no part of a BibTeX value (parts in braces or quotes, numbers and macro
    names, joined by ``#``): the next field, when a comma is missing. None if there is none,
    or if braces or quotes do not close (left to the parser's own errors)."""
    at = 0
    while True:
        at = _after_space(value, at)
        if at == len(value):
            return None
        if value[at] in '{"':
            end = _closing(value, at)
            if end is None:
                return None
        else:
            end = _BARE_PART.match(value, at).end()  # type: ignore[union-attr]  # matches ""
            if end == at:
                return at
        at = _after_space(value, end)
        if at == len(value):
            return None
        if value[at] != "#":
            return at
        at += 1


def _after_space(text: str, at: int) -> int:
    """Where the white space from ``at`` on ends."""
    return _SPACE.match(text, at).end()  # type: ignore[union-attr]  # "\s*" always matches


def _closing(value: str, at: int) -> int | None:
    """Just after the brace or quote closing the one at ``at`` (braces inside counted)."""
    depth = 0
    for mark in _DELIMITERS.finditer(value, at + 1):
        char = mark.group()
        if char == "{":
            depth += 1
        elif char == "}" and depth > 0:
            depth -= 1
        elif depth == 0 and char == ("}" if value[at] == "{" else '"'):
            return mark.end()
    return None


def _run_on_value(entry: bib.Entry, run_on: bib.Field, junk: int, line: int) -> tuple[str, int]:
    """The message for a value followed by text that is not part of it, and that text's line."""
    raw = entry.raw or ""
    found = raw.find(run_on.value)
    offset = raw.count("\n", 0, found + junk) if found >= 0 else 0
    rest = run_on.value[junk:].split("\n", 1)[0].strip()
    message = (
        f'cannot read {_block_head(raw)}: "," missing after the value of "{run_on.key}" '
        f'(it runs on into "{rest}")'
    )
    return message, line + offset
