"""The per-build answer cache of /sparql: a repeated query is answered from it byte for byte (headers
included), every input of an answer has its own entry, ETag/If-None-Match give a 304 without running the
query, a new build never serves an old answer, errors are never kept, and the cache keeps to its bound."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import project_settings
from fastapi.testclient import TestClient
from httpx import Response
from rdflib import Graph
from rdflib.compare import isomorphic

from service.app import create_app
from service.build import build
from service.http.sized_cache import PageCache, PageKey, RenderedPage
from service.http.sparql import QueryKey, QueryResults
from service.progress import Progress
from service.settings import Settings
from service.store import BuildInfo

try:  # the module name test_remote_store uses, so both share one session Virtuoso (`python -m pytest`, make test)
    from tests.conftest_virtuoso import Virtuoso, virtuoso  # noqa: F401  (the session fixture)
except ModuleNotFoundError:  # `.venv/bin/pytest` puts tests/, not the project, on sys.path
    from conftest_virtuoso import Virtuoso, virtuoso  # noqa: F401

IKG = "https://w3id.org/integration-kg/ontology#"
SELECT = f"""PREFIX ikg: <{IKG}>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?municipality ?label WHERE {{ ?municipality a ikg:Municipality ; skos:prefLabel ?label }}
ORDER BY ?municipality ?label"""
CONSTRUCT = f"""PREFIX ikg: <{IKG}>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
CONSTRUCT {{ ?municipality skos:prefLabel ?label }} WHERE {{ ?municipality a ikg:Municipality ; skos:prefLabel ?label }}"""
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
HERRLJUNGA_LABEL = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?label WHERE { <https://w3id.org/integration-kg/id/municipality/1466> skos:prefLabel ?label
FILTER(lang(?label) = "en") }"""
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
JSON_RESULTS = {"Accept": "application/sparql-results+json"}


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def uncached(settings: Settings) -> Iterator[TestClient]:
    """The same service with the cache turned off: what every answer must be, byte for byte."""
    with TestClient(create_app(replace(settings, query_cache_bytes=0))) as test_client:
        yield test_client


def cache_of(client: TestClient) -> QueryResults:
    return client.app.state.query_results  # type: ignore[attr-defined]


def same_answer(a: Response, b: Response) -> None:
    assert a.status_code == b.status_code
    assert a.content == b.content
    assert sorted(a.headers.multi_items()) == sorted(b.headers.multi_items())


def ask(
    client: TestClient, way: str, query: str, headers: dict[str, str] | None = None, **params: str
) -> Response:
    """The query by GET, by a form POST or by a direct (application/sparql-query) POST."""
    if way == "get":
        return client.get("/sparql", params={"query": query, **params}, headers=headers)
    if way == "form":
        return client.post("/sparql", data={"query": query, **params}, headers=headers)
    return client.post(
        "/sparql",
        params=params,
        content=query.encode(),
        headers={"Content-Type": "application/sparql-query", **(headers or {})},
    )


@pytest.mark.parametrize("way", ["get", "form", "direct"])
def test_a_repeated_query_is_answered_from_the_cache_byte_for_byte(
    client: TestClient, uncached: TestClient, way: str
) -> None:
    cache = cache_of(client)
    miss = ask(client, way, SELECT, JSON_RESULTS)
    assert miss.status_code == 200, miss.text
    assert len(cache) == 1 and cache.hits == 0
    hit = ask(client, way, SELECT, JSON_RESULTS)
    assert cache.hits == 1, "the second request should be answered from the cache"
    same_answer(miss, hit)
    assert hit.headers["etag"].startswith('"') and hit.headers["vary"].startswith("Accept")
    if way == "get":
        assert hit.headers["cache-control"].startswith("public, max-age=")
    else:
        assert "cache-control" not in hit.headers
    fresh = ask(uncached, way, SELECT, JSON_RESULTS)
    same_answer(fresh, hit)
    assert len(cache_of(uncached)) == 0
    rows = json.loads(hit.content)["results"]["bindings"]
    assert {"Herrljunga Municipality", "Herrljunga"} <= {row["label"]["value"] for row in rows}


def test_every_format_dataset_and_query_text_has_its_own_entry(
    client: TestClient, uncached: TestClient, settings: Settings
) -> None:
    graphs = BuildInfo.read(settings.current_store.resolve()).graphs
    framework_graph, framework_triples = next((g, n) for g, n in graphs.items() if "/graph/frameworks/" in g)
    asks: list[tuple[str, str, dict[str, str], dict[str, str]]] = [
        ("get", SELECT, JSON_RESULTS, {}),
        ("get", SELECT, {"Accept": "text/csv"}, {}),
        ("get", SELECT, {"Accept": "application/sparql-results+xml"}, {}),
        ("get", SELECT, JSON_RESULTS, {"format": "tsv"}),
        ("get", SELECT + "\n", JSON_RESULTS, {}),
        ("get", COUNT, {"Accept": "text/csv"}, {}),
        ("get", COUNT, {"Accept": "text/csv"}, {"default-graph-uri": framework_graph}),
        (
            "form",
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
            {"Accept": "text/csv"},
            {"named-graph-uri": framework_graph},
        ),
        ("get", CONSTRUCT, {"Accept": "text/turtle"}, {}),
        ("get", CONSTRUCT, {"Accept": "application/n-triples"}, {}),
        ("get", CONSTRUCT, {"Accept": "application/ld+json"}, {}),
        ("get", CONSTRUCT, {"Accept": "application/ld+json", "Host": "mirror.example.org"}, {}),
    ]
    answers = []
    for way, query, headers, params in asks:
        answer = ask(client, way, query, headers, **params)
        assert answer.status_code == 200, answer.text
        same_answer(ask(uncached, way, query, headers, **params), answer)
        answers.append(answer)
    cache = cache_of(client)
    assert len(cache) == len(asks) and cache.hits == 0
    assert len({a.headers["etag"] for a in answers}) == len(asks)
    for (way, query, headers, params), answer in zip(asks, answers):
        same_answer(ask(client, way, query, headers, **params), answer)
    assert cache.hits == len(asks) and len(cache) == len(asks)

    content_types = [a.headers["content-type"].split(";")[0] for a in answers]
    assert content_types[:4] == [
        "application/sparql-results+json",
        "text/csv",
        "application/sparql-results+xml",
        "text/tab-separated-values",
    ]
    union_count, one_graph_count = (int(a.text.splitlines()[1]) for a in answers[5:7])
    assert one_graph_count == framework_triples < union_count
    assert answers[7].text.splitlines()[1:] == [framework_graph]
    turtle, n_triples, json_ld, mirrored = answers[8:]
    assert isomorphic(
        Graph().parse(data=turtle.text, format="turtle"), Graph().parse(data=n_triples.text, format="nt")
    )
    assert json.loads(json_ld.content)["@context"] == "http://testserver/context.jsonld"
    assert json.loads(mirrored.content)["@context"] == "http://mirror.example.org/context.jsonld"
    # A media type's alias asks for the same bytes: the same entry.
    alias = client.get("/sparql", params={"query": SELECT}, headers={"Accept": "application/json"})
    same_answer(alias, answers[0])


def test_if_none_match_is_answered_304_without_running_the_query(client: TestClient) -> None:
    first = client.get("/sparql", params={"query": SELECT}, headers={"Accept": "text/csv"})
    etag = first.headers["etag"]
    cache = cache_of(client)
    cache.clear()
    looked_up = cache.hits + cache.misses
    for sent in (etag, f'"other", W/{etag}', "*"):
        conditional = client.get(
            "/sparql", params={"query": SELECT}, headers={"Accept": "text/csv", "If-None-Match": sent}
        )
        assert conditional.status_code == 304 and conditional.content == b""
        assert conditional.headers["etag"] == etag and conditional.headers["vary"].startswith("Accept")
    assert len(cache) == 0 and cache.hits + cache.misses == looked_up, (
        "a 304 neither runs the query nor looks it up"
    )
    stale = client.get(
        "/sparql", params={"query": SELECT}, headers={"Accept": "text/csv", "If-None-Match": '"old"'}
    )
    assert stale.status_code == 200 and stale.content == first.content and stale.headers["etag"] == etag
    other_format = client.get(
        "/sparql",
        params={"query": SELECT},
        headers={"Accept": "application/sparql-results+json", "If-None-Match": etag},
    )
    assert other_format.status_code == 200 and other_format.headers["etag"] != etag
    posted = client.post(
        "/sparql", data={"query": SELECT}, headers={"Accept": "text/csv", "If-None-Match": etag}
    )
    assert posted.status_code == 200 and posted.content == first.content and posted.headers["etag"] == etag
    # The safety check and negotiation come first, ETag or not.
    refused = client.get("/sparql", params={"query": "DROP ALL"}, headers={"If-None-Match": "*"})
    assert refused.status_code == 400
    unacceptable = client.get(
        "/sparql", params={"query": SELECT}, headers={"Accept": "image/png", "If-None-Match": "*"}
    )
    assert unacceptable.status_code == 406


def test_a_new_build_answers_from_the_new_data(project_copy: Path, tmp_path: Path) -> None:
    settings = project_settings(tmp_path / "store", root=project_copy)
    build(settings, Progress(steps=7, quiet=True))
    with TestClient(create_app(settings)) as client:
        before = client.get("/sparql", params={"query": HERRLJUNGA_LABEL}, headers={"Accept": "text/csv"})
        assert (
            client.get("/sparql", params={"query": HERRLJUNGA_LABEL}, headers={"Accept": "text/csv"}).content
            == before.content
        )
        assert cache_of(client).hits == 1
        assert before.text.splitlines()[1:] == ["Herrljunga Municipality"]
        data = project_copy / "data" / "municipalities" / "herrljunga.ttl"
        text = data.read_text(encoding="utf-8")
        data.write_text(
            text.replace('"Herrljunga Municipality"@en', '"Herrljunga Municipality (rebuilt)"@en'),
            encoding="utf-8",
        )
        build(settings, Progress(steps=7, quiet=True))
        after = client.get("/sparql", params={"query": HERRLJUNGA_LABEL}, headers={"Accept": "text/csv"})
        assert after.text.splitlines()[1:] == ["Herrljunga Municipality (rebuilt)"]
        assert after.headers["etag"] != before.headers["etag"]
        stale = client.get(
            "/sparql",
            params={"query": HERRLJUNGA_LABEL},
            headers={"Accept": "text/csv", "If-None-Match": before.headers["etag"]},
        )
        assert stale.status_code == 200 and stale.content == after.content


def test_over_the_remote_back_end_the_key_is_the_local_manifests_build(
    virtuoso: Virtuoso,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The remote back end names its build by the local manifest of the build that loaded the server: the
    same data built again (a new build id, the same triples in Virtuoso) is a new key, not a stale hit."""
    remote = {k.removeprefix("INTEGRATION_KG_").lower(): v for k, v in virtuoso.settings_env.items()}
    settings = project_settings(tmp_path / "var", **remote)
    assert settings.store_backend == "remote"
    first_build = build(settings, Progress(steps=7, quiet=True))
    with TestClient(create_app(settings)) as client:
        cache = cache_of(client)
        first = client.get("/sparql", params={"query": SELECT}, headers={"Accept": "text/csv"})
        assert first.status_code == 200, first.text
        again = client.get("/sparql", params={"query": SELECT}, headers={"Accept": "text/csv"})
        assert cache.hits == 1
        same_answer(first, again)
        assert "Herrljunga Municipality" in first.text
        second_build = build(settings, Progress(steps=7, quiet=True))
        assert second_build.info.build_id != first_build.info.build_id
        rebuilt = client.get(
            "/sparql",
            params={"query": SELECT},
            headers={"Accept": "text/csv", "If-None-Match": first.headers["etag"]},
        )
        assert rebuilt.status_code == 200 and rebuilt.headers["etag"] != first.headers["etag"]
        assert rebuilt.content == first.content and cache.hits == 1 and len(cache) == 2


def test_errors_refusals_and_timeouts_are_never_kept(client: TestClient, settings: Settings) -> None:
    cache = cache_of(client)
    for _ in range(2):
        assert client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"}).status_code == 400
        assert (
            client.get("/sparql", params={"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}).status_code
            == 400
        )
        assert client.post("/sparql", data={"query": "DROP ALL"}).status_code == 400
        assert (
            client.get(
                "/sparql", params={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"}
            ).status_code
            == 403
        )
        assert client.get("/sparql", params={"query": SELECT, "format": "png"}).status_code == 406
        assert (
            client.get("/sparql", params={"query": COUNT, "default-graph-uri": "not an iri"}).status_code
            == 400
        )
    assert len(cache) == 0 and cache.hits == 0

    with TestClient(create_app(replace(settings, max_results=2))) as bounded:
        for _ in range(2):
            too_large = bounded.get("/sparql", params={"query": SELECT}, headers=JSON_RESULTS)
            assert too_large.status_code == 400 and "more than 2 rows" in too_large.text, too_large.text
            assert "etag" not in too_large.headers
        assert len(cache_of(bounded)) == 0 and cache_of(bounded).hits == 0
    with TestClient(create_app(replace(settings, query_timeout=1.0))) as hurried:
        timed_out = hurried.get("/sparql", params={"query": HEAVY}, headers=JSON_RESULTS)
        assert (
            timed_out.status_code == 503
            and "time limit" in timed_out.text
            and "etag" not in timed_out.headers
        )
        assert len(cache_of(hurried)) == 0


def test_queries_that_ask_for_something_new_each_run_are_run_each_time(client: TestClient) -> None:
    cache = cache_of(client)
    fresh = "SELECT (STRUUID() AS ?id) WHERE {}"
    first, second = (
        client.get("/sparql", params={"query": fresh}, headers={"Accept": "text/csv"}) for _ in range(2)
    )
    assert first.status_code == second.status_code == 200
    assert first.text != second.text and "etag" not in first.headers
    now = client.post("/sparql", data={"query": "SELECT (now() AS ?t) WHERE {}"}, headers=JSON_RESULTS)
    assert now.status_code == 200 and "etag" not in now.headers
    assert len(cache) == 0
    # The same words as a string, a variable or a prefixed name are no function calls.
    kept = 'PREFIX ex: <urn:ex:> SELECT ?now WHERE { VALUES ?now { "RAND() and NOW()" ex:uuid } }'
    assert client.get("/sparql", params={"query": kept}, headers={"Accept": "text/csv"}).headers["etag"]
    assert len(cache) == 1


def test_the_cache_keeps_to_its_bound_and_zero_turns_it_off(settings: Settings) -> None:
    queries = [f"SELECT ?s WHERE {{ ?s ?p ?o }} ORDER BY ?s ?p ?o LIMIT {3 * n}" for n in range(1, 9)]
    with TestClient(create_app(replace(settings, query_cache_bytes=3_000))) as client:
        cache = cache_of(client)
        answers = [
            client.get("/sparql", params={"query": q}, headers={"Accept": "text/csv"}) for q in queries
        ]
        assert all(a.status_code == 200 for a in answers)
        assert sum(len(a.content) + len(q) for a, q in zip(answers, queries)) > 3_000
        assert 0 < len(cache) < len(queries) and cache.size <= 3_000
        # the least recently used went first; the last answer is still there
        again = client.get("/sparql", params={"query": queries[-1]}, headers={"Accept": "text/csv"})
        assert cache.hits == 1 and again.content == answers[-1].content
        rows = list(csv.reader(io.StringIO(again.text)))
        assert len(rows) == 1 + 24
    with TestClient(create_app(replace(settings, query_cache_bytes=0))) as client:
        cache = cache_of(client)
        first, second = (
            client.get("/sparql", params={"query": SELECT}, headers={"Accept": "text/csv"}) for _ in range(2)
        )
        same_answer(first, second)
        assert first.headers["etag"], "validators do not need the cache"
        assert len(cache) == 0 and cache.size == 0 and cache.hits == 0


def test_the_generic_cache_charges_keys_when_told_and_keeps_nothing_at_zero() -> None:
    key = QueryKey("build", "SELECT * WHERE { ?s ?p ?o }", (), (), "text/csv", 10, "")
    cache = QueryResults(max_bytes=200)
    cache.put(key, b"x" * 100)
    assert cache.size > 100 + len(key.query) - 1 and cache.get(key) == b"x" * 100
    cache.put(key._replace(query="#" * 200 + key.query), b"small")  # the key alone is over the bound
    assert len(cache) == 1
    assert cache.get(key._replace(build_id="next build")) is None
    off = PageCache(max_bytes=0)
    page = PageKey("build", "https://example.org/", "https://example.org/id/a", "turtle", "", "http://x")
    off.put(page, RenderedPage(b""))
    off.put(page, RenderedPage(b"page", '<http://x/id/a?page=2>; rel="next"'))
    assert len(off) == 0 and off.get(page) is None
