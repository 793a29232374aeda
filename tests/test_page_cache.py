"""The per-build page cache of /id/…: a hit answers exactly as a miss does (bytes, status and headers, 304
included) and without a worker thread, a new build never serves an old page, and the cache is bounded by
bytes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import anyio.to_thread
import pytest
from conftest import project_settings
from fastapi.testclient import TestClient
from httpx import Response

from service.app import create_app
from service.build import build
from service.http.resources import page_cache
from service.http.sized_cache import PageCache, PageKey, RenderedPage
from service.progress import Progress
from service.settings import Settings

RESOURCE = "/id/municipality/1466"
ASKS: list[tuple[str, dict[str, str]]] = [
    (RESOURCE, {"Accept": "text/turtle"}),
    (RESOURCE, {"Accept": "application/ld+json"}),
    (RESOURCE + ".nt", {}),
    (RESOURCE + ".rdf", {}),
    (RESOURCE, {"Accept": "text/html", "Accept-Language": "en"}),
    (RESOURCE + ".html?lang=sv", {}),
    (RESOURCE + "?format=turtle", {"Accept": "text/html"}),
    (RESOURCE + ".ttl", {"Origin": "https://example.org"}),  # CORS wraps a cached answer too
]


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def pages_of(client: TestClient) -> PageCache:
    """The page cache of the build the client's app serves."""
    app = client.app
    return page_cache(app.state.store.get(), app.state.settings)  # type: ignore[attr-defined]


def same_answer(a: Response, b: Response) -> None:
    assert a.status_code == b.status_code
    assert a.content == b.content
    assert sorted(a.headers.multi_items()) == sorted(b.headers.multi_items())


@pytest.mark.parametrize(("url", "headers"), ASKS)
def test_a_hit_answers_exactly_as_the_miss_did(client: TestClient, url: str, headers: dict[str, str]) -> None:
    miss = client.get(url, headers=headers)
    assert miss.status_code == 200 and miss.content
    hits_before = pages_of(client).hits
    hit = client.get(url, headers=headers)
    assert pages_of(client).hits > hits_before, "the second request should be answered from the page cache"
    same_answer(miss, hit)
    if "Origin" in headers:
        assert hit.headers["access-control-allow-origin"] == "*"
    head = client.head(url, headers=headers)
    assert head.status_code == 200 and head.headers["etag"] == miss.headers["etag"]
    assert head.headers["content-length"] == str(len(miss.content))


def test_a_hit_takes_no_worker_thread_and_a_miss_takes_one(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page already rendered is bytes in the build's cache: the route answers it on the event loop. A first
    rendering queries the store and renders, in a worker thread."""
    threads: list[object] = []
    run_sync = anyio.to_thread.run_sync

    async def counting_run_sync(function, *args, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(function)
        return await run_sync(function, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting_run_sync)
    miss = client.get(RESOURCE + ".ttl")
    assert miss.status_code == 200 and threads, "a first rendering should take a worker thread"
    threads.clear()
    hit = client.get(RESOURCE + ".ttl")
    assert hit.status_code == 200 and not threads, "a cached page should be answered without a thread"
    same_answer(miss, hit)


def test_not_modified_on_a_hit_as_on_a_miss(client: TestClient) -> None:
    first = client.get(RESOURCE, headers={"Accept": "text/turtle"})
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]
    on_hit = client.get(RESOURCE, headers={"Accept": "text/turtle", "If-None-Match": etag})
    weak_on_hit = client.get(RESOURCE, headers={"Accept": "text/turtle", "If-None-Match": f'"x", W/{etag}'})
    since_on_hit = client.get(RESOURCE, headers={"Accept": "text/turtle", "If-Modified-Since": last_modified})
    pages_of(client).clear()
    on_miss = client.get(RESOURCE, headers={"Accept": "text/turtle", "If-None-Match": etag})
    pages_of(client).clear()
    since_on_miss = client.get(
        RESOURCE, headers={"Accept": "text/turtle", "If-Modified-Since": last_modified}
    )
    assert on_hit.status_code == 304 and on_hit.content == b""
    same_answer(on_hit, on_miss)
    same_answer(on_hit, weak_on_hit)
    assert since_on_hit.status_code == 304
    same_answer(since_on_hit, since_on_miss)
    other = client.get(RESOURCE, headers={"Accept": "text/turtle", "If-None-Match": '"not-this-one"'})
    assert other.status_code == 200 and other.content == first.content


def test_negotiation_and_errors_are_unchanged_on_a_cached_resource(client: TestClient) -> None:
    turtle = client.get(RESOURCE, headers={"Accept": "text/turtle"})
    json_ld = client.get(RESOURCE, headers={"Accept": "application/ld+json;q=0.9, text/turtle;q=0.5"})
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert json_ld.headers["content-type"].startswith("application/ld+json")
    assert turtle.headers["etag"] != json_ld.headers["etag"]
    assert turtle.headers["vary"] == json_ld.headers["vary"]
    assert turtle.headers["vary"].startswith("Accept, Accept-Language")
    assert turtle.headers["content-location"].endswith(RESOURCE + ".ttl")
    assert client.get(RESOURCE, headers={"Accept": "image/png"}).status_code == 406
    assert client.get(RESOURCE + "?format=png").status_code == 406
    assert client.get(RESOURCE + "-no-such-thing", headers={"Accept": "text/turtle"}).status_code == 404
    swedish = client.get(RESOURCE, headers={"Accept": "text/html", "Accept-Language": "sv"})
    english = client.get(RESOURCE, headers={"Accept": "text/html", "Accept-Language": "en"})
    assert swedish.headers["etag"] != english.headers["etag"] and swedish.content != english.content
    assert 'lang="en"' in english.text


def test_a_rebuild_changes_the_etag_and_the_body(project_copy: Path, tmp_path: Path) -> None:
    settings = project_settings(tmp_path / "store", root=project_copy)
    build(settings, Progress(steps=7, quiet=True))
    with TestClient(create_app(settings)) as client:
        before = client.get(RESOURCE, headers={"Accept": "text/turtle"})
        assert client.get(RESOURCE, headers={"Accept": "text/turtle"}).content == before.content
        assert "Herrljunga Municipality" in before.text and "(rebuilt)" not in before.text
        data = project_copy / "data" / "municipalities" / "herrljunga.ttl"
        text = data.read_text(encoding="utf-8")
        assert '"Herrljunga Municipality"@en' in text
        data.write_text(
            text.replace('"Herrljunga Municipality"@en', '"Herrljunga Municipality (rebuilt)"@en'),
            encoding="utf-8",
        )
        build(settings, Progress(steps=7, quiet=True))
        after = client.get(RESOURCE, headers={"Accept": "text/turtle"})
        assert after.headers["etag"] != before.headers["etag"]
        assert "Herrljunga Municipality (rebuilt)" in after.text
        stale = client.get(
            RESOURCE, headers={"Accept": "text/turtle", "If-None-Match": before.headers["etag"]}
        )
        assert stale.status_code == 200 and stale.content == after.content


def test_the_cache_is_bounded_by_bytes_and_forgets_the_least_recently_used() -> None:
    cache = PageCache(max_bytes=100)
    keys = [
        PageKey("build", "https://example.org/", f"https://example.org/id/{n}", "turtle", "", "http://x")
        for n in range(4)
    ]
    cache.put(keys[0], RenderedPage(b"a" * 40))
    cache.put(keys[1], RenderedPage(b"b" * 40))
    assert cache.get(keys[0]) == RenderedPage(b"a" * 40)  # keys[0] is now the most recently used
    cache.put(keys[2], RenderedPage(b"c" * 40))
    assert cache.size <= 100 and len(cache) == 2
    assert (
        cache.get(keys[1]) is None
        and cache.get(keys[0]) == RenderedPage(b"a" * 40)
        and cache.get(keys[2]) == RenderedPage(b"c" * 40)
    )
    cache.put(keys[3], RenderedPage(b"d" * 101))
    assert cache.get(keys[3]) is None and cache.size == 80
    cache.put(keys[0], RenderedPage(b"e" * 10))
    assert cache.get(keys[0]) == RenderedPage(b"e" * 10) and cache.size == 50
    newer_build = keys[0]._replace(build_id="other build")
    assert cache.get(newer_build) is None
