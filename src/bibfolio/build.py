"""The library API: load → find the owner → group → render → write, as the CLI runs it."""

from __future__ import annotations

import dataclasses
import itertools
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from .cache import Cache, build_key
from .check import check
from .choices import OUTPUT_NAMES, STDOUT
from .config import Config, template_search_path
from .entries import ReadSettings
from .errors import BibfolioError, Diagnostic, Severity
from .group import group_page
from .lastbuild import LastBuild
from .links import AssetBases
from .load import Bibliography, load
from .meta import page_url
from .model import Entry, Page, Person
from .names import InferredOwner, infer_owner, mark_owner, parse_person
from .output import Content, whole_text, write_all
from .parallel import available_jobs


@dataclass(frozen=True, slots=True)
class Analysis:
    """A loaded bibliography with the owner marked, and every problem found in it."""

    bibliography: Bibliography
    entries: tuple[Entry, ...]
    diagnostics: tuple[Diagnostic, ...]
    owners: tuple[Person, ...]
    inferred_owner: InferredOwner | None = None


@dataclass(frozen=True, slots=True)
class BuildResult:
    """The page, the warnings to show, and the owner when it was guessed rather than given."""

    page: Page
    warnings: tuple[Diagnostic, ...]
    inferred_owner: InferredOwner | None = None


def analyse(
    bib_paths: Sequence[Path], config: Config, cache: Cache | None = None, notes: bool = True
) -> Analysis:
    """Load the .bib files, find the owner, and run every check: what ``bibfolio check`` shows
    (without ``notes``, the checks that only say notes are not run).

    With a ``cache``, what earlier builds computed is reused and what is new is added to it.
    """
    owners = tuple(parse_person(name) for name in config.owner)
    # Without an owner, read with the one the last build guessed: when the guess is the same,
    # the entries come from the cache marked, as if the owner had been given.
    guess = cache.inferred_owner() if cache is not None and not owners else None
    read_with = owners or ((guess,) if guess else ())
    bibliography = load(
        bib_paths, config.encoding, read_with, cache, jobs(config), read_settings(config)
    )
    entries, inferred = bibliography.entries, None
    if not owners:
        entries, inferred = _with_guessed_owner(entries, read_with, cache)
        owners = (inferred.person,) if inferred else ()
    diagnostics = [*bibliography.diagnostics, *check(bibliography, entries, notes)]
    if owners and not any(person.is_owner for entry in entries for person in entry.people):
        names = " / ".join(f'"{person.name}"' for person in owners)
        message = f"owner {names} is not an author of any entry"
        diagnostics.append(Diagnostic(Severity.WARNING, message, code="owner"))
    order = {path: index for index, path in enumerate(bib_paths)}
    diagnostics.sort(key=lambda d: (order.get(d.path, len(order)) if d.path else -1, d.line or 0))
    return Analysis(bibliography, entries, tuple(diagnostics), owners, inferred)


@contextmanager
def files_cache(bib_paths: Sequence[Path], use_cache: bool) -> Iterator[Cache | None]:
    """The cache of earlier runs on these files (None without ``use_cache``), saved when
    the block using it ends without an error."""
    cache = Cache.for_files(bib_paths) if use_cache else None
    yield cache
    if cache is not None:
        cache.save()


def read_settings(config: Config) -> ReadSettings:
    """What of the config decides how entries are made (see ``load.ReadSettings``)."""
    assets = AssetBases(config.asset_base, config.preview_base)
    return ReadSettings.from_config(config.venues, config.fields, assets, config.macros)


def _with_guessed_owner(
    entries: tuple[Entry, ...], read_with: tuple[Person, ...], cache: Cache | None
) -> tuple[tuple[Entry, ...], InferredOwner | None]:
    """The entries marked with the owner guessed from them, and the guess. They were read
    marked with ``read_with`` (the last build's guess), so they are marked again only when
    this guess differs, and then the cache is told."""
    inferred = infer_owner(entries)
    owners = (inferred.person,) if inferred else ()
    if owners == read_with:
        return entries, inferred
    marked = mark_owner(entries, owners)
    if cache is not None:
        cache.remember_inferred_owner(
            inferred.person if inferred else None, zip(entries, marked, strict=True)
        )
    return marked, inferred


def jobs(config: Config) -> int:
    """The processes a build may use (``config.jobs``, where 0 means one per CPU)."""
    return config.jobs or available_jobs()


def owner_note(guess: InferredOwner | None) -> str | None:
    """What to tell the user when the owner was guessed, or None when it was given."""
    if guess is None:
        return None
    # The other spellings counted with the guess, so a wrong merge shows.
    also = "".join(f', "{name}"' for name in guess.variants)[2:]
    return (
        f'note: no owner given; assuming "{guess.person.name}", an author of '
        f"{guess.papers} of {guess.total} papers{f' (also written {also})' if also else ''} "
        "(set it with --owner or in bibfolio.toml)"
    )


def build_page(
    bib_paths: Sequence[Path], config: Config, cache: Cache | None = None
) -> BuildResult:
    """Read the .bib files and group them into a page.

    A block that cannot be read raises its ``BibSyntaxError`` unless ``config.skip_invalid``,
    which turns it into a warning that says it was skipped. Notes are left out.
    """
    analysis = analyse(bib_paths, config, cache, notes=False)
    errors = [d for d in analysis.diagnostics if d.severity is Severity.ERROR]
    if errors and not config.skip_invalid:
        raise errors[0].to_error("; fix it or pass --skip-invalid")
    warnings = tuple(
        replace(d, severity=Severity.WARNING, message=f"skipped: {d.message}")
        if d.severity is Severity.ERROR
        else d
        for d in analysis.diagnostics
        if d.severity is not Severity.NOTE
    )
    page = group_page(
        analysis.entries,
        config.title,
        config.themes,
        config.other_theme,
        owner=analysis.owners[0].name if analysis.owners else None,
        group_by=config.group_by,
        supervised=config.supervised,
    )
    page = replace(page, more_url=config.more_url, more_text=config.more_text)
    return BuildResult(page, warnings, analysis.inferred_owner)


def stream_documents(page: Page, config: Config, cache: Cache | None = None) -> dict[str, Content]:
    """The page in every configured format; templates stream, so write them as they come.
    The data formats (JSON, CSL-JSON, Atom) come whole, as UTF-8 bytes.

    With a ``cache``, entries rendered by an earlier build are reused.
    """
    # Jinja2 and the exporters load only when something is rendered.
    from .export import page_to_csl_json, page_to_json
    from .feed import page_to_atom
    from .render import Renderer
    from .sites import academicpages_page_front_matter, linked_to_paper_pages

    data_exports = {"json": page_to_json, "csl-json": page_to_csl_json}
    renderer = (
        Renderer(config.templates, jobs=jobs(config))
        if cache is None
        else Renderer(config.templates, cache.fragments, cache.templates_directory, jobs(config))
    )
    if config.per_paper is not None and config.site == "html":
        page = linked_to_paper_pages(page, _paper_pages_base(config))
    documents: dict[str, Content] = {}
    for fmt in config.formats:
        if fmt == "atom":
            documents[fmt] = page_to_atom(page, config.site_url)
        elif fmt in data_exports:
            documents[fmt] = data_exports[fmt](page, cache.fragments if cache else None)
        elif fmt == "md" and config.front_matter:
            # The page layout shows the title from the front matter, so no "# Title" line.
            body = renderer.stream(page, fmt, config.style, fragment=True)
            front_matter = academicpages_page_front_matter(page.title, config.permalink)
            documents[fmt] = itertools.chain([front_matter, "\n"], body)
        else:
            documents[fmt] = renderer.stream(page, fmt, config.style, config.fragment)
    return documents


def render_documents(page: Page, config: Config, cache: Cache | None = None) -> dict[str, str]:
    """The page in every configured format, each as one string."""
    return {fmt: whole_text(doc) for fmt, doc in stream_documents(page, config, cache).items()}


def per_paper_files(page: Page, config: Config) -> dict[Path, str]:
    """One file per paper for ``config.site``, under ``config.per_paper`` (empty if unset)."""
    if config.per_paper is None:
        return {}
    from .render import Renderer
    from .sites import academicpages_publications, html_paper_pages, hugo_publications

    directory = Path(config.per_paper)
    if config.site == "html":
        renderer = Renderer(config.templates, jobs=jobs(config))
        pages = html_paper_pages(page, renderer, config.site_url, _site_path(directory, config))
        return {directory / name: text for name, text in pages.items()}
    site_exports = {"academicpages": academicpages_publications, "hugo": hugo_publications}
    return {directory / name: text for name, text in site_exports[config.site](page).items()}


def _paper_pages_base(config: Config) -> str:
    """Where the grouped page finds the paper pages: their address under ``site_url`` when
    it is known, else their folder relative to the grouped page's."""
    directory = Path(str(config.per_paper))
    if config.site_url:
        return str(page_url(config.site_url, _site_path(directory, config)))
    here = Path.cwd() if config.output == STDOUT else Path(config.output)
    relative = Path(os.path.relpath(directory.resolve(), here.resolve())).as_posix()
    return f"{relative}/"


def _site_path(directory: Path, config: Config) -> str:
    """Where paper pages are in the site, as a URL path ("papers/"): ``directory`` relative
    to the output directory (the site's root), else the directory's own name."""
    try:
        relative = directory.resolve().relative_to(Path(config.output).resolve())
    except ValueError:
        relative = Path(directory.name)
    return "".join(f"{part}/" for part in relative.parts)


def output_files(documents: Mapping[str, Content], output_dir: Path) -> dict[Path, Content]:
    """Where each rendered format goes: ``publications.html``, ... in ``output_dir``."""
    return {output_dir / OUTPUT_NAMES[fmt]: text for fmt, text in documents.items()}


def write_files(files: Mapping[Path, Content], inputs: Sequence[Path] = ()) -> list[Path]:
    """Write every file; none replaces its old version until all are written in full, and
    nothing is written when one of them is an input (the user's .bib is never replaced)."""
    read = {_identity(path) for path in inputs if path.exists()}
    for path in files:
        if path.exists() and _identity(path) in read:
            raise BibfolioError(
                "refusing to write over an input file; choose another --output", path
            )
    return write_all(files)


def _identity(path: Path) -> tuple[int, int]:
    """What names a file whatever the path to it (links, "..", symbolic links)."""
    status = path.stat()
    return status.st_dev, status.st_ino


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What ``build_and_write`` did, for the CLI to tell."""

    written: tuple[Path, ...]  # the documents written (one that already held its text is not)
    papers: int  # per-paper files, written or not
    entries: int
    groups: int  # groups with a heading
    stdout: str  # the document for standard output (``-o -``), else ""


def build_and_write(
    bib_paths: Sequence[Path], config: Config, use_cache: bool, say: Callable[[str], None]
) -> BuildReport:
    """What ``bibfolio build`` does: build the page and write its documents and per-paper
    files, telling ``say`` its warnings and notes before anything is written.

    With ``use_cache``, what earlier builds computed is reused, and a build whose inputs,
    settings and templates did not change since the last is no build at all: what that one
    wrote (and said) is written (and said) again.
    """
    cache_file = Cache.file_for(bib_paths) if use_cache else None
    key = _build_key(bib_paths, config) if cache_file is not None else ""
    last = LastBuild.load(cache_file, key) if cache_file is not None and key else None
    cache = None  # read only when there is something to build
    if last is None and use_cache:
        cache = Cache() if cache_file is None else Cache.open(cache_file)
    documents: dict[str, Content]
    if last is None:
        documents, papers, messages, entries, groups = _build_documents(
            bib_paths, config, cache, say
        )
    else:  # nothing it depends on changed since the last build: write what that one wrote
        messages = list(last.messages)
        for message in messages:
            say(message)
        documents = dict(last.documents)
        entries, groups = last.entries, last.groups
        papers = {Path(str(config.per_paper)) / name: text for name, text in last.papers.items()}
    to_stdout = config.output == STDOUT
    recorded: dict[str, list[bytes]] = {}
    if last is None and key and not to_stdout:
        documents, recorded = LastBuild.recording(documents)
    # Standard output gets the whole text or nothing, like a file.
    text = whole_text(next(iter(documents.values()))) if to_stdout else ""
    files = {} if to_stdout else output_files(documents, Path(config.output))
    written = write_files({**files, **papers}, bib_paths)
    if cache is not None and last is None:
        cache.save()
    if cache_file is not None and last is None and key:
        if to_stdout:
            recorded = {config.formats[0]: [text.encode()]}
        base = str(config.per_paper)
        relative = {str(path.relative_to(base)): paper for path, paper in papers.items()}
        LastBuild.save(cache_file, key, recorded, relative, tuple(messages), (entries, groups))
    documents_written = tuple(path for path in written if path not in papers)
    return BuildReport(documents_written, len(papers), entries, groups, text)


def _build_key(bib_paths: Sequence[Path], config: Config) -> str:
    """Everything the output of ``build_and_write`` depends on, hashed (not where it goes,
    nor how many processes make it); "" when a file cannot be read (the build then says why)
    or is not a regular file."""
    if not all(path.is_file() for path in bib_paths):
        # A pipe (/dev/stdin, <(…)) can be read once only, and the build must read it.
        return ""
    settings = repr(dataclasses.replace(config, output="", jobs=0))
    try:
        return build_key(bib_paths, settings, template_search_path(config.templates))
    except OSError:
        return ""


def _build_documents(
    bib_paths: Sequence[Path], config: Config, cache: Cache | None, say: Callable[[str], None]
) -> tuple[dict[str, Content], dict[Path, str], list[str], int, int]:
    """Build the page and tell ``say`` its warnings and notes; return its documents
    (streamed as they are written), per-paper files, those messages, and its numbers of
    entries and of groups with a heading."""
    result = build_page(bib_paths, config, cache)
    messages = [str(warning) for warning in result.warnings]
    note = owner_note(result.inferred_owner)
    if note:
        messages.append(note)
    for message in messages:
        say(message)
    documents: dict[str, Content] = {**stream_documents(result.page, config, cache)}
    papers = per_paper_files(result.page, config)
    groups = sum(1 for theme in result.page.themes if theme.title)
    return documents, papers, messages, len(result.page.entries), groups
