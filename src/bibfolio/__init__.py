"""bibfolio: turn a researcher's BibTeX file into their publication pages."""

from __future__ import annotations

from .build import BuildResult, build_page, render_documents, write_documents
from .config import Config, make_config
from .errors import BibfolioError, BibSyntaxError, ConfigError, Diagnostic, TemplateError
from .load import Bibliography, load

__all__ = [
    "BibSyntaxError",
    "BibfolioError",
    "Bibliography",
    "BuildResult",
    "Config",
    "ConfigError",
    "Diagnostic",
    "TemplateError",
    "build_page",
    "load",
    "make_config",
    "render_documents",
    "write_documents",
]
