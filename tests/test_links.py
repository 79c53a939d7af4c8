"""Links: which fields become buttons, and which addresses may become an href."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bibfolio.links import (
    AssetBases,
    arxiv_id,
    checked_href,
    doi_url,
    entry_links,
    preview_address,
    safe_href,
)
from bibfolio.model import Link


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


@pytest.mark.parametrize(
    ("fields", "kind", "href"),
    [
        pytest.param(
            {"arxiv": "2301.00001"},
            "arxiv",
            "https://arxiv.org/abs/2301.00001",
            id="al-folio-arxiv",
        ),
        pytest.param(
            {"journal": "arXiv preprint arXiv:1510.08713"},
            "arxiv",
            "https://arxiv.org/abs/1510.08713",
            id="google-scholar-journal",
        ),
        pytest.param(
            {"eid": "arXiv:2606.31440"}, "arxiv", "https://arxiv.org/abs/2606.31440", id="ads-eid"
        ),
        pytest.param(
            {"eprint": "arXiv:2606.31440"},
            "arxiv",
            "https://arxiv.org/abs/2606.31440",
            id="ads-eprint",
        ),
        pytest.param(
            {"doi": "10.48550/arXiv.2606.31440"},
            "arxiv",
            "https://arxiv.org/abs/2606.31440",
            id="arxiv-doi",
        ),
        pytest.param(
            {"journal": "CoRR", "volume": "abs/1901.00001"},
            "arxiv",
            "https://arxiv.org/abs/1901.00001",
            id="dblp-corr",
        ),
        pytest.param({"pdf": "paper.pdf"}, "pdf", "/assets/pdf/paper.pdf", id="al-folio-pdf-file"),
        pytest.param({"supp": "supp.pdf"}, "supp", "/assets/pdf/supp.pdf", id="al-folio-supp-file"),
        pytest.param({"html": "https://p.org/x"}, "html", "https://p.org/x", id="al-folio-html"),
        pytest.param(
            {"url_paper": "https://p.org/x.pdf"}, "pdf", "https://p.org/x.pdf", id="bibbase"
        ),
        pytest.param({"url_code": "https://g.com/x"}, "code", "https://g.com/x", id="hugo"),
        pytest.param({"codelink": "https://g.com/x"}, "code", "https://g.com/x", id="codelink"),
        pytest.param({"ee": "https://dl.org/x"}, "url", "https://dl.org/x", id="dblp-ee"),
        pytest.param({"url": "www.springer.com/x"}, "url", "http://www.springer.com/x", id="www"),
        pytest.param({"url": "osf.io/preprints/x"}, "url", "http://osf.io/preprints/x", id="host"),
        pytest.param({"url": "../talks/x.pdf"}, "url", "../talks/x.pdf", id="relative-kept"),
        pytest.param(
            {"pdf": r"\url{https://p.org/x.pdf}{[paper]}"},
            "pdf",
            "https://p.org/x.pdf",
            id="url-cmd",
        ),
        pytest.param(
            {"url_paper": "https://arxiv.org/pdf/2301.00001"},
            "arxiv",
            "https://arxiv.org/abs/2301.00001",
            id="arxiv-in-a-link-field",
        ),
        pytest.param(
            {"adsurl": "https://ui.adsabs.harvard.edu/abs/X"},
            "ads",
            "https://ui.adsabs.harvard.edu/abs/X",
            id="ads",
        ),
        pytest.param(
            {"pmid": "29664972"}, "pubmed", "https://pubmed.ncbi.nlm.nih.gov/29664972/", id="pmid"
        ),
        pytest.param(
            {"pubmed_id": "30300948"},
            "pubmed",
            "https://pubmed.ncbi.nlm.nih.gov/30300948/",
            id="scopus-pubmed",
        ),
        pytest.param(
            {"pmc": "PMC5903632"},
            "pmc",
            "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC5903632/",
            id="pmc",
        ),
        pytest.param(
            {"mrnumber": "MR4504018"},
            "mathscinet",
            "https://mathscinet.ams.org/mathscinet-getitem?mr=MR4504018",
            id="mathscinet",
        ),
        pytest.param(
            {"zbl": "1540.65003"}, "zbmath", "https://zbmath.org/?q=an:1540.65003", id="zbl"
        ),
    ],
)
def test_links_from_every_exporter(fields: dict[str, str], kind: str, href: str) -> None:
    assert Link(kind, href) in entry_links(fields).links


def test_asset_bases_are_settings_and_addresses_stay_as_written() -> None:
    bases = AssetBases(files="/files/", previews="/img/")
    links = entry_links({"pdf": "a.pdf", "poster": "https://x.org/p.pdf"}, bases).links
    assert links == (Link("pdf", "/files/a.pdf"), Link("poster", "https://x.org/p.pdf"))
    assert entry_links({"pdf": "/abs/a.pdf"}).links == (Link("pdf", "/abs/a.pdf"),)
    assert preview_address({"preview": "t.png"}, bases) == "/img/t.png"
    assert preview_address({"preview": "javascript:alert(1)"}) is None
