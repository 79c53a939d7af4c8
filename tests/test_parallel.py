"""Work split over processes gives exactly what one process gives."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bibfolio import load, parallel, render
from bibfolio.cli import main
from bibfolio.errors import BibfolioError
from bibfolio.parallel import split_work

DATA = Path(__file__).parent / "data"


def pids(start: int, stop: int) -> list[tuple[int, int]]:
    return [(index, os.getpid()) for index in range(start, stop)]


def test_parts_come_back_in_order_from_more_than_one_process() -> None:
    results = split_work(pids, 2500, jobs=2)
    assert [index for index, _ in results] == list(range(2500))
    if parallel._can_fork():
        assert len({pid for _, pid in results}) == 2
        assert results[0][1] == os.getpid()  # the main process does the first part


def test_small_jobs_and_one_job_stay_in_this_process() -> None:
    assert {pid for _, pid in split_work(pids, 10, jobs=4)} == {os.getpid()}
    assert {pid for _, pid in split_work(pids, 5000, jobs=1)} == {os.getpid()}


def failing(start: int, stop: int) -> list[int]:
    if stop == 3000:
        raise BibfolioError("the last part failed")
    return list(range(start, stop))


def test_a_failed_worker_part_is_redone_here_and_raises_its_error() -> None:
    with pytest.raises(BibfolioError, match="the last part failed"):
        split_work(failing, 3000, jobs=2)


MAIN_PROCESS = os.getpid()


def dies_in_a_worker(start: int, stop: int) -> list[tuple[int, int]]:
    if os.getpid() != MAIN_PROCESS:
        os._exit(3)
    return pids(start, stop)


def test_a_worker_that_dies_has_its_part_redone_here() -> None:
    results = split_work(dies_in_a_worker, 3000, jobs=3)
    assert results == [(index, os.getpid()) for index in range(3000)]


class Unsendable:
    """Not plain data: marshal cannot send it, so a worker cannot return it."""

    def __init__(self, index: int) -> None:
        self.index = index


def unsendable(start: int, stop: int) -> list[Unsendable]:
    return [Unsendable(index) for index in range(start, stop)]


def test_results_a_worker_cannot_send_are_computed_here() -> None:
    assert [item.index for item in split_work(unsendable, 2000, jobs=2)] == list(range(2000))


def corpus(entries: int) -> str:
    """small.bib repeated with fresh keys, titles and DOIs up to ``entries`` entries."""
    text = (DATA / "small.bib").read_text(encoding="utf-8")
    blocks = [b for b in re.split(r"\n(?=@)", text) if re.match(r"@(?!string)\w+\{", b)]
    copies = []
    for number in range(entries):
        block = blocks[number % len(blocks)]
        block = re.sub(r"^(@\w+\{)([^,]+)", rf"\g<1>\g<2>{number}", block)
        block = re.sub(r"(\btitle\s*=\s*\{)", rf"\g<1>Copy {number} of ", block, count=1)
        copies.append(re.sub(r"(\bdoi\s*=\s*\{)", rf"\g<1>10.9999/{number}.", block))
    return "\n".join(copies) + "\n"


def test_a_build_with_two_jobs_equals_a_build_with_one(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every worker must deliver: a part redone here would give the same output, only slower.
    # For each split, how many of its items this process computed, of how many.
    here: list[tuple[int, int]] = []

    def counted(task: Callable[[int, int], list[Any]], count: int, jobs: int) -> list[Any]:
        done = 0

        def counting(start: int, stop: int) -> list[Any]:
            nonlocal done  # in a worker, the worker's own copy: not counted here
            done += stop - start
            return task(start, stop)

        results = split_work(counting, count, jobs)
        here.append((done, count))
        return results

    for module in (load, render):
        monkeypatch.setattr(module, "split_work", counted)
    bib = tmp_path / "big.bib"
    bib.write_text(corpus(2400), encoding="utf-8")
    outputs = {}
    for jobs in ("1", "2"):
        here.clear()
        out = tmp_path / f"out-{jobs}"
        args = ["build", str(bib), "-s", "full", "-o", str(out), "-j", jobs, "--no-cache"]
        result = runner.invoke(main, [*args, "--owner", "Ada Lovelace"])
        assert result.exit_code == 0, result.output
        outputs[jobs] = (result.output.replace(str(out), "OUT"), *_files(out))
    assert outputs["1"] == outputs["2"]
    if parallel._can_fork():  # decoding, and rendering each format had a worker
        # HTML and Markdown are both rendered ahead; this process did only its half of each.
        assert len(here) == 3
        assert here == [(count // 2, count) for _, count in here]


def _files(directory: Path) -> list[bytes]:
    return [path.read_bytes() for path in sorted(directory.iterdir())]


def test_jobs_must_not_be_negative(runner: CliRunner) -> None:
    result = runner.invoke(main, ["build", str(DATA / "small.bib"), "-j", "-1", "-o", "-"])
    assert result.exit_code == 1
    assert "jobs must be 0 (every CPU) or more" in result.output


ORPHANED = """
import ctypes, os, signal, sys, time

def no_libc(*args, **kwargs):  # as where libc cannot be loaded, so has no prctl to call
    raise OSError("no libc here")

ctypes.CDLL = no_libc
from bibfolio import parallel

def task(start, stop):
    if os.getpid() == MAIN:  # the main process's part: name the worker, then die
        (worker,) = open(f"/proc/{MAIN}/task/{MAIN}/children").read().split()
        print(worker, flush=True)
        os.kill(MAIN, signal.SIGKILL)
    time.sleep(30)
    return []

MAIN = os.getpid()
parallel.split_work(task, 1000, jobs=2)
"""


@pytest.mark.skipif(not parallel._can_fork(), reason="workers are forked on Linux only")
def test_without_prctl_a_worker_still_leaves_when_its_parent_dies() -> None:
    found = subprocess.run(
        [sys.executable, "-c", ORPHANED], capture_output=True, timeout=30, check=False
    )
    worker = int(found.stdout)
    deadline = time.monotonic() + 10 * parallel.ORPHAN_POLL
    while _runs(worker) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not _runs(worker)


def _runs(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")
