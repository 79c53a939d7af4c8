"""Faults in the build cache: a file damaged on disk, replaced by a FIFO, written by two builds
at once, or left half-written by a killed one. The cache can only be right or absent: after
each fault, the next build's outputs equal a ``--no-cache`` build's, byte for byte.

Run alone with ``python -m pytest tests/faults``.
"""

from __future__ import annotations

import marshal
import os
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import bibfolio.build
from bibfolio.cli import main

DATA = Path(__file__).parents[1] / "data"
SETTINGS = {"full": ("-s", "full"), "compact": ("-s", "compact", "--group-by", "year")}
OWNER = ("--owner", "Ada Lovelace")


def build(runner: CliRunner, bib: Path, out: Path, *extra: str) -> str:
    args = ["build", str(bib), "-f", "html", "-f", "md", "-o", str(out), *OWNER, *extra]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    return result.output


def outputs(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def assert_next_build_is_right(
    runner: CliRunner, bib: Path, tmp_path: Path, name: str, *extra: str
) -> None:
    """The next cached build writes what a build without the cache writes, and warns at most
    once about the cache."""
    messages = build(runner, bib, tmp_path / name, *extra)
    fresh = build(runner, bib, tmp_path / f"{name} fresh", "--no-cache", *extra)
    assert outputs(tmp_path / name) == outputs(tmp_path / f"{name} fresh")
    expected = fresh.replace(f"{name} fresh", name).splitlines()
    assert len([line for line in messages.splitlines() if line not in expected]) <= 1


def small_copy(directory: Path) -> Path:
    bib = directory / "refs.bib"
    bib.write_bytes((DATA / "small.bib").read_bytes())
    return bib


def cache_dir(cache_home: Path) -> Path:
    (directory,) = cache_home.glob("bibfolio/*/")
    return directory


def one(directory: Path, pattern: str) -> Path:
    (path,) = directory.glob(pattern)
    return path


def flipped(offset: float) -> Callable[[bytes], bytes]:
    """One byte inverted, at ``offset`` (a fraction of the length)."""

    def flip(data: bytes) -> bytes:
        at = min(int(len(data) * offset), len(data) - 1)
        return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]

    return flip


def wrong_type(data: bytes) -> bytes:
    """A well-formed record (its length, then marshalled data) of the wrong shape."""
    record = marshal.dumps(({"chunks": 1, "entries": [2]}, 3, "x"))
    return struct.pack("<Q", len(record)) + record


CORRUPTIONS: dict[str, Callable[[bytes], bytes]] = {
    "truncated": lambda data: data[: len(data) // 2],
    "truncated-to-one-byte": lambda data: data[:1],
    "empty": lambda data: b"",
    "garbage": lambda data: os.urandom(len(data)),
    "zeroed": lambda data: bytes(len(data)),
    "wrong-type": wrong_type,
    **{f"flipped-{offset}": flipped(offset) for offset in (0, 0.001, 0.01, 0.3, 0.5, 0.9, 1)},
}


def corrupt_last(directory: Path, change: Callable[[bytes], bytes]) -> None:
    path = one(directory, "*.last")
    path.write_bytes(change(path.read_bytes()))


def corrupt_cache(directory: Path, change: Callable[[bytes], bytes]) -> None:
    one(directory, "*.last").unlink()  # so that the next build reads the cache
    path = one(directory, "*.cache")
    path.write_bytes(change(path.read_bytes()))


def corrupt_templates(directory: Path, change: Callable[[bytes], bytes]) -> None:
    one(directory, "*.last").unlink()
    compiled = sorted((directory / "templates").iterdir())
    assert compiled
    for path in compiled:
        path.write_bytes(change(path.read_bytes()))


TARGETS = {"last": corrupt_last, "cache": corrupt_cache, "templates": corrupt_templates}


@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
@pytest.mark.parametrize("target", list(TARGETS))
def test_a_damaged_cache_file_is_ignored(
    runner: CliRunner, tmp_path: Path, cache_home: Path, target: str, corruption: str
) -> None:
    bib = small_copy(tmp_path)
    build(runner, bib, tmp_path / "first")
    TARGETS[target](cache_dir(cache_home), CORRUPTIONS[corruption])
    assert_next_build_is_right(runner, bib, tmp_path, "next")
    assert_next_build_is_right(runner, bib, tmp_path, "after")  # and what it saved is right


@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
def test_a_damaged_journal_is_ignored(
    runner: CliRunner, tmp_path: Path, cache_home: Path, corruption: str
) -> None:
    bib = small_copy(tmp_path)
    build(runner, bib, tmp_path / "first")
    text = bib.read_text(encoding="utf-8")
    bib.write_text(text.replace("title = {", "title = {Edited ", 1), encoding="utf-8")
    build(runner, bib, tmp_path / "edited")  # a small change: appended to the journal
    directory = cache_dir(cache_home)
    one(directory, "*.last").unlink()
    journal = one(directory, "*.journal")
    journal.write_bytes(CORRUPTIONS[corruption](journal.read_bytes()))
    assert_next_build_is_right(runner, bib, tmp_path, "next")


def test_a_rendered_entry_changed_in_the_journal_is_not_shown(
    runner: CliRunner, tmp_path: Path, cache_home: Path
) -> None:
    bib = small_copy(tmp_path)
    build(runner, bib, tmp_path / "first")
    text = bib.read_text(encoding="utf-8")
    bib.write_text(text.replace("title = {", "title = {Edited ", 1), encoding="utf-8")
    build(runner, bib, tmp_path / "edited")
    directory = cache_dir(cache_home)
    one(directory, "*.last").unlink()
    journal = one(directory, "*.journal")
    assert b"Edited" in journal.read_bytes()
    journal.write_bytes(journal.read_bytes().replace(b"Edited", b"Edxted"))
    assert_next_build_is_right(runner, bib, tmp_path, "next")


def test_a_rendered_entry_changed_on_disk_is_not_shown(
    runner: CliRunner, tmp_path: Path, cache_home: Path
) -> None:
    """The fault report's case: a label "2022" read back as "222" (its length kept right)."""
    bib = small_copy(tmp_path)
    build(runner, bib, tmp_path / "first")
    directory = cache_dir(cache_home)
    one(directory, "*.last").unlink()
    path = one(directory, "*.cache")
    data = path.read_bytes()
    assert data.count(b"1843") > 0
    path.write_bytes(data.replace(b"1843", b"1943"))
    assert_next_build_is_right(runner, bib, tmp_path, "next")


@pytest.mark.parametrize("name", ["*.cache", "*.last", "*.journal", "templates/*"])
@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_a_special_file_in_the_cache_is_never_opened(
    runner: CliRunner, tmp_path: Path, cache_home: Path, name: str, kind: str
) -> None:
    """A FIFO would block the build for ever on opening it, for reading or for appending."""
    bib = small_copy(tmp_path)
    build(runner, bib, tmp_path / "first")
    directory = cache_dir(cache_home)
    if name == "*.journal":  # none yet: where the next small change would go
        places = [one(directory, "*.cache").with_suffix(".journal")]
        text = bib.read_text(encoding="utf-8")
        bib.write_text(text.replace("title = {", "title = {Edited ", 1), encoding="utf-8")
    else:
        places = sorted(directory.glob(name))
        if name != "*.last":
            one(directory, "*.last").unlink()
    for path in places:
        path.unlink(missing_ok=True)
        os.mkfifo(path) if kind == "fifo" else path.mkdir()
    command = [sys.executable, "-m", "bibfolio", "build", str(bib), "-f", "html", "-f", "md"]
    for out in ("next", "after"):
        # A subprocess, so that a hang fails the test instead of stopping the suite.
        result = subprocess.run(
            [*command, *OWNER, "-o", str(tmp_path / out)],
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        build(runner, bib, tmp_path / f"{out} fresh", "--no-cache")
        assert outputs(tmp_path / out) == outputs(tmp_path / f"{out} fresh")


def test_a_build_replaced_by_another_before_it_is_remembered_is_remembered_right(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another build with other settings writes the same page just after this one: what this
    one remembers as its output (replayed by the next unchanged build) is still its own."""
    bib = small_copy(tmp_path)
    out = tmp_path / "site"
    write_files = bibfolio.build.write_files

    def another_build_then(files: dict[Path, object], *args: object) -> list[Path]:
        written = write_files(files, *args)  # type: ignore[arg-type]
        for path in written:
            path.write_text("another build's page\n", encoding="utf-8")
        return written

    with monkeypatch.context() as patched:
        patched.setattr(bibfolio.build, "write_files", another_build_then)
        build(runner, bib, out)
    assert_next_build_is_right(runner, bib, tmp_path, "next")


def test_concurrent_builds_with_other_settings_leave_a_right_cache(
    runner: CliRunner, tmp_path: Path
) -> None:
    """Six builds at once, three with each of two settings, into one directory, rounds after
    rounds of small edits (each appends to the journal); then every build equals a build
    without the cache."""
    bib = small_copy(tmp_path)
    out = tmp_path / "site"
    build(runner, bib, out)
    command = [sys.executable, "-m", "bibfolio", "build", str(bib), "-f", "html", "-f", "md"]
    command += [*OWNER, "-o", str(out), "-j", "1"]
    text = bib.read_text(encoding="utf-8")
    for round_ in range(4):
        edited = text.replace("title = {", f"title = {{Round {round_} ", round_ + 1)
        bib.write_text(edited, encoding="utf-8")
        processes = [
            subprocess.Popen([*command, *SETTINGS[name]], stderr=subprocess.PIPE)
            for name in [*SETTINGS] * 3
        ]
        for process in processes:
            _, stderr = process.communicate(timeout=120)
            assert process.returncode == 0, stderr
        for name, settings in SETTINGS.items():
            assert_next_build_is_right(runner, bib, tmp_path, f"{round_} {name}", *settings)
    assert [path.name for path in out.iterdir() if path.name.endswith(".tmp")] == []


def test_the_next_save_removes_what_a_killed_one_left(
    runner: CliRunner, tmp_path: Path, cache_home: Path
) -> None:
    bib = small_copy(tmp_path)
    build(runner, bib, tmp_path / "first")
    directory = cache_dir(cache_home)
    cache_file = one(directory, "*.cache")
    # What a save killed while writing leaves (SIGKILL: nothing runs after it).
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    killed = [
        directory / f".{cache_file.name}.{gone.pid}.abc123.tmp",
        directory / f".{cache_file.with_suffix('.last').name}.{gone.pid}.abc123.tmp",
    ]
    running = directory / f".{cache_file.name}.{os.getppid()}.abc123.tmp"
    for path in [*killed, running]:
        path.write_bytes(b"half")
    one(directory, "*.last").unlink()
    cache_file.unlink()  # the next save writes the whole cache
    assert_next_build_is_right(runner, bib, tmp_path, "next")
    assert not any(path.exists() for path in killed)
    assert running.exists()
