"""What the fault tests share: a bibliography large enough that a build takes seconds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SMALL_BIB = Path(__file__).parents[1] / "data" / "small.bib"


def replicated_small_bib(directory: Path, copies: int) -> Path:
    """``small.bib`` ``copies`` times over in ``directory`` (keys made unique): seconds of
    work, in parts large enough for ``-j`` to fork workers."""
    text = SMALL_BIB.read_text(encoding="utf-8")
    parts = (
        re.sub(r"(@\w+\{)(\w+)", lambda m, i=i: f"{m.group(1)}{m.group(2)}x{i}", text)
        for i in range(copies)
    )
    path = directory / "replicated.bib"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def big_bib(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """16,000 entries."""
    return replicated_small_bib(tmp_path_factory.mktemp("big"), 2000)
