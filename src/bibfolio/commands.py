"""LaTeX commands defined outside the entries — in a file's ``@preamble``, in ``[macros]`` of
``bibfolio.toml``, and the AAS journal macros (``\\apj``) — expanded in the text shown.

BibTeX writes the preamble at the top of the .bbl, so LaTeX knows its commands before any
entry; bibfolio runs no TeX, so it reads ``\\newcommand``, ``\\renewcommand``,
``\\providecommand``, ``\\DeclareRobustCommand``, ``\\def`` (and ``\\gdef``, ``\\edef``,
``\\xdef``, with ``#1``… parameters, delimited or not) and ``\\let``, and replaces each use
in a field's text before ``latex.py`` decodes it. A definition under ``\\ifx \\undefined
\\name`` is made, as ``\\providecommand``'s, only when ``latex.py`` does not know the name.

Expanding is bounded (``MAX_EXPANSIONS``, ``MAX_LENGTH``): a command that never stops
expanding (``\\def\\a{\\a}``, ``\\def\\a{\\a\\a}``) is left as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

from .cache import digest
from .errors import ConfigError
from .latex_context import is_known_command
from .venues import aas_macros

# Expansions a text may take besides one per command in it, and the characters it may grow
# by: far more than any field needs, and little enough that a runaway costs milliseconds.
MAX_EXPANSIONS = 1000
MAX_LENGTH = 20_000
# Commands left as written for running away, before a text is left as written.
_MAX_RUNAWAYS = 4
# Expansions a set of commands keeps, by text (a long-lived one must not grow without end).
_KEPT_EXPANSIONS = 4096

_CONTROL = re.compile(r"\\(?:([A-Za-z@]+)|.)", re.DOTALL)
_ENDS_WITH_WORD = re.compile(r"\\[A-Za-z@]+$")
_SPACE = re.compile(r"\s*")
_PARAMETER = re.compile(r"#(#|[1-9])")
_NAME = re.compile(r"[A-Za-z@]+")
_COMMAND_NAME = re.compile(r"\\([A-Za-z@]+)")
# A brace, or a backslash and the character it escapes (so "\\{" is not a brace).
_BRACE_OR_ESCAPE = re.compile(r"[{}]|\\.", re.DOTALL)
# Characters of the AAS macros' plain text that LaTeX would read otherwise (A&A).
_SPECIAL = re.compile(r"([&%$#_{}])")
# \newcommand and kin, which take the name in braces or not, a count and a default; \def and
# kin, which take a parameter text; definitions that replace one that exists.
_NEWCOMMANDS = {"newcommand", "renewcommand", "providecommand", "DeclareRobustCommand"}
_DEFS = {"def", "gdef", "edef", "xdef"}
_UNDEFINED = {"undefined", "@undefined"}


@dataclass(frozen=True, slots=True)
class Command:
    """One definition: per parameter, the text that ends its argument ("" for one argument
    in braces, or one token), the replacement with ``#1``…, and the default of an optional
    first argument (``\\newcommand{\\x}[2][d]{…}``)."""

    body: str
    parameters: tuple[str, ...] = ()
    default: str | None = None

    def replacement(self, text: str, at: int) -> tuple[str, int] | None:
        """The replacement of a use whose arguments start at ``at``, and where they end;
        None when an argument is missing (the use is then left as written)."""
        arguments: list[str] = []
        if self.parameters:  # TeX skips the spaces after a command's name
            at = _skip(text, at)
        for index, delimiter in enumerate(self.parameters):
            if index == 0 and self.default is not None:
                argument, at = _bracketed(text, _skip(text, at)) or (self.default, at)
                arguments.append(argument)
                continue
            found = _delimited(text, at, delimiter) if delimiter else _argument(text, at)
            if found is None:
                return None
            argument, at = found
            arguments.append(argument)
        return _PARAMETER.sub(lambda m: _parameter(m, arguments), self.body), at


def _parameter(match: re.Match[str], arguments: list[str]) -> str:
    """What ``#n`` (or ``##``) stands for; a ``#n`` beyond the arguments stays as written."""
    if match[1] == "#":
        return "#"
    number = int(match[1])
    return arguments[number - 1] if number <= len(arguments) else match[0]


@dataclass(frozen=True, slots=True)
class Commands:
    """The commands to expand by name (without the AAS macros, looked up after them), and a
    hash of them for the digests of the entries they make (``key``, "" when there are none)."""

    defined: Mapping[str, Command] = field(default_factory=dict)
    key: str = ""
    # Expansions made, by text: venues and wrapped names repeat across a bibliography.
    _expanded: dict[str, tuple[str, str]] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, defined: Mapping[str, Command]) -> Commands:
        key = repr(sorted(defined.items())) if defined else ""
        return cls(defined, digest(key, size=8) if key else "")

    def over(self, lower: Mapping[str, Command]) -> Commands:
        """These commands, and those of ``lower`` where they define none."""
        return Commands.of({**lower, **self.defined}) if lower else self

    def get(self, name: str) -> Command | None:
        return self.defined.get(name) or aas_commands().get(name)

    def expand(self, text: str) -> tuple[str, str]:
        """``text`` with every command defined here replaced, and "" — or, when expanding a
        command would not stop, with that one left as written, and its name."""
        if "\\" not in text:
            return text, ""
        found = self._expanded.get(text)
        if found is None:
            if not any(self.get(name) for name in _COMMAND_NAME.findall(text)):
                return text, ""
            found = self._expansion(text)
            if len(self._expanded) < _KEPT_EXPANSIONS:
                self._expanded[text] = found
        return found

    def _expansion(self, text: str) -> tuple[str, str]:
        """The expansion of ``text`` without the commands that run away, and the first of
        them (``text`` as it is when there are more than a few)."""
        runaways: list[str] = []
        while len(runaways) <= _MAX_RUNAWAYS:
            expanded, runaway = self._expansion_without(text, runaways)
            if not runaway:
                return expanded, runaways[0] if runaways else ""
            runaways.append(runaway)
        return text, runaways[0]

    def _expansion_without(self, text: str, excluded: list[str]) -> tuple[str, str]:
        """Replace each use of a command but the ``excluded``, then read on from the start
        of its replacement (as TeX does, so a replacement may use commands and take
        arguments from the text after it); stop at the bounds, naming the command."""
        done: list[str] = []
        done_length = 0
        most_expansions = MAX_EXPANSIONS + text.count("\\")
        longest = MAX_LENGTH + len(text)
        last = ""  # the last non-empty text done: a command at its end must stay apart
        pending, at, expansions = text, 0, 0
        while (match := _CONTROL.search(pending, at)) is not None:
            command = self.get(match[1]) if match[1] and match[1] not in excluded else None
            found = command.replacement(pending, match.end()) if command else None
            if found is None:
                at = match.end()
                continue
            replacement, end = found
            if match.start():
                last = pending[: match.start()]
                done.append(last)
                done_length += len(last)
            rest = pending[end:]
            pending = _apart(last, replacement) + replacement + _apart(replacement, rest) + rest
            at = 0
            expansions += 1
            if expansions > most_expansions or done_length + len(pending) > longest:
                return text, match[1]
        return "".join(done) + pending, ""


def _apart(before: str, after: str) -> str:
    """A space when ``after`` would run on into a command that ``before`` ends with."""
    joins = after[:1].isalpha() or after[:1] == "@"
    return " " if joins and _ENDS_WITH_WORD.search(before) else ""


NO_COMMANDS = Commands()


@cache
def aas_commands() -> dict[str, Command]:
    """The AAS journal macros (``\\apj`` → ApJ) that LaTeX's tables lack."""
    return {
        name: Command(_SPECIAL.sub(r"\\\1", text))
        for name, text in aas_macros().items()
        if not is_known_command(name)
    }


def user_commands(macros: Iterable[tuple[str, str]]) -> dict[str, Command]:
    """``[macros]`` of ``bibfolio.toml``: name (a leading backslash allowed) → replacement,
    which takes as many arguments as the highest ``#n`` in it names."""
    commands = {}
    for name, body in macros:
        bare = name.removeprefix("\\")
        if not _NAME.fullmatch(bare):
            raise ConfigError(f'[macros] name "{name}" is not a command name (letters only)')
        count = max((int(n) for n in re.findall(r"(?<!#)#([1-9])", body)), default=0)
        commands[bare] = Command(body, ("",) * count)
    return commands


def read_definitions(text: str, defined: dict[str, Command]) -> None:
    """Add the definitions in ``text`` (a preamble) to ``defined``, in order; other TeX
    (``\\input``, ``\\hyphenation{…}``) is passed over, as are parameter texts bibfolio
    cannot match (text before ``#1``)."""
    provided: set[str] = set()  # names under an \ifx ... \undefined test
    at = 0
    while (match := _CONTROL.search(text, at)) is not None:
        at, word = match.end(), match[1] or ""
        if word == "ifx":
            tested = _CONTROL.findall(text[at : at + 200])[:2]
            provided |= {name for name in tested if name and name not in _UNDEFINED}
        elif word == "fi":
            provided.clear()
        elif word in _NEWCOMMANDS or word in _DEFS or word == "let":
            read = _definition(word, text, at)
            if read is None:
                continue
            name, command, at = read
            provides = word == "providecommand" or name in provided
            if not provides or not (name in defined or is_known_command(name)):
                defined[name] = command


def _definition(word: str, text: str, at: int) -> tuple[str, Command, int] | None:
    """The name, command and end of the definition whose defining command ends at ``at``."""
    if word in _NEWCOMMANDS:
        at = _skip(text, at)
        written = _argument(text, at + text.startswith("*", at))
        if written is None:
            return None
        token, at = written
        options: list[str] = []  # the argument count, then the optional argument's default
        while len(options) < 2 and (option := _bracketed(text, _skip(text, at))) is not None:
            options.append(option[0])
            at = option[1]
        count = options[0].strip() if options else "0"
        body = _argument(text, at)
        if not count.isdigit() or body is None:
            return None
        parameters = ("",) * int(count)
        default = options[1] if len(options) > 1 else None
    else:
        name_token = _CONTROL.match(text, _skip(text, at))
        if name_token is None:
            return None
        token, at = name_token[0], name_token.end()
        if word == "let":
            at = _skip(text, at)
            target = _CONTROL.match(text, _skip(text, at + 1) if text.startswith("=", at) else at)
            return (token[1:], Command(target[0]), target.end()) if target else None
        brace = text.find("{", at)
        found = _parameter_text(text[at:brace]) if brace >= 0 else None
        body = _argument(text, brace) if found is not None else None
        if found is None or body is None:
            return None
        parameters, default = found, None
    name = token.strip().removeprefix("\\")
    if not _NAME.fullmatch(name):
        return None
    return name, Command(body[0], parameters, default), body[1]


def _parameter_text(text: str) -> tuple[str, ...] | None:
    """``#1#2`` as ("", ""), ``#1\\end`` as ("\\end",); None if text comes before ``#1`` or
    the parameters are not numbered 1, 2, … in order."""
    pieces = re.split(r"#([1-9])", text.strip())
    if pieces[0].strip():
        return None
    numbers, delimiters = pieces[1::2], pieces[2::2]
    if numbers != [str(n) for n in range(1, len(numbers) + 1)]:
        return None
    return tuple(d.rstrip() if _ENDS_WITH_WORD.search(d.rstrip()) else d for d in delimiters)


def _skip(text: str, at: int) -> int:
    return _SPACE.match(text, at).end()  # type: ignore[union-attr]  # "\s*" always matches


def _argument(text: str, at: int) -> tuple[str, int] | None:
    """An undelimited argument after ``at``: a brace group's inside, or one token."""
    at = _skip(text, at)
    if at >= len(text) or text[at] == "}":
        return None
    if text[at] == "{":
        end = _group_end(text, at)
        return None if end is None else (text[at + 1 : end - 1], end)
    token = _CONTROL.match(text, at)
    end = token.end() if token else at + 1
    return text[at:end], end


def _delimited(text: str, at: int, delimiter: str) -> tuple[str, int] | None:
    """The argument from ``at`` up to ``delimiter`` outside braces (without the braces of
    an argument that is one group, as TeX strips them)."""
    depth, position, found = 0, at, -1
    while True:
        if depth == 0 and found < position:
            found = text.find(delimiter, position)
            if found < 0:
                return None
        mark = _BRACE_OR_ESCAPE.search(text, position)
        if depth == 0 and (mark is None or found <= mark.start()):
            argument = text[at:found]
            if argument.startswith("{") and _group_end(argument, 0) == len(argument):
                argument = argument[1:-1]
            return argument, found + len(delimiter)
        if mark is None:
            return None
        depth += {"{": 1, "}": -1}.get(mark[0], 0)
        if depth < 0:
            return None
        position = mark.end()


def _bracketed(text: str, at: int) -> tuple[str, int] | None:
    """The inside of ``[...]`` at ``at`` (brackets in braces not counted), and its end."""
    return _delimited(text, at + 1, "]") if text.startswith("[", at) else None


def _group_end(text: str, at: int) -> int | None:
    """Just after the brace that closes the one at ``at``."""
    depth = 0
    for mark in _BRACE_OR_ESCAPE.finditer(text, at):
        depth += {"{": 1, "}": -1}.get(mark[0], 0)
        if depth == 0:
            return mark.end()
    return None
