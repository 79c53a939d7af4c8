"""Time bibfolio against bibtex2html, pybtex and bibtexparser on the same corpus.

Usage: python benchmarks/run.py [--sizes 1000,10000] [--repeat 3] [--bibfolio PATH] ...

Every measurement is a whole process started with subprocess, one at a time: wall time
(median of --repeat runs), CPU time (user + system, median) and peak RSS (the largest
``ru_maxrss`` of the process and the children it waited for, as ``/usr/bin/time -f %M``
reports it). The Markdown table goes to standard output, progress to standard error.
See benchmarks/README.md for what each row means.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import platform
import re
import resource
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import make_corpus

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OWNER = "Lianmin Zheng"
TOOLS = ("bibfolio", "bibtex2html", "pybtex", "bibtexparser", "reader", "split")
REFERENCE_SIZE = 10_000
LINEAR_SLACK = 1.25  # "grows linearly": 5x the entries may cost at most 5 * 1.25x

PYBTEX_SCRIPT = """\
import sys

import pybtex.errors
from pybtex.database import parse_file
from pybtex.plugin import find_plugin

pybtex.errors.set_strict_mode(False)  # warn, as bibtex does, instead of stopping
bibliography = parse_file(sys.argv[1], bib_format="bibtex")
style = find_plugin("pybtex.style.formatting", "plain")()
for entry in bibliography.entries.values():
    if not hasattr(style, "get_%s_template" % entry.type):
        entry.type = "misc"  # plain.bst formats unknown types (@software) as @misc
formatted = style.format_bibliography(bibliography)
find_plugin("pybtex.backends", "html")().write_to_file(formatted, sys.argv[2])
"""

BIBTEXPARSER_SCRIPT = """\
import sys

import bibtexparser

library = bibtexparser.parse_file(sys.argv[1])
print(len(library.entries), "entries")
"""

READER_SCRIPT = """\
import sys

from bibfolio.bibtex import EntryBlock, read_blocks

with open(sys.argv[1], encoding="utf-8") as file:
    text = file.read()
print(sum(isinstance(block, EntryBlock) for block in read_blocks(text)), "entries")
"""

SERVE_SCRIPT = """\
import sys
import time
from pathlib import Path

from bibfolio.serve import Built, LivePage

bib, owner, result = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
live = LivePage([bib], None, {"owner": (owner,), "style": "full"}, keep_cache=True)
first = live.rebuild()
assert isinstance(first, Built), first
for edited in sys.argv[4:]:
    bib.write_text(Path(edited).read_text(encoding="utf-8"), encoding="utf-8")
    cpu = time.process_time()
    rebuild = live.rebuild()
    assert isinstance(rebuild, Built), rebuild
    print(f"rebuild {rebuild.seconds:.6f} {time.process_time() - cpu:.6f} {rebuild.entries}")
page = live.documents["html"]  # UTF-8 bytes; a str in older bibfolios
result.write_bytes(page if isinstance(page, bytes) else page.encode("utf-8"))
"""

SPLIT_SCRIPT = """\
import re
import sys

with open(sys.argv[1], encoding="utf-8") as file:
    text = file.read()
blocks = re.split(r"(?m)^(?=@)", text)
entries = [b for b in blocks if re.match(r"@(?!string|preamble|comment)\\w", b, re.I)]
print(len(entries), "entries")
"""


@dataclass
class Run:
    """One finished (or killed) process."""

    seconds: float
    cpu: float
    rss_kb: int
    exit_code: int
    timed_out: bool
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        """True when the process exited 0 within its time limit."""
        return self.exit_code == 0 and not self.timed_out

    def problem(self, timeout: float) -> str:
        """A short note on why the run failed."""
        if self.timed_out:
            return f"timed out after {timeout:.0f} s"
        lines = [line for line in (self.stderr + self.stdout).splitlines() if line.strip()]
        capacity = [line for line in lines if "capacity exceeded" in line.lower()]
        last = (capacity or lines or ["no output"])[-1].strip()
        return f"failed (exit {self.exit_code}): {last[:120]}"


@dataclass
class Row:
    """One line of the result table."""

    size: str
    tool: str
    runs: list[Run] = field(default_factory=list)
    note: str = ""  # "not installed", a failure, or a remark
    entries: str = ""  # entries the tool reports having written or read
    # Measured in rounds with the other paired rows of its size (run i of each in round i).
    paired: bool = False

    @property
    def ok(self) -> bool:
        """True when every run succeeded (and there was at least one)."""
        return bool(self.runs) and all(run.ok for run in self.runs)

    @property
    def seconds(self) -> float | None:
        """Median wall time, or None when the row has no successful measurement."""
        return statistics.median(run.seconds for run in self.runs) if self.ok else None

    @property
    def cpu(self) -> float | None:
        """Median CPU time (user + system, the process and its children)."""
        return statistics.median(run.cpu for run in self.runs) if self.ok else None

    @property
    def rss_mb(self) -> float | None:
        """Largest peak RSS over the runs, in MiB."""
        return max(run.rss_kb for run in self.runs) / 1024 if self.ok else None


@dataclass
class Settings:
    """What the command line asked for, resolved."""

    sizes: list[int]
    repeat: int
    timeout: float
    bibfolio: list[str] | None
    bibfolio_args: list[str]
    python: str
    peers_python: str
    sources: list[Path]
    tools: set[str]
    work: Path
    time_bin: str | None  # GNU time, for peak RSS


@dataclass
class Check:
    """One target of issue 5, evaluated."""

    name: str
    verdict: str  # PASS, FAIL or SKIP
    detail: str


def _kill_group(pid: int, killed: threading.Event) -> None:
    """Kill a process group started with start_new_session (if it is still there)."""
    killed.set()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def gnu_time() -> str | None:
    """/usr/bin/time when it is GNU time (it can write %M to a file), else None."""
    binary = "/usr/bin/time"
    if not Path(binary).exists():
        return None
    with tempfile.NamedTemporaryFile() as probe:
        result = subprocess.run(
            [binary, "-f", "%M", "-o", probe.name, "--", "true"], capture_output=True, check=False
        )
        return binary if result.returncode == 0 and probe.read().strip().isdigit() else None


def _tail(file: IO[bytes], size: int = 65_536) -> str:
    """The last ``size`` bytes of a file, as text (enough for the last messages)."""
    file.seek(0, os.SEEK_END)
    file.seek(max(0, file.tell() - size))
    return file.read().decode("utf-8", "replace")


def run_process(
    cmd: Sequence[str], cwd: Path, env: dict[str, str], timeout: float, time_bin: str | None
) -> Run:
    """Run one command to completion and measure it.

    Wall time from here; CPU time from wait4; peak RSS from GNU time (``time_bin``) when
    given. Without it, wait4's ru_maxrss is used, which Linux never reports below the peak
    RSS of this runner (an exec'ing child inherits its parent's high-water mark).
    """
    cwd.mkdir(parents=True, exist_ok=True)
    killed = threading.Event()
    rss_file = cwd / ".peak-rss"
    rss_file.unlink(missing_ok=True)
    if time_bin is not None:
        cmd = [time_bin, "-f", "%M", "-o", str(rss_file), "--", *cmd]
    with tempfile.TemporaryFile(dir=cwd) as out, tempfile.TemporaryFile(dir=cwd) as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        timer = threading.Timer(timeout, _kill_group, (proc.pid, killed))
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # Ctrl-C reaches only us: the child has its own session
            _kill_group(proc.pid, killed)
            proc.wait()
            raise
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4, not Popen
        rss_kb = usage.ru_maxrss
        if rss_file.exists():  # GNU time's last line is %M (after any "exited with" line)
            lines = rss_file.read_text(encoding="utf-8", errors="replace").split()
            rss_kb = int(lines[-1]) if lines and lines[-1].isdigit() else rss_kb
        return Run(
            seconds=seconds,
            cpu=usage.ru_utime + usage.ru_stime,
            rss_kb=rss_kb,
            exit_code=proc.returncode,
            timed_out=killed.is_set(),
            stdout=_tail(out),
            stderr=_tail(err),
        )


def progress(message: str) -> None:
    """Say what is running, on standard error."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def measure(
    row: Row,
    settings: Settings,
    make_cmd: Callable[[int], Sequence[str]],
    cwd: Path,
    env: dict[str, str],
    times: int | None = None,
    before: Callable[[int], object] | None = None,
) -> Row:
    """Run ``make_cmd(i)`` for i in range(times), stopping at the first failure."""
    for index in range(times or settings.repeat):
        if before is not None:
            before(index)
        if not run_once(row, make_cmd(index), cwd, env, settings):
            break
    return row


def run_once(
    row: Row, cmd: Sequence[str], cwd: Path, env: dict[str, str], settings: Settings
) -> bool:
    """Run one measured process for ``row``, say how it went; False when it failed."""
    run = run_process(cmd, cwd, env, settings.timeout, settings.time_bin)
    row.runs.append(run)
    progress(f"{row.size:>8} {row.tool}: {run.seconds:.3f} s, {run.rss_kb / 1024:.0f} MB")
    if not run.ok:
        row.note = run.problem(settings.timeout)
    return run.ok


@dataclass
class Timed:
    """A row to measure one run per round, in turn with the other tools of its size."""

    row: Row
    command: Callable[[int], Sequence[str]]
    cwd: Path
    env: Callable[[int], dict[str, str]]
    finish: Callable[[Row], None]  # after the last round, when every run succeeded


def run_rounds(timed: list[Timed], settings: Settings) -> None:
    """Run every tool once per round, ``--repeat`` rounds: a machine whose speed drifts
    over minutes then slows every tool alike, and each round's runs can be compared."""
    for index in range(settings.repeat):
        for one in timed:
            if one.row.runs and not one.row.runs[-1].ok:
                continue  # stopped at its first failure
            run_once(one.row, one.command(index), one.cwd, one.env(index), settings)
    for one in timed:
        one.row.paired = True
        if one.row.ok:
            one.finish(one.row)


def tree_hash(directory: Path) -> str:
    """SHA-256 over the names and bytes of every file under ``directory``."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(directory)).encode() + b"\0")
        with path.open("rb") as file:
            while chunk := file.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def count_entries(text: str) -> str:
    """The number in an "N entries" message, or "" when there is none."""
    match = re.search(r"(\d+) entries", text)
    return match.group(1) if match else ""


def base_env(work: Path, cache: Path) -> dict[str, str]:
    """The environment for a run: bibfolio's cache (XDG_CACHE_HOME) and TMPDIR in ``work``."""
    env = dict(os.environ)
    cache.mkdir(parents=True, exist_ok=True)
    (work / "tmp").mkdir(parents=True, exist_ok=True)
    env["XDG_CACHE_HOME"] = str(cache)
    env["TMPDIR"] = str(work / "tmp")
    return env


def edit_one_entry(text: str, number: int) -> str:
    """The corpus with the title of its middle entry changed (edit ``number``)."""
    starts = [m.start() for m in re.finditer(r"(?im)^@(?!string|preamble|comment)\w", text)]
    if not starts:
        return text
    middle = len(starts) // 2
    start = starts[middle]
    end = starts[middle + 1] if middle + 1 < len(starts) else len(text)
    title = re.compile(r"(?i)\btitle\s*=\s*[{\"]").search(text, start, end)
    if title is None:  # no title: add a field right after the key
        at = text.index(",", start) + 1
        return f"{text[:at]}\n  note = {{Edited {number}}},{text[at:]}"
    return f"{text[: title.end()]}Edited {number}: {text[title.end() :]}"


def add_entry_first(text: str, number: int) -> str:
    """The corpus with a copy of its first entry (new key, new title) added before it: a new
    paper at the top of the file, first on the page when the first entry is (edit ``number``)."""
    starts = [m.start() for m in re.finditer(r"(?im)^@(?!string|preamble|comment)\w", text)]
    if not starts:
        return text
    first = starts[0]
    block = text[first : starts[1] if len(starts) > 1 else len(text)]
    block = re.sub(r"^(@\w+\s*[{(]\s*)([^,\s]+)", rf"\g<1>\g<2>-new{number}", block, count=1)
    title = re.compile(r"(?i)\btitle\s*=\s*[{\"]").search(block)
    if title is not None:
        block = f"{block[: title.end()]}New {number}: {block[title.end() :]}"
    return f"{text[:first]}{block}{text[first:]}"


@dataclass
class BibfolioRun:
    """bibfolio's own copy of a corpus (the edited runs change it in place) and its command."""

    label: str
    work: Path
    bib: Path
    pristine: str
    build: Callable[[Path], list[str]]
    # The same command without --owner: bibfolio guesses the owner, as it does by default.
    build_guessing: Callable[[Path], list[str]]


def bibfolio_cold(
    size: int, corpus: Path, settings: Settings, folder: str = "bibfolio"
) -> tuple[Timed, BibfolioRun]:
    """The cold builds (each with a new, empty cache), to run in rounds with the peers;
    ``folder`` (under the size's directory) holds their copy of the corpus and outputs."""
    assert settings.bibfolio is not None
    command = settings.bibfolio
    work = settings.work / str(size) / folder
    work.mkdir(parents=True, exist_ok=True)
    bib = work / "corpus.bib"
    shutil.copyfile(corpus, bib)

    def build_guessing(out: Path) -> list[str]:
        options = ("-s", "full", "-f", "html", "-o", str(out), *settings.bibfolio_args)
        return [*command, "build", str(bib), *options]

    def build(out: Path) -> list[str]:
        return [*build_guessing(out), "--owner", OWNER]

    def finish(row: Row) -> None:
        row.entries = count_entries(row.runs[-1].stderr + row.runs[-1].stdout)

    pristine = corpus.read_text(encoding="utf-8")
    run = BibfolioRun(str(size), work, bib, pristine, build, build_guessing)
    cold = Timed(
        Row(str(size), "bibfolio cold build"),
        lambda i: build(work / f"out-cold-{i}"),
        work,
        lambda i: base_env(work, work / f"cache-cold-{i}"),
        finish,
    )
    return cold, run


def bibfolio_rebuilds(
    run: BibfolioRun, cold: Row, settings: Settings
) -> tuple[list[Row], list[Check]]:
    """The warm, edited and serve measurements, in order, after the cold builds (the warm
    runs start from the cache the last cold run left), and the byte-identity checks."""
    label, work, bib, build = run.label, run.work, run.bib, run.build
    env = base_env(work, work / f"cache-cold-{len(cold.runs) - 1}")
    warm = measure(
        Row(label, "bibfolio warm rebuild"),
        settings,
        lambda i: build(work / f"out-warm-{i}"),
        work,
        env,
    )
    edited = measure(
        Row(label, "bibfolio one entry edited"),
        settings,
        lambda i: build(work / f"out-edit-{i}"),
        work,
        env,
        before=lambda i: bib.write_text(edit_one_entry(run.pristine, i), encoding="utf-8"),
    )
    rows = [warm, edited]
    for row in rows:
        if row.ok:
            row.entries = count_entries(row.runs[-1].stderr + row.runs[-1].stdout)
    checks = [identity_check(label, work, settings, cold, warm, edited, build)]
    bib.write_text(run.pristine, encoding="utf-8")
    for extra_row in (guessed_owner_row, added_first_row):
        row, check = extra_row(run, settings)
        rows.append(row)
        checks.append(check)
    serve, serve_check = serve_row(label, work, run.pristine, settings)
    rows.append(serve)
    if serve_check is not None:
        checks.append(serve_check)
    return rows, checks


def guessed_owner_row(run: BibfolioRun, settings: Settings) -> tuple[Row, Check]:
    """The edited row's edits built without --owner, so that bibfolio guesses the owner
    (what it does when none is configured)."""
    return edits_row(
        run,
        settings,
        Row(run.label, "bibfolio owner guessed, one entry edited"),
        run.build_guessing,
        edit_one_entry,
        "guessed",
        f"output byte-identical, owner guessed: edited = cold ({run.label})",
    )


def added_first_row(run: BibfolioRun, settings: Settings) -> tuple[Row, Check]:
    """A new entry added at the top of the file, first on the page: the commonest edit of a
    publication list (a new paper), and one that must not make every entry render again."""
    return edits_row(
        run,
        settings,
        Row(run.label, "bibfolio one entry added first"),
        run.build,
        add_entry_first,
        "added",
        f"output byte-identical, entry added first: rebuild = cold ({run.label})",
    )


def edits_row(
    run: BibfolioRun,
    settings: Settings,
    row: Row,
    build: Callable[[Path], list[str]],
    edit: Callable[[str, int], str],
    tag: str,
    name: str,
) -> tuple[Row, Check]:
    """Builds (``build``) of the corpus as ``edit`` changes it, each timed, after one build of
    the unedited file, not measured, that fills a cache of their own; the last must equal a
    cold build of the same file (check ``name``). ``tag`` names their outputs and caches."""
    label, work, bib = run.label, run.work, run.bib
    env = base_env(work, work / f"cache-{tag}")
    first = run_process(build(work / f"out-{tag}-first"), work, env, settings.timeout, None)
    if not first.ok:
        row.note = first.problem(settings.timeout)
        return row, Check(name, "SKIP", "the first build failed")
    measure(
        row,
        settings,
        lambda i: build(work / f"out-{tag}-{i}"),
        work,
        env,
        before=lambda i: bib.write_text(edit(run.pristine, i), encoding="utf-8"),
    )
    if row.ok:
        row.entries = count_entries(row.runs[-1].stderr + row.runs[-1].stdout)
    cold_env = base_env(work, work / f"cache-{tag}-check")
    cold = run_process(build(work / f"out-{tag}-cold"), work, cold_env, settings.timeout, None)
    bib.write_text(run.pristine, encoding="utf-8")
    if not (row.ok and cold.ok):
        return row, Check(name, "SKIP", f"a timed or cold build failed ({label})")
    last = tree_hash(work / f"out-{tag}-{len(row.runs) - 1}")
    same = last == tree_hash(work / f"out-{tag}-cold")
    return row, Check(name, "PASS" if same else "FAIL", "identical" if same else "differs")


def bibfolio_python(settings: Settings) -> str:
    """The Python of the bibfolio command measured (from its script's ``#!`` line), so that
    the serve row runs the same bibfolio; else --python."""
    assert settings.bibfolio is not None
    script = shutil.which(settings.bibfolio[0]) or settings.bibfolio[0]
    with contextlib.suppress(OSError, UnicodeDecodeError):
        with Path(script).open(encoding="utf-8") as file:
            first = file.readline()
        if first.startswith("#!") and "python" in first:
            return first[2:].strip()
    return settings.python


def serve_row(
    label: str, work: Path, pristine: str, settings: Settings
) -> tuple[Row, Check | None]:
    """``bibfolio serve``'s rebuild after a save that edits one entry, timed inside one
    process (``LivePage.rebuild``, as serve calls it), with the cache in memory and on disk;
    the same edits as the edited CLI runs, so the last page must equal the cold build of
    the edited file that ``identity_check`` made."""
    row = Row(label, "bibfolio serve, one entry edited")
    serve_work = work / "serve"
    serve_work.mkdir(parents=True, exist_ok=True)
    bib = serve_work / "corpus.bib"
    bib.write_text(pristine, encoding="utf-8")
    edits = []
    for index in range(settings.repeat):
        edit = serve_work / f"edit-{index}.bib"
        edit.write_text(edit_one_entry(pristine, index), encoding="utf-8")
        edits.append(str(edit))
    html = serve_work / "last.html"
    cmd = [bibfolio_python(settings), "-c", SERVE_SCRIPT, str(bib), OWNER, str(html), *edits]
    env = base_env(serve_work, serve_work / "cache")
    run = run_process(cmd, serve_work, env, settings.timeout, settings.time_bin)
    if not run.ok:
        row.note = run.problem(settings.timeout)
        return row, None
    for line in run.stdout.splitlines():
        if line.startswith("rebuild "):
            _, seconds, cpu, entries = line.split()
            row.runs.append(Run(float(seconds), float(cpu), run.rss_kb, 0, False, "", ""))
            row.entries = entries
    for index, one in enumerate(row.runs):
        progress(f"{label:>8} {row.tool}: {one.seconds:.3f} s (rebuild {index})")
    row.note = "one process: rebuild time, not start-up"
    name = f"serve's page after the edits = cold build of the edited file ({label})"
    cold_page = work / "out-edit-cold" / "publications.html"
    if not cold_page.exists():
        return row, Check(name, "SKIP", "no cold build of the edited file")
    same = html.read_bytes() == cold_page.read_bytes()
    return row, Check(name, "PASS" if same else "FAIL", "identical" if same else "differs")


def identity_check(
    label: str,
    work: Path,
    settings: Settings,
    cold: Row,
    warm: Row,
    edited: Row,
    build: Callable[[Path], list[str]],
) -> Check:
    """Cold runs agree with each other and with warm runs; an edited rebuild equals a cold
    build of the edited file (made here with an empty cache)."""
    name = f"output byte-identical, cold vs warm vs edited ({label})"
    if not (warm.ok and edited.ok):
        return Check(name, "SKIP", "a warm or edited run failed")
    cold_hashes = {tree_hash(work / f"out-cold-{i}") for i in range(len(cold.runs))}
    warm_hashes = {tree_hash(work / f"out-warm-{i}") for i in range(len(warm.runs))}
    last = len(edited.runs) - 1
    env = base_env(work, work / "cache-check")
    check_run = run_process(
        build(work / "out-edit-cold"), work, env, settings.timeout, settings.time_bin
    )
    if not check_run.ok:
        return Check(
            name, "FAIL", f"cold build of the edited file: {check_run.problem(settings.timeout)}"
        )
    edit_same = tree_hash(work / f"out-edit-{last}") == tree_hash(work / "out-edit-cold")
    problems = []
    if len(cold_hashes) != 1:
        problems.append("cold runs differ from each other")
    if warm_hashes != cold_hashes:
        problems.append("warm output differs from cold")
    if not edit_same:
        problems.append("edited rebuild differs from a cold build of the edited file")
    if problems:
        return Check(name, "FAIL", "; ".join(problems))
    digest = next(iter(cold_hashes))[:12]
    runs = len(cold.runs) + len(warm.runs)
    return Check(name, "PASS", f"{runs} cold/warm outputs all sha256 {digest}…; edited = cold")


def bibtex2html_timed(size: int, corpus: Path, settings: Settings) -> Timed | Row:
    """bibtex2html (calls bibtex, plain style): one whole HTML page listing every entry."""
    row = Row(str(size), "bibtex2html")
    if shutil.which("bibtex2html") is None or shutil.which("bibtex") is None:
        row.note = "not installed"
        return row
    work = settings.work / str(size) / "bibtex2html"
    env = base_env(work, work / "cache")
    out = work / "out"
    # Without -nodoc the output is a whole page, like bibfolio's; -nobibsource skips the
    # second page with the BibTeX source of every entry.
    cmd = ["bibtex2html", "-nobibsource", "-s", "plain", "-o", str(out), str(corpus)]

    def finish(row: Row) -> None:
        html = out.with_suffix(".html")
        if html.exists():
            text = html.read_text(encoding="utf-8", errors="replace")
            row.entries = str(text.count("bibtexnumber"))

    return Timed(row, lambda _i: cmd, work, lambda _i: env, finish)


def pybtex_timed(size: int, corpus: Path, settings: Settings) -> Timed | Row:
    """pybtex through its Python API: parse_file, the plain style, the HTML backend."""
    row = Row(str(size), "pybtex (plain style, HTML backend)")
    if not python_has(settings.peers_python, "pybtex"):
        row.note = "not installed"
        return row
    work = settings.work / str(size) / "pybtex"
    work.mkdir(parents=True, exist_ok=True)
    script = work / "pybtex_html.py"
    script.write_text(PYBTEX_SCRIPT, encoding="utf-8")
    html = work / "out.html"
    cmd = [settings.peers_python, str(script), str(corpus), str(html)]
    env = base_env(work, work / "cache")

    def finish(row: Row) -> None:
        if html.exists():
            row.entries = str(html.read_text(encoding="utf-8", errors="replace").count("<dt"))

    return Timed(row, lambda _i: cmd, work, lambda _i: env, finish)


def script_timed(
    size: int, corpus: Path, settings: Settings, tool: str, script: str
) -> Timed | Row:
    """A short Python script run on the corpus with --python (the project venv's)."""
    names = {
        "bibtexparser": "bibtexparser parse_file alone",
        "reader": "bibfolio's BibTeX reader alone (bibtex.py)",
        "split": "Python read + regex split (floor)",
    }
    row = Row(str(size), names[tool])
    needs = {"bibtexparser": "bibtexparser", "reader": "bibfolio.bibtex"}.get(tool)
    if needs and not python_has(settings.python, needs):
        row.note = "not installed"
        return row
    work = settings.work / str(size) / tool
    cmd = [settings.python, "-c", script, str(corpus)]
    env = base_env(work, work / "cache")

    def finish(row: Row) -> None:
        row.entries = count_entries(row.runs[-1].stdout)

    return Timed(row, lambda _i: cmd, work, lambda _i: env, finish)


def small_rows(settings: Settings) -> list[Row]:
    """`bibfolio build refs.bib` (the small page, with the repository's bibfolio.toml) and
    `bibfolio --help`; each at least 5 times, as they are short."""
    times = max(settings.repeat, 5)
    page = Row("refs.bib", "bibfolio build refs.bib (small page)")
    help_row = Row("-", "bibfolio --help")
    if settings.bibfolio is None:
        page.note = help_row.note = "not installed"
        return [page, help_row]
    work = settings.work / "small"
    command = settings.bibfolio
    out = work / "site"
    refs = REPO / "refs.bib"
    for index in range(times):  # cold: a new, empty cache for every run
        env = base_env(work, work / f"cache-{index}")
        measure(
            page, settings, lambda _i: [*command, "build", str(refs), "-o", str(out)], work, env, 1
        )
        if not page.ok:
            break
    env = base_env(work, work / "cache-help")
    if page.ok:
        page.entries = count_entries(page.runs[-1].stderr + page.runs[-1].stdout)
    measure(help_row, settings, lambda _i: [*command, "--help"], work, env, times)
    return [page, help_row]


def python_has(python: str, module: str) -> bool:
    """True when ``python`` exists and can import ``module``."""
    try:
        result = subprocess.run(
            [python, "-c", f"import {module}"], capture_output=True, timeout=120, check=False
        )
    except OSError:
        return False
    return result.returncode == 0


def size_rows(size: int, settings: Settings) -> tuple[list[Row], list[Check]]:
    """Make the corpus of ``size`` entries and measure every selected tool on it."""
    corpus = settings.work / str(size) / "corpus.bib"
    corpus.parent.mkdir(parents=True, exist_ok=True)
    progress(f"corpus of {size} entries from {', '.join(p.name for p in settings.sources)}")
    # In a child process, so that this runner stays small (see run_process on peak RSS).
    sources = [arg for path in settings.sources for arg in ("--source", str(path))]
    subprocess.run(
        [sys.executable, str(HERE / "make_corpus.py"), str(size), str(corpus), *sources],
        check=True,
        stderr=subprocess.DEVNULL,
    )
    # Cold builds and the other tools run in rounds (see run_rounds); bibfolio's rebuilds,
    # which need its cold builds' cache, come after.
    prepared: list[Timed | Row] = []
    bibfolio: BibfolioRun | None = None
    if "bibfolio" in settings.tools:
        if settings.bibfolio is None:
            prepared.append(Row(str(size), "bibfolio cold build", note="not installed"))
        else:
            cold, bibfolio = bibfolio_cold(size, corpus, settings)
            prepared.append(cold)
    if "bibtex2html" in settings.tools:
        prepared.append(bibtex2html_timed(size, corpus, settings))
    if "pybtex" in settings.tools:
        prepared.append(pybtex_timed(size, corpus, settings))
    if "bibtexparser" in settings.tools:
        prepared.append(script_timed(size, corpus, settings, "bibtexparser", BIBTEXPARSER_SCRIPT))
    if "reader" in settings.tools:
        prepared.append(script_timed(size, corpus, settings, "reader", READER_SCRIPT))
    if "split" in settings.tools:
        prepared.append(script_timed(size, corpus, settings, "split", SPLIT_SCRIPT))
    run_rounds([one for one in prepared if isinstance(one, Timed)], settings)
    rows = [one.row if isinstance(one, Timed) else one for one in prepared]
    checks: list[Check] = []
    if bibfolio is not None and rows[0].ok:
        rebuilds, checks = bibfolio_rebuilds(bibfolio, rows[0], settings)
        rows[1:1] = rebuilds
    return rows, checks


def find_row(rows: list[Row], size: str, prefix: str) -> Row | None:
    """The row for ``size`` whose tool name starts with ``prefix``."""
    return next((r for r in rows if r.size == size and r.tool.startswith(prefix)), None)


def ratio(row: Row, rows: list[Row], prefix: str) -> float | None:
    """Row's time over the ``prefix`` tool's at the same size: for rows measured in the
    same rounds, the median of the ratios of each round's runs; else of the medians."""
    other = find_row(rows, row.size, prefix)
    if row.seconds is None or other is None or not other.seconds:
        return None
    if row.paired and other.paired and len(row.runs) == len(other.runs):
        pairs = zip(row.runs, other.runs, strict=True)
        return statistics.median(mine.seconds / theirs.seconds for mine, theirs in pairs)
    return row.seconds / other.seconds


def fmt(value: float | None, unit: str = "") -> str:
    """A number for the table: three significant figures or so; '-' for none."""
    if value is None:
        return "-"
    if value < 1:
        return f"{value:.3f}{unit}"
    if value < 100:
        return f"{value:.2f}{unit}"
    return f"{value:.0f}{unit}"


def table(rows: list[Row]) -> str:
    """The Markdown table of all rows."""
    lines = [
        "| size | tool | median s | CPU s | peak RSS MB | entries | × bibtex2html | × pybtex |"
        " note |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        b2h = ratio(row, rows, "bibtex2html")
        pyb = ratio(row, rows, "pybtex")
        cells = [
            row.size,
            row.tool,
            fmt(row.seconds),
            fmt(row.cpu),
            "-" if row.rss_mb is None else f"{row.rss_mb:.0f}",
            row.entries or "-",
            fmt(b2h),
            fmt(pyb),
            row.note.replace("|", "\\|"),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def target_size(rows: list[Row]) -> str | None:
    """The size the targets are checked at: 10,000 if measured, else the largest."""
    sizes = sorted({int(r.size) for r in rows if r.size.isdigit()})
    if not sizes:
        return None
    return str(REFERENCE_SIZE if REFERENCE_SIZE in sizes else sizes[-1])


def verdict(name: str, value: float | None, limit: float, shown: str, why: str = "") -> Check:
    """PASS when ``value`` <= ``limit``; SKIP when there is no value."""
    if value is None:
        return Check(name, "SKIP", why or "not measured")
    return Check(name, "PASS" if value <= limit else "FAIL", shown)


def target_checks(rows: list[Row]) -> list[Check]:
    """The targets of issue 5 that the table can decide."""
    size = target_size(rows)
    checks: list[Check] = []
    at = f" at {size}" if size else ""
    cold = find_row(rows, size, "bibfolio cold") if size else None
    if cold is not None:
        b2h = ratio(cold, rows, "bibtex2html")
        pyb = ratio(cold, rows, "pybtex")
        checks += [
            verdict(
                f"cold build ≤ 1.5× bibtex2html{at}",
                b2h,
                1.5,
                f"{fmt(b2h)}×",
                "no bibtex2html time",
            ),
            verdict(
                f"cold build ≥ 10× faster than pybtex{at}",
                pyb,
                0.1,
                f"{fmt(1 / pyb) if pyb else '-'}× faster",
                "no pybtex time",
            ),
        ]
        for prefix, name in (
            ("bibfolio warm", "warm rebuild"),
            ("bibfolio one", "one-entry-edited"),
            ("bibfolio serve", "serve rebuild, one entry edited,"),
        ):
            row = find_row(rows, size, prefix) if size else None
            seconds = row.seconds if row else None
            checks.append(verdict(f"{name} ≤ 0.3 s{at}", seconds, 0.3, f"{fmt(seconds)} s"))
        checks.append(verdict(f"peak RSS ≤ 150 MB{at}", cold.rss_mb, 150, f"{cold.rss_mb:.0f} MB"))
    page = find_row(rows, "refs.bib", "bibfolio build refs.bib")
    help_row = find_row(rows, "-", "bibfolio --help")
    if page is not None:
        checks.append(verdict("small page ≤ 0.25 s", page.seconds, 0.25, f"{fmt(page.seconds)} s"))
    if help_row is not None:
        checks.append(
            verdict("--help ≤ 0.1 s", help_row.seconds, 0.1, f"{fmt(help_row.seconds)} s")
        )
    return checks


def growth_rounds(settings: Settings) -> tuple[Row, Row] | None:
    """Cold builds of 10,000 and then 50,000 entries back to back, ``--repeat`` rounds: the
    sizes' own rows are minutes apart, long enough for this machine's speed to change by a
    third, so their ratio says more about the machine than about bibfolio."""
    sizes = (REFERENCE_SIZE, 5 * REFERENCE_SIZE)
    if settings.bibfolio is None or not set(sizes) <= set(settings.sizes):
        return None
    progress(f"growth: cold builds of {sizes[0]:,} and {sizes[1]:,} entries, back to back")
    timed = [
        bibfolio_cold(size, settings.work / str(size) / "corpus.bib", settings, "growth")[0]
        for size in sizes
    ]
    run_rounds(timed, settings)
    return timed[0].row, timed[1].row


def linearity_checks(rows: list[Row], growth: tuple[Row, Row] | None) -> list[Check]:
    """Time and peak RSS of cold builds grow at most linearly from 10,000 to 50,000: time as
    the median of each round's ratio in ``growth``, peak RSS from the sizes' own rows."""
    small = find_row(rows, str(REFERENCE_SIZE), "bibfolio cold")
    large = find_row(rows, str(5 * REFERENCE_SIZE), "bibfolio cold")
    if small is None or large is None or small.rss_mb is None or large.rss_mb is None:
        return []
    limit = 5 * LINEAR_SLACK
    rss_growth = large.rss_mb / small.rss_mb
    time_check = Check("time grows linearly 10k → 50k (≤ 5 × 1.25)", "SKIP", "not measured")
    if growth is not None and growth[0].ok and growth[1].ok:
        pairs = list(zip(growth[0].runs, growth[1].runs, strict=True))
        time_growth = statistics.median(big.seconds / little.seconds for little, big in pairs)
        rounds = ", ".join(f"{little.seconds:.2f}/{big.seconds:.2f} s" for little, big in pairs)
        time_check = verdict(
            time_check.name, time_growth, limit, f"{time_growth:.2f}× (rounds: {rounds})"
        )
    return [
        time_check,
        verdict(
            "peak RSS grows linearly 10k → 50k (≤ 5 × 1.25)",
            rss_growth,
            limit,
            f"{rss_growth:.2f}×",
        ),
    ]


def source_fingerprint() -> str:
    """SHA-256 of the repository's src/ and templates/, to notice edits during a run (the
    project venv's bibfolio is an editable install, so it would measure a moving target)."""
    digest = hashlib.sha256()
    for folder in (REPO / "src", REPO / "templates"):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def tool_versions(settings: Settings) -> list[str]:
    """One line per tool with its version, for the header above the table."""

    def first_line(cmd: list[str]) -> str:
        try:
            result = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
        except OSError:
            return "not installed"
        text = (result.stdout or result.stderr).strip()
        return text.splitlines()[0] if text and result.returncode == 0 else "not installed"

    version = "import importlib.metadata as m, sys; print(m.version(sys.argv[1]))"
    git_describe = ["git", "-C", str(REPO), "describe", "--always", "--dirty"]
    lines = [
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}"
        f" {platform.release()}; Python {platform.python_version()}",
        "bibfolio: "
        + (
            f"{first_line([*settings.bibfolio, '--version'])} (`{shlex.join(settings.bibfolio)}`)"
            if settings.bibfolio
            else "not installed"
        ),
        f"repository: git {first_line(git_describe)}",
        "bibtex2html: " + first_line(["bibtex2html", "-v"]),
        "pybtex: " + first_line([settings.peers_python, "-c", version, "pybtex"]),
        "bibtexparser: " + first_line([settings.python, "-c", version, "bibtexparser"]),
    ]
    return lines


def resolve_bibfolio(value: str | None) -> list[str] | None:
    """The bibfolio command: --bibfolio (split like a shell), else next to this Python,
    else on PATH; None when there is none."""
    if value:
        return shlex.split(value)
    beside = Path(sys.executable).parent / "bibfolio"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("bibfolio")
    return [found] if found else None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="corpus sizes (default: 1000,10000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per run")
    parser.add_argument(
        "--bibfolio", help="bibfolio command (default: the one next to this Python, else PATH)"
    )
    parser.add_argument(
        "--bibfolio-args",
        default="",
        help="extra options for the corpus builds, e.g. --bibfolio-args=--skip-invalid",
    )
    parser.add_argument(
        "--python", default=sys.executable, help="Python for the bibtexparser and split rows"
    )
    parser.add_argument(
        "--peers-python",
        default=str(HERE / ".venv-peers" / "bin" / "python"),
        help="Python with pybtex installed (default: benchmarks/.venv-peers)",
    )
    parser.add_argument(
        "--source",
        action="append",
        type=Path,
        metavar="FILE.bib",
        help="replicate this .bib instead of refs.bib + small.bib; repeat for several",
    )
    parser.add_argument(
        "--tools",
        default=",".join(TOOLS),
        help=f"comma-separated subset of {','.join(TOOLS)} (default: all)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when a target or identity check fails"
    )
    return parser.parse_args(argv)


def settings_from(args: argparse.Namespace, work: Path) -> Settings:
    """Validate the arguments and resolve defaults."""
    try:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        raise SystemExit(
            f"error: --sizes must be integers separated by commas: {args.sizes}"
        ) from None
    tools = {t.strip() for t in args.tools.split(",") if t.strip()}
    if unknown := tools - set(TOOLS):
        raise SystemExit(f"error: unknown --tools {sorted(unknown)}; choose from {TOOLS}")
    if args.repeat < 1 or not sizes or min(sizes) < 1:
        raise SystemExit("error: --repeat and --sizes must be positive")
    return Settings(
        sizes=sizes,
        repeat=args.repeat,
        timeout=args.timeout,
        bibfolio=resolve_bibfolio(args.bibfolio),
        bibfolio_args=shlex.split(args.bibfolio_args),
        python=args.python,
        peers_python=args.peers_python,
        sources=[p.resolve() for p in (args.source or make_corpus.DEFAULT_SOURCES)],
        tools=tools,
        work=work,
        time_bin=gnu_time(),
    )


def report(
    settings: Settings, rows: list[Row], checks: list[Check], command: str, moved: bool
) -> str:
    """The whole Markdown report: command, versions, table, checks."""
    parts = [f"Command: `{command}`", ""]
    if moved:
        parts += [
            "**Warning: src/ or templates/ of this repository changed during the run.** If the"
            " bibfolio measured is the editable install, rows (and the byte-identity checks)"
            " mix versions; measure a fixed copy with `--bibfolio`.",
            "",
        ]
    parts += [f"- {line}" for line in tool_versions(settings)]
    parts += [
        f"- corpus: {', '.join(p.name for p in settings.sources)} replicated by make_corpus.py;"
        f" median of {settings.repeat} runs (small page and --help: {max(settings.repeat, 5)})",
        "- peak RSS: "
        + (
            f"{settings.time_bin} -f %M"
            if settings.time_bin
            else "wait4's ru_maxrss (no GNU time: never below this runner's own peak"
            f" of {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)"
        ),
        "",
        table(rows),
        "",
        "| target | result | measured |",
        "| --- | --- | --- |",
    ]
    parts += [f"| {c.name} | {c.verdict} | {c.detail} |" for c in checks]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    """Run every measurement, print the report, and return the exit status."""
    args = parse_args(argv)
    # On SIGTERM, unwind like Ctrl-C: kill the running child and remove the temporary files.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    work = Path(tempfile.mkdtemp(prefix="bibfolio-bench-"))
    settings = settings_from(args, work)
    command = "python benchmarks/run.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    rows: list[Row] = []
    identity: list[Check] = []
    fingerprint = source_fingerprint()
    try:
        if settings.bibfolio and "bibfolio" in settings.tools:
            # Untimed: compiles bytecode and fills the page cache, as on a user's machine.
            run_process(
                [*settings.bibfolio, "--help"], work / "warmup", dict(os.environ), 120, None
            )
            rows += small_rows(settings)
        for size in settings.sizes:
            size_result, size_checks = size_rows(size, settings)
            rows += size_result
            identity += size_checks
        growth = growth_rounds(settings) if "bibfolio" in settings.tools else None
        checks = target_checks(rows) + linearity_checks(rows, growth) + identity
        # Only the default bibfolio (the project venv's editable install) runs src/ as it is.
        moved = not args.bibfolio and source_fingerprint() != fingerprint
        print(report(settings, rows, checks, command.strip(), moved))
    finally:
        if args.keep:
            progress(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    failed = any(c.verdict == "FAIL" for c in checks)
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
