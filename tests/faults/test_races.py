"""Builds that run at once: two ``--site hugo`` builds into a directory that does not exist
yet both create its folders (one page bundle per paper). Each must succeed, and what they
leave must be what one build writes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SMALL_BIB = Path(__file__).parents[1] / "data" / "small.bib"
ROUNDS = 10


def hugo_build(directory: Path) -> list[str]:
    command = [sys.executable, "-m", "bibfolio", "build", str(SMALL_BIB), "--site", "hugo"]
    papers = directory / "content" / "publication"
    return [*command, "--per-paper", str(papers), "-o", str(directory / "out"), "--no-cache"]


def files(directory: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def test_concurrent_hugo_builds_into_a_new_directory_both_succeed(tmp_path: Path) -> None:
    single = tmp_path / "single"
    subprocess.run(hugo_build(single), capture_output=True, check=True, timeout=60)
    for round_ in range(ROUNDS):
        directory = tmp_path / f"round {round_}"
        builds = [subprocess.Popen(hugo_build(directory), stderr=subprocess.PIPE) for _ in "ab"]
        for process in builds:
            _, stderr = process.communicate(timeout=60)
            assert process.returncode == 0, stderr.decode()
        assert files(directory) == files(single)
