"""The values settings can take, shared by ``config`` and the command-line options.

Kept apart from ``config`` so that ``bibfolio --help`` can list them without loading the
settings machinery (dataclasses, tomllib).
"""

from __future__ import annotations

CONFIG_FILENAME = "bibfolio.toml"
# The bundled styles; a user's templates directory may add more (any <style>.<format>).
STYLES: tuple[str, ...] = ("compact", "full")
# Formats rendered through templates, and formats that export the page model as data
# (atom: a feed of the papers).
TEMPLATE_FORMATS: tuple[str, ...] = ("html", "md")
DATA_FORMATS: tuple[str, ...] = ("json", "csl-json", "atom")
FORMATS: tuple[str, ...] = TEMPLATE_FORMATS + DATA_FORMATS
OUTPUT_NAMES: dict[str, str] = {
    "html": "publications.html",
    "md": "publications.md",
    "json": "publications.json",
    "csl-json": "publications.csl.json",
    "atom": "publications.atom",
}
STDOUT = "-"
GROUPINGS: tuple[str, ...] = ("theme", "year", "type")
SITES: tuple[str, ...] = ("academicpages", "hugo", "html")
# What to do with theses the owner supervised: their own section, or leave them out.
SUPERVISED: tuple[str, ...] = ("section", "omit")
