"""Blocks → records: ``@string`` macros defined and used in order, ``@preamble`` commands
collected, each entry's values evaluated, keys checked, ``crossref``/``xdata`` inherited.

A ``Records`` reader is fed the blocks of every file in order (macros and parents are shared
between files) and says what is wrong as ``Diagnostic``s with the file and line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from .bibtex import (
    Block,
    CommentInEntry,
    EntryBlock,
    Failure,
    PreambleBlock,
    StringBlock,
)
from .cache import digest
from .commands import Command, read_definitions
from .errors import BibfolioError, Diagnostic, Severity
from .links import is_address_field
from .macros import (
    MAX_TOTAL_LENGTH,
    MAX_VALUE_LENGTH,
    MONTH_MACROS,
    MacroState,
    ValueTooLong,
    evaluate_in,
)

# Never copied from a crossref parent: they describe the parent itself (as do its links).
NOT_INHERITED = frozenset(
    {
        *("title", "subtitle", "author", "author+an", "crossref", "xref", "xdata", "ids"),
        *("entryset", "eprint", "archiveprefix", "eprinttype", "role", "selected", "abstract"),
        *("arxiv", "arxivid", "eid", "pages", "note", "additional_info", "award", "award_name"),
        *("pmid", "pubmed_id", "pubmed", "pmcid", "pmc", "mrnumber", "zbl", "zbmath", "doi"),
    }
)
# What a child's field is called when it comes from the parent's title (BibTeX/biblatex).
PARENT_TITLE_AS = "booktitle"

# What evaluating an entry's values gave: its source (see ``Record.source``) and fields.
Evaluated = tuple[str, dict[str, str]]


@dataclass(frozen=True, slots=True)
class Record:
    """One entry block as written: its fields evaluated and inherited, still in LaTeX."""

    key: str
    entry_type: str
    fields: Mapping[str, str]
    path: Path
    line: int | None
    # Names what the fields were evaluated from when that alone decides them (the block's
    # text, and what the macros it uses gave; nothing inherited); else "".
    source: str = ""


@dataclass(slots=True)
class Records:
    """The records of one build so far, and what the blocks read so far define."""

    # serve's memo of evaluated fields, by (block text digest, macros), from the last build.
    memo: Mapping[tuple[str, str], Evaluated] | None = None
    macros: dict[str, str] = field(default_factory=lambda: dict(MONTH_MACROS))
    # ``macros`` named by a hash of the @string definitions read so far, in order.
    macro_state: MacroState = field(init=False)
    records: dict[str, Record] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Where each undefined macro was used: (name, index of its diagnostic).
    undefined_uses: list[tuple[str, int]] = field(default_factory=list)
    # This build's evaluated fields of entries that use macros (for the next build's memo).
    evaluated: dict[tuple[str, str], Evaluated] = field(default_factory=dict)
    # The commands the @preamble blocks of every file define, in order (see ``commands.py``).
    preamble: dict[str, Command] = field(default_factory=dict)
    # How much text evaluating values has given so far (bounded: ``MAX_TOTAL_LENGTH``).
    evaluated_length: int = 0

    def __post_init__(self) -> None:
        self.macro_state = MacroState("", self.macros)

    def report(
        self, severity: Severity, code: str, message: str, path: Path, line: int | None
    ) -> None:
        self.diagnostics.append(Diagnostic(severity, message, path, line, code))

    def read(self, blocks: Iterable[Block], path: Path, offset: int = 0) -> None:
        """Take in a file's blocks, whose lines are ``offset`` lines above the file's."""
        for block in blocks:
            line = block.line + offset
            if isinstance(block, EntryBlock):
                self.add_entry(block, path, offset)
            elif isinstance(block, StringBlock):
                text = self.value(block.parts, path, line, f"@string {block.name}")
                self.define(block.name.lower(), text)
            elif isinstance(block, PreambleBlock):
                read_definitions(self.preamble_text(block, path, line), self.preamble)
            elif isinstance(block, Failure):
                self.report(Severity.ERROR, "syntax-error", block.message, path, line)
            elif isinstance(block, CommentInEntry):
                self.report(
                    Severity.WARNING,
                    "comment-in-entry",
                    f'"%" starts a comment in {block.head} only for biber: BibTeX cannot read '
                    "the entry (bibfolio skips the rest of the line, as biber does)",
                    path,
                    line,
                )

    def define(self, name: str, value: str) -> None:
        """Define (or redefine) a macro, and name the new set of macros."""
        self.macros[name] = value
        key = digest(self.macro_state.key, name, value)
        self.macro_state = MacroState(key, self.macros)

    def preamble_text(self, block: PreambleBlock, path: Path, line: int) -> str:
        """A preamble's value, evaluated as a field's is; one not written as a value
        (``@preamble{\\def\\x{y}}``, which BibTeX refuses) is taken as it is."""
        if block.parts is None or any(part.startswith("\\") for part in block.parts):
            return block.content
        return self.value(block.parts, path, line, "@preamble")

    def value(self, parts: tuple[str, ...], path: Path, line: int | None, what: str) -> str:
        """A value evaluated with the macros so far; ``what`` names it in an error."""
        try:
            result = evaluate_in(parts, self.macro_state)
        except ValueTooLong as error:
            raise BibfolioError(
                f"{what} is {error.args[0]:,} characters long with its macros expanded, over "
                f"the limit of {MAX_VALUE_LENGTH:,}: does a macro repeat another?",
                path,
                line,
            ) from None
        self.evaluated_length += len(result.text)
        if self.evaluated_length > MAX_TOTAL_LENGTH:
            raise BibfolioError(
                f"the values read so far are over {MAX_TOTAL_LENGTH:,} characters long with "
                f"their macros expanded, at {what}: does each macro add to the last, or is a "
                "long one used too often?",
                path,
                line,
            )
        for name in result.undefined:
            self.undefined_uses.append((name.lower(), len(self.diagnostics)))
            self.report(
                Severity.WARNING,
                "undefined-macro",
                f'undefined macro "{name}" (BibTeX reads it as empty)',
                path,
                line,
            )
        return result.text

    def add_entry(self, block: EntryBlock, path: Path, offset: int) -> None:
        line = block.line + offset
        key = block.key
        previous = self.records.get(key)
        if previous is not None:
            self.report(
                Severity.ERROR,
                "duplicate-key",
                f'duplicate key "{key}" (first used at {previous.path}:{previous.line}); '
                "rename one of them",
                path,
                line,
            )
            return
        names = [f.name for f in block.fields]
        if len(set(names)) < len(names):
            # BibTeX warns about a repeated field and uses its first value; so do we.
            repeated = sorted({name for name in names if names.count(name) > 1})
            self.report(
                Severity.WARNING,
                "duplicate-field",
                f'"{key}" repeats {", ".join(repeated)}; the first value is used',
                path,
                line,
            )
        if not key.strip():
            self.report(
                Severity.WARNING,
                "missing-key",
                f"@{block.entry_type} entry has no key; give it one so it can be cited",
                path,
                line,
            )
        if block.after_percent:
            self.report(
                Severity.WARNING,
                "percent-comment",
                f'entry "{key}" is on a line starting with "%", but BibTeX has no '
                "comments outside entries and reads it; delete it to leave it out",
                path,
                line,
            )
        source = block.digest
        if block.texts is not None:  # no value uses a macro
            self.records[key] = Record(key, block.entry_type, block.texts, path, line, source)
            return
        memo_key = (source, self.macro_state.key)
        found = self.memo.get(memo_key) if self.memo is not None else None
        reusable = found is not None
        if found is None:
            reported = len(self.diagnostics)
            found = self.evaluate(block, path, offset, source)
            # An undefined macro is reported by every build: not kept.
            reusable = len(self.diagnostics) == reported
        if reusable:
            self.evaluated[memo_key] = found
        source, evaluated = found
        self.records[key] = Record(key, block.entry_type, evaluated, path, line, source)

    def evaluate(self, block: EntryBlock, path: Path, offset: int, source: str) -> Evaluated:
        """An entry's fields evaluated with the macros defined so far, and its source named
        by what they gave."""
        fields: dict[str, str] = {}
        evaluated: list[str] = []
        for f in block.fields:
            if f.name in fields:  # the first of repeated fields wins
                continue
            text = f.text
            if text is None:
                text = self.value(f.parts, path, f.line + offset, f'"{f.name}"')
                evaluated.append(text)
            fields[f.name] = text
        # The fields follow from the block and what its macros gave (not from every macro
        # defined before it: a @string added above changes no entry that does not use it).
        return f"{source}@{_texts_digest(tuple(evaluated))}", fields

    def explain_late_macros(self) -> None:
        """An "undefined" macro that a later @string defines was used too early: say so."""
        for name, index in self.undefined_uses:
            if name in self.macros:
                self.diagnostics[index] = replace(
                    self.diagnostics[index],
                    message=f'macro "{name}" is used before its @string definition (BibTeX '
                    "reads it as empty); move the definition up",
                )

    def inherit(self) -> None:
        """Fill each record's missing fields from its ``crossref`` and ``xdata`` parents."""
        by_lower_key = {key.lower(): record for key, record in self.records.items()}
        for key, record in list(self.records.items()):
            if "xdata" not in record.fields and "crossref" not in record.fields:
                continue
            parents = [
                ("xdata", name.strip()) for name in record.fields.get("xdata", "").split(",")
            ]
            parents.append(("crossref", record.fields.get("crossref", "").strip()))
            fields = dict(record.fields)
            for relation, parent_key in parents:
                if not parent_key:
                    continue
                parent = by_lower_key.get(parent_key.lower())
                if parent is None:
                    self.report(
                        Severity.WARNING,
                        "missing-parent",
                        f'{relation} "{parent_key}" of "{key}" is not in the .bib files',
                        record.path,
                        record.line,
                    )
                    continue
                for name, value in _inherited_fields(parent, relation).items():
                    fields.setdefault(name, value)
            if fields != record.fields:
                self.records[key] = Record(key, record.entry_type, fields, record.path, record.line)


def _inherited_fields(parent: Record, relation: str) -> dict[str, str]:
    """The fields a child takes from a parent: all but the parent's own identity and links.

    Through ``crossref`` the parent's title becomes the child's ``booktitle``; ``xdata``
    parents give their fields as is.
    """
    fields = {
        k: v for k, v in parent.fields.items() if k not in NOT_INHERITED and not is_address_field(k)
    }
    if relation == "crossref" and parent.fields.get("title"):
        fields.setdefault(PARENT_TITLE_AS, parent.fields["title"])
    return fields


@lru_cache(maxsize=4096)
def _texts_digest(texts: tuple[str, ...]) -> str:
    """A hash of what an entry's macros gave (entries repeat them: ``booktitle = osdi``)."""
    return digest(*texts)
