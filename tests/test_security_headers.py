"""HEAD works on every GET route; every response says nosniff; HTML pages carry a Content-Security-Policy of
the service's own origin, refuse framing and set a Referrer-Policy; the pages still work under that policy
in a real browser (no violation in its console)."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from live_server import Live, run_server

from service.app import CONTENT_SECURITY_POLICY, create_app
from service.settings import Settings

SAMPLES = {
    "{name}": "1466-integrationspolicy.txt",
    "{framework}": "eu-cbp-2004",
    "{notation}": "1",
    "{path:path}": "framework/eu-cbp-2004/1",
    "{suffix}": ".ttl",
    "{version}": "0.1.0",
}
QUERIES = {
    "/api/trace": "?framework=eu-cbp-2004&notation=1",
    "/api/drawn-on": "?municipality=1466",
    "/trace/drawn-on": "?municipality=1466",
    "/api/search": "?q=integration",
}


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def get_paths(client: TestClient) -> list[str]:
    """Every path the app answers GET on (path parameters filled with sample values), from app.routes."""
    paths = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        for inner in getattr(getattr(route, "original_router", None), "routes", [route]):
            if "GET" in (getattr(inner, "methods", None) or ()):
                path = inner.path
                for parameter, value in SAMPLES.items():
                    path = path.replace(parameter, value)
                assert "{" not in path, f"no sample value for {inner.path}"
                paths.append(path + QUERIES.get(path, ""))
    return sorted(set(paths))


def test_every_get_route_answers_head(client: TestClient) -> None:
    paths = get_paths(client)
    assert len(paths) >= 20
    answered = 0
    for path in paths:
        got = client.get(path)
        head = client.head(path)
        assert head.status_code != 405, path
        assert head.status_code == got.status_code, (path, head.status_code, got.status_code)
        assert head.content == b"", path
        assert head.headers.get("content-type") == got.headers.get("content-type"), path
        answered += got.status_code == 200
    assert answered >= len(paths) * 3 // 4, "most sample paths exist (HEAD is compared with GET either way)"


def test_every_response_says_nosniff(client: TestClient) -> None:
    responses = [client.get(path) for path in get_paths(client)]
    responses += [
        client.get("/nothing-here"),
        client.post("/sparql", data={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"}),
        client.post("/sparql", data={"query": "SELECT nonsense"}),
        client.get("/static/style.css"),
        client.request("DELETE", "/sparql"),
    ]
    for response in responses:
        assert response.headers.get("x-content-type-options") == "nosniff", response.url
        assert response.headers.get("referrer-policy"), response.url


def test_html_pages_carry_the_policy(client: TestClient) -> None:
    pages = 0
    for path in get_paths(client):
        response = client.get(path, headers={"Accept": "text/html"})
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue
        pages += 1
        policy = response.headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in policy, path
        assert response.headers.get("x-frame-options") == "DENY", path
        if path != "/api/docs":
            assert policy == CONTENT_SECURITY_POLICY, path
            assert "unsafe-inline" not in policy
            body = response.text
            assert not re.search(r"<style|\sstyle=|\son[a-z]+=", body), path
            scripts = re.findall(r"<script([^>]*)>", body)
            assert all("src=" in s or "application/ld+json" in s for s in scripts), (path, scripts)
    assert pages >= 8


CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")


@pytest.fixture(scope="module")
def live(settings: Settings) -> Iterator[Live]:
    with run_server(settings) as server:
        yield server


@pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="chromium and chromedriver are not installed")
def test_pages_work_under_the_policy_in_a_browser(live: Live) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    profile = tempfile.mkdtemp(prefix="ikg-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM  # type: ignore[assignment]
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)  # type: ignore[arg-type]
    try:
        messages: list[str] = []
        for path in ("/?lang=en", "/trace", "/id/framework/eu-cbp-2004/1", "/catalog", "/validate"):
            driver.get(live.url + path)
            WebDriverWait(driver, 20).until(
                expected_conditions.presence_of_element_located((By.TAG_NAME, "h1"))
            )
            messages += [entry["message"] for entry in driver.get_log("browser")]
        driver.get(live.url + "/sparql")
        assert driver.find_elements(By.CSS_SELECTOR, "#highlight .tok-k"), "the editor's script ran"
        driver.find_element(By.ID, "run").click()
        table = WebDriverWait(driver, 30).until(
            expected_conditions.presence_of_element_located(
                (By.CSS_SELECTOR, "#results table.results, #results p.error")
            )
        )
        assert table.tag_name == "table", table.text
        messages += [entry["message"] for entry in driver.get_log("browser")]
        violations = [m for m in messages if "Content Security Policy" in m or "Refused to" in m]
        assert not violations, violations
        styled = driver.execute_script(
            "return getComputedStyle(document.querySelector('header.site')).display"
        )
        assert styled, "the stylesheet applies"
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
