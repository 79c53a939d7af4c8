"""Settings: command-line options win over ``bibfolio.toml`` next to the .bib, over defaults."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .choices import (
    CONFIG_FILENAME,
    FORMATS,
    GROUPINGS,
    SITES,
    STDOUT,
    SUPERVISED,
    TEMPLATE_FORMATS,
)
from .errors import BibfolioError, ConfigError
from .inputs import MAX_CONFIG_BYTES, read_bytes
from .links import safe_href

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


@dataclass(frozen=True, slots=True)
class Config:
    """Every setting of a build, with its default."""

    owner: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    title: str = "Publications"
    other_theme: str = "Other"
    style: str = "compact"
    group_by: str = "theme"
    supervised: str = "section"
    formats: tuple[str, ...] = TEMPLATE_FORMATS
    output: str = "site"
    front_matter: bool = False
    permalink: str = "/publications/"
    # The site's address (https://example.org/), from which absolute links are made (paper
    # pages, feeds, metadata); without it nothing claims an absolute address it cannot know.
    site_url: str | None = None
    # A last line of the compact page linking to a longer list ("[More publications](…)").
    more_url: str | None = None
    more_text: str = "More publications"
    per_paper: str | None = None
    site: str = "academicpages"
    templates: Path | None = None
    fragment: bool = False
    skip_invalid: bool = False
    encoding: str = "utf-8"
    # Processes a large build may use; 0 means every CPU this process may run on.
    jobs: int = 0
    # [venues]: a venue's full name (or a regular expression) → its label; wins over the
    # shipped venue tables.
    venues: tuple[tuple[str, str], ...] = ()
    # [fields]: the user's own field names → bibfolio's (``wwwpdf = "pdf"``).
    fields: tuple[tuple[str, str], ...] = ()
    # [macros]: LaTeX command name (no backslash) → its replacement, with #1… for arguments.
    macros: tuple[tuple[str, str], ...] = ()
    # Where a site keeps the files link fields name without an address (al-folio's).
    asset_base: str = "/assets/pdf/"
    preview_base: str = "/assets/img/publication_preview/"


# The keys a bibfolio.toml may set, and the type each must have there.
_FILE_SETTINGS: dict[str, type] = {
    "owner": list,
    "themes": list,
    "title": str,
    "other_theme": str,
    "style": str,
    "group_by": str,
    "supervised": str,
    "formats": list,
    "output": str,
    "front_matter": bool,
    "permalink": str,
    "site_url": str,
    "more_url": str,
    "more_text": str,
    "per_paper": str,
    "site": str,
    "templates": str,
    "fragment": bool,
    "skip_invalid": bool,
    "encoding": str,
    "jobs": int,
    "venues": dict,
    "fields": dict,
    "macros": dict,
    "asset_base": str,
    "preview_base": str,
}
_SITE_URL = re.compile(r"https?://[^\s/?#]+(?:/[^\s?#]*)?", re.IGNORECASE)
_TOML_LINE = re.compile(r"at line (\d+)")


def read_config_file(path: Path) -> dict[str, Any]:
    """Read and check a ``bibfolio.toml``; relative paths in it are relative to the file."""
    try:
        text = read_bytes(path, MAX_CONFIG_BYTES).decode("utf-8")
    except BibfolioError as error:  # not readable, too large, a device (/dev/zero), a FIFO
        raise ConfigError(error.message, path) from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"not valid UTF-8: {error.reason}", path) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"not valid TOML: {error}", path, _toml_error_line(error, text)) from None
    settings = {key: _checked(key, value, path) for key, value in data.items()}
    if "templates" in settings:
        settings["templates"] = _templates_dir(settings["templates"], path, text)
    if settings.get("output", STDOUT) != STDOUT:
        settings["output"] = str(path.parent / settings["output"])
    if "per_paper" in settings:
        settings["per_paper"] = str(path.parent / settings["per_paper"])
    return settings


def _templates_dir(value: str, path: Path, text: str) -> Path:
    """The file's ``templates``, relative to it; a directory, as ``--templates`` must be."""
    directory = path.parent / value
    if not directory.is_dir():
        what = "is not a directory" if directory.exists() else "does not exist"
        line = re.search(r"^[ \t]*templates[ \t]*=", text, re.MULTILINE)
        number = text.count("\n", 0, line.start()) + 1 if line else None
        raise ConfigError(f'templates directory "{value}" {what}', path, number)
    return directory


def _toml_error_line(error: Exception, text: str) -> int | None:
    """The line tomllib names in its message; "at end of document" means the last line."""
    match = _TOML_LINE.search(str(error))
    if match:
        return int(match.group(1))
    return text.count("\n") + 1 if "end of document" in str(error) else None


def _checked(key: str, value: Any, path: Path) -> Any:
    """A setting's value from the file, checked against its expected type."""
    expected = _FILE_SETTINGS.get(key)
    if expected is None:
        known = ", ".join(sorted(_FILE_SETTINGS))
        raise ConfigError(f'unknown setting "{key}" (known: {known})', path)
    if expected is list:
        # owner = "Ada Lovelace" is as natural as a list of one.
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise ConfigError(f'setting "{key}" must be a list of strings', path)
        return tuple(items)
    if expected is dict:
        # A table of strings: kept as (key, value) pairs, in the file's order.
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise ConfigError(f'setting "{key}" must be a table of strings ([{key}])', path)
        return tuple(value.items())
    if not isinstance(value, expected):
        raise ConfigError(f'setting "{key}" must be a {expected.__name__}', path)
    return value


def make_config(config_file: Path | None, overrides: Mapping[str, Any]) -> Config:
    """Merge defaults, the config file (if any) and the non-empty command-line overrides."""
    config = Config()
    if config_file is not None:
        config = replace(config, **read_config_file(config_file))
    given = {k: v for k, v in overrides.items() if v is not None and v != ()}
    config = replace(config, **given)
    if not config.formats:
        raise ConfigError(
            f"formats is empty: name at least one of {', '.join(FORMATS)}", config_file
        )
    for fmt in config.formats:
        _check_choice(fmt, FORMATS, "format", config_file)
    _check_choice(config.group_by, GROUPINGS, "group_by", config_file)
    _check_choice(config.site, SITES, "site", config_file)
    _check_choice(config.supervised, SUPERVISED, "supervised", config_file)
    if config.site_url is not None and not _SITE_URL.fullmatch(config.site_url):
        raise ConfigError(
            f'site_url "{config.site_url}" is not an http(s) address such as '
            '"https://example.org/"',
            config_file,
        )
    if config.more_url is not None and safe_href(config.more_url) is None:
        raise ConfigError(
            f'more_url "{config.more_url}" is not a safe link (http, https, mailto or relative)',
            config_file,
        )
    if config.jobs < 0:
        raise ConfigError(f"jobs must be 0 (every CPU) or more, not {config.jobs}", config_file)
    return config


def bundled_templates_dir() -> Path:
    """The templates shipped in the wheel, or the repository's ``templates/`` in a checkout.

    hatchling's ``force-include`` does not apply to editable installs, hence the fallback.
    """
    from importlib import resources  # not for --help: it loads tempfile, zipfile, ...

    packaged = Path(str(resources.files("bibfolio"))) / "templates"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "templates"


def template_search_path(templates_dir: Path | None) -> list[Path]:
    """Where templates are looked for, first to last: the user's directory, then bundled."""
    return [*([templates_dir] if templates_dir else []), bundled_templates_dir()]


def template_files(directory: Path) -> list[Path]:
    """The files under ``directory`` a template may be, in order: in its folders too
    (``{% include "partials/nav.html" %}``), but not in .git, node_modules and the like."""
    files = []
    for top, subdirectories, names in os.walk(directory):
        subdirectories[:] = sorted(name for name in subdirectories if is_template_dir(name))
        files += [path for name in sorted(names) if (path := Path(top, name)).is_file()]
    return files


def is_template_dir(name: str) -> bool:
    """Folders a template could live in: not .git, node_modules and the like."""
    return not name.startswith(".") and name not in {"node_modules", "__pycache__"}


def find_config_file(bib_paths: list[Path]) -> Path | None:
    """The ``bibfolio.toml`` beside the first .bib file, if there is one."""
    if not bib_paths:
        return None
    candidate = bib_paths[0].parent / CONFIG_FILENAME
    return candidate if candidate.is_file() else None


def _check_choice(value: str, choices: tuple[str, ...], name: str, path: Path | None) -> None:
    if value not in choices:
        raise ConfigError(f'unknown {name} "{value}" (choose from {", ".join(choices)})', path)
