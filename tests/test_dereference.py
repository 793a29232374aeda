"""Every IRI the service publishes under its base dereferences, with the same content negotiation
everywhere (HTML included): a walk over every published graph (the data dump, the catalogue, VoID, the
service description) against a real uvicorn on loopback. Also the HTTP signals Linked Data clients use:
Link alternates, 406 with Vary and the list of formats, N-Quads and TriG where statements come from named
graphs, and an HTML 404 for browsers."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator

import httpx
import pyoxigraph as ox
import pytest
from live_server import Live, run_server
from rdflib import Graph, URIRef

from service.settings import Settings

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
COMUNICA = (
    "application/n-quads,application/trig;q=0.95,application/ld+json;q=0.9,application/n-triples;q=0.8,"
    "text/turtle;q=0.6,application/rdf+xml;q=0.5,text/n3;q=0.35,application/xml;q=0.3,text/xml;q=0.3,"
    "image/svg+xml;q=0.3,text/html;q=0.2,application/xhtml+xml;q=0.18"
)


@pytest.fixture(scope="module")
def live(settings: Settings) -> Iterator[Live]:
    with run_server(settings) as server:
        yield server


def statements(body: bytes, fmt: ox.RdfFormat) -> Iterator[ox.NamedNode]:
    for statement in ox.parse(body, format=fmt):
        terms = [statement.subject, statement.predicate, statement.object]
        if isinstance(statement, ox.Quad):
            terms.append(statement.graph_name)
        yield from (t for t in terms if isinstance(t, ox.NamedNode))


@pytest.fixture(scope="module")
def published(live: Live, settings: Settings) -> dict[str, set[str]]:
    """Every IRI under the base in every published graph (the data dump, the catalogue, VoID, the
    service description, the ontology and the shapes), by the graph it was found in."""
    found: dict[str, set[str]] = {}
    dump = httpx.get(live.url + "/dumps/integration-kg.nq.gz")
    assert dump.status_code == 200
    sources = {"data": (gzip.decompress(dump.content), ox.RdfFormat.N_QUADS)}
    for path in ("/catalog", "/.well-known/void", "/sparql", "/ontology", "/shapes"):
        response = httpx.get(live.url + path, headers={"Accept": "application/n-triples"})
        assert response.status_code == 200, (path, response.text)
        sources[path] = (response.content, ox.RdfFormat.N_TRIPLES)
    for name, (body, fmt) in sources.items():
        found[name] = {t.value for t in statements(body, fmt) if t.value.startswith(settings.base_iri)}
    return found


def test_the_walk_covers_every_kind_of_published_iri(
    published: dict[str, set[str]], settings: Settings
) -> None:
    base = settings.base_iri
    everything = set().union(*published.values())
    for expected in (
        base + "id/catalog",
        base + "id/catalog#contact",
        base + "id/dataset/integration-kg",
        base + "id/dataset/integration-kg/distribution/ttl",
        base + "id/service/sparql",
        base + "graph/ontology",
        base + "ontology/0.1.0",
        base + "ontology#Goal",
        base + "id/framework/eu-cbp-2004",
        base + "shapes",
    ):
        assert expected in everything, expected
    assert any("/void/graph/" in iri for iri in published["/.well-known/void"])
    assert any("/void/linkset/" in iri for iri in published["/.well-known/void"])
    assert len(everything) > 200


def test_every_published_iri_dereferences(
    live: Live, published: dict[str, set[str]], settings: Settings
) -> None:
    """Each IRI's document (the IRI without its fragment, the base replaced by the service's address)
    answers 200 in Turtle, and that Turtle mentions the IRI; and 200 in HTML for a browser."""
    everything = set().union(*published.values())
    documents: dict[str, set[str]] = {}
    for iri in everything:
        documents.setdefault(iri.split("#")[0], set()).add(iri)
    unresolved = []
    client = httpx.Client(timeout=30)
    for document, iris in sorted(documents.items()):
        url = live.url + "/" + document[len(settings.base_iri) :]
        turtle = client.get(url, headers={"Accept": "text/turtle"})
        if turtle.status_code != 200 or not turtle.headers["content-type"].startswith("text/turtle"):
            unresolved.append((document, "turtle", turtle.status_code))
            continue
        mentioned = {t.value for t in statements(turtle.content, ox.RdfFormat.TURTLE)}
        if not iris <= mentioned | {document, document + "#"}:  # a namespace IRI is its document
            unresolved.append((document, "does not mention", sorted(iris - mentioned)))
        html = client.get(url, headers={"Accept": BROWSER})
        if html.status_code != 200 or not html.headers["content-type"].startswith("text/html"):
            unresolved.append((document, "html", html.status_code))
    client.close()
    assert not unresolved, unresolved[:20]
    assert len(documents) > 200


@pytest.mark.parametrize(
    "path",
    [
        "/id/catalog",
        "/id/dataset/integration-kg",
        "/id/dataset/framework-eu-cbp-2004/distribution/nq",
        "/id/service/sparql",
        "/id/dataset/integration-kg/void/graph/ontology",
        "/graph/frameworks/eu-cbp-2004",
        "/id/framework/eu-cbp-2004",
    ],
)
def test_every_format_of_a_published_resource_holds_the_same_triples(live: Live, path: str) -> None:
    turtle = httpx.get(live.url + path, headers={"Accept": "text/turtle"})
    expected = Graph().parse(data=turtle.text, format="turtle")
    assert len(expected) > 0
    links = turtle.headers["link"]
    alternates = dict(re.findall(r'<([^>]+)>; rel="alternate"; type="([^"]+)"', links))
    assert set(alternates.values()) >= {
        "text/html",
        "text/turtle",
        "application/ld+json",
        "application/rdf+xml",
    }
    for url, media_type in alternates.items():
        response = httpx.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"].split(";")[0] == media_type, url
        if media_type in ("application/n-triples", "application/rdf+xml"):
            graph = Graph().parse(data=response.content, format="nt" if "triples" in media_type else "xml")
            assert len(graph) == len(expected), url


def test_named_graphs_come_as_quads_with_their_name(live: Live, settings: Settings) -> None:
    name = settings.base_iri + "graph/frameworks/eu-cbp-2004"
    size = live.store.info.graphs[name]
    for media_type, fmt in (
        ("application/n-quads", ox.RdfFormat.N_QUADS),
        ("application/trig", ox.RdfFormat.TRIG),
    ):
        response = httpx.get(live.url + "/graph/frameworks/eu-cbp-2004", headers={"Accept": media_type})
        assert response.headers["content-type"].split(";")[0] == media_type
        quads = list(ox.parse(response.content, format=fmt))
        named = [q for q in quads if isinstance(q.graph_name, ox.NamedNode)]
        assert len(named) == size and {q.graph_name.value for q in named} == {name}
        default = [q for q in quads if isinstance(q.graph_name, ox.DefaultGraph)]
        assert len(default) == size  # the default graph holds them too, as the endpoint's does
    comunica = httpx.get(live.url + "/graph/frameworks/eu-cbp-2004", headers={"Accept": COMUNICA})
    assert comunica.headers["content-type"].startswith("application/n-quads")
    page = httpx.get(live.url + "/graph/frameworks/eu-cbp-2004", headers={"Accept": BROWSER})
    assert page.status_code == 200 and str(size) in page.text
    assert httpx.get(live.url + "/graph/frameworks/no-such-graph").status_code == 404


def test_ontology_version_iri_is_the_ontology(live: Live) -> None:
    versioned = httpx.get(live.url + "/ontology/0.1.0", headers={"Accept": "text/turtle"})
    current = httpx.get(live.url + "/ontology", headers={"Accept": "text/turtle"})
    assert versioned.status_code == 200
    assert len(Graph().parse(data=versioned.text, format="turtle")) == len(
        Graph().parse(data=current.text, format="turtle")
    )
    missing = httpx.get(live.url + "/ontology/9.9.9")
    assert missing.status_code == 404 and "0.1.0" in missing.text


def test_406_says_what_is_available_and_varies_on_accept(live: Live) -> None:
    for path in ("/id/framework/eu-cbp-2004", "/id/dataset/integration-kg", "/catalog", "/.well-known/void"):
        response = httpx.get(live.url + path, headers={"Accept": "image/png"})
        assert response.status_code == 406, path
        assert "Accept" in response.headers["vary"], path
        assert "text/turtle" in response.text and "application/ld+json" in response.text, path
    catalog = httpx.get(live.url + "/catalog", headers={"Accept": "text/turtle"})
    assert 'rel="alternate"; type="application/rdf+xml"' in catalog.headers["link"]


def test_a_browser_gets_an_html_404_and_a_program_plain_text(live: Live) -> None:
    page = httpx.get(live.url + "/id/framework/no-such-thing", headers={"Accept": BROWSER})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "no-such-thing" in page.text and "<h1>404" in page.text
    english = httpx.get(
        live.url + "/id/framework/no-such-thing", headers={"Accept": BROWSER, "Accept-Language": "en"}
    )
    assert "Not found" in english.text
    plain = httpx.get(live.url + "/id/framework/no-such-thing")
    assert plain.status_code == 404 and plain.headers["content-type"].startswith("text/plain")
    as_json = httpx.get(live.url + "/id/framework/no-such-thing", headers={"Accept": "application/json"})
    assert as_json.json()["status"] == 404


def test_the_catalogue_iri_is_the_catalogue(live: Live, settings: Settings) -> None:
    by_iri = Graph().parse(
        data=httpx.get(live.url + "/id/catalog", headers={"Accept": "text/turtle"}).text, format="turtle"
    )
    served = Graph().parse(
        data=httpx.get(live.url + "/catalog", headers={"Accept": "text/turtle"}).text, format="turtle"
    )
    assert len(by_iri) == len(served)
    assert (URIRef(settings.base_iri + "id/catalog"), None, None) in by_iri


@pytest.mark.parametrize(
    "path", ["/id/framework/eu-cbp-2004/1", "/id/municipality/1481", "/id/document/1481/integrationsstrategi"]
)
def test_a_resource_spanning_named_graphs_comes_as_quads(live: Live, path: str) -> None:
    """N-Quads and TriG of an /id/ resource: the statements of its other formats, each in the named graph
    (data file) that states it, which the store confirms."""
    triples = list(
        ox.parse(
            httpx.get(live.url + path, headers={"Accept": "application/n-triples"}).content,
            format=ox.RdfFormat.N_TRIPLES,
        )
    )
    for media_type, fmt in (
        ("application/n-quads", ox.RdfFormat.N_QUADS),
        ("application/trig", ox.RdfFormat.TRIG),
    ):
        response = httpx.get(live.url + path, headers={"Accept": media_type})
        assert response.headers["content-type"].split(";")[0] == media_type
        quads = list(ox.parse(response.content, format=fmt))
        default = [q for q in quads if isinstance(q.graph_name, ox.DefaultGraph)]
        assert len(default) == len(triples)  # the default graph holds every statement, as the endpoint's does
        named = {(q.subject, q.predicate, q.object) for q in quads if isinstance(q.subject, ox.NamedNode)}
        assert named == {
            (t.subject, t.predicate, t.object) for t in triples if isinstance(t.subject, ox.NamedNode)
        }
        assert len({(q.subject, q.predicate, q.object) for q in quads}) == len(triples)
        graphs = {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)}
        assert len(graphs) > 1, "the resource's statements come from more than one data file"
        for quad in quads:
            if (
                isinstance(quad.graph_name, ox.NamedNode)
                and isinstance(quad.subject, ox.NamedNode)
                and not isinstance(quad.object, ox.BlankNode)
            ):
                assert live.store.ask(
                    f"ASK {{ GRAPH {quad.graph_name} {{ {quad.subject} {quad.predicate} {quad.object} }} }}"
                ), quad
    assert httpx.get(live.url + path + ".nq").headers["content-type"].startswith("application/n-quads")
