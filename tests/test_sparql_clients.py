"""Real SPARQL clients as they are: SPARQLWrapper in its default mode (it repeats `format`/`output`
parameters, sends aliases such as `json-ld`, `n3`, `rdf+xml` and comma lists beside its Accept header)
over GET, POST form and POST direct, against a real uvicorn on loopback; and the parameter rules the
service documents for every client (docs/clients.md)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from live_server import Live, run_server
from rdflib import Graph
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)

from service.store import QuerySyntaxError
from service.store.query_check import check_query

FW = "https://w3id.org/integration-kg/id/framework/"
SELECT = f"SELECT ?s ?notation WHERE {{ ?s <http://www.w3.org/2004/02/skos/core#inScheme> <{FW}eu-cbp-2004> ; <http://www.w3.org/2004/02/skos/core#notation> ?notation }} ORDER BY ?notation"
ASK = f"ASK {{ <{FW}eu-cbp-2004> ?p ?o }}"
CONSTRUCT = f"CONSTRUCT {{ <{FW}eu-cbp-2004> ?p ?o }} WHERE {{ <{FW}eu-cbp-2004> ?p ?o }}"
DESCRIBE = f"DESCRIBE <{FW}eu-cbp-2004>"
METHODS = {"GET": (GET, None), "POST form": (POST, URLENCODED), "POST direct": (POST, POSTDIRECTLY)}


@pytest.fixture(scope="module")
def live(settings) -> Iterator[Live]:  # noqa: ANN001
    with run_server(settings) as server:
        yield server


def wrapper(live: Live, query: str, fmt: str, method: str) -> SPARQLWrapper:
    """SPARQLWrapper with its defaults; only the query, the return format and the method are set."""
    client = SPARQLWrapper(live.url + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    verb, encoding = METHODS[method]
    client.setMethod(verb)
    if encoding:
        client.setRequestMethod(encoding)
    return client


def expected_notations(live: Live) -> list[str]:
    rows = live.store.query(SELECT).rows  # type: ignore[union-attr]
    assert len(rows) >= 10  # the eleven principles
    return [str(row["notation"]) for row in rows]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_select(live: Live, method: str, fmt: str) -> None:
    result = wrapper(live, SELECT, fmt, method).query()
    converted = result.convert()
    if fmt == JSON:
        notations = [b["notation"]["value"] for b in converted["results"]["bindings"]]
    elif fmt == XML:
        notations = [
            node.firstChild.data
            for binding in converted.getElementsByTagName("binding")
            if binding.getAttribute("name") == "notation"
            for node in binding.getElementsByTagName("literal")
        ]
    else:
        separator = "," if fmt == CSV else "\t"
        lines = converted.decode("utf-8").splitlines()
        assert lines[0].replace("?", "").split(separator) == ["s", "notation"]
        notations = [line.split(separator)[1].strip('"') for line in lines[1:]]
    assert notations == expected_notations(live)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_ask(live: Live, method: str, fmt: str) -> None:
    converted = wrapper(live, ASK, fmt, method).query().convert()
    if fmt == JSON:
        assert converted["boolean"] is True
    elif fmt == XML:
        assert converted.getElementsByTagName("boolean")[0].firstChild.data == "true"
    else:
        assert converted.decode("utf-8").strip().lower() == "true"


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", [TURTLE, JSONLD, RDFXML, N3])
@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE], ids=["CONSTRUCT", "DESCRIBE"])
def test_construct_and_describe(live: Live, method: str, fmt: str, query: str) -> None:
    graph = wrapper(live, query, fmt, method).queryAndConvert()
    if not isinstance(graph, Graph):  # N3 and Turtle come as bytes: parse them as N3 clients do
        graph = Graph().parse(data=graph, format="n3")
    expected = live.store.construct(CONSTRUCT)
    assert len(graph) >= len(expected) > 5
    assert {(str(s), str(p)) for s, p, _ in expected} <= {(str(s), str(p)) for s, p, _ in graph}


def media(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0]


def test_format_parameter_rules(live: Live) -> None:
    """The first servable `format=` (or `output=`) value wins, in URL-then-form order, comma lists split;
    one that cannot be served gives way to an Accept header that can be met; none at all is a 406
    listing what is available, with Vary: Accept."""
    url = live.url + "/sparql"
    get = lambda params, **kw: httpx.get(url, params=params, **kw)  # noqa: E731
    assert media(get([("query", ASK), ("format", "turtle"), ("format", "xml")])) == (
        "application/sparql-results+xml"
    )
    assert media(get([("query", ASK), ("format", "bogus,csv")])) == "text/csv"
    assert media(get([("query", ASK), ("output", "tsv")])) == "text/tab-separated-values"
    assert media(get([("query", CONSTRUCT), ("format", "rdf+xml")])) == "application/rdf+xml"
    assert media(get([("query", CONSTRUCT), ("format", "xml")])) == "application/rdf+xml"
    assert media(get([("query", CONSTRUCT), ("format", "n3")])) == "text/turtle"
    assert media(get([("query", CONSTRUCT), ("format", "application/x-json+ld")])) == "application/ld+json"
    accepted = get([("query", CONSTRUCT), ("format", "csv")], headers={"Accept": "application/n-triples"})
    assert accepted.status_code == 200 and media(accepted) == "application/n-triples"
    refused = get([("query", CONSTRUCT), ("format", "csv")], headers={"Accept": "text/csv"})
    assert refused.status_code == 406
    assert "Accept" in refused.headers["vary"]
    assert "text/turtle" in refused.text and "application/ld+json" in refused.text
    alone = get([("query", ASK), ("format", "turtle")])
    assert alone.status_code == 406 and "format='turtle'" in alone.text
    # A form and the URL together: the URL's values come first, the same rule as GET.
    posted = httpx.post(url + "?format=csv", data={"query": ASK, "format": "xml"})
    assert media(posted) == "text/csv"
    posted = httpx.post(url + "?format=bogus", data={"query": ASK, "format": "xml"})
    assert media(posted) == "application/sparql-results+xml"


def test_one_query_per_request(live: Live) -> None:
    url = live.url + "/sparql"
    two = httpx.get(url, params=[("query", "ASK {}"), ("query", "ASK {}")])
    assert two.status_code == 400 and "query" in two.text
    form = httpx.post(url, data={"query": ["ASK {}", "ASK {}"]})
    assert form.status_code == 400
    both = httpx.post(url + "?query=ASK%7B%7D", data={"query": "ASK {}"})
    assert both.status_code == 400
    direct = httpx.post(
        url + "?query=ASK%7B%7D", content=b"ASK {}", headers={"Content-Type": "application/sparql-query"}
    )
    assert direct.status_code == 400


def test_syntax_errors_point_into_the_query_as_sent(live: Live) -> None:
    """The base is declared in front of the query; an error's position is still the one in the query."""
    bad = "SELECT * WHERE { ?s ?p }"
    response = httpx.get(live.url + "/sparql", params={"query": bad})
    assert response.status_code == 400
    with pytest.raises(QuerySyntaxError) as plain:
        check_query(bad)  # the same checker on the query as sent, without the base declared before it
    assert response.text.strip() == plain.value.message
    assert "BASE" not in response.text
    relative = httpx.get(live.url + "/sparql", params={"query": "SELECT * WHERE { <s> ?p ?o }"})
    assert relative.status_code == 200 and json.loads(relative.text)["results"]["bindings"] == []
