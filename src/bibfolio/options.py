"""The Click arguments and options of the commands, each defined once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from .choices import FORMATS, GROUPINGS, SITES, STYLES, SUPERVISED

Command = TypeVar("Command", bound=Callable[..., Any])

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _apply(command: Command, decorators: list[Callable[[Command], Command]]) -> Command:
    """Apply decorators so that options appear in ``--help`` in the order listed."""
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def bib_files(command: Command) -> Command:
    """The .bib files argument."""
    # Not exists=True: the loader reports a missing file as one "file: ..." line, like any other.
    return click.argument("bib_files", nargs=-1, required=True, type=click.Path(path_type=Path))(
        command
    )


def style_options(command: Command) -> Command:
    """How the page looks: --style, --title, --templates."""
    return _apply(
        command,
        [
            click.option(
                "-s",
                "--style",
                metavar="NAME",
                help=f"Page style: {' or '.join(STYLES)}, or your own NAME.html / NAME.md in "
                "--templates.  [default: compact]",
            ),
            click.option("--title", help="Page title.  [default: Publications]"),
            click.option(
                "--templates",
                type=click.Path(exists=True, file_okay=False, path_type=Path),
                help="Directory of templates that override the bundled ones by file name.",
            ),
        ],
    )


def skip_invalid_option(command: Command) -> Command:
    """--skip-invalid / --strict."""
    return click.option(
        "--skip-invalid/--strict",
        default=None,
        help="Skip entries that cannot be read, with a warning each, instead of failing.",
    )(command)


def cache_option(command: Command) -> Command:
    """--cache / --no-cache."""
    return click.option(
        "--cache/--no-cache",
        "use_cache",
        default=True,
        help="Reuse what earlier runs parsed and rendered, kept by content in "
        "$XDG_CACHE_HOME/bibfolio (~/.cache/bibfolio; safe to delete).  [default: cache]",
    )(command)


def input_options(command: Command) -> Command:
    """What every command that reads .bib files takes: --owner, --encoding, --config."""
    return _apply(
        command,
        [
            click.option(
                "--owner",
                multiple=True,
                metavar="NAME",
                help='The site owner, e.g. "Lianmin Zheng"; repeat for name variants.  '
                "[default: the author on the most papers]",
            ),
            click.option("--encoding", help="Encoding of the .bib files.  [default: utf-8]"),
            click.option(
                "--config",
                "config_file",
                type=click.Path(exists=True, dir_okay=False, path_type=Path),
                help="Settings file.  [default: bibfolio.toml next to the first .bib, if any]",
            ),
        ],
    )


def build_options(command: Command) -> Command:
    """What ``bibfolio build`` alone takes: where the page goes, in which formats and
    style, how it is grouped, the per-paper files and the processes to use."""
    return _apply(
        command,
        [
            click.option(
                "-o",
                "--output",
                metavar="DIR",
                help="Directory for publications.html / publications.md, or - for standard "
                "output.  [default: site]",
            ),
            click.option(
                "-f",
                "--format",
                "formats",
                multiple=True,
                type=click.Choice(FORMATS),
                help="Output format; repeat for several. json is the grouped page model, csl-json "
                "the papers as CSL items (pandoc, Zotero, citeproc-js).  [default: html and md]",
            ),
            style_options,
            click.option(
                "--fragment/--page",
                default=None,
                help="A fragment to embed (no <html>/<head>, no Markdown title) or a whole page.  "
                "[default: page]",
            ),
            click.option(
                "--group-by",
                type=click.Choice(GROUPINGS),
                help="Group papers by research theme, by year or by type.  [default: theme]",
            ),
            click.option(
                "--supervised",
                type=click.Choice(SUPERVISED),
                help="Theses you supervised (an advisor, or no advisor named, and you not the "
                "author): their own section, or omit them.  [default: section]",
            ),
            click.option(
                "--front-matter/--no-front-matter",
                default=None,
                help="Start the Markdown with Jekyll front matter (title, permalink, "
                "author_profile), ready for academicpages' _pages/.",
            ),
            click.option(
                "--permalink",
                metavar="PATH",
                help="Permalink in the front matter.  [default: /publications/]",
            ),
            click.option(
                "--site-url",
                metavar="URL",
                help="Your site's address (https://example.org/): absolute links in paper pages, "
                "feeds and metadata are made from it.",
            ),
            click.option(
                "--per-paper",
                metavar="DIR",
                help="Also write one file per paper into DIR, for --site's collection or as pages.",
            ),
            click.option(
                "--site",
                type=click.Choice(SITES),
                help="Layout of --per-paper files: academicpages' _publications/, Hugo page "
                "bundles (content/publication/) or html pages (<key>/index.html) with citation "
                "tags and JSON-LD for Google Scholar.  [default: academicpages]",
            ),
            click.option(
                "-j",
                "--jobs",
                type=int,
                metavar="N",
                help="Processes to use for the entries not in the cache (on large files); 0 means "
                "one per CPU.  [default: 0]",
            ),
        ],
    )
