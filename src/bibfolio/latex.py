"""Turn LaTeX-encoded field text into Unicode for display, keeping emphasis, math and links.

pylatexenc parses the LaTeX and knows the accents and symbols; this module walks its nodes
so that ``\\emph{}``, ``\\textbf{}``, ``$...$``, ``\\url{}`` and ``\\href{}{}`` survive as
styled spans instead of being flattened, and unknown commands stay visible.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

from pylatexenc.latex2text import (
    LatexNodes2Text,
    MacroTextSpec,
    get_default_latex_context_db,
)
from pylatexenc.latexwalker import (
    LatexCharsNode,
    LatexGroupNode,
    LatexMacroNode,
    LatexMathNode,
    LatexNode,
    LatexWalker,
)
from pylatexenc.latexwalker import get_default_latex_context_db as get_parser_context_db
from pylatexenc.macrospec import LatexContextDb, MacroSpec, SpecialsSpec

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

# Commands whose argument is shown in a style, and declarations that style the rest of a group.
STYLE_COMMANDS = {
    "emph": "em",
    "textit": "em",
    "textsl": "em",
    "textbf": "strong",
    "texttt": "code",
}
STYLE_SWITCHES = {
    **{"em": "em", "it": "em", "itshape": "em", "sl": "em", "slshape": "em"},
    **{"bf": "strong", "bfseries": "strong", "tt": "code", "ttfamily": "code"},
    # Switches to a plain face: the text after them is shown plainly.
    **{"rm": "", "rmfamily": "", "sf": "", "sffamily": "", "sc": "", "scshape": ""},
    **{"upshape": "", "normalfont": "", "smc": "", "ssf": ""},
}
# Commands without arguments that pylatexenc's tables lack (or read otherwise), as text:
# logos and typography of TeX's own bibliographies (TeX Live's tugboat.bib uses them all;
# their style files define them, which bibfolio does not read), characters as Zotero writes
# them, and spacing and line-breaking commands, which show nothing or a space.
TEXT_COMMANDS = {
    **{"slash": "/", "hyphen": "-", "Dash": " \u2014 ", "dash": "\u2014", "S": "§", "P": "¶"},
    **{"copyright": "©", "pounds": "£", "euro": "€", "dag": "†", "ddag": "‡"},
    # Zotero (Better BibTeX) writes characters special to LaTeX so.
    **{"textless": "<", "textgreater": ">", "textbar": "|", "textunderscore": "_"},
    **{"textpercent": "%", "textbraceleft": "{", "textbraceright": "}", "textasciicircum": "^"},
    **{"textperiodcentered": "·"},
    **{"LaTeXe": "LaTeX2ε", "AmS": "AMS", "AMS": "AMS", "AMSTeX": "AMS-TeX", "eTeX": "ε-TeX"},
    **{"MF": "METAFONT", "MP": "MetaPost", "ConTeXt": "ConTeXt", "SliTeX": "SliTeX"},
    **{"XeTeX": "XeTeX", "XeLaTeX": "XeLaTeX", "LuaTeX": "LuaTeX", "LuaLaTeX": "LuaLaTeX"},
    **{"pdfTeX": "pdfTeX", "pdfLaTeX": "pdfLaTeX", "PS": "PostScript", "PDF": "PDF"},
    **{"XML": "XML", "HTML": "HTML", "DVI": "DVI", "CTAN": "CTAN", "TUG": "TUG"},
    **{"TUB": "TUGboat", "VAX": "VAX", "VMS": "VMS", "UNIX": "UNIX", "SGML": "SGML"},
    **{"emdash": "\u2014", "endash": "\u2013", "METAFONT": "METAFONT", "POSTSCRIPT": "PostScript"},
    **{"AmSTeX": "AMS-TeX", "AMSTEX": "AMS-TeX", "AmSLaTeX": "AMS-LaTeX", "AMSLaTeX": "AMS-LaTeX"},
    **{"TikZ": "TikZ", "PiCTeX": "PiCTeX", "LyX": "LyX", "TeXLive": "TeX Live", "WEB": "WEB"},
    **{"AllTeX": "(La)TeX", "OMEGA": "Omega", "NTS": "NTS"},
    **{"nobreakspace": "\u00a0", "thinspace": "\u2009", "enspace": "\u2002", "par": " "},
    **{"newblock": " ", "@": "", "/": "", "relax": "", "protect": "", "noindent": ""},
    **{"allowbreak": "", "break": "", "linebreak": "", "nobreak": ""},
}


@lru_cache(maxsize=1)
def _decoder() -> LatexNodes2Text:
    """Build the decoder once: constructing the context database is the slow part."""
    context = get_default_latex_context_db()
    macros = [
        # \url{...} as the bare address instead of pylatexenc's default "<...>".
        MacroTextSpec("url", simplify_repl="%s"),
        MacroTextSpec("mbox", simplify_repl="%s"),
        MacroTextSpec("TeX", simplify_repl="TeX"),
        MacroTextSpec("LaTeX", simplify_repl="LaTeX"),
        MacroTextSpec("BibTeX", simplify_repl="BibTeX"),
        # The classic sort-key trick: \noopsort{a}Title is defined in @preamble to print nothing.
        MacroTextSpec("noopsort", discard=True),
        *(MacroTextSpec(name, simplify_repl=text) for name, text in TEXT_COMMANDS.items()),
        *(MacroTextSpec(name, simplify_repl="") for name in STYLE_SWITCHES),
    ]
    context.add_context_category("bibfolio", prepend=True, macros=macros)
    return LatexNodes2Text(latex_context=context, math_mode="verbatim", keep_braced_groups=False)


@lru_cache(maxsize=1)
def _math_decoder() -> LatexNodes2Text:
    """A decoder that turns the inside of math into text (``\\alpha`` → α)."""
    return LatexNodes2Text(math_mode="text", keep_braced_groups=False, strict_latex_spaces="macros")


@lru_cache(maxsize=1)
def _parser_context() -> LatexContextDb:
    """The parser's macro table, taught that ``\\href`` takes two arguments."""
    context = get_parser_context_db()
    macros = [MacroSpec("href", "{{"), MacroSpec("noopsort", "{")]
    context.add_context_category("bibfolio", prepend=True, macros=macros)
    # The parser asks at every character; pylatexenc's own lookup tries every special.
    context.test_for_specials = _specials_lookup(context)
    return context


def _specials_lookup(context: LatexContextDb) -> Callable[..., SpecialsSpec | None]:
    """``context.test_for_specials``, trying only the specials that start with the
    character at ``pos``: the longest that matches, of the first category that has it."""
    ranked = sorted(
        (-len(chars), rank, order, chars, spec)
        for rank, category in enumerate(context.category_list)
        for order, (chars, spec) in enumerate(context.d[category]["specials"].items())
    )
    by_first: dict[str, list[tuple[str, SpecialsSpec]]] = {}
    for *_, chars, spec in ranked:
        by_first.setdefault(chars[0], []).append((chars, spec))

    def test_for_specials(text: str, pos: int, parsing_state: object = None) -> SpecialsSpec | None:
        for chars, spec in by_first.get(text[pos : pos + 1], ()):
            if text.startswith(chars, pos):
                return spec
        return None

    return test_for_specials


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
    if "$" in latex or "%" in latex or "verb" in latex:
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
    text = _BARE_SPECIAL.sub(r"\\\g<0>", latex)
    walker = LatexWalker(text, latex_context=_parser_context(), tolerant_parsing=True)
    try:
        nodes, _, _ = walker.get_latex_nodes()
    except Exception:  # the parser fails on some broken text (``\\verb`` at its very end)
        return (Span(_unbraced(latex)),)
    return tuple(_walk(nodes, ""))


def to_unicode(latex: str) -> str:
    """Decode LaTeX into plain text: accents, dashes, ties, braces removed, math as written."""
    return "".join(span.text for span in to_spans(latex))


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
        # Readable for people who do not read TeX: \log -> log, \alpha -> α; ^ and _ stay.
        return [Span(_decoded(node, _math_decoder()).strip(), "math")]
    if isinstance(node, LatexCharsNode):
        return [Span(node.chars, style)]
    if isinstance(node, LatexMacroNode):
        return _macro_spans(node, style, following)
    return [Span(_decoded(node, _decoder()), style)]


def _macro_spans(node: LatexMacroNode, style: str, following: LatexNode | None) -> list[Span]:
    """Styled commands keep their style, links their address; unknown ones stay visible."""
    name = node.macroname
    args = [arg for arg in (node.nodeargd.argnlist if node.nodeargd else []) if arg is not None]
    if name in STYLE_COMMANDS and args:
        return _walk([args[-1]], STYLE_COMMANDS[name])
    if name == "url" and args:
        address = address_text(_verbatim(_contents(args[-1])))
        return [Span(address, "link", href=address)]
    if name == "href" and len(args) >= 2:
        text = "".join(span.text for span in _walk([args[-1]], style))
        return [Span(text, "link", href=address_text(_verbatim(_contents(args[-2]))))]
    if _decoder().latex_context.get_macro_spec(name) is None:
        # An unknown command is shown as written rather than lost (a custom \sys{} in a
        # title), unless a non-empty {...} follows: then it is formatting, and the text shows.
        if args:
            return _walk(args, style)
        if isinstance(following, LatexGroupNode) and following.nodelist:
            return []
        return [Span(f"\\{name}{node.macro_post_space}", style)]
    return [Span(_decoded(node, _decoder()), style)]


def _decoded(node: LatexNode, decoder: LatexNodes2Text) -> str:
    """pylatexenc's text for ``node``, or the node as written when a command in it lacks
    an argument: pylatexenc would show "%s" for it (``\\url`` alone), or fail (``\\href``
    alone, ``\\footnote``), and a .bib file never makes bibfolio fail with a traceback."""
    if not _lacks_argument(node):
        try:
            text: str = decoder.node_to_text(node)
            return text
        except Exception:  # a replacement that assumes what its arguments are
            pass
    as_written: str = node.latex_verbatim()
    return as_written


def _lacks_argument(node: LatexNode | None) -> bool:
    """Whether a command in ``node`` lacks one of the arguments it must have."""
    if isinstance(node, LatexMacroNode):
        spec = _parser_context().get_macro_spec(node.macroname)
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
    """Fold white space across span boundaries, drop empty spans, merge equal neighbours."""
    tidy: list[Span] = []
    for span in spans:
        text = _WHITESPACE.sub(" ", span.text)
        if tidy and tidy[-1].text.endswith(" "):
            text = text.lstrip(" ")
        if not tidy:
            text = text.lstrip(" ")
        if not text:
            continue
        if tidy and (tidy[-1].style, tidy[-1].href) == (span.style, span.href):
            tidy[-1] = Span(tidy[-1].text + text, span.style, span.href)
        else:
            tidy.append(Span(text, span.style, span.href))
    if tidy and tidy[-1].text.endswith(" "):
        last = tidy.pop()
        if last.text.rstrip(" "):
            tidy.append(Span(last.text.rstrip(" "), last.style, last.href))
    return tuple(tidy)
