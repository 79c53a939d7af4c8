"""What the LaTeX decoder knows: the commands bibfolio reads its own way (styles, scripts,
logos, typography, TeX's spacing primitives) and pylatexenc's macro tables taught them.

``latex.py`` walks the nodes pylatexenc parses with these tables; ``commands.py`` asks
``is_known_command`` whether ``\\providecommand`` may define a name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from pylatexenc.latex2text import (
    LatexNodes2Text,
    MacroTextSpec,
    get_default_latex_context_db,
)
from pylatexenc.latexwalker import LatexWalker
from pylatexenc.latexwalker import get_default_latex_context_db as get_parser_context_db
from pylatexenc.macrospec import (
    LatexContextDb,
    MacroSpec,
    MacroStandardArgsParser,
    SpecialsSpec,
    VerbatimArgsParser,
)

# Commands whose argument is shown in a style, and declarations that style the rest of a group.
STYLE_COMMANDS = {
    "emph": "em",
    "textit": "em",
    "textsl": "em",
    "textbf": "strong",
    "texttt": "code",
}
# Commands whose argument is a sub- or superscript in text, as ``_`` and ``^`` are in math.
SCRIPT_COMMANDS = {"textsubscript": "sub", "textsuperscript": "sup"}
# Commands whose argument reads as its text, in math and out (``\\mathbf{x}`` is "x", not
# pylatexenc's "𝐱"); in math, the scripts in their argument are still scripts.
TEXT_ARGUMENT_COMMANDS = (
    *("mbox", "hbox", "vbox", "text", "textrm", "textnormal", "textup", "mathrm", "mathbf"),
    *("mathit", "mathsf", "mathtt", "mathnormal", "operatorname", "llap", "rlap"),
)
STYLE_SWITCHES = {
    **{"em": "em", "it": "em", "itshape": "em", "sl": "em", "slshape": "em"},
    **{"bf": "strong", "bfseries": "strong", "tt": "code", "ttfamily": "code"},
    # Switches to a plain face: the text after them is shown plainly.
    **{"rm": "", "rmfamily": "", "sf": "", "sffamily": "", "sc": "", "scshape": ""},
    **{"upshape": "", "normalfont": "", "smc": "", "ssf": "", "manfnt": ""},
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
    **{"allowbreak": "", "break": "", "linebreak": "", "nobreak": "", "unskip": ""},
    # A backslash before a line break is a space, as before a space.
    **{"\n": " ", "null": ""},
    # Sizes change nothing a page of plain text shows.
    **{"tiny": "", "scriptsize": "", "footnotesize": "", "small": "", "normalsize": ""},
    **{"large": "", "Large": "", "LARGE": "", "huge": "", "Huge": ""},
    # Symbols pylatexenc lacks or reads as ASCII (\prime as "'"); \cprime is the soft sign of
    # transliterated Russian (AMS's Bol\cprime shoi).
    **{"ne": "≠", "prime": "′", "cprime": "ʹ", "cdprime": "ʺ", "sun": "☉", "degree": "°"},
}
# TeX primitives that only move or space things, with the dimension, glue or number they
# take (``\\kern-.1em``, ``\\raise.5ex``, ``\\hskip 0pt plus 1fil``, ``\\penalty10000``):
# pylatexenc would read the argument as text, so they go before it parses. A skip is a
# space between words; the rest (a kern inside a logo, a raised accent) shows nothing.
_NUMBER = r"[-+]?\s*(?:\d+(?:\.\d*)?|\.\d+)"
_DIMEN = rf"{_NUMBER}\s*(?:true\s*)?(?:em|ex|pt|pc|in|cm|mm|bp|dd|cc|sp|mu)"
_GLUE = rf"{_DIMEN}(?:\s*plus\s*(?:{_DIMEN}|(?:{_NUMBER})?\s*fil+))?"
_SPACING_PRIMITIVE = re.compile(
    rf"\\(?:(kern|mkern|raise|lower|moveleft|moveright)\s*{_DIMEN}"
    rf"|(hskip|vskip|mskip)\s*{_GLUE}(?:\s*minus\s*(?:{_DIMEN}|(?:{_NUMBER})?\s*fil+))?"
    r"|(penalty|spacefactor)\s*[-+]?\s*\d+)\s*"
)
# \accent and a slot of the OT1 encoding (plain TeX's accents) reads as LaTeX's command.
_OT1_ACCENTS = {18: "`", 19: "'", 20: "v", 21: "u", 22: "=", 23: "r", 24: "c", 94: "^"}
_OT1_ACCENTS |= {95: ".", 125: "H", 126: "~", 127: '"'}
_ACCENT_PRIMITIVE = re.compile(r"\\accent\s*(?:\"([0-9A-Fa-f]+)|'([0-7]+)|(\d+))\s?")


@lru_cache(maxsize=1)
def _context() -> LatexContextDb:
    """The decoders' macro table: pylatexenc's, with bibfolio's commands first."""
    context = get_default_latex_context_db()
    macros = [
        # \url{...} as the bare address instead of pylatexenc's default "<...>".
        MacroTextSpec("url", simplify_repl="%s"),
        MacroTextSpec("TeX", simplify_repl="TeX"),
        MacroTextSpec("LaTeX", simplify_repl="LaTeX"),
        MacroTextSpec("BibTeX", simplify_repl="BibTeX"),
        # The classic sort-key trick: \noopsort{a}Title is defined in @preamble to print nothing.
        MacroTextSpec("noopsort", discard=True),
        MacroTextSpec("special", discard=True),
        *(MacroTextSpec(name, simplify_repl="%s") for name in TEXT_ARGUMENT_COMMANDS),
        *(MacroTextSpec(name, simplify_repl=text) for name, text in TEXT_COMMANDS.items()),
        *(MacroTextSpec(name, simplify_repl="") for name in STYLE_SWITCHES),
    ]
    context.add_context_category("bibfolio", prepend=True, macros=macros)
    return context


@lru_cache(maxsize=1)
def decoder() -> LatexNodes2Text:
    """Build the decoder once: constructing the context database is the slow part."""
    return LatexNodes2Text(latex_context=_context(), math_mode="verbatim", keep_braced_groups=False)


@lru_cache(maxsize=1)
def math_decoder() -> LatexNodes2Text:
    """A decoder that turns the inside of math into text (``\\alpha`` → α)."""
    return LatexNodes2Text(
        latex_context=_context(),
        math_mode="text",
        keep_braced_groups=False,
        strict_latex_spaces="macros",
    )


@lru_cache(maxsize=1)
def parser_context() -> LatexContextDb:
    """The parser's macro table, taught the arguments of \\href and the commands bibfolio
    reads (\\path takes \\verb's ``|...|`` as well as ``{...}``)."""
    context = get_parser_context_db()
    one_argument = ("noopsort", "special", *TEXT_ARGUMENT_COMMANDS, *SCRIPT_COMMANDS)
    macros = [
        MacroSpec("href", "{{"),
        MacroSpec("path", args_parser=_PathArgsParser("verb-macro")),
        *(MacroSpec(name, "{") for name in one_argument),
    ]
    context.add_context_category("bibfolio", prepend=True, macros=macros)
    # The parser asks at every character; pylatexenc's own lookup tries every special.
    context.test_for_specials = _specials_lookup(context)
    return context


def is_known_command(name: str) -> bool:
    """Whether the decoder knows the command ``\\name`` (else it is shown as written)."""
    return (
        decoder().latex_context.get_macro_spec(name) is not None
        or parser_context().get_macro_spec(name) is not None
    )


class _PathArgsParser(VerbatimArgsParser):  # type: ignore[misc]
    """``\\path``'s argument: between braces like ``\\url``'s, else between two equal
    characters like ``\\verb``'s."""

    def parse_args(self, w: LatexWalker, pos: int, parsing_state: object = None) -> object:
        if w.s[pos:].lstrip().startswith("{"):
            return MacroStandardArgsParser.parse_args(self, w, pos, parsing_state=parsing_state)
        return super().parse_args(w, pos, parsing_state=parsing_state)


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


def without_primitives(latex: str) -> str:
    """``latex`` with TeX's spacing primitives gone (see ``_SPACING_PRIMITIVE``) and
    ``\\accent`` written as the accent command of its slot."""
    if "\\" not in latex:
        return latex
    latex = _SPACING_PRIMITIVE.sub(lambda match: " " if match[2] else "", latex)
    return _ACCENT_PRIMITIVE.sub(_accent_command, latex)


def _accent_command(match: re.Match[str]) -> str:
    hexadecimal, octal, decimal = match.groups()
    slot = int(hexadecimal, 16) if hexadecimal else int(octal, 8) if octal else int(decimal)
    accent = _OT1_ACCENTS.get(slot)
    return f"\\{accent} " if accent else match[0]
