"""Start a project: a commented ``bibfolio.toml`` and editable copies of the templates."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .choices import CONFIG_FILENAME
from .errors import BibfolioError
from .model import THEME_SEPARATOR

TEMPLATES_DIRNAME = "templates"


@dataclass(frozen=True, slots=True)
class InitReport:
    """What ``init_project`` wrote, and what it read from the .bib file."""

    config_file: Path
    templates: int  # templates copied into ``templates_dir``
    templates_dir: Path
    owner: str | None  # the author on the most papers, when a .bib file was given
    themes: tuple[str, ...]  # its themes, in order of first appearance


def init_project(
    bib_file: Path | None, templates: bool, force: bool, encoding: str | None
) -> InitReport:
    """What ``bibfolio init`` does: write a ``bibfolio.toml`` next to ``bib_file`` (or here),
    its owner and themes filled in from it, and with ``templates`` copies of the bundled
    templates; all or nothing, so a failed init leaves no half project."""
    from .config import bundled_templates_dir
    from .load import load
    from .names import infer_owner
    from .output import write_all

    directory = bib_file.parent if bib_file else Path()
    owner: str | None = None
    themes: tuple[str, ...] = ()
    if bib_file is not None:
        entries = load([bib_file], encoding or "utf-8").entries
        guess = infer_owner(entries)
        owner = guess.person.name if guess else None
        themes = tuple(dict.fromkeys(theme for entry in entries for theme in entry.themes))
    copied: dict[Path, bytes] = {}
    destination = directory / TEMPLATES_DIRNAME
    if templates:
        copied = template_copies(bundled_templates_dir(), destination, force)
    settings = config_file(directory, config_text(owner, themes, templates), force)
    write_all({**copied, **settings})
    return InitReport(next(iter(settings)), len(copied), destination, owner, themes)


def toml_string(text: str) -> str:
    """A TOML basic string: JSON's string syntax is a subset of it."""
    return json.dumps(text, ensure_ascii=False)


def config_text(owner: str | None, themes: Sequence[str], templates: bool) -> str:
    """A ``bibfolio.toml`` with every setting explained; defaults are commented out."""
    owner_line = (
        f"owner = [{toml_string(owner)}]"
        if owner
        else '# owner = ["Your Name"]           # default: the author on the most papers'
    )
    theme_lines = "".join(f"  {toml_string(theme)},\n" for theme in themes)
    themes_block = (
        f"themes = [\n{theme_lines}]" if themes else '# themes = ["First theme", "Second theme"]'
    )
    templates_line = (
        f"templates = {toml_string(TEMPLATES_DIRNAME)}    # your copies; edit them freely"
        if templates
        else '# templates = "templates"        # your templates, overriding the bundled ones'
    )
    sep = THEME_SEPARATOR
    return f"""\
# bibfolio settings, read from next to the .bib file. Options on the command line win.
# Every setting is optional; the commented-out lines show the defaults.

# The site owner as written in the .bib; add name variants such as "L. Zheng" to the list.
{owner_line}

# Research themes in page order. Give each entry its themes in a `theme` field, several
# separated by "{sep}" (it is listed under each): theme = {{Systems{sep} Compilers}}
# Themes not listed here follow in order of first appearance; entries without a theme go
# last, under `other_theme`. Without any theme, the page shows the sections alone.
{themes_block}
# other_theme = "Other"

# title = "Publications"          # page heading
# style = "compact"               # or "full": one citation per paper, with links and BibTeX
# group_by = "theme"              # or "year" or "type"
# supervised = "section"          # or "omit": theses you supervised, not wrote
# formats = ["html", "md"]        # also "json" (the page model) and "csl-json"
# output = "site"                 # folder for publications.*, or "-" for standard output
# fragment = false                # true: no <html>/<head> and no Markdown title, to embed
# front_matter = false            # true: Jekyll front matter on the Markdown (academicpages)
# permalink = "/publications/"    # the permalink in that front matter
# per_paper = "_publications"     # also one file per paper in this folder...
# site = "academicpages"          # ...in academicpages' or "hugo"'s layout
{templates_line}
# skip_invalid = false            # true: skip entries that cannot be read, with a warning
# encoding = "utf-8"
"""


def config_file(directory: Path, text: str, force: bool) -> dict[Path, str]:
    """``bibfolio.toml`` in ``directory`` to write, refusing to replace one unless ``force``."""
    path = directory / CONFIG_FILENAME
    if path.exists() and not force:
        raise BibfolioError("already exists; pass --force to replace it", path)
    return {path: text}


def template_copies(source: Path, destination: Path, force: bool) -> dict[Path, bytes]:
    """Copies of the bundled templates to write for editing; existing files are kept unless
    ``force``."""
    names = sorted(path.name for path in source.iterdir() if path.is_file())
    copies = {destination / name: (source / name).read_bytes() for name in names}
    existing = [path for path in copies if path.exists()]
    if existing and not force:
        raise BibfolioError("already exists; pass --force to replace it", existing[0])
    return copies
