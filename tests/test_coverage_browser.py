"""The coverage map in a real headless browser: it renders without any script of the page's own, and
every municipality's colour is what the trace API says of its documents, for three principles."""

from __future__ import annotations

import csv
import io
import urllib.request

import pytest
from chromium import CHROMIUM_MISSING, browser, server  # noqa: F401  (the shared fixtures)

from service.http.coverage import COLOURS

pytestmark = CHROMIUM_MISSING
STRENGTH = {"explicit": 3, "paraphrase": 2, "thematic": 1}


def rgb(colour: str) -> str:
    """#rrggbb as a browser's computed style gives it: rgb(r, g, b)."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def fetch_csv(url: str) -> list[dict[str, str]]:
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (the local test server)
        return list(csv.DictReader(io.StringIO(response.read().decode("utf-8"))))


@pytest.mark.parametrize("notation", ["1", "3", "5"])
def test_the_map_renders_and_its_colours_are_the_trace_apis_figures(
    server: str, browser, notation: str
) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{server}/trace/eu-cbp-2004/{notation}")
    figure = browser.find_element(By.CSS_SELECTOR, "#coverage svg.coverage-map")
    assert figure.is_displayed() and figure.size["width"] > 150 and figure.size["height"] > 300
    drawn = browser.execute_script(
        "return Array.from(document.querySelectorAll('#coverage svg.coverage-map path'))"
        ".map(p => [p.dataset.kommunkod, getComputedStyle(p).fill, p.getBBox().width > 0,"
        " p.closest('a').getAttribute('href'), p.querySelector('title').textContent])"
    )
    assert len(drawn) == 290 and all(visible for _, _, visible, _, _ in drawn)
    by_colour = {rgb(colour): category for category, colour in COLOURS.items()}
    shown = {code: by_colour[fill] for code, fill, _, _, _ in drawn}
    for code, _, _, href, title in drawn:
        assert href == f"/id/municipality/{code}" and f"({code})" in title

    # What the trace API says: the strongest kind of each municipality's paths ...
    paths = fetch_csv(f"{server}/api/trace?framework=eu-cbp-2004&notation={notation}&format=csv")
    strongest: dict[str, str] = {}
    for row in paths:
        code, kind = row["kommunkod"], row["path_kind"]
        if code and kind in STRENGTH and STRENGTH[kind] > STRENGTH.get(strongest.get(code, ""), 0):
            strongest[code] = kind
    # ... and which municipalities have a document at all.
    documents = {
        r["kommunkod"]: int(r["documents"]) for r in fetch_csv(f"{server}/api/coverage/overview?format=csv")
    }
    for code, category in shown.items():
        if code in strongest:
            assert category == strongest[code], (code, category, strongest[code])
        elif documents[code]:
            assert category in ("not-mentioned", "excerpt"), (code, category)
        else:
            assert category == "no-document", (code, category)
    assert strongest, f"CBP {notation}: the real data should have some municipality drawing on it"
    legend = browser.find_elements(By.CSS_SELECTOR, "#coverage svg.coverage-map g[data-legend] > g")
    assert len(legend) == 6
    assert "Valmyndigheten via Open Knowledge Sweden" in browser.page_source


def test_the_overview_page_renders(server: str, browser) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{server}/coverage")
    figure = browser.find_element(By.CSS_SELECTOR, "svg#overview-map")
    assert figure.is_displayed() and figure.size["height"] > 300
    count = browser.find_element(By.ID, "coverage-count").text
    assert "of 290 municipalities have at least one document" in count
    fills = browser.execute_script(
        "return new Set(Array.from(document.querySelectorAll('svg#overview-map path'))"
        ".map(p => getComputedStyle(p).fill)).size"
    )
    assert fills >= 2  # municipalities with and without documents look different
