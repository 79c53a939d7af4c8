"""Write rendered documents: atomically to files, or to standard output."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import BibfolioError


def _umask() -> int:
    """The process umask (reading it requires setting it, so set it straight back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new one, never half.

    The temporary file lives in the same directory, so the final replace is a rename.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        temporary = Path(name)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            # mkstemp makes the file private; a published page must be readable like any file.
            temporary.chmod(0o666 & ~_umask())
            temporary.replace(path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
    except OSError as error:
        raise BibfolioError(f"cannot write file: {error.strerror}", path) from None
