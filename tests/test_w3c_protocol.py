"""The W3C SPARQL 1.1 Protocol tests (w3c/rdf-tests, sparql/sparql11/protocol/manifest.ttl), as this
project's own copy of their requests, sent to a real uvicorn on loopback.

What differs from the manifest, and why:
- The dataset tests name kasei.us graphs (data1.rdf, data2.rdf, data3.rdf), each stating that its own IRI
  has a type. Here they name three of the service's own graphs, {base}graph/frameworks/{slug}, each
  stating that the framework {base}id/framework/{slug} has a type: the same requests, the same answers.
  Each such test also sends the request with one graph left out and expects `false`, so it cannot pass
  by answering `true` to everything.
- `query_multiple_dataset` in the manifest percent-encodes the `&` between its two named-graph-uri
  parameters (a known slip: its expected answer needs both); here they are two parameters.
- The endpoint is read-only: the update tests are expected to be refused with a 4xx, and the query that
  follows each of them to show that nothing changed.
- The path is /sparql (the manifest's /sparql/ is the same endpoint on another server).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote

import httpx
import pytest
from live_server import Live, run_server
from rdflib import Graph

from service.settings import Settings

BOOLEAN_TYPES = ("application/sparql-results+json", "application/sparql-results+xml")
TABULAR_TYPES = (*BOOLEAN_TYPES, "text/csv", "text/tab-separated-values")
RDF_TYPES = {
    "text/turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
}
SLUGS = ("eu-cbp-2004", "udhr-1948", "agenda-2030")  # stand-ins for data1.rdf, data2.rdf, data3.rdf


@dataclass
class Request:
    method: str
    params: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None
    content_type: str | None = None
    expect_status: str = "2xx"  # "2xx" (2xx or 3xx, as the manifest says) or "4xx"
    expect_format: str | None = None  # boolean, tabular, RDF
    expect_boolean: bool | None = None


@pytest.fixture(scope="module")
def live(settings: Settings) -> Iterator[Live]:
    with run_server(settings) as server:
        yield server


def names(settings: Settings) -> tuple[list[str], list[str]]:
    """The three graphs and the subject each of them types (data1..3.rdf in the manifest)."""
    base = settings.base_iri
    return [f"{base}graph/frameworks/{s}" for s in SLUGS], [f"{base}id/framework/{s}" for s in SLUGS]


def direct(query: str, params: list[tuple[str, str]] | None = None, **expect: object) -> Request:
    return Request("POST", params or [], query.encode("utf-8"), "application/sparql-query", **expect)  # type: ignore[arg-type]


def form(body: str, params: list[tuple[str, str]] | None = None, **expect: object) -> Request:
    return Request("POST", params or [], body.encode("utf-8"), "application/x-www-form-urlencoded", **expect)  # type: ignore[arg-type]


def requests_of(settings: Settings) -> dict[str, list[Request]]:
    """Every test of the manifest, in its order, as the requests it sends and what each must get."""
    g, s = names(settings)
    data0 = [("default-graph-uri", g[0])]
    ask_default_two = f"ASK {{ <{s[0]}> a ?type . <{s[1]}> a ?type . }}"
    ask_named_two = f"ASK {{ GRAPH ?g1 {{ <{s[0]}> a ?type }} GRAPH ?g2 {{ <{s[1]}> a ?type }} }}"
    ask_full = f"ASK {{\n  <{s[2]}> a ?type\n  GRAPH ?g1 {{ <{s[0]}> a ?type }}\n  GRAPH ?g2 {{ <{s[1]}> a ?type }}\n}}"
    true: dict[str, object] = {"expect_format": "boolean", "expect_boolean": True}
    false: dict[str, object] = {"expect_format": "boolean", "expect_boolean": False}
    refused: dict[str, object] = {"expect_status": "4xx"}
    unchanged = direct(
        f"ASK {{ GRAPH <{g[0]}> {{ <{s[0]}> a <http://xmlns.com/foaf/0.1/Document> }} }}", **false
    )
    update = "PREFIX foaf: <http://xmlns.com/foaf/0.1/>\n"
    update += f"INSERT DATA {{ GRAPH <{g[0]}> {{ <{s[0]}> a foaf:Document }} }}"
    return {
        "query_post_form": [form("query=ASK%20%7B%7D", data0, **true)],
        "query_dataset_default_graphs_get": [
            Request(
                "GET",
                [("query", ask_default_two), ("default-graph-uri", g[0]), ("default-graph-uri", g[1])],
                **true,  # type: ignore[arg-type]
            ),
            Request("GET", [("query", ask_default_two), ("default-graph-uri", g[0])], **false),  # type: ignore[arg-type]
        ],
        "query_dataset_default_graphs_post": [
            direct(ask_default_two, [("default-graph-uri", g[0]), ("default-graph-uri", g[1])], **true),
            direct(ask_default_two, [("default-graph-uri", g[1])], **false),
        ],
        "query_dataset_named_graphs_post": [
            direct(ask_named_two, [("named-graph-uri", g[0]), ("named-graph-uri", g[1])], **true),
            direct(ask_named_two, [("named-graph-uri", g[0])], **false),
        ],
        "query_dataset_named_graphs_get": [
            Request(
                "GET",
                [("query", ask_named_two), ("named-graph-uri", g[0]), ("named-graph-uri", g[1])],
                **true,  # type: ignore[arg-type]
            ),
            Request("GET", [("query", ask_named_two), ("named-graph-uri", g[1])], **false),  # type: ignore[arg-type]
        ],
        "query_dataset_full": [
            direct(
                ask_full,
                [("default-graph-uri", g[2]), ("named-graph-uri", g[0]), ("named-graph-uri", g[1])],
                **true,
            ),
            direct(
                ask_full,
                [("default-graph-uri", g[0]), ("named-graph-uri", g[0]), ("named-graph-uri", g[1])],
                **false,
            ),
        ],
        "query_multiple_dataset": [
            direct(
                f"ASK FROM <{g[2]}> {{ GRAPH ?g1 {{ <{s[0]}> a ?type }} GRAPH ?g2 {{ <{s[1]}> a ?type }} }}",
                [("named-graph-uri", g[0]), ("named-graph-uri", g[1])],
                **true,
            ),
            direct(
                f"ASK FROM NAMED <{g[0]}> FROM NAMED <{g[1]}> {{ GRAPH ?g1 {{ <{s[0]}> a ?type }} GRAPH ?g2 {{ <{s[1]}> a ?type }} }}",
                [("named-graph-uri", g[2])],
                **false,  # the protocol's dataset wins over the query's
            ),
        ],
        "query_get": [Request("GET", [("query", "ASK {}"), *data0], **true)],  # type: ignore[arg-type]
        "query_content_type_select": [direct("SELECT (1 AS ?value) {}", data0, expect_format="tabular")],
        "query_content_type_ask": [direct("ASK {}", data0, expect_format="boolean")],
        "query_content_type_describe": [direct("DESCRIBE <http://example.org/>", data0, expect_format="RDF")],
        "query_content_type_construct": [
            direct("CONSTRUCT { <s> <p> 1 } WHERE {}", data0, expect_format="RDF")
        ],
        "update_dataset_default_graph": [
            Request(
                "POST", [("using-graph-uri", g[0])], update.encode(), "application/sparql-update", **refused
            ),  # type: ignore[arg-type]
            unchanged,
        ],
        "update_dataset_default_graphs": [
            Request(
                "POST",
                [("using-graph-uri", g[0]), ("using-graph-uri", g[1])],
                update.encode(),
                "application/sparql-update",
                **refused,  # type: ignore[arg-type]
            ),
            unchanged,
        ],
        "update_dataset_named_graphs": [
            Request(
                "POST",
                [("using-named-graph-uri", g[0]), ("using-named-graph-uri", g[1])],
                update.encode(),
                "application/sparql-update",
                **refused,  # type: ignore[arg-type]
            ),
            unchanged,
        ],
        "update_dataset_full": [
            Request(
                "POST",
                [("using-graph-uri", g[2]), ("using-named-graph-uri", g[0]), ("using-named-graph-uri", g[1])],
                update.encode(),
                "application/sparql-update",
                **refused,  # type: ignore[arg-type]
            ),
            unchanged,
        ],
        "update_post_form": [form("update=" + quote(update), **refused), unchanged],
        "update_post_direct": [
            Request("POST", [], f"CLEAR GRAPH <{g[0]}>".encode(), "application/sparql-update", **refused),  # type: ignore[arg-type]
            direct(f"ASK {{ GRAPH <{g[0]}> {{ ?s ?p ?o }} }}", **true),
        ],
        "update_base_uri": [
            Request(
                "POST",
                [],
                b"INSERT DATA { GRAPH <http://example.org/protocol-base-test/> "
                b"{ <http://example.org/s> <http://example.org/p> <test> } }",
                "application/sparql-update",
                **refused,  # type: ignore[arg-type]
            ),
            direct("ASK { GRAPH <http://example.org/protocol-base-test/> { ?s ?p ?o } }", **false),
        ],
        "query_post_direct": [direct("ASK {}", **true)],
        "bad_query_method": [
            Request("PUT", [("query", "ASK {}"), *data0], b"", "application/x-www-form-urlencoded", **refused)  # type: ignore[arg-type]
        ],
        "bad_multiple_queries": [Request("GET", [("query", "ASK {}"), ("query", "SELECT * {}")], **refused)],  # type: ignore[arg-type]
        "bad_query_wrong_media_type": [Request("POST", [], b"ASK {}", "text/plain", **refused)],  # type: ignore[arg-type]
        "bad_query_missing_form_type": [Request("POST", [], b"query=ASK%20%7B%7D", None, **refused)],  # type: ignore[arg-type]
        "bad_query_missing_direct_type": [Request("POST", [], b"ASK {}", None, **refused)],  # type: ignore[arg-type]
        "bad_query_non_utf8": [
            Request(
                "POST", [], "ASK {}".encode("utf-16"), "application/sparql-query; charset=UTF-16", **refused
            )  # type: ignore[arg-type]
        ],
        "bad_query_syntax": [Request("GET", [("query", "ASK {[}")], **refused)],  # type: ignore[arg-type]
        "bad_update_get": [Request("GET", [("update", "CLEAR ALL")], **refused)],  # type: ignore[arg-type]
        "bad_multiple_updates": [form("update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", **refused)],
        "bad_update_wrong_media_type": [Request("POST", [], b"CLEAR NAMED", "text/plain", **refused)],  # type: ignore[arg-type]
        "bad_update_missing_form_type": [Request("POST", [], b"update=CLEAR%20NAMED", None, **refused)],  # type: ignore[arg-type]
        "bad_update_non_utf8": [
            Request(
                "POST",
                [],
                "CLEAR NAMED".encode("utf-16"),
                "application/sparql-update; charset=UTF-16",
                **refused,
            )  # type: ignore[arg-type]
        ],
        "bad_update_syntax": [Request("POST", [], b"CLEAR XYZ", "application/sparql-update", **refused)],  # type: ignore[arg-type]
        "bad_update_dataset_conflict": [
            Request(
                "POST",
                [("using-graph-uri", g[0])],
                f"DELETE {{ ?s ?p ?o }} USING <{g[1]}> WHERE {{ ?s ?p ?o }}".encode(),
                "application/sparql-update",
                **refused,  # type: ignore[arg-type]
            ),
            unchanged,
        ],
    }


MANIFEST_ORDER = (
    "query_post_form query_dataset_default_graphs_get query_dataset_default_graphs_post "
    "query_dataset_named_graphs_post query_dataset_named_graphs_get query_dataset_full query_multiple_dataset "
    "query_get query_content_type_select query_content_type_ask query_content_type_describe "
    "query_content_type_construct update_dataset_default_graph update_dataset_default_graphs "
    "update_dataset_named_graphs update_dataset_full update_post_form update_post_direct update_base_uri "
    "query_post_direct bad_query_method bad_multiple_queries bad_query_wrong_media_type "
    "bad_query_missing_form_type bad_query_missing_direct_type bad_query_non_utf8 bad_query_syntax "
    "bad_update_get bad_multiple_updates bad_update_wrong_media_type bad_update_missing_form_type "
    "bad_update_non_utf8 bad_update_syntax bad_update_dataset_conflict"
).split()


def test_the_copy_holds_every_test_of_the_manifest(settings: Settings) -> None:
    assert list(requests_of(settings)) == MANIFEST_ORDER
    assert len(MANIFEST_ORDER) == 34


def send(live: Live, request: Request) -> httpx.Response:
    headers = {"Content-Type": request.content_type} if request.content_type else {}
    if request.method == "POST" and request.content_type is None:
        headers["Content-Type"] = ""  # the manifest's request has no Content-Type at all
    return httpx.request(
        request.method,
        live.url + "/sparql",
        params=request.params,
        content=request.body,
        headers=headers,
        timeout=30,
    )


def check(response: httpx.Response, request: Request) -> None:
    status = response.status_code
    if request.expect_status == "4xx":
        assert 400 <= status < 500, (status, response.text)
        assert response.text.strip(), "a refusal names the problem"
        return
    assert 200 <= status < 400, (status, response.text)
    media = response.headers.get("content-type", "").split(";")[0].strip()
    if request.expect_format == "boolean":
        assert media in BOOLEAN_TYPES, media
        if request.expect_boolean is not None:
            value = (
                json.loads(response.text)["boolean"]
                if media.endswith("json")
                else "<boolean>true</boolean>" in response.text
            )
            assert value is request.expect_boolean, response.text
    elif request.expect_format == "tabular":
        assert media in TABULAR_TYPES, media
        assert "value" in response.text and "1" in response.text
    elif request.expect_format == "RDF":
        assert media in RDF_TYPES, media
        graph = Graph()
        if media == "application/ld+json":
            document = response.json()
            document.pop("@context", None)  # terms are not needed: the test's triples use full IRIs
            graph.parse(data=json.dumps(document), format="json-ld")
        else:
            graph.parse(data=response.text, format=RDF_TYPES[media])


@pytest.mark.parametrize("name", MANIFEST_ORDER)
def test_w3c_protocol(live: Live, settings: Settings, name: str) -> None:
    for request in requests_of(settings)[name]:
        check(send(live, request), request)


def test_construct_resolves_relative_iris_against_the_base(live: Live, settings: Settings) -> None:
    """The documented base of queries: relative IRIs resolve against the base IRI."""
    response = send(live, direct("CONSTRUCT { <s> <p> 1 } WHERE {}"))
    graph = Graph().parse(data=response.text, format="turtle")
    assert {(str(s), str(p)) for s, p, _ in graph} == {(settings.base_iri + "s", settings.base_iri + "p")}
    own = send(live, direct("ASK { <id/framework/eu-cbp-2004> a ?type }", expect_format="boolean"))
    assert json.loads(own.text)["boolean"] is True
