"""Template lookup: user overrides by file name, ``default/`` for extending, clear errors."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bibfolio.build import build_page
from bibfolio.config import Config
from bibfolio.entry_templates import page_uses
from bibfolio.errors import TemplateError
from bibfolio.model import Page
from bibfolio.render import Renderer, bundled_templates_dir

PAGE = Page(title="Talks & Papers", themes=())


def test_bundled_templates_are_found() -> None:
    names = {path.name for path in bundled_templates_dir().iterdir()}
    assert {"compact.html", "compact.md", "full.html", "full.md", "page.html", "page.md"} <= names


def test_user_template_overrides_bundled_one_by_file_name(tmp_path: Path) -> None:
    (tmp_path / "compact.md").write_text("custom {{ page.title }}\n", encoding="utf-8")
    renderer = Renderer(tmp_path)
    assert renderer.render(PAGE, "md", "compact", fragment=True) == "custom Talks &amp; Papers\n"
    chosen = renderer.environments["md"].get_template("compact.md").filename
    assert chosen == str(tmp_path / "compact.md")
    bundled = renderer.environments["md"].get_template("page.md").filename
    assert bundled == str(bundled_templates_dir() / "page.md")


def test_override_can_extend_the_default_page(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(
        '{% extends "default/page.html" %}{% block extra_head %}'
        '<link rel="stylesheet" href="/site.css">{% endblock %}',
        encoding="utf-8",
    )
    text = Renderer(tmp_path).render(PAGE, "html", "compact")
    assert '<link rel="stylesheet" href="/site.css">' in text
    assert "<title>Talks &amp; Papers</title>" in text


def test_missing_template_lists_the_directories_searched(tmp_path: Path) -> None:
    with pytest.raises(TemplateError) as caught:
        Renderer(tmp_path).render(PAGE, "html", "nosuchstyle")
    message = str(caught.value)
    assert 'template "nosuchstyle.html" not found' in message
    assert str(tmp_path) in message and str(bundled_templates_dir()) in message


def test_syntax_error_names_template_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "compact.md").write_text("line one\n{% for %}\n", encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        Renderer(tmp_path).render(PAGE, "md", "compact")
    assert (caught.value.path, caught.value.line) == (tmp_path / "compact.md", 2)


def test_undefined_name_names_template_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "compact.md").write_text("one\ntwo\n{{ page.no_such_field }}\n", encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        Renderer(tmp_path).render(PAGE, "md", "compact")
    assert (caught.value.path, caught.value.line) == (tmp_path / "compact.md", 3)
    assert "no_such_field" in caught.value.message


def test_override_can_replace_one_block_of_an_entry_template(tmp_path: Path) -> None:
    (tmp_path / "full-entry.md").write_text(
        '{% extends "default/full-entry.md" %}{% block links %} (links hidden){% endblock %}',
        encoding="utf-8",
    )
    small = Path(__file__).parent / "data" / "small.bib"
    page = build_page([small], Config(owner=("Ada Lovelace",))).page
    text = Renderer(tmp_path).render(page, "md", "full", fragment=True)
    assert "(links hidden)" in text
    assert "[PDF](" not in text
    assert "**Ada Lovelace**" in text


@pytest.mark.parametrize("fmt", ["html", "md"])
@pytest.mark.parametrize("separator", [", ", "<br>\n", ""])
def test_render_entries_gives_what_a_loop_over_render_entry_gives(
    tmp_path: Path, fmt: str, separator: str
) -> None:
    """The separator is written as is, like the template text between entries in a loop."""
    small = Path(__file__).parent / "data" / "small.bib"
    page = build_page([small], Config(owner=("Ada Lovelace",))).page
    looped, joined = tmp_path / "looped", tmp_path / "joined"
    looped.mkdir()
    joined.mkdir()
    each = (
        "{% for e in group.entries %}{{ render_entry(e) }}"
        "{% if not loop.last %}{{ sep }}{% endif %}{% endfor %}"
    )
    sections = (
        "{% for theme in page.themes %}{% for group in theme.sections %}"
        "[BODY]|{% endfor %}{% endfor %}"
    )
    (looped / f"compact.{fmt}").write_text(
        "{% set sep = '"
        + separator.replace("\n", "\\n")
        + "' | safe %}"
        + sections.replace("[BODY]", each),
        encoding="utf-8",
    )
    (joined / f"compact.{fmt}").write_text(
        sections.replace(
            "[BODY]",
            "{{ render_entries(group.entries, '" + separator.replace("\n", "\\n") + "') }}",
        ),
        encoding="utf-8",
    )
    expected = Renderer(looped).render(page, fmt, "compact", fragment=True)
    assert Renderer(joined).render(page, fmt, "compact", fragment=True) == expected
    assert expected.count("|") == sum(len(theme.sections) for theme in page.themes)


def test_bundled_entry_templates_read_nothing_of_the_page() -> None:
    """So their output is reused whatever else changes on the page (see page_uses)."""
    renderer = Renderer()
    for name in ("compact-entry.html", "compact-entry.md", "full-entry.html", "full-entry.md"):
        environment = renderer.environments[name.rpartition(".")[2]]
        assert page_uses(environment, name) == frozenset(), name


@pytest.mark.parametrize(
    ("source", "uses"),
    [
        ("{{ entry.title }}", set()),
        ("{{ page.title }} {% if page.owner %}{{ page.title }}{% endif %}", {"owner", "title"}),
        ("{{ page.themes[0].title }}", {"themes"}),
        ('{{ page["title"] }}', {""}),  # not as page.<attribute>: all of the page counts
        ("{% set p = page %}{{ p.title }}", {""}),
        ('{% include "other.html" %}', {"years"}),
        ("{% include name %}", {""}),  # a template known only at render time
    ],
)
def test_what_an_entry_template_reads_of_the_page_is_found_in_its_syntax(
    tmp_path: Path, source: str, uses: set[str]
) -> None:
    (tmp_path / "mine-entry.html").write_text(source, encoding="utf-8")
    (tmp_path / "other.html").write_text("{{ page.years }}", encoding="utf-8")
    environment = Renderer(tmp_path).environments["html"]
    assert page_uses(environment, "mine-entry.html") == uses


def test_an_entry_template_may_read_the_page_and_is_rendered_again_when_that_changes(
    tmp_path: Path,
) -> None:
    (tmp_path / "compact-entry.md").write_text(
        "{{ entry.label }} of {{ page.title }} ({{ page.entries | length }})", encoding="utf-8"
    )
    small = Path(__file__).parent / "data" / "small.bib"
    page = build_page([small], Config(owner=("Ada Lovelace",))).page
    fragments: dict[str, str] = {}
    first = Renderer(tmp_path, fragments).render(page, "md", "compact", fragment=True)
    count = len(page.entries)
    assert f"of {page.title} ({count})" in first
    assert Renderer(tmp_path, fragments).render(page, "md", "compact", fragment=True) == first
    assert len(fragments) == count  # the same keys: reused
    retitled = replace(page, title="Other")
    again = Renderer(tmp_path, fragments).render(retitled, "md", "compact", fragment=True)
    assert again == first.replace(f"of {page.title} (", "of Other (")
    assert len(fragments) == 2 * count
    fewer = replace(page, themes=page.themes[1:])
    text = Renderer(tmp_path, fragments).render(fewer, "md", "compact", fragment=True)
    assert f"({len(fewer.entries)})" in text and f"({count})" not in text
