"""Parse author lists into people, and find the site owner among them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from .cache import digest
from .latex import to_unicode
from .model import Entry, Kind, Person

# A trailing "*" on a name is the common shorthand for an equal contribution.
COFIRST_MARK = "*"
_ANNOTATION_ITEM = re.compile(r"^\s*(\d+)\s*(?::\s*[\w-]+\s*)?=\s*(.*?)\s*$")
# "AC", "JRR": two or three capitals and nothing else are initials, not a name.
_RUN_OF_INITIALS = re.compile(r"[^\W\d_a-z]{2,3}")
_NAME_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)
_AND = re.compile(r"[ \r\n\t]+[aA][nN][dD][ \r\n\t]+")
_AND_OR_BRACE = re.compile(rf"[{{}}]|{_AND.pattern}")
_BRACE = re.compile(r"[{}]")
_BRACE_OR_COMMA = re.compile(r"[{},]")
# A command with an argument, or a group opened by a switch: ``\textbf{``, ``{\bf ``.
_WRAPPER = re.compile(r"\\[A-Za-z]{2,}\s*\{|\{\\[A-Za-z]{2,}\s+")
# A tilde accent, ``\~{n}`` or ``\~n``, which braces keep out of the name parser's reach.
_TILDE_ACCENT = re.compile(r"\\~(?:\{[^{}]*\}|[^\s{])")
# biblatex's extended name format: the name parts biber reads, in ``Person``'s order (given,
# prefix, family, suffix), and the keys it also allows, which say nothing about the name.
_NAME_PARTS = ("given", "prefix", "family", "suffix")
_EXTENDED_KEYS = frozenset(
    (*_NAME_PARTS, *(f"{part}-i" for part in _NAME_PARTS), "id", "useprefix", "uniquename")
)
_EXTENDED_ITEM = re.compile(r"\s*(?P<key>[A-Za-z-]+)\s*=\s*(?P<value>.*?)\s*", re.DOTALL)


@dataclass(frozen=True, slots=True)
class AuthorList:
    """The people of an ``author`` field, and whether it ended in ``and others``."""

    people: tuple[Person, ...]
    et_al: bool = False


def parse_person(latex_name: str, is_cofirst: bool = False) -> Person:
    """Split one BibTeX name (``von Last, Jr, First`` or ``First von Last``) into a Person."""
    person = _parse_name(latex_name.strip())
    return _as_cofirst(person) if is_cofirst and not person.is_cofirst else person


@lru_cache(maxsize=4096)
def _as_cofirst(person: Person) -> Person:
    """``person`` marked co-first, made once per person (``replace`` is slow)."""
    return replace(person, is_cofirst=True)


@lru_cache(maxsize=4096)
def _parse_name(text: str) -> Person:
    """The cached part of ``parse_person``: the same names recur on many papers."""
    extended = _extended_name(text)
    if extended is not None:
        return extended
    if "\\" in text:
        text = _unwrapped(text)
        # bibtexparser reads the "~" of an accent as a tie, a space: Oca\~{n}a -> "Oca na".
        text = _TILDE_ACCENT.sub(r"{\g<0>}", text)
    # A "*" before or after a name marks an equal contribution: "*Beck, E. D.", "Zheng *".
    is_cofirst = text.startswith(COFIRST_MARK) or text.endswith(COFIRST_MARK)
    text = text.strip(COFIRST_MARK + " ")
    from bibtexparser.middlewares.names import parse_single_name_into_parts

    parts = parse_single_name_into_parts(text, strict=False)
    first, von, last, jr = (
        to_unicode(" ".join(words)) for words in (parts.first, parts.von, parts.last, parts.jr)
    )
    # A mark written as "Zheng*, Lianmin" ends up inside the last name.
    if last.endswith(COFIRST_MARK):
        last, is_cofirst = last[: -len(COFIRST_MARK)].rstrip(), True
    return Person(first=first, von=von, last=last, jr=jr, is_cofirst=is_cofirst)


def _unwrapped(text: str) -> str:
    """``text`` without the commands and switch groups that only format what they hold.

    Files bold or underline the owner: ``\\textbf{Beck, E. D.}``, ``{\\bf Ada Lovelace}``,
    ``\\mkbibbold{Ferguson}``. Wrapping the whole name hides its comma and spaces from the
    name parser, which then reads it as one family name. A wrapper is a command or a switch
    whose text is its argument's, so ``\\noopsort{a}`` (no text) and ``\\c{c}`` (ç) stay.
    """
    start = 0
    while match := _WRAPPER.search(text, start):
        opening = match.end() - 1 if text[match.end() - 1] == "{" else match.start()
        close = _closing_brace(text, opening)
        inner, wrapped = text[match.end() : close], text[match.start() : close + 1]
        if close > 0 and inner.strip() and to_unicode(wrapped) == to_unicode(inner):
            text, start = text[: match.start()] + inner + text[close + 1 :], match.start()
        else:
            start = match.start() + 1
    return text


def _closing_brace(text: str, opening: int) -> int:
    """The index of the brace closing the one at ``opening``, or -1 when it is not closed."""
    depth = 0
    for brace in _BRACE.finditer(text, opening):
        depth += 1 if brace.group() == "{" else -1
        if not depth:
            return brace.start()
    return -1


def _extended_name(text: str) -> Person | None:
    """A name in biblatex's extended format (``family=Smith, given=Jo, prefix=van``), read as
    biber reads it; None for a name in BibTeX's format.

    A name is extended only when every comma-separated part is ``key=value`` with a key biber
    knows, so a family name with an "=" in it stays a name.
    """
    if "=" not in text:
        return None
    parts: dict[str, str] = {}
    for part in _split_outside_braces(text, _BRACE_OR_COMMA):
        item = _EXTENDED_ITEM.fullmatch(part)
        if item is None or item["key"].lower() not in _EXTENDED_KEYS:
            return None
        parts[item["key"].lower()] = item["value"]
    first, von, last, jr = (to_unicode(parts.get(key, "")) for key in _NAME_PARTS)
    return Person(first=first, von=von, last=last, jr=jr) if last or first else None


def parse_authors(latex_authors: str, annotation: str = "") -> AuthorList:
    """Parse an author field, marking co-first authors from ``*`` and ``author+an``."""
    cofirst_positions = equal_contribution_positions(annotation)
    people: list[Person] = []
    et_al = False
    for raw in split_names(latex_authors):
        if raw.strip().lower() == "others":
            et_al = True
            continue
        people.append(parse_person(raw, is_cofirst=len(people) + 1 in cofirst_positions))
    return AuthorList(tuple(people), et_al)


def split_names(latex_authors: str) -> list[str]:
    """Split an author field at " and " outside braces, as BibTeX does.

    BibTeX counts every brace, a command's too (``\\L{}ukasz``), and no other character is
    special: bibtexparser's splitter skips the character after a backslash and so cut the
    first letters off a name that starts with a command. Fields without braces, most of them,
    are split with one regular expression; the others in one pass over their braces and "and"s.
    """
    names = latex_authors.strip(" \r\n\t")
    if not names:
        return []
    if "{" not in names and "}" not in names:
        return _AND.split(names)
    return _split_outside_braces(names, _AND_OR_BRACE)


def _split_outside_braces(text: str, separator_or_brace: re.Pattern[str]) -> list[str]:
    """``text`` split at the matches of ``separator_or_brace`` that are not braces and not
    inside braces, in one pass over those matches."""
    parts: list[str] = []
    start = depth = 0
    for match in separator_or_brace.finditer(text):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(depth - 1, 0)
        elif not depth:
            parts.append(text[start : match.start()])
            start = match.end()
    parts.append(text[start:])
    return parts


@lru_cache(maxsize=1024)
def equal_contribution_positions(annotation: str) -> frozenset[int]:
    """1-based positions marked ``equal`` in a biblatex annotation: ``1=equal; 2=equal``.

    Cached: the same few annotations recur on many entries."""
    positions: set[int] = set()
    for item in annotation.split(";"):
        match = _ANNOTATION_ITEM.match(item)
        if match and "equal" in (word.strip().lower() for word in match.group(2).split(",")):
            positions.add(int(match.group(1)))
    return frozenset(positions)


def fold(text: str) -> str:
    """Lower-case and strip accents, so ``Müller``, ``Muller`` and ``MÜLLER`` compare equal."""
    if text.isascii():  # most text, and much faster
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def _given_tokens(person: Person) -> list[str]:
    """The given-name words, folded: ``Joseph E.`` → ``["joseph", "e"]``; initials run
    together as Google Scholar writes them (``AC``, ``RM``) are read one by one."""
    tokens: list[str] = []
    for word in _NAME_TOKEN.findall(person.first):
        tokens.extend(word if _RUN_OF_INITIALS.fullmatch(word) else [word])
    return [fold(token) for token in tokens]


def _family_name(person: Person) -> str:
    """The folded family name including its von part, without spaces or punctuation."""
    return "".join(_NAME_TOKEN.findall(fold(f"{person.von} {person.last}")))


def _words_agree(x: str, y: str) -> bool:
    """Two folded name words agree when equal or when one is the other's initial."""
    return x == y or (min(len(x), len(y)) == 1 and x[0] == y[0])


def _all_tokens(person: Person) -> list[str]:
    """Every name word in reading order: given names, von part, family name."""
    return _NAME_TOKEN.findall(fold(f"{person.first} {person.von} {person.last}"))


def same_person(a: Person, b: Person) -> bool:
    """True when two names can denote the same person.

    Family names must agree; given names agree word by word, where an initial matches any
    word with that first letter and a missing middle name is no contradiction
    (``L. Zheng`` ~ ``Lianmin Zheng``, ``Joseph Gonzalez`` ~ ``Joseph E. Gonzalez``).
    BibTeX reads ``Augustus De Morgan`` with family name "Morgan" but ``De Morgan, Augustus``
    with "De Morgan", so names whose words agree one for one, the last word in full, also match.
    """
    if _family_name(a) != _family_name(b):
        words_a, words_b = _all_tokens(a), _all_tokens(b)
        return (
            len(words_a) == len(words_b) > 1
            and words_a[-1] == words_b[-1]
            and all(map(_words_agree, words_a, words_b))
        )
    given_a, given_b = _given_tokens(a), _given_tokens(b)
    if not given_a or not given_b:
        return given_a == given_b
    # zip stops at the shorter list: a missing middle name is no contradiction.
    return all(map(_words_agree, given_a, given_b))


class OwnerMatcher:
    """Marks the owners among a paper's authors; each distinct name is compared once."""

    def __init__(self, owners: Sequence[Person]) -> None:
        self.owners = tuple(owners)
        self.names = tuple(owner.name for owner in self.owners)
        # Stands for the owners in the digests of entries marked with them.
        self.key = digest(repr(self.names), size=8)
        self._known: dict[tuple[str, str, str], bool] = {}

    def digest(self, source: str) -> str:
        """The digest of an entry made from ``source`` (a hash of its fields as read) and
        marked with these owners."""
        return f"{source}|{self.key}"

    def is_owner(self, person: Person) -> bool:
        name = (person.first, person.von, person.last)
        known = self._known.get(name)
        if known is None:
            known = self._known[name] = any(same_person(person, o) for o in self.owners)
        return known

    def mark(self, people: tuple[Person, ...]) -> tuple[Person, ...]:
        """``people`` with ``is_owner`` set on the owners and on no one else (the same tuple
        when that changes nothing)."""
        marks = [self.is_owner(p) for p in people] if self.owners else [False] * len(people)
        if marks == [person.is_owner for person in people]:  # as they are: most entries
            return people
        return tuple(
            person if person.is_owner == mark else _with_owner_mark(person, mark)
            for person, mark in zip(people, marks, strict=True)
        )


@lru_cache(maxsize=4096)
def _with_owner_mark(person: Person, is_owner: bool) -> Person:
    """``person`` marked as the owner or not, made once per person (``replace`` is slow)."""
    return replace(person, is_owner=is_owner)


def mark_owner(entries: Iterable[Entry], owners: Sequence[Person]) -> tuple[Entry, ...]:
    """Return the entries with ``is_owner`` set on every author, editor and advisor matching
    one of ``owners``, and on no one else.

    Each entry's digest becomes the one ``load`` gives an entry read with these owners (see
    ``OwnerMatcher.digest``), so output rendered before the marks is not reused, and an entry
    kept in the cache under it is found by a later build that reads with these owners.
    """
    matcher = OwnerMatcher(owners)

    def with_owner(entry: Entry) -> Entry:
        # What the entry was made from is its digest up to "|" (its owners' part, if any).
        digest = entry.digest and matcher.digest(entry.digest.partition("|")[0])
        authors, editors = matcher.mark(entry.authors), matcher.mark(entry.editors)
        advisors = matcher.mark(entry.advisors)
        return replace(entry, authors=authors, editors=editors, advisors=advisors, digest=digest)

    return tuple(with_owner(entry) for entry in entries)


@dataclass(frozen=True, slots=True)
class InferredOwner:
    """The person found on the most papers, on how many of them, and the other spellings of
    their name counted with the one shown."""

    person: Person
    papers: int
    total: int
    variants: tuple[str, ...] = ()


_Spelling = tuple[str, str, str, str]


def infer_owner(entries: Iterable[Entry]) -> InferredOwner | None:
    """Guess the site owner: the person who appears on the most papers.

    The spellings of one person's name (initials or given names, a middle name or not,
    accents, braces) are counted together: each spelling, the most used first, joins the first
    group whose every spelling it can denote (``same_person``; "J. Smith" joins "John Smith"
    but "Jane Smith" then starts her own). The owner is shown as the spelling on the most of
    their papers: the one a file uses, not a fuller one seen once. Ties go to the one seen
    first, and a person with a given name beats a collaboration without one.
    """
    papers = [entry for entry in entries if entry.kind is Kind.PAPER]
    people: dict[_Spelling, Person] = {}
    on_papers: dict[_Spelling, set[int]] = {}
    # The same Person objects recur on many papers: each one's spelling is made once
    # (by identity, which is safe while ``papers`` holds them and much cheaper than hashing).
    spellings: dict[int, _Spelling] = {}
    for index, entry in enumerate(papers):
        for person in entry.authors:
            spelling = spellings.get(id(person))
            if spelling is None:
                spelling = (person.first, person.von, person.last, person.jr)
                spellings[id(person)] = spelling
                people.setdefault(spelling, person)
            on_papers.setdefault(spelling, set()).add(index)
    if not people:
        return None
    # Names that can denote one person end in the same word, so only those are compared.
    by_word: dict[str, list[list[_Spelling]]] = {}
    groups: list[list[_Spelling]] = []  # in the order made: most used spelling first
    for spelling in sorted(on_papers, key=lambda s: -len(on_papers[s])):
        person = people[spelling]
        alike = by_word.setdefault((_all_tokens(person) or [""])[-1], [])
        group = next((g for g in alike if all(same_person(person, people[s]) for s in g)), None)
        if group is None:
            group = []
            alike.append(group)
            groups.append(group)
        group.append(spelling)
    counts = [len(set().union(*(on_papers[s] for s in group))) for group in groups]
    # A collaboration ({LIGO Scientific Collaboration}) has no given name and may head more
    # papers than the owner, who has one.
    chosen = max(range(len(groups)), key=lambda i: (bool(people[groups[i][0]].first), counts[i]))
    best = groups[chosen]
    owner = replace(people[best[0]], is_cofirst=False, is_owner=False)
    variants = dict.fromkeys(people[s].name for s in best[1:] if people[s].name != owner.name)
    return InferredOwner(owner, counts[chosen], len(papers), tuple(variants))
