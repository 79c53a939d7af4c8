"""Rendered output: golden files per style and format, and escaping of hostile text."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from bibfolio.build import build_page, render_documents
from bibfolio.config import Config
from bibfolio.render import escape_md

SMALL_BIB = Path(__file__).parent / "data" / "small.bib"
Golden = Callable[[str, str], None]


def render(paths: list[Path], **settings: object) -> dict[str, str]:
    config = Config(**settings)  # type: ignore[arg-type]
    return render_documents(build_page(paths, config).page, config)


@pytest.mark.parametrize("style", ["compact", "full"])
@pytest.mark.parametrize("fmt", ["html", "md"])
def test_golden_pages(style: str, fmt: str, golden: Golden) -> None:
    documents = render([SMALL_BIB], style=style, formats=(fmt,), owner=("Ada Lovelace",))
    golden(f"{style}.{fmt}", documents[fmt])


@pytest.mark.parametrize("style", ["compact", "full"])
def test_golden_fragments(style: str, golden: Golden) -> None:
    documents = render(
        [SMALL_BIB], style=style, formats=("html",), fragment=True, owner=("Ada Lovelace",)
    )
    golden(f"{style}.fragment.html", documents["html"])


def test_output_ends_with_exactly_one_newline() -> None:
    for text in render([SMALL_BIB], style="full", owner=("Ada Lovelace",)).values():
        assert text.endswith("\n") and not text.endswith("\n\n")


HOSTILE_TITLE = "<script>alert(1)</script> <img src=x onerror=alert(2)> *bold* [link](x) a_b `c`"


@pytest.fixture
def hostile_bib(write_bib: Callable[..., Path]) -> Path:
    return write_bib(
        "@article{evil,\n"
        f"  title = {{{HOSTILE_TITLE}}},\n"
        "  author = {Lovelace, Ada and <b>Bold</b>, Eve},\n"
        "  journal = {Journal & <i>Co</i>},\n"
        "  year = 2020,\n"
        "  url = {https://example.org/a_(b)},\n"
        "  theme = {<em>Theme</em>},\n"
        "}\n"
    )


@pytest.mark.parametrize("style", ["compact", "full"])
def test_hostile_text_is_escaped_in_html(hostile_bib: Path, style: str) -> None:
    text = render([hostile_bib], style=style, formats=("html",))["html"]
    # The full style's own filter script is the only <script>; none comes from the data.
    assert text.count("<script") == (1 if style == "full" else 0)
    assert "<img" not in text and "<b>" not in text
    assert "<em>Theme" not in text and "<i>Co" not in text
    assert html.escape("<em>Theme</em>", quote=False) in text
    if style == "full":
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


@pytest.mark.parametrize("style", ["compact", "full"])
def test_hostile_text_is_escaped_in_markdown(hostile_bib: Path, style: str) -> None:
    text = render([hostile_bib], style=style, formats=("md",))["md"]
    assert "<" not in text and ">" not in text
    assert "&lt;em&gt;Theme&lt;/em&gt;" in text
    assert "https://example.org/a_%28b%29" in text  # parentheses would end the link
    if style == "full":
        assert r"\*bold\* \[link\](x) a\_b \`c\`" in text
        assert "Journal &amp; &lt;i&gt;Co&lt;/i&gt;" in text


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        pytest.param("a*b_c", r"a\*b\_c", id="emphasis"),
        pytest.param("[x](y)", r"\[x\](y)", id="link"),
        pytest.param("<b>&", "&lt;b&gt;&amp;", id="html"),
        pytest.param("C# | ~x~ \\", r"C\# \| \~x\~ \\", id="other"),
        pytest.param("plain text, 2023.", "plain text, 2023.", id="plain"),
        pytest.param("1. First", r"1\. First", id="ordered-list-start"),
        pytest.param("2) Second", r"2\) Second", id="ordered-list-paren"),
        pytest.param("- dash", r"\- dash", id="bullet-start"),
        pytest.param("+ plus", r"\+ plus", id="plus-start"),
        pytest.param("a - b, 12.5 and 3. x", "a - b, 12.5 and 3. x", id="mid-line-untouched"),
    ],
)
def test_escape_md(text: str, escaped: str) -> None:
    assert escape_md(text) == escaped


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_braces_cannot_reach_site_template_engines(
    fmt: str, write_bib: Callable[..., Path]
) -> None:
    bib = write_bib(
        "@article{liquid, title={Templates: \\{\\{ site.title \\}\\} and \\{\\% raw \\%\\}},"
        " author={Lovelace, Ada}, journal={J}, year=2020, theme={\\{\\{x\\}\\}}}\n"
    )
    text = render([bib], style="full", formats=(fmt,), fragment=True)[fmt]
    assert "{{" not in text and "{%" not in text
    assert "&#123;&#123; site.title &#125;&#125;" in text


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_long_lists_are_written_in_parts_exactly_as_in_one_piece(
    fmt: str, write_bib: Callable[..., Path], tmp_path: Path
) -> None:
    """The full style renders a list a few hundred entries at a time (one string of a whole
    list of thousands costs memory several times its size): the page must be the same."""
    papers = "".join(
        f"@article{{p{n},\n  title = {{Paper {n}}},\n  author = {{Hopper, Grace and "
        f"Lovelace, Ada}},\n  journal = {{J}},\n  year = {2000 + n % 20},\n}}\n"
        for n in range(1201)
    )
    bib = write_bib(papers)
    bundled = Path(__file__).parent.parent / "templates" / f"full.{fmt}"
    in_parts = re.compile(r"\{% for part in group\.entries \| batch\(\d+\) %\}\{\{ (.*?) \}\}.*")
    one_piece = in_parts.sub(
        lambda m: "{{ " + m[1].replace("part", "group.entries") + " }}",
        bundled.read_text(encoding="utf-8"),
    )
    assert one_piece != bundled.read_text(encoding="utf-8")
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / f"full.{fmt}").write_text(one_piece, encoding="utf-8")
    settings = {"style": "full", "formats": (fmt,), "owner": ("Ada Lovelace",)}
    batched = render([bib], **settings)[fmt]
    assert batched.count("Paper 1200") >= 1
    assert batched == render([bib], templates=tmp_path / "one", **settings)[fmt]


def test_an_edited_book_names_its_editors(write_bib: Callable[..., Path]) -> None:
    """Without authors, the page names the editors, the owner in bold, and says they edited."""
    bib = write_bib(
        "@book{ed, title = {Sketches}, editor = {Lovelace, Ada and Babbage, Charles},\n"
        "  publisher = {Taylor}, year = 1843}\n"
        "@book{one, title = {Tables}, editor = {Babbage, Charles}, author = {Somerville, Mary},\n"
        "  publisher = {Murray}, year = 1831}\n"
    )
    documents = render([bib], style="full", formats=("html", "md"), owner=("Ada Lovelace",))
    markdown = documents["md"]
    assert "- **Ada Lovelace**, Charles Babbage (eds.). Sketches. *Taylor*, 1843." in markdown
    assert "- Mary Somerville. Tables." in markdown  # authors first: no editors shown
    assert (
        '<div class="bf-authors"><span class="bf-author bf-owner"><strong>Ada Lovelace</strong>'
        '</span>, <span class="bf-author">Charles Babbage</span> (eds.)</div>'
    ) in documents["html"]
