"""BibTeX's grammar, read as BibTeX and biber read it: a file's text → blocks with their lines.

One pass over the text. Outside blocks everything is a comment, up to an ``@`` that starts
one: ``@type{…}`` or ``@type(…)``, white space allowed after the ``@`` and before the
delimiter at the start of a line (mid-line, in a sentence or an e-mail address, only
``@type{`` written together starts a block). Entries hold ``name = value`` fields, a value
being ``{braced}`` or ``"quoted"`` text (a ``"`` inside braces does not end it), numbers and
``@string`` macro names, joined by ``#``. A ``%`` outside values comments out the rest of its
line, as biber reads it (BibTeX has no comments: ``CommentInEntry`` says so).

A block that does not close before the next line starting a block is reported there and
not read further, so one missing ``}`` costs one entry, not the rest of the file. Nothing is
raised: what cannot be read is a ``Failure`` block, in bibfolio's words, at its line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from sys import intern

from .cache import digest

# Characters that end a name (an entry type, a field or macro name, a number).
_NAME = re.compile(r"[^\s\"#%'(),={}]+")
_KEY = re.compile(r"[^\s\"#%',={}()]*")
# White space and biber's "%" comments between the parts of a block.
_GAP = re.compile(r"(?:\s+|%[^\n]*)*")
_HEAD_LOOSE = re.compile(r"@\s*([^\s\"#%'(),={}]+)\s*([{(])")
_HEAD_TIGHT = re.compile(r"@([^\s\"#%'(),={}]+)([{(])")
# The next line that starts a block: where a block left open is given up.
_NEXT_HEAD = re.compile(r"\n[ \t]*@[ \t]*[^\s\"#%'(),={}]+[ \t]*[{(]")
_LINE_START = re.compile(r"[^\S\n]*(%[^\S\n]*)?")


def _balanced(depth: int, also_excluded: str = "") -> str:
    """A regex for text whose braces balance, nested up to ``depth``, written so that it
    never backtracks far (each loop turn starts with a brace)."""
    inner = r"[^{}]*"
    for _ in range(depth):
        inner = r"[^{}]*(?:\{" + inner + r"\}[^{}]*)*"
    plain = "[^{}" + also_excluded + "]*"
    return plain + r"(?:\{" + inner + r"\}" + plain + ")*"


# Values nested deeper than this are read by ``_scan_delimited``.
_BRACED = re.compile(r"\{" + _balanced(4) + r"\}")
_QUOTED = re.compile('"' + _balanced(4, '"') + '"')
# What ``_scan_delimited`` looks for, by the closer it is after.
_CLOSERS = {closer: re.compile("[{}" + re.escape(closer) + "]") for closer in ('"', "}", ")")}
# One part of a value, and the common field read in one match: ``name = value`` (white
# space around it, no "%" comment), then "," or the block's end.
_PART = "(?:" + _BRACED.pattern + "|" + _QUOTED.pattern + r"|[^\s\"#%'(),={}]+)"
_PARTS = re.compile(_PART)
_PLAIN_FIELD = re.compile(
    r"\s*([^\s\"#%'(),={}]+)\s*=\s*(" + _PART + r")((?:\s*#\s*" + _PART + r")*)\s*([,})])"
)


@dataclass(slots=True)  # not frozen: a frozen dataclass takes twice as long to make
class Field:
    """``name = value``: the name in lower case, the value's parts as written (``{braced}``,
    ``"quoted"``, ``2024``, ``macro``), and its text when it uses no macro (else None)."""

    name: str
    parts: tuple[str, ...]
    text: str | None
    line: int


@dataclass(frozen=True, slots=True)
class EntryBlock:
    """``@type{key, fields}``; ``text`` is the block as written (what its fields come
    from), ``after_percent`` whether its line starts with ``%`` (BibTeX still reads it).

    ``digest`` names ``text``, and ``texts`` holds the fields' texts by name (the first of
    repeated names, as BibTeX reads them) when no value uses a macro, else None: made once
    here, they are reused with the block (``serve`` keeps blocks from one rebuild to the
    next)."""

    entry_type: str
    key: str
    fields: tuple[Field, ...]
    line: int
    text: str
    after_percent: bool
    digest: str = field(init=False)
    texts: Mapping[str, str] | None = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "digest", digest(self.text))
        texts: dict[str, str] | None = {}
        for f in self.fields:
            if f.text is None:
                texts = None
                break
            texts.setdefault(f.name, f.text)  # type: ignore[union-attr]  # None: left
        object.__setattr__(self, "texts", texts)


@dataclass(frozen=True, slots=True)
class StringBlock:
    """``@string{name = value}``: a macro definition."""

    name: str
    parts: tuple[str, ...]
    text: str | None
    line: int


@dataclass(frozen=True, slots=True)
class PreambleBlock:
    """``@preamble{…}``: its value's parts, or None when it is not written as a value
    (``@preamble{\\def\\x{y}}``, which BibTeX refuses), and its content as written."""

    parts: tuple[str, ...] | None
    content: str
    line: int


@dataclass(frozen=True, slots=True)
class CommentInEntry:
    """A ``%`` comment inside a block, which biber skips and BibTeX cannot read."""

    head: str
    line: int


@dataclass(frozen=True, slots=True)
class Failure:
    """A block that cannot be read: why, and the line where the trouble is."""

    message: str
    line: int


Block = EntryBlock | StringBlock | PreambleBlock | CommentInEntry | Failure

UNENDED = 'it does not end before the next entry or the end of the file (a "}" missing?)'


class _Unreadable(Exception):
    """Raised inside a block to give it up: the message and where the trouble is."""

    def __init__(self, message: str, at: int) -> None:
        super().__init__(message)
        self.at = at


@dataclass(frozen=True, slots=True)
class Chunk:
    """A file's text from a line that starts a block up to the next such line, and its
    first line. No block reaches past the end of its chunk, so a chunk's blocks are the same
    wherever it is in the file: a reader may keep them by its text."""

    line: int
    text: str


def read_blocks(text: str) -> Iterator[Block]:
    """Every block of a .bib file's text (or a chunk's), in order, with 1-based lines."""
    return _Reader(text).blocks()


def split_chunks(text: str) -> list[Chunk]:
    """A file's text cut before every line that starts a block."""
    chunks = []
    line, start = 1, 0
    for head in _NEXT_HEAD.finditer(text):
        end = head.start() + 1
        chunks.append(Chunk(line, text[start:end]))
        line += text.count("\n", start, end)
        start = end
    chunks.append(Chunk(line, text[start:]))
    return chunks


class _Reader:
    """The text and how far it has been read; lines are counted as the reading moves on."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.counted_to = 0
        self.counted_line = 1
        self.comments: list[CommentInEntry] = []

    def line_at(self, at: int) -> int:
        """The 1-based line of position ``at`` (positions asked for mostly only grow)."""
        if at < self.counted_to:
            return self.text.count("\n", 0, at) + 1
        self.counted_line += self.text.count("\n", self.counted_to, at)
        self.counted_to = at
        return self.counted_line

    def blocks(self) -> Iterator[Block]:
        text = self.text
        at = 0
        last_end = 0
        while (at := text.find("@", at)) >= 0:
            line_start = text.rfind("\n", 0, at) + 1
            prefix = _LINE_START.match(text, line_start)
            after_percent = prefix is not None and prefix.group(1) is not None
            starts_line = prefix is not None and prefix.end() == at
            after_block = not text[max(line_start, last_end) : at].strip()
            head = (_HEAD_LOOSE if starts_line or after_block else _HEAD_TIGHT).match(text, at)
            if head is None:
                at += 1
                continue
            kind = head.group(1).lower()
            limit_match = _NEXT_HEAD.search(text, head.end())
            limit = limit_match.start() + 1 if limit_match else len(text)
            if kind == "comment":
                at = last_end = self.skip_comment(head.end(), head.group(2), limit)
                continue
            self.comments = []
            try:
                block, end = self.block(kind, at, head.end(), head.group(2), limit, after_percent)
            except _Unreadable as problem:
                yield from self.comments
                yield Failure(f"cannot read {_head(text, at)}: {problem}", self.line_at(problem.at))
                at = last_end = limit
                continue
            yield from self.comments
            yield block
            at = last_end = end

    def skip_comment(self, body: int, opening: str, limit: int) -> int:
        """Past ``@comment{…}`` (braces balanced, as biber reads it); when it does not close
        before the next line that starts a block, past the word alone, as BibTeX reads it
        (entries "commented out" inside it are read, as BibTeX reads them)."""
        end = _scan_delimited(self.text, body - 1, limit, "}" if opening == "{" else ")")
        return end if end is not None else body

    def block(
        self, kind: str, at: int, body: int, opening: str, limit: int, after_percent: bool
    ) -> tuple[Block, int]:
        closer = "}" if opening == "{" else ")"
        line = self.line_at(at)
        if kind == "preamble":
            end = _scan_delimited(self.text, body - 1, limit, closer)
            if end is None:
                raise _Unreadable(UNENDED, at)
            content = self.text[body : end - 1]
            parts: tuple[str, ...] | None
            try:
                parts, after = self.value(self.gap(body, end - 1, at), end - 1, at)
            except _Unreadable:
                parts = None
            else:
                parts = parts if self.gap(after, end - 1, at) == end - 1 else None
            return PreambleBlock(parts, content, line), end
        if kind == "string":
            macro, after = self.field(self.gap(body, limit, at), limit, at)
            after = self.gap(after, limit, at)
            if not self.text.startswith(closer, after) or after >= limit:
                self.missing_end(after, limit, at, macro.name)
            return StringBlock(macro.name, macro.parts, macro.text, line), after + 1
        return self.entry(intern(kind), at, body, closer, limit, line, after_percent)

    def entry(
        self,
        kind: str,
        at: int,
        body: int,
        closer: str,
        limit: int,
        line: int,
        after_percent: bool,
    ) -> tuple[Block, int]:
        text = self.text
        start = self.gap(body, limit, at)
        key_match = _KEY.match(text, start, limit)
        key = key_match.group() if key_match else ""
        position = self.gap(start + len(key), limit, at)
        next_char = text[position] if position < limit else ""
        if next_char == "=":  # no key: the first field follows at once
            key, position = "", start
        elif next_char == ",":
            position += 1
        elif next_char != closer:
            self.missing_end(position, limit, at, None)
        fields = []
        while True:
            plain = _PLAIN_FIELD.match(text, position, limit)
            if plain is not None and plain[4] in (",", closer):
                name, value, more, separator = plain.groups()
                parts = (value, *_PARTS.findall(more)) if more else (value,)
                field_line = self.line_at(plain.start(1))
                value_text = None if more else _literal_part(value)
                fields.append(Field(intern(name.lower()), parts, value_text, field_line))
                position = plain.end()
                if separator == closer:
                    block = EntryBlock(
                        kind, key, tuple(fields), line, text[at:position], after_percent
                    )
                    return block, position
                continue
            position = self.gap(position, limit, at)
            if position >= limit:
                raise _Unreadable(UNENDED, at)
            if text[position] == closer:
                end = position + 1
                return EntryBlock(kind, key, tuple(fields), line, text[at:end], after_percent), end
            field, position = self.field(position, limit, at)
            fields.append(field)
            position = self.gap(position, limit, at)
            if position < limit and text[position] == ",":
                position += 1
            elif position >= limit or text[position] != closer:
                self.missing_end(position, limit, at, field.name)

    def field(self, at: int, limit: int, block: int) -> tuple[Field, int]:
        """``name = value`` from ``at``, and where the value ends."""
        text = self.text
        line = self.line_at(at)
        name_match = _NAME.match(text, at, limit)
        if name_match is None:
            if at >= limit:
                raise _Unreadable(UNENDED, block)
            raise _Unreadable(f'"{text[at]}" where a field name should be', at)
        name = intern(name_match.group().lower())
        equals = self.gap(name_match.end(), limit, block)
        if equals >= limit or text[equals] != "=":
            raise _Unreadable(f'"=" missing after the field name "{name_match.group()}"', equals)
        parts, end = self.value(self.gap(equals + 1, limit, block), limit, block, name)
        return Field(name, parts, _literal(parts), line), end

    def value(self, at: int, limit: int, block: int, name: str = "") -> tuple[tuple[str, ...], int]:
        """The parts of a value from ``at``, joined by ``#``, and where the value ends."""
        text = self.text
        parts = []
        while True:
            char = text[at] if at < limit else ""
            if char in {"{", '"'}:
                pattern = _BRACED if char == "{" else _QUOTED
                match = pattern.match(text, at, limit)
                closer = "}" if char == "{" else '"'
                end = match.end() if match else _scan_delimited(text, at, limit, closer)
                if end is None:
                    raise _Unreadable(UNENDED, block)
            else:
                match = _NAME.match(text, at, limit)
                if match is None:
                    if at >= limit:
                        raise _Unreadable(UNENDED, block)
                    what = f'the value of "{name}"' if name else "a value"
                    raise _Unreadable(f'{what} is missing (found "{char}")', at)
                end = match.end()
            parts.append(text[at:end])
            after = self.gap(end, limit, block)
            if after >= limit or text[after] != "#":
                return tuple(parts), end
            at = self.gap(after + 1, limit, block)

    def gap(self, at: int, limit: int, block: int) -> int:
        """Past white space and ``%`` comments (each noted: only biber reads them)."""
        end = _GAP.match(self.text, at, limit).end()  # type: ignore[union-attr]  # matches ""
        if end > at and "%" in self.text[at:end]:
            comment = self.text.find("%", at, end)
            while comment >= 0:
                self.comments.append(CommentInEntry(_head(self.text, block), self.line_at(comment)))
                line_end = self.text.find("\n", comment, end)
                comment = self.text.find("%", line_end, end) if line_end >= 0 else -1
        return end

    def missing_end(self, at: int, limit: int, block: int, name: str | None) -> None:
        """Raise for what follows a key or value where a "," or the block's end should be."""
        if at >= limit:
            raise _Unreadable(UNENDED, block)
        rest = _first_line(self.text[at:limit])
        after = f'the value of "{name}"' if name is not None else "the key"
        raise _Unreadable(f'"," missing after {after} (it runs on into "{rest}")', at)


def _scan_delimited(text: str, at: int, limit: int, closer: str) -> int | None:
    """Just past the ``closer`` that ends what opens at ``at`` (``{`` or ``"``, or a block's
    ``{``/``(``), braces inside counted; None when it does not end before ``limit`` or a
    ``}`` closes nothing."""
    depth = 0
    for mark in _CLOSERS[closer].finditer(text, at + 1, limit):
        char = mark.group()
        if char == "{":
            depth += 1
        elif char == "}" and depth > 0:
            depth -= 1
        elif char == "}" and closer != "}":
            return None  # a "}" that closes nothing, inside quotes or parentheses
        elif depth == 0:  # the closer, outside braces
            return mark.end()
    return None


def _literal(parts: tuple[str, ...]) -> str | None:
    """The text of a value that uses no macro (one braced, quoted or numeric part)."""
    return _literal_part(parts[0]) if len(parts) == 1 else None


def _literal_part(part: str) -> str | None:
    """The text of one part of a value, unless it is a macro name."""
    if part[0] in '{"':
        return part[1:-1]
    return part if part.isdigit() else None


def _head(text: str, at: int) -> str:
    """How the block at ``at`` starts (``@misc{key``), to name it in a message."""
    return _first_line(text[at : at + 200].split(",", 1)[0])


def _first_line(text: str) -> str:
    """Text up to its first line break of any kind (a message is one line)."""
    lines = text.splitlines()
    return lines[0].strip() if lines else ""
