"""Read an input file whole, within a size limit, and never wait on one that cannot end.

``Path.read_bytes`` reads ``/dev/zero`` until memory runs out and blocks for ever opening a
FIFO that nothing writes to; a pipe (``cat refs.bib | bibfolio build /dev/stdin``) must still
be read, so pipes are read with a limit and devices are refused.
"""

from __future__ import annotations

import os
import select
import stat
from pathlib import Path

from .errors import BibfolioError

# The largest .bib file read (the largest real ones are tens of MB) and the largest config.
MAX_BIB_BYTES = 256 << 20
MAX_CONFIG_BYTES = 1 << 20
_PIPE_READ = 1 << 16
# How long a FIFO that nothing writes to is given to get a writer.
WRITER_WAIT_MS = 1000


def read_bytes(path: Path, limit: int) -> bytes:
    """The bytes of ``path`` (at most ``limit``), or a ``BibfolioError`` saying why not.

    Opened with ``O_NONBLOCK``, which makes opening a FIFO return at once; a pipe or FIFO
    that nothing writes to (its first read finds no writer) is refused rather than read as
    empty, and one with a writer is then read as usual, waiting for it.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise BibfolioError(f"cannot read file: {error.strerror}", path) from None
    try:
        mode = os.fstat(descriptor)
        if stat.S_ISCHR(mode.st_mode) or stat.S_ISBLK(mode.st_mode):
            raise BibfolioError("is a device, not a file: give a file or pipe it in", path)
        if mode.st_size > limit:
            raise BibfolioError(_too_large(limit), path)
        return _read_all(descriptor, path, limit, stat.S_ISREG(mode.st_mode), mode.st_size)
    except OSError as error:
        raise BibfolioError(f"cannot read file: {error.strerror}", path) from None
    finally:
        os.close(descriptor)


def _read_all(descriptor: int, path: Path, limit: int, regular: bool, size: int) -> bytes:
    parts: list[bytes] = []
    total = 0
    if not regular:  # a pipe, a FIFO or a socket: has anything written to it?
        try:
            first = os.read(descriptor, _PIPE_READ)
        except BlockingIOError:  # nothing yet, but a writer: wait for it below
            first = None
        if first == b"" and not _writer_comes(descriptor):
            raise BibfolioError(
                "is a pipe or FIFO that gave no data (nothing writes to it?): write into it, "
                "or give a file",
                path,
            )
        if first:
            parts.append(first)
            total = len(first)
    os.set_blocking(descriptor, True)
    while total <= limit:
        # A regular file's whole size in one read (it may have grown: read on to the end).
        part = os.read(descriptor, min(max(size + 1 - total, _PIPE_READ), limit + 1 - total))
        if not part:
            return b"".join(parts)
        parts.append(part)
        total += len(part)
    raise BibfolioError(_too_large(limit), path)


def _writer_comes(descriptor: int) -> bool:
    """Whether a pipe with no writer gets one soon: ``cat refs.bib > fifo & bibfolio build
    fifo`` starts the two together, and ``cat`` may open the FIFO just after bibfolio."""
    waiting = select.poll()
    waiting.register(descriptor, select.POLLIN)
    return bool(waiting.poll(WRITER_WAIT_MS))


def _too_large(limit: int) -> str:
    return f"larger than {limit >> 20} MB, the most bibfolio reads: is it the right file?"
