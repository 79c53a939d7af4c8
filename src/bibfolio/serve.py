"""Serve the page from memory on localhost, and rebuild it whenever one of its inputs is saved.

Three parts that know nothing of each other: ``LivePage`` (inputs → the last good documents),
``make_server`` (documents → HTTP) and ``watch_and_rebuild`` (file saves → ``LivePage.rebuild``).
``serve_until_stopped`` wires them together for the ``serve`` command (in ``cli.py``).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from .choices import CONFIG_FILENAME, OUTPUT_NAMES
from .config import find_config_file, is_template_dir, make_config
from .errors import BibfolioError, Diagnostic

if TYPE_CHECKING:
    # Imported where used: `bibfolio --help` must not pay for http.server, socket or watchfiles.
    from http.server import ThreadingHTTPServer
    from types import FrameType

    from watchfiles import Change

    from .cache import Cache
    from .output import Content


# A preview is always the whole page, as HTML and Markdown; nothing is written.
SERVED_FORMATS: tuple[str, ...] = ("html", "md")
# Worker processes help the first build only: it runs before the server's threads start,
# which rule out forking later (parallel.split_work checks), when the cache does the work.
SERVED_SETTINGS: dict[str, Any] = {"formats": SERVED_FORMATS, "fragment": False}
# URL path → the format served there.
ROUTES: dict[str, str] = {"/": "html", **{f"/{OUTPUT_NAMES[fmt]}": fmt for fmt in SERVED_FORMATS}}
CONTENT_TYPES: dict[str, str] = {
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
}
NOT_FOUND = b"Not found: the page is at / (and its Markdown at /publications.md).\n"
NOT_BUILT = b"The page has not been built yet.\n"


@dataclass(frozen=True, slots=True)
class Built:
    """A successful build: the documents to serve (in UTF-8, encoded once rather than on
    every request) and what to tell the user about them."""

    documents: Mapping[str, bytes]
    entries: int
    warnings: tuple[Diagnostic, ...]
    owner_note: str | None
    templates: Path | None
    seconds: float


@dataclass(frozen=True, slots=True)
class Failed:
    """A build that stopped with an error the user can fix (a broken .bib, a bad setting...)."""

    error: BibfolioError
    seconds: float


Rebuild: TypeAlias = Built | Failed


def build_preview(
    bib_files: Sequence[Path],
    config_file: Path | None,
    options: Mapping[str, Any],
    cache: Cache | None = None,
) -> Built:
    """Build the page in memory exactly as ``bibfolio build`` would; raise its ``BibfolioError``.

    The settings file is looked for on every build, so creating or fixing it takes effect.
    With a ``cache``, only what changed since its last build is parsed and rendered again.
    """
    # bibtexparser and Jinja2 load here.
    from .build import build_page, owner_note, stream_documents

    start = time.perf_counter()
    settings = {**options, **SERVED_SETTINGS}
    config = make_config(config_file or find_config_file(list(bib_files)), settings)
    result = build_page(bib_files, config, cache)
    documents = {
        fmt: _utf8(text) for fmt, text in stream_documents(result.page, config, cache).items()
    }
    return Built(
        documents=documents,
        entries=len(result.page.entries),
        warnings=result.warnings,
        owner_note=owner_note(result.inferred_owner),
        templates=config.templates,
        seconds=time.perf_counter() - start,
    )


def _utf8(text: Content) -> bytes:
    """A document in UTF-8, encoded piece by piece: a page is held once, as bytes (as a
    ``str``, any character past Latin-1 would double it or more)."""
    if isinstance(text, bytes):
        return text
    if isinstance(text, str):
        return text.encode()
    return b"".join(piece.encode() for piece in text)


@dataclass(frozen=True, slots=True)
class WatchTargets:
    """The files whose saves change the page, and the directories to watch to see them."""

    files: frozenset[Path]
    trees: frozenset[Path]
    directories: tuple[Path, ...]

    def wants(self, path: str) -> bool:
        """Whether a change to ``path`` (as the watcher reports it) calls for a rebuild."""
        changed = Path(path)
        return changed in self.files or any(changed.is_relative_to(tree) for tree in self.trees)


class LivePage:
    """The last good documents built from fixed inputs, rebuilt on demand.

    ``documents`` is replaced whole after a successful build, so server threads can read it
    at any time; a failed build leaves it alone.
    """

    def __init__(
        self,
        bib_files: Sequence[Path],
        config_file: Path | None = None,
        options: Mapping[str, Any] | None = None,
        keep_cache: bool = False,
    ) -> None:
        """``keep_cache``: start from the build cache on disk and keep it there too, so the
        first build after a restart is as fast as a rebuild; otherwise only in memory."""
        self.bib_files = tuple(bib_files)
        self.config_file = config_file
        self.options = dict(options or {})
        self.documents: Mapping[str, bytes] | None = None
        self.templates: Path | None = self.options.get("templates")
        from .cache import Cache  # loaded with the model, not for --help

        # Kept between rebuilds, trimmed to what the last one used.
        self._cache = Cache.for_files(self.bib_files) if keep_cache else Cache()
        self._cache.objects = {}  # and the entries themselves
        self._cache.evaluated = {}  # and their fields evaluated
        self._cache.blocks = {}  # and the blocks each chunk of the files holds
        self._lock = threading.Lock()

    def rebuild(self) -> Rebuild:
        """Build from the inputs as they are now; keep the result only if it succeeded."""
        from .collector import freezing_what_is_read

        start = time.perf_counter()
        with self._lock:
            try:
                with freezing_what_is_read(unfreeze=True):
                    built = build_preview(
                        self.bib_files, self.config_file, self.options, self._cache
                    )
            except BibfolioError as error:
                return Failed(error, time.perf_counter() - start)
            self._cache.save()
            self._cache.keep_used()
            self.documents = built.documents
            self.templates = built.templates
            return built

    def watch_targets(self) -> WatchTargets:
        """The .bib files, the settings file (even before it exists) and the templates."""
        settings = self.config_file or self.bib_files[0].parent / CONFIG_FILENAME
        files = frozenset(
            variant for path in (*self.bib_files, settings) for variant in _spellings(path)
        )
        trees = frozenset(_spellings(self.templates)) if self.templates else frozenset()
        # Watch directories, not files: editors that save by renaming a new file over the old
        # one would leave a watch on the file itself looking at a deleted inode.
        directories = {path.parent for path in files}
        for tree in trees:
            for top, subdirectories, _ in os.walk(tree):
                directories.add(Path(top))
                subdirectories[:] = [name for name in subdirectories if is_template_dir(name)]
        existing = tuple(sorted(path for path in directories if path.is_dir()))
        return WatchTargets(files, trees, existing)


def _spellings(path: Path) -> set[Path]:
    """``path`` as the watcher may report it: under its real directory, and symlinks followed."""
    return {path.parent.resolve() / path.name, path.resolve()}


def watch_and_rebuild(
    live: LivePage,
    on_rebuild: Callable[[Rebuild], None],
    stop_event: threading.Event,
    *,
    force_polling: bool | None = None,
) -> None:
    """Rebuild ``live`` after every save of one of its inputs, until ``stop_event`` is set.

    Runs in the calling thread. In the main thread, Ctrl-C raises ``KeyboardInterrupt``.
    """
    from watchfiles import DefaultFilter, watch

    ignored = DefaultFilter()  # editor swap and backup files in the templates directory
    while not stop_event.is_set():
        targets = live.watch_targets()
        if not targets.directories:
            # Every watched directory is gone (a checkout being switched?): look again soon.
            stop_event.wait(0.5)
            continue

        def wanted(change: Change, path: str, targets: WatchTargets = targets) -> bool:
            return targets.wants(path) and (Path(path) in targets.files or ignored(change, path))

        for _changes in watch(
            *targets.directories,
            watch_filter=wanted,
            stop_event=stop_event,
            recursive=False,
            force_polling=force_polling,
        ):
            on_rebuild(live.rebuild())
            if live.watch_targets() != targets:
                break  # the templates or their folders changed: watch the new set


def rebuild_lines(rebuild: Rebuild, verb: str = "rebuilt", show_note: bool = True) -> list[str]:
    """What to print after a build: its warnings and a timing line, or its one error line."""
    if isinstance(rebuild, Failed):
        return [f"Error: {rebuild.error}"]
    note = [rebuild.owner_note] if rebuild.owner_note and show_note else []
    entries = f"{rebuild.entries} {'entry' if rebuild.entries == 1 else 'entries'}"
    return [
        *(str(warning) for warning in rebuild.warnings),
        *note,
        f"{verb} in {rebuild.seconds:.2f} s ({entries})",
    ]


def make_server(
    host: str, port: int, documents: Callable[[], Mapping[str, bytes] | None]
) -> ThreadingHTTPServer:
    """An HTTP server bound to ``host:port`` (0: any free port) serving ``documents()``.

    Raises ``OSError`` when the address cannot be used (port taken, unknown host...).
    """
    import socket
    import socketserver
    import sys
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import urlsplit

    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0][0]

    class Handler(BaseHTTPRequestHandler):
        server_version = "bibfolio"

        def do_GET(self) -> None:
            self._respond(with_body=True)

        def do_HEAD(self) -> None:
            self._respond(with_body=False)

        def _respond(self, with_body: bool) -> None:
            fmt = ROUTES.get(urlsplit(self.path).path)
            current = documents()
            if fmt is None:
                status, content_type, body = 404, "text/plain; charset=utf-8", NOT_FOUND
            elif current is None or fmt not in current:
                status, content_type, body = 503, "text/plain; charset=utf-8", NOT_BUILT
            else:
                status, content_type, body = 200, CONTENT_TYPES[fmt], current[fmt]
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            # The page changes on every save: the browser must ask again on reload.
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if with_body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Say nothing: the terminal is for rebuilds and errors, not for each request."""

    class Server(ThreadingHTTPServer):
        address_family = family
        daemon_threads = True

        def server_bind(self) -> None:
            # HTTPServer.server_bind looks the host up in DNS, which can take seconds.
            socketserver.TCPServer.server_bind(self)
            self.server_name, self.server_port = host, int(self.server_address[1])

        def handle_error(self, request: Any, client_address: Any) -> None:
            # A browser closing a connection early is not worth a traceback.
            if not isinstance(sys.exc_info()[1], ConnectionError):
                super().handle_error(request, client_address)

    return Server((host, port), Handler)


@contextmanager
def serving(server: ThreadingHTTPServer) -> Iterator[str]:
    """Run ``server`` in a background thread for the ``with`` block; yield its URL."""
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="bibfolio-serve"
    )
    thread.daemon = True
    thread.start()
    try:
        yield server_url(server.server_name, int(server.server_address[1]))
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def server_url(host: str, port: int) -> str:
    """``http://host:port/``, with an IPv6 address in brackets."""
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


def serve_until_stopped(
    bib_files: Sequence[Path],
    config_file: Path | None,
    options: Mapping[str, Any],
    address: tuple[str, int],
    say: Callable[[str], None],
    open_browser: bool = False,
    keep_cache: bool = True,
) -> None:
    """What ``bibfolio serve`` runs: build, serve on ``address`` (host, port) and rebuild on
    every save, until Ctrl-C or ``kill``; each line to show goes to ``say``. A first build
    that fails, or an address it cannot listen on, raises ``BibfolioError``."""
    try:
        with _stop_on_sigterm():
            live = LivePage(bib_files, config_file, options, keep_cache=keep_cache)
            _serve(live, *address, open_browser, say)
    except KeyboardInterrupt:
        say("Stopped.")


@contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """Make ``kill PID`` stop the server the way Ctrl-C does: cleanly, with exit status 0."""
    import signal

    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set signal handlers
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _serve(
    live: LivePage, host: str, port: int, open_browser: bool, say: Callable[[str], None]
) -> None:
    try:
        server = make_server(host, port, lambda: live.documents)
    except OSError as error:
        raise BibfolioError(_bind_error(host, port, error)) from None
    with server:
        first = live.rebuild()
        if isinstance(first, Failed):
            raise first.error
        for line in rebuild_lines(first, verb="built"):
            say(line)
        shown_note = first.owner_note

        def report(rebuild: Rebuild) -> None:
            nonlocal shown_note
            # The owner guess is news only when it changes; warnings are printed every time.
            new_note = isinstance(rebuild, Built) and rebuild.owner_note != shown_note
            for line in rebuild_lines(rebuild, show_note=new_note):
                say(line)
            if isinstance(rebuild, Built):
                shown_note = rebuild.owner_note

        with serving(server) as url:
            say(f"Serving {url} (Ctrl-C to stop)")
            if open_browser:
                import webbrowser

                # Some browsers (text ones) take the terminal until they exit: do not wait.
                threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
            watch_and_rebuild(live, report, threading.Event())


def _bind_error(host: str, port: int, error: OSError) -> str:
    """One line saying why the server cannot listen, and what to do about a busy port."""
    import errno

    reason = error.strerror or str(error)
    message = f"cannot serve on {server_url(host, port)}: {reason}"
    if error.errno == errno.EADDRINUSE:
        message += "; stop the other server or choose another --port (--port 0 picks a free one)"
    return message
