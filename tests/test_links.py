"""Links: which fields become buttons, and which addresses may become an href."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bibfolio.links import arxiv_id, checked_href, doi_url, entry_links, safe_href


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        pytest.param("https://example.org/a_b?x=1&y=2", True, id="https"),
        pytest.param("http://example.org", True, id="http"),
        pytest.param("mailto:ada@example.org", True, id="mailto"),
        pytest.param("papers/notes.pdf", True, id="relative"),
        pytest.param("/papers/notes.pdf", True, id="root-relative"),
        pytest.param("javascript:alert(1)", False, id="javascript"),
        pytest.param("JaVaScRiPt:alert(1)", False, id="javascript-mixed-case"),
        pytest.param(" javascript:alert(1)", False, id="leading-space"),
        pytest.param("java\tscript:alert(1)", False, id="tab-inside-scheme"),
        pytest.param("java\nscript:alert(1)", False, id="newline-inside-scheme"),
        pytest.param("data:text/html,<script>", False, id="data"),
        pytest.param("vbscript:msgbox", False, id="vbscript"),
        pytest.param("file:///etc/passwd", False, id="file"),
        pytest.param("", False, id="empty"),
        pytest.param("http://[::1", False, id="malformed"),
    ],
)
def test_safe_href(address: str, allowed: bool) -> None:
    assert (safe_href(address) is not None) is allowed


@given(
    st.sampled_from(["http://", "https://", "HTTP://", "https:", "http:/"]),
    st.text(st.characters(codec="ascii") | st.sampled_from("&;[]\\\t\x7fé"), max_size=30),
)
@example("https://", "example.org/a[b")
@example("http://", "x&colon;y")
@example("https://", "a\\b")
def test_safe_href_shortcut_agrees_with_the_full_check(scheme: str, rest: str) -> None:
    """The shortcut for plain web addresses decides as the full check does."""
    assert safe_href(scheme + rest) == checked_href(scheme + rest)


@pytest.mark.parametrize(
    ("eprint", "prefix", "expected"),
    [
        pytest.param("2201.12023", "arXiv", "2201.12023", id="new-style"),
        pytest.param("2201.12023v2", "", "2201.12023v2", id="versioned-no-prefix"),
        pytest.param("arXiv:2201.12023", "", "2201.12023", id="arxiv-colon"),
        pytest.param("cs/0112017", "arxiv", "cs/0112017", id="old-style"),
        pytest.param("2201.12023", "PubMed", None, id="other-archive"),
        pytest.param("not an id", "arXiv", None, id="garbage"),
    ],
)
def test_arxiv_id(eprint: str, prefix: str, expected: str | None) -> None:
    assert arxiv_id(eprint, prefix) == expected


@pytest.mark.parametrize(
    ("doi", "expected"),
    [
        pytest.param(
            "10.1145/3600006.3613165", "https://doi.org/10.1145/3600006.3613165", id="bare"
        ),
        pytest.param("https://doi.org/10.1145/1", "https://doi.org/10.1145/1", id="url"),
        pytest.param("doi:10.1145/1", "https://doi.org/10.1145/1", id="doi-prefix"),
        pytest.param('10.1000/a<b>"c', "https://doi.org/10.1000/a%3Cb%3E%22c", id="quoted"),
        pytest.param("javascript:alert(1)", None, id="not-a-doi"),
    ],
)
def test_doi_url(doi: str, expected: str | None) -> None:
    assert doi_url(doi) == expected


def test_entry_links_order_primary_and_refusals() -> None:
    links = entry_links(
        {
            "url": "https://publisher.example/paper",
            "pdf": "javascript:alert(1)",
            "code": "https://github.com/x/y",
            "eprint": "2201.12023",
            "archiveprefix": "arXiv",
            "doi": "10.1000/xyz",
        }
    )
    assert [link.kind for link in links.links] == ["code", "arxiv", "doi", "url"]
    assert links.primary == "https://arxiv.org/abs/2201.12023"
    assert links.refused == (("pdf", "javascript:alert(1)"),)


def test_primary_link_falls_back_to_url_then_doi() -> None:
    assert (
        entry_links({"url": "https://a.example", "doi": "10.1000/x"}).primary == "https://a.example"
    )
    assert entry_links({"doi": "10.1000/x"}).primary == "https://doi.org/10.1000/x"
    assert entry_links({}).primary is None
