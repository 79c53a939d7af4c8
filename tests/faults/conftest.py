"""What the fault tests share: a bibliography large enough that a build takes seconds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SMALL_BIB = Path(__file__).parents[1] / "data" / "small.bib"


@pytest.fixture(scope="session")
def big_bib(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``small.bib`` 2,000 times over (16,000 entries, keys made unique): seconds of work, in
    parts large enough for ``-j`` to fork workers."""
    text = SMALL_BIB.read_text(encoding="utf-8")
    copies = (
        re.sub(r"(@\w+\{)(\w+)", lambda m, i=i: f"{m.group(1)}{m.group(2)}x{i}", text)
        for i in range(2000)
    )
    path = tmp_path_factory.mktemp("big") / "big.bib"
    path.write_text("\n".join(copies), encoding="utf-8")
    return path
