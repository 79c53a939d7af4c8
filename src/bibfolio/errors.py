"""Errors and diagnostics: what went wrong, and where in which file."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path


def _location(path: Path | None, line: int | None) -> str:
    """Format ``file:line: `` (or less) as compilers do, so editors can jump to it."""
    if path is None:
        return ""
    return f"{path}:{line}: " if line is not None else f"{path}: "


class BibfolioError(Exception):
    """An error the user can fix; ``str()`` is the one-line message the CLI prints."""

    def __init__(self, message: str, path: Path | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        return f"{_location(self.path, self.line)}{self.message}"


class BibSyntaxError(BibfolioError):
    """The .bib file has a block BibTeX cannot read (unclosed brace, duplicate key, ...)."""


class TemplateError(BibfolioError):
    """A template is missing, does not compile, or uses a name the model does not have."""


class ConfigError(BibfolioError):
    """``bibfolio.toml`` is malformed or names an unknown setting."""


class Severity(str, Enum):
    """How bad a diagnostic is: errors stop a build unless skipped, warnings are problems
    worth fixing, notes only say what bibfolio did (such as not showing an @xdata entry)."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem found while reading input, returned as data so the caller picks the policy."""

    severity: Severity
    message: str
    path: Path | None = None
    line: int | None = None
    code: str = ""

    def __str__(self) -> str:
        code = f" [{self.code}]" if self.code else ""
        return f"{_location(self.path, self.line)}{self.severity.value}: {self.message}{code}"

    def to_error(self, advice: str = "") -> BibSyntaxError:
        """The exception a strict caller raises for this diagnostic, with what to do about it."""
        return BibSyntaxError(f"{self.message}{advice}", self.path, self.line)


def diagnostics_json(bib_paths: Sequence[Path], diagnostics: Sequence[Diagnostic]) -> str:
    """What ``bibfolio check --format json`` prints: the files, the number of diagnostics
    of each severity and the diagnostics (versioned, so CI scripts can rely on its shape)."""
    report = {
        "version": 1,
        "files": [str(path) for path in bib_paths],
        "summary": {
            severity.value: sum(1 for d in diagnostics if d.severity is severity)
            for severity in Severity
        },
        "diagnostics": [
            {
                "path": str(d.path) if d.path else None,
                "line": d.line,
                "severity": d.severity.value,
                "code": d.code,
                "message": d.message,
            }
            for d in diagnostics
        ],
    }
    return json.dumps(report, indent=2, ensure_ascii=False)
