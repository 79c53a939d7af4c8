"""What passes between the page template and the entry templates: the ``render_entry`` and
``render_entries`` functions a page template calls to show entries (``again`` for one shown
before), and what an entry template reads of ``page``, found in its syntax tree and named by
plain data, so that an entry's output is reused until what it read changes.

Kept apart from ``render.py``, whose ``Renderer`` holds the environments and the rendered
entries and uses these: they are the rules a template author meets, readable on their own.
"""

from __future__ import annotations

import dataclasses
import enum
import itertools
from collections.abc import Callable, Iterable
from typing import Any

import jinja2
import jinja2.meta
from markupsafe import Markup

from .model import Entry, SectionGroup, Theme

# Entries and what the page template passed in → each entry's output, in order.
EntryTexts = Callable[[Iterable[Entry], dict[str, Any]], list[str]]


# (templates' digest, format, entry template) → the attributes of ``page`` it reads (see
# ``page_uses``): found once per process, as serve makes a Renderer per rebuild.
PAGE_USES_FOUND: dict[tuple[str, str, str], frozenset[str]] = {}
# What makes a page: what its other attributes are computed from.
PAGE_FIELDS = ["title", "themes", "owner", "more_url", "more_text"]


def page_uses(environment: jinja2.Environment, name: str) -> frozenset[str]:
    """The attributes of ``page`` the template ``name`` and those it extends, includes or
    imports read, found in their syntax trees: empty when none names ``page``; "" among
    them when one uses ``page`` otherwise than as ``page.<attribute>`` (passes it on,
    subscripts it) or names a template only known at render time: then all of it counts."""
    uses: set[str] = set()
    seen: set[str] = set()
    waiting = [name]
    while waiting:
        current = waiting.pop()
        if current in seen:
            continue
        seen.add(current)
        assert environment.loader is not None
        source = environment.loader.get_source(environment, current)[0]
        tree = environment.parse(source, current)
        attributes = [
            node.attr
            for node in tree.find_all(jinja2.nodes.Getattr)
            if isinstance(node.node, jinja2.nodes.Name) and node.node.name == "page"
        ]
        names = sum(1 for node in tree.find_all(jinja2.nodes.Name) if node.name == "page")
        uses.update(attributes)
        if names > len(attributes):
            uses.add("")
        for referenced in jinja2.meta.find_referenced_templates(tree):
            if referenced is None:
                uses.add("")
            else:
                waiting.append(referenced)
    return frozenset(uses)


class NoDigest(Exception):
    """An entry without a digest: what depends on it cannot be named by a hash."""


def plain_data(value: Any) -> Any:
    """A page attribute's value in plain data for its hash: each entry as its digest (which
    stands for all of it), themes and sections as their fields."""
    if isinstance(value, Entry):
        if not value.digest:
            raise NoDigest
        return value.digest
    if isinstance(value, (tuple, list)):
        return [plain_data(item) for item in value]
    if isinstance(value, (Theme, SectionGroup)):
        return [plain_data(getattr(value, field.name)) for field in dataclasses.fields(value)]
    if isinstance(value, enum.Enum):
        return value.value
    return value


def entry_functions(entry_texts: EntryTexts) -> dict[str, Any]:
    """What a page template calls to show entries: ``render_entry(entry, **context)`` and
    ``render_entries(entries, separator="", **context)``, which gives what a loop over
    ``render_entry`` with ``separator`` between the entries gives, in one call (on a large
    page, a template's call per entry costs as much as taking its output from the cache).
    The separator is written as is, like the template's own text.

    The entry template also sees ``again``: True for an entry shown before on the page (one
    in several themes), so that the page does not give two elements its id."""
    shown: set[str] = set()

    def texts(entries: Iterable[Entry], context: dict[str, Any]) -> list[str]:
        marked = []
        for entry in entries:
            marked.append((entry, entry.key in shown))
            shown.add(entry.key)
        result: list[str] = []
        for again, run in itertools.groupby(marked, key=lambda item: item[1]):
            result += entry_texts([entry for entry, _ in run], {**context, "again": again})
        return result

    def render_entry(entry: Entry, **context: Any) -> Markup:
        return Markup("".join(texts((entry,), context)))

    def render_entries(entries: Iterable[Entry], separator: str = "", **context: Any) -> Markup:
        return Markup(separator.join(texts(entries, context)))

    return {"render_entry": render_entry, "render_entries": render_entries}
