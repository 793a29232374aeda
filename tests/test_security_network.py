"""No request can make the service connect anywhere: SERVICE and LOAD are refused from a real parse, and
every worker process is denied network sockets by the operating system (service/store/sandbox.py), so even a
query that got past the check could not reach another host."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from live_server import Listener, Live, run_server

from service.settings import PROJECT_ROOT, Settings
from service.store.query_workers import QueryWorkers
from service.store.sandbox import try_connect


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.fixture(scope="module")
def live(settings: Settings) -> Iterator[Live]:
    with run_server(settings, INTEGRATION_KG_QUERY_TIMEOUT="5", INTEGRATION_KG_QUERY_WORKERS="2") as server:
        yield server


T = "http://127.0.0.1:{port}"
SMUGGLED = [
    # plain, lower case, SILENT
    "SELECT * WHERE {{ SERVICE <" + T + "/sparql> {{ ?s ?p ?o }} }}",
    "select * where {{ service silent <" + T + "/> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SeRvIcE SILENT <" + T + "/> {{ ?s ?p ?o }} }}",
    # Unicode escapes anywhere in the keyword
    "SELECT * WHERE {{ \\u0053ERVICE <" + T + "/> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ \\U00000053ERVICE <" + T + "/> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERV\\u0049CE <" + T + "/> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ \\u0073\\u0065rvice <" + T + "/> {{ ?s ?p ?o }} }}",
    # escapes in prefixed names and strings that a text scanner misreads as comments or strings
    "PREFIX ex: <http://example.org/> SELECT * WHERE {{ BIND(ex:a\\# AS ?q) SERVICE <"
    + T
    + "/x> {{?s ?p ?o}} }}",
    "PREFIX ex: <http://example.org/> SELECT * WHERE {{ BIND(ex:a\\' AS ?q) SERVICE <"
    + T
    + "/x> {{?s ?p ?o}} }}",
    "PREFIX ex: <http://example.org/> SELECT * WHERE {{ ?s ex:a\\.b ?o SERVICE <" + T + "/> {{?s ?p ?o}} }}",
    "PREFIX ex: <http://example.org/> SELECT * WHERE {{ ?s ex:a\\-b\\~ ?o . SERVICE <"
    + T
    + "/> {{?s ?p ?o}} }}",
    'SELECT * WHERE {{ ?s ?p ?o FILTER(?o = "a\\"") SERVICE <' + T + "/> {{?a ?b ?c}} }}",
    "SELECT * WHERE {{ ?s ?p ?o FILTER(?o = 'it\\'s') SERVICE <" + T + "/> {{?a ?b ?c}} }}",
    'SELECT * WHERE {{ BIND("""a "quoted" ""\\" end""" AS ?x) SERVICE <' + T + "/> {{?a ?b ?c}} }}",
    "SELECT * WHERE {{ BIND('''it''s''' AS ?x) SERVICE <" + T + "/> {{?a ?b ?c}} }}",
    'SELECT * WHERE {{ BIND("\\\\" AS ?x) SERVICE <' + T + "/> {{?a ?b ?c}} }}",
    # comments and layout
    "SELECT * WHERE {{ ?s ?p ?o # a comment\n SERVICE<" + T + "/>{{?s ?p ?o}} }}",
    'SELECT * WHERE {{ ?s ?p ?o # "an open string in a comment\n SERVICE <' + T + "/> {{?s ?p ?o}} }}",
    "SELECT * WHERE {{ ?s ?p <urn:x#y> . SERVICE <" + T + "/> {{?s ?p ?o}} }}",
    "SELECT * WHERE {{ {{ ?s ?p ?o }}SERVICE<" + T + "/>{{?s ?p ?o}}}}",
    "SELECT * WHERE {{\tSERVICE\n\t<" + T + "/>\r\n{{?s ?p ?o}} }}",
    "SELECT * WHERE {{ _:b ?p ?o . SERVICE <" + T + "/> {{?s ?p ?o}} }}",
    # nesting: groups, OPTIONAL, UNION, MINUS, subqueries, EXISTS, GRAPH, SERVICE in SERVICE
    "SELECT * WHERE {{ {{ {{ {{ SERVICE <" + T + "/> {{ ?s ?p ?o }} }} }} }} }}",
    "SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE <" + T + "/> {{ ?s ?p ?x }} }} }}",
    "SELECT * WHERE {{ {{ ?s ?p ?o }} UNION {{ SERVICE <" + T + "/> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ ?s ?p ?o MINUS {{ SERVICE <" + T + "/> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE <" + T + "/> {{ ?s ?p ?o }} }} GROUP BY ?s }} }}",
    "SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <" + T + "/> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ ?s ?p ?o FILTER NOT EXISTS {{ SERVICE <" + T + "/> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ GRAPH ?g {{ SERVICE <" + T + "/> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ SERVICE <" + T + "/a> {{ SERVICE <" + T + "/b> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ VALUES ?x {{ 1 }} SERVICE <" + T + "/> {{ ?s ?p ?o }} }}",
    # the endpoint named by a variable, a prefixed name, a relative IRI against BASE
    "SELECT * WHERE {{ VALUES ?e {{ <" + T + "/> }} SERVICE ?e {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ BIND(<" + T + "/> AS ?e) SERVICE SILENT ?e {{ ?s ?p ?o }} }}",
    "PREFIX r: <" + T + "/> SELECT * WHERE {{ SERVICE r:sparql {{ ?s ?p ?o }} }}",
    "BASE <" + T + "/> SELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
    # every query form
    "ASK {{ SERVICE <" + T + "/> {{ ?s ?p ?o }} }}",
    "ASK {{ SERVICE SILENT <" + T + "/> {{ ?s ?p ?o }} }}",
    "CONSTRUCT WHERE {{ SERVICE <" + T + "/> {{ ?s ?p ?o }} }}",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE SILENT <" + T + "/> {{ ?s ?p ?o }} }}",
    "DESCRIBE ?s WHERE {{ SERVICE <" + T + "/> {{ ?s ?p ?o }} }}",
    # updates that would fetch or write
    "LOAD <" + T + "/data.ttl>",
    "LOAD SILENT <" + T + "/data.ttl> INTO GRAPH <urn:g>",
    "INSERT {{ <urn:a> <urn:b> ?o }} WHERE {{ SERVICE <" + T + "/> {{ ?s ?p ?o }} }}",
    "\\u004cOAD <" + T + "/data.ttl>",
]
"""Queries that try to make the endpoint connect to the listener; every one must be refused."""

HARMLESS = [
    "SELECT * FROM <" + T + "/data.ttl> WHERE {{ ?s ?p ?o }} LIMIT 1",
    "DESCRIBE <" + T + "/x>",
    'SELECT ?x WHERE {{ BIND("SERVICE <' + T + '/>" AS ?x) }}',
]
"""Queries that name the listener without asking for a connection: they may be answered, never fetched."""


def send(live: Live, query: str, how: str) -> httpx.Response:
    if how == "GET":
        return httpx.get(live.url + "/sparql", params={"query": query}, timeout=60)
    if how == "POST form":
        return httpx.post(live.url + "/sparql", data={"query": query}, timeout=60)
    return httpx.post(
        live.url + "/sparql",
        content=query.encode("utf-8"),
        headers={"Content-Type": "application/sparql-query"},
        timeout=60,
    )


def test_the_corpus_is_large_enough() -> None:
    assert len(set(SMUGGLED)) >= 40


@pytest.mark.parametrize("how", ["GET", "POST form", "POST direct"])
def test_no_smuggled_query_reaches_the_listener(live: Live, listener: Listener, how: str) -> None:
    answers = []
    for template in SMUGGLED:
        response = send(live, template.format(port=listener.port), how)
        answers.append((response.status_code, template))
        assert response.status_code in (400, 403), (template, response.status_code, response.text)
    time.sleep(0.5)
    assert listener.connections == 0, answers


@pytest.mark.parametrize("how", ["GET", "POST form", "POST direct"])
def test_queries_that_name_a_host_fetch_nothing(live: Live, listener: Listener, how: str) -> None:
    for template in HARMLESS:
        response = send(live, template.format(port=listener.port), how)
        assert response.status_code < 500, (template, response.text)
    time.sleep(0.5)
    assert listener.connections == 0


def test_service_inside_a_string_is_just_text(live: Live) -> None:
    response = send(live, 'SELECT ?x WHERE { BIND("SERVICE <http://x/> {}" AS ?x) }', "GET")
    assert response.status_code == 200 and "SERVICE" in response.text


def test_a_worker_cannot_connect_even_when_asked_directly(listener: Listener) -> None:
    """The pool's workers run under the network filter: a task that opens a socket is refused by the kernel."""
    workers = QueryWorkers(1)
    try:
        outcome = workers.run(
            try_connect, {"host": "127.0.0.1", "port": listener.port}, time.monotonic() + 60
        )
    finally:
        workers.close()
    assert outcome.startswith("refused"), outcome
    time.sleep(0.5)
    assert listener.connections == 0


SERVICE_RUNNER = """
import sys
import pyoxigraph as ox
if sys.argv[2] == "sandboxed":
    from service.store.sandbox import enter_sandbox
    enter_sandbox(0)
try:
    print(list(ox.Store().query("SELECT * WHERE { SERVICE <http://127.0.0.1:%s/sparql> { ?s ?p ?o } }" % sys.argv[1])))
except Exception as error:
    print("failed:", error)
"""


def test_pyoxigraph_itself_cannot_reach_the_listener_from_a_sandboxed_process() -> None:
    """Without any check in front, pyoxigraph executes SERVICE: the filter alone stops the connection.
    The same program outside the sandbox does connect, so the test can fail."""
    server = Listener()
    try:
        for mode, expected in (("sandboxed", 0), ("open", 1)):
            before = server.connections
            run = subprocess.run(
                [sys.executable, "-c", SERVICE_RUNNER, str(server.port), mode],
                cwd=PROJECT_ROOT,
                capture_output=True,
                text=True,
                timeout=120,
            )
            time.sleep(0.5)
            assert (server.connections - before >= 1) == bool(expected), (mode, run.stdout, run.stderr)
    finally:
        server.close()


def test_validate_fetches_no_remote_context(live: Live, listener: Listener) -> None:
    for document in (
        '{"@context": "http://127.0.0.1:%d/context.jsonld", "@id": "urn:x", "urn:p": "x"}',
        '{"@context": ["http://127.0.0.1:%d/c.jsonld"], "@id": "urn:x"}',
        '{"@context": {"@import": "http://127.0.0.1:%d/c.jsonld"}, "@id": "urn:x"}',
    ):
        response = httpx.post(
            live.url + "/validate",
            content=document % listener.port,
            headers={"Content-Type": "application/ld+json"},
            timeout=60,
        )
        assert response.status_code == 400, response.text
    turtle = (
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        f"<http://127.0.0.1:{listener.port}/o> a owl:Ontology ; owl:imports <http://127.0.0.1:{listener.port}/x.ttl> ."
    )
    response = httpx.post(
        live.url + "/validate", content=turtle, headers={"Content-Type": "text/turtle"}, timeout=60
    )
    assert response.status_code == 200, response.text
    time.sleep(0.5)
    assert listener.connections == 0
