"""The SPARQL 1.1 Protocol against a real uvicorn on loopback, with a real SPARQL client (SPARQLWrapper)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import httpx
import pytest
from live_server import Live, expand_to_graph, run_server
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from SPARQLWrapper import CSV, JSON, POST, POSTDIRECTLY, TSV, XML, SPARQLWrapper

from service.settings import PROJECT_ROOT, Settings
from service.store import SelectResult

IKG = "https://w3id.org/integration-kg/ontology#"


@pytest.fixture(scope="module")
def live(settings: Settings) -> Iterator[Live]:
    with run_server(settings, INTEGRATION_KG_QUERY_TIMEOUT="3", INTEGRATION_KG_MAX_RESULTS="5000") as server:
        yield server


SELECT_QUERY = f"""PREFIX ikg: <{IKG}>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?principle ?label ?notation WHERE {{
  ?principle a ikg:Principle ; skos:prefLabel ?label ; skos:notation ?notation .
}} ORDER BY ?principle ?label"""
CONSTRUCT_QUERY = f"""PREFIX ikg: <{IKG}>
CONSTRUCT {{ ?citation ?p ?o }} WHERE {{ ?citation a ikg:Citation ; ?p ?o }}"""


def expected_rows(live: Live) -> list[dict[str, str]]:
    result = live.store.query(SELECT_QUERY)
    assert isinstance(result, SelectResult) and result.rows
    return [{k: str(v) for k, v in row.items()} for row in result.rows]


def client(live: Live, query: str, fmt: str, method: str | None = None) -> SPARQLWrapper:
    wrapper = SPARQLWrapper(live.url + "/sparql")
    wrapper.setQuery(query)
    wrapper.setReturnFormat(fmt)
    if method == "form":
        wrapper.setMethod(POST)
    elif method == "direct":
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(POSTDIRECTLY)
    return wrapper


@pytest.mark.parametrize("method", [None, "form", "direct"])
def test_select_as_sparql_json_by_get_and_both_posts(live: Live, method: str | None) -> None:
    data = client(live, SELECT_QUERY, JSON, method).query().convert()
    rows = [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]
    assert data["head"]["vars"] == ["principle", "label", "notation"]
    assert rows == expected_rows(live)


def test_select_as_xml_csv_and_tsv(live: Live) -> None:
    expected = expected_rows(live)
    document = client(live, SELECT_QUERY, XML).query().convert()
    results = document.getElementsByTagName("result")
    assert len(results) == len(expected)
    first = {
        b.getAttribute("name"): b.firstChild.firstChild.nodeValue
        for b in results[0].getElementsByTagName("binding")
    }
    assert first == expected[0]
    text = client(live, SELECT_QUERY, CSV).query().convert().decode("utf-8")
    assert list(csv.DictReader(io.StringIO(text))) == expected
    tsv = client(live, SELECT_QUERY, TSV).query().convert().decode("utf-8").splitlines()
    assert tsv[0].split("\t") == ["?principle", "?label", "?notation"]
    assert len(tsv) == len(expected) + 1
    assert tsv[1].split("\t")[0] == f"<{expected[0]['principle']}>"


def test_ask(live: Live) -> None:
    assert client(live, f"ASK {{ ?s a <{IKG}Principle> }}", JSON).query().convert()["boolean"] is True
    assert (
        client(live, f"ASK {{ ?s a <{IKG}NoSuchClass> }}", JSON, "form").query().convert()["boolean"] is False
    )


@pytest.mark.parametrize(
    "accept,parse_as",
    [("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/rdf+xml", "xml")],
)
def test_construct_in_every_rdf_format_holds_the_same_triples(live: Live, accept: str, parse_as: str) -> None:
    expected = live.store.construct(CONSTRUCT_QUERY)
    assert len(expected) > 50
    response = httpx.get(live.url + "/sparql", params={"query": CONSTRUCT_QUERY}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    assert isomorphic(Graph().parse(data=response.text, format=parse_as), expected)


def test_construct_as_json_ld_expands_to_the_turtle_triples(live: Live) -> None:
    turtle = httpx.post(
        live.url + "/sparql", data={"query": CONSTRUCT_QUERY}, headers={"Accept": "text/turtle"}
    )
    response = httpx.post(
        live.url + "/sparql",
        content=CONSTRUCT_QUERY.encode(),
        headers={"Content-Type": "application/sparql-query", "Accept": "application/ld+json"},
    )
    assert response.status_code == 200
    document = response.json()
    assert document["@context"] == live.url + "/context.jsonld"
    assert isomorphic(expand_to_graph(document, live), Graph().parse(data=turtle.text, format="turtle"))


def test_describe(live: Live) -> None:
    iri = "https://w3id.org/integration-kg/id/framework/eu-cbp-2004/1"
    response = httpx.get(live.url + "/sparql", params={"query": f"DESCRIBE <{iri}>", "format": "ntriples"})
    graph = Graph().parse(data=response.text, format="nt")
    assert (URIRef(iri), URIRef("http://www.w3.org/2004/02/skos/core#notation"), Literal("1")) in graph


def test_accept_with_q_values_and_format_parameter(live: Live) -> None:
    def media(**kwargs: object) -> tuple[int, str]:
        response = httpx.get(live.url + "/sparql", **kwargs)  # type: ignore[arg-type]
        return response.status_code, response.headers.get("content-type", "").split(";")[0]

    query = {"query": SELECT_QUERY}
    assert media(params=query, headers={"Accept": "text/csv;q=0.5, application/sparql-results+xml"}) == (
        200,
        "application/sparql-results+xml",
    )
    assert media(params=query, headers={"Accept": "text/csv, application/sparql-results+xml;q=0.4"}) == (
        200,
        "text/csv",
    )
    assert media(params=query, headers={"Accept": "text/*;q=0.3, */*;q=0.1"})[1] in (
        "text/csv",
        "text/tab-separated-values",
    )
    assert media(params=query, headers={"Accept": "text/csv;q=0, application/sparql-results+json"}) == (
        200,
        "application/sparql-results+json",
    )
    assert media(params={**query, "format": "tsv"}, headers={"Accept": "text/csv"}) == (
        200,
        "text/tab-separated-values",
    )
    status, _ = media(params=query, headers={"Accept": "text/turtle"})
    assert status == 406
    response = httpx.get(live.url + "/sparql", params={**query, "format": "turtle"})
    assert response.status_code == 406 and "format" in response.text
    assert media(params={"query": CONSTRUCT_QUERY}, headers={"Accept": "text/csv"})[0] == 406


def test_dataset_from_protocol_parameters(live: Live) -> None:
    graphs = live.store.info.graphs
    name, size = next((g, n) for g, n in graphs.items() if "/graph/frameworks/" in g)
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    one = httpx.get(live.url + "/sparql", params={"query": count, "default-graph-uri": name, "format": "csv"})
    assert one.text.splitlines()[1] == str(size)
    union = httpx.get(live.url + "/sparql", params={"query": count, "format": "csv"})
    assert int(union.text.splitlines()[1]) == live.store.info.triples
    named = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = httpx.post(
        live.url + "/sparql", data={"query": named, "named-graph-uri": name}, headers={"Accept": "text/csv"}
    )
    assert response.text.splitlines()[1:] == [name]
    from_clause = f"SELECT (COUNT(*) AS ?n) FROM <{name}> WHERE {{ ?s ?p ?o }}"
    assert httpx.get(live.url + "/sparql", params={"query": from_clause, "format": "csv"}).text.splitlines()[
        1
    ] == str(size)
    bad = httpx.get(live.url + "/sparql", params={"query": count, "default-graph-uri": "not an iri"})
    assert bad.status_code == 400 and "default-graph-uri" in bad.text


def test_service_description_for_rdf_clients_and_query_page_for_browsers(live: Live) -> None:
    response = httpx.get(live.url + "/sparql", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=response.text, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert (None, URIRef(sd + "endpoint"), URIRef(live.url + "/sparql")) in graph
    assert (None, URIRef(sd + "feature"), URIRef(sd + "UnionDefaultGraph")) in graph
    page = httpx.get(live.url + "/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.headers["content-type"].startswith("text/html")
    assert "/static/sparql-editor.js" in page.text
    research = sorted((PROJECT_ROOT / "service" / "queries" / "research").glob("*.rq"))
    for path in research:
        assert (
            'data-query="' in page.text
            and path.read_text(encoding="utf-8").splitlines()[0].split(":", 1)[-1].strip() in page.text
        )
    assert "https://" not in page.text.split("<main>")[0].replace(
        live.url, ""
    )  # nothing loaded from elsewhere
    script = httpx.get(live.url + "/static/sparql-editor.js")
    assert script.status_code == 200 and "highlight" in script.text


def test_cors_for_reads(live: Live) -> None:
    response = httpx.get(
        live.url + "/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://example.org"}
    )
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = httpx.options(
        live.url + "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200 and "POST" in preflight.headers["access-control-allow-methods"]


@pytest.mark.parametrize(
    "path", sorted(p.name for p in (PROJECT_ROOT / "service" / "queries" / "research").glob("*.rq"))
)
def test_the_researchers_queries_run(live: Live, path: str) -> None:
    query = (PROJECT_ROOT / "service" / "queries" / "research" / path).read_text(encoding="utf-8")
    response = httpx.post(
        live.url + "/sparql",
        data={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert "results" in response.json() or "boolean" in response.json()


def test_a_form_body_is_read_as_utf_8_whether_or_not_it_is_percent_encoded(live: Live) -> None:
    """The form is read as UTF-8 (the WHATWG urlencoded rule), so `curl -d 'query=…ö…'`, which sends the
    letters as they are, asks the same as a client that percent-encodes them; a body that is not UTF-8 is a
    400 that says so, never a query silently read in another encoding."""
    query = 'PREFIX skos: <http://www.w3.org/2004/02/skos/core#> ASK { ?s skos:prefLabel "Mölndal Municipality"@en }'
    form = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"}
    encoded = httpx.post(live.url + "/sparql", data={"query": query}, headers={"Accept": form["Accept"]})
    raw = httpx.post(live.url + "/sparql", content=b"query=" + query.encode("utf-8"), headers=form)
    assert encoded.status_code == 200 and raw.status_code == 200, (encoded.text, raw.text)
    assert encoded.json() == raw.json() == {"head": {}, "boolean": True}
    latin_1 = httpx.post(live.url + "/sparql", content=b"query=" + query.encode("latin-1"), headers=form)
    assert latin_1.status_code == 400 and "not UTF-8" in latin_1.text
