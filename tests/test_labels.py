"""Short venue labels."""

from __future__ import annotations

import pytest

from bibfolio.labels import paper_label


@pytest.mark.parametrize(
    ("abbr", "venue", "year", "has_eprint", "label"),
    [
        pytest.param("OSDI", "whatever", 2022, False, "OSDI 22", id="abbr"),
        pytest.param("OSDI", "", 2005, False, "OSDI 05", id="two-digit-year-zero-padded"),
        pytest.param(
            "", "arXiv preprint arXiv:2312.07104", 2023, True, "Preprint 23", id="arxiv-venue"
        ),
        pytest.param("", "", 2023, True, "Preprint 23", id="eprint-only"),
        pytest.param("", "CoRR", 2019, False, "Preprint 19", id="corr"),
        pytest.param(
            "",
            "16th USENIX Symposium on OSDI (OSDI 22)",
            2022,
            False,
            "OSDI 22",
            id="acronym-in-parentheses",
        ),
        pytest.param(
            "",
            "Proceedings of SOSP (SOSP '23)",
            2023,
            False,
            "SOSP 23",
            id="acronym-apostrophe-year",
        ),
        pytest.param(
            "",
            "Datasets and Benchmarks 1 (NeurIPS 2021, Round 1)",
            2021,
            False,
            "NeurIPS 21",
            id="acronym-with-extra",
        ),
        pytest.param(
            "",
            "Advances in Neural Information Processing Systems 31",
            2018,
            False,
            "NeurIPS 18",
            id="known-venue",
        ),
        pytest.param(
            "",
            "Proceedings of NAACL: North American Chapter of the Association for "
            "Computational Linguistics",
            2019,
            False,
            "NAACL 19",
            id="longer-known-name-wins",
        ),
        pytest.param(
            "", "Some Workshop (Volume 2)", 2020, False, "2020", id="one-capital-is-no-acronym"
        ),
        pytest.param("", "Journal of Obscure Results", 2020, False, "2020", id="year-alone"),
        pytest.param("ICML", "", None, False, "ICML", id="no-year"),
        pytest.param("", "Journal of Obscure Results", None, False, None, id="nothing"),
    ],
)
def test_paper_label(
    abbr: str, venue: str, year: int | None, has_eprint: bool, label: str | None
) -> None:
    assert paper_label(abbr, venue, year, has_eprint) == label
