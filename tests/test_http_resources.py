"""Dereferenceable IRIs: every resource in every format, the formats agree, JSON-LD expands to the Turtle
triples, caching validators, and pages a person can read."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest
from live_server import Live, expand_to_graph, run_server
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF

from service.render import prefixes
from service.settings import Settings

BASE = "https://w3id.org/integration-kg/"
SAMPLE_PATHS = [
    "id/framework/eu-cbp-2004/1",
    "id/document/1481/integrationsstrategi",
    "id/framework/se-integration-policy/2008",
]
"""A principle, a document and a framework: pages of three kinds, checked in every format."""
FORMATS = {
    ".ttl": ("text/turtle", "turtle"),
    ".nt": ("application/n-triples", "nt"),
    ".rdf": ("application/rdf+xml", "xml"),
    ".jsonld": ("application/ld+json", None),
}


@pytest.fixture(scope="module")
def live(settings: Settings) -> Iterator[Live]:
    with run_server(settings) as server:
        yield server


def parse(live: Live, response: httpx.Response, suffix: str) -> Graph:
    if suffix == ".jsonld":
        return expand_to_graph(response.json(), live)
    return Graph().parse(data=response.text, format=FORMATS[suffix][1])


def all_resources(live: Live) -> list[str]:
    rows = live.store.select(
        f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), '{BASE}id/')) }}"
    )
    return sorted(str(row["s"]) for row in rows)


def test_every_resource_dereferences_in_turtle(live: Live) -> None:
    resources = all_resources(live)
    assert len(resources) > 100
    with httpx.Client(base_url=live.url) as client:
        for iri in resources:
            response = client.get("/" + iri[len(BASE) :], headers={"Accept": "text/turtle"})
            assert response.status_code == 200, iri
            graph = Graph().parse(data=response.text, format="turtle")
            assert (URIRef(iri), None, None) in graph, iri


@pytest.mark.parametrize("path", SAMPLE_PATHS)
def test_every_format_holds_the_same_triples(live: Live, path: str) -> None:
    graphs = {}
    for suffix, (media_type, _) in FORMATS.items():
        by_suffix = httpx.get(f"{live.url}/{path}{suffix}")
        by_accept = httpx.get(f"{live.url}/{path}", headers={"Accept": media_type})
        assert by_suffix.status_code == by_accept.status_code == 200
        assert by_accept.headers["content-type"].startswith(media_type)
        assert by_accept.headers["content-location"] == f"{live.url}/{path}{suffix}"
        assert "Accept" in by_accept.headers["vary"]
        graphs[suffix] = parse(live, by_suffix, suffix)
        assert isomorphic(graphs[suffix], parse(live, by_accept, suffix))
    for suffix, graph in graphs.items():
        assert isomorphic(graph, graphs[".ttl"]), suffix
    html = httpx.get(f"{live.url}/{path}.html").text
    embedded = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    assert embedded is not None
    assert isomorphic(
        expand_to_graph(json.loads(embedded.group(1).replace("<\\/", "</")), live), graphs[".ttl"]
    )


@pytest.mark.parametrize("path", SAMPLE_PATHS)
def test_turtle_declares_exactly_the_prefixes_it_uses(live: Live, settings: Settings, path: str) -> None:
    text = httpx.get(f"{live.url}/{path}.ttl").text
    declared = dict(re.findall(r"^@prefix ([\w-]*): <([^>]*)> \.$", text, re.MULTILINE))
    graph = Graph().parse(data=text, format="turtle")
    iris = {str(term) for triple in graph for term in triple if isinstance(term, URIRef)}
    iris |= {str(o.datatype) for o in graph.objects() if getattr(o, "datatype", None) is not None}
    for name, namespace in prefixes(settings).items():
        used = any(iri.startswith(namespace) for iri in iris)
        assert (name in declared) == used, (name, namespace)
        if used:
            assert declared[name] == namespace
    assert declared, "a page of this graph always uses some prefix"


def test_a_principle_shows_what_cites_it_with_the_quotes(live: Live) -> None:
    iri = BASE + "id/framework/eu-cbp-2004/1"
    rows = live.store.select(f"""PREFIX ikg: <{BASE}ontology#>
        SELECT ?citing ?quote WHERE {{ ?c ikg:target <{iri}> ; ikg:quote ?quote . ?citing ikg:citation ?c }}""")
    assert rows
    turtle = Graph().parse(data=httpx.get(live.url + "/id/framework/eu-cbp-2004/1.ttl").text, format="turtle")
    html = httpx.get(live.url + "/id/framework/eu-cbp-2004/1", headers={"Accept": "text/html"}).text
    for row in rows:
        assert (row["citing"], URIRef(BASE + "ontology#cites"), URIRef(iri)) in turtle
        assert (None, URIRef(BASE + "ontology#quote"), row["quote"]) in turtle
        assert str(row["quote"]).replace("\"", "&#34;").replace("'", "&#39;")[:40] in html


def test_description_includes_labels_of_linked_and_incoming(live: Live) -> None:
    response = httpx.get(live.url + "/id/document/1481/integrationsstrategi.ttl")
    graph = Graph().parse(data=response.text, format="turtle")
    skos = "http://www.w3.org/2004/02/skos/core#"
    target = URIRef(BASE + "id/framework/eu-cbp-2004/1")
    assert (target, URIRef(skos + "prefLabel"), None) in graph
    assert any(
        graph.subjects(
            URIRef("http://purl.org/dc/terms/isPartOf"),
            URIRef(BASE + "id/document/1481/integrationsstrategi"),
        )
    )


def test_head_etag_and_last_modified_give_304(live: Live) -> None:
    url = live.url + "/id/framework/eu-cbp-2004/1"
    first = httpx.get(url, headers={"Accept": "text/turtle"})
    head = httpx.head(url, headers={"Accept": "text/turtle"})
    assert head.status_code == 200 and head.content == b"" and head.headers["etag"] == first.headers["etag"]
    again = httpx.get(url, headers={"Accept": "text/turtle", "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    other = httpx.get(url, headers={"Accept": "application/ld+json", "If-None-Match": first.headers["etag"]})
    assert other.status_code == 200, "another representation has another ETag"
    since = httpx.get(
        url, headers={"Accept": "text/turtle", "If-Modified-Since": first.headers["last-modified"]}
    )
    assert since.status_code == 304


def test_unknown_iri_is_404_and_unacceptable_is_406(live: Live) -> None:
    assert httpx.get(live.url + "/id/framework/no-such-framework").status_code == 404
    assert "no-such-framework" in httpx.get(live.url + "/id/framework/no-such-framework").text
    response = httpx.get(live.url + "/id/framework/eu-cbp-2004/1", headers={"Accept": "image/png"})
    assert response.status_code == 406 and "text/turtle" in response.text


def test_html_page_reads_well_in_both_languages(live: Live) -> None:
    swedish = httpx.get(
        live.url + "/id/document/1481/integrationsstrategi", headers={"Accept": "text/html"}
    ).text
    english = httpx.get(
        live.url + "/id/document/1481/integrationsstrategi?lang=en", headers={"Accept": "text/html"}
    ).text
    assert "<h1>Integrationsstrategi</h1>" in swedish and "Hänvisningar" in swedish
    assert "<h1>Integration strategy</h1>" in english and "Citations" in english
    assert 'href="?lang=en"' in swedish
    assert f'href="{live.url}/id/framework/eu-cbp-2004/1"' in swedish  # links browse the graph here
    assert "uttrycklig hänvisning" in swedish  # citation kinds by their labels
    part = httpx.get(
        live.url + "/id/document/1481/integrationsstrategi/boende", headers={"Accept": "text/html"}
    )
    if part.status_code == 200:
        assert 'class="breadcrumb"' in part.text
    by_browser = httpx.get(
        live.url + "/id/framework/eu-cbp-2004/1",
        headers={
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "Accept-Language": "en-GB,en;q=0.9",
        },
    )
    assert by_browser.headers["content-type"].startswith("text/html") and 'lang="en"' in by_browser.text


def test_ontology_documents_every_class_and_property(live: Live) -> None:
    turtle = httpx.get(live.url + "/ontology", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=turtle.text, format="turtle")
    html = httpx.get(live.url + "/ontology", headers={"Accept": "text/html"}).text
    terms = [
        t
        for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
        for t in graph.subjects(RDF.type, kind)
        if str(t).startswith(BASE + "ontology#")
    ]
    assert len(terms) > 30
    for term in terms:
        assert f'id="{str(term).split("#")[1]}"' in html, term
    for suffix in (".jsonld", ".nt", ".rdf"):
        assert isomorphic(parse(live, httpx.get(live.url + "/ontology" + suffix), suffix), graph), suffix


def test_shapes_and_context(live: Live, settings: Settings) -> None:
    shapes = httpx.get(live.url + "/shapes", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=shapes.text, format="turtle")
    assert any(graph.subjects(RDF.type, URIRef("http://www.w3.org/ns/shacl#NodeShape")))
    assert (
        "sh:" in httpx.get(live.url + "/shapes.html").text
        or "NodeShape" in httpx.get(live.url + "/shapes.html").text
    )
    context = httpx.get(live.url + "/context.jsonld")
    assert context.headers["content-type"].startswith("application/ld+json")
    assert context.json()["@context"]["ikg"] == BASE + "ontology#"


def test_home_page_counts_what_the_graph_holds(live: Live) -> None:
    html = httpx.get(live.url + "/?lang=en").text
    frameworks = len(list(live.store.select(f"SELECT ?f WHERE {{ ?f a <{BASE}ontology#Framework> }}")))
    assert re.search(rf"Frameworks</th><td>{frameworks}</td>", html)
    for link in (
        "/sparql",
        "/trace",
        "/catalog",
        "/ontology",
        "/shapes",
        "/.well-known/void",
        "/dumps/",
        "/api/docs",
    ):
        assert f'href="{live.url}{link}"' in html, link


def test_source_texts_are_served_as_received(settings) -> None:
    """The evidence links end at the source text itself, byte for byte, from the build's copy."""
    from fastapi.testclient import TestClient

    from service.app import create_app
    from service.settings import PROJECT_ROOT

    with TestClient(create_app(settings)) as client:
        page = client.get("/id/source/1442/strategi-for-integration", headers={"Accept": "text/html"})
        assert "/sources/1442-strategi-for-integration.txt" in page.text
        text = client.get("/sources/1442-strategi-for-integration.txt")
        assert text.status_code == 200 and text.headers["content-type"].startswith("text/plain")
        assert (
            text.content
            == (PROJECT_ROOT / "data" / "sources" / "1442-strategi-for-integration.txt").read_bytes()
        )
        again = client.get(
            "/sources/1442-strategi-for-integration.txt", headers={"If-None-Match": text.headers["ETag"]}
        )
        assert again.status_code == 304
        assert client.get("/sources/nonexistent.txt").status_code == 404
        assert client.get("/sources/..%2Fmanifest.json").status_code == 404
