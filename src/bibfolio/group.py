"""Group entries into themes, and each theme into projects, first-author and other papers,
and the theses the owner supervised."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .model import Entry, Kind, Page, Section, SectionGroup, Theme

SECTION_TITLES: dict[Section, str] = {
    Section.PROJECTS: "Projects",
    Section.FIRST_AUTHOR: "First-author publications",
    Section.OTHER: "Other publications",
    Section.SUPERVISED: "Supervised theses",
}
THESIS_TYPES = frozenset({"phdthesis", "mastersthesis", "thesis", "bachelorsthesis"})


def newest_first(entry: Entry) -> tuple[int, int, str]:
    """Sort key: newest year and month first; the key breaks ties so output is stable."""
    return (-(entry.year or 0), -(entry.month or 0), entry.key)


def is_supervised(entry: Entry) -> bool:
    """A thesis the owner did not write but supervised: they are its advisor or supervisor
    (or editor, as biblatex files say), or it names none, for in the owner's own list another
    person's thesis is one they supervised. Ask only when the owner is on the page."""
    if entry.entry_type not in THESIS_TYPES or any(p.is_owner for p in entry.authors):
        return False
    supervisors = entry.advisors or entry.editors
    return not supervisors or any(person.is_owner for person in supervisors)


def owner_found(entries: Iterable[Entry]) -> bool:
    """True when the owner is an author, editor or advisor of some entry."""
    return any(person.is_owner for e in entries for person in (*e.authors, *e.editors, *e.advisors))


def section_of(entry: Entry, owner_known: bool = True) -> Section:
    """Which section of its theme an entry belongs to."""
    if entry.kind is Kind.PROJECT:
        return Section.PROJECTS
    if entry.is_first_author:
        return Section.FIRST_AUTHOR
    return Section.SUPERVISED if owner_known and is_supervised(entry) else Section.OTHER


def theme_titles(entries: Iterable[Entry], order: Sequence[str], other: str) -> list[str]:
    """Themes in configured order, then in order of first appearance, then ``other``."""
    present = [theme for entry in entries for theme in groups_of(entry, "theme", other)]
    titles = [title for title in order if title in present]
    titles += [title for title in dict.fromkeys(present) if title not in titles and title != other]
    return [*titles, other] if other in present and other not in titles else titles


# --group-by type: group titles in page order, and which BibTeX types fall in each.
TYPE_GROUPS: tuple[tuple[str, frozenset[str]], ...] = (
    ("Journal articles", frozenset({"article"})),
    ("Conference papers", frozenset({"inproceedings", "conference"})),
    ("Preprints", frozenset()),  # by Entry.is_preprint, whatever the type
    ("Books and chapters", frozenset({"book", "inbook", "incollection", "bookinbook"})),
    ("Theses", frozenset({"phdthesis", "mastersthesis", "thesis"})),
    ("Reports", frozenset({"techreport", "report"})),
    ("Software", frozenset({"software"})),
)
OTHER_TYPE = "Other"
UNDATED = "Undated"
# Projects rarely have a year: grouped by year, they come first under their own heading.
UNDATED_PROJECTS = "Projects"


def type_group(entry: Entry) -> str:
    """The --group-by type heading an entry goes under."""
    if entry.is_preprint:
        return "Preprints"
    return next((title for title, types in TYPE_GROUPS if entry.entry_type in types), OTHER_TYPE)


def group_titles(
    entries: Sequence[Entry], group_by: str, order: Sequence[str], other: str
) -> list[str]:
    """The group headings in page order, for grouping by theme, year or type."""
    if group_by == "year":
        present = {group for e in entries for group in groups_of(e, group_by, other)}
        years = sorted({e.year for e in entries if e.year is not None}, reverse=True)
        headings = [UNDATED_PROJECTS, *map(str, years), UNDATED]
        return [heading for heading in headings if heading in present]
    if group_by == "type":
        present = {type_group(e) for e in entries}
        return [title for title in [*(t for t, _ in TYPE_GROUPS), OTHER_TYPE] if title in present]
    return theme_titles(entries, order, other)


def groups_of(entry: Entry, group_by: str, other: str) -> tuple[str, ...]:
    """The headings an entry goes under: its year or type, or each of its themes."""
    if group_by == "year":
        if entry.year is not None:
            return (str(entry.year),)
        return (UNDATED_PROJECTS if entry.kind is Kind.PROJECT else UNDATED,)
    if group_by == "type":
        return (type_group(entry),)
    return entry.themes or (other,)


def group_theme(title: str, entries: Sequence[Entry], owner_known: bool = True) -> Theme:
    """Split one theme's entries into its non-empty sections.

    Projects keep their .bib order, which people choose by importance; papers are newest first.
    """
    members: dict[Section, list[Entry]] = {section: [] for section in Section}
    for entry in entries:
        members[section_of(entry, owner_known)].append(entry)
    sections = []
    for section, chosen in members.items():
        if section is not Section.PROJECTS:
            chosen.sort(key=newest_first)
        if chosen:
            sections.append(SectionGroup(section, SECTION_TITLES[section], tuple(chosen)))
    return Theme(title, tuple(sections))


def group_page(
    entries: Sequence[Entry],
    title: str,
    theme_order: Sequence[str] = (),
    other_theme: str = "Other",
    owner: str | None = None,
    group_by: str = "theme",
    supervised: str = "section",
) -> Page:
    """Build the page model: groups (themes, years or types) in order, each with sections.

    Grouped by theme when no entry has one, the page is one group with an empty title: a lone
    "Other" heading would say nothing. ``supervised = "omit"`` leaves out supervised theses.
    """
    owner_known = owner_found(entries)
    if supervised == "omit" and owner_known:
        entries = [entry for entry in entries if not is_supervised(entry)]
    if not any(entry.themes for entry in entries):
        other_theme = ""  # one group without a heading
    members: dict[str, list[Entry]] = {}
    for entry in entries:
        for heading in groups_of(entry, group_by, other_theme):
            members.setdefault(heading, []).append(entry)
    themes = tuple(
        group_theme(heading, members[heading], owner_known)
        for heading in group_titles(entries, group_by, theme_order, other_theme)
    )
    return Page(title=title, themes=themes, owner=owner)
