"""Generate bibfolio's venue tables (src/bibfolio/data/*.tsv) from public lists.

Every source is a git directory fetched from GitHub, given as ``GITDIR`` or ``GITDIR@COMMIT``
(the commit a file was read at, when the newest one no longer has it); the commit read is
recorded in each table's header, with the command that regenerates it.

Conferences (first source wins for a name): ccf-deadlines' YAML (title = acronym,
description = full name), the CCF recommended list as CCFrank4dblp ships it, then the CORE
rankings (CORE2023, then an older edition for names since renamed).

Journals: the CCF list's journals (their CCF acronym), the AAS journal macros (their text when
it is an acronym: ApJ, MNRAS, A&A), then JabRef's per-field abbreviation lists. A journal's
label is, in this order:

1. an acronym a list gives for it (CCF, AAS, or a JabRef abbreviation such as PNAS or JACS
   with no dot or space and at least two capitals);
2. the initials of its significant words when it has 3 to 5 of them (Physical Review Letters
   → PRL, Journal of the American Chemical Society → JACS, Monthly Notices of the Royal
   Astronomical Society → MNRAS, IEEE Transactions on Signal Processing → TSP) — unless it
   extends a one-word journal's name (Nature Reviews Cancer, Science Advances), which readers
   cite by its abbreviation;
3. else its ISO 4 abbreviation from JabRef (Nature Communications → Nat. Commun.), or its name.

Journal abbreviations: the AAS macros' texts and JabRef's ISO 4 abbreviations of the journals
above, each with its journal's label, so that "Phys. Rev. D" or "ApJ" finds PRD or ApJ.

Usage (the commits are those the shipped tables were made from)::

    python scripts/make_venue_tables.py --out src/bibfolio/data \\
        --ccf-deadlines /work/.mirror/ccfddl+ccf-deadlines/repo \\
        --ccf-list /work/.mirror/WenyanLiu+CCFrank4dblp/repo \\
        --core /work/.mirror/naveedanwarbhatti+Google-Scholar-Conference-Ranker-Testing/repo\
@0dfc72ab6e733f03bc24725fdc11538692d6dca2 \\
        --aas /work/.mirror/bccp+cosmobib/repo/.git@e9ef36625e6bd724797e22cf274350555157d7fd \\
        --jabref /work/.mirror/JabRef+abbrv.jabref.org/repo
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from bibfolio.venues import normalise_venue

CORE_FILES = ("core/CORE_2023.json", "core/CORE_2018.json")
# JabRef's per-field lists, best first. Left out for size (the tables must load in a few tens
# of milliseconds): UBC (Web of Science), Entrez and Index Medicus (Medline abbreviations
# without dots), MathSciNet (the AMS list has the main mathematics journals) and mechanical;
# the classics lists give no ISO 4 abbreviations.
JABREF_LISTS = (
    "general",
    "geology_physics",
    "geology_physics_variations",
    "ieee",
    "acs",
    "aea",
    "ams",
    "lifescience",
    "meteorology",
    "sociology",
    # Last: its abbreviations are MNRAS house style ("Nat", "Sci"); only its acronyms count.
    "astronomy",
)
# The JabRef lists whose abbreviations name a journal of journals.tsv: the ISO 4 lists of
# physics, chemistry, IEEE, the AMS and MathSciNet. Left out to keep the data under 2 MB: life
# science (PubMed exporters write Medline's dotless forms), economics and the smaller lists; the
# variations list gives "Phys. Rev. D" to an old name of Physical Review D too, and the
# astronomy list's abbreviations are MNRAS house style ("Nat", "Sci").
ABBREVIATION_LISTS = ("general", "geology_physics", "ieee", "acs", "ams", "mathematics")
_MINOR_WORDS = frozenset(
    [
        "of",
        "the",
        "and",
        "in",
        "on",
        "for",
        "to",
        "at",
        "with",
        "an",
        "its",
        "de",
        "des",
        "du",
        "la",
        "le",
        "les",
        "et",
        "fur",
        "und",
        "der",
        "die",
        "das",
        "di",
        "del",
        "della",
    ]
)
_PUBLISHERS = frozenset({"ieee", "acm", "siam", "iet", "asme", "aip", "ams", "aps", "ieee/acm"})
_ACRONYM = re.compile(r"[A-Z][A-Za-z&]{1,9}")


@dataclass(frozen=True)
class Source:
    """A fetched git directory and the commit its files are read at."""

    gitdir: str
    commit: str
    repo: str

    @classmethod
    def parse(cls, arg: str) -> Source:
        gitdir, _, rev = arg.partition("@")
        commit = _git(gitdir, "rev-parse", rev or "HEAD").strip()
        repo = Path(gitdir.removesuffix("/.git").removesuffix("/repo")).name.replace("+", "/")
        return cls(gitdir, commit, repo)

    def read(self, path: str) -> str:
        return _git(self.gitdir, "show", f"{self.commit}:{path}")

    def paths(self, under: str) -> list[str]:
        return _git(self.gitdir, "ls-tree", "-r", "--name-only", self.commit, under).split()

    def credit(self, paths: str) -> str:
        return f"https://github.com/{self.repo} {paths} @ {self.commit}"


def _git(gitdir: str, *args: str) -> str:
    return subprocess.run(
        ["git", f"--git-dir={gitdir}", *args], check=True, capture_output=True, text=True
    ).stdout


def ccf_deadlines(source: Source) -> Iterator[tuple[str, str]]:
    """(acronym, full name) of each conference in ccf-deadlines' YAML files."""
    for path in source.paths("conference"):
        if not path.endswith(".yml") or path.endswith("types.yml"):
            continue
        for item in yaml.safe_load(source.read(path)) or []:
            if isinstance(item, dict) and item.get("title") and item.get("description"):
                yield str(item["title"]), str(item["description"])


def ccf_list(source: Source) -> Iterator[tuple[str, str, str]]:
    """(kind, acronym or "", full name) of each venue in the CCF list; kind is conf/journals."""
    for line in source.read("data/dataGen.js").splitlines():
        fields = [field.strip() for field in line.strip().removeprefix('"').split("\t")]
        if len(fields) >= 4 and fields[0] in {"A", "B", "C"}:
            kind = fields[3].strip("/").split("/")[0]
            yield kind, fields[1], fields[2]


def core(source: Source, path: str) -> Iterator[tuple[str, str]]:
    """(acronym, title) of each CORE conference; the export's columns are read by position,
    the title and acronym being the two values before the edition ("CORE2023")."""
    for row in json.loads(source.read(path)):
        values = [str(v) for v in row.values()]
        edition = next(i for i, v in enumerate(values) if re.fullmatch(r"CORE\d{4}", v))
        title, acronym = values[edition - 2], values[edition - 1]
        if acronym and acronym != "none":
            yield acronym, title


_AAS_DEF = re.compile(r"^\\def\\(\w+)\{\\ref@jnl\{(.*)\}\}\s*(?:%\s*(.*))?$")


def aas(source: Source) -> Iterator[tuple[str, str, str]]:
    """(macro, text, journal) of each AAS journal macro; the journal is the comment after it
    (or on the next line) in aas_macros.sty."""
    lines = source.read("aas_macros.sty").splitlines()
    for i, line in enumerate(lines):
        if match := _AAS_DEF.match(line.strip()):
            comment = match[3] or lines[i + 1].strip().lstrip("%").strip()
            text = match[2].replace("\\&", "&").replace("~", " ").replace("\\ ", " ")
            yield match[1], text, comment.strip()


def jabref(source: Source, lists: Iterable[str] = JABREF_LISTS) -> Iterator[tuple[str, str]]:
    """(full name, abbreviation) of each journal in the JabRef ``lists``, best list first."""
    for name in lists:
        text = source.read(f"journals/journal_abbreviations_{name}.csv")
        for row in csv.reader(text.splitlines()):
            # A few MathSciNet names carry TeX ("30$\\sp {\\rm o}$ Coloquio …"): not venues
            # anyone writes in plain text.
            if len(row) >= 2 and row[0].strip() and row[1].strip() and "$" not in row[0]:
                yield row[0].strip(), row[1].strip()


def is_acronym(abbreviation: str) -> bool:
    """ApJ, MNRAS, A&A, PNAS: no dot or space and at least two capitals."""
    return bool(_ACRONYM.fullmatch(abbreviation)) and sum(c.isupper() for c in abbreviation) >= 2


def initials(name: str, extended: set[str]) -> str | None:
    """The initials of a journal's 3 to 5 significant words (the rule in the docstring), or
    None when the name extends one of the ``extended`` journal names (Nature, ApJ)."""
    words = re.sub(r"\([^)]*\)", " ", name).replace("&", " ").split()
    key_words = normalise_venue(name).split()
    # A prefix ending in "of" is no name ("Journal of the ACM" folds to "journal of").
    prefixes = (
        key_words[:n] for n in range(1, len(key_words)) if key_words[n - 1] not in _MINOR_WORDS
    )
    if any(" ".join(prefix) in extended for prefix in prefixes):
        return None
    significant = [
        w
        for w in (re.sub(r"[^\w/]", "", word) for word in words)
        if w and w.casefold() not in _MINOR_WORDS and w.casefold() not in _PUBLISHERS
    ]
    if not 3 <= len(significant) <= 5 or any(not w.isalpha() for w in significant):
        return None
    return "".join(w[0].upper() for w in significant)


def conference_rows(
    deadlines: Source, ccf: Source, core_source: Source
) -> dict[str, tuple[str, str]]:
    rows: dict[str, tuple[str, str]] = {}

    def add(acronym: str, name: str) -> None:
        name = " ".join(name.split())
        # "CHI PLAY: The Annual Symposium on …" is also known without its acronym.
        for variant in (name, name.removeprefix(f"{acronym}:").strip()):
            key = normalise_venue(variant)
            if key and acronym and key not in rows:
                rows[key] = (acronym, variant)

    for acronym, name in ccf_deadlines(deadlines):
        add(acronym, name)
    for kind, acronym, name in ccf_list(ccf):
        if kind == "conf":
            add(acronym, name)
    for path in CORE_FILES:
        for acronym, name in core(core_source, path):
            add(acronym, name)
    return rows


def journal_rows(
    ccf: Source, aas_rows: list[tuple[str, str, str]], jabref_source: Source
) -> dict[str, tuple[str, str]]:
    names: dict[str, str] = {}
    acronyms: dict[str, str] = {}
    isos: dict[str, str] = {}

    def add(name: str, abbreviation: str) -> None:
        key = normalise_venue(name)
        if not key:
            return
        names.setdefault(key, " ".join(name.split()))
        if is_acronym(abbreviation):
            acronyms.setdefault(key, abbreviation)
        elif abbreviation:
            isos.setdefault(key, abbreviation)

    for kind, acronym, name in ccf_list(ccf):
        if kind == "journals":
            add(name, acronym)
    for _, text, journal in aas_rows:
        add(journal, text)
    for name, abbreviation in jabref(jabref_source):
        add(name, abbreviation)

    # Nature Reviews Cancer and The Astrophysical Journal Supplement Series are cited by their
    # abbreviations, not as NRC or AJSS.
    extended = {key for key in names if " " not in key or key in acronyms}
    rows: dict[str, tuple[str, str]] = {}
    for key, name in names.items():
        label = acronyms.get(key) or initials(name, extended) or isos.get(key) or name
        # "Cell (Cambridge, MA, U. S.)", "Ann. of Math. (2)": the label is the short part.
        rows[key] = (re.sub(r"\s*\([^)]*\)", "", label).strip() or name, name)
    return rows


def abbreviation_rows(
    journals: dict[str, tuple[str, str]],
    aas_rows: list[tuple[str, str, str]],
    jabref_source: Source,
) -> dict[str, tuple[str, str]]:
    """normalise_venue(abbreviation) → the (label, full name) of its journal in ``journals``:
    the AAS macros' texts and the JabRef abbreviations of the journals the table has. Left out:
    a key already in the table, one that journals of different labels share, and, for size, an
    abbreviation of 3 words or more that is its journal's label (the venue's own words then
    give a label)."""
    found: dict[str, tuple[str, str]] = {}
    ambiguous: set[str] = set()
    aas_pairs = [(journal, text) for _, text, journal in aas_rows]
    for name, abbreviation in [*aas_pairs, *jabref(jabref_source, ABBREVIATION_LISTS)]:
        journal = journals.get(normalise_venue(name))
        key = normalise_venue(abbreviation)
        if journal is None or not key or key in journals:
            continue
        if normalise_venue(journal[0]) == key and len(abbreviation.split()) >= 3:
            continue
        if found.setdefault(key, journal)[0] != journal[0]:
            ambiguous.add(key)
    return {key: row for key, row in found.items() if key not in ambiguous}


def write_table(path: Path, header: Iterable[str], rows: Iterable[Iterable[str]]) -> int:
    lines = [f"# {line}" for line in header]
    body = sorted("\t".join(row) for row in rows)
    path.write_text("\n".join([*lines, *body]) + "\n", encoding="utf-8")
    return len(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    for option in ("--ccf-deadlines", "--ccf-list", "--core", "--aas", "--jabref"):
        parser.add_argument(option, type=Source.parse, required=True, metavar="GITDIR[@COMMIT]")
    args = parser.parse_args()
    sources: dict[str, Source] = {
        name: getattr(args, name) for name in ("ccf_deadlines", "ccf_list", "core", "aas", "jabref")
    }
    regenerate = (
        "regenerate: python scripts/make_venue_tables.py --out src/bibfolio/data "
        + " ".join(
            f"--{name.replace('_', '-')} <clone of {source.repo}>@{source.commit}"
            for name, source in sources.items()
        )
    )
    row_format = "rows: normalise_venue(full name), label, full name"

    conferences = conference_rows(args.ccf_deadlines, args.ccf_list, args.core)
    count = write_table(
        args.out / "conferences.tsv",
        [
            "Conference names and their acronyms.",
            f"source: {args.ccf_deadlines.credit('conference/**/*.yml')}",
            f"source: {args.ccf_list.credit('data/dataGen.js (CCF recommended list)')}",
            f"source: {args.core.credit(', '.join(CORE_FILES))} (CORE portal exports)",
            "license: MIT (ccf-deadlines; CCFrank4dblp; Google-Scholar-Conference-Ranker);"
            " CORE rankings published openly at https://portal.core.edu.au/conf-ranks/",
            regenerate,
            row_format,
        ],
        ((key, label, name) for key, (label, name) in conferences.items()),
    )
    print(f"conferences.tsv: {count} rows")

    aas_rows = list(aas(args.aas))
    journals = journal_rows(args.ccf_list, aas_rows, args.jabref)
    lists = ", ".join(f"journal_abbreviations_{name}.csv" for name in JABREF_LISTS)
    count = write_table(
        args.out / "journals.tsv",
        [
            "Journal names and their short labels (the rule: scripts/make_venue_tables.py).",
            f"source: {args.ccf_list.credit('data/dataGen.js (CCF recommended list)')}",
            f"source: {args.aas.credit('aas_macros.sty')} (ADS copy of the AASTeX macros)",
            f"source: {args.jabref.credit('journals/' + lists)}",
            "license: MIT (CCFrank4dblp); CC-BY-4.0 (cosmobib); CC0-1.0 (abbrv.jabref.org)",
            regenerate,
            row_format,
        ],
        ((key, label, name) for key, (label, name) in journals.items()),
    )
    print(f"journals.tsv: {count} rows")

    abbreviations = abbreviation_rows(journals, aas_rows, args.jabref)
    abbreviation_lists = ", ".join(
        f"journal_abbreviations_{name}.csv" for name in ABBREVIATION_LISTS
    )
    count = write_table(
        args.out / "journal_abbreviations.tsv",
        [
            "Abbreviated journal names (ISO 4, AAS macros) and the label of their journal in"
            " journals.tsv.",
            f"source: {args.aas.credit('aas_macros.sty')} (ADS copy of the AASTeX macros)",
            f"source: {args.jabref.credit('journals/' + abbreviation_lists)}",
            "license: CC-BY-4.0 (cosmobib); CC0-1.0 (abbrv.jabref.org)",
            regenerate,
            "rows: normalise_venue(abbreviation), label, full name",
        ],
        ((key, label, name) for key, (label, name) in abbreviations.items()),
    )
    print(f"journal_abbreviations.tsv: {count} rows")

    count = write_table(
        args.out / "aas_macros.tsv",
        [
            "AAS journal macros: \\apj and the like, as ADS writes them in BibTeX.",
            f"source: {args.aas.credit('aas_macros.sty')} (ADS copy of the AASTeX 5.2 macros)",
            "license: CC-BY-4.0 (cosmobib); the macros are distributed by NASA ADS for citing",
            regenerate,
            "rows: macro (without backslash), text, journal (the file's comment)",
        ],
        aas_rows,
    )
    print(f"aas_macros.tsv: {count} rows")


if __name__ == "__main__":
    main()
