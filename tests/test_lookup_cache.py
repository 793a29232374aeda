"""The per-build page cache of /id/… and its ASGI fast path: a hit answers exactly as a miss does (bytes,
status and headers, 304 included), a new build never serves an old page, and the cache is bounded by bytes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import anyio.to_thread
import pytest
from conftest import project_settings
from fastapi.testclient import TestClient
from httpx import Response

from service import describe as describe_module
from service.app import create_app
from service.build import build
from service.http.lookup_cache import PAGES, PageCache, PageKey, RenderedPage
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
    (RESOURCE + ".ttl", {"Origin": "https://example.org"}),  # CORS still wraps the fast path
]


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    PAGES.clear()
    with TestClient(create_app(settings)) as test_client:
        yield test_client
    PAGES.clear()


def same_answer(a: Response, b: Response) -> None:
    assert a.status_code == b.status_code
    assert a.content == b.content
    assert sorted(a.headers.multi_items()) == sorted(b.headers.multi_items())


@pytest.mark.parametrize(("url", "headers"), ASKS)
def test_a_hit_answers_exactly_as_the_miss_did(client: TestClient, url: str, headers: dict[str, str]) -> None:
    miss = client.get(url, headers=headers)
    assert miss.status_code == 200 and miss.content
    hits_before = PAGES.hits
    hit = client.get(url, headers=headers)
    assert PAGES.hits > hits_before, "the second request should be answered from the page cache"
    same_answer(miss, hit)
    if "Origin" in headers:
        assert hit.headers["access-control-allow-origin"] == "*"
    head = client.head(url, headers=headers)
    assert head.status_code == 200 and head.headers["etag"] == miss.headers["etag"]
    assert head.headers["content-length"] == str(len(miss.content))


@pytest.mark.parametrize(("url", "headers"), ASKS)
def test_a_first_rendering_on_the_event_loop_is_the_one_a_thread_gives(
    settings: Settings, url: str, headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A miss that is bounded work (a page the indexes give within BOUNDED_WORK statements, as Turtle,
    N-Triples or RDF/XML) is rendered on the event loop, with no thread; JSON-LD, HTML and a page over the
    budget take a thread. Either way the answer is the same, byte for byte and header for header."""
    threads: list[object] = []
    run_sync = anyio.to_thread.run_sync

    async def counting_run_sync(function, *args, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(function)
        return await run_sync(function, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting_run_sync)
    answers = []
    for budget in (describe_module.BOUNDED_WORK, 0):
        monkeypatch.setattr(describe_module, "BOUNDED_WORK", budget)
        PAGES.clear()  # the pages described are kept on the build, and each app opens its own
        threads.clear()
        with TestClient(create_app(settings)) as client:
            answers.append(client.get(url, headers=headers))
        written_by_oxigraph = (
            ".nt" in url
            or ".rdf" in url
            or "turtle" in url
            or ".ttl" in url
            or headers.get("Accept") == "text/turtle"
        )
        if budget and written_by_oxigraph:
            assert not threads, f"{url}: a bounded page should be rendered on the event loop"
        else:
            assert threads, f"{url}: this page should be rendered in a thread"
    PAGES.clear()
    on_the_loop, in_a_thread = answers
    assert on_the_loop.status_code == 200 and on_the_loop.content
    same_answer(on_the_loop, in_a_thread)


def test_not_modified_on_a_hit_as_on_a_miss(client: TestClient) -> None:
    first = client.get(RESOURCE, headers={"Accept": "text/turtle"})
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]
    on_hit = client.get(RESOURCE, headers={"Accept": "text/turtle", "If-None-Match": etag})
    weak_on_hit = client.get(RESOURCE, headers={"Accept": "text/turtle", "If-None-Match": f'"x", W/{etag}'})
    since_on_hit = client.get(RESOURCE, headers={"Accept": "text/turtle", "If-Modified-Since": last_modified})
    PAGES.clear()
    on_miss = client.get(RESOURCE, headers={"Accept": "text/turtle", "If-None-Match": etag})
    PAGES.clear()
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
    PAGES.clear()
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
    PAGES.clear()


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
