"""The full-style HTML page in a real browser (headless Chromium): filter, toggles, screenshots.

Needs Debian's ``chromium`` and ``chromium-driver`` packages and selenium (the ``test`` extra).
Without them the module is skipped, unless the ``CI`` environment variable is set: CI installs
them, so there a missing browser is a failure, not a silent skip.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bibfolio.cli import main

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
REPO_ROOT = Path(__file__).parent.parent
REFS_BIB = REPO_ROOT / "refs.bib"  # its bibfolio.toml gives the owner, title and theme order
SMALL_BIB = Path(__file__).parent / "data" / "small.bib"


def _unavailable() -> str | None:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        return f"{' and '.join(missing)} not found (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install '.[test]')"
    return None


if (_reason := _unavailable()) is not None:
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run in CI: {_reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {_reason}", allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.select import Select  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402

# Flags that keep Chromium offline and quiet: without the background-networking ones it tries
# to reach Google and can hang.
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
DESKTOP = {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}


def build(*args: str | Path) -> None:
    result = CliRunner().invoke(main, ["build", *map(str, args)], prog_name="bibfolio")
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """refs.bib built as a full-style HTML page, the way a user builds it."""
    out = tmp_path_factory.mktemp("site")
    build(REFS_BIB, "-s", "full", "-f", "html", "-o", out)
    return out / "publications.html"


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    # An explicit driver path: selenium must not try to download one.
    browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    yield browser
    browser.quit()


@pytest.fixture
def open_page(driver: webdriver.Chrome) -> Iterator[Any]:
    """Load a page at a viewport, colour scheme and JavaScript setting; reset them afterwards."""

    def load(
        path: Path,
        viewport: dict[str, object] = DESKTOP,
        dark: bool = False,
        javascript: bool = True,
    ) -> webdriver.Chrome:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", viewport)
        scheme = {"name": "prefers-color-scheme", "value": "dark" if dark else "light"}
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [scheme]})
        driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": not javascript})
        driver.get(path.as_uri())
        return driver

    yield load
    driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})


def visible_ids(driver: webdriver.Chrome, selector: str = ".bf-paper") -> list[str]:
    return [
        element.get_attribute("id") or ""
        for element in driver.find_elements(By.CSS_SELECTOR, selector)
        if element.is_displayed()
    ]


def count_text(driver: webdriver.Chrome) -> str:
    return driver.find_element(By.CSS_SELECTOR, ".bf-count").text


def type_filter(driver: webdriver.Chrome, text: str) -> None:
    box = driver.find_element(By.CSS_SELECTOR, 'input[type="search"]')
    box.clear()
    box.send_keys(text)


# --- filter -----------------------------------------------------------------------------------


def test_typing_hides_non_matching_papers_and_updates_the_count(open_page: Any, site: Path) -> None:
    driver = open_page(site)
    papers = len(driver.find_elements(By.CSS_SELECTOR, ".bf-paper"))
    assert count_text(driver) == f"{papers} of {papers} publications"

    type_filter(driver, "alpa")
    shown = visible_ids(driver)
    assert {"zheng2022alpa", "li2023alpaserve"} <= set(shown)
    assert "chen2018tvm" not in shown
    assert count_text(driver) == f"{len(shown)} of {papers} publications"
    # A theme with nothing left is hidden with its heading.
    headings = [h.text for h in driver.find_elements(By.CSS_SELECTOR, "h2") if h.is_displayed()]
    assert headings == ["Systems for training and serving large models"]

    type_filter(driver, "CHRISTOPHER RE")  # "Christopher Ré": case and accents are ignored
    assert visible_ids(driver) == ["sheng2023flexgen"]
    type_filter(driver, "osdi alpa")  # every word must match, in any field
    assert set(visible_ids(driver)) == {"zheng2022alpa", "li2023alpaserve"}
    type_filter(driver, "no such paper")
    assert visible_ids(driver) == []
    assert count_text(driver) == f"0 of {papers} publications"


def test_theme_and_year_selects_filter(open_page: Any, site: Path) -> None:
    driver = open_page(site)
    theme = Select(driver.find_element(By.CSS_SELECTOR, 'select[name="theme"]'))
    theme.select_by_visible_text("Tensor program optimizations")
    entries = [e for e in driver.find_elements(By.CSS_SELECTOR, ".bf-entry") if e.is_displayed()]
    assert entries
    assert {e.get_attribute("data-theme") for e in entries} == {"Tensor program optimizations"}
    assert "chen2018tvm" in visible_ids(driver)

    theme.select_by_index(0)  # all themes
    Select(driver.find_element(By.CSS_SELECTOR, 'select[name="year"]')).select_by_value("2022")
    shown = visible_ids(driver)
    assert "zheng2022alpa" in shown
    assert {driver.find_element(By.ID, key).get_attribute("data-year") for key in shown} == {"2022"}
    assert count_text(driver).startswith(f"{len(shown)} of ")


def test_an_entry_in_two_themes_matches_either_and_counts_once(
    open_page: Any, tmp_path: Path
) -> None:
    bib = tmp_path / "themes.bib"
    bib.write_text(
        "@article{both2022, title = {Both}, author = {Lovelace, Ada}, journal = {J},\n"
        "  year = {2022}, theme = {Systems; Compilers}}\n"
        "@article{sys2021, title = {Sys}, author = {Lovelace, Ada}, journal = {J},\n"
        "  year = {2021}, theme = {Systems}}\n"
        "@article{comp2020, title = {Comp}, author = {Lovelace, Ada}, journal = {J},\n"
        "  year = {2020}, theme = {Compilers}}\n",
        encoding="utf-8",
    )
    build(bib, "--owner", "Ada Lovelace", "-s", "full", "-f", "html", "-o", tmp_path)
    driver = open_page(tmp_path / "publications.html")
    assert count_text(driver) == "3 of 3 publications"
    theme = Select(driver.find_element(By.CSS_SELECTOR, 'select[name="theme"]'))
    assert [option.text for option in theme.options] == ["All themes", "Systems", "Compilers"]
    theme.select_by_visible_text("Compilers")
    assert visible_ids(driver) == ["both2022", "", "comp2020"]  # "": listed again, no id
    assert count_text(driver) == "2 of 3 publications"
    theme.select_by_visible_text("Systems")
    assert visible_ids(driver) == ["both2022", "sys2021", ""]
    ids = driver.execute_script("return [...document.querySelectorAll('[id]')].map(e => e.id)")
    assert len(ids) == len(set(ids))


def test_a_page_without_themes_has_section_headings_and_no_theme_filter(
    open_page: Any, tmp_path: Path
) -> None:
    bib = tmp_path / "plain.bib"
    bib.write_text(
        "@article{a2021, title = {A}, author = {Lovelace, Ada}, journal = {J}, year = {2021}}\n"
        "@article{b2020, title = {B}, author = {Babbage, C. and Lovelace, Ada}, journal = {J},\n"
        "  year = {2020}}\n",
        encoding="utf-8",
    )
    build(bib, "--owner", "Ada Lovelace", "-s", "full", "-f", "html", "-o", tmp_path)
    driver = open_page(tmp_path / "publications.html")
    assert not driver.find_elements(By.CSS_SELECTOR, 'select[name="theme"]')
    headings = [h.text for h in driver.find_elements(By.CSS_SELECTOR, "h2")]
    assert [h.upper() for h in headings] == ["FIRST-AUTHOR PUBLICATIONS", "OTHER PUBLICATIONS"]
    Select(driver.find_element(By.CSS_SELECTOR, 'select[name="year"]')).select_by_value("2020")
    assert visible_ids(driver) == ["b2020"]
    shown = [h.text for h in driver.find_elements(By.CSS_SELECTOR, "h2") if h.is_displayed()]
    assert [h.upper() for h in shown] == ["OTHER PUBLICATIONS"]


# --- toggles ----------------------------------------------------------------------------------


def test_bibtex_toggle_opens_and_copy_says_copied(open_page: Any, site: Path) -> None:
    driver = open_page(site)
    paper = driver.find_element(By.ID, "zheng2022alpa")
    code = paper.find_element(By.CSS_SELECTOR, ".bf-bibtex code")
    assert not code.is_displayed()
    paper.find_element(By.CSS_SELECTOR, ".bf-bibtex summary").click()
    assert code.is_displayed()
    assert code.text.startswith("@inproceedings{zheng2022alpa,")

    copy = paper.find_element(By.CSS_SELECTOR, ".bf-copy")
    copy.click()
    WebDriverWait(driver, 2).until(lambda _: copy.text == "Copied")
    WebDriverWait(driver, 4).until(lambda _: copy.text == "Copy")  # back after 2 s


def test_long_author_list_is_folded_and_unfolds(open_page: Any, site: Path) -> None:
    driver = open_page(site)
    authors = driver.find_element(By.CSS_SELECTOR, "#zheng2022alpa .bf-authors")
    assert authors.text.endswith("Yuanzhong Xu and 4 more")  # 12 authors, 8 shown
    assert "Ion Stoica" not in authors.text
    authors.find_element(By.CSS_SELECTOR, "summary").click()
    full = authors.find_element(By.CSS_SELECTOR, ".bf-authors-all")
    assert full.is_displayed() and full.text.endswith("Joseph E. Gonzalez, Ion Stoica")
    assert not authors.find_element(By.CSS_SELECTOR, ".bf-authors-short").is_displayed()


def test_owner_far_down_stays_visible_abstract_and_selected(open_page: Any, tmp_path: Path) -> None:
    names = " and ".join(f"Author{n}, A." for n in range(1, 10))
    bib = tmp_path / "long.bib"
    bib.write_text(
        "@article{far:down/2024,\n"
        "  title = {Owner Tenth of Thirteen},\n"
        f"  author = {{{names} and Lovelace, Ada and X, Y. and Z, W. and Q, R.}},\n"
        "  journal = {J}, year = {2024}, selected = {true},\n"
        "  abstract = {An abstract about {\\'e}l{\\'e}gance.},\n"
        "}\n"
        "@article{other2020, title = {Other}, author = {Lovelace, Ada}, journal = {J},\n"
        "  year = {2020}}\n",
        encoding="utf-8",
    )
    build(bib, "--owner", "Ada Lovelace", "-s", "full", "-f", "html", "-o", tmp_path)
    driver = open_page(tmp_path / "publications.html")
    authors = driver.find_element(By.CSS_SELECTOR, '[id="far:down/2024"] .bf-authors').text
    assert authors == (
        "A. Author1, A. Author2, A. Author3, A. Author4, A. Author5, A. Author6, A. Author7, "
        "…, Ada Lovelace and 5 more"
    )
    abstract = driver.find_element(By.CSS_SELECTOR, ".bf-abstract p")
    assert not abstract.is_displayed()
    driver.find_element(By.CSS_SELECTOR, ".bf-abstract summary").click()
    assert abstract.text == "An abstract about élégance."

    driver.find_element(By.CSS_SELECTOR, 'input[name="selected"]').click()
    assert visible_ids(driver) == ["far:down/2024"]
    assert count_text(driver) == "1 of 2 publications"


def test_without_javascript_the_page_is_complete_and_clean(open_page: Any, site: Path) -> None:
    driver = open_page(site, javascript=False)
    assert not driver.find_element(By.CSS_SELECTOR, ".bf-filters").is_displayed()
    assert not any(b.is_displayed() for b in driver.find_elements(By.CSS_SELECTOR, ".bf-copy"))
    assert len(visible_ids(driver)) == len(driver.find_elements(By.CSS_SELECTOR, ".bf-paper"))
    paper = driver.find_element(By.ID, "zheng2022alpa")
    paper.find_element(By.CSS_SELECTOR, ".bf-bibtex summary").click()
    assert paper.find_element(By.CSS_SELECTOR, ".bf-bibtex code").is_displayed()


def test_two_fragments_on_one_page_filter_independently(open_page: Any, tmp_path: Path) -> None:
    fragments = []
    for bib in (SMALL_BIB, REFS_BIB):
        out = tmp_path / bib.stem
        build(bib, "--fragment", "-s", "full", "-f", "html", "-o", out)
        fragments.append((out / "publications.html").read_text(encoding="utf-8"))
    host = tmp_path / "host.html"
    host.write_text(
        "<!DOCTYPE html><html><head><title>Host</title></head><body>"
        + "<hr>".join(fragments)
        + "</body></html>",
        encoding="utf-8",
    )
    driver = open_page(host)
    boxes = driver.find_elements(By.CSS_SELECTOR, 'input[type="search"]')
    assert len(boxes) == 2 and all(box.is_displayed() for box in boxes)
    boxes[1].send_keys("alpa")
    small, refs = driver.find_elements(By.CSS_SELECTOR, ".bibfolio")
    assert all(e.is_displayed() for e in small.find_elements(By.CSS_SELECTOR, ".bf-paper"))
    papers = len(small.find_elements(By.CSS_SELECTOR, ".bf-paper"))
    assert (
        small.find_element(By.CSS_SELECTOR, ".bf-count").text
        == f"{papers} of {papers} publications"
    )
    assert refs.find_element(By.CSS_SELECTOR, ".bf-count").text.startswith("2 of ")
    assert not driver.find_element(By.ID, "chen2018tvm").is_displayed()
    assert driver.find_element(By.ID, "zheng2022alpa").is_displayed()
    ids = driver.execute_script("return [...document.querySelectorAll('[id]')].map(e => e.id)")
    assert len(ids) == len(set(ids))


# --- screenshots ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "viewport"),
    [pytest.param("desktop", DESKTOP, id="desktop"), pytest.param("phone", PHONE, id="phone")],
)
@pytest.mark.parametrize("dark", [pytest.param(False, id="light"), pytest.param(True, id="dark")])
def test_screenshots_and_no_horizontal_scrolling(
    open_page: Any, site: Path, tmp_path: Path, name: str, viewport: dict[str, int], dark: bool
) -> None:
    driver = open_page(site, viewport=viewport, dark=dark)
    page_width, view_width = driver.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert view_width == viewport["width"]
    assert page_width <= view_width, "the page scrolls sideways"
    # Opened toggles must not widen the page either.
    for summary in driver.find_elements(By.CSS_SELECTOR, "#zheng2022alpa summary"):
        summary.click()
    assert driver.execute_script("return document.documentElement.scrollWidth") <= view_width
    driver.get(site.as_uri())
    background = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
    assert background == ("rgb(13, 17, 23)" if dark else "rgb(255, 255, 255)")

    shot = tmp_path / f"{name}{'-dark' if dark else ''}.png"
    time.sleep(0.1)  # let the reload paint before the capture
    assert driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
