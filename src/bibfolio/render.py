"""Render the page model with Jinja2 templates: the user's directory first, then bundled ones.

The ``Renderer`` holds the environments, reuses each entry's output by its key and streams the
page. What the filters make of text is ``markup.py``'s; what passes between the page template
and the entry templates is ``entry_templates.py``'s.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import traceback
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jinja2
from jinja2.loaders import split_template_path
from markupsafe import Markup

from .cache import digest, fragment_digest, fragment_key, fragment_kind, templates_digest
from .config import bundled_templates_dir, template_search_path
from .entry_templates import (
    PAGE_FIELDS,
    PAGE_USES_FOUND,
    EntryTexts,
    NoDigest,
    entry_functions,
    page_uses,
    plain_data,
)
from .errors import TemplateError
from .markup import escape_md, finalize_html, html_rich, html_url, md_rich, md_url, search_text
from .meta import citation_tags, json_ld_script, page_json_ld, paper_json_ld
from .model import Entry, Page
from .parallel import MIN_PARALLEL_ITEMS, split_work
from .storage import read_verified, write_verified

# Stands for the body while the page template is rendered (see ``Renderer.stream``).
_BODY_MARK = Markup("\x00bibfolio-body\x00")


class Renderer:
    """Jinja2 environments for HTML and Markdown over one template search path.

    Each entry is rendered on its own through ``<style>-entry.<fmt>`` (see ``stream``), and
    kept in ``fragments`` under a key made of the entry's ``digest``, the templates' contents,
    what the entry template reads of the page (``page_uses``: nothing, for the bundled ones)
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
        functions = entry_functions(entry_texts)
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
            **entry_functions(self._entry_texts(page, "html", "full")),
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

        functions = entry_functions(take_note)
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
        uses = PAGE_USES_FOUND.get(key)
        if uses is None:
            with self._template_errors():
                uses = PAGE_USES_FOUND[key] = page_uses(self.environments[fmt], name)
        if not uses:
            return ""
        names = PAGE_FIELDS if "" in uses else sorted(uses)
        try:
            plain = [(attribute, plain_data(getattr(page, attribute, None))) for attribute in names]
        except NoDigest:
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
