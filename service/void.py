"""The VoID description of the current build: statistics by SPARQL (queries/void-*.rq), the SPARQL
endpoint, the dumps, the vocabularies used, one subset per named graph and the linksets to Wikidata
and the UN SDG IRIs."""

from __future__ import annotations

from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from .catalog import Addresses
from .dumps import FORMATS, WHOLE_GRAPH, file_name, read_manifest
from .queries import load_query
from .store import GraphStore
from .store.build_caches import LruCache

VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
LINK_TARGETS: dict[str, tuple[str, str]] = {
    "wikidata": ("http://www.wikidata.org/entity/", "https://www.wikidata.org/"),
    "un-sdg": ("http://metadata.un.org/sdg/", "http://metadata.un.org/sdg/"),
}


def _count(value: object) -> Literal:
    return Literal(int(str(value)), datatype=XSD.integer)


def namespace_of(iri: str) -> str:
    """The vocabulary an IRI belongs to: up to and including its last '#' or '/'."""
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1]


def build_void(store: GraphStore, store_path: Path, at: Addresses) -> Graph:
    base = store.info.base_iri
    graph = Graph()
    graph.bind("void", VOID)
    graph.bind("dcterms", DCTERMS)
    graph.bind("sd", SD)
    dataset = at.dataset(WHOLE_GRAPH)
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, DCTERMS.title, Literal("integration-kg", lang="en")))
    graph.add((dataset, DCTERMS.isReferencedBy, at.url("/catalog")))
    graph.add((dataset, VOID.sparqlEndpoint, at.url("/sparql")))
    graph.add((dataset, VOID.uriSpace, Literal(base + "id/")))
    graph.add((dataset, VOID.rootResource, at.catalog))

    totals = store.select(load_query("void-totals", base))[0]
    for name in ("triples", "distinctSubjects", "distinctObjects", "properties"):
        graph.add((dataset, VOID[name], _count(totals[name])))
    entities = store.select(load_query("void-entities", base))[0]
    graph.add((dataset, VOID.entities, _count(entities["entities"])))

    vocabularies: set[str] = set()
    classes = store.select(load_query("void-classes", base))
    graph.add((dataset, VOID.classes, _count(len(classes))))
    for row in classes:
        partition = BNode()
        graph.add((dataset, VOID.classPartition, partition))
        graph.add((partition, VOID["class"], row["class"]))
        graph.add((partition, VOID.entities, _count(row["entities"])))
        vocabularies.add(namespace_of(str(row["class"])))
    for row in store.select(load_query("void-properties", base)):
        partition = BNode()
        graph.add((dataset, VOID.propertyPartition, partition))
        graph.add((partition, VOID.property, row["property"]))
        graph.add((partition, VOID.triples, _count(row["triples"])))
        vocabularies.add(namespace_of(str(row["property"])))
    for vocabulary in sorted(vocabularies):
        graph.add((dataset, VOID.vocabulary, URIRef(vocabulary)))

    for row in store.select(load_query("void-graphs", base)):
        subset = URIRef(f"{dataset}/void/graph/{str(row['graph'])[len(base + 'graph/') :]}")
        graph.add((dataset, VOID.subset, subset))
        graph.add((subset, RDF.type, VOID.Dataset))
        graph.add((subset, SD.name, row["graph"]))
        graph.add((subset, VOID.triples, _count(row["triples"])))

    manifest = read_manifest(store_path)
    files = manifest.get("files", {})
    for fmt in FORMATS:
        name = file_name(WHOLE_GRAPH, fmt)
        if name in files:
            graph.add((dataset, VOID.dataDump, at.url(f"/dumps/{name}")))

    for row in store.select(load_query("void-links", base)):
        target_key = str(row["target"])
        namespace, homepage = LINK_TARGETS[target_key]
        target = URIRef(f"{dataset}/void/target/{target_key}")
        graph.add((target, RDF.type, VOID.Dataset))
        graph.add((target, VOID.uriSpace, Literal(namespace)))
        graph.add((target, URIRef("http://xmlns.com/foaf/0.1/homepage"), URIRef(homepage)))
        linkset = URIRef(
            f"{dataset}/void/linkset/{target_key}/{namespace_of(str(row['property'])).rstrip('/#').rsplit('/', 1)[-1]}-{str(row['property']).rsplit('#', 1)[-1].rsplit('/', 1)[-1]}"
        )
        graph.add((dataset, VOID.subset, linkset))
        graph.add((linkset, RDF.type, VOID.Linkset))
        graph.add((linkset, VOID.subjectsTarget, dataset))
        graph.add((linkset, VOID.objectsTarget, target))
        graph.add((linkset, VOID.linkPredicate, row["property"]))
        graph.add((linkset, VOID.triples, _count(row["triples"])))
    return graph


VOIDS_KEPT = 8
"""VoID graphs kept per build (one per public URL the service is reached at)."""


def void_graph(store: GraphStore, store_path: Path, at: Addresses) -> Graph:
    """The VoID description of the current build, addresses under `at`: one graph shared by every view
    (GET /.well-known/void in every format, the /id/ pages of VoID resources, HTML views), kept on the
    build's own caches (`store.caches`) and gone with the build."""
    voids: LruCache[Graph] = store.caches.lru(void_graph, VOIDS_KEPT)
    return voids.get_or_compute(at.public_url, lambda: build_void(store, store_path, at))
