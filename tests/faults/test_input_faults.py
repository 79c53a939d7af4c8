"""Faults in what a build is given to read: macros that blow up, inputs without end, files in
another encoding, files with nothing in them.

Each runs a real ``bibfolio`` with a timeout and, where memory could run away, a cap on its
address space; what it must say is one ``Error: file:line: …`` line (or a warning), with the
exit status of its command, no traceback, and nothing written.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

SMALL_BIB = Path(__file__).parents[1] / "data" / "small.bib"
MEMORY_CAP = 1 << 30  # bytes of address space: ten times what these builds need
EXIT = {"build": 1, "check": 2}  # a build that fails; a check that could not run


def cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def bibfolio(
    tmp_path: Path, *args: str | Path, stdin: int | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run a command in ``tmp_path`` (its output in ``site``), as a user would."""
    command = [sys.executable, "-m", "bibfolio", *map(str, args)]
    if args[0] == "build":
        command += ["-o", str(tmp_path / "site")]
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=cap_memory,
        stdin=subprocess.DEVNULL if stdin is None else stdin,
        cwd=tmp_path,
        env=env,
        check=False,
    )


def assert_one_error(
    result: subprocess.CompletedProcess[str], command: str, tmp_path: Path, expected: str
) -> None:
    """The command failed with its status and one ``Error:`` line, and wrote nothing."""
    assert result.returncode == EXIT[command], result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {expected}"), result.stderr
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("command", ["build", "check"])
def test_macros_that_double_stop_at_the_longest_value(tmp_path: Path, command: str) -> None:
    """41 lines (1 KB) once grew to 6.3 GB, then a MemoryError traceback."""
    lines = ['@string{m1 = "ab"}'] + [
        f"@string{{m{i} = m{i - 1} # m{i - 1}}}" for i in range(2, 42)
    ]
    bib = tmp_path / "blow.bib"
    bib.write_text("\n".join([*lines, "@misc{k, title = m41, year = 2020}\n"]), encoding="utf-8")
    result = bibfolio(tmp_path, command, bib.name, "--no-cache")
    assert_one_error(
        result,
        command,
        tmp_path,
        "blow.bib:21: @string m21 is 2,097,152 characters long with its macros expanded, "
        "over the limit of 1,048,576: does a macro repeat another?",
    )


@pytest.mark.parametrize(
    "lines",
    [
        pytest.param(
            ['@string{m0 = "start"}']
            + [f'@string{{m{i} = m{i - 1} # "abcdefghij"}}' for i in range(1, 100_001)]
            + ["@misc{k, title = m100000}"],
            id="100000-chained-macros",  # took 5 GB
        ),
        pytest.param(
            ['@string{big = "' + "x" * 1_000_000 + '"}']
            + [f'@misc{{k{i}, title = big # "{i}"}}' for i in range(300)],
            id="a-long-macro-used-often",
        ),
    ],
)
def test_macros_stop_at_the_most_text_a_build_evaluates(tmp_path: Path, lines: list[str]) -> None:
    bib = tmp_path / "many.bib"
    bib.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = bibfolio(tmp_path, "build", bib.name, "--no-cache")
    assert_one_error(result, "build", tmp_path, "many.bib:")
    assert "the values read so far are over 268,435,456 characters long" in result.stderr


@pytest.mark.parametrize("command", ["build", "check"])
@pytest.mark.parametrize("as_config", [False, True], ids=["bib", "config"])
def test_a_device_is_refused_not_read_without_end(
    tmp_path: Path, command: str, as_config: bool
) -> None:
    args = [SMALL_BIB, "--config", "/dev/zero"] if as_config else ["/dev/zero"]
    result = bibfolio(tmp_path, command, *args, "--no-cache", timeout=30)
    assert_one_error(
        result, command, tmp_path, "/dev/zero: is a device, not a file: give a file or pipe it in"
    )


@pytest.mark.parametrize("command", ["build", "check"])
@pytest.mark.parametrize("as_config", [False, True], ids=["bib", "config"])
def test_a_fifo_nothing_writes_to_is_refused_not_waited_for(
    tmp_path: Path, command: str, as_config: bool
) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    args = [SMALL_BIB, "--config", fifo.name] if as_config else [fifo.name]
    result = bibfolio(tmp_path, command, *args, "--no-cache", timeout=30)
    assert_one_error(
        result,
        command,
        tmp_path,
        "fifo: is a pipe or FIFO that gave no data (nothing writes to it?): write into it, "
        "or give a file",
    )


def test_a_fifo_written_to_is_read(tmp_path: Path) -> None:
    """``cat refs.bib > fifo & bibfolio build fifo``: the writer may open it just after."""
    fifo = tmp_path / "refs.bib"
    os.mkfifo(fifo)
    with subprocess.Popen(["sh", "-c", f'sleep 0.2; cat "{SMALL_BIB}" > "{fifo}"']) as writer:
        result = bibfolio(tmp_path, "build", fifo.name, "--no-cache", "-f", "md", timeout=30)
    assert writer.returncode == 0
    assert result.returncode == 0, result.stderr
    assert "(8 entries in 3 themes)" in result.stderr


def test_a_pipe_without_end_stops_at_the_size_limit(tmp_path: Path) -> None:
    with subprocess.Popen(["cat", "/dev/zero"], stdout=subprocess.PIPE) as endless:
        assert endless.stdout is not None
        result = bibfolio(tmp_path, "build", "/dev/stdin", stdin=endless.stdout.fileno())
        endless.kill()
    assert_one_error(
        result,
        "build",
        tmp_path,
        "/dev/stdin: larger than 256 MB, the most bibfolio reads: is it the right file?",
    )


@pytest.mark.parametrize("codec", ["utf-16", "utf-32", "utf-16-be", "utf-32-le"])
def test_a_file_with_a_byte_order_mark_is_read_in_its_encoding(tmp_path: Path, codec: str) -> None:
    """Was "not valid utf-8 … pass --encoding latin-1"."""
    bib = tmp_path / "wide.bib"
    text = SMALL_BIB.read_text(encoding="utf-8")
    bom = "\ufeff" if codec.endswith(("-be", "-le")) else ""  # utf-16 and utf-32 add one
    bib.write_bytes((bom + text).encode(codec))
    result = bibfolio(tmp_path, "build", bib.name, "--no-cache", "-f", "md")
    assert result.returncode == 0, result.stderr
    assert "(8 entries in 3 themes)" in result.stderr


@pytest.mark.parametrize(
    ("codec", "args", "expected"),
    [
        # The advice the error once gave, which then built an empty page with exit 0.
        ("utf-16", ["--encoding", "latin-1"], "not text in latin-1: it has NUL characters; "
         "it looks like UTF-16: pass --encoding utf-16"),
        ("utf-16-le", [], "not text in utf-8: it has NUL characters; it looks like UTF-16-LE: "
         "pass --encoding utf-16-le"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("command", ["build", "check"])
def test_wide_text_read_a_byte_at_a_time_is_an_error_not_an_empty_page(
    tmp_path: Path, codec: str, args: list[str], expected: str, command: str
) -> None:
    bib = tmp_path / "wide.bib"
    bib.write_bytes(SMALL_BIB.read_text(encoding="utf-8").encode(codec))
    result = bibfolio(tmp_path, command, bib.name, *args, "--no-cache")
    assert_one_error(result, command, tmp_path, f"wide.bib:1: {expected}")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty: no entries to show"),
        ("% nothing yet\n@comment{to do}\n", "no entries in the file"),
        ('@string{acm = "ACM"}\n', "no entries in the file, only @string or @preamble definitions"),
    ],
    ids=["empty", "comments", "definitions"],
)
@pytest.mark.parametrize("command", ["build", "check"])
def test_a_file_without_entries_is_a_warning(
    tmp_path: Path, text: str, message: str, command: str
) -> None:
    """It once built an empty page and said nothing."""
    bib = tmp_path / "refs.bib"
    bib.write_text(text, encoding="utf-8")
    result = bibfolio(tmp_path, command, bib.name, "--no-cache")
    assert result.returncode == (0 if command == "build" else 1), result.stderr
    assert "Traceback" not in result.stderr
    shown = result.stderr if command == "build" else result.stdout
    assert f"refs.bib: warning: {message} [empty-file]" in shown.splitlines()


def test_a_file_of_definitions_for_the_next_is_no_warning(tmp_path: Path) -> None:
    strings = tmp_path / "strings.bib"
    strings.write_text('@string{acm = "ACM"}\n', encoding="utf-8")
    result = bibfolio(tmp_path, "check", strings.name, SMALL_BIB, "--no-cache")
    assert "empty-file" not in result.stdout
