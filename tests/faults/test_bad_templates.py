"""Faults in the user's templates and settings: each is one ``Error: file:line: …`` line and
exit 1 from ``build`` (nothing written), and a printed error from ``serve``, which keeps the
last good page; never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bibfolio.cli import main
from bibfolio.serve import Built, Failed, LivePage, rebuild_lines

SMALL_BIB = Path(__file__).parents[1] / "data" / "small.bib"
OWNER = {"owner": ("Ada Lovelace",)}
GOOD_PAGE = "<!DOCTYPE html>\n<body>\n<h1>{{ page.title }}</h1>\n{{ body }}\n</body>\n"

# A line 3 for page.html that fails while rendering, and what follows "page.html:3: ".
BAD_LINES = [
    pytest.param(
        b"{{ 1/0 }}", "template error: ZeroDivisionError: division by zero", id="zero-division"
    ),
    pytest.param(
        b"{{ page.title + 1 }}",
        'template error: TypeError: can only concatenate str (not "int") to str',
        id="type-error",
    ),
    pytest.param(
        b'{% include "page.html" %}',
        "template error: templates include or extend each other without end",
        id="self-include",
    ),
    pytest.param(
        b"caf\xe9",
        "template is not valid UTF-8 (invalid continuation byte): save it as UTF-8",
        id="not-utf-8",
    ),
]


@pytest.fixture
def bib(tmp_path: Path) -> Path:
    path = tmp_path / "refs.bib"
    shutil.copyfile(SMALL_BIB, path)
    return path


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    """A templates directory whose page.html works, for the test to break."""
    directory = tmp_path / "my-templates"
    directory.mkdir()
    (directory / "page.html").write_text(GOOD_PAGE, encoding="utf-8")
    return directory


def with_line_3(page: Path, line: bytes) -> None:
    lines = GOOD_PAGE.encode().split(b"\n")
    lines[2] = line
    page.write_bytes(b"\n".join(lines))


def build(bib: Path, *args: str) -> tuple[int, str]:
    """``bibfolio build``'s exit status and last line on stderr; a traceback fails the test."""
    result = CliRunner().invoke(main, ["build", str(bib), "--owner", "Ada Lovelace", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.exit_code, result.stderr.splitlines()[-1]


@pytest.mark.parametrize(("line", "message"), BAD_LINES)
def test_a_template_that_fails_while_rendering_is_one_error_line_and_nothing_written(
    bib: Path, templates: Path, tmp_path: Path, line: bytes, message: str
) -> None:
    with_line_3(templates / "page.html", line)
    out = tmp_path / "site"
    status, last = build(bib, "--templates", str(templates), "-o", str(out), "-f", "html")
    assert (status, last) == (1, f"Error: {templates / 'page.html'}:3: {message}")
    assert not out.exists()


def test_an_entry_template_that_fails_names_the_entry_template(
    bib: Path, templates: Path, tmp_path: Path
) -> None:
    (templates / "compact-entry.html").write_text("{{ entry.title }}\n{{ 1/0 }}\n", "utf-8")
    out = tmp_path / "site"
    status, last = build(bib, "--templates", str(templates), "-o", str(out), "-j", "2")
    entry_template = templates / "compact-entry.html"
    assert (status, last) == (
        1,
        f"Error: {entry_template}:2: template error: ZeroDivisionError: division by zero",
    )
    assert not out.exists()


@pytest.mark.parametrize(("line", "message"), BAD_LINES)
def test_serve_prints_a_failing_templates_error_and_keeps_the_last_good_page(
    bib: Path, templates: Path, line: bytes, message: str
) -> None:
    live = LivePage([bib], options={**OWNER, "templates": templates})
    good = live.rebuild()
    assert isinstance(good, Built)
    with_line_3(templates / "page.html", line)
    failed = live.rebuild()
    assert isinstance(failed, Failed)
    assert rebuild_lines(failed) == [f"Error: {templates / 'page.html'}:3: {message}"]
    assert live.documents is good.documents
    (templates / "page.html").write_text(GOOD_PAGE, encoding="utf-8")
    assert isinstance(live.rebuild(), Built)


@pytest.fixture
def templates_in_git(templates: Path) -> Path:
    """The templates directory as a git checkout with a partial in a folder of its own."""
    (templates / ".git" / "objects").mkdir(parents=True)
    (templates / ".git" / "config").write_text("[core]\n", encoding="utf-8")
    (templates / "partials").mkdir()
    (templates / "partials" / "nav.html").write_text("<nav>first</nav>\n", encoding="utf-8")
    page = GOOD_PAGE.replace("{{ body }}", '{% include "partials/nav.html" %}\n{{ body }}')
    (templates / "page.html").write_text(page, encoding="utf-8")
    return templates


def test_build_reads_a_templates_directory_with_folders_and_sees_a_partial_change(
    bib: Path, templates_in_git: Path, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    options = ("--templates", str(templates_in_git), "-o", str(out), "-f", "html")
    assert build(bib, *options) == (0, f"Wrote {out / 'publications.html'} (8 entries in 3 themes)")
    assert "<nav>first</nav>" in (out / "publications.html").read_text(encoding="utf-8")
    (templates_in_git / "partials" / "nav.html").write_text("<nav>second</nav>\n", "utf-8")
    assert build(bib, *options)[0] == 0  # with the cache of the build before
    assert "<nav>second</nav>" in (out / "publications.html").read_text(encoding="utf-8")


def test_serve_reads_a_templates_directory_with_folders_and_sees_a_partial_change(
    bib: Path, templates_in_git: Path
) -> None:
    live = LivePage([bib], options={**OWNER, "templates": templates_in_git})
    first = live.rebuild()
    assert isinstance(first, Built)
    assert b"<nav>first</nav>" in first.documents["html"]
    (templates_in_git / "partials" / "nav.html").write_text("<nav>second</nav>\n", "utf-8")
    second = live.rebuild()
    assert isinstance(second, Built)
    assert b"<nav>second</nav>" in second.documents["html"]
