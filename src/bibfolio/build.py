"""The library API: load → find the owner → group → render → write, as the CLI runs it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .config import OUTPUT_NAMES, Config
from .errors import Diagnostic, Severity
from .group import group_page
from .load import load
from .model import Page
from .names import InferredOwner, infer_owner, mark_owner, parse_person
from .output import write_atomic


@dataclass(frozen=True, slots=True)
class BuildResult:
    """The page, the warnings to show, and the owner when it was guessed rather than given."""

    page: Page
    warnings: tuple[Diagnostic, ...]
    inferred_owner: InferredOwner | None = None


def build_page(bib_paths: Sequence[Path], config: Config) -> BuildResult:
    """Read the .bib files and group them into a page.

    A block that cannot be read raises its ``BibSyntaxError`` unless ``config.skip_invalid``,
    which turns it into a warning that says it was skipped.
    """
    bibliography = load(bib_paths, config.encoding)
    if bibliography.errors and not config.skip_invalid:
        raise bibliography.errors[0].to_error("; fix it or pass --skip-invalid")
    warnings = tuple(
        Diagnostic(Severity.WARNING, f"skipped: {d.message}", d.path, d.line)
        if d.severity is Severity.ERROR
        else d
        for d in bibliography.diagnostics
    )
    owners = [parse_person(name) for name in config.owner]
    inferred = None if owners else infer_owner(bibliography.entries)
    if inferred is not None:
        owners = [inferred.person]
    entries = mark_owner(bibliography.entries, owners)
    if owners and not any(person.is_owner for entry in entries for person in entry.authors):
        names = " / ".join(f'"{name}"' for name in config.owner)
        warnings += (Diagnostic(Severity.WARNING, f"owner {names} is not an author of any entry"),)
    page = group_page(
        entries,
        config.title,
        config.themes,
        config.other_theme,
        owner=owners[0].name if owners else None,
    )
    return BuildResult(page, warnings, inferred)


def render_documents(page: Page, config: Config) -> dict[str, str]:
    """Render the page in every configured format, before anything is written."""
    from .render import Renderer  # Jinja2 loads only when something is rendered.

    renderer = Renderer(config.templates)
    return {
        fmt: renderer.render(page, fmt, config.style, config.fragment) for fmt in config.formats
    }


def write_documents(documents: Mapping[str, str], output_dir: Path) -> list[Path]:
    """Write each format to its file (``publications.html``, ...) in ``output_dir``."""
    written = []
    for fmt, text in documents.items():
        path = output_dir / OUTPUT_NAMES[fmt]
        write_atomic(path, text)
        written.append(path)
    return written
