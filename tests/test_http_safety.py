"""Safe on the open internet: no update, no SERVICE, no LOAD, no remote context; bounded queries and bodies;
every bad request a 4xx that names the problem."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from live_server import Listener, Live, run_server

from service.settings import Settings


@pytest.fixture(scope="module")
def live(settings: Settings) -> Iterator[Live]:
    with run_server(
        settings,
        INTEGRATION_KG_QUERY_TIMEOUT="2",
        INTEGRATION_KG_MAX_RESULTS="100",
        INTEGRATION_KG_MAX_BODY_BYTES="20000",
        INTEGRATION_KG_QUERY_WORKERS="2",
    ) as server:
        yield server


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def query(live: Live, text: str, **kwargs: object) -> httpx.Response:
    return httpx.get(live.url + "/sparql", params={"query": text}, timeout=30, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "PREFIX x: <urn:x#>\nDROP ALL",
        "CLEAR DEFAULT",
        "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    ],
)
def test_updates_are_refused_every_way_they_can_arrive(live: Live, update: str) -> None:
    before = httpx.get(live.url + "/healthz").json()["triples"]
    for response in (
        query(live, update),
        httpx.post(live.url + "/sparql", data={"update": update}),
        httpx.post(live.url + "/sparql", data={"query": update}),
        httpx.post(
            live.url + "/sparql", content=update, headers={"Content-Type": "application/sparql-update"}
        ),
        httpx.post(
            live.url + "/sparql", content=update, headers={"Content-Type": "application/sparql-query"}
        ),
    ):
        assert response.status_code == 400, response.text
        assert "read-only" in response.text
    assert httpx.get(live.url + "/healthz").json()["triples"] == before


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
        "select * where {{ service silent <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ \\u0053ERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
        "PREFIX s: <urn:s#>\nSELECT * WHERE {{ ?s ?p ?o # a comment\n SERVICE<http://127.0.0.1:{port}/>{{?s ?p ?o}} }}",
    ],
)
def test_service_is_refused_and_no_connection_is_made(live: Live, listener: Listener, template: str) -> None:
    response = query(live, template.format(port=listener.port))
    assert response.status_code == 403 and "SERVICE" in response.text
    time.sleep(0.3)
    assert listener.connections == 0


def test_the_listener_would_see_a_connection(listener: Listener) -> None:
    """The check above can fail: a connection to the listener is counted."""
    socket.create_connection(("127.0.0.1", listener.port), timeout=2).close()
    time.sleep(0.5)
    assert listener.connections == 1


def test_load_is_refused(live: Live, listener: Listener) -> None:
    response = query(live, f"LOAD <http://127.0.0.1:{listener.port}/data.ttl>")
    assert response.status_code == 400 and "LOAD" in response.text
    assert listener.connections == 0


def test_keywords_inside_strings_iris_and_comments_are_fine(live: Live) -> None:
    text = (
        'SELECT ?x WHERE { BIND("SERVICE and INSERT and LOAD" AS ?x) '
        'FILTER(?x != <urn:service:LOAD>) } # SERVICE in a comment'
    )
    response = query(live, text, headers={"Accept": "text/csv"})
    assert response.status_code == 200, response.text
    assert response.text.splitlines()[1] == "SERVICE and INSERT and LOAD"
    assert query(live, "SELECT ?service WHERE { VALUES ?service { 1 } }").status_code == 200


def test_remote_json_ld_context_is_never_fetched(live: Live, listener: Listener) -> None:
    document = (
        '{"@context": "http://127.0.0.1:%d/context.jsonld", "@id": "urn:x", "name": "x"}' % listener.port
    )
    response = httpx.post(
        live.url + "/validate", content=document, headers={"Content-Type": "application/ld+json"}
    )
    assert response.status_code == 400, response.text
    time.sleep(0.3)
    assert listener.connections == 0


HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_a_heavy_query_is_stopped_and_does_not_hold_the_service(live: Live) -> None:
    outcome: dict[str, object] = {}

    def heavy() -> None:
        started = time.monotonic()
        outcome["response"] = query(live, HEAVY)
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=heavy)
    thread.start()
    time.sleep(0.5)
    for path in ("/id/framework/eu-cbp-2004/1.ttl", "/", "/healthz"):  # answered while it runs
        assert httpx.get(live.url + path, timeout=60).status_code == 200
    light_query = query(live, "ASK { ?s ?p ?o }", headers={"Accept": "application/sparql-results+json"})
    assert light_query.json()["boolean"] is True
    thread.join()
    response = outcome["response"]
    assert isinstance(response, httpx.Response)
    assert response.status_code == 503 and "time limit" in response.text
    # the killed worker was replaced: queries still run
    assert query(live, "ASK { ?s ?p ?o }", headers={"Accept": "application/sparql-results+json"}).json()[
        "boolean"
    ]


def test_result_size_is_limited(live: Live) -> None:
    response = query(live, "SELECT * WHERE { ?s ?p ?o }")
    assert response.status_code == 400 and "more than 100 rows" in response.text
    assert query(live, "SELECT * WHERE { ?s ?p ?o } LIMIT 100").status_code == 200
    response = query(live, "CONSTRUCT WHERE { ?s ?p ?o }")
    assert response.status_code == 400 and "triples" in response.text


def test_oversized_bodies_are_refused(live: Live) -> None:
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 30_000
    response = httpx.post(
        live.url + "/sparql", content=big, headers={"Content-Type": "application/sparql-query"}
    )
    assert response.status_code == 413 and "20000 bytes" in response.text

    def chunks() -> Iterator[bytes]:
        for _ in range(30):
            yield b"x" * 1000

    streamed = httpx.post(live.url + "/validate", content=chunks(), headers={"Content-Type": "text/turtle"})
    assert streamed.status_code == 413


@pytest.mark.parametrize(
    "request_kwargs,status,words",
    [
        (
            {"method": "GET", "params": {"query": "SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER( }"}},
            400,
            ["line 3", "column"],
        ),
        ({"method": "GET", "params": {"query": ""}}, 400, ["empty"]),
        ({"method": "GET", "params": {"query": "HELLO"}}, 400, ["SELECT"]),
        (
            {"method": "GET", "params": {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "format": "pdf"}},
            406,
            ["format"],
        ),
        (
            {"method": "POST", "content": b"query", "headers": {"Content-Type": "text/plain"}},
            415,
            ["Content-Type"],
        ),
        ({"method": "POST", "data": {"nothing": "here"}}, 400, ["query"]),
        (
            {
                "method": "POST",
                "content": b"\xff\xfe",
                "headers": {"Content-Type": "application/sparql-query"},
            },
            400,
            ["UTF-8"],
        ),
        ({"method": "DELETE"}, 405, ["DELETE"]),
    ],
)
def test_bad_requests_get_a_4xx_naming_the_problem(
    live: Live, request_kwargs: dict[str, object], status: int, words: list[str]
) -> None:
    kwargs = dict(request_kwargs)
    method = str(kwargs.pop("method"))
    response = httpx.request(method, live.url + "/sparql", **kwargs)  # type: ignore[arg-type]
    assert response.status_code == status, response.text
    for word in words:
        assert word in response.text
    assert "Traceback" not in response.text


def test_errors_are_json_for_json_clients(live: Live) -> None:
    response = query(live, "SELECT * WHERE { ?s ?p }", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json()["status"] == 400 and "line 1" in response.json()["error"]


def test_unknown_resources_and_odd_paths(live: Live) -> None:
    for path in ("/id/no/such/thing", "/id/", "/id/%00", "/id/" + "a" * 3000, "/nowhere", "/ontology.pdf"):
        response = httpx.get(live.url + path, headers={"Accept": "text/turtle"})
        assert 400 <= response.status_code < 500, (path, response.status_code)
        assert "Traceback" not in response.text
