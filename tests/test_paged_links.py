"""What links to a resource, a page at a time: the pages together hold every link once, each page holds the
resource's whole description, and they are found the way clients look for them (Link headers, hydra: in the
RDF, a pager in the HTML). Over the real build, with a page size small enough to give its hubs many pages."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

from service.app import create_app
from service.queries import load_query, with_window
from service.settings import Settings
from service.store import EmbeddedStore
from tests.pages import alternates, follow_pages, link_relations, links_to

BASE = "https://w3id.org/integration-kg/"
IKG = Namespace(BASE + "ontology#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
PER_PAGE = 2
MOST_CITED = """
PREFIX ikg: <https://w3id.org/integration-kg/ontology#>
SELECT ?o (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c ikg:target ?o } GROUP BY ?o ORDER BY DESC(?n) STR(?o) LIMIT 1
"""


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(replace(settings, links_per_page=PER_PAGE))) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def store(settings: Settings, built) -> EmbeddedStore:  # type: ignore[no-untyped-def]
    return EmbeddedStore(built.store_path)


@pytest.fixture(scope="module")
def hub(store: EmbeddedStore) -> str:
    """The resource of the real data that most citations target (a principle or a goal)."""
    row = store.select(MOST_CITED)[0]
    assert int(row["n"]) > PER_PAGE, "the real data should have a resource with several pages of citations"
    return str(row["o"])


def store_links(store: EmbeddedStore, iri: str) -> set[tuple[str, str]]:
    """(subject, property) of every statement in the store whose object is iri (rdf:type aside)."""
    return {(s, p) for s, p, _ in _triples_to(store, iri)}


def _triples_to(store: EmbeddedStore, iri: str) -> list[tuple[str, str, str]]:
    graph = store.construct(
        "CONSTRUCT { ?s ?p ?this } WHERE { ?s ?p ?this FILTER(?p != <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>) }",
        {"this": URIRef(iri)},
    )
    return [(str(s), str(p), str(o)) for s, p, o in graph]


def test_the_pages_together_hold_every_link_once(client: TestClient, store: EmbeddedStore, hub: str) -> None:
    pages = follow_pages(client, "/" + hub[len(BASE) :])
    assert all(page.status_code == 200 for page in pages)
    graphs = [Graph().parse(data=page.text, format="turtle") for page in pages]
    expected = store_links(store, hub)
    subjects = {s for s, _ in expected}
    assert len(pages) == -(-len(subjects) // PER_PAGE) > 2
    for graph in graphs:
        # the page's window of linking resources, and the resources whose citations on the page target
        # the hub (their ikg:cites comes with the evidence, wherever they fall in the store's order)
        citing = {str(c) for c, _ in graph.subject_objects(IKG.citation)} | {
            str(c) for c, _ in graph.subject_objects(IKG.alignment)
        }
        on_page = {s for s, _ in links_to(graph, hub)}
        assert on_page and len(on_page - citing) <= PER_PAGE
    assert set().union(*(links_to(g, hub) for g in graphs)) == expected
    # every page holds the whole description of the resource itself
    own = {
        (p, o)
        for p, o in store.construct(
            "CONSTRUCT { ?this ?p ?o } WHERE { ?this ?p ?o }", {"this": URIRef(hub)}
        ).predicate_objects(URIRef(hub))
    }
    for graph in graphs:
        assert own <= set(graph.predicate_objects(URIRef(hub)))


def test_every_citation_comes_with_its_quote_on_its_page(
    client: TestClient, store: EmbeddedStore, hub: str
) -> None:
    graphs = [
        Graph().parse(data=p.text, format="turtle") for p in follow_pages(client, "/" + hub[len(BASE) :])
    ]
    citations = {str(s) for s, p, _ in _triples_to(store, hub) if p == str(IKG.target)}
    assert len(citations) > PER_PAGE
    found: set[str] = set()
    for graph in graphs:
        for citation in graph.subjects(IKG.target, URIRef(hub)):
            assert graph.value(citation, IKG.quote) is not None, citation
            # a citation comes with its ikg:cites, an alignment (kept apart) with its ikg:alignsWith
            evidence, link = (
                (IKG.alignment, IKG.alignsWith)
                if (citation, RDF.type, IKG.Alignment) in graph
                else (IKG.citation, IKG.cites)
            )
            citing = graph.value(predicate=evidence, object=citation)
            assert citing is not None and (citing, link, URIRef(hub)) in graph, citation
            found.add(str(citation))
    assert found == citations


def test_link_headers_and_rdf_name_the_other_pages(client: TestClient, hub: str) -> None:
    path = "/" + hub[len(BASE) :]
    first = client.get(path, headers={"Accept": "text/turtle"})
    relations = link_relations(first)
    assert set(relations) == {"first", "next", "last"}
    assert relations["next"].endswith(path + "?page=2")
    last_page = int(relations["last"].rsplit("=", 1)[1])
    second = client.get(path + "?page=2", headers={"Accept": "text/turtle"})
    assert last_page > 2 and set(link_relations(second)) == {"first", "prev", "next", "last"}
    assert second.headers["content-location"].endswith(path + ".ttl?page=2")
    graph = Graph().parse(data=second.text, format="turtle")
    view = URIRef(relations["next"])
    assert (view, RDF.type, HYDRA.PartialCollectionView) in graph
    assert graph.value(view, HYDRA.previous) == URIRef(relations["first"])
    assert graph.value(view, HYDRA.last) == URIRef(relations["last"])
    last = client.get(relations["last"], headers={"Accept": "text/turtle"})
    assert last.status_code == 200 and "next" not in link_relations(last)
    # a suffix keeps its representation on every page
    by_suffix = client.get(path + ".jsonld?page=2")
    assert by_suffix.status_code == 200 and by_suffix.headers["content-type"].startswith(
        "application/ld+json"
    )
    assert link_relations(by_suffix)["next"].endswith(path + ".jsonld?page=3")
    # a repeat is answered from the page cache, with the same body and the same links
    again = client.get(path + "?page=2", headers={"Accept": "text/turtle"})
    assert again.content == second.content and again.headers["link"] == second.headers["link"]
    assert again.headers["etag"] == second.headers["etag"] != first.headers["etag"]


def test_a_page_past_the_last_is_404_and_a_bad_number_400(client: TestClient, hub: str) -> None:
    path = "/" + hub[len(BASE) :]
    pages = int(link_relations(client.get(path, headers={"Accept": "text/turtle"}))["last"].rsplit("=", 1)[1])
    past = client.get(f"{path}?page={pages + 1}", headers={"Accept": "text/turtle"})
    assert (
        past.status_code == 404 and f"has no page {pages + 1}" in past.text and f"{pages} pages" in past.text
    )
    for bad in ("0", "-1", "two", "1.5", "", "99999999999"):
        response = client.get(f"{path}?page={bad}", headers={"Accept": "text/turtle"})
        assert response.status_code == 400 and "not a page number" in response.text, bad
    assert client.get("/id/no/such/thing?page=2").status_code == 404


def test_a_resource_with_one_page_has_no_links_to_pages(client: TestClient, store: EmbeddedStore) -> None:
    # a citation: only the resource that makes it links to it
    citation = next(
        str(s) for s, p, _ in _triples_to(store, BASE + "id/framework/eu-cbp-2004/1") if p == str(IKG.target)
    )
    assert len({s for s, _ in store_links(store, citation)}) <= PER_PAGE
    response = client.get("/" + citation[len(BASE) :], headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and link_relations(response) == {}
    assert alternates(response)["application/ld+json"].endswith(".jsonld")
    assert (None, RDF.type, HYDRA.PartialCollectionView) not in Graph().parse(
        data=response.text, format="turtle"
    )


def test_the_html_page_shows_where_it_is_among_the_pages(client: TestClient, hub: str) -> None:
    path = "/" + hub[len(BASE) :]
    swedish = client.get(path + "?page=2", headers={"Accept": "text/html", "Accept-Language": "sv"})
    assert swedish.status_code == 200
    assert f"{PER_PAGE + 1}–{2 * PER_PAGE} av" in swedish.text and "sida 2 av" in swedish.text
    assert 'rel="prev"' in swedish.text and 'rel="next"' in swedish.text  # page 2 of at least 3
    assert "Föregående" in swedish.text and "Nästa" in swedish.text
    english = client.get(path + "?page=2", headers={"Accept": "text/html", "Accept-Language": "en"})
    assert "page 2 of" in english.text and "resources that link here" in english.text


def test_the_window_is_set_only_where_the_query_has_one() -> None:
    query = load_query("describe-citations-received")
    windowed = with_window(query, limit=7, offset=14)
    assert (
        windowed.count("LIMIT 7 OFFSET 14") == query.count("LIMIT 100 OFFSET 0") == 10
    )  # one window per branch
    assert "LIMIT 100" not in windowed
    with pytest.raises(ValueError):
        with_window(load_query("describe-description"), limit=7, offset=0)
    with pytest.raises(ValueError):
        with_window(query, limit=0, offset=0)
    with pytest.raises(ValueError):
        with_window(query, limit=5, offset=-5)


def test_the_page_size_is_a_setting_that_must_be_positive() -> None:
    assert Settings.from_env(environ={"INTEGRATION_KG_LINKS_PER_PAGE": "25"}).links_per_page == 25
    with pytest.raises(ValueError, match="LINKS_PER_PAGE"):
        Settings.from_env(environ={"INTEGRATION_KG_LINKS_PER_PAGE": "0"})
