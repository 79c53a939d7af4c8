"""Remember what earlier builds computed, by content: entries and rendered entries (and the
owner the last build guessed, when none was given).

Every key is made by ``digest``: a build looks each entry up by a digest of what it is made
of (see ``load.py``) and its rendered output by that digest, the templates and what else
its text depends on (``fragment_key``). What is not found is computed and added, so an
unchanged entry is never decoded or rendered twice.

On disk, the cache is one file per set of input files (records of plain data, see
``storage.py``), under ``$XDG_CACHE_HOME/bibfolio`` (``~/.cache/bibfolio``), in a directory
named after the Python version and a hash of bibfolio's own code: another version of either
never reads it. Only what the last build used is kept, so it holds one build's worth, and of
each kind of item it used none of (the entries rendered with another template or for another
format, the owner a build without one guessed) what still applies; small changes go to a
journal beside it. Deleting it is always safe, and a cache that cannot be read or written is
simply not used: a damaged record is a miss. ``serve`` keeps a ``Cache`` in memory instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .collector import cyclic_gc_paused
from .config import template_files
from .entrydata import entry_to_data, object_data, object_from_data
from .model import Entry, Person
from .prune import prune_stale_caches
from .storage import append, pack_record, read_regular, unpack_records, write_atomically

if TYPE_CHECKING:
    from .bibtex import Block

Value = TypeVar("Value")
# Decoded entries and their warnings by (entry digest, file, line).
EntryObjects = dict[tuple[str, Path, int | None], tuple[Entry, list[tuple[str, str]]]]


def digest(*parts: str | bytes, size: int = 16) -> str:
    """The one hash every key of the cache is made of: of ``parts``, each after its length
    (so that no two lists of parts give the same bytes)."""
    hashed = hashlib.blake2b(digest_size=size)
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        hashed.update(len(data).to_bytes(8, "little"))
        hashed.update(data)
    return hashed.hexdigest()


# A rendered entry's key in ``fragments`` is "<kind>/<settings>:<entry digest>": the kind is the
# entry template (``full-entry.html``) or the data format it was written for, the settings a
# hash of what else its text depends on.


def fragment_key(prefix: str, entry_digest: str) -> str:
    """The key in ``fragments`` of the entry ``entry_digest`` rendered as ``prefix``
    ("<kind>/<settings>") says; "" (not to be kept) when either is missing."""
    return f"{prefix}:{entry_digest}" if prefix and entry_digest else ""


def fragment_kind(key: str) -> str:
    """The kind of a rendered entry's key in ``fragments``."""
    return key.partition("/")[0]


def fragment_digest(key: str) -> str:
    """The digest of the entry a key in ``fragments`` was rendered from."""
    return key.rpartition(":")[2]


def _one_kind(key: str) -> str:
    return ""


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
                for record in unpack_records(read_regular(path), key):
                    _apply(record, stored)
                journal_items = 0
                with contextlib.suppress(Exception):
                    # A journal cut short by a crash keeps the changes before the cut.
                    for record in unpack_records(read_regular(_journal(path)), key):
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
        return None if data is None else object_from_data(Person, tuple(data))

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
            self.guesses[_OWNER] = object_data(owner)
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
                append(_journal(self.path), pack_record((added, dropped), key))
                self.journal_items += changes
            else:
                write_atomically(self.path, _snapshot(kept, key))
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
_BATCH = 2000  # items a record of a whole cache file holds


def _snapshot(tables: Mapping[str, dict[str, Any]], key: bytes) -> Iterator[bytes]:
    """The tables' items as records of a few thousand items each: written one at a time,
    the file never has to exist in memory whole."""
    for name, table in tables.items():
        items = list(table.items())
        for start in range(0, len(items), _BATCH):
            added: dict[str, dict[str, Any]] = {other: {} for other in _TABLES}
            added[name] = dict(items[start : start + _BATCH])
            yield pack_record((added, {other: [] for other in _TABLES}), key)


def build_key(bib_paths: Sequence[Path], settings: str, templates: Iterable[Path]) -> str:
    """A hash of all a build's output depends on: the .bib files (names and bytes), its
    settings, the templates; bibfolio's code and Python's version name the directory."""
    files = (part for path in bib_paths for part in (str(path.resolve()), path.read_bytes()))
    return digest(settings, templates_digest(templates), *files)


def templates_digest(search_path: Iterable[Path]) -> str:
    """A hash of every template that could be used, so that editing one invalidates what
    was rendered with it."""
    return digest(
        *(
            part
            for directory in search_path
            for path in template_files(directory)
            for part in (path.relative_to(directory).as_posix(), path.read_bytes())
        )
    )


def _journal(path: Path) -> Path:
    return path.with_suffix(".journal")


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


def cache_directory() -> Path:
    """Where this bibfolio keeps its caches: one directory per version of its code."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    # marshal's format belongs to the Python version, hence its tag (``cpython-311``).
    return Path(base) / "bibfolio" / f"{sys.implementation.cache_tag}-{_code_digest()}"


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """A hash of bibfolio's own modules and data: an edited checkout never trusts an older cache."""
    package = Path(__file__).parent
    modules = sorted([*package.glob("*.py"), *package.glob("data/*.tsv")])
    return digest(*(module.read_bytes() for module in modules), size=8)


def _files_key(bib_paths: Sequence[Path]) -> str:
    return digest(*(str(path.resolve()) for path in bib_paths))
