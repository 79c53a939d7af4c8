"""Read .bib files into model entries, with diagnostics that name the file and line.

bibtexparser v2 splits the file into blocks; bibfolio then evaluates every value itself
(macros and ``#``, see ``macros.py``), decodes LaTeX for display and builds ``Entry``s.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bibtexparser import model as bib
from bibtexparser.entrypoint import parse_string
from bibtexparser.exceptions import BlockAbortedException

from .errors import BibfolioError, Diagnostic, Severity
from .labels import paper_label
from .latex import to_unicode
from .links import entry_links
from .macros import MONTH_MACROS, evaluate
from .model import Entry, Kind
from .names import parse_authors

PROJECT_TYPES = frozenset({"software"})
# Where the venue of a paper is written, most specific first.
VENUE_FIELDS: tuple[str, ...] = ("journal", "booktitle", "howpublished", "school", "institution")
# Fields holding addresses: never LaTeX-decoded, since "~" and "%" mean something in a URL.
ADDRESS_FIELDS = frozenset({"url", "pdf", "code", "slides", "video", "poster", "website", "doi"})
# The fields the model uses; only these are decoded (authors are decoded name by name).
SHOWN_FIELDS = ADDRESS_FIELDS | {
    *VENUE_FIELDS,
    *("title", "year", "month", "abbr", "theme", "role", "selected", "author+an"),
    *("eprint", "archiveprefix", "eprinttype"),
}
TRUE_WORDS = frozenset({"true", "yes", "1"})
_MONTHS = {name.lower(): number for number, name in enumerate(MONTH_MACROS.values(), start=1)}
_YEAR = re.compile(r"\d{4}")
_ESCAPED_URL_CHAR = re.compile(r"\\([_%&#~$])")


@dataclass(frozen=True, slots=True)
class Bibliography:
    """The entries read from one or more .bib files, and what was wrong with them."""

    entries: tuple[Entry, ...]
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        """Diagnostics that make a strict build fail."""
        return tuple(d for d in self.diagnostics if d.severity is Severity.ERROR)


@dataclass(slots=True)
class _Reader:
    """State shared across the files of one build: macros and keys seen so far."""

    encoding: str
    macros: dict[str, str] = field(default_factory=lambda: dict(MONTH_MACROS))
    keys: dict[str, tuple[Path, int]] = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def warn(self, message: str, path: Path, line: int | None) -> None:
        self.diagnostics.append(Diagnostic(Severity.WARNING, message, path, line))

    def fail(self, message: str, path: Path, line: int | None) -> None:
        self.diagnostics.append(Diagnostic(Severity.ERROR, message, path, line))

    def read(self, path: Path) -> None:
        text = read_text(path, self.encoding)
        library = parse_string(text, parse_stack=[])
        for block in library.blocks:
            line = _line(block)
            if isinstance(block, bib.String):
                self.macros[block.key.lower()] = self.value(block.value, path, line)
            elif isinstance(block, bib.Entry):
                self.add_entry(block, path, line)
            elif isinstance(block, bib.ParsingFailedBlock):
                self.fail(_failure_message(block), path, line)

    def value(self, raw: str, path: Path, line: int | None) -> str:
        result = evaluate(raw, self.macros)
        for name in result.undefined:
            self.warn(f'undefined macro "{name}" (BibTeX reads it as empty)', path, line)
        return result.text

    def add_entry(self, block: bib.Entry, path: Path, line: int | None) -> None:
        if block.key in self.keys:
            first_path, first_line = self.keys[block.key]
            self.fail(
                f'duplicate key "{block.key}" (first used at {first_path}:{first_line}); '
                "rename one of them",
                path,
                line,
            )
            return
        self.keys[block.key] = (path, line or 0)
        fields = {f.key.lower(): self.value(f.value, path, _line(f) or line) for f in block.fields}
        self.entries.append(self.to_entry(block.key, block.entry_type.lower(), fields, path, line))

    def to_entry(
        self, key: str, entry_type: str, fields: Mapping[str, str], path: Path, line: int | None
    ) -> Entry:
        shown = {k: _display_text(k, v) for k, v in fields.items() if k in SHOWN_FIELDS}
        kind = Kind.PROJECT if entry_type in PROJECT_TYPES else Kind.PAPER
        title = shown.get("title", "")
        if not title:
            self.warn(f'entry "{key}" has no title; showing its key instead', path, line)
            title = key
        year = self.year(shown.get("year", ""), path, line)
        links = entry_links(shown)
        for kind_name, address in links.refused:
            self.warn(f'{kind_name} "{address}" is not a safe link; left out', path, line)
        authors = parse_authors(fields.get("author", ""), shown.get("author+an", ""))
        venue = next((shown[name] for name in VENUE_FIELDS if shown.get(name)), "")
        label = (
            title
            if kind is Kind.PROJECT
            else paper_label(
                shown.get("abbr", ""), venue, year, has_eprint=bool(shown.get("eprint"))
            )
        )
        return Entry(
            key=key,
            kind=kind,
            entry_type=entry_type,
            title=title,
            label=label or title,
            authors=authors.people,
            et_al=authors.et_al,
            year=year,
            month=_month(shown.get("month", "")),
            venue=venue,
            theme=shown.get("theme") or None,
            is_lead=shown.get("role", "").lower() == "lead",
            selected=shown.get("selected", "").lower() in TRUE_WORDS,
            links=links.links,
            url=links.primary,
            path=path,
            line=line,
        )

    def year(self, text: str, path: Path, line: int | None) -> int | None:
        if not text:
            return None
        match = _YEAR.search(text)
        if match is None:
            self.warn(f'year "{text}" has no four-digit year; ignored', path, line)
            return None
        return int(match.group())


def load(paths: Iterable[Path], encoding: str = "utf-8") -> Bibliography:
    """Read the .bib files in order; macros defined in one are visible in the next."""
    reader = _Reader(encoding)
    for path in paths:
        reader.read(path)
    return Bibliography(tuple(reader.entries), tuple(reader.diagnostics))


def read_text(path: Path, encoding: str) -> str:
    """Read a file as text, turning I/O and decoding failures into one-line errors."""
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise BibfolioError(f'unknown encoding "{encoding}"', path) from None
    try:
        data = path.read_bytes()
    except OSError as error:
        raise BibfolioError(f"cannot read file: {error.strerror}", path) from None
    try:
        # utf-8-sig also accepts files without a byte-order mark.
        text = data.decode("utf-8-sig" if codec == "utf-8" else codec)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        hint = "; if the file is Latin-1, pass --encoding latin-1" if codec == "utf-8" else ""
        raise BibfolioError(
            f"not valid {encoding} (byte 0x{data[error.start]:02x}){hint}", path, line
        ) from None
    except (LookupError, UnicodeError) as error:  # not a text codec (hex, rot13), punycode, ...
        raise BibfolioError(f'cannot decode as "{encoding}": {error}', path) from None
    return text


def _line(item: bib.Block | bib.Field) -> int | None:
    """bibtexparser counts lines from 0; people and editors count from 1."""
    return None if item.start_line is None else item.start_line + 1


def _display_text(name: str, value: str) -> str:
    """Decode LaTeX for display, except in address fields, where only ``\\_`` and kin unescape."""
    if name in ADDRESS_FIELDS:
        return _ESCAPED_URL_CHAR.sub(r"\1", value.strip())
    return to_unicode(value)


def _month(text: str) -> int | None:
    """``January``, ``jan`` or ``1`` as a month number; anything else as None."""
    text = text.strip().lower()
    if text.isdigit():
        return int(text) if 1 <= int(text) <= 12 else None
    return next((n for name, n in _MONTHS.items() if text and name.startswith(text[:3])), None)


def _failure_message(block: bib.ParsingFailedBlock) -> str:
    """What went wrong with a block bibtexparser could not read, and what to do about it."""
    head = (block.raw or "").split(",", 1)[0].split("\n", 1)[0].strip()
    if isinstance(block, bib.DuplicateBlockKeyBlock):
        return f'duplicate key "{block.key}"; rename one of them'
    error = block.error
    reason = error.abort_reason if isinstance(error, BlockAbortedException) else str(error)
    reason = reason.strip().rstrip(".") or "syntax error"
    return f"cannot read {head}: {reason}"
