"""The build cache: reuse must never change a byte."""

from __future__ import annotations

import dataclasses
import functools
import marshal
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import jinja2
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bibfolio import build as build_module
from bibfolio import export as export_module
from bibfolio import load as load_module
from bibfolio.cache import Cache, cache_directory, fragment_digest
from bibfolio.cli import main
from bibfolio.config import Config
from bibfolio.entrydata import entry_from_data, entry_to_data
from bibfolio.model import Entry, Kind, Link, Person, Span
from bibfolio.names import split_names
from bibfolio.prune import prune_stale_caches
from bibfolio.render import Renderer

DATA = Path(__file__).parent / "data"
SAMPLES = [DATA / "small.bib", *sorted((DATA / "tricky").glob("*.bib"))]
SAMPLES += sorted((DATA / "broken").glob("*.bib"))
SAMPLES = [path for path in SAMPLES if path.name != "latin1.bib"]
OWNER = ("--owner", "Ada Lovelace")


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["and", "AND", "And", "a", "an", "Ada", "andy", "~", ".", ","]),
            st.sampled_from([" ", "  ", "\t", "\n", "\r\n", ""]),
        ),
        max_size=10,
    )
)
def test_fast_author_splitting_agrees_with_bibtexparser(parts: list[tuple[str, str]]) -> None:
    from bibtexparser.middlewares.names import split_multiple_persons_names

    text = "".join(word + space for word, space in parts)
    assert split_names(text) == split_multiple_persons_names(text)


def test_entry_data_round_trip_keeps_every_field() -> None:
    entry = Entry(
        key="k",
        kind=Kind.PROJECT,
        entry_type="software",
        title="T",
        label="L",
        label_source="abbr",
        title_spans=(Span("T", "em"), Span("x", "link", "https://x.org")),
        authors=(Person("Ada", "de", "Love", "Jr", is_cofirst=True, is_owner=True),),
        et_al=True,
        editors=(Person("Charles", "", "Babbage", ""),),
        advisors=(Person("Augustus", "De", "Morgan", ""),),
        year=1843,
        month=9,
        venue="V",
        is_preprint=True,
        abstract="A",
        bibtex="@misc{k}",
        themes=("Th", "Other Th"),
        is_lead=True,
        selected=True,
        links=(Link("pdf", "https://x.org/p.pdf"),),
        url="https://x.org",
        preview="/assets/img/publication_preview/t.png",
        award="Best paper",
        note="N",
        volume="3",
        number="2",
        pages="1--5",
        identities=(("DOI", "10.1000/x"), ("title", "t u v")),
        updated="1843-09-01T00:00:00Z",
        path=Path("refs.bib"),
        line=7,
        digest="d",
    )
    defaults = Entry(key="", kind=Kind.PAPER, entry_type="", title="", label="")
    for item in dataclasses.fields(Entry):  # the test entry differs from the defaults everywhere
        assert getattr(entry, item.name) != getattr(defaults, item.name), item.name
    problems = [("bad-year", "year")]
    data = marshal.loads(marshal.dumps(entry_to_data(entry, problems)))
    assert entry_from_data(data, Path("refs.bib"), 7, "d") == (entry, problems)


def build(runner: CliRunner, bib: Path, out: Path, *extra: str) -> str:
    result = runner.invoke(
        main,
        ["build", str(bib), "-s", "full", "-f", "html", "-f", "md", "-o", str(out), *OWNER, *extra],
    )
    assert result.exit_code == 0, result.output
    return result.output


def outputs(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def cache_files(cache_home: Path) -> list[Path]:
    return sorted(cache_home.glob("bibfolio/*/*.cache"))


def small_copy(directory: Path) -> tuple[Path, str]:
    """A copy of small.bib to edit, ``refs.bib`` in ``directory``, and its text."""
    text = (DATA / "small.bib").read_text(encoding="utf-8")
    bib = directory / "refs.bib"
    bib.write_text(text, encoding="utf-8")
    return bib, text


def rendered_keys(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys of the entries rendered from now on, in order (none from the cache): Jinja2
    rendering a template for an entry, counted through its public ``Template.render``."""
    rendered: list[str] = []
    render = jinja2.Template.render

    def counting(self: jinja2.Template, *args: Any, **context: Any) -> str:
        if "entry" in context:
            rendered.append(context["entry"].key)
        return render(self, *args, **context)

    monkeypatch.setattr(jinja2.Template, "render", counting)
    return rendered


def rebuild_renders_only(
    runner: CliRunner, bib: Path, text: str, out: Path, rendered: list[str], key: str
) -> None:
    """Build ``text`` into ``out``: only the entry ``key`` is rendered (once as HTML, once as
    Markdown), and the output equals a build without the cache."""
    bib.write_text(text, encoding="utf-8")
    build(runner, bib, out)
    assert rendered == [key, key]
    build(runner, bib, out.with_name(f"{out.name} fresh"), "--no-cache")
    assert outputs(out) == outputs(out.with_name(f"{out.name} fresh"))


def decoded_keys(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys of the entries decoded from now on, in order (none from the cache)."""
    decoded: list[str] = []
    build_entry = load_module.build_entry

    def counting(record: Any, *args: Any) -> Any:
        decoded.append(record.key)
        return build_entry(record, *args)

    monkeypatch.setattr(load_module, "build_entry", counting)
    return decoded


def test_warm_and_edited_builds_equal_cold_builds(
    runner: CliRunner, tmp_path: Path, cache_home: Path
) -> None:
    bib, text = small_copy(tmp_path)
    cold = build(runner, bib, tmp_path / "cold")
    assert len(cache_files(cache_home)) == 1
    warm = build(runner, bib, tmp_path / "warm")
    assert warm.replace(str(tmp_path / "warm"), str(tmp_path / "cold")) == cold
    assert outputs(tmp_path / "warm") == outputs(tmp_path / "cold")

    bib.write_text(text.replace("title = {", "title = {Edited ", 1), encoding="utf-8")
    build(runner, bib, tmp_path / "edited")
    build(runner, bib, tmp_path / "fresh", "--no-cache")
    assert outputs(tmp_path / "edited") == outputs(tmp_path / "fresh")
    assert outputs(tmp_path / "edited") != outputs(tmp_path / "cold")
    assert b"Edited " in outputs(tmp_path / "edited")["publications.html"]


def test_each_edited_build_renders_only_the_edited_entry(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Edit after edit: a build that saved its cache before streaming its output would lose
    the other entries' output, and the build after it would render them all again."""
    bib, _ = small_copy(tmp_path)
    build(runner, bib, tmp_path / "out")
    rendered = rendered_keys(monkeypatch)
    for edit in ("One ", "Two ", "Three "):
        rendered.clear()
        text = bib.read_text(encoding="utf-8")
        bib.write_text(text.replace("title = {", f"title = {{{edit}", 1), encoding="utf-8")
        build(runner, bib, tmp_path / "out")
        assert rendered == ["engine", "engine"], edit  # once as HTML, once as Markdown


def test_a_guessed_owner_is_remembered_and_followed_when_it_changes(
    runner: CliRunner, tmp_path: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --owner, a build reads with the owner the last one guessed, so its entries
    come from the cache already marked; when the guess changes, the marks follow it."""
    bib, text = small_copy(tmp_path)
    decoded = decoded_keys(monkeypatch)
    marked: list[str] = []
    mark_owner = build_module.mark_owner

    def counting_marks(entries: Any, owners: Any) -> Any:
        marked.append(owners[0].name)
        return mark_owner(entries, owners)

    monkeypatch.setattr(build_module, "mark_owner", counting_marks)

    def build_without_owner(out: str, *extra: str) -> str:
        command = ["build", str(bib), "-s", "full", "-o", str(tmp_path / out), *extra]
        result = runner.invoke(main, command)
        assert result.exit_code == 0, result.output
        return result.output

    assert 'assuming "Ada Lovelace"' in build_without_owner("cold")
    decoded.clear()
    marked.clear()
    bib.write_text(text.replace("title = {", "title = {Edited ", 1), encoding="utf-8")
    build_without_owner("edited")
    assert decoded == ["engine"]  # the others, marked, from the cache
    assert marked == []  # read marked with the guess, which was right
    build_without_owner("edited fresh", "--no-cache")
    assert outputs(tmp_path / "edited") == outputs(tmp_path / "edited fresh")

    hopper = "".join(
        f"@misc{{h{n}, title = {{Note {n}}}, author = {{Hopper, Grace}}, year = 1950}}\n"
        for n in range(8)
    )
    bib.write_text(text + hopper, encoding="utf-8")
    marked.clear()
    assert 'assuming "Grace Hopper"' in build_without_owner("hopper")
    assert marked == ["Grace Hopper"]
    build_without_owner("hopper fresh", "--no-cache")
    assert outputs(tmp_path / "hopper") == outputs(tmp_path / "hopper fresh")
    assert b"<strong>Grace Hopper</strong>" in outputs(tmp_path / "hopper")["publications.html"]
    assert b"<strong>Ada Lovelace</strong>" not in outputs(tmp_path / "hopper")["publications.html"]

    decoded.clear()
    marked.clear()
    bib.write_text(text + hopper.replace("Note 0", "Note zero"), encoding="utf-8")
    build_without_owner("hopper edited")
    assert (decoded, marked) == (["h0"], [])


def test_a_check_between_builds_keeps_the_rendered_entries(
    runner: CliRunner, tmp_path: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``bibfolio check`` renders nothing; the next build must not render everything again."""
    bib, text = small_copy(tmp_path)
    build(runner, bib, tmp_path / "out")
    rendered = rendered_keys(monkeypatch)
    result = runner.invoke(main, ["check", str(bib), *OWNER])
    assert "1 warning" in result.output, result.output  # small.bib has an entry with no theme
    edited = text.replace("title = {", "title = {Edited ", 1)
    rebuild_renders_only(runner, bib, edited, tmp_path / "out", rendered, "engine")


def test_a_build_given_the_owner_keeps_the_guess_of_builds_without(
    runner: CliRunner, tmp_path: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Builds with and without --owner in turn: the one with it never guesses, and must not
    make the next one without it decode every entry again."""
    bib, text = small_copy(tmp_path)
    guessing = ["build", str(bib), "-s", "full", "-o", str(tmp_path / "guessed")]
    assert 'assuming "Ada Lovelace"' in runner.invoke(main, guessing).output
    build(runner, bib, tmp_path / "given")
    decoded = decoded_keys(monkeypatch)
    bib.write_text(text.replace("title = {", "title = {Edited ", 1), encoding="utf-8")
    result = runner.invoke(main, guessing)
    assert result.exit_code == 0, result.output
    assert decoded == ["engine"]  # the others from the cache, marked with the kept guess


def test_a_remembered_guess_is_dropped_when_no_owner_can_be_guessed(
    runner: CliRunner, tmp_path: Path, cache_home: Path
) -> None:
    """Projects do not count for the guess: with no papers left, nobody may stay marked."""
    bib = tmp_path / "refs.bib"
    paper = "@misc{p, title = {Paper}, author = {Hopper, Grace}, year = 1950}\n"
    project = "@software{s, title = {Compiler}, author = {Hopper, Grace}}\n"
    for name, text in (("both", paper + project), ("project", project)):
        bib.write_text(text, encoding="utf-8")
        for cache in ("--cache", "--no-cache"):
            command = ["build", str(bib), "-f", "json", "-o", str(tmp_path / name / cache), cache]
            result = runner.invoke(main, command)
            assert result.exit_code == 0, result.output
        assert outputs(tmp_path / name / "--cache") == outputs(tmp_path / name / "--no-cache")
    assert b'"is_owner": true' in outputs(tmp_path / "both" / "--cache")["publications.json"]
    assert b'"is_owner": true' not in outputs(tmp_path / "project" / "--cache")["publications.json"]


AUTHORS = ("Lovelace, Ada", "A. Lovelace", "Hopper, Grace", "Babbage, Charles")
ENTRY = st.tuples(
    st.sampled_from(["misc", "software"]),
    st.lists(st.sampled_from(AUTHORS), max_size=3),
    st.sampled_from(["One", "Two"]),
)


# What runs with the cache between two builds without an owner: nothing, ``bibfolio check``
# (which renders nothing), a build given an owner (which guesses nothing), or one of another
# format (whose entries are kept beside the others).
BETWEEN: dict[str, list[str]] = {
    "nothing": [],
    "check": ["check"],
    "check with an owner": ["check", "--owner", "Grace Hopper"],
    "build with an owner": ["build", "-f", "html", "-f", "json", "--owner", "Grace Hopper"],
    "build of CSL-JSON only": ["build", "-f", "csl-json"],
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.lists(ENTRY, max_size=5), st.sampled_from(sorted(BETWEEN))),
        min_size=2,
        max_size=4,
    )
)
def test_builds_after_builds_without_an_owner_equal_builds_without_the_cache(
    versions: list[tuple[list[tuple[str, list[str], str]], str]],
) -> None:
    """Whoever the guess falls on, build after build, whatever ran in between, the cache
    never changes a byte."""
    runner = CliRunner()
    with tempfile.TemporaryDirectory(prefix="bibfolio-guess-") as directory:
        root = Path(directory)
        bib = root / "refs.bib"
        env = {"XDG_CACHE_HOME": str(root / "c")}
        for number, (entries, between) in enumerate(versions):
            bib.write_text(
                "".join(
                    f"@{kind}{{e{index}, title = {{{title}}}, author = {{{' and '.join(names)}}}, "
                    "year = 2000}\n"
                    for index, (kind, names, title) in enumerate(entries)
                ),
                encoding="utf-8",
            )
            if BETWEEN[between]:
                command, *options = BETWEEN[between]
                out = ["-o", str(root / "between")] if command == "build" else []
                result = runner.invoke(main, [command, str(bib), *out, *options], env=env)
                assert result.exit_code in (0, 1), result.output  # check: 1 for a warning
            for cache in ("--cache", "--no-cache"):
                out = root / str(number) / cache
                command = ["build", str(bib), "-f", "html", "-f", "json", "-o", str(out), cache]
                result = runner.invoke(main, command, env=env)
                assert result.exit_code == 0, result.output
            assert outputs(root / str(number) / "--cache") == outputs(
                root / str(number) / "--no-cache"
            )


def test_an_edited_build_writes_json_for_the_edited_entry_only(
    runner: CliRunner, tmp_path: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bib, text = small_copy(tmp_path)
    formats = ("-f", "json", "-f", "csl-json")
    build(runner, bib, tmp_path / "first", *formats)
    made: list[str] = []
    for name in ("_entry_json", "csl_item"):
        original = getattr(export_module, name)

        @functools.wraps(original)
        def counting(entry: Entry, original: Any = original) -> Any:
            made.append(entry.key)
            return original(entry)

        monkeypatch.setattr(export_module, name, counting)
    bib.write_text(text.replace("title = {", "title = {Edited ", 1), encoding="utf-8")
    build(runner, bib, tmp_path / "edited", *formats)
    assert made == ["engine", "engine"]  # once for each format
    build(runner, bib, tmp_path / "fresh", *formats, "--no-cache")
    assert outputs(tmp_path / "edited") == outputs(tmp_path / "fresh")


def test_editing_a_macro_changes_the_cached_entries_that_use_it(
    runner: CliRunner, tmp_path: Path
) -> None:
    bib = tmp_path / "refs.bib"
    entry = "@inproceedings{a, title = {A}, author = {Lovelace, Ada}, booktitle = v # { 43}}\n"
    for venue in ("First Venue", "Second Venue", "First Venue"):
        bib.write_text(f"@string{{v = {{{venue}}}}}\n{entry}", encoding="utf-8")
        build(runner, bib, tmp_path / venue)
        build(runner, bib, tmp_path / f"{venue} fresh", "--no-cache")
        assert outputs(tmp_path / venue) == outputs(tmp_path / f"{venue} fresh")
        assert f"{venue} 43".encode() in outputs(tmp_path / venue)["publications.html"]


def test_a_string_added_above_changes_only_the_entries_that_use_it(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bib = tmp_path / "refs.bib"
    entries = (
        "@inproceedings{uses, title = {A}, author = {Lovelace, Ada}, booktitle = v # { 43}}\n"
        "@misc{plain, title = {B}, author = {Lovelace, Ada}, howpublished = w}\n"
    )
    bib.write_text(f"@string{{v = {{Venue}}}}\n@string{{w = {{Web}}}}\n{entries}", "utf-8")
    build(runner, bib, tmp_path / "first")
    decoded = decoded_keys(monkeypatch)
    strings = "@string{new = {Unused}}\n@string{v = {Venue}}\n@string{w = {Web}}\n"
    bib.write_text(strings + entries, encoding="utf-8")
    build(runner, bib, tmp_path / "added")
    assert decoded == []  # a new macro, used by nobody, above both
    bib.write_text(strings.replace("{Venue}", "{Other Venue}") + entries, encoding="utf-8")
    build(runner, bib, tmp_path / "changed")
    assert decoded == ["uses"]
    build(runner, bib, tmp_path / "fresh", "--no-cache")
    assert outputs(tmp_path / "changed") == outputs(tmp_path / "fresh")


MACRO_VALUES = st.sampled_from(["Venue", "Other", ""])
ENTRY_VALUES = st.sampled_from(["a", "b", 'a # " 43"', "{x} # b", "c", "{plain}"])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.dictionaries(st.sampled_from(["a", "b", "c"]), MACRO_VALUES, max_size=3),
            st.lists(ENTRY_VALUES, min_size=1, max_size=3),
        ),
        min_size=2,
        max_size=4,
    )
)
def test_builds_after_macro_edits_equal_builds_without_the_cache(
    versions: list[tuple[dict[str, str], list[str]]],
) -> None:
    """Macros defined, redefined, dropped and used in any mix: the cache never changes a byte."""
    runner = CliRunner()
    with tempfile.TemporaryDirectory(prefix="bibfolio-macros-") as directory:
        root = Path(directory)
        bib = root / "refs.bib"
        for number, (macros, values) in enumerate(versions):
            strings = "".join(
                f"@string{{{name} = {{{value}}}}}\n" for name, value in macros.items()
            )
            entries = "".join(
                f"@inproceedings{{e{n}, title = {{T}}, author = {{Ada}}, booktitle = {value}}}\n"
                for n, value in enumerate(values)
            )
            bib.write_text(strings + entries, encoding="utf-8")
            for cache in ("--cache", "--no-cache"):
                out = root / str(number) / cache
                command = ["build", str(bib), "-s", "full", "-f", "html", "-o", str(out), cache]
                result = runner.invoke(
                    main, [*command, *OWNER], env={"XDG_CACHE_HOME": str(root / "c")}
                )
                assert result.exit_code == 0, result.output
            assert outputs(root / str(number) / "--cache") == outputs(
                root / str(number) / "--no-cache"
            )


def test_line_numbers_follow_edits_above_a_cached_entry(runner: CliRunner, tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    text = "@misc{a, title = {A}, year = {20x}}\n"
    bib.write_text(text, encoding="utf-8")
    assert f"{bib}:1:" in runner.invoke(main, ["check", str(bib)]).output
    bib.write_text("\n\n" + text, encoding="utf-8")
    assert f"{bib}:3:" in runner.invoke(main, ["check", str(bib)]).output


def test_editing_an_entry_with_a_latex_line_break_keeps_the_next_one(
    runner: CliRunner, tmp_path: Path, cache_home: Path
) -> None:
    """A value with a line ending in ``\\\\`` once put the next entry into its chunk (by
    bibtexparser's line count, a line short): editing the first then lost the second."""
    bib = tmp_path / "refs.bib"
    second = "@misc{b,\n  title = {B},\n  author = {Ada Lovelace},\n  year = 1843,\n}\n"
    first = "@misc{a,\n  title = {%s},\n  author = {Ada Lovelace},\n  note = {x \\\\\n y},\n}\n"
    bib.write_text(first % "A" + "\n" + second, encoding="utf-8")
    build(runner, bib, tmp_path / "before")
    bib.write_text(first % "A, edited" + "\n" + second, encoding="utf-8")
    assert "2 entries" in build(runner, bib, tmp_path / "cached")
    build(runner, bib, tmp_path / "uncached", "--no-cache")
    assert outputs(tmp_path / "cached") == outputs(tmp_path / "uncached")


def test_no_cache_writes_nothing_and_a_bad_cache_file_is_ignored(
    runner: CliRunner, tmp_path: Path, cache_home: Path
) -> None:
    bib = DATA / "small.bib"
    build(runner, bib, tmp_path / "a", "--no-cache")
    assert cache_files(cache_home) == []
    build(runner, bib, tmp_path / "b")
    (cache_file,) = cache_files(cache_home)
    # Code in a cache file is refused, not run; so is data of another shape, and garbage.
    cache_file.write_bytes(marshal.dumps((lambda: 0).__code__))
    build(runner, bib, tmp_path / "c0")
    cache_file.write_bytes(marshal.dumps({"chunks": [1], "entries": {}, "fragments": {}}))
    build(runner, bib, tmp_path / "c")
    cache_file.write_bytes(b"not a cache")
    build(runner, bib, tmp_path / "d")
    assert outputs(tmp_path / "c0") == outputs(tmp_path / "a")
    assert outputs(tmp_path / "d") == outputs(tmp_path / "c") == outputs(tmp_path / "a")


def test_editing_a_template_renders_again(runner: CliRunner, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    entry = templates / "compact-entry.md"
    entry.write_text("<{{ entry.label }}>", encoding="utf-8")
    args = ["build", str(DATA / "small.bib"), "-f", "md", "-o", "-", "--templates", str(templates)]
    first = runner.invoke(main, [*args, *OWNER]).output
    entry.write_text("[{{ entry.label }}]", encoding="utf-8")
    second = runner.invoke(main, [*args, *OWNER]).output
    assert "&lt;" in first or "<" in first
    assert "[" in second and second != first


def test_an_entry_added_at_the_top_of_the_page_is_the_only_one_rendered(
    runner: CliRunner, tmp_path: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commonest edit puts a new paper first on the page: nothing else on it may need
    rendering again (as it did while the page's first key named its footnote)."""
    bib, text = small_copy(tmp_path)
    build(runner, bib, tmp_path / "out")
    rendered = rendered_keys(monkeypatch)
    new = "@software{mill, title = {Mill}, theme = {Computing machinery}, role = {lead}}\n"
    added = text.replace("@software{engine,", new + "@software{engine,")
    rebuild_renders_only(runner, bib, added, tmp_path / "out", rendered, "mill")
    page = build_module.build_page([bib], Config(owner=("Ada Lovelace",))).page
    assert page.entries[0].key == "mill"


def test_builds_of_other_formats_in_between_keep_the_rendered_entries(
    runner: CliRunner, tmp_path: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A site built as HTML and Markdown, and its data exported as JSON by another command:
    each keeps the other's entries in the cache, so neither renders every entry again."""
    bib, text = small_copy(tmp_path)
    build(runner, bib, tmp_path / "site")
    json_export = ["-f", "json", "-o", str(tmp_path / "data")]
    result = runner.invoke(main, ["build", str(bib), *json_export, *OWNER])
    assert result.exit_code == 0, result.output
    rendered = rendered_keys(monkeypatch)
    edited = text.replace("title = {", "title = {Edited ", 1)
    rebuild_renders_only(runner, bib, edited, tmp_path / "site", rendered, "engine")


def test_entries_rendered_for_a_format_not_built_are_kept_only_for_entries_still_read(
    runner: CliRunner, tmp_path: Path, cache_home: Path
) -> None:
    """The JSON of an export made once stays for the entries the site's builds still read,
    and goes for those they no longer do: it never holds more than one build's worth."""
    bib, text = small_copy(tmp_path)
    build(runner, bib, tmp_path / "site")
    result = runner.invoke(main, ["build", str(bib), "-f", "json", "-o", str(tmp_path / "data")])
    assert result.exit_code == 0, result.output
    bib.write_text(text.replace("title = {", "title = {Edited ", 1), encoding="utf-8")
    build(runner, bib, tmp_path / "site")  # no JSON: the edited entry's old JSON is stale
    (cache_file,) = cache_files(cache_home)
    cache = Cache.open(cache_file)
    json_entries = {fragment_digest(key) for key in cache.fragments if key.startswith("_entry")}
    assert json_entries < set(cache.entries)  # all still read; the edited one's is gone
    assert len(json_entries) == len(cache.entries) - 1


def test_entries_rendered_with_an_edited_template_replace_the_old_ones(
    runner: CliRunner, tmp_path: Path, cache_home: Path
) -> None:
    """Entries are kept by template; what an older version of a template rendered goes."""
    templates = tmp_path / "templates"
    templates.mkdir()
    entry = templates / "compact-entry.md"
    args = ["build", str(DATA / "small.bib"), "-o", str(tmp_path / "out"), *OWNER]
    sizes = []
    for version in ("<{{ entry.label }}>", "[{{ entry.label }}]", "({{ entry.key }})"):
        entry.write_text(version, encoding="utf-8")
        result = runner.invoke(main, [*args, "--templates", str(templates)])
        assert result.exit_code == 0, result.output
        (cache_file,) = cache_files(cache_home)
        sizes.append(len(Cache.open(cache_file).fragments))
    assert sizes[0] == sizes[1] == sizes[2] > 0


def test_only_what_the_last_build_used_is_kept(tmp_path: Path) -> None:
    cache = Cache(path=tmp_path / "c.cache")
    cache.entries["old"] = ("x",)
    cache.keep_used()
    assert "old" in cache.entries
    cache.entries["new"] = ("y",)
    cache.save()
    again = Cache.for_files([], tmp_path)
    assert again.path != cache.path  # keyed by the input files
    assert set(Cache.open(tmp_path / "c.cache").entries) == {"new"}


def test_keeping_between_builds_keeps_what_a_save_would(tmp_path: Path) -> None:
    """``serve`` forgets between builds what a save would drop, and nothing else: the
    rendered entries of a kind it did not use stay for the entries it read."""
    stored = {"a/x:d1": "html 1", "a/x:d2": "html 2", "b/y:d1": "json 1", "b/y:d2": "json 2"}
    cache = Cache(path=tmp_path / "c.cache")
    cache.entries["d1"] = ("entry",)
    cache.fragments.stored.update(stored)
    cache.fragments.get("a/x:d1")
    expected = set(cache.fragments.kept(lambda key: key.endswith("d1")))
    assert expected == {"a/x:d1", "b/y:d1"}
    cache.keep_used()
    assert set(cache.fragments) == expected


def test_small_changes_go_to_a_journal_that_loads_back(tmp_path: Path) -> None:
    cache = Cache(path=tmp_path / "c.cache")
    for number in range(300):
        cache.entries[f"e{number}"] = (number,)
    cache.save()
    journal = tmp_path / "c.journal"
    assert not journal.exists()

    cache = Cache.open(tmp_path / "c.cache")
    for number in range(1, 300):  # e0 is not used any more, and e300 is new
        assert cache.entries.get(f"e{number}") == (number,)
    cache.entries["e300"] = (300,)
    cache.save()
    assert journal.exists()

    again = Cache.open(tmp_path / "c.cache")
    assert set(again.entries) == {f"e{number}" for number in range(1, 301)}
    journal.write_bytes(journal.read_bytes()[:-5])  # cut short: its last change is lost
    assert set(Cache.open(tmp_path / "c.cache").entries) == {f"e{number}" for number in range(300)}


def test_what_the_page_template_passes_is_part_of_the_key(tmp_path: Path) -> None:
    from bibfolio.build import build_page
    from bibfolio.config import Config

    (tmp_path / "compact.md").write_text(
        "{% for e in page.entries %}{{ render_entry(e, tag=['a']) }}"
        "{{ render_entry(e, tag=['b']) }}\n{% endfor %}",
        encoding="utf-8",
    )
    (tmp_path / "compact-entry.md").write_text("{{ tag[0] }}", encoding="utf-8")
    page = build_page([DATA / "small.bib"], Config(owner=("Ada Lovelace",))).page
    text = Renderer(tmp_path).render(page, "md", "compact", fragment=True)
    assert text.splitlines()[0] == "ab"


def test_an_unchanged_build_writes_the_last_one_again_without_building(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bibfolio.build

    bib = tmp_path / "refs.bib"
    bib.write_text((DATA / "tricky" / "problems.bib").read_text(encoding="utf-8"), encoding="utf-8")
    papers = ["--per-paper", str(tmp_path / "papers")]
    first = build(runner, bib, tmp_path / "one", *papers)
    assert "warning:" in first

    def no_build(*args: object, **kwargs: object) -> None:
        raise AssertionError("built again")

    monkeypatch.setattr(bibfolio.build, "build_page", no_build)
    again = build(runner, bib, tmp_path / "two", *papers)  # another output directory
    assert again.replace(str(tmp_path / "two"), str(tmp_path / "one")) == first
    assert outputs(tmp_path / "two") == outputs(tmp_path / "one")
    stdout = runner.invoke(main, ["build", str(bib), "-s", "full", "-f", "md", "-o", "-", *OWNER])
    assert stdout.exit_code == 1  # a new setting (-o - with Markdown only) builds again
    assert "built again" in repr(stdout.exception)

    for change in (
        lambda: bib.write_text(bib.read_text(encoding="utf-8") + "\n", encoding="utf-8"),
        lambda: (tmp_path / "bibfolio.toml").write_text('title = "Other"\n', encoding="utf-8"),
    ):
        change()
        result = runner.invoke(
            main,
            [
                "build",
                str(bib),
                "-s",
                "full",
                "-f",
                "html",
                "-f",
                "md",
                "-o",
                str(tmp_path / "three"),
                *OWNER,
                *papers,
            ],
        )
        assert "built again" in repr(result.exception)


def test_a_last_build_cut_short_is_built_again(
    runner: CliRunner, tmp_path: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bibfolio.build

    build(runner, DATA / "small.bib", tmp_path / "one")
    (last,) = cache_home.glob("bibfolio/*/*.last")
    last.write_bytes(last.read_bytes()[:-10])
    calls = []
    real = bibfolio.build.build_page
    monkeypatch.setattr(
        bibfolio.build, "build_page", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    build(runner, DATA / "small.bib", tmp_path / "two")
    assert calls == [1]
    assert outputs(tmp_path / "two") == outputs(tmp_path / "one")


def test_an_unchanged_build_to_standard_output_prints_the_same(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bibfolio.build

    args = ["build", str(DATA / "small.bib"), "-s", "full", "-f", "md", "-o", "-", *OWNER]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    monkeypatch.setattr(bibfolio.build, "build_page", lambda *a, **k: 1 / 0)
    again = runner.invoke(main, args)
    assert again.exit_code == 0, again.output
    assert again.output == first.output and "Analytical" in again.output


# Pruning: what no build used for a month leaves the user's cache directory.

DAY = 24 * 3600.0


def aged(path: Path, days: float, now: float, text: str = "x") -> Path:
    """Create ``path`` (and its folders) last written ``days`` before ``now``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.utime(path, (now - days * DAY, now - days * DAY))
    return path


def test_caches_unused_for_a_month_are_deleted_and_the_rest_kept(cache_home: Path) -> None:
    now = time.time()
    current = cache_directory()
    old_set = [aged(current / f"old.{kind}", 40, now) for kind in ("cache", "journal", "last")]
    reused = [aged(current / "kept.cache", 40, now), aged(current / "kept.last", 2, now)]
    recent = aged(current / "new.cache", 29, now)
    compiled = aged(current / "templates" / "__jinja2_0123.cache", 40, now)
    old_version = cache_home / "bibfolio" / "cpython-311-0123456789abcdef"
    aged(old_version / "a.cache", 40, now)
    os.utime(old_version, (now - 40 * DAY, now - 40 * DAY))
    other_python = cache_home / "bibfolio" / "cpython-312-fedcba9876543210"
    aged(other_python / "a.cache", 3, now)
    old_pypy = cache_home / "bibfolio" / "pypy310-fedcba9876543210"
    aged(old_pypy / "a.cache", 40, now)
    os.utime(old_pypy, (now - 40 * DAY, now - 40 * DAY))
    not_ours = aged(cache_home / "bibfolio" / "notes" / "old.txt", 400, now)

    prune_stale_caches(current, now)

    assert not any(path.exists() for path in [*old_set, compiled, old_version, old_pypy])
    assert all(path.exists() for path in [*reused, recent, not_ours]) and other_python.exists()


def test_pruning_looks_at_most_once_a_day(cache_home: Path) -> None:
    now = time.time()
    current = cache_directory()
    current.mkdir(parents=True)
    prune_stale_caches(current, now)
    stale = aged(current / "old.cache", 40, now)
    prune_stale_caches(current, now + 23 * 3600)
    assert stale.exists()
    prune_stale_caches(current, now + 25 * 3600)
    assert not stale.exists()


def test_builds_prune_and_an_unchanged_build_counts_as_a_use(
    runner: CliRunner, tmp_path: Path, cache_home: Path
) -> None:
    now = time.time()
    old_version = cache_home / "bibfolio" / "cpython-311-0123456789abcdef"
    aged(old_version / "a.cache", 40, now)
    os.utime(old_version, (now - 40 * DAY, now - 40 * DAY))
    build(runner, DATA / "small.bib", tmp_path / "a")
    assert not old_version.exists() and len(cache_files(cache_home)) == 1
    (last,) = cache_home.glob("bibfolio/*/*.last")
    os.utime(last, (now - 40 * DAY, now - 40 * DAY))
    build(runner, DATA / "small.bib", tmp_path / "b")  # nothing changed: the last build again
    assert last.stat().st_mtime > now - DAY
