"""Rendered output: golden files per style and format, and escaping of hostile text."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from bibfolio.build import build_page, per_paper_files, render_documents
from bibfolio.config import Config
from bibfolio.markup import escape_md

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


def test_a_whole_page_has_its_stylesheets_in_its_head_and_a_fragment_carries_its_own(
    tmp_path: Path,
) -> None:
    """The Nu validator rejects a <style> in <section>: a page's go in <head>, once each."""
    for style in ("compact", "full"):
        page = render([SMALL_BIB], style=style, formats=("html",))["html"]
        head, body = page.split("</head>", 1)
        assert "<style" not in body
        assert head.count("<style") == (2 if style == "full" else 1)
    fragment = render([SMALL_BIB], style="full", formats=("html",), fragment=True)["html"]
    assert fragment.count("<style") == 1
    assert fragment.index('<section class="bibfolio') < fragment.index("<style")
    config = Config(per_paper=str(tmp_path), site="html", jobs=1)
    papers = per_paper_files(build_page([SMALL_BIB], config).page, config)
    assert papers
    for text in papers.values():
        head, body = text.split("</head>", 1)
        assert head.count("<style") == 2 and "<style" not in body


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
    # The page's JSON-LD and the full style's own filter script; none comes from the data.
    assert text.count("<script") == (2 if style == "full" else 1)
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


def title_output(write_bib: Callable[..., Path], title: str) -> dict[str, str]:
    """The full style's HTML and Markdown of one paper titled ``title``."""
    bib = write_bib(
        f"@article{{a, title = {{{title}}}, author = {{Lovelace, Ada}}, year = 2020}}\n"
    )
    return render([bib], style="full", formats=("html", "md"), fragment=True)


MATH_TITLES = [
    pytest.param(
        "$H_2CO$ masers",
        '<span class="math">H<sub>2</sub>CO</span> masers',
        "H₂CO masers",
        id="subscript",
    ),
    pytest.param(
        "$C^{18}O$ lines",
        '<span class="math">C<sup>18</sup>O</span> lines',
        "C¹⁸O lines",
        id="superscript",
    ),
    pytest.param(
        "150 $M_\\odot$ black hole",
        '150 <span class="math">M<sub>⊙</sub></span> black hole',
        "150 `M_⊙` black hole",
        id="no-unicode-subscript",
    ),
    pytest.param(
        "2.5 M $_{\\odot}$ object",
        "2.5 M<sub>⊙</sub> object",
        "2.5 M`_⊙` object",
        id="script-after-a-space",
    ),
    pytest.param(
        "Galaxies at $z\\sim6$",
        'Galaxies at <span class="math">z∼6</span>',
        "Galaxies at z∼6",
        id="symbol",
    ),
    pytest.param(
        "$\\alpha$-synuclein",
        '<span class="math">α</span>-synuclein',
        "α-synuclein",
        id="greek",
    ),
    pytest.param("H$_2$O ice", "H<sub>2</sub>O ice", "H₂O ice", id="script-alone"),
    pytest.param(
        "$T_{\\rm eff}^{2}$ and $10^{-3}$",
        '<span class="math">T<sub>eff</sub><sup>2</sup></span> and '
        '<span class="math">10<sup>-3</sup></span>',
        "`T_{eff}^2` and 10⁻³",
        id="mixed",
    ),
]


@pytest.mark.parametrize(("title", "html_title", "md_title"), MATH_TITLES)
def test_math_scripts_in_html_and_markdown(
    write_bib: Callable[..., Path], title: str, html_title: str, md_title: str
) -> None:
    output = title_output(write_bib, title)
    assert f'<span class="bf-title">{html_title}</span>' in output["html"]
    assert f"**Ada Lovelace**. {md_title}. 2020." in output["md"]


def test_a_title_with_scripts_is_found_as_typed(write_bib: Callable[..., Path]) -> None:
    """The plain title reads "H₂CO"; the filter box finds it by "H2CO" too."""
    html_text = title_output(write_bib, "Cold $H_2CO$ and $C^{18}O$")["html"]
    assert 'data-search="cold h₂co and c¹⁸o cold h2co and c18o ada lovelace' in html_text
    assert 'aria-label="Link to this paper: Cold H₂CO and C¹⁸O"' in html_text


@pytest.mark.parametrize(
    "title",
    [
        pytest.param("$<b>x</b>_{<i>}$", id="in-a-subscript"),
        pytest.param("$x^{<script>}$ a", id="in-a-superscript"),
        pytest.param("$<img src=x>_2$", id="in-math"),
        pytest.param("\\textsuperscript{<b>*x*</b>}", id="textsuperscript"),
    ],
)
def test_hostile_text_in_math_is_escaped(write_bib: Callable[..., Path], title: str) -> None:
    """In HTML every "<" is an entity; in Markdown, raw text is escaped, and only a code
    span (which Markdown shows as written) holds a "<" as it is."""
    output = title_output(write_bib, title)
    assert "<b>" not in output["html"] and "<i>" not in output["html"]
    assert output["html"].count("<script") == 1  # the page's own filter script
    assert "<img" not in output["html"]
    line = next(line for line in output["md"].splitlines() if "Lovelace" in line)
    outside_code = re.sub(r"`[^`]*`", "", line)
    assert "<" not in outside_code and ">" not in outside_code


@pytest.mark.parametrize(
    "title", ["$x_{\\{\\{ site.title \\}\\}}$", "\\texttt{\\{\\% raw \\%\\}}"], ids=["math", "code"]
)
def test_liquid_tags_cannot_hide_in_code_spans(write_bib: Callable[..., Path], title: str) -> None:
    """Liquid reads "{{" in a Markdown code span too, where an entity would show as written."""
    markdown = title_output(write_bib, title)["md"]
    assert "{{" not in markdown and "{%" not in markdown
