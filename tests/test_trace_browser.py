"""The trace matrix in a real headless browser: a researcher finds who draws on CBP 1 and where they say so."""

from __future__ import annotations

from chromium import CHROMIUM_MISSING, browser, server  # noqa: F401  (the shared fixtures)

pytestmark = CHROMIUM_MISSING


def test_researcher_finds_cbp1_and_the_quotes(server: str, browser) -> None:
    from selenium.webdriver.common.by import By

    browser.get(server + "/trace")
    table = browser.find_element(By.ID, "matrix")
    headers = [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead tr:nth-child(2) th")]
    column = headers.index("CBP 1")
    drawing: dict[str, str] = {}
    for row in table.find_elements(By.CSS_SELECTOR, "tbody tr"):
        cell = row.find_elements(By.TAG_NAME, "td")[column]
        if int(cell.get_attribute("data-links")):
            drawing[row.get_attribute("data-kommunkod")] = cell.get_attribute("class")
    # the page shows what the matrix API counts: every municipality with a link to CBP 1, and no other
    import csv
    import io

    import httpx

    rows = csv.DictReader(io.StringIO(httpx.get(server + "/api/trace/matrix", params={"format": "csv"}).text))
    expected = {
        r["kommunkod"]
        for r in rows
        if r["target"].endswith("/framework/eu-cbp-2004/1") and int(r["links"] or 0) > 0
    }
    assert set(drawing) == expected and {"1481", "0880", "1488"} <= expected
    assert drawing["1481"] == "kind-explicit" and drawing["0880"] == "kind-thematic"
    # open Mölndal's cell: the evidence list with the quote and a link to the source text
    molndal = table.find_element(By.CSS_SELECTOR, 'tr[data-kommunkod="1481"]').find_elements(
        By.TAG_NAME, "td"
    )[column]
    molndal.find_element(By.TAG_NAME, "a").click()
    evidence = browser.find_element(By.CSS_SELECTOR, "ol.evidence")
    quotes = [q.text for q in evidence.find_elements(By.TAG_NAME, "blockquote")]
    assert any("dynamisk dubbelriktad process" in q for q in quotes)
    sources = {a.get_attribute("href") for a in evidence.find_elements(By.CSS_SELECTOR, "small a")}
    assert server + "/id/source/1481/integrationsstrategi" in sources
    assert all(p.get_attribute("data-kind") for p in evidence.find_elements(By.CSS_SELECTOR, "li.path"))


def test_svg_download_renders(server: str, browser) -> None:
    from selenium.webdriver.common.by import By

    browser.get(server + "/api/trace/matrix?format=svg")
    rects = browser.find_elements(By.TAG_NAME, "rect")
    assert len(rects) > 5 * 11
    assert browser.execute_script("return document.documentElement.getBBox().width") > 200
