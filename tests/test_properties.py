"""Property-based tests: no input makes bibfolio crash, and no input gets markup into a page."""

from __future__ import annotations

import html
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import html5lib
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bibfolio.cli import main

SMALL_BIB_TEXT = (Path(__file__).parent / "data" / "small.bib").read_text(encoding="utf-8")
# Each example runs the whole command; a few dozen to a hundred examples keep the file fast.
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RENDER = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
OWNER = ("--owner", "Ada Lovelace")

# What the bundled templates put into a page; anything else came from the data.
TEMPLATE_ELEMENTS = frozenset([
    "html", "head", "body", "meta", "title", "style", "main", "h1", "h2", "h3", "section", "code",
    "ul", "li", "span", "a", "strong", "sup", "em", "p",
    # math's sub- and superscripts, which the rich filter writes (``$H_2O$``)
    "sub",
    # the full style: header, toggles, the filter form and its script
    "header", "div", "details", "summary", "pre", "button", "form", "label", "input", "select",
    "option", "script",
])  # fmt: skip
TEMPLATE_ATTRIBUTES = frozenset({
    "lang", "charset", "name", "content", "class", "id", "href", "title",
    "role", "aria-label", "aria-live", "hidden", "type", "autocomplete", "spellcheck",
    "placeholder", "value", "data-year", "data-theme", "data-selected", "data-search",
    "data-bf-announce",
})  # fmt: skip
HOSTILE_SCHEMES = ("javascript", "data", "vbscript")
# Characters browsers (and CommonMark, via the URL) drop or ignore inside a scheme.
_IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f]")
# A Markdown inline link's destination, as bibfolio's templates write it: ](...)
_MD_LINK_DESTINATION = re.compile(r"\]\(([^)\s]*)\)")
# CommonMark: a backslash before ASCII punctuation is an escape, in link destinations too.
_MD_BACKSLASH_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
# A CommonMark code span: a run of backticks (not escaped), its text, the same run again.
_MD_CODE_SPAN = re.compile(r"(?<![`\\])(`+)(?!`)(.*?)(?<!`)\1(?!`)", re.DOTALL)


# --- helpers ------------------------------------------------------------------------------


@contextmanager
def bib_file(text: str) -> Iterator[tuple[Path, Path]]:
    """A fresh directory holding ``refs.bib`` with ``text``, and an ``out`` path inside it.

    Hypothesis runs many examples per test, so it cannot use pytest's function-scoped
    ``tmp_path``; each example gets its own directory instead.
    """
    with tempfile.TemporaryDirectory(prefix="bibfolio-prop-") as directory:
        bib = Path(directory) / "refs.bib"
        bib.write_text(text, encoding="utf-8", newline="")
        yield bib, Path(directory) / "out"


def build(*args: str | Path) -> Result:
    """Run ``bibfolio build ARGS`` in-process (a new runner: Hypothesis shares no fixtures)."""
    return CliRunner().invoke(main, ["build", *map(str, args)], prog_name="bibfolio")


def assert_clean_outcome(result: Result, out: Path) -> None:
    """Exit 0, or exit 1 with one ``Error:`` line; never a traceback or a leftover temp file."""
    crashed = isinstance(result.exception, Exception) and not isinstance(
        result.exception, SystemExit
    )
    assert not crashed, f"unexpected {result.exception!r}\n{result.stderr}"
    assert result.exit_code in (0, 1), result.output
    if result.exit_code == 1:
        lines = result.stderr.splitlines()
        assert len(lines) == 1, lines
        assert lines[0].startswith("Error: "), lines
        assert not out.exists() or not any(out.iterdir())
    else:
        written = {path.name for path in out.iterdir()}
        assert written, "exit 0 but nothing written"
        assert written <= {"publications.html", "publications.md"}, written
    assert "Traceback" not in result.output
    if out.exists():
        assert list(out.glob(".publications*.tmp")) == []


def bibtex_braced(text: str) -> str:
    """``text`` as the inside of a ``{...}`` value: braces and backslashes made literal (as
    commands: BibTeX counts a brace after a backslash too)."""
    return "".join(
        {"\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}"}.get(
            char, char
        )
        for char in text
    )


def balanced(latex: str) -> str:
    """``latex`` with its braces balanced (a ``}`` that closes nothing dropped, the groups
    left open closed at the end), so that it stays LaTeX inside a ``{...}`` value."""
    kept, depth = [], 0
    for char in latex:
        if char == "}" and depth == 0:
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        kept.append(char)
    return "".join(kept) + "}" * depth


def entry(title: str = "A Title", author: str = "Lovelace, Ada", **fields: str) -> str:
    """One valid @article; ``fields`` go in as they are (addresses are not LaTeX)."""
    extra = "".join(f"  {name} = {{{value}}},\n" for name, value in fields.items())
    return (
        "@article{key,\n"
        f"  title = {{{bibtex_braced(title)}}},\n"
        f"  author = {{{bibtex_braced(author)}}},\n"
        "  journal = {Journal},\n"
        "  year = {2001},\n"
        f"{extra}"
        "}\n"
    )


def render(bib_text: str, fmt: str, style: str) -> str:
    """The page for ``bib_text`` in one format, from standard output; the build must succeed."""
    with bib_file(bib_text) as (bib, _):
        result = build(bib, *OWNER, "-s", style, "-f", fmt, "-o", "-")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 0, result.output
    return result.stdout


def html_elements(document: str) -> list[tuple[str, dict[str, str]]]:
    """Every element html5lib finds, as (tag, attributes), the way a browser would parse it."""
    tree = html5lib.HTMLParser(namespaceHTMLElements=False).parse(document)
    return [
        (element.tag, dict(element.attrib))
        for element in tree.iter()
        if isinstance(element.tag, str)  # skip comments, whose tag is a function
    ]


def md_link_destinations(markdown: str) -> list[str]:
    """The addresses a CommonMark renderer would put in ``href`` for bibfolio's links."""
    return [
        html.unescape(_MD_BACKSLASH_ESCAPE.sub(r"\1", raw))
        for raw in _MD_LINK_DESTINATION.findall(markdown)
    ]


def is_hostile(address: str) -> bool:
    """Whether a browser would run or load ``address`` under a dangerous scheme."""
    cleaned = _IGNORED_IN_URL.sub("", address).lower()
    return cleaned.startswith(tuple(f"{scheme}:" for scheme in HOSTILE_SCHEMES))


# --- strategies ---------------------------------------------------------------------------

BIB_SYNTAX = '{}@,="#%\\()\n '


@st.composite
def mutated_small_bib(draw: st.DrawFn) -> str:
    """``small.bib`` with a few characters deleted, duplicated or inserted at random places."""
    text = SMALL_BIB_TEXT
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        position = draw(st.integers(min_value=0, max_value=len(text) - 1))
        operation = draw(st.sampled_from(["delete", "duplicate", "insert"]))
        if operation == "delete":
            text = text[:position] + text[position + 1 :]
        elif operation == "duplicate":
            text = text[:position] + text[position] + text[position:]
        else:
            char = draw(st.sampled_from(BIB_SYNTAX) | st.characters(codec="utf-8"))
            text = text[:position] + char + text[position:]
    return text


# Values that steer bibfolio's field logic (names, years, months, links, labels).
FIELD_NAMES = (
    "author", "author+an", "editor", "title", "year", "month", "journal", "booktitle",
    "howpublished", "abbr", "eprint", "archiveprefix", "doi", "url", "pdf", "theme", "role",
    "selected",
)  # fmt: skip
ODD_VALUES = [  # as written in a .bib: LaTeX left in, braces balanced
    "and", " and and ", "others", "and others", ",", ", ,", "Lovelace,", ", Ada", "{}",
    "1=equal", "0=equal; 9=equal", "x=y", "1=", "2022a", "99999", "0000", "13", "feb",
    "arXiv", "10.", "doi:", "https://", "//evil.example", "lead", "true", "{\\'e}",
    "\\\\ x", "\\url{x}", "$x^2$", "--", "~", "{\\relax Ch}ristoph", "\\c{c}", "{{{}}}",
    "\\textless{}b\\textgreater{}", "Lovelace, Ada and {Babbage and Co}, Charles",
    "von Neumann, Jr, John", "{\\\"O}zg{\\\"u}r", "A and B and C",
]  # fmt: skip
# LaTeX commands, with and without their arguments, as field text may hold them.
LATEX_PIECES = [
    "\\href", "\\href{x}", "\\url", "\\footnote", "\\title", "\\frac", "\\mbox", "\\~",
    "\\'", "\\emph", "\\TeX", "\\it", "{", "}", "a", " ", "$", "\\verb|", "\\cite",
]  # fmt: skip
field_value = (
    st.text(
        alphabet=st.sampled_from("aZ ,.*-=;:/_&~\\'`\"^{}0123456789\n")
        | st.characters(codec="utf-8"),
        max_size=30,
    ).map(bibtex_braced)
    | st.sampled_from(ODD_VALUES)
    | st.lists(st.sampled_from(LATEX_PIECES), max_size=6).map("".join).map(balanced)
)


@st.composite
def odd_entry(draw: st.DrawFn) -> str:
    """A well-formed entry (balanced braces) whose field values are anything at all."""
    entry_type = draw(st.sampled_from(["article", "inproceedings", "misc", "software", "book"]))
    names = draw(st.lists(st.sampled_from(FIELD_NAMES), unique=True, max_size=8))
    fields = "".join(f"  {name} = {{{draw(field_value)}}},\n" for name in names)
    return f"@{entry_type}{{key,\n{fields}}}\n"


# Text with everything that means something in HTML, Markdown or BibTeX, plus any Unicode.
MARKUP_CHARS = "<>&\"'`*_[]()#|\\{}!~$%^@=,:;/-+ \n\t"
hostile_text = st.text(
    alphabet=st.sampled_from(MARKUP_CHARS) | st.characters(codec="utf-8"), max_size=40
) | st.sampled_from(
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "<a href='javascript:alert(1)'>x</a>",
        '"><svg onload=alert(1)>',
        "</span></li><li onclick=alert(1)>",
        "[x](javascript:alert(1))",
        "![x](data:image/png;base64,AAAA)",
        "<javascript:alert(1)>",
        "&lt;script&gt;",
        r"\textless script\textgreater",
        "``<b>``",
        "# Heading\n\n<div>",
    ]
)


@st.composite
def hostile_url(draw: st.DrawFn) -> str:
    """A ``javascript:``/``data:`` address, disguised the ways browsers and CommonMark undo."""
    scheme = draw(st.sampled_from(HOSTILE_SCHEMES))
    # Browsers ignore case, and drop tabs and newlines anywhere and spaces/controls around it.
    scheme = "".join(
        draw(st.sampled_from([c.lower(), c.upper()]))
        + draw(st.sampled_from(["", "", "", "\t", "\n", "\r", "\x01"]))
        for c in scheme
    )
    colon = draw(st.sampled_from([":", ":", "&colon;", "&#58;", "&#x3a;", "\\:", "%3A"]))
    payload = draw(st.sampled_from(["alert(1)", "text/html,<script>x</script>", "x"]))
    leading = draw(st.sampled_from(["", " ", "\t", "\x00", "  \n"]))
    return leading + scheme + colon + payload


HOSTILE_URL_EXAMPLES = [
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "\x01javascript:alert(1)",
    "vbscript:msgbox(1)",
    "javascript&colon;alert(1)",
    "&#106;avascript:alert(1)",
    "javascript\\:alert(1)",
]


# --- properties ---------------------------------------------------------------------------


@FUZZ
@given(st.text(max_size=300) | st.text(alphabet=st.sampled_from(BIB_SYNTAX + "ab1"), max_size=80))
@example("@misc{a,\n  title = {T},\n  0\n@}\n")  # bibtexparser quotes a "key" with a line break
def test_any_text_builds_or_fails_with_one_error_line(text: str) -> None:
    with bib_file(text) as (bib, out):
        assert_clean_outcome(build(bib, "-o", out, "-f", "html"), out)


@FUZZ
@given(st.lists(odd_entry(), min_size=1, max_size=3))
@example(entries=["@article{key,\n  author = {=\\}},\n}\n"])  # an escaped brace, and "="
def test_well_formed_entries_with_odd_values_build(entries: list[str]) -> None:
    text = "\n".join(e.replace("{key,", f"{{key{n},", 1) for n, e in enumerate(entries))
    with bib_file(text) as (bib, out):
        for style in ("compact", "full"):
            result = build(bib, "-o", out, "-s", style)
            assert_clean_outcome(result, out)
            assert result.exit_code == 0, result.stderr


@FUZZ
@given(mutated_small_bib())
def test_damaged_bib_builds_or_fails_with_one_error_line(text: str) -> None:
    with bib_file(text) as (bib, out):
        assert_clean_outcome(build(bib, "-o", out, "-f", "html"), out)


@FUZZ
@given(mutated_small_bib())
def test_damaged_bib_with_skip_invalid_never_fails_on_syntax(text: str) -> None:
    with bib_file(text) as (bib, out):
        result = build(bib, "-o", out, "-f", "md", "--skip-invalid")
        assert_clean_outcome(result, out)
        # Unreadable blocks and duplicate keys are skipped with a warning: nothing else can fail.
        assert result.exit_code == 0, result.stderr
        assert "Error" not in result.stderr


@RENDER
@given(title=hostile_text, author=hostile_text, style=st.sampled_from(["compact", "full"]))
def test_hostile_text_adds_no_html_elements_or_attributes(
    title: str, author: str, style: str
) -> None:
    document = render(entry(title, f"{author} and Lovelace, Ada"), "html", style)
    for tag, attributes in html_elements(document):
        assert tag in TEMPLATE_ELEMENTS, (tag, document)
        assert set(attributes) <= TEMPLATE_ATTRIBUTES, (tag, attributes)
        assert not any(name.lower().startswith("on") for name in attributes)
    # The page's JSON-LD and the full style's own filter script; none comes from the data.
    assert document.lower().count("<script") == (2 if style == "full" else 1)


@RENDER
@given(title=hostile_text, author=hostile_text, style=st.sampled_from(["compact", "full"]))
@example(title="$<", author="", style="full")  # math: shown in a code span
def test_hostile_text_adds_no_raw_html_to_markdown(title: str, author: str, style: str) -> None:
    markdown = render(entry(title, f"{author} and Lovelace, Ada"), "md", style)
    # The bundled Markdown templates contain no "<": any would have come from the data. In a
    # code span (math is shown as one) it is text: "`<`" renders as <code>&lt;</code>.
    outside_code = _MD_CODE_SPAN.sub("", markdown)
    assert "<" not in outside_code
    assert ">" not in outside_code
    # Only the templates start lines with Markdown structure ("#" headings, "-" items).
    for line in markdown.splitlines():
        if line.startswith("#"):
            assert line.startswith(("# Publications", "## Other", "### ")), line


@RENDER
@given(
    address=hostile_url() | st.sampled_from(HOSTILE_URL_EXAMPLES),
    field=st.sampled_from(["url", "pdf", "code", "slides", "video", "website"]),
    style=st.sampled_from(["compact", "full"]),
)
def test_hostile_url_is_never_an_html_href(address: str, field: str, style: str) -> None:
    document = render(entry(**{field: address}), "html", style)
    hrefs = [
        attributes["href"] for tag, attributes in html_elements(document) if "href" in attributes
    ]
    assert not any(is_hostile(href) for href in hrefs), hrefs


@RENDER
@given(
    address=hostile_url() | st.sampled_from(HOSTILE_URL_EXAMPLES),
    field=st.sampled_from(["url", "pdf", "code", "slides", "video", "website"]),
    style=st.sampled_from(["compact", "full"]),
)
# CommonMark decodes entities and backslash escapes in a link destination, so these two are
# "javascript:alert(1)" to a Markdown renderer, though a URL parser sees no scheme in them.
@example(address="javascript&colon;alert(1)", field="url", style="compact")
@example(address="javascript\\:alert(1)", field="pdf", style="full")
def test_hostile_url_is_never_a_markdown_link_destination(
    address: str, field: str, style: str
) -> None:
    markdown = render(entry(**{field: address}), "md", style)
    destinations = md_link_destinations(markdown)
    assert not any(is_hostile(destination) for destination in destinations), destinations


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="a\n ", max_size=6), max_size=8))
def test_streamed_output_ends_with_exactly_one_newline(pieces: list[str]) -> None:
    from bibfolio.render import _one_final_newline

    assert "".join(_one_final_newline(pieces)) == "".join(pieces).strip("\n") + "\n"
