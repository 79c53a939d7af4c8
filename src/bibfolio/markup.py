"""Entry text as HTML and Markdown that stays text: the escaping, the URL and rich-text filters
the templates use (``url``, ``rich``, ``search_text``) and what ``sites.py`` writes by hand.

Kept apart from the renderer: keeping a title's text from turning into markup (raw HTML,
Markdown syntax, Liquid's ``{{``) is a question of its own, read and tested on its own, and
``sites.py`` needs the answers without a ``Renderer``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from typing import Any

from markupsafe import Markup, escape

from .latex import SCRIPT_MARKS, SCRIPTS, UNSCRIPTED
from .links import safe_href
from .model import Entry, Span

# Characters that would start Markdown syntax inside text; "<", ">" and "&" become entities
# so that raw HTML in a title stays text in every Markdown engine.
_MD_PUNCTUATION = re.compile(r"([\\`*_\[\]|~#])")
# Braces become entities in both formats: "{{" or "{%" in a title must not reach Jekyll's
# Liquid or Hugo's Go templates, which read the output before any browser does.
_BRACE_ENTITIES = {"{": "&#123;", "}": "&#125;"}
_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", **_BRACE_ENTITIES}
# Text that would start a list item if it landed at the start of a line: "1. ", "2) ", "- ".
_MD_ORDERED_ITEM = re.compile(r"^(\s*\d+)(?=[.)](?:\s|$))")
_MD_BULLET_ITEM = re.compile(r"^(\s*)(?=[-+](?:\s|$))")
# The characters of Unicode's sub- and superscripts that stand for others ("₂" for "2").
_SCRIPT_CHARACTER = re.compile(
    "[" + "".join(chr(code) for code, plain in UNSCRIPTED.items() if chr(code) != plain) + "]"
)
# What starts a Liquid tag: in a code span no entity can hide it.
_TEMPLATE_TAG = re.compile(r"\{[{%]")
# Span styles that make up math on a page: its text and its sub- and superscripts.
_MATH_STYLES = frozenset({"math", *SCRIPTS})
_MARKS = {style: mark for mark, style in SCRIPT_MARKS.items()}
# The characters each script style has in Unicode.
_SCRIPT_CHARACTERS = {style: frozenset(table.values()) for style, table in SCRIPTS.items()}
# Characters that end or break a Markdown link destination, and Liquid's "{{" / "{%".
_MD_URL_UNSAFE = {
    **{" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E", '"': "%22"},
    **{"{": "%7B", "}": "%7D"},
}


def escape_md(value: Any) -> Any:
    """Escape text for Markdown; leaves ``Markup`` (already-safe output) untouched."""
    if isinstance(value, Markup):
        return value
    text = _MD_PUNCTUATION.sub(r"\\\1", str(value))
    text = _MD_BULLET_ITEM.sub(r"\1\\", _MD_ORDERED_ITEM.sub(r"\1\\", text))
    for char, entity in _MD_ENTITIES.items():  # "&" first, so no entity is escaped twice
        if char in text:
            text = text.replace(char, entity)
    return text


def finalize_html(value: Any) -> Any:
    """Every ``{{ … }}`` of an HTML template passes here before Jinja2 escapes it: text with
    braces is escaped here, entities for the braces included; the rest is left to Jinja2's
    own escaping, which would otherwise copy what this returned once more."""
    if isinstance(value, Markup):
        return value
    text = value if value.__class__ is str else str(value)
    return escape_html(text) if "{" in text or "}" in text else text


def escape_html(value: Any) -> Markup:
    """HTML-escape text, braces included (see ``_BRACE_ENTITIES``); ``Markup`` is kept."""
    if isinstance(value, Markup):
        return value
    escaped = escape(value)
    if "{" in escaped or "}" in escaped:  # str.replace: translate is 30 times slower here
        text = str(escaped).replace("{", _BRACE_ENTITIES["{"])
        return Markup(text.replace("}", _BRACE_ENTITIES["}"]))
    return escaped


def search_text(entry: Entry) -> str:
    """What a page's filter box searches: title, people, venue, year and label, lower-case.
    A title with sub- or superscripts ("H₂CO") is there as typed on a keyboard too ("H2CO")."""
    people = ", ".join(person.name for person in entry.people)
    title = entry.title
    if _SCRIPT_CHARACTER.search(title):
        title = f"{title} {title.translate(UNSCRIPTED)}"
    return " ".join((title, people, entry.venue, str(entry.year or ""), entry.label)).lower()


def html_url(address: str) -> str:
    """An address for an ``href``: only safe schemes pass (autoescape handles quoting)."""
    return safe_href(address) or ""


def md_url(address: str) -> Markup:
    """An address for a Markdown link destination, with the characters that end it encoded."""
    href = safe_href(address) or ""
    return Markup("".join(_MD_URL_UNSAFE.get(char, char) for char in href))


# How each span style is marked up, per format: (opening, closing).
HTML_STYLES = {
    "em": ("<em>", "</em>"),
    "strong": ("<strong>", "</strong>"),
    "code": ("<code>", "</code>"),
    "math": ('<span class="math">', "</span>"),
    "sub": ("<sub>", "</sub>"),
    "sup": ("<sup>", "</sup>"),
}
MD_STYLES = {"em": ("*", "*"), "strong": ("**", "**")}


def html_rich(spans: Iterable[Span], links: bool = True) -> Markup:
    """Styled spans as HTML; link spans become ``<a>`` only when ``links`` and safe; math
    (text and scripts, side by side) is one ``<span class="math">``: H<sub>2</sub>CO."""
    parts = []
    for is_math, run in itertools.groupby(spans, _is_math):
        if is_math:
            parts.append(_html_math(list(run)))
            continue
        for span in run:
            text = escape_html(span.text)
            href = safe_href(span.href) if span.style == "link" and links else None
            if href:
                parts.append(Markup('<a href="{}">{}</a>').format(href, text))
            elif span.style in HTML_STYLES:
                parts.append(_html_styled(span.style, text))
            else:
                parts.append(text)
    return Markup("").join(parts)


def _is_math(span: Span) -> bool:
    return span.style in _MATH_STYLES


def _html_styled(style: str, text: Markup) -> Markup:
    opening, closing = HTML_STYLES[style]
    return Markup(opening) + text + Markup(closing)


def _html_math(run: list[Span]) -> Markup:
    """Math as HTML: the scripts in ``<sub>``/``<sup>`` with their characters as written
    ("2", not "₂"), all in a math span unless it is only scripts (``H$_2$O``)."""
    inner = Markup("").join(
        _html_styled(span.style, escape_html(span.text.translate(UNSCRIPTED)))
        if span.style in SCRIPTS
        else escape_html(span.text)
        for span in run
    )
    return _html_styled("math", inner) if any(span.style == "math" for span in run) else inner


def md_rich(spans: Iterable[Span], links: bool = True) -> Markup:
    """Styled spans as Markdown: emphasis, code spans for code, escaped text; math as text
    with Unicode's sub- and superscripts (H₂CO), or a code span when one has none (M_⊙)."""
    parts = []
    for is_math, run in itertools.groupby(spans, _is_math):
        if is_math:
            parts.append(_md_math(list(run)))
            continue
        for span in run:
            href = safe_href(span.href) if span.style == "link" and links else None
            if href:
                parts.append(f"[{escape_md(span.text)}]({md_url(href)})")
            elif span.style == "code":
                parts.append(_code_span(span.text))
            elif span.style in MD_STYLES and span.text.strip():
                # Emphasis markers must touch the text: "*a *" is not emphasis in CommonMark.
                opening, closing = MD_STYLES[span.style]
                core = span.text.strip()
                before = span.text[: len(span.text) - len(span.text.lstrip())]
                after = span.text[len(span.text.rstrip()) :]
                parts.append(f"{before}{opening}{escape_md(core)}{closing}{after}")
            else:
                parts.append(escape_md(span.text))
    return Markup("".join(parts))


def _md_math(run: list[Span]) -> str:
    """Math as Markdown, which has no sub- or superscripts: as text when Unicode has each
    script's characters, else a code span of TeX's notation for the whole (``T_{eff}``)."""
    if all(
        set(span.text) <= _SCRIPT_CHARACTERS[span.style] for span in run if span.style in SCRIPTS
    ):
        return str(escape_md("".join(span.text for span in run)))
    return _code_span("".join(_tex_notation(span) for span in run))


def _tex_notation(span: Span) -> str:
    """A math span as TeX writes it: a script after its ``_`` or ``^``, braced when long."""
    if span.style not in SCRIPTS:
        return span.text
    text = span.text.translate(UNSCRIPTED)
    return _MARKS[span.style] + (text if len(text) == 1 else f"{{{text}}}")


def _code_span(text: str) -> str:
    """A Markdown code span that survives backticks in ``text`` (CommonMark's rule). Text
    with "{{" or "{%" is escaped text instead: Liquid would read them in a code span too,
    where an entity would show as written."""
    if _TEMPLATE_TAG.search(text):
        return str(escape_md(text))
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"
