"""Per-paper files: academicpages and Hugo front matter, standalone HTML paper pages."""

from __future__ import annotations

import datetime
import html
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from .export import bare_doi, csl_type
from .markup import escape_md, md_url
from .meta import citation_tags, page_url
from .model import Entry, Kind, Page
from .render import Renderer

# --- YAML front matter ------------------------------------------------------------------------

_YAML_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\0": "\\0",
    "\a": "\\a",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\v": "\\v",
    "\f": "\\f",
    "\r": "\\r",
    "\x1b": "\\e",
    # YAML 1.1 (Jekyll's Psych, PyYAML) reads these as line breaks: they must be escaped.
    "\x85": "\\N",
    "\u2028": "\\L",
    "\u2029": "\\P",
    "\ufeff": "\\uFEFF",
}
# Every character ``_yaml_char`` changes: those above, the other C0 and C1 controls, DEL,
# surrogates, U+FFFE and U+FFFF.
_YAML_SPECIAL = re.compile(r'[\\"\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]')
# Keys that need no quotes: identifiers that no YAML version reads as a boolean or null.
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SPECIAL_WORDS = frozenset({"y", "n", "yes", "no", "true", "false", "on", "off", "null"})


def front_matter(fields: Mapping[str, object]) -> str:
    """A YAML front matter block, ``---`` to ``---``, written without a YAML library.

    Strings are always double-quoted with escapes, so no title is ever read as a number,
    boolean, date, comment, anchor or tag. Values may be ``str``, ``bool``, ``int``,
    ``datetime.date`` (written unquoted, so Jekyll and Hugo read a date), ``None`` (``null``),
    and lists/tuples or mappings of those, written in block style; anything else is a
    ``TypeError``.
    """
    return "---\n" + "".join(line + "\n" for line in _mapping_lines(fields, 0)) + "---\n"


def _mapping_lines(mapping: Mapping[Any, object], indent: int) -> list[str]:
    lines: list[str] = []
    for key, value in mapping.items():
        head = f"{' ' * indent}{_yaml_key(key)}:"
        if _is_collection(value) and value:
            lines += [head, *_collection_lines(value, indent + 2)]
        else:
            lines.append(f"{head} {_inline(value)}")
    return lines


def _sequence_lines(items: Sequence[object], indent: int) -> list[str]:
    lines: list[str] = []
    for item in items:
        if _is_collection(item) and item:
            # The nested block starts on the dash's line: "- name: ..." then "  url: ...".
            nested = _collection_lines(item, indent + 2)
            lines += [f"{' ' * indent}- {nested[0].lstrip()}", *nested[1:]]
        else:
            lines.append(f"{' ' * indent}- {_inline(item)}")
    return lines


def _collection_lines(value: object, indent: int) -> list[str]:
    if isinstance(value, Mapping):
        return _mapping_lines(value, indent)
    assert isinstance(value, (list, tuple))
    return _sequence_lines(value, indent)


def _is_collection(value: object) -> bool:
    return isinstance(value, (Mapping, list, tuple))


def _inline(value: object) -> str:
    """A scalar, or an empty list or mapping, as it fits after ``key: `` or ``- ``."""
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, (list, tuple)):
        return "[]"
    return yaml_scalar(value)


def _yaml_key(key: object) -> str:
    if not isinstance(key, str):
        raise TypeError(f"front matter keys must be strings, not {type(key).__name__}")
    if _PLAIN_KEY.match(key) and key.lower() not in _SPECIAL_WORDS:
        return key
    return yaml_string(key)


def yaml_scalar(value: object) -> str:
    """One YAML scalar: ``true``/``false``, an integer, an ISO date, ``null`` or a quoted string."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        return yaml_string(value)
    raise TypeError(f"cannot write {type(value).__name__} in front matter")


def yaml_string(text: str) -> str:
    """``text`` as a double-quoted YAML string, every special or invisible character escaped."""
    # One regex pass finds the characters to escape (most texts have none, and a BibTeX
    # entry or an abstract in the front matter is thousands of characters long).
    return '"' + _YAML_SPECIAL.sub(_yaml_escape, text) + '"'


def _yaml_escape(match: re.Match[str]) -> str:
    return _yaml_char(match.group())


def _yaml_char(char: str) -> str:
    if char in _YAML_ESCAPES:
        return _YAML_ESCAPES[char]
    code = ord(char)
    # Control characters, surrogates and U+FFFE/U+FFFF are not allowed in a YAML stream.
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return f"\\x{code:02X}"
    if 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
        return f"\\u{code:04X}"
    return char


# --- File names -------------------------------------------------------------------------------

# Windows device names: a file or folder called "con" or "nul.md" cannot be created there.
_RESERVED_NAMES = frozenset(
    ["con", "prn", "aux", "nul"]
    + [f"com{n}" for n in range(1, 10)]
    + [f"lpt{n}" for n in range(1, 10)]
)
_UNSAFE_FILENAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
SLUG_MAX_LENGTH = 100
EMPTY_SLUG = "entry"


def slugify(key: str) -> str:
    """A file-name-safe form of an entry key: ``[A-Za-z0-9._-]`` only, never ``.``/``..``.

    Accents are dropped (``müller`` → ``muller``), other characters become ``-``, leading and
    trailing dots and dashes go, and Windows device names get an ``entry-`` prefix.
    """
    folded = "".join(
        char for char in unicodedata.normalize("NFKD", key) if not unicodedata.combining(char)
    )
    slug = _UNSAFE_FILENAME_CHARS.sub("-", folded)[:SLUG_MAX_LENGTH].strip(".-")
    if not slug:
        return EMPTY_SLUG
    if slug.split(".", 1)[0].lower() in _RESERVED_NAMES:
        return f"{EMPTY_SLUG}-{slug}"
    return slug


def entry_slugs(entries: Iterable[Entry]) -> dict[str, str]:
    """A distinct slug for every entry key, whatever the keys or their order.

    Slugs are compared ignoring case (macOS and Windows file systems do). A key that is
    already its own slug keeps it; the others that collide get ``-2``, ``-3``, ... in key
    order, skipping any slug another key has.
    """
    keys = sorted({entry.key for entry in entries}, key=lambda key: (slugify(key) != key, key))
    base = {key: slugify(key) for key in keys}
    taken: set[str] = set()
    claimed: dict[str, str] = {}
    for key in keys:  # First pass: each slug goes to its best claimant.
        if base[key].lower() not in taken:
            taken.add(base[key].lower())
            claimed[key] = base[key]
    for key in keys:  # Second pass: numbered slugs for the rest.
        if key in claimed:
            continue
        number = 2
        while f"{base[key]}-{number}".lower() in taken:
            number += 1
        claimed[key] = f"{base[key]}-{number}"
        taken.add(claimed[key].lower())
    return claimed


def _papers(page: Page) -> list[Entry]:
    return [entry for entry in page.entries if entry.kind is Kind.PAPER]


def _date(entry: Entry) -> datetime.date | None:
    """The publication date, on the 1st of its month (January when there is none)."""
    if entry.year is None or not 1 <= entry.year <= 9999:
        return None
    return datetime.date(entry.year, entry.month or 1, 1)


def _link(entry: Entry, kind: str) -> str | None:
    return next((link.href for link in entry.links if link.kind == kind), None)


def _md_link(label: str, href: str) -> str:
    return f"[{escape_md(label)}]({md_url(href)})"


# --- Citations --------------------------------------------------------------------------------


def plain_citation(entry: Entry) -> str:
    """A plain-text citation: ``Ada Lovelace, Charles Babbage. "Title." Venue, 1843.``"""
    parts = []
    names = [person.name for person in entry.people] + (["et al."] if entry.et_al else [])
    if entry.people_role:
        parts.append(f"{', '.join(names)} ({entry.people_role}).")
    elif names:
        parts.append(", ".join(names).rstrip(".") + ".")
    title = entry.title.strip()
    parts.append(f'"{title}"' if title.endswith((".", "?", "!")) else f'"{title}."')
    tail = ", ".join(part for part in (entry.venue, _year_text(entry)) if part)
    if tail:
        parts.append(tail + ".")
    return " ".join(parts)


def _year_text(entry: Entry) -> str:
    return str(entry.year) if entry.year is not None else ""


# --- academicpages (Jekyll) -------------------------------------------------------------------

ACADEMICPAGES_COLLECTION = "publications"
ACADEMICPAGES_PERMALINK = "/publication/"
# academicpages' _config.yml lists publication_category books / manuscripts / conferences,
# and its publications page shows only the papers whose category is one of them.
ACADEMICPAGES_CATEGORIES: dict[str, str] = {
    "inproceedings": "conferences",
    "conference": "conferences",
    "proceedings": "conferences",
    "book": "books",
    "inbook": "books",
    "incollection": "books",
}
ACADEMICPAGES_DEFAULT_CATEGORY = "manuscripts"
# pubsFromBib.py's date for a paper without a year: sorts last, as bibfolio does.
ACADEMICPAGES_UNDATED = datetime.date(1900, 1, 1)


def academicpages_page_front_matter(title: str, permalink: str) -> str:
    """Front matter that makes the Markdown page a page in academicpages' ``_pages/``."""
    return front_matter(
        {"title": _markdown_text(title), "permalink": permalink, "author_profile": True}
    )


def academicpages_publications(page: Page) -> dict[str, str]:
    """One file per paper for academicpages' ``_publications/`` collection.

    Keys are file names relative to that directory (``1843-09-01-lovelace1843notes.md``),
    sorted; values are the file text. Projects are left out.
    """
    slugs = entry_slugs(_papers(page))
    files = {}
    for entry in _papers(page):
        date = _date(entry) or ACADEMICPAGES_UNDATED
        files[f"{date.isoformat()}-{slugs[entry.key]}.md"] = _academicpages_file(
            entry, slugs[entry.key], date
        )
    return dict(sorted(files.items()))


def _academicpages_file(entry: Entry, slug: str, date: datetime.date) -> str:
    # The theme puts venue and citation into HTML as they are and runs the title through
    # Markdown, so each is escaped for where it lands.
    fields: dict[str, object] = {
        "title": _markdown_text(entry.title),
        "collection": ACADEMICPAGES_COLLECTION,
        "category": ACADEMICPAGES_CATEGORIES.get(entry.entry_type, ACADEMICPAGES_DEFAULT_CATEGORY),
        # The trailing slash makes Jekyll write .../<slug>/index.html: a slug with a dot
        # ("smith.2020") would otherwise be written as a file with an unknown extension.
        "permalink": f"{ACADEMICPAGES_PERMALINK}{slug}/",
        "date": date,
    }
    if entry.venue:
        fields["venue"] = html.escape(entry.venue, quote=False)
    paper_url = _link(entry, "pdf") or entry.url
    if paper_url:
        fields["paperurl"] = html.escape(paper_url)
    slides = _link(entry, "slides")
    if slides:
        fields["slidesurl"] = html.escape(slides)
    fields["citation"] = html.escape(plain_citation(entry), quote=False)
    # Google Scholar's tags, escaped like the fields above: the theme's head/custom.html
    # writes them as they are (see examples/README.md).
    fields["scholar"] = [
        {"name": name, "content": html.escape(content)} for name, content in citation_tags(entry)
    ]
    body = " · ".join(_md_link(link.label, link.href) for link in entry.links)
    return front_matter(fields) + (f"\n{body}\n" if body else "")


def _markdown_text(text: str) -> str:
    return str(escape_md(text))


# --- Standalone HTML pages --------------------------------------------------------------------


def html_paper_pages(
    page: Page, renderer: Renderer, site_url: str | None = None, under: str = ""
) -> dict[str, str]:
    """A standalone HTML page per paper, for search engines to index one paper at a time.

    Keys are ``<slug>/index.html``, sorted; each page's address is ``site_url`` + ``under``
    + ``<slug>/`` when ``site_url`` is known (``under``: where the pages are in the site).
    """
    slugs = entry_slugs(_papers(page))
    files = {
        f"{slugs[entry.key]}/index.html": renderer.paper_page(
            page, entry, page_url(site_url, f"{under}{slugs[entry.key]}/"), site_url
        )
        for entry in _papers(page)
    }
    return dict(sorted(files.items()))


def linked_to_paper_pages(page: Page, base: str) -> Page:
    """The page with each paper's title and label linking to its own paper page, at
    ``base`` + ``<slug>/`` (``html_paper_pages``'s names): the grouped page leads readers,
    and search engines, to the page that describes one paper. The entries' digests change
    with the address, so what was rendered with the old link is not reused."""
    slugs = entry_slugs(_papers(page))

    def linked(entry: Entry) -> Entry:
        if entry.kind is not Kind.PAPER:
            return entry
        href = f"{base}{slugs[entry.key]}/"
        return replace(entry, url=href, digest=f"{entry.digest}>{href}" if entry.digest else "")

    themes = tuple(
        replace(
            theme,
            sections=tuple(
                replace(group, entries=tuple(map(linked, group.entries)))
                for group in theme.sections
            ),
        )
        for theme in page.themes
    )
    return replace(page, themes=themes)


# --- Hugo (Wowchemy / Hugo Blox "publication" pages) ------------------------------------------

# Link kinds with a button field of their own in Hugo Blox publication front matter.
HUGO_URL_FIELDS: dict[str, str] = {
    "pdf": "url_pdf",
    "code": "url_code",
    "slides": "url_slides",
    "video": "url_video",
    "poster": "url_poster",
    "website": "url_project",
}
# Link kinds shown as custom buttons in the ``links`` list (``name`` and ``url``).
HUGO_CUSTOM_LINKS: tuple[str, ...] = ("arxiv", "url")
HUGO_COFIRST_NOTE = "Equal contribution"


def hugo_publications(page: Page, owner_alias: str | None = None) -> dict[str, str]:
    """A page bundle per paper for Hugo academic themes (Wowchemy / Hugo Blox).

    Keys are paths relative to ``content/publication/`` (``lovelace1843notes/index.md``),
    sorted. Authors are plain names; ``owner_alias`` (e.g. ``"admin"`` or ``"me"``) replaces
    the owner's name with that user's id, so the theme links and highlights the profile.
    """
    slugs = entry_slugs(_papers(page))
    files = {
        f"{slugs[entry.key]}/index.md": _hugo_file(entry, owner_alias) for entry in _papers(page)
    }
    return dict(sorted(files.items()))


def _hugo_file(entry: Entry, owner_alias: str | None) -> str:
    fields: dict[str, object] = {
        "title": entry.title,
        "authors": [
            owner_alias if person.is_owner and owner_alias else person.name
            for person in entry.authors
        ],
    }
    if entry.has_cofirst:
        fields["author_notes"] = [
            HUGO_COFIRST_NOTE if person.is_cofirst else "" for person in entry.authors
        ]
    date = _date(entry)
    if date is not None:
        fields["date"] = date
    if entry.venue:
        fields["publication"] = f"*{_markdown_text(entry.venue)}*"
    fields["publication_types"] = [csl_type(entry)]
    fields["featured"] = entry.selected
    fields["abstract"] = ""
    doi = bare_doi(entry)
    if doi:
        fields["doi"] = doi
    for kind, field in HUGO_URL_FIELDS.items():
        href = _link(entry, kind)
        if href:
            fields[field] = href
    custom = _custom_links(entry, HUGO_CUSTOM_LINKS)
    if custom:
        fields["links"] = custom
    # Google Scholar's tags, as text: Hugo's templates escape them (a head-end hook partial
    # writes them, see examples/README.md).
    fields["scholar"] = [
        {"name": name, "content": content} for name, content in citation_tags(entry)
    ]
    return front_matter(fields)


def _custom_links(entry: Entry, kinds: Sequence[str]) -> list[dict[str, str]]:
    return [{"name": link.label, "url": link.href} for link in entry.links if link.kind in kinds]
