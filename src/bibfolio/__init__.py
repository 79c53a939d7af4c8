"""bibfolio: turn a researcher's BibTeX file into their publication pages.

The public API is imported lazily, so that ``bibfolio --help`` does not pay for loading
bibtexparser, pylatexenc and Jinja2.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .build import (
        BuildResult,
        build_page,
        output_files,
        per_paper_files,
        render_documents,
        stream_documents,
        write_files,
    )
    from .cache import Cache
    from .config import Config, make_config
    from .errors import BibfolioError, BibSyntaxError, ConfigError, Diagnostic, TemplateError
    from .load import Bibliography, load

# Public name -> the module that defines it.
_EXPORTS = {
    "BuildResult": "build",
    "Cache": "cache",
    "build_page": "build",
    "render_documents": "build",
    "stream_documents": "build",
    "output_files": "build",
    "per_paper_files": "build",
    "write_files": "build",
    "Config": "config",
    "make_config": "config",
    "BibfolioError": "errors",
    "BibSyntaxError": "errors",
    "ConfigError": "errors",
    "Diagnostic": "errors",
    "TemplateError": "errors",
    "Bibliography": "load",
    "load": "load",
}
__all__ = [
    "BibSyntaxError",
    "BibfolioError",
    "Bibliography",
    "BuildResult",
    "Cache",
    "Config",
    "ConfigError",
    "Diagnostic",
    "TemplateError",
    "build_page",
    "load",
    "make_config",
    "output_files",
    "per_paper_files",
    "render_documents",
    "stream_documents",
    "write_files",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'bibfolio' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
