"""Faults an operator causes: a build stopped by a signal while it writes its page.

Run alone with ``python -m pytest tests/faults``. Each test starts a real ``bibfolio build`` of
a large bibliography, waits until it is writing (its temporary file appears beside the page),
and signals it; what is left must be the old page or nothing, and never a temporary file.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SMALL_BIB = Path(__file__).parents[1] / "data" / "small.bib"
WAIT_FOR_WRITING = 60.0  # seconds; the build takes a few on a 2-core machine


def start_build(bib: Path, out: Path, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "bibfolio", "build", str(bib), "-s", "full"]
    command += ["-f", "html", "-o", str(out), "--no-cache", "-j", "1"]
    # stderr to a file: a pipe nobody reads would fill up with warnings and block the build.
    with log.open("wb") as stderr:
        return subprocess.Popen(command, stderr=stderr)


def wait_until_writing(process: subprocess.Popen[bytes], out: Path) -> None:
    deadline = time.monotonic() + WAIT_FOR_WRITING
    while not list(out.glob(".*.tmp")):
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail("the build ended (or never wrote) before it could be signalled")
        time.sleep(0.002)


def build_small(out: Path) -> subprocess.CompletedProcess[bytes]:
    command = [sys.executable, "-m", "bibfolio", "build", str(SMALL_BIB), "-f", "html"]
    return subprocess.run(
        [*command, "-o", str(out), "--no-cache"], capture_output=True, check=False
    )


def leftovers(out: Path) -> list[str]:
    return sorted(path.name for path in out.iterdir() if path.name.endswith(".tmp"))


@pytest.mark.parametrize(
    ("signum", "status", "message"),
    [
        pytest.param(signal.SIGTERM, 143, "Terminated", id="sigterm"),
        pytest.param(signal.SIGINT, 130, "Interrupted", id="sigint"),
    ],
)
def test_a_signal_while_writing_leaves_the_old_page_and_no_temporary_file(
    big_bib: Path, tmp_path: Path, signum: int, status: int, message: str
) -> None:
    out = tmp_path / "site"
    out.mkdir()
    old = "<p>the page before</p>\n"
    (out / "publications.html").write_text(old, encoding="utf-8")
    log = tmp_path / "stderr.txt"
    process = start_build(big_bib, out, log)
    wait_until_writing(process, out)
    process.send_signal(signum)
    assert process.wait(timeout=60) == status
    assert log.read_text(encoding="utf-8").splitlines()[-1].startswith(message)
    assert (out / "publications.html").read_text(encoding="utf-8") == old
    assert leftovers(out) == []


def test_the_next_build_removes_what_a_killed_one_left(big_bib: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    out.mkdir()
    process = start_build(big_bib, out, tmp_path / "stderr.txt")
    wait_until_writing(process, out)
    process.kill()  # SIGKILL: nothing runs after it, the temporary file stays
    process.wait(timeout=60)
    assert leftovers(out) != []
    result = build_small(out)
    assert result.returncode == 0, result.stderr
    assert leftovers(out) == []
    assert (out / "publications.html").is_file()


def test_a_running_builds_temporary_file_is_not_taken_for_a_leftover(tmp_path: Path) -> None:
    out = tmp_path / "site"
    out.mkdir()
    alive = out / f".publications.html.{os.getppid()}.abc123.tmp"  # a live process's
    alive.write_text("being written", encoding="utf-8")
    result = build_small(out)
    assert result.returncode == 0, result.stderr
    assert alive.exists()
