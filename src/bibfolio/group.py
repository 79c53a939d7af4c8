"""Group entries into themes, and each theme into projects, first-author and other papers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .model import Entry, Kind, Page, Section, SectionGroup, Theme

SECTION_TITLES: dict[Section, str] = {
    Section.PROJECTS: "Projects",
    Section.FIRST_AUTHOR: "First-author publications",
    Section.OTHER: "Other publications",
}


def newest_first(entry: Entry) -> tuple[int, int, str]:
    """Sort key: newest year and month first; the key breaks ties so output is stable."""
    return (-(entry.year or 0), -(entry.month or 0), entry.key)


def section_of(entry: Entry) -> Section:
    """Which section of its theme an entry belongs to."""
    if entry.kind is Kind.PROJECT:
        return Section.PROJECTS
    return Section.FIRST_AUTHOR if entry.is_first_author else Section.OTHER


def theme_titles(entries: Iterable[Entry], order: Sequence[str], other: str) -> list[str]:
    """Themes in configured order, then in order of first appearance, then ``other``."""
    present = [entry.theme or other for entry in entries]
    titles = [title for title in order if title in present]
    titles += [title for title in dict.fromkeys(present) if title not in titles and title != other]
    return [*titles, other] if other in present and other not in titles else titles


def group_theme(title: str, entries: Sequence[Entry]) -> Theme:
    """Split one theme's entries into its non-empty sections.

    Projects keep their .bib order, which people choose by importance; papers are newest first.
    """
    sections = []
    for section in Section:
        members = [entry for entry in entries if section_of(entry) is section]
        if section is not Section.PROJECTS:
            members.sort(key=newest_first)
        if members:
            sections.append(SectionGroup(section, SECTION_TITLES[section], tuple(members)))
    return Theme(title, tuple(sections))


def group_page(
    entries: Sequence[Entry],
    title: str,
    theme_order: Sequence[str] = (),
    other_theme: str = "Other",
    owner: str | None = None,
) -> Page:
    """Build the page model: themes in order, each with its sections."""
    themes = tuple(
        group_theme(theme, [e for e in entries if (e.theme or other_theme) == theme])
        for theme in theme_titles(entries, theme_order, other_theme)
    )
    return Page(title=title, themes=themes, owner=owner)
