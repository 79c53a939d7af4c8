"""Read .bib files into model entries, with diagnostics that name the file and line.

The stages, each in its own module: ``bibtex.py`` reads a file's text into blocks,
``records.py`` evaluates them into records (macros, keys, ``crossref``/``xdata``) and
``entries.py`` decodes each record into an ``Entry``. Every entry block is either shown or
reported: nothing is dropped silently.

With a ``Cache``, an entry is remembered by a digest of what it is made of (its block's
text, what its macros gave, the settings and the owner), so an unchanged entry is not
decoded again; what is new is decoded in forked workers when there is a lot of it.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .bibtex import (
    Block,
    EntryBlock,
    Failure,
    PreambleBlock,
    StringBlock,
    read_blocks,
    split_chunks,
)
from .collector import collecting_new_cycles, cyclic_gc_paused
from .entries import (
    DEFAULT_READ_SETTINGS,
    KNOWN_TYPES,
    ReadSettings,
    build_entry,
    not_shown_reason,
    record_digest,
)
from .entrydata import entry_from_data, entry_to_data
from .errors import BibfolioError, Diagnostic, Severity
from .inputs import MAX_BIB_BYTES, read_bytes
from .model import Entry, Person
from .names import OwnerMatcher
from .parallel import split_work
from .records import Record, Records

if TYPE_CHECKING:
    from .cache import Cache, EntryObjects


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


def load(
    paths: Iterable[Path],
    encoding: str = "utf-8",
    owners: Sequence[Person] = (),
    cache: Cache | None = None,
    jobs: int = 1,
    settings: ReadSettings = DEFAULT_READ_SETTINGS,
) -> Bibliography:
    """Read the .bib files in order; macros and crossref targets are shared between them.

    Authors matching ``owners`` are marked as the owner. With a ``cache``, entries it has
    seen are taken from it, and what is new is added to it. Decoding what is new may use up
    to ``jobs`` processes.
    """
    records = Records(memo=cache.evaluated if cache is not None else None)
    kept_blocks = cache.blocks if cache is not None else None
    blocks_read: dict[str, tuple[Block, ...]] = {}
    without_entries: list[tuple[Path, str, bool]] = []
    with cyclic_gc_paused():
        for path in paths:
            text = read_text(path, encoding)
            kinds: set[type] = set()
            for chunk in split_chunks(text):
                blocks = kept_blocks.get(chunk.text) if kept_blocks is not None else None
                if blocks is None:
                    blocks = tuple(read_blocks(chunk.text))
                if kept_blocks is not None:
                    blocks_read[chunk.text] = blocks
                kinds.update(map(type, blocks))
                records.read(blocks, path, chunk.line - 1)
            if not kinds & {EntryBlock, Failure}:
                defines = bool(kinds & {StringBlock, PreambleBlock})
                message = "no entries in the file" + (
                    ", only @string or @preamble definitions" if defines else ""
                )
                empty = "the file is empty: no entries to show"
                without_entries.append((path, message if text.strip() else empty, defines))
        records.explain_late_macros()
        for path, message, defines in without_entries:
            # A file that only defines macros or commands for the files with entries: no news.
            if not (defines and records.records):
                records.report(Severity.WARNING, "empty-file", message, path, None)
        records.inherit()
        entries = _entries(records, OwnerMatcher(owners), cache, jobs, settings)
    if cache is not None and cache.evaluated is not None:  # kept anew, as ``objects`` are
        cache.evaluated = records.evaluated
    if cache is not None and kept_blocks is not None:
        cache.blocks = blocks_read
    return Bibliography(tuple(entries), tuple(records.records.values()), tuple(records.diagnostics))


def _entries(
    records: Records,
    owners: OwnerMatcher,
    cache: Cache | None,
    jobs: int,
    settings: ReadSettings,
) -> list[Entry]:
    """The records shown on the page as entries; the others are reported as notes."""
    parents = {
        record.fields.get("crossref", "").strip().lower() for record in records.records.values()
    }
    shown = []
    for record in records.records.values():
        reason = not_shown_reason(record, parents)
        if reason:
            records.report(Severity.NOTE, "not-shown", reason, record.path, record.line)
            continue
        if record.entry_type not in KNOWN_TYPES:
            records.report(
                Severity.WARNING,
                "unknown-type",
                f'unknown entry type "@{record.entry_type}" for "{record.key}"; shown as a paper',
                record.path,
                record.line,
            )
        shown.append(record)
    return _decoded(shown, records, owners, cache, jobs, settings.with_preamble(records.preamble))


def _decoded(
    shown: list[Record],
    records: Records,
    owners: OwnerMatcher,
    cache: Cache | None,
    jobs: int,
    settings: ReadSettings,
) -> list[Entry]:
    """The records as entries: from the cache by digest, the others decoded (in parallel
    when there are many) and added to it."""
    digests = [owners.digest(f"{r.source or record_digest(r)}+{settings.key}") for r in shown]
    table = cache.entries if cache is not None else {}
    missing = [index for index, digest in enumerate(digests) if digest not in table]
    # What this process decodes itself it keeps as is; workers send plain data.
    decoded: dict[int, tuple[Entry, list[tuple[str, str]]]] = {}

    def decode_part(start: int, stop: int) -> list[tuple[Any, ...]]:
        with collecting_new_cycles():
            for index in missing[start:stop]:
                decoded[index] = build_entry(shown[index], owners, digests[index], settings)
        return [entry_to_data(*decoded[index]) for index in missing[start:stop]]

    for index, data in zip(missing, split_work(decode_part, len(missing), jobs), strict=True):
        table[digests[index]] = data
    entries = []
    # In a cache that lives on (serve's), the last build's entry objects, kept anew.
    memo = cache.objects if cache is not None else None
    kept: EntryObjects = {}
    for index, (record, digest) in enumerate(zip(shown, digests, strict=True)):
        found = decoded.get(index) or _cached_entry(table, digest, record, memo)
        if memo is not None:
            kept[(digest, record.path, record.line)] = found
        entry, problems = found
        for code, message in problems:
            records.report(Severity.WARNING, code, message, record.path, record.line)
        entries.append(entry)
    if cache is not None and memo is not None:
        cache.objects = kept
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
