"""A large cached build killed (SIGKILL: nothing of it runs after) at each of its moments:
parsing, decoding, rendering (each the moment its ``-j`` worker is forked), writing the page,
and saving the cache. The next build, with what the killed one left in the cache, writes what
a ``--no-cache`` build writes, byte for byte, and no temporary file is left beside the page.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import replicated_small_bib
from .test_workers import children

WAIT = 30.0  # seconds for a moment to come; the whole build takes about one


@pytest.fixture(scope="module")
def medium_bib(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """4,000 entries: enough for ``-j 2`` to fork workers."""
    return replicated_small_bib(tmp_path_factory.mktemp("medium"), 500)


def build(bib: Path, out: Path, *extra: str) -> list[str]:
    command = [sys.executable, "-m", "bibfolio", "build", str(bib), "-s", "full", "-o", str(out)]
    return [*command, "--owner", "Ada Lovelace", "-j", "2", *extra]


@pytest.fixture(scope="module")
def fresh(medium_bib: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("fresh")
    subprocess.run(build(medium_bib, out, "--no-cache"), capture_output=True, check=True)
    return {path.name: path.read_bytes() for path in out.iterdir()}


def worker(number: int) -> Callable[[subprocess.Popen[bytes], Path, Path], bool]:
    """The moment the build's ``number``-th worker is forked (parse, decode, render)."""
    seen: set[int] = set()

    def come(process: subprocess.Popen[bytes], out: Path, cache: Path) -> bool:
        seen.update(children(process.pid))
        return len(seen) >= number

    return come


def writing(process: subprocess.Popen[bytes], out: Path, cache: Path) -> bool:
    return any(out.glob(".*.tmp"))


def saving_cache(process: subprocess.Popen[bytes], out: Path, cache: Path) -> bool:
    return any(cache.glob("bibfolio/*/.*.tmp"))


MOMENTS = {
    "parsing": lambda: worker(1),
    "decoding": lambda: worker(2),
    "rendering": lambda: worker(3),
    "writing": lambda: writing,
    "saving the cache": lambda: saving_cache,
}


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
@pytest.mark.parametrize("moment", MOMENTS)
def test_a_build_killed_at_any_moment_leaves_the_next_one_right(
    medium_bib: Path, fresh: dict[str, bytes], tmp_path: Path, cache_home: Path, moment: str
) -> None:
    out = tmp_path / "site"
    come = MOMENTS[moment]()
    process = subprocess.Popen(build(medium_bib, out), stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + WAIT
    while not come(process, out, cache_home):
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"the build ended before {moment}")
        time.sleep(0.001)
    process.kill()
    process.wait(timeout=10)
    result = subprocess.run(build(medium_bib, out), capture_output=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert {path.name: path.read_bytes() for path in out.iterdir()} == fresh
