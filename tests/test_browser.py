"""The pages in a real headless browser (Debian's chromium + chromedriver): they render, and the query page runs
an example query and shows a table, all without any host but the service."""

from __future__ import annotations

import shutil
import struct
import tempfile
import zlib
from collections.abc import Iterator

import pytest
from live_server import Live, run_server
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from service.settings import Settings

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="chromium and chromium-driver are not installed (scripts/install-test-deps.sh)",
)


@pytest.fixture(scope="module")
def live(settings: Settings) -> Iterator[Live]:
    with run_server(settings) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    profile = tempfile.mkdtemp(prefix="ikg-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM  # type: ignore[assignment]
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
        "--window-size=1280,1000",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)  # type: ignore[arg-type]
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def png_pixels(png: bytes) -> tuple[int, int, set[bytes]]:
    """Width, height and the distinct colours of the first rows of a PNG (8-bit RGB/RGBA, no filters undone
    beyond 'none' and 'sub' is needed to count colour variety roughly: we count raw scanline bytes)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    position, data, width, height = 8, b"", 0, 0
    while position < len(png):
        length, kind = struct.unpack(">I4s", png[position : position + 8])
        chunk = png[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", chunk[:8])
        elif kind == b"IDAT":
            data += chunk
        position += 12 + length
    raw = zlib.decompress(data)
    stride = len(raw) // height
    lines = {raw[i * stride + 1 : (i + 1) * stride] for i in range(0, height, 7)}
    return width, height, lines


def assert_renders(driver: webdriver.Chrome) -> None:
    width, height, lines = png_pixels(driver.get_screenshot_as_png())
    assert width >= 1000 and height >= 600
    assert len(lines) > 20, "the screenshot is (nearly) blank"
    assert driver.execute_script("return document.styleSheets.length") >= 1
    assert (
        driver.execute_script(
            "return getComputedStyle(document.querySelector('header.site')).backgroundColor"
        )
        == "rgb(15, 42, 74)"
    )


def test_home_and_resource_pages_render(live: Live, browser: webdriver.Chrome) -> None:
    browser.get(live.url + "/?lang=en")
    assert "integration-kg" in browser.title
    assert_renders(browser)
    browser.get(live.url + "/id/framework/eu-cbp-2004/1?lang=sv")
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Grundprincip 1")
    assert browser.find_elements(By.CSS_SELECTOR, "article.citation blockquote")
    assert_renders(browser)
    browser.find_element(By.LINK_TEXT, "English").click()
    WebDriverWait(browser, 10).until(lambda d: "lang=en" in d.current_url)
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Basic principle 1")
    first_citing = browser.find_element(By.CSS_SELECTOR, "article.citation header a")
    first_citing.click()
    WebDriverWait(browser, 10).until(expected_conditions.presence_of_element_located((By.TAG_NAME, "h1")))
    assert "/id/" in browser.current_url


def test_query_page_runs_an_example(live: Live, browser: webdriver.Chrome) -> None:
    browser.get(live.url + "/sparql")
    assert browser.find_elements(By.CSS_SELECTOR, "#highlight .tok-k"), "the query is highlighted"
    examples = browser.find_elements(By.CSS_SELECTOR, "button.example")
    if examples:
        examples[0].click()
    else:
        browser.find_element(By.ID, "run").click()
    table = WebDriverWait(browser, 20).until(
        expected_conditions.presence_of_element_located(
            (By.CSS_SELECTOR, "#results table.results, #results p.error")
        )
    )
    assert table.tag_name == "table", table.text
    assert_renders(browser)
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; })"
    )
    assert all(name.startswith(live.url) for name in resources), resources
