"""The embedded store reads a page from its indexes (service/describe_index.py) instead of running the
describe-*.rq queries: over the real build, every page of every resource must be the same both ways, the
same triples, the same counts, the same window of what links to it, so that which way answers never shows."""

from __future__ import annotations

from dataclasses import replace

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.describe import describe, read_page_by_queries
from service.describe_index import IndexReader
from service.settings import Settings
from service.store import EmbeddedStore

BASE = "https://w3id.org/integration-kg/"
PER_PAGE = 2


@pytest.fixture(scope="module")
def store(built) -> EmbeddedStore:  # type: ignore[no-untyped-def]
    return EmbeddedStore(built.store_path)


def resources(store: EmbeddedStore) -> list[str]:
    """Every IRI under {BASE}id/ that some statement of the build has as subject or object."""
    found = set()
    for quad in store.oxigraph.quads_for_pattern(None, None, None, ox.DefaultGraph()):
        for term in (quad.subject, quad.object):
            if isinstance(term, ox.NamedNode) and term.value.startswith(BASE + "id/"):
                found.add(term.value)
    return sorted(found)


def test_every_page_of_every_resource_is_the_same_read_from_the_indexes_as_queried(
    store: EmbeddedStore,
) -> None:
    reader = IndexReader(store.oxigraph, BASE)
    iris = resources(store)
    assert len(iris) > 150
    several_pages = 0
    for iri in iris:
        page = 1
        while True:
            queried = read_page_by_queries(store, iri, page, PER_PAGE)
            read = reader.read_page(iri, page, PER_PAGE)
            assert read == queried, f"page {page} of {iri}"
            if not read.triples:
                break
            page += 1
        several_pages += page > 2
    assert several_pages > 20, "the real data should give many resources more than one page at this page size"


def test_an_iri_the_graph_does_not_know_is_unknown_both_ways(store: EmbeddedStore) -> None:
    iri = BASE + "id/municipality/no-such-place"
    assert IndexReader(store.oxigraph, BASE).read_page(iri, 1, PER_PAGE) == read_page_by_queries(
        store, iri, 1, PER_PAGE
    )
    assert not read_page_by_queries(store, iri, 1, PER_PAGE).known


def test_a_resource_linked_to_more_than_the_limit_is_left_to_the_queries(built) -> None:  # type: ignore[no-untyped-def]
    store = EmbeddedStore(built.store_path)
    hub = max(
        resources(store),
        key=lambda iri: len(list(store.oxigraph.quads_for_pattern(None, None, ox.NamedNode(iri)))),
    )
    store.index = IndexReader(store.oxigraph, BASE, incoming_limit=3)
    assert store.index.read_page(hub, 1, PER_PAGE) is None
    description = describe(store, hub, page=2, per_page=PER_PAGE)
    assert description is not None
    assert description.triples == read_page_by_queries(store, hub, 2, PER_PAGE).triples


def test_what_the_reader_remembers_is_bounded_and_changes_no_page(store: EmbeddedStore) -> None:
    forgetful = IndexReader(store.oxigraph, BASE, remembered=3)
    iris = resources(store)[::7]
    for iri in iris:
        assert forgetful.read_page(iri, 1, PER_PAGE) == read_page_by_queries(store, iri, 1, PER_PAGE), iri
    assert len(forgetful._statements) <= 3


def test_pages_served_over_http_parse_and_hold_the_page(settings: Settings, store: EmbeddedStore) -> None:
    """Turtle, N-Triples and RDF/XML of a page are written from the indexes' triples by pyoxigraph; each parses
    back to exactly the page's triples (with the hydra paging statements when there are several pages)."""
    iri = max(
        resources(store),
        key=lambda i: len(list(store.oxigraph.quads_for_pattern(None, None, ox.NamedNode(i)))),
    )
    expected = read_page_by_queries(store, iri, 1, PER_PAGE).triples
    formats = {
        "text/turtle": ox.RdfFormat.TURTLE,
        "application/n-triples": ox.RdfFormat.N_TRIPLES,
        "application/rdf+xml": ox.RdfFormat.RDF_XML,
    }
    with TestClient(create_app(replace(settings, links_per_page=PER_PAGE))) as client:
        for media_type, rdf_format in formats.items():
            response = client.get(iri.removeprefix(BASE.rstrip("/")), headers={"Accept": media_type})
            assert response.status_code == 200, response.text
            parsed = {quad.triple for quad in ox.parse(response.content, format=rdf_format)}
            hydra = {
                t
                for t in parsed
                if t.predicate.value.startswith("http://www.w3.org/ns/hydra/core#")
                or t.object == ox.NamedNode("http://www.w3.org/ns/hydra/core#PartialCollectionView")
            }
            assert hydra, f"{media_type}: a hub's first page says it is one of several"
            assert parsed - hydra == expected, media_type
