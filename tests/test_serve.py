"""``bibfolio serve``: the live page, the HTTP server, the watcher, and the command."""

from __future__ import annotations

import errno
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any

import jinja2
import pytest
from click.testing import CliRunner, Result

from bibfolio import load
from bibfolio.bibtex import EntryBlock
from bibfolio.cli import main
from bibfolio.errors import Diagnostic, Severity
from bibfolio.records import Records
from bibfolio.serve import (
    Built,
    Failed,
    LivePage,
    Rebuild,
    make_server,
    rebuild_lines,
    serving,
    watch_and_rebuild,
)

SMALL_BIB = Path(__file__).parent / "data" / "small.bib"
# The full style shows titles (compact shows venue labels only).
ADA = {"owner": ("Ada Lovelace",), "style": "full"}
OLD_TITLE = "Notes on the {Analytical Engine}"
NEW_TITLE = "Notes on the Difference Engine"
# One missing "}" in the first paper (line 17): the rest of the file no longer parses.
BROKEN = ("pages = {1--70},", "pages = {1--70,")
DEADLINE = 10.0  # seconds any wait in these tests may take at most
# No proxy from the environment: every request here goes to 127.0.0.1.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture
def bib(tmp_path: Path) -> Path:
    """A copy of tests/data/small.bib that the test may edit."""
    path = tmp_path / "refs.bib"
    shutil.copyfile(SMALL_BIB, path)
    return path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


@dataclass
class Work:
    """The keys of the entries decoded and rendered (once per format) since the last clear."""

    decoded: list[str] = field(default_factory=list)
    rendered: list[str] = field(default_factory=list)

    def clear(self) -> None:
        self.decoded.clear()
        self.rendered.clear()


@pytest.fixture
def work(monkeypatch: pytest.MonkeyPatch) -> Work:
    """What builds decode (``load.build_entry``) and render (Jinja2 rendering a template for
    an entry), counted through those public functions."""
    done = Work()
    build_entry, render = load.build_entry, jinja2.Template.render

    def decoding(record: load.Record, *args: Any) -> Any:
        done.decoded.append(record.key)
        return build_entry(record, *args)

    def rendering(self: jinja2.Template, *args: Any, **context: Any) -> str:
        if "entry" in context:
            done.rendered.append(context["entry"].key)
        return render(self, *args, **context)

    monkeypatch.setattr(load, "build_entry", decoding)
    monkeypatch.setattr(jinja2.Template, "render", rendering)
    return done


def fetch(url: str, method: str = "GET") -> tuple[int, Mapping[str, str], str]:
    """Status, headers and body of a request, error statuses included."""
    request = urllib.request.Request(url, method=method)
    try:
        with OPENER.open(request, timeout=DEADLINE) as response:
            return response.status, dict(response.headers.items()), response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers.items()), error.read().decode("utf-8")


def wait_for(condition: Callable[[], bool], retry: Callable[[], object] | None = None) -> None:
    """Poll ``condition`` until it holds, at most ``DEADLINE`` seconds.

    ``retry`` runs again every quarter second: the watcher may not have been watching yet the
    first time (nothing tells when its inotify watches are in place).
    """
    start = last_retry = time.monotonic()
    while not condition():
        now = time.monotonic()
        assert now - start < DEADLINE, "timed out"
        if retry is not None and now - last_retry > 0.25:
            retry()
            last_retry = now
        time.sleep(0.02)


def build_error_line(runner: CliRunner, bib: Path, tmp_path: Path) -> str:
    """The error line ``bibfolio build`` prints for ``bib``."""
    result = runner.invoke(main, ["build", str(bib), "-o", str(tmp_path / "out"), "--owner", "X"])
    assert result.exit_code == 1
    return result.stderr.splitlines()[-1]


# LivePage: inputs → the last good documents


def test_rebuild_renders_the_whole_page_in_both_formats_in_memory(bib: Path) -> None:
    live = LivePage([bib], options=ADA)
    rebuild = live.rebuild()
    assert isinstance(rebuild, Built)
    assert rebuild.entries == 8
    assert live.documents is rebuild.documents
    assert set(rebuild.documents) == {"html", "md"}
    assert rebuild.documents["html"].decode().startswith("<!DOCTYPE html>")
    assert "Notes on the Analytical Engine" in rebuild.documents["html"].decode()
    assert "Notes on the Analytical Engine" in rebuild.documents["md"].decode()
    assert [path.name for path in bib.parent.iterdir()] == ["refs.bib"]  # nothing written


def test_the_page_served_is_byte_for_byte_what_build_writes(
    bib: Path, tmp_path: Path, runner: CliRunner
) -> None:
    rebuild = LivePage([bib], options=ADA).rebuild()
    assert isinstance(rebuild, Built)
    out = tmp_path / "site"
    args = ["build", str(bib), "--owner", "Ada Lovelace", "-s", "full", "-o", str(out)]
    result = runner.invoke(main, [*args, "--no-cache"])
    assert result.exit_code == 0, result.output
    assert rebuild.documents == {
        "html": (out / "publications.html").read_bytes(),
        "md": (out / "publications.md").read_bytes(),
    }


def test_failed_rebuild_keeps_the_last_good_page_and_says_what_build_says(
    bib: Path, tmp_path: Path, runner: CliRunner
) -> None:
    live = LivePage([bib], options=ADA)
    good = live.rebuild()
    assert isinstance(good, Built)
    edit(bib, *BROKEN)
    failed = live.rebuild()
    assert isinstance(failed, Failed)
    assert live.documents is good.documents
    assert rebuild_lines(failed) == [build_error_line(runner, bib, tmp_path)]
    assert rebuild_lines(failed)[0].startswith(f"Error: {bib}:17: cannot read")


def test_rebuild_recovers_when_the_file_is_fixed(bib: Path) -> None:
    live = LivePage([bib], options=ADA)
    live.rebuild()
    edit(bib, *BROKEN)
    assert isinstance(live.rebuild(), Failed)
    edit(bib, BROKEN[1], BROKEN[0])
    edit(bib, OLD_TITLE, NEW_TITLE)
    fixed = live.rebuild()
    assert isinstance(fixed, Built)
    assert live.documents is fixed.documents
    assert NEW_TITLE in fixed.documents["html"].decode()


def test_a_restarted_preview_starts_from_the_cache_on_disk(
    bib: Path, cache_home: Path, work: Work
) -> None:
    first = LivePage([bib], options=ADA, keep_cache=True)
    built = first.rebuild()
    assert isinstance(built, Built)
    assert len(work.decoded) == built.entries
    assert len(work.rendered) == 2 * built.entries  # HTML and Markdown
    assert list(cache_home.glob("bibfolio/*/*.cache"))  # beside the user's cache, not the .bib
    work.clear()
    restarted = LivePage([bib], options=ADA, keep_cache=True)
    again = restarted.rebuild()
    assert isinstance(again, Built) and again.documents == built.documents
    assert work == Work()  # nothing decoded or rendered again: all of it came from the disk
    edit(bib, OLD_TITLE, NEW_TITLE)
    edited = restarted.rebuild()
    assert isinstance(edited, Built) and NEW_TITLE in edited.documents["html"].decode()
    assert len(set(work.decoded)) == len(set(work.rendered)) == 1  # the edited entry only
    work.clear()
    assert edited.documents == LivePage([bib], options=ADA).rebuild().documents  # = no cache
    assert len(work.rendered) == 2 * built.entries  # without the cache, all of it again


@pytest.mark.parametrize("keep_cache", [True, False], ids=["on-disk", "in-memory"])
def test_each_rebuild_after_an_edit_decodes_and_renders_only_that_entry(
    bib: Path, work: Work, keep_cache: bool
) -> None:
    """Edit after edit: what a rebuild reuses without reading it from the cache must still be
    kept in it, or the rebuild after would decode and render it all again."""
    live = LivePage([bib], options=ADA, keep_cache=keep_cache)
    assert isinstance(live.rebuild(), Built)
    title = "Formal Logic"
    for number in range(3):
        work.clear()
        edit(bib, f"title = {{{title}", f"title = {{{number} {title}")
        title = f"{number} {title}"
        assert isinstance(live.rebuild(), Built)
        assert work.decoded == ["demorgan1847other"], number
        assert work.rendered == ["demorgan1847other"] * 2, number  # HTML and Markdown


def test_failed_first_build_has_no_page(tmp_path: Path) -> None:
    live = LivePage([tmp_path / "missing.bib"])
    assert isinstance(live.rebuild(), Failed)
    assert live.documents is None


def test_rebuild_reads_the_settings_file_and_templates_again(bib: Path, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "full.md").write_text("first {{ page.title }}\n", encoding="utf-8")
    live = LivePage([bib], options={**ADA, "templates": templates})
    live.rebuild()
    assert live.documents is not None
    assert "first Publications" in live.documents["md"].decode()
    (bib.parent / "bibfolio.toml").write_text('title = "Research"\n', encoding="utf-8")
    (templates / "full.md").write_text("second {{ page.title }}\n", encoding="utf-8")
    live.rebuild()
    assert "second Research" in live.documents["md"].decode()


def test_settings_cannot_turn_the_preview_into_a_fragment_or_one_format(bib: Path) -> None:
    settings = 'formats = ["md"]\nfragment = true\noutput = "-"\n'
    (bib.parent / "bibfolio.toml").write_text(settings, encoding="utf-8")
    rebuild = LivePage([bib], options=ADA).rebuild()
    assert isinstance(rebuild, Built)
    assert set(rebuild.documents) == {"html", "md"}
    assert rebuild.documents["html"].decode().startswith("<!DOCTYPE html>")


def test_watch_targets_cover_the_bib_the_settings_file_and_template_folders(
    bib: Path, tmp_path: Path
) -> None:
    templates = tmp_path / "templates"
    (templates / "partials").mkdir(parents=True)
    (templates / ".git").mkdir()
    targets = LivePage([bib], options={"templates": templates}).watch_targets()
    assert targets.wants(str(bib.resolve()))
    assert targets.wants(str(bib.parent.resolve() / "bibfolio.toml"))  # even before it exists
    assert targets.wants(str(templates.resolve() / "partials" / "head.html"))
    assert not targets.wants(str(bib.parent.resolve() / "other.bib"))
    assert set(targets.directories) == {
        tmp_path.resolve(),
        templates.resolve(),
        templates.resolve() / "partials",
    }


@pytest.mark.parametrize(
    ("show_note", "expected"),
    [
        pytest.param(
            True,
            ["a.bib:3: warning: odd [code]", "note: guessed", "rebuilt in 0.12 s (1 entry)"],
            id="note",
        ),
        pytest.param(
            False, ["a.bib:3: warning: odd [code]", "rebuilt in 0.12 s (1 entry)"], id="no-note"
        ),
    ],
)
def test_rebuild_lines_give_warnings_then_the_time(show_note: bool, expected: list[str]) -> None:
    warning = Diagnostic(Severity.WARNING, "odd", Path("a.bib"), 3, "code")
    built = Built({}, 1, (warning,), "note: guessed", None, 0.123)
    assert rebuild_lines(built, show_note=show_note) == expected


# The HTTP server

PAGE = {"html": "<!DOCTYPE html>\n<p>café</p>\n", "md": "# Publications — café\n"}
SERVED = {fmt: text.encode("utf-8") for fmt, text in PAGE.items()}  # as LivePage keeps them


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with make_server("127.0.0.1", 0, lambda: SERVED) as server, serving(server) as url:
        yield url


@pytest.mark.parametrize(
    ("path", "content_type", "body"),
    [
        pytest.param("", "text/html; charset=utf-8", PAGE["html"], id="index"),
        pytest.param("?reload=1", "text/html; charset=utf-8", PAGE["html"], id="query"),
        pytest.param("publications.html", "text/html; charset=utf-8", PAGE["html"], id="html"),
        pytest.param("publications.md", "text/markdown; charset=utf-8", PAGE["md"], id="md"),
    ],
)
def test_server_serves_the_page_from_memory(
    url: str, path: str, content_type: str, body: str
) -> None:
    status, headers, text = fetch(url + path)
    assert (status, headers["Content-Type"], text) == (200, content_type, body)
    assert headers["Content-Length"] == str(len(body.encode("utf-8")))
    assert headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "path",
    ["index.html", "publications.json", "refs.bib", "../refs.bib", "site/", "favicon.ico"],
)
def test_server_answers_404_to_anything_else(url: str, path: str) -> None:
    status, headers, text = fetch(url + path)
    assert status == 404
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "/publications.md" in text


def test_server_answers_head_without_a_body(url: str) -> None:
    status, headers, text = fetch(url, method="HEAD")
    assert (status, text) == (200, "")
    assert headers["Content-Length"] == str(len(PAGE["html"].encode("utf-8")))


def test_server_is_quiet_about_requests(url: str, capfd: pytest.CaptureFixture[str]) -> None:
    for path in ("", "publications.md", "nothing-here"):
        fetch(url + path)
    assert capfd.readouterr() == ("", "")


def test_server_answers_503_before_the_first_build() -> None:
    with make_server("127.0.0.1", 0, lambda: None) as server, serving(server) as url:
        status, _, _ = fetch(url)
    assert status == 503


def test_server_refuses_a_port_in_use() -> None:
    with make_server("127.0.0.1", 0, lambda: SERVED) as server:
        with pytest.raises(OSError) as caught:
            make_server("127.0.0.1", server.server_address[1], lambda: SERVED)
        assert caught.value.errno == errno.EADDRINUSE


# The watcher, end to end


@contextmanager
def watching(live: LivePage) -> Iterator[tuple[str, list[str]]]:
    """Serve and watch ``live`` in background threads; yield the URL and the lines the command
    would print for each rebuild. Stops both threads afterwards."""
    lines: list[str] = []

    def report(rebuild: Rebuild) -> None:
        lines.extend(rebuild_lines(rebuild))

    stop = threading.Event()
    watcher = threading.Thread(target=watch_and_rebuild, args=(live, report, stop), daemon=True)
    with make_server("127.0.0.1", 0, lambda: live.documents) as server, serving(server) as url:
        watcher.start()
        try:
            yield url, lines
        finally:
            stop.set()
            watcher.join(timeout=DEADLINE)
    assert not watcher.is_alive()


@pytest.fixture
def watched(bib: Path) -> Iterator[tuple[LivePage, str, list[str]]]:
    """A live page of ``bib``, built, served and watched."""
    live = LivePage([bib], options=ADA)
    assert isinstance(live.rebuild(), Built)
    with watching(live) as (url, lines):
        yield live, url, lines


def test_watcher_rebuilds_on_save_and_keeps_the_last_good_page(
    watched: tuple[LivePage, str, list[str]], bib: Path
) -> None:
    live, url, lines = watched
    good = bib.read_text(encoding="utf-8").replace(OLD_TITLE, NEW_TITLE)
    bib.write_text(good, encoding="utf-8")
    wait_for(
        lambda: NEW_TITLE in fetch(url)[2],
        retry=lambda: bib.write_text(good, encoding="utf-8"),
    )
    rebuilt = [line for line in lines if line.startswith("rebuilt in ")]
    assert rebuilt and rebuilt[0].endswith(" s (8 entries)")
    # The small.bib warning comes with each rebuild, once.
    warnings = [line for line in lines if ": warning: " in line]
    assert len(warnings) == len(rebuilt)

    assert BROKEN[0] in good
    broken = good.replace(*BROKEN)
    bib.write_text(broken, encoding="utf-8")
    wait_for(
        lambda: any(line.startswith("Error: ") for line in lines),
        retry=lambda: bib.write_text(broken, encoding="utf-8"),
    )
    errors = [line for line in lines if line.startswith("Error: ")]
    assert errors[0].startswith(f"Error: {bib}:17: cannot read @inproceedings{{lovelace1843notes")
    assert NEW_TITLE in fetch(url)[2]
    assert live.documents is not None and NEW_TITLE in live.documents["html"].decode()


def test_watcher_rebuilds_when_a_settings_file_appears(
    watched: tuple[LivePage, str, list[str]], bib: Path
) -> None:
    _, url, _ = watched
    settings = bib.parent / "bibfolio.toml"

    def write_settings() -> None:
        settings.write_text('title = "Research"\n', encoding="utf-8")

    write_settings()
    wait_for(lambda: "<h1>Research</h1>" in fetch(url)[2], retry=write_settings)


def test_watcher_ignores_other_files_in_the_folder(
    watched: tuple[LivePage, str, list[str]], bib: Path
) -> None:
    live, _, lines = watched
    original = bib.read_text(encoding="utf-8")

    def save(title: str) -> None:
        bib.write_text(original.replace(OLD_TITLE, title), encoding="utf-8")

    def shows(title: str) -> bool:
        return live.documents is not None and title in live.documents["html"].decode()

    save(NEW_TITLE)
    wait_for(lambda: shows(NEW_TITLE), retry=lambda: save(NEW_TITLE))  # the watcher is ready
    rebuilds = len(lines)
    (bib.parent / "notes.txt").write_text("unrelated\n", encoding="utf-8")
    (bib.parent / ".refs.bib.swp").write_text("editor swap\n", encoding="utf-8")
    time.sleep(0.3)  # several times the watcher's 50 ms step, so those changes come alone
    save("A Third Title")
    wait_for(lambda: shows("A Third Title"))
    new_lines = lines[rebuilds:]
    assert len([line for line in new_lines if line.startswith("rebuilt in ")]) == 1, new_lines


def test_watcher_follows_templates_into_a_folder_made_while_serving(
    bib: Path, tmp_path: Path
) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    page = templates / "full.md"
    page.write_text("plain\n", encoding="utf-8")
    live = LivePage([bib], options={**ADA, "templates": templates})
    assert isinstance(live.rebuild(), Built)
    part = templates / "parts" / "body.md"

    def write_page() -> None:
        page.write_text('{% include "parts/body.md" ignore missing %}\n', encoding="utf-8")

    def write_part() -> None:
        part.parent.mkdir(exist_ok=True)
        part.write_text("from a new folder\n", encoding="utf-8")

    with watching(live) as (url, _):
        write_page()
        # Once this shows, the watcher is running, and "parts" is not among its folders.
        wait_for(lambda: "plain" not in fetch(url + "publications.md")[2], write_page)
        write_part()
        wait_for(lambda: "from a new folder" in fetch(url + "publications.md")[2], write_part)
        part.write_text("edited in that folder\n", encoding="utf-8")
        wait_for(
            lambda: "edited in that folder" in fetch(url + "publications.md")[2],
            lambda: part.write_text("edited in that folder\n", encoding="utf-8"),
        )


# The command


def invoke(runner: CliRunner, *args: str | Path) -> Result:
    return runner.invoke(main, ["serve", *map(str, args)], prog_name="bibfolio")


def test_command_builds_serves_and_stops_on_ctrl_c(
    runner: CliRunner, bib: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    servers: list[ThreadingHTTPServer] = []
    fetched: list[tuple[int, Mapping[str, str], str]] = []

    def keep_server(*args: Any) -> ThreadingHTTPServer:
        servers.append(make_server(*args))
        return servers[-1]

    def watch_until_ctrl_c(*_: object) -> None:
        # Stands in for the watcher: read the page the command serves, then "press Ctrl-C".
        fetched.append(fetch(f"http://127.0.0.1:{servers[0].server_address[1]}/"))
        raise KeyboardInterrupt

    monkeypatch.setattr("bibfolio.serve.make_server", keep_server)
    monkeypatch.setattr("bibfolio.serve.watch_and_rebuild", watch_until_ctrl_c)
    result = invoke(runner, bib, "--port", "0", "--owner", "Ada Lovelace", "-s", "full")
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{bib}:67: warning: ")
    assert lines[1].startswith("built in ") and lines[1].endswith(" s (8 entries)")
    port = servers[0].server_address[1]
    assert lines[2:] == [f"Serving http://127.0.0.1:{port}/ (Ctrl-C to stop)", "Stopped."]
    assert result.stdout == ""
    assert fetched[0][0] == 200 and "Notes on the Analytical Engine" in fetched[0][2]
    assert servers[0].socket.fileno() == -1  # closed


def test_command_opens_the_browser_when_asked(
    runner: CliRunner, bib: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: queue.Queue[str] = queue.Queue()

    def watch_until_opened(*_: object) -> None:
        opened.put(opened.get(timeout=DEADLINE))  # the browser is opened in a thread
        raise KeyboardInterrupt

    monkeypatch.setattr("webbrowser.open", opened.put)
    monkeypatch.setattr("bibfolio.serve.watch_and_rebuild", watch_until_opened)
    result = invoke(runner, bib, "--port", "0", "--open")
    assert result.exit_code == 0, result.output
    serving_line = next(line for line in result.stderr.splitlines() if line.startswith("Serving"))
    assert serving_line.split()[1] == opened.get_nowait()


def test_command_fails_like_build_on_a_broken_bib(
    runner: CliRunner, bib: Path, tmp_path: Path
) -> None:
    edit(bib, *BROKEN)
    result = invoke(runner, bib, "--port", "0", "--owner", "X")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [build_error_line(runner, bib, tmp_path)]


def test_command_fails_in_one_line_when_the_port_is_in_use(runner: CliRunner, bib: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = invoke(runner, bib, "--port", str(port))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: cannot serve on http://127.0.0.1:{port}/: Address already in use; "
        "stop the other server or choose another --port (--port 0 picks a free one)"
    ]


def _run_serve() -> list[str]:
    """``python -m bibfolio serve``."""
    return [sys.executable, "-m", "bibfolio", "serve"]


def _read_lines(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


@contextmanager
def _children_take_ctrl_c() -> Iterator[None]:
    """A shell may start background jobs with SIGINT ignored, and children inherit that: have
    this process handle SIGINT while it starts one (a handler, unlike ignoring, is reset to
    the default when the child runs its program)."""
    if signal.getsignal(signal.SIGINT) != signal.SIG_IGN:
        yield
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.skipif(sys.platform == "win32", reason="sends POSIX signals")
@pytest.mark.parametrize(
    "stop_signal",
    [pytest.param(signal.SIGINT, id="ctrl-c"), pytest.param(signal.SIGTERM, id="kill")],
)
def test_serve_process_serves_until_stopped(bib: Path, stop_signal: signal.Signals) -> None:
    with _children_take_ctrl_c():  # Ctrl-C is what is tested here
        process = subprocess.Popen(
            [*_run_serve(), str(bib), "--port", "0", "--style", "full"],
            cwd=bib.parent,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert process.stderr is not None
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=_read_lines, args=(process.stderr, lines), daemon=True)
    reader.start()
    try:
        start, seen = time.monotonic(), list[str]()
        while not (seen and seen[-1].startswith("Serving ")):
            seen.append(lines.get(timeout=max(0.0, DEADLINE - (time.monotonic() - start))))
        url = seen[-1].split()[1]
        assert url.startswith("http://127.0.0.1:")
        status, headers, text = fetch(url)
        assert (status, headers["Content-Type"]) == (200, "text/html; charset=utf-8")
        assert "Notes on the Analytical Engine" in text
        assert fetch(url + "publications.md")[0] == 200
    finally:
        process.send_signal(stop_signal)
        process.wait(timeout=DEADLINE)
    reader.join(timeout=DEADLINE)
    assert process.stdout is not None
    stdout = process.stdout.read()
    process.stdout.close()
    rest = []
    while not lines.empty():
        rest.append(lines.get())
    assert process.returncode == 0, rest
    assert stdout == ""
    assert "Traceback" not in "".join(seen + rest)
    assert rest[-1] == "Stopped.\n"
    assert "note: no owner given" in "".join(seen)


def test_importing_the_commands_loads_no_server_watcher_parser_or_settings() -> None:
    """`bibfolio --help` loads Click and the option lists, not what the commands run."""
    heavy = ["http.server", "socket", "watchfiles", "bibtexparser", "jinja2", "bibfolio.serve"]
    heavy += ["bibfolio.config", "bibfolio.errors", "dataclasses", "tomllib", "json"]
    code = f"import sys, bibfolio.cli; print([m for m in {heavy!r} if m in sys.modules])"
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=DEADLINE
    )
    assert output.stdout.strip() == "[]"


MACRO_BIB = """@string{venue = "Symposium on Engines"}
@inproceedings{a, title = {First}, author = {Lovelace, Ada}, booktitle = venue, year = 1843}
@inproceedings{b, title = {Second}, author = {Lovelace, Ada}, booktitle = venue # " II",
  year = 1844}
@misc{c, title = {Third}, author = {Lovelace, Ada}, howpublished = nowhere, year = 1845}
"""


def test_rebuilds_evaluate_again_only_what_an_edit_or_its_macros_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """serve keeps the fields of entries that use macros, by chunk and macros: an edit of one
    entry evaluates only it, a changed @string every entry again, and an undefined macro is
    reported on every rebuild."""
    bib = tmp_path / "refs.bib"
    bib.write_text(MACRO_BIB, encoding="utf-8")
    live = LivePage([bib], options=ADA)
    assert isinstance(live.rebuild(), Built)
    evaluated: list[str] = []
    evaluate = Records.evaluate

    def counting(self: Records, block: EntryBlock, *args: Any) -> Any:
        evaluated.append(next(f.parts[0][1:-1] for f in block.fields if f.name == "title"))
        return evaluate(self, block, *args)

    monkeypatch.setattr(Records, "evaluate", counting)
    for old, new, expected in [
        ("{Second}", "{Second, edited}", ["Second, edited", "Third"]),
        ('"Symposium on Engines"', '"Congress of Engines"', ["First", "Second, edited", "Third"]),
        ("II", "III", ["Second, edited", "Third"]),
    ]:
        evaluated.clear()
        edit(bib, old, new)
        rebuild = live.rebuild()
        assert isinstance(rebuild, Built)
        assert sorted(evaluated) == expected  # "Third" uses the undefined "nowhere"
        assert any("nowhere" in line for line in rebuild_lines(rebuild))
        assert rebuild.documents == LivePage([bib], options=ADA).rebuild().documents
    assert "Congress of Engines III" in rebuild.documents["html"].decode()
