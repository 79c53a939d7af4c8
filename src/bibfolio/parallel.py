"""Split independent work over the CPUs: the main process does one part, forked workers the rest.

Parsing new chunks, decoding new entries and rendering them are independent per item, and a
cold build of a large file spends most of its time there. Workers are forked after the data
is in memory, so nothing is sent to them; each sends its part of the results back down a pipe
as marshal bytes (plain data, as the cache keeps it). A bare fork and a pipe cost less than a
process pool: no pool to import and start, and no thread that unpickles results while the
main process works on its part. Where fork is not available, or for small jobs, it all runs
in the main process. Results never depend on the number of processes.
"""

from __future__ import annotations

import gc
import marshal
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

Result = TypeVar("Result")
# Each process gets at least this many items: below that, starting a worker costs about
# what it saves (a forked worker costs milliseconds: 1,000 entries build 15% faster in two
# processes, 500 about as fast).
MIN_PARALLEL_ITEMS = 250


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
            workers.append(_Worker(task, bounds[part], bounds[part + 1]))
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

    def __init__(self, task: Callable[[int, int], list[Any]], start: int, stop: int) -> None:
        read_end, write_end = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(read_end)
            _work_and_exit(task, start, stop, write_end)
        os.close(write_end)
        self.pipe = read_end
        self.status: int | None = None

    def results(self) -> list[Any] | None:
        """What the worker sent, or None when it failed."""
        with open(self.pipe, "rb", closefd=False) as reader:
            data = reader.read()
        self.stop()
        return marshal.loads(data) if self.status == 0 else None

    def stop(self) -> None:
        """Close the pipe (a worker still writing gets a broken pipe) and wait for the worker."""
        if self.status is None:
            os.close(self.pipe)
            self.status = os.waitpid(self.pid, 0)[1]


def _work_and_exit(
    task: Callable[[int, int], list[Any]], start: int, stop: int, pipe: int
) -> NoReturn:
    """The worker's whole life: it leaves through ``os._exit`` whatever happens, never back
    into the caller's code, and exits 0 only when all its results were written."""
    status = 1
    try:
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
