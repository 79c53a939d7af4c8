"""An ``Entry`` and its warnings as plain data (tuples, strings, numbers) and back: what the
build cache keeps of each entry, and what forked workers send back."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from .model import Entry, Kind, Link, Person, Span

_KINDS = {kind.value: kind for kind in Kind}


def entry_to_data(entry: Entry, problems: Sequence[tuple[str, str]]) -> tuple[Any, ...]:
    """An entry (but for its path, line and digest) and its warnings, in plain data: one
    value per field of ``Entry``, in their order, so the two change in step by themselves."""
    values = [getattr(entry, name) for name in _ENTRY_FIELDS]
    for at, _ in _NESTED_AT:
        values[at] = tuple(map(object_data, values[at]))
    values[_KIND_AT] = entry.kind.value
    return (*values, tuple(problems))


def entry_from_data(
    data: tuple[Any, ...], path: Path | None, line: int | None, digest: str
) -> tuple[Entry, list[tuple[str, str]]]:
    """The entry and warnings ``entry_to_data`` gave, placed at ``path`` and ``line``."""
    *values, problems = data
    for at, cls in _NESTED_AT:
        values[at] = tuple(object_from_data(cls, item) for item in values[at])
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
def object_data(value: Span | Person | Link) -> tuple[Any, ...]:
    return tuple(getattr(value, f.name) for f in fields(value) if f.init)


@lru_cache(maxsize=65_536)
def object_from_data(cls: Callable[..., Any], data: tuple[Any, ...]) -> Any:
    return cls(*data)
