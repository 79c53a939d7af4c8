"""Remember what earlier builds computed, by content: entries and rendered entries (and the
owner the last build guessed, when none was given).

A build looks each entry up by a digest of what it is made of (see ``load.py``) and its
rendered output by that digest and the templates (see ``render.py``). What is not found is
computed and added, so an unchanged entry is never decoded or rendered twice.

On disk, the cache is one file per set of input files (plain data written with ``marshal``),
under ``$XDG_CACHE_HOME/bibfolio`` (``~/.cache/bibfolio``), in a directory named after the
Python version and a hash of bibfolio's own code: another version of either never reads it.
Only what the last build used is kept, so it holds one build's worth, and of each kind of
item it used none of (the entries rendered with another template or for another format, the
owner a build without one guessed) what still applies; small changes go to a journal beside
it. Caches no build used for a month are deleted (``prune_stale_caches``). Deleting it is
always safe, and a cache that cannot be read or written is simply not used: every record is
checked against a checksum of what it holds and the key it answers for before it is used
(a damaged one is a miss), special files (a FIFO, a device) are never opened, and files are
replaced whole by renaming, so builds running at once can only cost each other misses.
``serve`` keeps a ``Cache`` in memory instead.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import marshal
import os
import re
import shutil
import stat
import struct
import sys
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO, Generic, TypeVar

from .bibtex import Block
from .config import template_files
from .model import Entry, Kind, Link, Person, Span
from .output import Content, temporary_beside

Value = TypeVar("Value")
# Decoded entries and their warnings by (entry digest, file, line).
EntryObjects = dict[tuple[str, Path, int | None], tuple[Entry, list[tuple[str, str]]]]
_KINDS = {kind.value: kind for kind in Kind}


def _one_kind(key: str) -> str:
    return ""


# A rendered entry's key in ``fragments`` is "<kind>/<settings>:<entry digest>": the kind is the
# entry template (``full-entry.html``) or the data format it was written for, the settings a
# hash of what else its text depends on.


def fragment_kind(key: str) -> str:
    """The kind of a rendered entry's key in ``fragments``."""
    return key.partition("/")[0]


def fragment_digest(key: str) -> str:
    """The digest of the entry a key in ``fragments`` was rendered from."""
    return key.rpartition(":")[2]


class Table(MutableMapping[str, Value], Generic[Value]):
    """A dict that remembers which keys this build used or added: the ones worth keeping.

    Items are of a kind (``kind_of(key)``; a table of one kind unless given): a save keeps
    what this build used, and the items of a kind it used nothing of (see ``kept``).
    ``bibfolio check`` renders nothing, a build given its owner guesses none, and a JSON
    export renders no HTML: none of them should cost the next build the rendered entries or
    the guess it uses.
    """

    def __init__(
        self, stored: dict[str, Value] | None = None, kind_of: Callable[[str], str] = _one_kind
    ) -> None:
        self.stored: dict[str, Value] = stored if stored is not None else {}
        self.used: dict[str, Value] = {}
        self.added: dict[str, Value] = {}
        self.kind_of = kind_of

    def get(self, key: str, default: Any = None) -> Any:
        value = self.stored.get(key)
        if value is None:
            return default
        self.used[key] = value
        return value

    def __contains__(self, key: object) -> bool:
        return key in self.stored

    def __getitem__(self, key: str) -> Value:
        value = self.used[key] = self.stored[key]
        return value

    def __setitem__(self, key: str, value: Value) -> None:
        self.stored[key] = self.used[key] = self.added[key] = value

    def __delitem__(self, key: str) -> None:
        del self.stored[key]
        self.used.pop(key, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self.stored)

    def __len__(self) -> int:
        return len(self.stored)

    def kept(self, keep_unused: Callable[[str], bool] | None = None) -> dict[str, Value]:
        """What a save keeps: what this build used, and of each kind it used none of, all
        the items (or those ``keep_unused`` accepts)."""
        if len(self.used) == len(self.stored):
            return self.stored
        unused = [key for key in self.stored if key not in self.used]
        kinds = {self.kind_of(key) for key in unused}
        # all() stops at the first used key of the kind: for a kind in use, almost at once.
        idle = {kind for kind in kinds if all(self.kind_of(key) != kind for key in self.used)}
        if not idle:
            return self.used
        idle_items = {
            key: self.stored[key]
            for key in unused
            if self.kind_of(key) in idle and (keep_unused is None or keep_unused(key))
        }
        return {**self.used, **idle_items}

    def keep(self, items: dict[str, Value]) -> None:
        """Hold only ``items`` (what ``kept`` gave), and start counting afresh."""
        self.stored, self.used, self.added = items, {}, {}


@dataclass
class Cache:
    """Entries (as ``entry_to_data`` gives them), rendered entries, and the owner the last
    build guessed."""

    entries: Table[tuple[Any, ...]] = field(default_factory=Table)
    # Keyed "<entry template or data format>/...": see ``fragment_kind``.
    fragments: Table[str] = field(default_factory=lambda: Table(kind_of=fragment_kind))
    guesses: Table[tuple[Any, ...]] = field(default_factory=Table)
    path: Path | None = None
    # Changes appended to the journal since the whole cache was last written, in items.
    journal_items: int = 0
    # Whether the next save writes the whole file: there is none, or it could not be read.
    rewrite: bool = False
    # The last build's entries as objects, by (digest, file, line), when the cache lives on
    # between builds (``serve`` sets it to a dict): the next build takes them as they are.
    # Never written; None keeps none (a single build gains nothing from them).
    objects: EntryObjects | None = None
    # Likewise the last build's fields of the entries whose values use macros, evaluated,
    # by (block, macros): (the entry's source, its fields). Evaluating them is most of
    # reading a file like TeX Live's, where every entry uses a macro.
    evaluated: dict[tuple[str, str], tuple[str, dict[str, str]]] | None = None
    # And the blocks of each chunk of the files (``bibtex.Chunk``), by its text.
    blocks: dict[str, tuple[Block, ...]] | None = None

    @classmethod
    def for_files(cls, bib_paths: Sequence[Path], directory: Path | None = None) -> Cache:
        """The cache of earlier builds of these files (empty when there is none; kept in
        memory only when there is no home directory to keep it in)."""
        path = cls.file_for(bib_paths, directory)
        return cls() if path is None else cls.open(path)

    @staticmethod
    def file_for(bib_paths: Sequence[Path], directory: Path | None = None) -> Path | None:
        """Where the cache of these files is kept (None when there is no home directory)."""
        try:
            directory = directory or cache_directory()
        except RuntimeError:  # Path.home() without HOME or a password entry
            return None
        return directory / f"{_files_key(bib_paths)}.cache"

    @classmethod
    def open(cls, path: Path) -> Cache:
        """The cache kept in ``path`` and its journal (empty when there is none)."""
        stored: dict[str, dict[str, Any]] = {name: {} for name in _TABLES}
        key = path.stem.encode()
        try:
            with cyclic_gc_paused():
                for record in _records(_read_regular(path), key):
                    _apply(record, stored)
                journal_items = 0
                with contextlib.suppress(Exception):
                    # A journal cut short by a crash keeps the changes before the cut.
                    for record in _records(_read_regular(_journal(path)), key):
                        journal_items += _apply(record, stored)
        except Exception:  # missing, damaged or not ours: start empty, never fail a build
            return cls(path=path, rewrite=True)
        entries, fragments, guesses = (
            Table(stored[name], _KIND_OF.get(name, _one_kind)) for name in _TABLES
        )
        return cls(entries, fragments, guesses, path, journal_items)

    @property
    def templates_directory(self) -> Path | None:
        """Where Jinja2 may keep compiled templates (None for a cache kept in memory)."""
        return None if self.path is None else self.path.parent / "templates"

    def inferred_owner(self) -> Person | None:
        """The owner the last build guessed, if it had to (see ``remember_inferred_owner``)."""
        data = self.guesses.get(_OWNER)
        return None if data is None else _object(Person, tuple(data))

    def remember_inferred_owner(
        self, owner: Person | None, marked: Iterable[tuple[Entry, Entry]]
    ) -> None:
        """Keep the owner a build guessed (None: it found none), and its entries marked with
        it (pairs of the entry as read and as marked) under the digests that reading with that
        owner gives: the next build reads with the guess, and when it guesses the same, its
        entries are ready."""
        if owner is None:
            self.guesses.pop(_OWNER, None)
        else:
            self.guesses[_OWNER] = _object_data(owner)
        for read, owned in marked:
            # Kept under one digest only: the next build reads with the guess.
            data = self.entries.pop(read.digest, None)
            marked_anew = owned.authors is not read.authors or owned.editors is not read.editors
            if data is not None and marked_anew:
                data = entry_to_data(owned, data[-1])  # the entry's warnings are the last item
            if data is not None:
                self.entries[owned.digest] = data

    def keep_used(self) -> None:
        """Forget what a save would drop (``serve`` calls it after each build)."""
        for table, items in zip(self._tables(), self._kept().values(), strict=True):
            table.keep(items)

    def _kept(self) -> dict[str, dict[str, Any]]:
        """What each table keeps (see ``Table.kept``), all worked out before any changes:
        which rendered entries stay depends on the entries this build read."""
        tables = zip(_TABLES, self._tables(), strict=True)
        return {name: table.kept(self._keep_unused(name)) for name, table in tables}

    def _keep_unused(self, table: str) -> Callable[[str], bool] | None:
        """Which unused items of an idle kind to keep: rendered entries only for the entries
        this build read, so that each kind holds at most one build's worth, all of it valid."""
        if table != "fragments":
            return None
        read = self.entries.used
        return lambda key: fragment_digest(key) in read

    def save(self) -> None:
        """Keep what ``Table.kept`` says; nothing to do when that is what is stored.

        A few changes (an entry edited) are appended to a journal beside the cache file,
        which is much faster than writing it all again; the whole file is written when the
        journal grows past a tenth of it. Every item is stored under a hash of what it was
        made from, and each record is checked before use, so a journal cut short or shared by
        two builds can only cost misses.
        """
        if self.path is None:
            return
        tables = dict(zip(_TABLES, self._tables(), strict=True))
        kept = self._kept()
        added = {name: table.added for name, table in tables.items()}
        dropped = {
            name: [key for key in table.stored if key not in kept[name]]
            if len(kept[name]) < len(table.stored)
            else []
            for name, table in tables.items()
        }
        changes = sum(map(len, added.values())) + sum(map(len, dropped.values()))
        if not changes:
            return
        items = sum(map(len, kept.values()))
        key = self.path.stem.encode()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            small = self.journal_items + changes <= max(items // 10, 100)
            if small and not self.rewrite and self.path.is_file():
                _append(_journal(self.path), _record((added, dropped), key))
                self.journal_items += changes
            else:
                _write_atomically(self.path, _snapshot(kept, key))
                _journal(self.path).unlink(missing_ok=True)
                self.journal_items, self.rewrite = 0, False
        except (OSError, ValueError):  # a read-only or full disk: slower next time, that is all
            return
        prune_stale_caches(self.path.parent)

    def _tables(self) -> tuple[Table[Any], ...]:
        return (self.entries, self.fragments, self.guesses)


_TABLES = ("entries", "fragments", "guesses")
# How a table's items are told apart by kind (see ``Table.kept``); the others have one kind.
_KIND_OF: dict[str, Callable[[str], str]] = {"fragments": fragment_kind}
_OWNER = "owner"  # the key of the guessed owner in ``guesses``


def _snapshot(tables: Mapping[str, dict[str, Any]], key: bytes) -> Iterator[bytes]:
    """The tables' items as records of a few thousand items each: written one at a time,
    the file never has to exist in memory whole."""
    for name, table in tables.items():
        items = list(table.items())
        for start in range(0, len(items), _BATCH):
            added: dict[str, dict[str, Any]] = {other: {} for other in _TABLES}
            added[name] = dict(items[start : start + _BATCH])
            yield _record((added, {other: [] for other in _TABLES}), key)


@dataclass(frozen=True)
class LastBuild:
    """What the last ``bibfolio build`` of these files wrote and said, under a key made of
    everything its output depends on: a build with the same key only writes it again.

    On disk: one record (key, each document's format and size, a checksum of the documents
    and the key, per-paper files, messages, numbers), then the documents' bytes one after
    another. They are what the build itself wrote, kept as it wrote them (``recording``),
    never read back from the files: another build may have replaced those meanwhile."""

    key: str
    documents: dict[str, bytes]  # format → text in UTF-8
    papers: dict[str, str]  # per-paper file, relative to its directory → text
    messages: tuple[str, ...]  # the warnings and notes it printed
    entries: int
    groups: int

    @staticmethod
    def recording(
        documents: Mapping[str, Content],
    ) -> tuple[dict[str, Content], dict[str, list[bytes]]]:
        """The documents to write, and the UTF-8 bytes of each, filled in as it is written."""
        written: dict[str, list[bytes]] = {fmt: [] for fmt in documents}

        def streamed(document: Iterable[str], pieces: list[bytes]) -> Iterator[str]:
            for piece in document:
                pieces.append(piece.encode())
                yield piece

        def kept(document: Content, pieces: list[bytes]) -> Content:
            if isinstance(document, bytes | str):
                pieces.append(document if isinstance(document, bytes) else document.encode())
                return document
            return streamed(document, pieces)

        return {fmt: kept(doc, written[fmt]) for fmt, doc in documents.items()}, written

    @staticmethod
    def save(
        cache_file: Path,
        key: str,
        documents: Mapping[str, Sequence[bytes]],
        papers: dict[str, str],
        messages: tuple[str, ...],
        numbers: tuple[int, int],
    ) -> None:
        """Keep this build as the last of the files whose cache is ``cache_file``;
        ``documents`` are what it wrote of each format, in pieces."""
        sizes = [(fmt, sum(map(len, pieces))) for fmt, pieces in documents.items()]
        checksum = _checksum(key.encode(), *(piece for doc in documents.values() for piece in doc))
        header = (key, sizes, checksum, papers, messages, *numbers)
        pieces = [piece for document in documents.values() for piece in document]
        with contextlib.suppress(OSError, ValueError):
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            _write_atomically(
                _last_build(cache_file), [_record(header, cache_file.stem.encode()), *pieces]
            )

    @staticmethod
    def load(cache_file: Path, key: str) -> LastBuild | None:
        """The last build of the files whose cache is ``cache_file``, if its key is ``key``
        (None when there is none, or it is damaged)."""
        try:
            with _open_regular(_last_build(cache_file)) as file:
                length, header_checksum = _HEADER.unpack(file.read(_HEADER.size))
                data = file.read(length)
                if _checksum(cache_file.stem.encode(), data) != header_checksum:
                    return None
                found, sizes, checksum, papers, messages, entries, groups = _plain_data(data)
                if found != key:
                    return None
                documents = {str(fmt): file.read(size) for fmt, size in sizes}
            if _checksum(key.encode(), *documents.values()) != checksum:
                return None  # cut short, or damaged
            last = LastBuild(key, documents, dict(papers), tuple(messages), entries, groups)
        except Exception:  # none yet, unreadable, or not ours: build
            return None
        with contextlib.suppress(OSError):  # used now: not stale (see prune_stale_caches)
            os.utime(_last_build(cache_file))
        return last


# A cache that no build has written or reused for this long is deleted (its .bib files are
# gone, or built by another version of bibfolio or Python); its next build just starts cold.
STALE_AFTER = 30 * 24 * 3600.0
# Looking costs a listing of the cache directories: once a day is enough.
_PRUNE_EVERY = 24 * 3600.0
# Directories named by ``cache_directory``: Python's cache tag (``cpython-311``, ``pypy310``)
# and a hash of bibfolio's code.
_VERSION_DIRECTORY = re.compile(r"[a-z0-9_-]+-[0-9a-f]{16}")


def prune_stale_caches(current: Path, now: float | None = None) -> None:
    """Delete, at most once a day, the caches under ``current``'s parent (the ``bibfolio``
    directory) that went unused for ``STALE_AFTER``: another version's whole directory, or in
    ``current`` one set of input files' cache, journal and last build. Without this, every
    upgrade and every set of files ever built would stay in the user's cache forever.
    Never fails: what cannot be deleted is left."""
    now = time.time() if now is None else now
    marker = current.parent / "last-pruned"
    with contextlib.suppress(OSError):
        if now - marker.stat().st_mtime < _PRUNE_EVERY:
            return
    try:
        marker.touch()
        os.utime(marker, (now, now))
        directories = list(current.parent.iterdir())
    except OSError:
        return
    cutoff = now - STALE_AFTER
    for directory in directories:
        if directory == current:
            _prune_files(current, cutoff)
        elif (
            _VERSION_DIRECTORY.fullmatch(directory.name)
            and directory.is_dir()
            and _newest_change(directory) < cutoff
        ):
            shutil.rmtree(directory, ignore_errors=True)


def _prune_files(directory: Path, cutoff: float) -> None:
    """Delete the files of ``directory`` (and its compiled templates) unused since
    ``cutoff``; a cache file goes together with its journal and last build."""
    groups: dict[tuple[Path, str], list[Path]] = {}
    for path in [*directory.glob("*.*"), *directory.glob("templates/*")]:
        groups.setdefault((path.parent, path.stem), []).append(path)
    for paths in groups.values():
        with contextlib.suppress(OSError):
            if max(path.stat().st_mtime for path in paths) < cutoff:
                for path in paths:
                    path.unlink(missing_ok=True)


def _newest_change(directory: Path) -> float:
    """The last time anything under ``directory`` was written (now, when it cannot tell)."""
    try:
        return max(
            [directory.stat().st_mtime, *(path.stat().st_mtime for path in directory.rglob("*"))]
        )
    except OSError:
        return time.time()


def build_key(bib_paths: Sequence[Path], settings: str, templates: Iterable[Path]) -> str:
    """A hash of all a build's output depends on: the .bib files (names and bytes), its
    settings, the templates; bibfolio's code and Python's version name the directory."""
    digest = hashlib.blake2b(settings.encode(), digest_size=16)
    digest.update(templates_digest(templates).encode())
    for path in bib_paths:
        digest.update(f"\0{path.resolve()}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def templates_digest(search_path: Iterable[Path]) -> str:
    """A hash of every template that could be used, so that editing one invalidates what
    was rendered with it."""
    digest = hashlib.blake2b(digest_size=16)
    for directory in search_path:
        for path in template_files(directory):
            name = path.relative_to(directory).as_posix()
            digest.update(f"{name}\0{path.stat().st_size}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


# A cache file and its journal are records, each its length, a checksum of its data and the
# key it answers for (see ``_checksum``) and then, marshalled, the changes
# (added: {table: {key: value}}, dropped: {table: [key]}) to apply in order.
_HEADER = struct.Struct("<Q4s")
_BATCH = 2000


def _journal(path: Path) -> Path:
    return path.with_suffix(".journal")


def _last_build(path: Path) -> Path:
    return path.with_suffix(".last")


def _checksum(key: bytes, *pieces: bytes | memoryview) -> bytes:
    """A CRC-32 of what they answer for and ``pieces``: a byte changed on disk, a run of
    bytes, or a record moved to another file fails it (and never reaches ``marshal.loads``).
    Six times faster than blake2b (5 ms instead of 30 for 10,000 entries' cache), and no
    less sure of finding damage: nobody forges a cache (who can write it can write code)."""
    crc = zlib.crc32(key)
    for piece in pieces:
        crc = zlib.crc32(piece, crc)
    return crc.to_bytes(4, "little")


def _record(value: Any, key: bytes) -> bytes:
    data = marshal.dumps(value)
    return _HEADER.pack(len(data), _checksum(key, data)) + data


def _records(data: bytes, key: bytes) -> Iterator[Any]:
    """The records in a file's bytes, in order; one cut short or damaged raises
    ``ValueError``."""
    view = memoryview(data)
    start = 0
    while start < len(view):
        length, checksum = _HEADER.unpack_from(view, start)
        start += _HEADER.size
        if start + length > len(view):
            raise ValueError("a record cut short")
        if _checksum(key, view[start : start + length]) != checksum:
            raise ValueError("a damaged record")
        yield _plain_data(view[start : start + length])
        start += length


def _open_regular(path: Path) -> BinaryIO:
    """``path`` opened for reading if it is a regular file: a FIFO put in the cache's place
    would block a build for ever (O_NONBLOCK makes opening it return at once), a device
    would be read without end."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(f"not a regular file: {path}")
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def _read_regular(path: Path) -> bytes:
    with _open_regular(path) as file:
        return file.read()


def _append(path: Path, record: bytes) -> None:
    """Append ``record`` to ``path`` in one write: builds appending at once never interleave
    (O_APPEND), and a special file in its place is never written (nor waited for)."""
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NONBLOCK", 0)
    descriptor = os.open(path, flags, 0o600)
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(f"not a regular file: {path}")
        if os.write(descriptor, record) != len(record):
            raise OSError(f"a record cut short: {path}")
    finally:
        os.close(descriptor)


def _apply(record: Any, stored: dict[str, dict[str, Any]]) -> int:
    """Apply one record's changes to the tables; how many items it changed."""
    added, dropped = record
    items = 0
    for name in _TABLES:
        if not isinstance(added[name], dict) or not isinstance(dropped[name], list):
            raise ValueError("not a cache record")
        for key in dropped[name]:
            stored[name].pop(key, None)
        stored[name].update(added[name])
        items += len(added[name]) + len(dropped[name])
    return items


def _write_atomically(path: Path, records: Iterable[bytes]) -> None:
    """Write a whole file under a temporary name and rename it into place: readers, and other
    builds writing it at the same time, see one whole file or another. A killed build's
    temporary file is removed by the next write (``temporary_beside``)."""
    handle, temporary = temporary_beside(path)
    try:
        with os.fdopen(handle, "wb") as file:
            file.writelines(records)
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def read_verified(path: Path, key: str) -> bytes | None:
    """What ``write_verified`` wrote to ``path`` under ``key``; None when there is none, or it
    is damaged, or it answers for another key."""
    try:
        data = _read_regular(path)
    except OSError:
        return None
    checksum, body = data[:4], memoryview(data)[4:]
    return bytes(body) if _checksum(key.encode(), body) == checksum else None


def write_verified(path: Path, key: str, data: bytes) -> None:
    """Write ``data`` whole (see ``_write_atomically``) with a checksum of it and ``key``."""
    _write_atomically(path, [_checksum(key.encode(), data), data])


# Whether what is read is then frozen out of the cyclic collector (gc.freeze), so that its
# later collections skip it: a build keeps all it read to its end, and gains a sixth of a
# large cold build (see ``freezing_what_is_read``). Off by default: a program using the
# library decides about its own collector.
_freeze_what_is_read: ContextVar[bool] = ContextVar("freeze_what_is_read", default=False)


@contextmanager
def freezing_what_is_read(unfreeze: bool) -> Iterator[None]:
    """For one build by bibfolio's own commands (``build``, ``check``, each rebuild of
    ``serve``), freeze what reading makes once it is read. ``unfreeze`` at the end in a
    process that lives on, so what has become garbage is collected as usual; not before the
    process ends, whose last collection would then scan it all for nothing."""
    token = _freeze_what_is_read.set(True)
    try:
        yield
    finally:
        _freeze_what_is_read.reset(token)
        if unfreeze:
            gc.unfreeze()


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Reading a .bib file or the cache allocates millions of objects without reference
    cycles, which the cyclic garbage collector would scan again and again (half the time of
    parsing 10,000 entries); reference counting frees them all the same."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if _freeze_what_is_read.get():
            gc.freeze()
        if enabled:
            gc.enable()


@contextmanager
def collecting_new_cycles() -> Iterator[None]:
    """Run the cyclic collector over the objects made from here on (when this process
    freezes what it reads; else it stays as it is). Decoding LaTeX leaves reference cycles
    behind (pylatexenc makes a class for each text it parses): with the collector paused,
    they would stay to the end of the build, and once frozen with what was read, for good
    (a tenth of the memory of a build of 10,000 TeX Live entries). What is older is frozen
    first, so that the collector's rounds cost only what is new."""
    if not _freeze_what_is_read.get():
        yield
        return
    enabled = gc.isenabled()
    gc.freeze()
    gc.enable()
    try:
        yield
    finally:
        gc.collect(1)  # the cycles made since its last round (a millisecond)
        if not enabled:
            gc.disable()


def _plain_data(data: bytes | memoryview) -> Any:
    """A value written with ``marshal``: plain data, never code. marshal is the fastest way to
    store and read it (``loads`` on bytes; ``load`` on a file is four times slower), and this
    directory already holds Jinja2's compiled templates, also marshalled; a file that is not
    what bibfolio wrote is refused (see ``Cache.open``)."""
    value = marshal.loads(data)
    if isinstance(value, type((lambda: 0).__code__)):
        raise ValueError("code in a cache file")
    return value


def cache_directory() -> Path:
    """Where this bibfolio keeps its caches: one directory per version of its code."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    # marshal's format belongs to the Python version, hence its tag (``cpython-311``).
    return Path(base) / "bibfolio" / f"{sys.implementation.cache_tag}-{_code_digest()}"


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """A hash of bibfolio's own modules and data: an edited checkout never trusts an older cache."""
    digest = hashlib.blake2b(digest_size=8)
    package = Path(__file__).parent
    for module in sorted([*package.glob("*.py"), *package.glob("data/*.tsv")]):
        digest.update(module.read_bytes())
    return digest.hexdigest()


def _files_key(bib_paths: Sequence[Path]) -> str:
    names = "\0".join(str(path.resolve()) for path in bib_paths)
    return hashlib.blake2b(names.encode(), digest_size=16).hexdigest()


def entry_to_data(entry: Entry, problems: Sequence[tuple[str, str]]) -> tuple[Any, ...]:
    """An entry (but for its path, line and digest) and its warnings, in plain data: one
    value per field of ``Entry``, in their order, so the two change in step by themselves."""
    values = [getattr(entry, name) for name in _ENTRY_FIELDS]
    for at, _ in _NESTED_AT:
        values[at] = tuple(map(_object_data, values[at]))
    values[_KIND_AT] = entry.kind.value
    return (*values, tuple(problems))


def entry_from_data(
    data: tuple[Any, ...], path: Path | None, line: int | None, digest: str
) -> tuple[Entry, list[tuple[str, str]]]:
    """The entry and warnings ``entry_to_data`` gave, placed at ``path`` and ``line``."""
    *values, problems = data
    for at, cls in _NESTED_AT:
        values[at] = tuple(_object(cls, item) for item in values[at])
    values[_KIND_AT] = _KINDS[values[_KIND_AT]]
    values += (path, line, digest)  # Entry's last fields
    entry = Entry(*values)
    return entry, [(code, message) for code, message in problems]


# The fields of an entry the cache keeps (where it is and its digest are known when read),
# where those holding tuples of small dataclasses are, and where its kind is.
_ENTRY_FIELDS = tuple(
    f.name for f in fields(Entry) if f.init and f.name not in ("path", "line", "digest")
)
_NESTED: dict[str, Callable[..., Any]] = {
    "title_spans": Span,
    "authors": Person,
    "editors": Person,
    "advisors": Person,
    "links": Link,
}
_NESTED_AT = tuple((_ENTRY_FIELDS.index(name), cls) for name, cls in _NESTED.items())
_KIND_AT = _ENTRY_FIELDS.index("kind")


# People and title spans recur across papers: one object each, shared (in the file too).
@lru_cache(maxsize=65_536)
def _object_data(value: Span | Person | Link) -> tuple[Any, ...]:
    return tuple(getattr(value, f.name) for f in fields(value) if f.init)


@lru_cache(maxsize=65_536)
def _object(cls: Callable[..., Any], data: tuple[Any, ...]) -> Any:
    return cls(*data)
