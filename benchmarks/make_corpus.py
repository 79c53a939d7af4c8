"""Write a deterministic benchmark corpus of exactly N BibTeX entries.

Usage: python benchmarks/make_corpus.py N OUT.bib [--source FILE.bib ...]

Entries are replicated from the sources (by default the project's refs.bib and
tests/data/small.bib) in order, copy after copy, until there are exactly N. Every copy
gets a key suffix (``-c0``, ``-c1``, ...), and ``crossref``/``xdata``-style fields that
point at an entry of the same source are rewritten to point at the same copy. From the
second copy on, each entry is also made a different paper, so that duplicate checks do
not fire on every copy: `` (copy N)`` ends its title, ``-cN`` its DOI, and its arXiv id is
replaced by a new, well-formed one that no real paper has (``3001.10000`` onwards),
everywhere in the entry (``url``, ``howpublished``). ``@string`` and ``@preamble`` blocks
are written once, at the top; ``theme`` and every other field are kept as they are, so
grouping has the same work to do as on a real file. Comments and ``@comment`` blocks are
dropped.

Pure standard library: the entries are split with a small brace-depth scanner, not with
bibfolio or bibtexparser, so the generator works whatever state the package is in. The
same arguments always give a byte-identical file.
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SOURCES = (REPO / "refs.bib", REPO / "tests" / "data" / "small.bib")

_AT_TYPE = re.compile(r"@[ \t]*([A-Za-z][\w:+.-]*)[ \t\r\n]*([{(])")
_KEY = re.compile(r"[ \t\r\n]*([^,\s{}()\"=#%]+)[ \t\r\n]*,")
_STRING_NAME = re.compile(r"[ \t\r\n]*([^\s=#{}(),\"%]+)[ \t\r\n]*=")
# A field name at the start of a field: after the key's comma or a previous field's comma.
_FIELD_START = r"(?P<lead>[,{(]\s*)"
# Fields whose value names other entries by key (BibTeX and biblatex).
_KEY_FIELDS = re.compile(
    _FIELD_START + r"(?P<head>(?:crossref|xref|xdata|related|set|entryset)\s*=\s*)"
    r"(?P<open>[{\"])(?P<keys>[^{}\"]*)(?P<close>[}\"])",
    re.IGNORECASE,
)
_ARXIV_ID = re.compile(r"\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7}", re.IGNORECASE)


@dataclass(frozen=True)
class Block:
    """One ``@type{...}`` block of a .bib file."""

    kind: str  # lower-case entry type: "article", "string", "preamble", ...
    key: str  # the entry key, or the macro name of an @string ("" for @preamble)
    text: str  # the whole block, from "@" to the closing delimiter


@dataclass
class Source:
    """The blocks of one source file, by kind."""

    path: Path
    strings: list[Block]
    preambles: list[Block]
    entries: list[Block]


def _block_end(text: str, start: int, opener: str) -> int:
    """Return the index just past the delimiter that closes the block opened at ``start``.

    Braces nest; in a ``@type(...)`` block a ``)`` closes only outside braces and quotes.
    Raises ValueError when the file ends first.
    """
    depth = 0
    in_quote = False
    for i in range(start + 1, len(text)):
        char = text[i]
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                if opener == "{":
                    return i + 1
                raise ValueError("unbalanced '}'")
            depth -= 1
        elif opener == "(" and depth == 0:
            if char == '"':
                in_quote = not in_quote
            elif char == ")" and not in_quote:
                return i + 1
    raise ValueError("the file ends inside the block")


def _line_of(text: str, index: int) -> int:
    """1-based line number of ``index`` in ``text``."""
    return text.count("\n", 0, index) + 1


def split_blocks(text: str, name: str) -> list[Block]:
    """Split a .bib file into ``@`` blocks with a brace-depth scanner.

    Text between blocks is ignored, as BibTeX ignores it; a ``@`` on a line that starts
    with ``%`` is taken as part of a comment (as bibtexparser does).
    """
    blocks: list[Block] = []
    pos = 0
    while (at := text.find("@", pos)) != -1:
        line_start = text.rfind("\n", 0, at) + 1
        if text[line_start:at].lstrip().startswith("%"):
            pos = at + 1
            continue
        match = _AT_TYPE.match(text, at)
        if match is None:
            pos = at + 1
            continue
        kind = match.group(1).lower()
        opener_at = match.end() - 1
        try:
            end = _block_end(text, opener_at, match.group(2))
        except ValueError as error:
            raise SystemExit(
                f"{name}:{_line_of(text, at)}: cannot split @{kind}: {error}"
            ) from None
        body = text[opener_at + 1 : end - 1]
        key = ""
        if kind == "string":
            key_match = _STRING_NAME.match(body)
            key = key_match.group(1) if key_match else ""
        elif kind not in ("preamble", "comment"):
            key_match = _KEY.match(body)
            if key_match is None:
                raise SystemExit(f"{name}:{_line_of(text, at)}: @{kind} has no key")
            key = key_match.group(1)
        blocks.append(Block(kind, key, text[at:end]))
        pos = end
    return blocks


def read_source(path: Path) -> Source:
    """Read and split one source file (UTF-8, else Latin-1 with a note on stderr)."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        print(f"note: {path} is not UTF-8; reading it as Latin-1", file=sys.stderr)
        text = raw.decode("latin-1")
    source = Source(path, [], [], [])
    for block in split_blocks(text, str(path)):
        if block.kind == "string":
            source.strings.append(block)
        elif block.kind == "preamble":
            source.preambles.append(block)
        elif block.kind != "comment":
            source.entries.append(block)
    return source


def _string_value(block: Block) -> str:
    """The text of an @string block after its ``=``, with whitespace normalised."""
    value = block.text.split("=", 1)[1] if "=" in block.text else ""
    return " ".join(value.split())


def header_blocks(sources: list[Source]) -> list[str]:
    """@preamble and @string blocks of all sources, each once, in order of appearance.

    A macro defined again with another value keeps its first definition (BibTeX would
    take the last one); this is reported on stderr.
    """
    preambles: list[str] = []
    strings: dict[str, Block] = {}
    for source in sources:
        for block in source.preambles:
            if block.text not in preambles:
                preambles.append(block.text)
        for block in source.strings:
            name = block.key.lower()
            first = strings.setdefault(name, block)
            if first is not block and _string_value(first) != _string_value(block):
                print(
                    f"note: @string{{{block.key}}} in {source.path} differs from an earlier"
                    " definition; the corpus keeps the first",
                    file=sys.stderr,
                )
    return preambles + [block.text for block in strings.values()]


def unique_entries(sources: list[Source]) -> list[tuple[int, Block]]:
    """All entries as (source index, block), dropping keys already seen (case-insensitive)."""
    seen: set[str] = set()
    entries: list[tuple[int, Block]] = []
    for index, source in enumerate(sources):
        for block in source.entries:
            folded = block.key.lower()
            if folded in seen:
                print(
                    f"note: dropping duplicate key {block.key!r} in {source.path}", file=sys.stderr
                )
                continue
            seen.add(folded)
            entries.append((index, block))
    return entries


def _field_value(text: str, name: str) -> tuple[int, int] | None:
    """Start and end of the braced or quoted value of field ``name`` (delimiters excluded);
    None when the entry has no such field or its value is a macro or a number."""
    field = re.compile(_FIELD_START + name + r"\s*=\s*", re.IGNORECASE).search(text)
    if field is None or field.end() >= len(text) or text[field.end()] not in '{"':
        return None
    start = field.end()
    depth = 0
    for i in range(start + 1, len(text)):
        char = text[i]
        if char == "{":
            depth += 1
        elif char == "}" and depth > 0:
            depth -= 1
        elif depth == 0 and char == ("}" if text[start] == "{" else '"'):
            return start + 1, i
    return None


def new_arxiv_ids() -> Iterator[str]:
    """Well-formed arXiv ids that no real paper has: 3001.10000, 3001.10001, ... (2030 on)."""
    for serial in itertools.count():
        bucket, number = divmod(serial, 90_000)
        year, month = divmod(bucket, 12)
        yield f"{30 + year:02d}{month + 1:02d}.{10_000 + number}"


def make_distinct(text: str, copy: int, arxiv_ids: Iterator[str]) -> str:
    """Give a copy of an entry its own title, DOI and arXiv id (see the module docstring)."""
    eprint = _field_value(text, "eprint")
    old_id = _ARXIV_ID.search(text, *eprint) if eprint else None
    if old_id is not None:
        pattern = r"(?<![\w.])" + re.escape(old_id.group()) + r"(?![\w])"
        text = re.sub(pattern, next(arxiv_ids), text)
    doi = _field_value(text, "doi")
    if doi is not None and doi[1] > doi[0]:
        old_doi = text[doi[0] : doi[1]].strip()
        text = text.replace(old_doi, f"{old_doi}-c{copy}")
    title = _field_value(text, "title")
    if title is not None:
        text = f"{text[: title[1]]} (copy {copy}){text[title[1] :]}"
    return text


def copy_entry(block: Block, copy: int, source_keys: set[str], arxiv_ids: Iterator[str]) -> str:
    """Copy number ``copy`` of an entry: its key and the keys it refers to get ``-c{copy}``;
    from copy 1 on, its title, DOI and arXiv id are made distinct too."""
    suffix = f"-c{copy}"
    text = block.text
    opener = _AT_TYPE.match(text)
    assert opener is not None  # split_blocks matched it already
    key_match = _KEY.match(text, opener.end())
    assert key_match is not None
    text = text[: key_match.start(1)] + block.key + suffix + text[key_match.end(1) :]

    def rename(match: re.Match[str]) -> str:
        keys = [
            key + suffix if key.strip().lower() in source_keys else key
            for key in match.group("keys").split(",")
        ]
        return match["lead"] + match["head"] + match["open"] + ",".join(keys) + match["close"]

    text = _KEY_FIELDS.sub(rename, text)
    return make_distinct(text, copy, arxiv_ids) if copy > 0 else text


def make_corpus(count: int, paths: list[Path]) -> str:
    """Return the text of a corpus with exactly ``count`` entries replicated from ``paths``."""
    sources = [read_source(path) for path in paths]
    entries = unique_entries(sources)
    if count > 0 and not entries:
        raise SystemExit("error: the sources contain no entries")
    keys_by_source = [{block.key.lower() for block in source.entries} for source in sources]
    names = ", ".join(path.name for path in paths)
    parts = [f"% Benchmark corpus: {count} entries replicated from {names} by make_corpus.py.\n\n"]
    parts.extend(f"{text}\n" for text in header_blocks(sources))
    arxiv_ids = new_arxiv_ids()
    for number in range(count):
        copy, index = divmod(number, len(entries))
        source_index, block = entries[index]
        text = copy_entry(block, copy, keys_by_source[source_index], arxiv_ids)
        parts.append(f"\n{text}\n")
    return "".join(parts)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, metavar="N", help="number of entries to write")
    parser.add_argument("output", type=Path, metavar="OUT.bib", help="file to write")
    parser.add_argument(
        "--source",
        action="append",
        type=Path,
        metavar="FILE.bib",
        help="a .bib file to replicate; repeat for several (default: refs.bib, small.bib)",
    )
    args = parser.parse_args(argv)
    if args.count < 0:
        parser.error("N must be >= 0")
    return args


def main(argv: list[str] | None = None) -> int:
    """Write the corpus and say what was written."""
    args = parse_args(argv)
    paths = args.source or list(DEFAULT_SOURCES)
    text = make_corpus(args.count, paths)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {args.output}: {args.count} entries from {len(paths)} source(s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
