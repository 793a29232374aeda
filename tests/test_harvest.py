"""A harvest as a portal does it, against the real app on the session's real build: fetch the
catalogue, validate it against the official DCAT-AP-SE shapes, download every distribution, check
its size and checksum, parse it and compare its counts with the VoID figures."""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import replace

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF

from service.app import create_app
from service.catalog import validate_catalog
from service.render import context_document
from service.settings import Settings

SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
ROOT = "http://testserver"
PARSERS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


@pytest.fixture(scope="module")
def client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings))


@pytest.fixture(scope="module")
def catalog(client: TestClient) -> Graph:
    response = client.get("/catalog", headers={"Accept": "text/turtle"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/turtle")
    return Graph().parse(data=response.text, format="turtle")


@pytest.fixture(scope="module")
def void(client: TestClient) -> Graph:
    response = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200, response.text
    return Graph().parse(data=response.text, format="turtle")


def _path(url: URIRef) -> str:
    assert str(url).startswith(ROOT + "/"), url
    return str(url)[len(ROOT) :]


def test_catalogue_conforms_to_dcat_ap_se(catalog: Graph, settings: Settings) -> None:
    """The official shapes as published (DCAT-AP 3.0.1 shacl/ and html/shacl/, DIGG's DCAT-AP-SE
    additions) and our DCAT-AP-SE cardinalities: no violation, and no result filtered."""
    report = validate_catalog(catalog, settings.shapes_dir)
    assert report.conforms, report.text()
    assert not report.violations
    assert report.checked_shapes > 80
    # The recommended properties are there: what is left as a warning is what the data cannot say
    # (a temporal coverage where a dataset states no date, a place's bounding box and centroid).
    warned = {r.path for r in report.results if r.severity == "Warning"}
    assert warned <= {str(DCTERMS.temporal), str(DCAT.bbox), str(DCAT.centroid)}, warned


def test_the_official_shapes_catch_what_a_harvester_would_reject(catalog: Graph, settings: Settings) -> None:
    """The same shapes on a broken copy: a contact point that is no vcard:Kind, a distribution without
    dcatap:availability, a catalogue without a publisher."""
    broken = Graph()
    broken += catalog
    contact = URIRef(settings.base_iri + "id/catalog#contact")
    broken.remove((contact, RDF.type, VCARD.Kind))
    distribution = next(broken.subjects(RDF.type, DCAT.Distribution))
    broken.remove((distribution, DCATAP.availability, None))
    broken.remove((URIRef(settings.base_iri + "id/catalog"), DCTERMS.publisher, None))
    report = validate_catalog(broken, settings.shapes_dir)
    assert not report.conforms
    violated = {r.path for r in report.violations}
    assert {str(DCAT.contactPoint), str(DCTERMS.publisher)} <= violated, violated
    assert any(r.path == str(DCATAP.availability) and r.severity == "Warning" for r in report.results)


def test_recommended_properties_are_present(catalog: Graph, settings: Settings) -> None:
    catalogue = URIRef(settings.base_iri + "id/catalog")
    assert catalog.value(catalogue, DCTERMS.issued) is not None
    assert str(catalog.value(catalogue, DCTERMS.issued)) <= str(catalog.value(catalogue, DCTERMS.modified))
    for distribution in catalog.subjects(RDF.type, DCAT.Distribution):
        assert catalog.value(distribution, DCATAP.availability) is not None, distribution
    for licence in catalog.subjects(RDF.type, DCTERMS.LicenseDocument):
        assert catalog.value(licence, DCTERMS.type) is not None, licence


def test_catalogue_is_the_same_in_every_rdf_format(
    client: TestClient, catalog: Graph, settings: Settings
) -> None:
    rdfxml = client.get("/catalog", headers={"Accept": "application/rdf+xml"})
    assert rdfxml.headers["content-type"].startswith("application/rdf+xml")
    assert isomorphic(Graph().parse(data=rdfxml.content, format="xml"), catalog)
    jsonld = client.get("/catalog", headers={"Accept": "application/ld+json"})
    document = jsonld.json()
    assert document["@context"] == ROOT + "/context.jsonld"
    document["@context"] = context_document(settings)["@context"]  # never fetched from the network
    assert isomorphic(Graph().parse(data=json.dumps(document), format="json-ld"), catalog)
    html = client.get("/catalog", headers={"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"})
    assert html.headers["content-type"].startswith("text/html")
    assert "/dumps/integration-kg.nq.gz" in html.text
    assert client.get("/catalog", headers={"Accept": "*/*"}).headers["content-type"].startswith("text/turtle")
    assert client.get("/catalog", headers={"Accept": "image/png"}).status_code == 406


def test_catalogue_holds_what_the_issue_asks(catalog: Graph, settings: Settings) -> None:
    base = settings.base_iri
    catalogue = URIRef(base + "id/catalog")
    datasets = set(catalog.objects(catalogue, DCAT.dataset))
    slugs = {str(d)[len(base + "id/dataset/") :] for d in datasets}
    assert "integration-kg" in slugs
    assert {"framework-eu-cbp-2004", "framework-se-integration-policy", "framework-agenda-2030"} <= slugs
    assert any(s.startswith("municipality-") for s in slugs)
    publisher = catalog.value(catalogue, DCTERMS.publisher)
    assert publisher is not None and catalog.value(publisher, DCTERMS.type) is not None
    for dataset in datasets:
        languages = {t.language for t in catalog.objects(dataset, DCTERMS.title)}
        assert {"sv", "en"} <= languages, dataset
        assert {"sv", "en"} <= {t.language for t in catalog.objects(dataset, DCTERMS.description)}, dataset
        assert URIRef("http://publications.europa.eu/resource/authority/data-theme/SOCI") in set(
            catalog.objects(dataset, DCAT.theme)
        )
        for predicate in (
            DCAT.keyword,
            DCTERMS.spatial,
            DCTERMS.issued,
            DCTERMS.modified,
            DCTERMS.provenance,
            DCAT.contactPoint,
            DCTERMS.publisher,
        ):
            assert catalog.value(dataset, predicate) is not None, (dataset, predicate)
        for distribution in catalog.objects(dataset, DCAT.distribution):
            assert catalog.value(distribution, DCTERMS.license) == URIRef(
                "http://creativecommons.org/licenses/by/4.0/"
            )
            assert str(catalog.value(distribution, DCTERMS.format)).startswith(
                "http://publications.europa.eu/resource/authority/file-type/"
            )
    # temporal coverage comes from the dates the data states: the whole graph states many
    period = catalog.value(URIRef(base + "id/dataset/integration-kg"), DCTERMS.temporal)
    assert period is not None and str(catalog.value(period, DCAT.startDate)) < str(
        catalog.value(period, DCAT.endDate)
    )
    assert catalog.value(catalogue, DCTERMS.license) == URIRef(
        "http://creativecommons.org/publicdomain/zero/1.0/"
    )
    assert (
        catalogue,
        URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso"),
        URIRef(ROOT + "/.well-known/void"),
    ) in catalog


def test_every_distribution_downloads_with_its_size_and_checksum_and_counts(
    client: TestClient, catalog: Graph, void: Graph, settings: Settings
) -> None:
    whole = URIRef(settings.base_iri + "id/dataset/integration-kg")
    void_triples = int(void.value(whole, VOID.triples))
    graph_triples = {
        str(void.value(s, SD.name)): int(void.value(s, VOID.triples))
        for s in void.objects(whole, VOID.subset)
        if void.value(s, SD.name) is not None
    }
    assert sum(graph_triples.values()) >= void_triples > 0
    downloads = 0
    for dataset in catalog.subjects(RDF.type, DCAT.Dataset):
        expected_triples = int(catalog.value(dataset, VOID.triples))
        if dataset == whole:
            assert expected_triples == void_triples
        for distribution in catalog.objects(dataset, DCAT.distribution):
            url = catalog.value(distribution, DCAT.downloadURL)
            if url is None:
                assert catalog.value(distribution, DCAT.accessService) is not None
                continue
            response = client.get(_path(url))
            assert response.status_code == 200, url
            assert response.headers["content-type"] == "application/gzip"
            assert "content-encoding" not in response.headers
            body = response.content
            assert len(body) == int(catalog.value(distribution, DCAT.byteSize)), url
            checksum = catalog.value(distribution, SPDX.checksum)
            assert catalog.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
            assert hashlib.sha256(body).hexdigest() == str(catalog.value(checksum, SPDX.checksumValue)), url
            media_type = str(catalog.value(distribution, DCAT.mediaType)).rsplit("media-types/", 1)[-1]
            statements = list(ox.parse(gzip.decompress(body), format=PARSERS[media_type]))
            downloads += 1
            if media_type == "application/n-quads":
                per_graph: dict[str, int] = {}
                for quad in statements:
                    per_graph[quad.graph_name.value] = per_graph.get(quad.graph_name.value, 0) + 1
                for name, count in per_graph.items():
                    assert count == graph_triples[name], (url, name)
                if dataset == whole:
                    assert per_graph == graph_triples
            else:
                assert (
                    len({(q.subject, q.predicate, q.object) for q in statements})
                    == len(statements)
                    == expected_triples
                ), url
    assert downloads >= 4 * 3


def test_void_figures_and_links(void: Graph, settings: Settings, built) -> None:  # noqa: ANN001
    whole = URIRef(settings.base_iri + "id/dataset/integration-kg")
    assert int(void.value(whole, VOID.triples)) == built.info.triples
    for name in ("entities", "distinctSubjects", "distinctObjects", "properties", "classes"):
        assert int(void.value(whole, VOID[name])) > 0, name
    assert void.value(whole, VOID.sparqlEndpoint) == URIRef(ROOT + "/sparql")
    assert {str(d) for d in void.objects(whole, VOID.dataDump)} == {
        f"{ROOT}/dumps/integration-kg.{s}.gz" for s in ("ttl", "nt", "nq", "jsonld")
    }
    assert URIRef(settings.base_iri + "ontology#") in set(void.objects(whole, VOID.vocabulary))
    assert any(True for _ in void.objects(whole, VOID.classPartition))
    assert any(True for _ in void.objects(whole, VOID.propertyPartition))
    targets = {}
    for linkset in void.subjects(RDF.type, VOID.Linkset):
        target = void.value(linkset, VOID.objectsTarget)
        targets[str(void.value(target, VOID.uriSpace))] = int(void.value(linkset, VOID.triples))
    assert targets.get("http://www.wikidata.org/entity/", 0) > 0
    assert targets.get("http://metadata.un.org/sdg/", 0) > 0


def test_the_data_service_answers(client: TestClient, catalog: Graph) -> None:
    services = list(catalog.subjects(RDF.type, DCAT.DataService))
    assert len(services) == 1
    service = services[0]
    assert URIRef("https://www.w3.org/TR/sparql11-protocol/") in set(
        catalog.objects(service, DCTERMS.conformsTo)
    )
    served = set(catalog.objects(service, DCAT.servesDataset))
    assert served == set(catalog.subjects(RDF.type, DCAT.Dataset))
    endpoint = catalog.value(service, DCAT.endpointURL)
    response = client.get(
        _path(endpoint),
        params={"query": "ASK { ?s ?p ?o }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["boolean"] is True


def test_addresses_follow_the_public_url_and_the_host(settings: Settings) -> None:
    elsewhere = TestClient(create_app(settings), base_url="http://kg.example.net:8080")
    text = elsewhere.get("/catalog", headers={"Accept": "text/turtle"}).text
    assert "http://kg.example.net:8080/dumps/integration-kg.ttl.gz" in text
    assert "http://testserver" not in text
    published = TestClient(create_app(replace(settings, public_url="https://data.example.org/kg/")))
    graph = Graph().parse(
        data=published.get("/catalog", headers={"Accept": "text/turtle"}).text, format="turtle"
    )
    urls = {str(o) for o in graph.objects(None, DCAT.downloadURL)}
    assert urls and all(u.startswith("https://data.example.org/kg/dumps/") for u in urls)
    assert {str(o) for o in graph.objects(None, DCAT.endpointURL)} == {"https://data.example.org/kg/sparql"}
    assert all(
        str(d).startswith(settings.base_iri + "id/dataset/") for d in graph.subjects(RDF.type, DCAT.Dataset)
    )
    assert not any(isinstance(o, Literal) and "testserver" in str(o) for o in graph.objects())
