"""Pages a researcher and a newcomer meet first, in a real headless Chromium: the search box on every page,
a search across municipalities with highlighted snippets, /api/docs rendered with no host but the service,
and VoID as a page for a browser."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from live_server import Live, run_server
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait
from test_browser import CHROMEDRIVER, CHROMIUM, assert_renders
from test_browser import browser as browser  # the module's headless Chromium fixture

from service.settings import Settings

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="chromium and chromium-driver are not installed (scripts/install-test-deps.sh)",
)


@pytest.fixture(scope="module")
def live(settings: Settings) -> Iterator[Live]:
    with run_server(settings) as server:
        yield server


def loaded_from(driver: webdriver.Chrome) -> list[str]:
    """Every address the page and its resources were loaded from."""
    return driver.execute_script(
        "return [location.href].concat(performance.getEntriesByType('resource').map(function (e) { return e.name; }))"
    )


def test_the_search_box_is_on_every_page_and_searches(live: Live, browser: webdriver.Chrome) -> None:
    for path in ("/?lang=en", "/trace", "/sparql", "/catalog", "/id/framework/eu-cbp-2004/1", "/ontology"):
        browser.get(live.url + path)
        assert browser.find_elements(By.CSS_SELECTOR, "header.site form.site-search input[name=q]"), path
    box = browser.find_element(By.CSS_SELECTOR, "header.site form.site-search input[name=q]")
    box.send_keys("språk", Keys.ENTER)
    WebDriverWait(browser, 20).until(expected_conditions.presence_of_element_located((By.ID, "search-count")))
    assert "/search?" in browser.current_url
    groups = browser.find_elements(By.CSS_SELECTOR, "section.search-group h2")
    headings = [g.text for g in groups]
    assert len(headings) >= 2 and any(h.startswith("Herrljunga") for h in headings), headings
    marks = [m.text.lower() for m in browser.find_elements(By.CSS_SELECTOR, ".snippet mark")]
    assert "språket" in marks and "språk" in marks
    first = browser.find_element(By.CSS_SELECTOR, "li.search-hit a")
    target = first.get_attribute("href")
    first.click()
    WebDriverWait(browser, 10).until(lambda d: d.current_url == target)
    assert "/id/" in browser.current_url
    assert browser.find_element(By.TAG_NAME, "h1").text


def test_a_compound_finds_the_words_it_is_made_of(live: Live, browser: webdriver.Chrome) -> None:
    browser.get(live.url + "/search?q=spr%C3%A5kkunskaper&lang=en")
    assert_renders(browser)
    hits = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "li.search-hit")]
    assert any("språket" in hit for hit in hits), hits
    assert all(url.startswith(live.url) for url in loaded_from(browser))


def test_api_docs_render_offline(live: Live, browser: webdriver.Chrome) -> None:
    browser.get(live.url + "/api/docs")
    WebDriverWait(browser, 30).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".swagger-ui .opblock"))
    )
    operations = browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")
    assert any("/api/search" in op.text for op in operations)
    assert all(url.startswith(live.url) for url in loaded_from(browser)), loaded_from(browser)
    icons = browser.execute_script(
        "return Array.from(document.querySelectorAll('link[rel~=icon]')).map(function (l) { return l.href; })"
    )
    assert icons and all(icon.startswith(live.url) for icon in icons)


def test_void_is_a_page_for_a_browser(live: Live, browser: webdriver.Chrome) -> None:
    browser.get(live.url + "/?lang=en")
    browser.get(live.url + "/.well-known/void")
    heading = WebDriverWait(browser, 20).until(
        expected_conditions.presence_of_element_located((By.TAG_NAME, "h1"))
    )
    assert "VoID" in heading.text
    cells = [c.text for c in browser.find_elements(By.CSS_SELECTOR, "table.results th code")]
    assert "void:triples" in cells and "void:sparqlEndpoint" in cells
    assert_renders(browser)


def in_view(driver: webdriver.Chrome, css: str) -> bool:
    return driver.execute_script(
        "var box = document.querySelector(arguments[0]).getBoundingClientRect();"
        "return box.top >= 0 && box.top < window.innerHeight;",
        css,
    )


def test_every_example_shows_rows_in_view(live: Live, browser: webdriver.Chrome) -> None:
    browser.get(live.url + "/sparql?lang=en")
    count = len(browser.find_elements(By.CSS_SELECTOR, "button.example"))
    assert count >= 5
    for number in range(count):
        browser.get(live.url + "/sparql?lang=en")
        button = browser.find_elements(By.CSS_SELECTOR, "button.example")[number]
        title = button.text
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
        button.click()
        WebDriverWait(browser, 30).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#results table.results tbody tr, #results p.error")
        )
        assert not browser.find_elements(By.CSS_SELECTOR, "#results p.error"), title
        rows = browser.find_elements(By.CSS_SELECTOR, "#results table.results tbody tr")
        assert rows, title
        assert in_view(browser, "#results"), title
        assert browser.find_element(By.ID, "status").text.startswith(f"{len(rows)} row")


def test_a_query_error_is_one_readable_line(live: Live, browser: webdriver.Chrome) -> None:
    browser.get(live.url + "/sparql?lang=en")
    editor = browser.find_element(By.ID, "query")
    editor.clear()
    editor.send_keys("SELECT ?x WHERE { ?s ?p ?o . FILTER(")
    browser.find_element(By.ID, "run").click()
    error = WebDriverWait(browser, 20).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "#results p.error"))
    )
    text = error.text
    assert text.startswith("syntax error at line 1, column ") and "{" not in text and "\\u{" not in text
    assert len(text) < 200 and not text.startswith("400")
    assert in_view(browser, "#results p.error")


def test_the_form_without_javascript_gives_a_table(live: Live, browser: webdriver.Chrome) -> None:
    """What the form submits when no script runs (GET /sparql?query=…&format=html, a browser's Accept)."""
    query = "SELECT ?principle WHERE { ?principle a <https://w3id.org/integration-kg/ontology#Principle> }"
    from urllib.parse import urlencode

    browser.get(live.url + "/sparql?" + urlencode({"query": query, "format": "html", "lang": "en"}))
    rows = browser.find_elements(By.CSS_SELECTOR, "#results table.results tbody tr")
    answer = httpx.get(live.url + "/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    assert len(rows) == len(answer.text.strip().splitlines()) - 1 >= 11
    assert browser.find_element(By.ID, "query").get_attribute("value") == query
    browser.get(live.url + "/sparql?" + urlencode({"query": "SELECT ?x WHERE {", "format": "html"}))
    assert browser.find_element(By.CSS_SELECTOR, "#results p.error").text.startswith("syntax error at line 1")


def test_the_trace_page_in_english_speaks_english(live: Live, browser: webdriver.Chrome) -> None:
    browser.get(live.url + "/trace?lang=en")
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Trace: municipalities")
    cells = [c.text for c in browser.find_elements(By.CSS_SELECTOR, "#matrix td a")]
    assert cells
    letters = {token[-1] for cell in cells for token in cell.split()}
    assert letters <= {"E", "P", "T"} and not letters & {"U", "O"}, letters
    legend = browser.find_element(By.ID, "legend").text
    assert (
        "E: explicit citation" in legend and "P: paraphrase" in legend and "T: thematic alignment" in legend
    )
    page = browser.find_element(By.TAG_NAME, "main").text
    for swedish in ("Kommun", "uttrycklig", "omskrivning", "Visa", "alla"):
        assert swedish not in page.split(), swedish
    # the filter row is even: every control ends on one line
    bottoms = browser.execute_script(
        "return Array.from(document.querySelectorAll('form.trace-filters select, form.trace-filters input,"
        " form.trace-filters button')).filter(function (e) { return e.type !== 'hidden'; })"
        ".map(function (e) { return e.getBoundingClientRect().bottom; })"
    )
    assert max(bottoms) - min(bottoms) <= 2, bottoms
    browser.get(live.url + "/trace?lang=sv")
    cells = [c.text for c in browser.find_elements(By.CSS_SELECTOR, "#matrix td a")]
    assert {token[-1] for cell in cells for token in cell.split()} <= {"U", "O", "T"}


def test_a_principles_evidence_is_grouped_and_named(live: Live, browser: webdriver.Chrome) -> None:
    browser.get(live.url + "/trace/eu-cbp-2004/1?lang=en")
    groups = browser.find_elements(By.CSS_SELECTOR, "section.evidence-municipality")
    assert len(groups) >= 2
    for group in groups:
        assert group.find_elements(By.CSS_SELECTOR, ".evidence-document h4 a")
    kinds = {k.text for k in browser.find_elements(By.CSS_SELECTOR, "li.path summary small.kind")}
    assert kinds and all(k == k.lower() for k in kinds), kinds  # "focus area", not "FocusArea"
    assert not kinds & {"FocusArea", "Goal", "Action", "InformationPage", "DocumentPart"}
    assert "Who draws on it" in browser.find_element(By.TAG_NAME, "main").text
