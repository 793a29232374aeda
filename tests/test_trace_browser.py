"""The trace matrix in a real headless browser: a researcher finds who draws on CBP 1 and where they say so."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from service.app import create_app
from service.settings import Settings

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()), reason="needs Debian chromium + chromedriver"
)


@pytest.fixture(scope="module")
def server(settings: Settings) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    instance = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


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
