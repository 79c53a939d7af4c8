"""The library API: every public name resolves, and the lazy table matches ``__all__``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import bibfolio


@pytest.mark.parametrize("name", bibfolio.__all__)
def test_public_name_resolves(name: str) -> None:
    assert getattr(bibfolio, name) is not None


def test_lazy_table_matches_all() -> None:
    assert sorted(bibfolio._EXPORTS) == sorted(bibfolio.__all__)


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        _ = bibfolio.no_such_name  # type: ignore[attr-defined]


def test_importing_the_cli_does_not_load_the_heavy_libraries() -> None:
    code = (
        "import sys, bibfolio.cli; "
        "print(sorted(m for m in ('jinja2', 'bibtexparser', 'pylatexenc') if m in sys.modules))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "[]"


def test_a_cache_passed_through_the_api_is_reused(tmp_path: Path) -> None:
    from bibfolio import Cache, Config, build_page, render_documents

    paths = [Path(__file__).parent / "data" / "small.bib"]
    config = Config(owner=("Ada Lovelace",), style="full")
    pages = []
    for _ in range(2):
        cache = Cache.for_files(paths, tmp_path)
        result = build_page(paths, config, cache)
        pages.append(render_documents(result.page, config, cache))
        cache.save()
    assert pages[0] == pages[1] == render_documents(build_page(paths, config).page, config)
    assert len(cache.fragments) == len(result.page.entries) * len(config.formats)
