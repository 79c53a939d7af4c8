"""Click arguments and options that several commands share, defined once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from .choices import STYLES

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
