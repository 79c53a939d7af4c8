"""Faults around ``-j``'s forked workers: the build they work for is killed or signalled.

A worker must never run on alone: it dies with its parent, even one killed by SIGKILL (which
runs no code of the parent), and a parent stopped by SIGTERM or Ctrl-C ends its workers
before it exits rather than waiting for them to finish work nobody will read.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

WAIT_FOR_WORKERS = 30.0  # seconds; the first worker is forked well within one
# A worker does about a second of work on this corpus; once its parent is gone, it must go
# well before it could have finished that work.
GONE_WITHIN = 0.4  # seconds


def start_build(bib: Path, out: Path, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "bibfolio", "build", str(bib), "-s", "full", "-f", "html"]
    with log.open("wb") as stderr:  # a file: a pipe nobody reads would block the build
        return subprocess.Popen([*command, "-o", str(out), "--no-cache", "-j", "2"], stderr=stderr)


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):  # the task ended meanwhile
            found += [int(child) for child in task.read_text().split()]
    return found


def is_alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie, waiting to be reaped, has stopped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def wait_for_workers(process: subprocess.Popen[bytes]) -> list[int]:
    deadline = time.monotonic() + WAIT_FOR_WORKERS
    while not (workers := children(process.pid)):
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail("the build ended (or never forked a worker) before it was signalled")
        time.sleep(0.002)
    return workers


@pytest.fixture(autouse=True)
def _linux_only() -> None:
    if not Path("/proc/self/task").is_dir() or sys.platform != "linux":
        pytest.skip("workers are forked on Linux only")


def test_workers_die_with_a_parent_killed_by_sigkill(big_bib: Path, tmp_path: Path) -> None:
    process = start_build(big_bib, tmp_path / "site", tmp_path / "stderr.txt")
    workers = wait_for_workers(process)
    process.kill()
    process.wait(timeout=10)
    time.sleep(GONE_WITHIN)
    assert [worker for worker in workers if is_alive(worker)] == []


@pytest.mark.parametrize(
    ("signum", "status", "message"),
    [
        pytest.param(signal.SIGTERM, 143, "Terminated", id="sigterm"),
        pytest.param(signal.SIGINT, 130, "Interrupted", id="sigint"),
    ],
)
def test_a_signalled_build_ends_its_workers_rather_than_wait_for_them(
    big_bib: Path, tmp_path: Path, signum: int, status: int, message: str
) -> None:
    # Signalled just as a worker is forked: a signal handled in fork's callbacks used to be
    # ignored (with a traceback), and the build ran on to exit 0.
    log = tmp_path / "stderr.txt"
    process = start_build(big_bib, tmp_path / "site", log)
    workers = wait_for_workers(process)
    signalled = time.monotonic()
    process.send_signal(signum)
    assert process.wait(timeout=10) == status
    assert time.monotonic() - signalled < GONE_WITHIN
    assert [worker for worker in workers if is_alive(worker)] == []
    said = log.read_text(encoding="utf-8")
    assert "Traceback" not in said
    assert said.splitlines()[-1].startswith(message)
