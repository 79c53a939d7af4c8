"""Turn LaTeX-encoded field text into Unicode for display, keeping emphasis, math and links.

pylatexenc parses the LaTeX and knows the accents and symbols; this module walks its nodes
so that ``\\emph{}``, ``\\textbf{}``, ``$...$`` (with its sub- and superscripts),
``\\url{}`` and ``\\href{}{}`` survive as styled spans instead of being flattened, and
unknown commands stay visible.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from pylatexenc.latex2text import LatexNodes2Text
from pylatexenc.latexwalker import (
    LatexCharsNode,
    LatexGroupNode,
    LatexMacroNode,
    LatexMathNode,
    LatexNode,
    LatexWalker,
)

from .latex_context import (
    SCRIPT_COMMANDS,
    STYLE_COMMANDS,
    STYLE_SWITCHES,
    TEXT_ARGUMENT_COMMANDS,
    decoder,
    math_decoder,
    parser_context,
    without_primitives,
)
from .model import Span

# Text without these reads the same before and after decoding, so it skips the parser (a
# single hyphen is plain text; "--", "---" and TeX quotes are ligatures).
_LATEX_SPECIALS = re.compile(r"[\\{}~$%&]|--|``|''|[?!]`")
# Text whose only LaTeX is case-protecting braces ("{SGLang}: {GPU}s") just loses the braces.
_ONLY_BRACES = re.compile(r"[^\\~$%&]*")
_LIGATURES = re.compile(r"--|``|''|[?!]`")
_WHITESPACE = re.compile(r"[ \t\r\n]+")
# A brace, or a backslash and the character it escapes (so "\\{" is not a brace).
_BRACE_OR_ESCAPE = re.compile(r"[{}]|\\.?", re.DOTALL)
# A bare "&" is a LaTeX error, and a bare "%" a comment hiding the rest of the line, that
# BibTeX lets through: in a field, people mean the characters ("50% off", "a%20b" in \url).
_BARE_SPECIAL = re.compile(r"(?<!\\)[&%]")
# In an address, the escapes LaTeX needs elsewhere stand for the characters themselves.
_ESCAPED_URL_CHAR = re.compile(r"\\([_%&#~$])")

# Sub- and superscripts as Unicode has them: a script span's text is written so when every
# character has one (H₂CO, C¹⁸O, 10⁻³), so the plain text of a title reads like the page.
SUBSCRIPTS = dict(
    zip(
        "0123456789+-=()aehijklmnoprstuvxβγρφχ",
        "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ",
        strict=True,
    )
)
SUPERSCRIPTS = dict(
    zip(
        "0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWαβγδεθφχ′″∘",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵅᵝᵞᵟᵋᶿᵠᵡ′″°",
        strict=True,
    )
)
SCRIPTS = {"sub": SUBSCRIPTS, "sup": SUPERSCRIPTS}
# A minus sign reads as a hyphen-minus would.
SUBSCRIPTS["−"], SUPERSCRIPTS["−"] = SUBSCRIPTS["-"], SUPERSCRIPTS["-"]
# The characters of the scripts back as written: HTML puts these in <sub> and <sup>.
UNSCRIPTED = str.maketrans(
    {script: plain for table in SCRIPTS.values() for plain, script in table.items() if plain != "−"}
)
# What makes a script in math.
SCRIPT_MARKS = {"_": "sub", "^": "sup"}
_SCRIPT_MARK = re.compile(r"([_^])")


@lru_cache(maxsize=4096)
def to_spans(latex: str) -> tuple[Span, ...]:
    """Decode LaTeX into styled spans, white space folded.

    ``M{\\"u}ller -- \\emph{fast} $O(n^2)$`` gives ``Müller – `` and ``fast`` (em) and
    ``O(n^2)`` (math). Cached (a few thousand values): venues and names repeat across a
    bibliography, and the result is immutable.
    """
    special = _LATEX_SPECIALS.search(latex)
    if not special or (_ONLY_BRACES.fullmatch(latex) and not _LIGATURES.search(latex)):
        return _without_braces(latex)
    try:
        return _tidy(_spans(latex))
    except RecursionError:  # groups nested deeper than Python's stack: only a hostile file
        return _without_braces(latex)


def _without_braces(latex: str) -> tuple[Span, ...]:
    """``latex`` as text without its braces, white space folded."""
    text = _WHITESPACE.sub(" ", _unbraced(latex)).strip()
    return (Span(text),) if text else ()


def _unbraced(latex: str) -> str:
    return latex.replace("{", "").replace("}", "")


@lru_cache(maxsize=4096)
def _spans(latex: str) -> tuple[Span, ...]:
    """The spans of ``latex``, white space not yet folded.

    pylatexenc reads text a character at a time (a quarter of a millisecond for a title),
    so text made of plain runs and brace groups is decoded a group at a time: the parser
    would give the same spans, and the groups (``{\\TeX}``, ``{\\it ...}``) recur across
    a bibliography, where this cache answers them.
    """
    parts = _top_level_parts(latex)
    if parts is None:
        return _parsed_spans(latex)
    spans: list[Span] = []
    for part in parts:
        if part.startswith("{"):
            spans += _spans(part[1:-1])
        elif _LATEX_SPECIALS.search(part):  # a dash, tie or quote: only the parser knows
            spans += _parsed_spans(part)
        else:
            spans.append(Span(part))
    return tuple(spans)


def _top_level_parts(latex: str) -> list[str] | None:
    """``latex`` cut into the runs outside braces and the brace groups between them; None
    when that would change its meaning (a command, math or comment outside the groups can
    reach into them; verbatim text has its own braces) or gain nothing (no group)."""
    if "$" in latex or "%" in latex or "verb" in latex or "\\path" in latex:
        return None
    parts: list[str] = []
    depth = start = 0
    for match in _BRACE_OR_ESCAPE.finditer(latex):
        brace = match.group()
        if brace == "{":
            if depth == 0:
                parts.append(latex[start : match.start()])
                start = match.start()
            depth += 1
        elif brace == "}":
            depth -= 1
            if depth < 0:
                return None
            if depth == 0:
                parts.append(latex[start : match.end()])
                start = match.end()
        elif depth == 0:  # a command outside the groups
            return None
    if depth or start == 0:
        return None
    parts.append(latex[start:])
    return parts


def _parsed_spans(latex: str) -> tuple[Span, ...]:
    """The spans of ``latex`` as pylatexenc's parser reads it, white space not yet folded."""
    text = without_primitives(_BARE_SPECIAL.sub(r"\\\g<0>", latex))
    walker = LatexWalker(text, latex_context=parser_context(), tolerant_parsing=True)
    try:
        nodes, _, _ = walker.get_latex_nodes()
    except Exception:  # the parser fails on some broken text (``\\verb`` at its very end)
        return (Span(_unbraced(latex)),)
    return tuple(_walk(nodes, ""))


def to_unicode(latex: str) -> str:
    """Decode LaTeX into plain text: accents, dashes, ties, braces removed, math as text
    (scripts in Unicode's sub- and superscripts where they have them: H₂CO, M⊙)."""
    return _text(to_spans(latex))


def _walk(nodes: Sequence[LatexNode | None], style: str) -> list[Span]:
    """Spans for a node list; a declaration such as ``\\em`` styles the nodes after it."""
    spans: list[Span] = []
    for index, node in enumerate(nodes):
        following = nodes[index + 1] if index + 1 < len(nodes) else None
        if isinstance(node, LatexMacroNode) and node.macroname in STYLE_SWITCHES:
            style = STYLE_SWITCHES[node.macroname]
        else:
            spans += _node_spans(node, style, following)
    return spans


def _node_spans(node: LatexNode | None, style: str, following: LatexNode | None) -> list[Span]:
    if node is None:
        return []
    if isinstance(node, LatexGroupNode):
        return _walk(node.nodelist, style)
    if isinstance(node, LatexMathNode):
        return _strip(_math_spans(node.nodelist))
    if isinstance(node, LatexCharsNode):
        return [Span(node.chars, style)]
    if isinstance(node, LatexMacroNode):
        return _macro_spans(node, style, following)
    return [Span(_decoded(node, decoder()), style)]


def _macro_spans(node: LatexMacroNode, style: str, following: LatexNode | None) -> list[Span]:
    """Styled commands keep their style, links their address; unknown ones stay visible."""
    name = node.macroname
    args = [arg for arg in (node.nodeargd.argnlist if node.nodeargd else []) if arg is not None]
    if name in STYLE_COMMANDS and args:
        return _walk([args[-1]], STYLE_COMMANDS[name])
    if name in SCRIPT_COMMANDS and args:
        return [script_span(_text(_walk(args, style)), SCRIPT_COMMANDS[name])]
    if name == "path" and args:
        return [Span(address_text(_verbatim(_contents(args[-1]))), "code")]
    if name == "url" and args:
        address = address_text(_verbatim(_contents(args[-1])))
        return [Span(address, "link", href=address)]
    if name == "href" and len(args) >= 2:
        text = _text(_walk([args[-1]], style))
        return [Span(text, "link", href=address_text(_verbatim(_contents(args[-2]))))]
    if decoder().latex_context.get_macro_spec(name) is None:
        # An unknown command is shown as written rather than lost (a custom \sys{} in a
        # title), unless a non-empty {...} follows: then it is formatting, and the text shows.
        if args:
            return _walk(args, style)
        if isinstance(following, LatexGroupNode) and following.nodelist:
            return []
        return [Span(f"\\{name}{node.macro_post_space}", style)]
    return [Span(_decoded(node, decoder()), style)]


def _math_spans(nodes: Iterable[LatexNode | None]) -> list[Span]:
    """The spans of the inside of math: text (``\\log`` → log, ``\\alpha`` → α) and the
    sub- and superscripts that ``_`` and ``^`` make of the character or group after them."""
    spans: list[Span] = []
    mark = ""  # a "_" or "^" whose argument is still to come
    for node in nodes:
        if isinstance(node, LatexCharsNode):
            for piece in _SCRIPT_MARK.split(node.chars):
                if piece in SCRIPT_MARKS:
                    mark = piece
                elif mark and piece.strip():
                    argument = piece.lstrip()
                    spans += (
                        script_span(argument[0], SCRIPT_MARKS[mark]),
                        Span(argument[1:], "math"),
                    )
                    mark = ""
                else:
                    spans.append(Span(piece, "math"))
        elif node is not None:
            inner = _math_node_spans(node)
            if mark:
                spans.append(script_span(_text(inner).strip(), SCRIPT_MARKS[mark]))
                mark = ""
            else:
                spans += inner
                if isinstance(node, LatexMacroNode) and _keeps_space_after(node, spans):
                    spans.append(Span(node.macro_post_space, "math"))
    if mark:
        spans.append(Span(mark, "math"))
    return spans


def _keeps_space_after(node: LatexMacroNode, spans: list[Span]) -> bool:
    """Whether the space after a command in math shows: after a word ("log n", not "logn"),
    or when one was written before it too ("z \\sim 6" reads "z ∼ 6", "z\\sim6" "z∼6")."""
    text = spans[-1].text if spans else ""
    return (len(text) > 1 and text.isalpha()) or (len(spans) > 1 and spans[-2].text[-1:] == " ")


def _math_node_spans(node: LatexNode) -> list[Span]:
    """A node inside math: groups and the arguments of text commands (``\\mathrm{}``) are
    read for their scripts; other commands are pylatexenc's text."""
    if isinstance(node, LatexGroupNode):
        return _math_spans(node.nodelist)
    if isinstance(node, LatexMacroNode) and node.macroname in TEXT_ARGUMENT_COMMANDS:
        args = node.nodeargd.argnlist if node.nodeargd else []
        if args and args[-1] is not None:
            return _math_spans(_contents(args[-1]))
    return [Span(_decoded(node, math_decoder()), "math")]


def script_span(text: str, style: str) -> Span:
    """A ``sub`` or ``sup`` span: its text in Unicode's scripts when each character has one."""
    table = SCRIPTS[style]
    if all(char in table for char in text):
        text = "".join(table[char] for char in text)
    return Span(text, style)


def _text(spans: Iterable[Span]) -> str:
    return "".join(span.text for span in spans)


def _strip(spans: list[Span]) -> list[Span]:
    """``spans`` without the white space at their ends (math's own has no meaning)."""
    if spans:
        spans[0] = Span(spans[0].text.lstrip(), spans[0].style, spans[0].href)
        spans[-1] = Span(spans[-1].text.rstrip(), spans[-1].style, spans[-1].href)
    return spans


def _decoded(node: LatexNode, nodes2text: LatexNodes2Text) -> str:
    """pylatexenc's text for ``node``, or the node as written when a command in it lacks
    an argument: pylatexenc would show "%s" for it (``\\url`` alone), or fail (``\\href``
    alone, ``\\footnote``), and a .bib file never makes bibfolio fail with a traceback."""
    if not _lacks_argument(node):
        try:
            text: str = nodes2text.node_to_text(node)
            return text
        except Exception:  # a replacement that assumes what its arguments are
            pass
    as_written: str = node.latex_verbatim()
    return as_written


def _lacks_argument(node: LatexNode | None) -> bool:
    """Whether a command in ``node`` lacks one of the arguments it must have."""
    if isinstance(node, LatexMacroNode):
        spec = parser_context().get_macro_spec(node.macroname)
        argspec = getattr(spec.args_parser, "argspec", "") if spec is not None else ""
        args = node.nodeargd.argnlist if node.nodeargd is not None else []
        if any(
            kind == "{" and (index >= len(args) or args[index] is None)
            for index, kind in enumerate(argspec)
        ):
            return True
        return any(_lacks_argument(arg) for arg in args)
    return any(_lacks_argument(child) for child in getattr(node, "nodelist", None) or ())


def _contents(node: LatexNode) -> list[LatexNode]:
    return list(node.nodelist) if isinstance(node, LatexGroupNode) else [node]


def address_text(latex: str) -> str:
    """An address as LaTeX writes it (a ``url`` field, ``\\url{}``) with ``\\_``, ``\\%``,
    ``\\&``… unescaped (also those ``_parsed_spans`` makes of a bare "&" or "%")."""
    return _ESCAPED_URL_CHAR.sub(r"\1", latex.strip())


def _verbatim(nodes: Iterable[LatexNode | None]) -> str:
    return "".join(node.latex_verbatim() for node in nodes if node is not None)


def _tidy(spans: Iterable[Span]) -> tuple[Span, ...]:
    """Fold white space across span boundaries, drop empty spans, merge equal neighbours.
    A script hangs on what comes before it: ``M $_\\odot$`` reads "M⊙"."""
    tidy: list[Span] = []
    for span in spans:
        text = _WHITESPACE.sub(" ", span.text)
        if not tidy or tidy[-1].text.endswith(" "):
            text = text.lstrip(" ")
        if not text:
            continue
        if span.style in SCRIPTS:
            _rstrip_last(tidy)
        if tidy and (tidy[-1].style, tidy[-1].href) == (span.style, span.href):
            tidy[-1] = Span(tidy[-1].text + text, span.style, span.href)
        else:
            tidy.append(Span(text, span.style, span.href))
    _rstrip_last(tidy)
    return tuple(tidy)


def _rstrip_last(spans: list[Span]) -> None:
    """Strip the spaces at the end of the last of ``spans``, dropping it if nothing is left."""
    if spans and spans[-1].text.endswith(" "):
        last = spans.pop()
        if last.text.rstrip(" "):
            spans.append(Span(last.text.rstrip(" "), last.style, last.href))
