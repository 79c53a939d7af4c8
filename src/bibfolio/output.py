"""Write rendered documents atomically: every file appears whole, or not at all."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Mapping
from glob import escape as glob_escape
from pathlib import Path

from .errors import BibfolioError

# A document is its text, or its text in pieces as a renderer streams it.
Text = str | Iterable[str]
# What a file is written from: a document, or its UTF-8 bytes.
Content = Text | bytes


def whole_text(document: Content) -> str:
    """A whole document as one string."""
    return document.decode() if isinstance(document, bytes) else "".join(document)


def _umask() -> int:
    """The process umask (reading it requires setting it, so set it straight back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _stage(path: Path, text: Content, created: list[Path]) -> Path:
    """Write ``text`` to a temporary file beside ``path`` (so the final move is a rename).

    Directories it has to create are added to ``created``, so a failure can remove them.
    """
    missing = [parent for parent in (path.parent, *path.parent.parents) if not parent.exists()]
    for directory in reversed(missing):
        if directory.is_symlink():  # a link to nowhere: no mkdir can make it a directory
            target = directory.readlink()
            message = f'cannot write into it: it links to "{target}", which does not exist'
            raise BibfolioError(message, directory)
        try:
            directory.mkdir()
        except FileExistsError:  # another build made it meanwhile: not ours to remove
            continue
        created.append(directory)
    descriptor, temporary = temporary_beside(path)
    try:
        if isinstance(text, bytes):
            with os.fdopen(descriptor, "wb") as binary:
                binary.write(text)
        else:
            with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
                handle.writelines([text] if isinstance(text, str) else text)
        # mkstemp makes the file private; a published page must be readable like any file.
        temporary.chmod(0o666 & ~_umask())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def temporary_beside(path: Path) -> tuple[int, Path]:
    """A new temporary file beside ``path`` (its descriptor and path), named with this process's
    pid so that once the process is gone, the next call removes it (see the cache's too)."""
    _remove_stale_temporaries(path)
    descriptor, name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp"
    )
    return descriptor, Path(name)


def _remove_stale_temporaries(path: Path) -> None:
    """Remove the temporary files of ``path`` that a killed build left (``.NAME.PID.….tmp``,
    whose process is gone), so that a site never publishes them; a running build's are kept."""
    for leftover in path.parent.glob(f".{glob_escape(path.name)}.*.tmp"):
        pid = leftover.name[len(path.name) + 2 :].partition(".")[0]
        if pid.isdigit() and not _is_running(int(pid)):
            with contextlib.suppress(OSError):
                leftover.unlink()


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _holds(path: Path, text: Content) -> bool:
    """Whether ``path`` already holds exactly ``text`` (a whole text; a streamed document is
    written as it comes). The size is compared first, so a changed file is seldom read."""
    if not isinstance(text, str | bytes):
        return False
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:  # not there yet, or not a readable file: write it (and say why if not)
        return False


def write_all(files: Mapping[Path, Content]) -> list[Path]:
    """Write every file, then move them all into place.

    Nothing is replaced until every document has been written in full, so an error while
    rendering or writing any of them leaves all the old files as they were. A file that
    already holds its text is left alone, modification time included: a site generator
    watching the folder then rebuilds only the pages that changed (``--per-paper`` writes
    a file per paper, and an edit changes one).
    """
    staged: list[tuple[Path, Path]] = []
    created: list[Path] = []
    current: Path | None = None
    try:
        for path, text in files.items():
            current = path
            if not _holds(path, text):
                staged.append((_stage(path, text, created), path))
        for temporary, path in staged:
            current = path
            temporary.replace(path)
    except BaseException as error:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        for directory in reversed(created):
            with contextlib.suppress(OSError):  # keep the original error, not this one
                directory.rmdir()
        if isinstance(error, OSError):
            raise BibfolioError(f"cannot write file: {error.strerror}", current) from None
        raise
    return list(files)


def write_atomic(path: Path, text: Text) -> None:
    """Write one file so that readers see the old file or the new one, never half."""
    write_all({path: text})
