"""Split independent work over the CPUs: the main process does one part, forked workers the rest.

Parsing new chunks, decoding new entries and rendering them are independent per item, and a
cold build of a large file spends most of its time there. Workers are forked after the data
is in memory, so nothing is sent to them; each sends back its part of the results (plain
data: what the cache keeps anyway). Where fork is not available, or for small jobs, it all
runs in the main process. Results never depend on the number of processes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future

Result = TypeVar("Result")
# Below this many items, starting a worker costs more than it saves.
MIN_PARALLEL_ITEMS = 1000

# The task the forked workers run: set just before they are forked, so they inherit it.
_task: Callable[[int, int], list[Any]] | None = None


def available_jobs() -> int:
    """How many processes a build may use: the CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def split_work(task: Callable[[int, int], list[Result]], count: int, jobs: int) -> list[Result]:
    """``task(0, count)``, computed as ``task(start, stop)`` over parts of the range in up to
    ``jobs`` processes, and joined in order."""
    jobs = min(jobs, count // MIN_PARALLEL_ITEMS)
    if jobs < 2 or not _can_fork():
        return task(0, count)
    # Loaded only for work worth splitting: a cached build never needs them.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    bounds = [count * part // jobs for part in range(jobs + 1)]
    global _task
    _task = task
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs - 1, mp_context=context) as pool:
            futures = [
                pool.submit(_run_part, bounds[part], bounds[part + 1]) for part in range(1, jobs)
            ]
            results = task(bounds[0], bounds[1])
            for part, future in enumerate(futures, start=1):
                results.extend(_result_or_redo(future, task, bounds[part], bounds[part + 1]))
        return results
    finally:
        _task = None


def _run_part(start: int, stop: int) -> list[Any]:
    assert _task is not None, "workers are forked after the task is set"
    return _task(start, stop)


def _result_or_redo(
    future: Future[list[Result]], task: Callable[[int, int], list[Result]], start: int, stop: int
) -> list[Result]:
    """A worker's results; if it failed, the main process does its part again, so that any
    error is raised here as it would be without workers."""
    try:
        return future.result()
    except Exception:
        return task(start, stop)


def _can_fork() -> bool:
    """Fork is safe on Linux in a process without threads (``serve`` has threads)."""
    import threading

    return sys.platform == "linux" and threading.active_count() == 1
