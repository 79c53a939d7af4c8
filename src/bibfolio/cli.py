"""The ``bibfolio`` command: options in, one library call, messages and exit codes out."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .choices import STDOUT
from .options import (
    CONTEXT_SETTINGS,
    Command,
    bib_files,
    build_options,
    cache_option,
    input_options,
    skip_invalid_option,
    style_options,
)

if TYPE_CHECKING:
    # The rest of bibfolio is imported by the commands that use it: `bibfolio --help`
    # loads Click and this package's option lists only.
    from .config import Config

CHECK_EXIT = {"clean": 0, "problems": 1, "could not run": 2}


class _Group(click.Group):
    """Turns every ``BibfolioError`` into Click's one-line ``Error: ...`` and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        from .errors import BibfolioError

        try:
            with _terminated_on_sigterm():
                return super().invoke(ctx)
        except BibfolioError as error:
            raise click.ClickException(str(error)) from None
        except KeyboardInterrupt:  # temporary files are gone: every write cleans up after it
            click.echo("Interrupted; nothing was changed.", err=True)
            ctx.exit(130)
        except _Terminated:
            click.echo("Terminated; nothing was changed.", err=True)
            ctx.exit(143)


class _Terminated(BaseException):
    """SIGTERM (``timeout``, CI cancelling, systemd) ends a command as Ctrl-C does."""


@contextmanager
def _terminated_on_sigterm() -> Iterator[None]:
    import signal

    def terminate(signum: int, frame: object) -> None:
        raise _Terminated

    try:
        previous = signal.signal(signal.SIGTERM, terminate)
    except ValueError:  # not the main thread (a test runner's): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@click.group(cls=_Group, context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="bibfolio", prog_name="bibfolio")
def main() -> None:
    """Turn a BibTeX file into publication pages (HTML and Markdown).

    Papers are grouped by research theme, then into projects, first-author and other
    publications. Run `bibfolio build --help` to see how.
    """


def _config(bib_files: Sequence[Path], config_file: Path | None, options: dict[str, Any]) -> Config:
    from .config import find_config_file, make_config

    return make_config(config_file or find_config_file(list(bib_files)), options)


@main.command(short_help="Build publication pages from .bib files.")
@bib_files
@build_options
@skip_invalid_option
@cache_option
@input_options
def build(
    bib_files: tuple[Path, ...], config_file: Path | None, use_cache: bool, **options: Any
) -> None:
    """Build the publication page from BIB_FILES (read in order, sharing @string macros).

    \b
    Examples:
      bibfolio build refs.bib                      # site/publications.html and .md
      bibfolio build refs.bib -o _includes --fragment -f html
      bibfolio build refs.bib -s full -f md -o -   # full citations to standard output
      bibfolio build refs.bib --owner "Lianmin Zheng" --owner "L. Zheng"
    """
    from .build import build_and_write
    from .collector import freezing_what_is_read

    click.get_current_context().with_resource(freezing_what_is_read(unfreeze=False))

    config = _config(bib_files, config_file, options)
    if config.output == STDOUT and len(config.formats) != 1:
        raise click.UsageError("-o - writes one document: choose it with one --format")
    report = build_and_write(bib_files, config, use_cache, say=_say)
    click.echo(report.stdout, nl=False)
    names = [str(path) for path in report.written]
    if report.papers:
        names.append(f"{_count(report.papers, 'file', 'files')} in {config.per_paper}")
    if names:
        unit = "theme" if config.group_by == "theme" else "group"
        groups, entries = report.groups, report.entries
        where = f" in {_count(groups, unit, unit + 's')}" if groups else ""  # none: no headings
        click.echo(f"Wrote {_join(names)} ({_count(entries, 'entry', 'entries')}{where})", err=True)


def _say(message: str) -> None:
    """A warning or note, to standard error."""
    click.echo(message, err=True)


def _report_format(help_text: str) -> Callable[[Command], Command]:
    """``--format text|json``, for the commands that print a report."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help=help_text,
    )


@main.command(short_help="Check .bib files for problems.")
@bib_files
@_report_format("text: one `file:line: severity: message [code]` line per problem; json: for CI.")
@cache_option
@input_options
def check(
    bib_files: tuple[Path, ...],
    config_file: Path | None,
    output_format: str,
    use_cache: bool,
    **options: Any,
) -> None:
    """Check BIB_FILES against BibTeX's rules and bibfolio's .bib conventions.

    Reports syntax errors, duplicate keys, undefined macros, missing required fields,
    themes used once (likely typos), author+an positions out of range, unknown roles,
    unsafe links and malformed DOIs or arXiv ids, the owner's papers without a theme,
    and the same paper entered twice. Notes say what is not shown and why.

    Exit status: 0 no problems, 1 problems found, 2 could not run.

    \b
    Examples:
      bibfolio check refs.bib
      bibfolio check refs.bib --format json > check.json
    """
    from collections import Counter

    from .build import analyse, files_cache
    from .collector import freezing_what_is_read
    from .errors import BibfolioError, Severity, diagnostics_json

    ctx = click.get_current_context()
    ctx.with_resource(freezing_what_is_read(unfreeze=False))
    try:
        config = _config(bib_files, config_file, options)
        with files_cache(bib_files, use_cache) as cache:
            diagnostics = analyse(bib_files, config, cache).diagnostics
    except BibfolioError as error:
        click.echo(f"Error: {error}", err=True)
        ctx.exit(CHECK_EXIT["could not run"])
    counts = Counter(d.severity for d in diagnostics)
    problems = counts[Severity.ERROR] + counts[Severity.WARNING]
    if output_format == "json":
        click.echo(diagnostics_json(bib_files, diagnostics))
    else:
        for diagnostic in diagnostics:
            click.echo(str(diagnostic))
        summary = ", ".join(
            _count(counts[severity], severity.value, f"{severity.value}s") for severity in Severity
        )
        click.echo(f"{', '.join(map(str, bib_files))}: {summary}", err=True)
    ctx.exit(CHECK_EXIT["problems" if problems else "clean"])


@main.command(short_help="Write a bibfolio.toml (and template copies) to start from.")
@click.argument("bib_file", required=False, type=click.Path(path_type=Path))
@click.option(
    "--templates", is_flag=True, help="Also copy the bundled templates into templates/ to edit."
)
@click.option("--force", is_flag=True, help="Replace files that already exist.")
@click.option("--encoding", help="Encoding of the .bib file.  [default: utf-8]")
def init(bib_file: Path | None, templates: bool, force: bool, encoding: str | None) -> None:
    """Write a commented bibfolio.toml next to BIB_FILE (or here, without one).

    With BIB_FILE, the owner (the author on the most papers) and the themes, in order, are
    filled in from it; check them, then run `bibfolio build BIB_FILE`.

    \b
    Examples:
      bibfolio init refs.bib
      bibfolio init refs.bib --templates   # and templates/ to edit
    """
    from .model import THEME_SEPARATOR
    from .scaffold import init_project

    report = init_project(bib_file, templates, force, encoding)
    copied = f" and {report.templates} templates in {report.templates_dir}"
    click.echo(f"Wrote {report.config_file}" + (copied if report.templates else ""), err=True)
    if report.owner:
        listed = _count(len(report.themes), "theme", "themes")
        click.echo(f'Owner set to "{report.owner}" and {listed} listed: check them.', err=True)
    if not report.themes:
        click.echo(
            f"To group papers by research theme, give them a theme field, several separated "
            f'by "{THEME_SEPARATOR}": theme = {{Systems{THEME_SEPARATOR} Compilers}}',
            err=True,
        )


@main.command(
    short_help="Preview the page in a browser, rebuilt on every save.",
    context_settings=CONTEXT_SETTINGS,
)
@bib_files
@style_options
@skip_invalid_option
@cache_option
@input_options
@click.option(
    "--host",
    metavar="ADDRESS",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; 0.0.0.0 shows the page to other machines too.",
)
@click.option(
    "--port",
    metavar="PORT",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port to listen on; 0 picks a free one.",
)
@click.option(
    "--open/--no-open",
    "open_browser",
    default=False,
    help="Open the page in the web browser.  [default: no-open]",
)
def serve(
    bib_files: tuple[Path, ...],
    config_file: Path | None,
    host: str,
    port: int,
    open_browser: bool,
    use_cache: bool,
    **options: Any,
) -> None:
    """Serve the page on http://127.0.0.1:8000/ and rebuild it whenever an input is saved.

    Builds the page like `bibfolio build` (the whole HTML page at /, its Markdown at
    /publications.md), keeps it in memory, and rebuilds it on every save of BIB_FILES, the
    settings file or a template. While a .bib is broken, the error is printed and the last
    good page is still served. Nothing is written beside your files; the build cache (see
    `bibfolio build --no-cache`) is kept up to date, so a restart is fast too.

    \b
    Examples:
      bibfolio serve refs.bib                      # then open http://127.0.0.1:8000/
      bibfolio serve refs.bib -s full --open
      bibfolio serve refs.bib --port 0             # any free port
    """
    from .serve import serve_until_stopped

    address = (host, port)
    serve_until_stopped(bib_files, config_file, options, address, _say, open_browser, use_cache)


_REPORT_FORMAT = _report_format("text to read, or json for scripts.")


@main.command(short_help="Say why an entry is where it is on the page.")
@bib_files
@click.option(
    "-k",
    "--key",
    "keys",
    multiple=True,
    required=True,
    metavar="KEY",
    help="The entry to explain; repeat for several.",
)
@_REPORT_FORMAT
@cache_option
@input_options
def explain(
    bib_files: tuple[Path, ...],
    keys: tuple[str, ...],
    config_file: Path | None,
    output_format: str,
    use_cache: bool,
    **options: Any,
) -> None:
    """Explain where the entry KEY of BIB_FILES goes on the page, and why.

    Shows its themes, its section and the rule that chose it, the owner as matched, where
    its label came from, each link and the field it came from, and what `bibfolio check`
    says about it.

    \b
    Examples:
      bibfolio explain refs.bib --key zheng2022alpa
      bibfolio explain refs.bib -k vllm -k zheng2022alpa --format json
    """
    from .build import files_cache
    from .explain import explain as explain_entries
    from .explain import report_text, reports_json

    config = _config(bib_files, config_file, options)
    with files_cache(bib_files, use_cache) as cache:
        reports = explain_entries(bib_files, config, keys, cache)
    if output_format == "json":
        click.echo(reports_json(reports))
    else:
        click.echo("\n\n".join(report_text(report) for report in reports))


@main.command(short_help="Count papers by year, venue, type and co-author.")
@bib_files
@_REPORT_FORMAT
@cache_option
@input_options
def stats(
    bib_files: tuple[Path, ...],
    config_file: Path | None,
    output_format: str,
    use_cache: bool,
    **options: Any,
) -> None:
    """Count the papers of BIB_FILES: per year, per venue (the label without its year), per
    entry type, the share you are first author of, and your 15 most frequent co-authors.

    \b
    Examples:
      bibfolio stats refs.bib
      bibfolio stats refs.bib --format json > stats.json
    """
    from .build import files_cache
    from .explain import stats_json, stats_text, summarise

    config = _config(bib_files, config_file, options)
    with files_cache(bib_files, use_cache) as cache:
        summary = summarise(bib_files, config, cache)
    click.echo(stats_json(summary) if output_format == "json" else stats_text(summary))


def _join(names: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _count(number: int, singular: str, plural: str) -> str:
    return f"{number} {singular if number == 1 else plural}"
