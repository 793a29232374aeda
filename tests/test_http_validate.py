"""POST /validate: RDF in, the SHACL report out; parse errors name line and column; nothing is stored."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from live_server import Live, expand_to_graph, run_server
from rdflib import Graph, Literal, URIRef

from service.settings import PROJECT_ROOT, Settings

SH = "http://www.w3.org/ns/shacl#"
DOCUMENT = sorted((PROJECT_ROOT / "data" / "documents").glob("*.ttl"))[0]
BROKEN_GOAL = """@prefix ikg: <https://w3id.org/integration-kg/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<https://w3id.org/integration-kg/id/document/9999/test/goal> a ikg:Goal ;
    dcterms:isPartOf <https://w3id.org/integration-kg/id/document/9999/test> .
"""


@pytest.fixture(scope="module")
def live(settings: Settings) -> Iterator[Live]:
    with run_server(settings, INTEGRATION_KG_QUERY_TIMEOUT="20") as server:
        yield server


def post(live: Live, body: str | bytes, content_type: str, accept: str = "text/turtle") -> httpx.Response:
    return httpx.post(
        live.url + "/validate",
        content=body,
        headers={"Content-Type": content_type, "Accept": accept},
        timeout=120,
    )


def test_a_data_file_of_the_project_conforms(live: Live) -> None:
    response = post(live, DOCUMENT.read_bytes(), "text/turtle")
    assert response.status_code == 200, response.text
    report = Graph().parse(data=response.text, format="turtle")
    assert (None, URIRef(SH + "conforms"), Literal(True)) in report
    assert response.headers["x-conforms"] == "true"


def test_a_violation_is_reported_in_turtle_json_ld_and_html(live: Live) -> None:
    turtle = post(live, BROKEN_GOAL, "text/turtle")
    report = Graph().parse(data=turtle.text, format="turtle")
    assert (None, URIRef(SH + "conforms"), Literal(False)) in report
    assert any(
        report.subjects(
            URIRef(SH + "focusNode"), URIRef("https://w3id.org/integration-kg/id/document/9999/test/goal")
        )
    )
    as_json_ld = post(live, BROKEN_GOAL, "text/turtle", accept="application/ld+json")
    assert len(expand_to_graph(as_json_ld.json(), live)) == len(report)
    html = post(live, BROKEN_GOAL, "text/turtle", accept="text/html")
    assert html.headers["content-type"].startswith("text/html") and "document/9999/test/goal" in html.text


def test_n_triples_and_json_ld_input(live: Live) -> None:
    graph = Graph().parse(data=BROKEN_GOAL, format="turtle")
    for body, media_type in (
        (graph.serialize(format="nt"), "application/n-triples"),
        (graph.serialize(format="json-ld"), "application/ld+json"),
    ):
        response = post(live, body, media_type)
        assert response.status_code == 200 and response.headers["x-conforms"] == "false"


def test_a_body_that_does_not_parse_gets_400_with_line_and_column(live: Live) -> None:
    response = post(
        live,
        "@prefix ikg: <https://w3id.org/integration-kg/ontology#> .\n\n<urn:a> ikg:quote \"open",
        "text/turtle",
    )
    assert response.status_code == 400
    assert "line 3" in response.text and "column" in response.text
    assert post(live, "{not json", "application/ld+json").status_code == 400
    assert post(live, "x", "application/pdf").status_code == 415


def test_nothing_is_stored(live: Live) -> None:
    before = httpx.get(live.url + "/healthz").json()["triples"]
    post(live, BROKEN_GOAL, "text/turtle")
    assert httpx.get(live.url + "/healthz").json()["triples"] == before
    assert httpx.get(live.url + "/id/document/9999/test/goal").status_code == 404
