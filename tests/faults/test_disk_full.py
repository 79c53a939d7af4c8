"""A full disk: a build whose page does not fit fails with one ``Error:`` line and leaves the
old page and no temporary file; a cache on a full disk is passed over (at most one warning)
and the build still writes its page where it fits.

Needs a small tmpfs (``mount -t tmpfs``, as root); skipped where mounting is not allowed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

SMALL_BIB = Path(__file__).parents[1] / "data" / "small.bib"
SIZE = "200k"


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 200 KB tmpfs, unmounted afterwards."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    command = ["mount", "-t", "tmpfs", "-o", f"size={SIZE}", "tmpfs", str(mount)]
    tried = subprocess.run(command, capture_output=True, text=True, check=False)
    if tried.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {tried.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def fill(directory: Path) -> None:
    """Leave ``directory``'s file system with no free block."""
    with (directory / "filler").open("wb", buffering=0) as filler:
        try:
            while True:
                filler.write(b"\0" * 4096)
        except OSError:  # no space left
            pass


def bibfolio(
    *args: str | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "bibfolio", "build", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, env=env, check=False)


def test_a_page_that_does_not_fit_fails_in_one_line_and_keeps_the_old_one(
    full_disk: Path, big_bib: Path
) -> None:
    out = full_disk / "site"
    out.mkdir()
    old = "<p>the page before</p>\n"
    (out / "publications.html").write_text(old, encoding="utf-8")
    result = bibfolio(big_bib, "-f", "html", "-o", out, "--no-cache")
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if not line.startswith(str(big_bib))]
    assert [line for line in errors if not line.startswith("note:")] == [
        f"Error: {out / 'publications.html'}: cannot write file: No space left on device"
    ]
    assert (out / "publications.html").read_text(encoding="utf-8") == old
    assert sorted(path.name for path in out.iterdir()) == ["publications.html"]


def test_a_cache_on_a_full_disk_is_passed_over(
    full_disk: Path, tmp_path: Path, cache_home: Path
) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(full_disk / "cache")}
    fill(full_disk)
    result = bibfolio(SMALL_BIB, "-o", tmp_path / "site", env=env)
    fresh = bibfolio(SMALL_BIB, "-o", tmp_path / "fresh", "--no-cache")
    assert result.returncode == 0, result.stderr
    extra = [line for line in result.stderr.splitlines() if line not in fresh.stderr]
    assert len(extra) <= 2, extra  # the "Wrote …" line, and at most one warning
    assert "Traceback" not in result.stderr
    for name in ("publications.html", "publications.md"):
        assert (tmp_path / "site" / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes()
    assert list(full_disk.rglob("*.tmp")) == []
