"""Render the page model with Jinja2 templates: the user's directory first, then bundled ones."""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import itertools
import os
import re
import traceback
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
from jinja2.loaders import split_template_path
from markupsafe import Markup, escape

from .cache import digest, fragment_digest, fragment_key, fragment_kind, templates_digest
from .config import bundled_templates_dir, template_search_path
from .errors import TemplateError
from .latex import SCRIPT_MARKS, SCRIPTS, UNSCRIPTED
from .links import safe_href
from .meta import citation_tags, json_ld_script, page_json_ld, paper_json_ld
from .model import Entry, Page, SectionGroup, Span, Theme
from .parallel import MIN_PARALLEL_ITEMS, split_work
from .storage import read_verified, write_verified

# Characters that would start Markdown syntax inside text; "<", ">" and "&" become entities
# so that raw HTML in a title stays text in every Markdown engine.
_MD_PUNCTUATION = re.compile(r"([\\`*_\[\]|~#])")
# Braces become entities in both formats: "{{" or "{%" in a title must not reach Jekyll's
# Liquid or Hugo's Go templates, which read the output before any browser does.
_BRACE_ENTITIES = {"{": "&#123;", "}": "&#125;"}
_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", **_BRACE_ENTITIES}
# Text that would start a list item if it landed at the start of a line: "1. ", "2) ", "- ".
_MD_ORDERED_ITEM = re.compile(r"^(\s*\d+)(?=[.)](?:\s|$))")
_MD_BULLET_ITEM = re.compile(r"^(\s*)(?=[-+](?:\s|$))")
# The characters of Unicode's sub- and superscripts that stand for others ("₂" for "2").
_SCRIPT_CHARACTER = re.compile(
    "[" + "".join(chr(code) for code, plain in UNSCRIPTED.items() if chr(code) != plain) + "]"
)
# What starts a Liquid tag: in a code span no entity can hide it.
_TEMPLATE_TAG = re.compile(r"\{[{%]")
# Span styles that make up math on a page: its text and its sub- and superscripts.
_MATH_STYLES = frozenset({"math", *SCRIPTS})
_MARKS = {style: mark for mark, style in SCRIPT_MARKS.items()}
# The characters each script style has in Unicode.
_SCRIPT_CHARACTERS = {style: frozenset(table.values()) for style, table in SCRIPTS.items()}
# Characters that end or break a Markdown link destination, and Liquid's "{{" / "{%".
_MD_URL_UNSAFE = {
    **{" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E", '"': "%22"},
    **{"{": "%7B", "}": "%7D"},
}


def escape_md(value: Any) -> Any:
    """Escape text for Markdown; leaves ``Markup`` (already-safe output) untouched."""
    if isinstance(value, Markup):
        return value
    text = _MD_PUNCTUATION.sub(r"\\\1", str(value))
    text = _MD_BULLET_ITEM.sub(r"\1\\", _MD_ORDERED_ITEM.sub(r"\1\\", text))
    for char, entity in _MD_ENTITIES.items():  # "&" first, so no entity is escaped twice
        if char in text:
            text = text.replace(char, entity)
    return text


def finalize_html(value: Any) -> Any:
    """Every ``{{ … }}`` of an HTML template passes here before Jinja2 escapes it: text with
    braces is escaped here, entities for the braces included; the rest is left to Jinja2's
    own escaping, which would otherwise copy what this returned once more."""
    if isinstance(value, Markup):
        return value
    text = value if value.__class__ is str else str(value)
    return escape_html(text) if "{" in text or "}" in text else text


def escape_html(value: Any) -> Markup:
    """HTML-escape text, braces included (see ``_BRACE_ENTITIES``); ``Markup`` is kept."""
    if isinstance(value, Markup):
        return value
    escaped = escape(value)
    if "{" in escaped or "}" in escaped:  # str.replace: translate is 30 times slower here
        text = str(escaped).replace("{", _BRACE_ENTITIES["{"])
        return Markup(text.replace("}", _BRACE_ENTITIES["}"]))
    return escaped


def search_text(entry: Entry) -> str:
    """What a page's filter box searches: title, people, venue, year and label, lower-case.
    A title with sub- or superscripts ("H₂CO") is there as typed on a keyboard too ("H2CO")."""
    people = ", ".join(person.name for person in entry.people)
    title = entry.title
    if _SCRIPT_CHARACTER.search(title):
        title = f"{title} {title.translate(UNSCRIPTED)}"
    return " ".join((title, people, entry.venue, str(entry.year or ""), entry.label)).lower()


def html_url(address: str) -> str:
    """An address for an ``href``: only safe schemes pass (autoescape handles quoting)."""
    return safe_href(address) or ""


def md_url(address: str) -> Markup:
    """An address for a Markdown link destination, with the characters that end it encoded."""
    href = safe_href(address) or ""
    return Markup("".join(_MD_URL_UNSAFE.get(char, char) for char in href))


# How each span style is marked up, per format: (opening, closing).
HTML_STYLES = {
    "em": ("<em>", "</em>"),
    "strong": ("<strong>", "</strong>"),
    "code": ("<code>", "</code>"),
    "math": ('<span class="math">', "</span>"),
    "sub": ("<sub>", "</sub>"),
    "sup": ("<sup>", "</sup>"),
}
MD_STYLES = {"em": ("*", "*"), "strong": ("**", "**")}


def html_rich(spans: Iterable[Span], links: bool = True) -> Markup:
    """Styled spans as HTML; link spans become ``<a>`` only when ``links`` and safe; math
    (text and scripts, side by side) is one ``<span class="math">``: H<sub>2</sub>CO."""
    parts = []
    for is_math, run in itertools.groupby(spans, _is_math):
        if is_math:
            parts.append(_html_math(list(run)))
            continue
        for span in run:
            text = escape_html(span.text)
            href = safe_href(span.href) if span.style == "link" and links else None
            if href:
                parts.append(Markup('<a href="{}">{}</a>').format(href, text))
            elif span.style in HTML_STYLES:
                parts.append(_html_styled(span.style, text))
            else:
                parts.append(text)
    return Markup("").join(parts)


def _is_math(span: Span) -> bool:
    return span.style in _MATH_STYLES


def _html_styled(style: str, text: Markup) -> Markup:
    opening, closing = HTML_STYLES[style]
    return Markup(opening) + text + Markup(closing)


def _html_math(run: list[Span]) -> Markup:
    """Math as HTML: the scripts in ``<sub>``/``<sup>`` with their characters as written
    ("2", not "₂"), all in a math span unless it is only scripts (``H$_2$O``)."""
    inner = Markup("").join(
        _html_styled(span.style, escape_html(span.text.translate(UNSCRIPTED)))
        if span.style in SCRIPTS
        else escape_html(span.text)
        for span in run
    )
    return _html_styled("math", inner) if any(span.style == "math" for span in run) else inner


def md_rich(spans: Iterable[Span], links: bool = True) -> Markup:
    """Styled spans as Markdown: emphasis, code spans for code, escaped text; math as text
    with Unicode's sub- and superscripts (H₂CO), or a code span when one has none (M_⊙)."""
    parts = []
    for is_math, run in itertools.groupby(spans, _is_math):
        if is_math:
            parts.append(_md_math(list(run)))
            continue
        for span in run:
            href = safe_href(span.href) if span.style == "link" and links else None
            if href:
                parts.append(f"[{escape_md(span.text)}]({md_url(href)})")
            elif span.style == "code":
                parts.append(_code_span(span.text))
            elif span.style in MD_STYLES and span.text.strip():
                # Emphasis markers must touch the text: "*a *" is not emphasis in CommonMark.
                opening, closing = MD_STYLES[span.style]
                core = span.text.strip()
                before = span.text[: len(span.text) - len(span.text.lstrip())]
                after = span.text[len(span.text.rstrip()) :]
                parts.append(f"{before}{opening}{escape_md(core)}{closing}{after}")
            else:
                parts.append(escape_md(span.text))
    return Markup("".join(parts))


def _md_math(run: list[Span]) -> str:
    """Math as Markdown, which has no sub- or superscripts: as text when Unicode has each
    script's characters, else a code span of TeX's notation for the whole (``T_{eff}``)."""
    if all(
        set(span.text) <= _SCRIPT_CHARACTERS[span.style] for span in run if span.style in SCRIPTS
    ):
        return str(escape_md("".join(span.text for span in run)))
    return _code_span("".join(_tex_notation(span) for span in run))


def _tex_notation(span: Span) -> str:
    """A math span as TeX writes it: a script after its ``_`` or ``^``, braced when long."""
    if span.style not in SCRIPTS:
        return span.text
    text = span.text.translate(UNSCRIPTED)
    return _MARKS[span.style] + (text if len(text) == 1 else f"{{{text}}}")


def _code_span(text: str) -> str:
    """A Markdown code span that survives backticks in ``text`` (CommonMark's rule). Text
    with "{{" or "{%" is escaped text instead: Liquid would read them in a code span too,
    where an entity would show as written."""
    if _TEMPLATE_TAG.search(text):
        return str(escape_md(text))
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"


# Stands for the body while the page template is rendered (see ``Renderer.stream``).
_BODY_MARK = Markup("\x00bibfolio-body\x00")
# Entries and what the page template passed in → each entry's output, in order.
EntryTexts = Callable[[Iterable[Entry], dict[str, Any]], list[str]]


class Renderer:
    """Jinja2 environments for HTML and Markdown over one template search path.

    Each entry is rendered on its own through ``<style>-entry.<fmt>`` (see ``stream``), and
    kept in ``fragments`` under a key made of the entry's ``digest``, the templates' contents,
    what the entry template reads of the page (``_page_uses``: nothing, for the bundled ones)
    and what the page template passed in; an unchanged entry is then never rendered twice,
    even across builds when ``fragments`` is persisted. On large pages, the entries not in
    ``fragments`` are rendered ahead in up to ``jobs`` processes.
    """

    def __init__(
        self,
        templates_dir: Path | None = None,
        fragments: MutableMapping[str, str] | None = None,
        compiled_dir: Path | None = None,
        jobs: int = 1,
    ) -> None:
        bundled = _Loader(bundled_templates_dir())
        user = [_Loader(templates_dir)] if templates_dir else []
        self.search_path = template_search_path(templates_dir)
        loader = jinja2.ChoiceLoader([*user, bundled, jinja2.PrefixLoader({"default": bundled})])
        options: dict[str, Any] = {
            "loader": loader,
            "undefined": jinja2.StrictUndefined,
            "trim_blocks": True,
            "lstrip_blocks": True,
            "keep_trailing_newline": True,
            # No autoreload: editing a template in the middle of a build is not useful.
            "auto_reload": False,
        }
        if compiled_dir is not None and _writable_directory(compiled_dir):
            # Compiling the templates is a tenth of a build whose entries are all cached.
            options["bytecode_cache"] = _VerifiedBytecodeCache(compiled_dir)
        self.environments = {
            "html": jinja2.Environment(autoescape=True, finalize=finalize_html, **options),
            "md": jinja2.Environment(autoescape=False, finalize=escape_md, **options),
        }
        self.environments["html"].filters.update(url=html_url, rich=html_rich)
        self.environments["md"].filters.update(url=md_url, rich=md_rich)
        self.environments["html"].globals["page_json_ld"] = _page_json_ld
        for environment in self.environments.values():
            environment.filters["search_text"] = search_text
        self.fragments: MutableMapping[str, str] = {} if fragments is None else fragments
        self.jobs = jobs
        self._templates_digest: str | None = None
        self._key_prefixes: dict[tuple[Any, ...], str] = {}

    def render(self, page: Page, fmt: str, style: str, fragment: bool = False) -> str:
        """Render ``<style>.<fmt>``, wrapped in ``page.<fmt>`` unless ``fragment`` is set."""
        return "".join(self.stream(page, fmt, style, fragment))

    def stream(self, page: Page, fmt: str, style: str, fragment: bool = False) -> Iterator[str]:
        """``render`` in pieces, so a large page is never held in memory whole."""
        entry_texts = self._entry_texts(page, fmt, style)
        if self.jobs > 1 and self._unrendered(page, f"{style}-entry.{fmt}") >= MIN_PARALLEL_ITEMS:
            self._render_ahead(page, fmt, style)
        functions = _entry_functions(entry_texts)
        # ``wrapped``: page.<fmt> puts the style's stylesheet in its <head>, so the body
        # leaves its own out (a <style> inside <section> is not valid HTML).
        body = self._generate(f"{style}.{fmt}", fmt, page=page, wrapped=not fragment, **functions)
        if not fragment:
            # The page template is rendered around a marker, and the body streamed into it.
            page_text = "".join(
                self._generate(f"page.{fmt}", fmt, page=page, style=style, body=_BODY_MARK)
            )
            head, found, tail = page_text.partition(_BODY_MARK)
            body = itertools.chain([head], body, [tail]) if found else iter([page_text])
        return _one_final_newline(body)

    def paper_page(
        self, page: Page, entry: Entry, url: str | None, site_url: str | None = None
    ) -> str:
        """A paper's own HTML page (``paper.html``): its full-style entry, with the citation
        tags and JSON-LD search engines read; ``url`` is the page's address, when known."""
        context = {
            "page": page,
            "entry": entry,
            "url": url,
            "citation_tags": citation_tags(entry, site_url),
            "json_ld": json_ld_script(paper_json_ld(entry, url)),
            "note_id": f"bf-equal-note-{entry.key}",
            "style": "full",
            **_entry_functions(self._entry_texts(page, "html", "full")),
        }
        return "".join(_one_final_newline(self._generate("paper.html", "html", **context)))

    def _entry_texts(self, page: Page, fmt: str, style: str) -> EntryTexts:
        """Entries through ``<style>-entry.<fmt>`` with the page and what the page template
        passed in, trailing newlines removed, each reused from ``fragments`` when it is there."""
        name = f"{style}-entry.{fmt}"
        page_part = self._page_part(page, fmt, name)

        def entry_texts(entries: Iterable[Entry], context: dict[str, Any]) -> list[str]:
            prefix = self._key_prefix(name, context, page_part())
            with_page = {**context, "page": page}
            texts = []
            for entry in entries:
                key = fragment_key(prefix, entry.digest)
                text = self.fragments.get(key) if key else None
                if text is None:
                    text = self._render_entry(fmt, name, entry, with_page)
                    if key:
                        self.fragments[key] = text
                texts.append(text)
            return texts

        return entry_texts

    def _render_entry(self, fmt: str, name: str, entry: Entry, context: dict[str, Any]) -> str:
        with self._template_errors():
            template = self.environments[fmt].get_template(name)
            return template.render(entry=entry, **context).rstrip("\n")

    def _unrendered(self, page: Page, name: str) -> int:
        """How many entries have no output of the entry template ``name`` in ``fragments``
        (under any settings): when these are few, rendering ahead would cost more than it
        saves. Output of other templates does not count: the HTML rendered a moment ago says
        nothing of the Markdown."""
        rendered = {fragment_digest(key) for key in self.fragments if fragment_kind(key) == name}
        return sum(1 for entry in page.entries if entry.digest not in rendered)

    def _render_ahead(self, page: Page, fmt: str, style: str) -> None:
        """Render the entries not in ``fragments`` in parallel. A first pass over the page
        template, with a ``render_entry`` that only takes note, finds what it will ask for."""
        name = f"{style}-entry.{fmt}"
        page_part = self._page_part(page, fmt, name)
        wanted: dict[str, tuple[Entry, dict[str, Any]]] = {}

        def take_note(entries: Iterable[Entry], context: dict[str, Any]) -> list[str]:
            prefix = self._key_prefix(name, context, page_part())
            for entry in entries:
                key = fragment_key(prefix, entry.digest)
                if key and key not in self.fragments:
                    wanted.setdefault(key, (entry, {**context, "page": page}))
            return []

        functions = _entry_functions(take_note)
        for _ in self._generate(f"{style}.{fmt}", fmt, page=page, wrapped=False, **functions):
            pass
        keys = list(wanted)

        def render_part(start: int, stop: int) -> list[str]:
            return [self._render_entry(fmt, name, *wanted[key]) for key in keys[start:stop]]

        for key, text in zip(keys, split_work(render_part, len(keys), self.jobs), strict=True):
            self.fragments[key] = text

    def _key_prefix(self, name: str, context: dict[str, Any], page_part: str | None) -> str:
        """What an entry's output depends on besides the entry (whose digest ends its key in
        ``fragments``): the entry template's name, then a hash of it with the templates'
        contents, what it uses of the page (``_page_part``) and what the page template passed
        in, made once; "" when the output cannot be reused."""
        if page_part is None:
            return ""
        settings: tuple[Any, ...] = (name, page_part, *context.items())
        try:
            prefix = self._key_prefixes.get(settings)
        except TypeError:  # a list or dict passed in: use its text instead
            settings = (name, page_part, repr(sorted(context.items())))
            prefix = self._key_prefixes.get(settings)
        if prefix is None:
            source = "\0".join((self._templates_key(), repr(settings)))
            # The template's name first: the cache keeps rendered entries by it (fragment_kind).
            prefix = f"{name}/{digest(source, size=8)}"
            self._key_prefixes[settings] = prefix
        return prefix

    def _templates_key(self) -> str:
        if self._templates_digest is None:
            self._templates_digest = templates_digest(self.search_path)
        return self._templates_digest

    def _page_part(self, page: Page, fmt: str, name: str) -> Callable[[], str | None]:
        """What the entry template ``name`` reads of ``page``, as text for its entries' keys,
        found when first asked for (after the page template, whose errors come first): ""
        when it reads nothing of it (the bundled ones), a hash of the attributes it reads
        when it reads them as ``page.<attribute>``, else of the whole page; None when that
        includes an entry without a digest (nothing is then reused)."""
        found: list[str | None] = []

        def page_part() -> str | None:
            if not found:
                found.append(self._read_of_page(page, fmt, name))
            return found[0]

        return page_part

    def _read_of_page(self, page: Page, fmt: str, name: str) -> str | None:
        key = (self._templates_key(), fmt, name)
        uses = _PAGE_USES.get(key)
        if uses is None:
            with self._template_errors():
                uses = _PAGE_USES[key] = _page_uses(self.environments[fmt], name)
        if not uses:
            return ""
        names = _PAGE_FIELDS if "" in uses else sorted(uses)
        try:
            plain = [(attribute, _plain(getattr(page, attribute, None))) for attribute in names]
        except _NoDigest:
            return None
        return digest(repr(plain))

    def _generate(self, name: str, fmt: str, **context: Any) -> Iterator[str]:
        """Render a template piece by piece, turning Jinja2's errors into ``TemplateError``."""
        with self._template_errors():
            yield from self.environments[fmt].get_template(name).generate(**context)

    @contextmanager
    def _template_errors(self) -> Iterator[None]:
        """Turn Jinja2's errors into a ``TemplateError`` that names the template file."""
        try:
            yield
        except jinja2.TemplateNotFound as error:
            searched = ", ".join(str(path) for path in self.search_path)
            raise TemplateError(
                f'template "{error.name}" not found (searched: {searched})'
            ) from None
        except jinja2.TemplateSyntaxError as error:
            path = Path(error.filename) if error.filename else None
            raise TemplateError(
                f"template syntax error: {error.message}", path, error.lineno
            ) from None
        except jinja2.UndefinedError as error:
            path, line = _template_frame(error)
            raise TemplateError(f"template error: {error.message}", path, line) from None
        except TemplateError:
            raise  # an entry template's error, from render_entry inside the page template
        except RecursionError as error:
            path, line = _template_frame(error)
            message = "template error: templates include or extend each other without end"
            raise TemplateError(message, path, line) from None
        except Exception as error:
            # The user's template runs its own code here ({{ 1/0 }}, {{ title + 1 }}), which
            # can raise anything Python can: each is the template's error, at its line.
            path, line = _template_frame(error)
            detail = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            raise TemplateError(f"template error: {detail}", path, line) from None


class _Loader(jinja2.FileSystemLoader):
    """Jinja2's file loader, with a template it cannot read or decode a ``TemplateError``
    naming the file (and the line of the first byte that is not UTF-8)."""

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        try:
            return super().get_source(environment, template)
        except jinja2.TemplateNotFound:
            raise  # an OSError too, but the next directory may have it
        except (OSError, UnicodeDecodeError) as error:
            pieces = split_template_path(template)
            found = (Path(directory, *pieces) for directory in self.searchpath)
            path = next((path for path in found if path.is_file()), Path(template))
            if isinstance(error, OSError):
                raise TemplateError(f"cannot read template: {error.strerror}", path) from None
            # The error's position is in the chunk Python was decoding: find it in the file.
            data = path.read_bytes()
            try:
                data.decode(self.encoding)
            except UnicodeDecodeError as bad:
                line = data[: bad.start].count(b"\n") + 1
                message = f"template is not valid UTF-8 ({bad.reason}): save it as UTF-8"
                raise TemplateError(message, path, line) from None
            raise


def _page_json_ld(page: Page) -> Markup:
    """What ``page.html`` puts in its head: the page's papers as schema.org JSON-LD."""
    return json_ld_script(page_json_ld(page))


# (templates' digest, format, entry template) → the attributes of ``page`` it reads (see
# ``_page_uses``): found once per process, as serve makes a Renderer per rebuild.
_PAGE_USES: dict[tuple[str, str, str], frozenset[str]] = {}
# What makes a page: what its other attributes are computed from.
_PAGE_FIELDS = ["title", "themes", "owner", "more_url", "more_text"]


def _page_uses(environment: jinja2.Environment, name: str) -> frozenset[str]:
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


class _NoDigest(Exception):
    """An entry without a digest: what depends on it cannot be named by a hash."""


def _plain(value: Any) -> Any:
    """A page attribute's value in plain data for its hash: each entry as its digest (which
    stands for all of it), themes and sections as their fields."""
    if isinstance(value, Entry):
        if not value.digest:
            raise _NoDigest
        return value.digest
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    if isinstance(value, (Theme, SectionGroup)):
        return [_plain(getattr(value, field.name)) for field in dataclasses.fields(value)]
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _entry_functions(entry_texts: EntryTexts) -> dict[str, Any]:
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


class _VerifiedBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates, each checked before use (``cache.read_verified``): marshalled code
    read from a damaged file gives a wrong page, a traceback or a crash."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = read_verified(self.directory / f"__jinja2_{bucket.key}.cache", bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        path = self.directory / f"__jinja2_{bucket.key}.cache"
        with contextlib.suppress(OSError):  # a read-only or full disk: compiled again next time
            write_verified(path, bucket.key, bucket.bytecode_to_string())


def _writable_directory(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(path, os.W_OK)


def _one_final_newline(pieces: Iterable[str]) -> Iterator[str]:
    """Strip leading and trailing newlines and end with exactly one, whatever the templates do.

    Trailing newlines are held back until more text shows they were not the end.
    """
    started = False
    held = ""
    for piece in pieces:
        text = piece if started else piece.lstrip("\n")
        started = started or bool(text)
        if not held and not text.endswith("\n"):  # most pieces: pass on as they are
            if text:
                yield text
            continue
        # join, not +: adding a str to Markup would escape the str.
        text = "".join((held, text))
        kept = text.rstrip("\n")
        held = text[len(kept) :]
        if kept:
            yield kept
    yield "\n"


def _template_frame(error: BaseException) -> tuple[Path | None, int | None]:
    """The template file and line of an error: Jinja2 puts them in the traceback only."""
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename.endswith((".html", ".md"))
    ]
    if not frames:
        return None, None
    return Path(frames[-1].filename), frames[-1].lineno
