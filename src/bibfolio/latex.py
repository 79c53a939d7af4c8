"""Turn LaTeX-encoded field text into plain Unicode for display (pylatexenc does the work)."""

from __future__ import annotations

import re
from functools import lru_cache

from pylatexenc.latex2text import (
    LatexNodes2Text,
    MacroTextSpec,
    get_default_latex_context_db,
)

# Text without these characters reads the same before and after decoding, so skip the parser.
_LATEX_SPECIALS = re.compile(r"[\\{}~$%&-]")
_WHITESPACE = re.compile(r"[ \t\r\n]+")
# A bare "&" is a LaTeX error that BibTeX lets through; people mean the character.
_BARE_AMPERSAND = re.compile(r"(?<!\\)&")


@lru_cache(maxsize=1)
def _decoder() -> LatexNodes2Text:
    """Build the decoder once: constructing the context database is the slow part."""
    context = get_default_latex_context_db()
    # Show \url{...} as the bare address instead of pylatexenc's default "<...>".
    context.add_context_category(
        "bibfolio", prepend=True, macros=[MacroTextSpec("url", simplify_repl="%s")]
    )
    return LatexNodes2Text(latex_context=context, math_mode="verbatim", keep_braced_groups=False)


def to_unicode(latex: str) -> str:
    """Decode accents, dashes, ties and case-protecting braces; fold runs of white space.

    ``M{\\"u}ller -- {GPU}`` becomes ``Müller – GPU``. Math stays as written (``$O(n^2)$``).
    """
    if _LATEX_SPECIALS.search(latex):
        text = _decoder().latex_to_text(_BARE_AMPERSAND.sub(r"\\&", latex))
    else:
        text = latex
    return _WHITESPACE.sub(" ", text).strip()
