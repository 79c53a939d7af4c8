"""Measure how bibfolio serves real researchers' .bib files.

Usage: python benchmarks/realworld.py [FILE_OR_DIR ...] [--json] [--verbose]
       [--owner-from-readme] [--bibfolio PATH]

For every .bib file (default: the files in /work/shared/realworld, i.e. ../shared/realworld
next to the repository) the installed ``bibfolio`` runs as a subprocess twice:
``bibfolio build FILE -f json -o - --no-cache --skip-invalid`` for the page model and
``bibfolio check FILE --no-cache`` for the diagnostics. The report then compares the page
with the raw file, read here by a small reader of its own: entry blocks, fields, arXiv ids
and author lists are found in the raw text by BibTeX's rules, never by asking bibfolio, so
that a bug in bibfolio's reader cannot hide itself from the measure.

The Markdown tables go to standard output (``--json``: the same numbers as JSON), progress
to standard error. docs/realworld.md explains every column.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "realworld"
TIMEOUT = 60  # seconds per subprocess
EXAMPLES = 5  # examples per measure and file with --verbose

# ---------------------------------------------------------------------------------------------
# The raw .bib reader (independent of bibfolio)
# ---------------------------------------------------------------------------------------------

NOT_ENTRIES = frozenset({"string", "comment", "preamble"})
ENTRY_START = re.compile(r"@\s*([A-Za-z][\w-]*)\s*([{(])")
# Where a reader recovers from an unclosed entry: "@type{" at the start of a line.
LINE_ENTRY_START = re.compile(r"\n[ \t]*@\s*[A-Za-z][\w-]*\s*[{(]")
FIELD_NAME = re.compile(r"\s*([^\s=,{}\"#()]+)\s*=\s*")


@dataclass
class RawEntry:
    """One entry block as the file has it: type, key, fields (first value of a repeated
    field, as BibTeX keeps it) and the line it starts on."""

    entry_type: str
    key: str
    line: int
    fields: dict[str, str]
    closed: bool  # False: no closing brace before the next "@type{" line or the end


def read_raw_entries(text: str) -> list[RawEntry]:
    """Every entry block of ``text`` except @string, @comment and @preamble.

    BibTeX ignores everything outside ``@type{...}``; an entry ends at its matching closing
    delimiter. An entry that never closes ends where the next line starting with
    ``@type{`` begins, as forgiving readers (and bibfolio's --skip-invalid) recover.
    """
    entries = []
    pos = 0
    while match := ENTRY_START.search(text, pos):
        entry_type = match.group(1).lower()
        body_start = match.end()
        end, closed = _block_end(text, body_start, match.group(2))
        if entry_type not in NOT_ENTRIES:
            body = text[body_start : end - 1 if closed else end]
            key, fields = _parse_body(body)
            line = text.count("\n", 0, match.start()) + 1
            entries.append(RawEntry(entry_type, key, line, fields, closed))
        pos = end
    return entries


def _block_end(text: str, start: int, opener: str) -> tuple[int, bool]:
    """The index just after the delimiter closing the block opened before ``start``."""
    closer = "}" if opener == "{" else ")"
    depth = 0
    i = start
    while i < len(text):
        char = text[i]
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0 and closer == "}":
                return i + 1, True
            depth -= 1
        elif char == closer and depth == 0:
            return i + 1, True
        elif char == "\n" and depth > 0 and LINE_ENTRY_START.match(text, i):
            return i, False  # an unbalanced brace: the next entry starts here
        i += 1
    return len(text), False


def _parse_body(body: str) -> tuple[str, dict[str, str]]:
    """The key and the fields of an entry body (the text between its delimiters)."""
    comma = body.find(",")
    if comma < 0:
        return body.strip(), {}
    key = body[:comma].strip()
    fields: dict[str, str] = {}
    pos = comma + 1
    while match := FIELD_NAME.match(body, pos):
        name = match.group(1).lower()
        value, pos = _parse_value(body, match.end())
        fields.setdefault(name, value)
        next_comma = body.find(",", pos)
        if next_comma < 0:
            break
        pos = next_comma + 1
    return key, fields


def _parse_value(body: str, pos: int) -> tuple[str, int]:
    """A field value: braced or quoted parts, numbers or macro names joined by ``#``.
    Returns the parts' text (outer delimiters removed, macros by name) and the end."""
    parts = []
    while True:
        while pos < len(body) and body[pos].isspace():
            pos += 1
        if pos >= len(body):
            break
        char = body[pos]
        if char in '{"':
            depth, i = 0, pos + 1
            while i < len(body):
                if body[i] == "{":
                    depth += 1
                elif body[i] == "}":
                    if depth == 0 and char == "{":
                        break
                    depth -= 1
                elif body[i] == '"' and char == '"' and depth == 0:
                    break
                i += 1
            parts.append(body[pos + 1 : i])
            pos = i + 1
        else:
            word = re.match(r"[^\s,#}]+", body[pos:])
            if not word:
                break
            parts.append(word.group(0))
            pos += word.end()
        rest = re.match(r"\s*#", body[pos:])
        if not rest:
            break
        pos += rest.end()
    return "".join(parts), pos


def split_names(value: str) -> list[str]:
    """Split an author field as BibTeX does: at the word "and" (any case) with whitespace on
    both sides, outside braces. This is the reference the JSON's author lists are held to."""
    names, depth, start, i = [], 0, 0, 0
    while i < len(value):
        char = value[i]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0 and char.isspace():
            match = re.match(r"\s+and\s", value[i:], re.IGNORECASE)
            if match:
                names.append(value[start:i])
                i += match.end()
                start = i
                continue
        i += 1
    names.append(value[start:])
    return [name.strip() for name in names if name.strip()]


# ---------------------------------------------------------------------------------------------
# Crude LaTeX: enough to compare letters and family names, not to typeset
# ---------------------------------------------------------------------------------------------

ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a", "d": "\u0323", "b": "\u0331", "t": "\u0361",
}  # fmt: skip
LETTER_COMMANDS = {
    "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å",
    "o": "ø", "O": "Ø", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ",
}  # fmt: skip
# Letters Unicode does not decompose, folded to what an ASCII reader would write.
FOLD = str.maketrans({
    "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe",
    "Œ": "OE", "ı": "i", "ȷ": "j", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th",
    "Þ": "Th", "ŋ": "ng", "Ŋ": "NG",
})  # fmt: skip
SORT_COMMANDS = re.compile(r"\\(?:noopsort|SortNoop|sortnoop|NOOPSORT)\s*\{[^{}]*\}")
ACCENT_COMMAND = re.compile(
    r"\\(['`^\"~=.]|[uvHckrdbt](?![A-Za-z]))\s*(\{\s*)?(\\[ij](?![A-Za-z])|[A-Za-z])(\s*\})?"
)
LETTER_COMMAND = re.compile(r"\\(ss|ae|AE|oe|OE|aa|AA|o|O|l|L|i|j)(?![A-Za-z])\s*(\{\s*\})?")
OTHER_COMMAND = re.compile(r"\\[A-Za-z]+\*?\s*")


def crude_latex(text: str) -> str:
    """``text`` with LaTeX accents and letters made Unicode, sort keys (``\\noopsort{..}``)
    dropped, other commands dropped but their arguments kept, braces and ``~`` gone."""
    text = SORT_COMMANDS.sub("", text)

    def accent(match: re.Match[str]) -> str:
        base = match.group(3)
        base = {"\\i": "i", "\\j": "j"}.get(base, base)
        return unicodedata.normalize("NFC", base + ACCENTS[match.group(1)])

    text = ACCENT_COMMAND.sub(accent, text)
    text = LETTER_COMMAND.sub(lambda m: LETTER_COMMANDS[m.group(1)], text)
    text = OTHER_COMMAND.sub("", text)
    text = re.sub(r"\\(.)", r"\1", text)  # \& \_ \$ ...
    text = text.replace("~", " ").replace("{", "").replace("}", "")
    return re.sub(r"\s+", " ", text).strip()


def folded_letters(text: str) -> str:
    """The letters of ``text``, case-folded, accents removed (é→e, ł→l): how two spellings
    of one name are compared."""
    decomposed = unicodedata.normalize("NFKD", text.translate(FOLD))
    return "".join(c for c in decomposed if c.isalpha()).casefold()


# ---------------------------------------------------------------------------------------------
# arXiv ids in raw fields
# ---------------------------------------------------------------------------------------------

NEW_ID = r"\d{4}\.\d{4,5}(?:v\d+)?"
OLD_ID = r"[a-z][a-z-]*(?:\.[A-Za-z]{2})?/\d{7}(?:v\d+)?"
ARXIV_ID = rf"(?:{NEW_ID}|{OLD_ID})"
EPRINT_ID = re.compile(rf"\s*(?:arxiv:\s*)?{ARXIV_ID}\s*", re.IGNORECASE)
ARXIV_IN_TEXT = re.compile(
    rf"arxiv:\s*{ARXIV_ID}|arxiv\.org/(?:abs|pdf|format|ps)/{ARXIV_ID}|10\.48550/arxiv\.{NEW_ID}",
    re.IGNORECASE,
)


def has_arxiv_id(entry: RawEntry) -> bool:
    """Whether the raw entry names an arXiv paper anywhere: an ``eprint`` shaped like an arXiv
    id (unless its ``eprinttype``/``archiveprefix`` names another archive), ``arXiv:ID``, an
    arxiv.org URL or an arXiv DOI (10.48550/arXiv.ID) in any field, or an ``arxiv`` field."""
    fields = entry.fields
    archive = (fields.get("eprinttype") or fields.get("archiveprefix") or "arxiv").strip()
    if EPRINT_ID.fullmatch(fields.get("eprint", "")) and archive.lower() == "arxiv":
        return True
    if fields.get("arxiv", "").strip():
        return True
    return any(ARXIV_IN_TEXT.search(value) for value in fields.values())


# ---------------------------------------------------------------------------------------------
# The researchers' README: who owns each file
# ---------------------------------------------------------------------------------------------


def readme_owners(directory: Path) -> dict[str, list[str]]:
    """File name -> the owner's spellings (``as written``, first one first) from the table in
    ``directory``/README.md, or {} when there is none."""
    readme = directory / "README.md"
    if not readme.is_file():
        return {}
    owners = {}
    for line in readme.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].endswith(".bib"):
            spellings = re.findall(r"`([^`]+)`", cells[-1])
            if spellings:
                owners[cells[0]] = spellings
    return owners


def clean_owner(spelling: str) -> str:
    """An owner spelling without LaTeX, braces or co-first marks: ``{Thomson}, Alec J.~M.``
    becomes ``Thomson, Alec J. M.``."""
    return crude_latex(spelling).strip(" *")


def family_name(spelling: str) -> str:
    """The family name of a cleaned spelling: before the comma, else the last word."""
    if "," in spelling:
        return spelling.split(",", 1)[0].strip()
    return spelling.rsplit(maxsplit=1)[-1] if spelling.strip() else ""


# ---------------------------------------------------------------------------------------------
# Running bibfolio
# ---------------------------------------------------------------------------------------------


@dataclass
class Process:
    """One finished (or killed) bibfolio run."""

    command: list[str]
    exit_code: int
    stdout: str
    stderr: str
    timed_out: bool = False


def run(command: list[str]) -> Process:
    """Run ``command`` with the time limit; a timeout is a failed run, not an exception."""
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, encoding="utf-8", errors="replace",
            timeout=TIMEOUT, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as expired:
        out = expired.stdout or ""
        err = expired.stderr or ""
        return Process(
            command,
            -1,
            out if isinstance(out, str) else out.decode("utf-8", "replace"),
            err if isinstance(err, str) else err.decode("utf-8", "replace"),
            timed_out=True,
        )
    return Process(command, done.returncode, done.stdout, done.stderr)


DIAGNOSTIC = re.compile(
    r"^(?P<where>.*?):(?P<line>\d+): (?P<severity>error|warning|note): .*\[(?P<code>[\w-]+)\]$"
)


def parse_diagnostics(output: str) -> tuple[Counter[str], Counter[str], int]:
    """Severity counts, code counts and unparsed lines of ``bibfolio check``'s text output
    (``file:line: severity: message [code]``, one a line)."""
    severities: Counter[str] = Counter()
    codes: Counter[str] = Counter()
    unparsed = 0
    for line in output.splitlines():
        if not line.strip():
            continue
        match = DIAGNOSTIC.match(line.rstrip())
        if match:
            severities[match.group("severity")] += 1
            codes[match.group("code")] += 1
        else:
            unparsed += 1
    return severities, codes, unparsed


# ---------------------------------------------------------------------------------------------
# Per-file results
# ---------------------------------------------------------------------------------------------


@dataclass
class FileResult:
    """Every measure of one .bib file; ``examples`` (keys and texts) show with --verbose."""

    file: str
    in_file: int = 0
    on_page: int = 0
    not_shown: int = 0
    lost: int = 0
    unclosed: int = 0
    papers: int = 0
    papers_with_venue: int = 0
    year_only_labels: int = 0
    arxiv_ids: int = 0
    arxiv_links: int = 0
    arxiv_missing: int = 0
    links: dict[str, int] = field(default_factory=dict)
    relative_links: int = 0
    severities: dict[str, int] = field(default_factory=dict)
    codes: dict[str, int] = field(default_factory=dict)
    unused_field: int = 0
    unparsed_check_lines: int = 0
    tracebacks: int = 0
    bad_exits: int = 0
    latex_in_text: int = 0
    name_count_mismatch: int = 0
    name_letters_differ: int = 0
    owner: str = ""
    owner_papers: int = 0
    readme_owner: str = ""
    family_papers: int | None = None
    examples: dict[str, list[str]] = field(default_factory=dict)

    def example(self, measure: str, text: str) -> None:
        """Keep ``text`` as an example of ``measure`` (the first few, in file order)."""
        kept = self.examples.setdefault(measure, [])
        if len(kept) < EXAMPLES:
            kept.append(text)


def page_entries(page: dict[str, Any]) -> list[dict[str, Any]]:
    """The page's entries in page order, each once (by key)."""
    seen, entries = set(), []
    for theme in page.get("themes", []):
        for section in theme.get("sections", []):
            for entry in section.get("entries", []):
                if entry["key"] not in seen:
                    seen.add(entry["key"])
                    entries.append(entry)
    return entries


def measure_counts(result: FileResult, raw: list[RawEntry], shown: list[dict[str, Any]]) -> None:
    """Entries on the page vs blocks in the file: an entry neither shown nor reported as not
    shown (a "not-shown" note, e.g. a crossref parent) is lost."""
    result.in_file = len(raw)
    result.on_page = len(shown)
    result.unclosed = sum(not entry.closed for entry in raw)
    result.lost = result.in_file - result.on_page - result.not_shown
    shown_keys = {entry["key"].lower() for entry in shown}
    for entry in raw:
        if entry.key.lower() not in shown_keys:
            result.example("not on the page", f"{entry.key or '(no key)'} (line {entry.line})")


def measure_venues(result: FileResult, shown: list[dict[str, Any]]) -> None:
    """Papers with a venue, and among them labels that are only a year: a paper that names
    its venue should get a venue label ("OSDI 22"), not "2022"."""
    for entry in shown:
        if entry.get("kind") != "paper":
            continue
        result.papers += 1
        if not (entry.get("venue") or "").strip():
            continue
        result.papers_with_venue += 1
        label = (entry.get("label") or "").strip()
        if re.fullmatch(r"\d{4}", label) or label == str(entry.get("year")):
            result.year_only_labels += 1
            result.example("year-only label", f"{entry['key']}: {label!r} for {entry['venue']!r}")


def _links_to_arxiv(link: dict[str, str]) -> bool:
    """A link readers reach arXiv by: an "arXiv" button, or any button whose address is on
    arxiv.org (a "Link" or "Preprint" field that holds the arXiv page)."""
    return link.get("kind") == "arxiv" or "arxiv.org/" in link.get("href", "").lower()


def measure_arxiv(
    result: FileResult, raw: list[RawEntry], by_key: dict[str, dict[str, Any]]
) -> None:
    """Entries whose raw fields carry an arXiv id vs entries the page gives an arXiv link;
    an id whose entry has no arXiv link on the page (or is not on it) is a missed link."""
    for entry in raw:
        if not has_arxiv_id(entry):
            continue
        result.arxiv_ids += 1
        page_entry = by_key.get(entry.key.lower())
        links = page_entry.get("links", []) if page_entry else []
        if not any(_links_to_arxiv(link) for link in links):
            result.arxiv_missing += 1
            result.example("arXiv id, no arXiv link", entry.key)
    result.arxiv_links = sum(
        any(_links_to_arxiv(link) for link in entry.get("links", [])) for entry in by_key.values()
    )


def measure_links(result: FileResult, shown: list[dict[str, Any]]) -> None:
    """Links by kind, and relative links: an al-folio ``pdf = {paper.pdf}`` made into
    ``href="paper.pdf"`` is broken on any page that is not next to the PDF."""
    kinds: Counter[str] = Counter()
    for entry in shown:
        for link in entry.get("links", []):
            kinds[link.get("kind", "?")] += 1
            href = link.get("href", "")
            if not re.match(r"(?:https?:|mailto:|#)", href, re.IGNORECASE):
                result.relative_links += 1
                result.example("relative link", f"{entry['key']}: {link.get('kind')} {href!r}")
    result.links = dict(sorted(kinds.items()))


def measure_diagnostics(result: FileResult, check: Process) -> None:
    """``bibfolio check``'s warnings and notes by code; ``not-shown`` notes excuse entries
    missing from the page, ``unused-field`` notes are counted on their own."""
    severities, codes, unparsed = parse_diagnostics(check.stdout)
    result.severities = {name: severities[name] for name in ("error", "warning", "note")}
    result.codes = dict(sorted(codes.items()))
    result.not_shown = codes["not-shown"]
    result.unused_field = codes["unused-field"]
    result.unparsed_check_lines = unparsed


def measure_failures(result: FileResult, build: Process, check: Process) -> None:
    """Tracebacks in either run's standard error, and runs that failed: build must exit 0,
    check 0 (no problems) or 1 (problems found); 2 or a timeout means it could not run."""
    for process in (build, check):
        result.tracebacks += process.stderr.count("Traceback (most recent call last)")
    result.bad_exits += build.exit_code != 0 or build.timed_out
    result.bad_exits += check.exit_code not in (0, 1) or check.timed_out
    for process in (build, check):
        if process.exit_code != 0 and (process is build or process.exit_code not in (0, 1)):
            last = (process.stderr.strip().splitlines() or ["no output"])[-1]
            result.example("failed run", f"{process.command[1]} exit {process.exit_code}: {last}")


LATEX_LEFT = re.compile(r"\\[A-Za-z]+|\$|(?<!\\)[_^][\w{\\]")


def measure_text(result: FileResult, shown: list[dict[str, Any]]) -> None:
    """Entries whose displayed text (title, venue, label, author names) still holds LaTeX: a
    command, a ``$``, or a math ``_``/``^``."""
    for entry in shown:
        texts = [
            ("title", entry.get("title") or ""),
            ("venue", entry.get("venue") or ""),
            ("label", entry.get("label") or ""),
        ] + [("author", author.get("name") or "") for author in entry.get("authors", [])]
        flagged = [(where, text) for where, text in texts if LATEX_LEFT.search(text)]
        if flagged:
            result.latex_in_text += 1
            where, text = flagged[0]
            result.example("LaTeX in text", f"{entry['key']} {where}: {text!r}")


def measure_names(
    result: FileResult, raw_by_key: dict[str, RawEntry], shown: list[dict[str, Any]]
) -> None:
    """The JSON's authors held to the reference split of the raw ``author`` field: the number
    of names (a trailing "others" is the et-al mark, not a name), and each name's letters.

    Letters are compared as multisets of folded letters, so word order ("Kirill
    Milintsevich" vs "Milintsevich, Kirill") does not matter but a dropped letter
    ("\\L{}ukasz" shown as "ukasz") or a leaked command name ("textbfBeck") does."""
    for entry in shown:
        raw = raw_by_key.get(entry["key"].lower())
        if raw is None or "author" not in raw.fields:
            continue
        names = split_names(raw.fields["author"])
        if names and names[-1].strip().lower() == "others":
            names.pop()
        authors = entry.get("authors", [])
        if len(names) != len(authors):
            result.name_count_mismatch += 1
            result.example(
                "author count", f"{entry['key']}: {len(names)} in the field, {len(authors)} shown"
            )
            continue
        for raw_name, author in zip(names, authors, strict=True):
            expected = Counter(folded_letters(crude_latex(raw_name)))
            shown_letters = Counter(folded_letters(author.get("name") or ""))
            if expected != shown_letters:
                result.name_letters_differ += 1
                result.example(
                    "name letters", f"{entry['key']}: {raw_name!r} -> {author.get('name')!r}"
                )


def measure_owner(
    result: FileResult,
    page: dict[str, Any],
    raw_by_key: dict[str, RawEntry],
    shown: list[dict[str, Any]],
    spellings: Sequence[str],
) -> None:
    """Papers with an author marked ``is_owner`` vs papers whose raw author field has the
    family name of one of the README owner's spellings (a whole word, accents and case
    folded), and the owner the page names (bibfolio's guess unless --owner-from-readme)."""
    result.owner = page.get("owner") or ""
    papers = [entry for entry in shown if entry.get("kind") == "paper"]
    result.owner_papers = sum(
        any(author.get("is_owner") for author in entry.get("authors", [])) for entry in papers
    )
    if not spellings:
        return
    result.readme_owner = clean_owner(spellings[0])
    families = sorted({fold_text(family_name(clean_owner(spelling))) for spelling in spellings})
    words = "|".join(re.escape(family) for family in families if family)
    pattern = re.compile(rf"(?<![^\W\d_])(?:{words})(?![^\W\d_])")
    result.family_papers = 0
    for entry in papers:
        raw = raw_by_key.get(entry["key"].lower())
        authors = fold_text(crude_latex(raw.fields.get("author", ""))) if raw else ""
        if pattern.search(authors):
            result.family_papers += 1
            if not any(author.get("is_owner") for author in entry.get("authors", [])):
                result.example("owner not marked", entry["key"])


def fold_text(text: str) -> str:
    """``text`` case-folded with accents removed, other characters kept (for word search)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def measure_file(path: Path, bibfolio: str, owners: Sequence[str]) -> FileResult:
    """Build and check one file with bibfolio, then take every measure."""
    result = FileResult(file=path.name)
    owner_args = [arg for name in owners for arg in ("--owner", clean_owner(name))]
    build_args = ["-f", "json", "-o", "-", "--no-cache", "--skip-invalid", *owner_args]
    build = run([bibfolio, "build", str(path), *build_args])
    check = run([bibfolio, "check", str(path), "--no-cache", *owner_args])
    text = path.read_text(encoding="utf-8", errors="replace")
    raw = read_raw_entries(text)
    raw_by_key: dict[str, RawEntry] = {}
    for entry in raw:
        raw_by_key.setdefault(entry.key.lower(), entry)  # the first of a duplicate key
    try:
        page = json.loads(build.stdout) if build.exit_code == 0 else {}
    except json.JSONDecodeError:
        page = {}
        result.example("failed run", "build wrote no JSON")
    shown = page_entries(page)
    by_key = {entry["key"].lower(): entry for entry in shown}
    measure_failures(result, build, check)
    measure_diagnostics(result, check)
    measure_counts(result, raw, shown)
    measure_venues(result, shown)
    measure_arxiv(result, raw, by_key)
    measure_links(result, shown)
    measure_text(result, shown)
    measure_names(result, raw_by_key, shown)
    spellings = readme_owners(path.parent).get(path.name, [])
    measure_owner(result, page, raw_by_key, shown, spellings)
    return result


def total(results: Sequence[FileResult]) -> FileResult:
    """The sum of every count over ``results`` (owner strings left empty)."""
    summed = FileResult(file=f"total ({len(results)} files)")
    for name, value in asdict(summed).items():
        if name in ("file", "owner", "readme_owner", "examples"):
            continue
        values = [getattr(result, name) for result in results]
        if isinstance(value, dict):
            counter: Counter[str] = Counter()
            for each in values:
                counter.update(each)
            setattr(summed, name, dict(sorted(counter.items())))
        elif name == "family_papers":
            known = [each for each in values if each is not None]
            summed.family_papers = sum(known) if known else None
        else:
            setattr(summed, name, sum(values))
    return summed


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


def percent(part: int, whole: int) -> str:
    """``part`` with its share of ``whole``: "3 (12%)"."""
    return f"{part} ({100 * part / whole:.0f}%)" if whole else str(part)


def counts(mapping: dict[str, int]) -> str:
    """A compact "kind n, kind n" cell, largest first, then by name."""
    items = sorted(mapping.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{name} {count}" for name, count in items if count) or "–"


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def short(name: str) -> str:
    """The file name without ".bib"."""
    return name.removesuffix(".bib")


def pages_table(results: Sequence[FileResult]) -> str:
    """Table 1: what reaches the page, its labels and its links."""
    header = [
        "file", "shown / in file", "lost", "papers with venue", "year-only labels",
        "arXiv ids", "arXiv links", "id, no link", "relative links", "links by kind",
    ]  # fmt: skip
    rows = [
        [
            short(r.file),
            f"{r.on_page} / {r.in_file}" + (f" ({r.not_shown} not shown)" if r.not_shown else ""),
            str(r.lost),
            f"{r.papers_with_venue} / {r.papers}",
            percent(r.year_only_labels, r.papers_with_venue),
            str(r.arxiv_ids),
            str(r.arxiv_links),
            str(r.arxiv_missing),
            str(r.relative_links),
            counts(r.links),
        ]
        for r in results
    ]
    return table(header, rows)


def quality_table(results: Sequence[FileResult]) -> str:
    """Table 2: diagnostics, failures, text quality and the owner."""
    header = [
        "file", "check: err / warn / note", "by code", "unused-field", "tracebacks / bad exits",
        "LaTeX in text", "author count ≠", "name letters ≠", "is_owner / family-name papers",
        "owner on the page", "owner in README",
    ]  # fmt: skip
    rows = [
        [
            short(r.file),
            " / ".join(str(r.severities.get(s, 0)) for s in ("error", "warning", "note")),
            counts(r.codes),
            str(r.unused_field),
            f"{r.tracebacks} / {r.bad_exits}",
            str(r.latex_in_text),
            str(r.name_count_mismatch),
            str(r.name_letters_differ),
            f"{r.owner_papers} / {'–' if r.family_papers is None else r.family_papers}",
            r.owner or "–",
            r.readme_owner or "–",
        ]
        for r in results
    ]
    return table(header, rows)


def report(results: Sequence[FileResult], verbose: bool) -> str:
    """The whole Markdown report: both tables with a total row, and examples if asked."""
    everything = [*results, total(results)]
    parts = [
        "### Pages, labels and links",
        "",
        pages_table(everything),
        "",
        "### Diagnostics, text and owner",
        "",
        quality_table(everything),
    ]
    if verbose:
        for result in results:
            if not result.examples:
                continue
            parts += ["", f"#### {short(result.file)}", ""]
            for measure, examples in sorted(result.examples.items()):
                parts.append(f"- {measure}: " + "; ".join(examples))
    return "\n".join(parts)


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------


def bib_files(paths: Sequence[str]) -> list[Path]:
    """The .bib files named or inside the directories named, sorted by name."""
    found = []
    for name in paths:
        path = Path(name)
        found += sorted(path.glob("*.bib")) if path.is_dir() else [path]
    return sorted(dict.fromkeys(found), key=lambda p: (p.name, str(p)))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "paths", nargs="*", default=[str(DEFAULT_CORPUS)], help="files or directories"
    )
    parser.add_argument(
        "--bibfolio",
        default=str(Path(sys.executable).parent / "bibfolio"),
        help="the bibfolio command (default: next to this Python)",
    )
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    parser.add_argument("--verbose", action="store_true", help="list keys and texts behind them")
    parser.add_argument(
        "--owner-from-readme",
        action="store_true",
        help="give bibfolio the README's owner spellings with --owner instead of its guess",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure every file, print the report; exit 1 if a run crashed or failed."""
    args = parse_args(argv)
    results = []
    for path in bib_files(args.paths):
        print(f"measuring {path.name}", file=sys.stderr)
        owners = readme_owners(path.parent).get(path.name, []) if args.owner_from_readme else []
        results.append(measure_file(path, args.bibfolio, owners))
    if args.json:
        data = {"files": [asdict(r) for r in results], "total": asdict(total(results))}
        if not args.verbose:
            for entry in [*data["files"], data["total"]]:
                entry.pop("examples")
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(report(results, args.verbose))
    return 1 if any(r.tracebacks or r.bad_exits for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
