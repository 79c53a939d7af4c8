"""Deleting the caches no build has used for a month: the files of a set of .bib files no
longer built, and the directories of other bibfolio or Python versions."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import time
from pathlib import Path

# A cache that no build has written or reused for this long is deleted (its .bib files are
# gone, or built by another version of bibfolio or Python); its next build just starts cold.
STALE_AFTER = 30 * 24 * 3600.0
# Looking costs a listing of the cache directories: once a day is enough.
_PRUNE_EVERY = 24 * 3600.0
# Directories named by ``cache_directory``: Python's cache tag (``cpython-311``, ``pypy310``)
# and a hash of bibfolio's code.
_VERSION_DIRECTORY = re.compile(r"[a-z0-9_-]+-[0-9a-f]{16}")


def prune_stale_caches(current: Path, now: float | None = None) -> None:
    """Delete, at most once a day, the caches under ``current``'s parent (the ``bibfolio``
    directory) that went unused for ``STALE_AFTER``: another version's whole directory, or in
    ``current`` one set of input files' cache, journal and last build. Without this, every
    upgrade and every set of files ever built would stay in the user's cache forever.
    Never fails: what cannot be deleted is left."""
    now = time.time() if now is None else now
    marker = current.parent / "last-pruned"
    with contextlib.suppress(OSError):
        if now - marker.stat().st_mtime < _PRUNE_EVERY:
            return
    try:
        marker.touch()
        os.utime(marker, (now, now))
        directories = list(current.parent.iterdir())
    except OSError:
        return
    cutoff = now - STALE_AFTER
    for directory in directories:
        if directory == current:
            _prune_files(current, cutoff)
        elif (
            _VERSION_DIRECTORY.fullmatch(directory.name)
            and directory.is_dir()
            and _newest_change(directory) < cutoff
        ):
            shutil.rmtree(directory, ignore_errors=True)


def _prune_files(directory: Path, cutoff: float) -> None:
    """Delete the files of ``directory`` (and its compiled templates) unused since
    ``cutoff``; a cache file goes together with its journal and last build."""
    groups: dict[tuple[Path, str], list[Path]] = {}
    for path in [*directory.glob("*.*"), *directory.glob("templates/*")]:
        groups.setdefault((path.parent, path.stem), []).append(path)
    for paths in groups.values():
        with contextlib.suppress(OSError):
            if max(path.stat().st_mtime for path in paths) < cutoff:
                for path in paths:
                    path.unlink(missing_ok=True)


def _newest_change(directory: Path) -> float:
    """The last time anything under ``directory`` was written (now, when it cannot tell)."""
    try:
        return max(
            [directory.stat().st_mtime, *(path.stat().st_mtime for path in directory.rglob("*"))]
        )
    except OSError:
        return time.time()
