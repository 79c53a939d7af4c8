"""Split independent work over the CPUs: the main process does one part, forked workers the rest.

Decoding new entries and rendering them are independent per item, and a
cold build of a large file spends most of its time there. Workers are forked after the data
is in memory, so nothing is sent to them; each sends its part of the results back down a pipe
as marshal bytes (plain data, as the cache keeps it). A bare fork and a pipe cost less than a
process pool: no pool to import and start, and no thread that unpickles results while the
main process works on its part. Where fork is not available, or for small jobs, it all runs
in the main process. Results never depend on the number of processes.

Workers never outlive the build: a worker is killed when its parent dies (even by SIGKILL),
and one whose results are no longer wanted (an error or a signal in the main process) is
killed rather than waited for.
"""

from __future__ import annotations

import gc
import marshal
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any, NoReturn, TypeVar

Result = TypeVar("Result")
# Each process gets at least this many items: below that, starting a worker costs about
# what it saves (a forked worker costs milliseconds: 1,000 entries build 15% faster in two
# processes, 500 about as fast).
MIN_PARALLEL_ITEMS = 250
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
ORPHAN_POLL = 0.1  # seconds between a worker's checks of its parent, where prctl is missing


def available_jobs() -> int:
    """How many processes a build may use: the CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def split_work(task: Callable[[int, int], list[Result]], count: int, jobs: int) -> list[Result]:
    """``task(0, count)``, computed as ``task(start, stop)`` over parts of the range in up to
    ``jobs`` processes, and joined in order. A part whose worker fails is done again here, so
    that any error is raised here as it would be without workers."""
    jobs = min(jobs, count // MIN_PARALLEL_ITEMS)
    if jobs < 2 or not _can_fork():
        return task(0, count)
    bounds = [count * part // jobs for part in range(jobs + 1)]
    workers: list[_Worker] = []
    try:
        for part in range(1, jobs):
            # A signal handled inside fork's own callbacks (logging registers some) has its
            # exception ignored, and the build would run on: hold SIGTERM and SIGINT until
            # the worker is forked and known here, so that they stop the build and it.
            held = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
            try:
                workers.append(_Worker(task, bounds[part], bounds[part + 1], held))
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
        results = task(bounds[0], bounds[1])
        for part, worker in enumerate(workers, start=1):
            sent = worker.results()
            results.extend(task(bounds[part], bounds[part + 1]) if sent is None else sent)
        return results
    finally:
        for worker in workers:
            worker.stop()


class _Worker:
    """A forked process that computes ``task(start, stop)`` and sends it down a pipe."""

    def __init__(
        self, task: Callable[[int, int], list[Any]], start: int, stop: int, held: Iterable[int]
    ) -> None:
        """Fork the worker (with the stop signals held by the caller: ``held`` is the mask
        to restore in the worker)."""
        read_end, write_end = os.pipe()
        parent = os.getpid()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(read_end)
            _work_and_exit(task, start, stop, write_end, parent, held)
        os.close(write_end)
        self.pipe: int | None = read_end
        self.status: int | None = None

    def results(self) -> list[Any] | None:
        """What the worker sent, or None when it failed."""
        assert self.pipe is not None
        with open(self.pipe, "rb", closefd=False) as reader:
            data = reader.read()
        self._close()
        self.status = os.waitpid(self.pid, 0)[1]
        return marshal.loads(data) if self.status == 0 else None

    def stop(self) -> None:
        """End a worker whose results are not wanted (an error or a signal here) at once,
        rather than wait for it to finish its part, and reap it."""
        if self.status is None:
            self._close()
            os.kill(self.pid, signal.SIGKILL)
            self.status = os.waitpid(self.pid, 0)[1]

    def _close(self) -> None:
        if self.pipe is not None:
            pipe, self.pipe = self.pipe, None
            os.close(pipe)


def _die_with(parent: int) -> None:
    """Have the kernel kill this worker when its parent dies, or, where libc has no ``prctl``,
    a thread watch for the parent to be gone; either way a worker never runs on alone."""
    import threading

    prctl = _prctl()
    if prctl is not None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    else:
        threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


def _prctl() -> Callable[..., int] | None:
    """libc's ``prctl``, where there is one (found among the symbols Python is linked with)."""
    import ctypes

    try:
        function: Callable[..., int] = ctypes.CDLL(None).prctl
    except (OSError, AttributeError):
        return None
    return function


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(ORPHAN_POLL)
    os._exit(1)


def _work_and_exit(
    task: Callable[[int, int], list[Any]],
    start: int,
    stop: int,
    pipe: int,
    parent: int,
    held: Iterable[int],
) -> NoReturn:
    """The worker's whole life: it leaves through ``os._exit`` whatever happens, never back
    into the caller's code, and exits 0 only when all its results were written."""
    status = 1
    try:
        _die_with(parent)
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        # Inherited objects leave the collector's reach: collecting them would write to every
        # page they are on, copying memory the worker shares with the main process.
        gc.freeze()
        data = marshal.dumps(task(start, stop))
        with open(pipe, "wb") as writer:
            writer.write(data)
        status = 0
    finally:
        os._exit(status)


def _can_fork() -> bool:
    """Fork is safe on Linux in a process without threads (``serve`` has threads)."""
    import threading

    return sys.platform == "linux" and threading.active_count() == 1
