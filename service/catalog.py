"""The DCAT-AP-SE catalogue of the current build, under the public address it is served at.

The publisher's texts and choices come from data/catalog.ttl; everything countable comes from the
build: the datasets (the whole graph, each framework, each municipality with its documents) and
their graphs, sizes, checksums, counts and modification dates from the dumps manifest, temporal
coverage and names from the store. Identifiers go under the base IRI ({base}id/dataset/{slug});
addresses (download, access and endpoint URLs) under the public URL, so a copy served elsewhere
publishes its own addresses.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyshacl import validate as pyshacl_validate
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SH, SKOS, XSD
from rdflib.term import Node

from .dumps import FORMATS, GZIP_MEDIA_TYPE, WHOLE_GRAPH, file_name, read_manifest
from .publisher import Publisher, read_publisher
from .queries import load_query
from .settings import DEFAULT_BASE_IRI, Settings
from .store import GraphStore
from .validation import ValidationReport, ValidationResult, count_shapes, load_graph, read_results

SPDX = Namespace("http://spdx.org/rdf/terms#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
AVAILABLE = URIRef("http://publications.europa.eu/resource/authority/planned-availability/AVAILABLE")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
VOID = Namespace("http://rdfs.org/ns/void#")
FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
IANA = "https://www.iana.org/assignments/media-types/"
SPARQL_STANDARDS: tuple[tuple[str, str], ...] = (
    ("https://www.w3.org/TR/sparql11-protocol/", "SPARQL 1.1 Protocol"),
    ("https://www.w3.org/TR/sparql11-query/", "SPARQL 1.1 Query Language"),
)
FORMAT_STANDARDS: dict[str, tuple[str, str]] = {
    "ttl": ("https://www.w3.org/TR/turtle/", "RDF 1.1 Turtle"),
    "nt": ("https://www.w3.org/TR/n-triples/", "RDF 1.1 N-Triples"),
    "nq": ("https://www.w3.org/TR/n-quads/", "RDF 1.1 N-Quads"),
    "jsonld": ("https://www.w3.org/TR/json-ld11/", "JSON-LD 1.1"),
}
CATALOG_FILE = "catalog.ttl"


@dataclass(frozen=True)
class Addresses:
    """Where things are: identifiers under the base IRI, URLs under the public address."""

    base_iri: str
    public_url: str  # scheme://host[/prefix], no trailing slash

    def dataset(self, slug: str) -> URIRef:
        return URIRef(f"{self.base_iri}id/dataset/{slug}")

    @property
    def catalog(self) -> URIRef:
        return URIRef(f"{self.base_iri}id/catalog")

    @property
    def service(self) -> URIRef:
        return URIRef(f"{self.base_iri}id/service/sparql")

    def url(self, path: str) -> URIRef:
        return URIRef(self.public_url + path)


def read_config(settings: Settings) -> Graph:
    """data/catalog.ttl, with the default base rewritten to the configured one (as the build does)."""
    text = (settings.data_dir / CATALOG_FILE).read_text(encoding="utf-8")
    if settings.base_iri != DEFAULT_BASE_IRI:
        text = text.replace(DEFAULT_BASE_IRI, settings.base_iri)
    graph = Graph()
    graph.parse(data=text, format="turtle", publicID=settings.base_iri)
    return graph


def build_catalog(settings: Settings, store: GraphStore, store_path: Path, public_url: str) -> Graph:
    """The whole catalogue: Catalog, Datasets, Distributions, DataService and the terms they use."""
    at = Addresses(settings.base_iri, public_url.rstrip("/"))
    cfg = Namespace(settings.base_iri + "catalog-config#")
    config = read_config(settings)
    manifest = read_manifest(store_path)
    graph = Graph()
    for prefix, namespace in (
        ("dcat", DCAT),
        ("dcterms", DCTERMS),
        ("foaf", FOAF),
        ("vcard", VCARD),
        ("spdx", SPDX),
        ("skos", SKOS),
        ("xsd", XSD),
        ("void", VOID),
        ("rdfs", RDFS),
        ("dcatap", DCATAP),
    ):
        graph.bind(prefix, namespace)

    who = read_publisher(settings)
    publisher = URIRef(who.iri)
    contact = URIRef(f"{at.catalog}#contact")
    stand_ins: dict[Node, Node] = {cfg.publisher: publisher, cfg.contact: contact}
    # Everything that is not a template or a setting is published as written (the publisher's and the
    # contact point's stand-ins replaced by them).
    templates = set(config.subjects(RDF.type, cfg.DatasetTemplate)) | set(
        config.subjects(RDF.type, cfg.ServiceTemplate)
    )
    skip = templates | {cfg.settings}
    for s, p, o in config:
        if s in skip or _in_template(config, s, templates):
            continue
        graph.add((stand_ins.get(s, s), p, stand_ins.get(o, o)))
    _add_publisher(graph, who, publisher, contact)
    catalog = next(config.subjects(RDF.type, DCAT.Catalog))
    if catalog != at.catalog:
        raise ValueError(f"{CATALOG_FILE}: the catalogue must be {at.catalog}, found {catalog}")
    data_license = config.value(cfg.settings, cfg.dataLicense)

    datasets: Mapping[str, Any] = manifest.get("datasets", {})
    files: Mapping[str, Any] = manifest.get("files", {})
    latest = max((d["modified"] for d in datasets.values()), default=None)
    first = min((d.get("issued", d["modified"]) for d in datasets.values()), default=None)
    graph.add((catalog, FOAF.homepage, at.url("/")))
    graph.add((catalog, RDFS.seeAlso, at.url("/.well-known/void")))
    if latest:
        graph.add((catalog, DCTERMS.modified, Literal(latest, datatype=XSD.dateTime)))
    if first:  # the first issue of any of its datasets: when the catalogue was first published
        graph.add((catalog, DCTERMS.issued, Literal(first, datatype=XSD.dateTime)))

    service = at.service
    _add_service(graph, config, at, service, data_license, [at.dataset(slug) for slug in datasets])
    graph.add((catalog, DCAT.service, service))

    for slug, figures in datasets.items():
        dataset = at.dataset(slug)
        graph.add((catalog, DCAT.dataset, dataset))
        graph.add((dataset, RDF.type, DCAT.Dataset))
        graph.add((dataset, DCTERMS.identifier, Literal(str(dataset))))
        graph.add((dataset, DCTERMS.modified, Literal(figures["modified"], datatype=XSD.dateTime)))
        graph.add(
            (
                dataset,
                DCTERMS.issued,
                Literal(figures.get("issued", figures["modified"]), datatype=XSD.dateTime),
            )
        )
        names = _subject_names(store, figures["subject"]) if figures["subject"] else {}
        values = {"triples": str(figures["triples"]), "code": names.get("code", slug)}
        for template in templates:
            if (template, cfg.appliesTo, Literal(figures["kind"])) in config:
                _copy_template(
                    config, graph, template, dataset, values, names, skip={cfg.appliesTo, RDF.type}
                )
        if figures["subject"]:
            graph.add((dataset, FOAF.primaryTopic, URIRef(figures["subject"])))
            graph.add((dataset, DCAT.landingPage, at.url(_path_of(settings, figures["subject"]))))
        else:
            graph.add((dataset, DCAT.landingPage, at.url("/")))
        if names.get("wikidata"):
            place = URIRef(names["wikidata"])
            graph.add((dataset, DCTERMS.spatial, place))
            graph.add((place, RDF.type, DCTERMS.Location))
            for language, label in names.get("labels", {}).items():
                graph.add((place, SKOS.prefLabel, Literal(label, lang=language)))
        _add_temporal(graph, store, dataset, figures["graphs"])
        for fmt in FORMATS:
            name = file_name(slug, fmt)
            if name in files:
                _add_dump_distribution(graph, at, dataset, slug, fmt, files[name], data_license)
        _add_sparql_distribution(graph, at, dataset, slug, service, data_license)
        graph.add((dataset, VOID.triples, Literal(figures["triples"], datatype=XSD.integer)))
    for stand_in, actual in stand_ins.items():  # the templates' stand-ins too
        for s, p in list(graph.subject_predicates(stand_in)):
            graph.remove((s, p, stand_in))
            graph.add((s, p, actual))
    graph.add((service, DCTERMS.publisher, publisher))
    # DCAT-AP's ranges, without inference: a page (landing page, homepage) is a foaf:Document, an
    # endpoint's address an rdfs:Resource; every distribution says it is available (dcatap:availability).
    for page in set(graph.objects(None, DCAT.landingPage)) | set(graph.objects(None, FOAF.homepage)):
        graph.add((page, RDF.type, FOAF.Document))
    for address in set(graph.objects(None, DCAT.endpointURL)) | set(
        graph.objects(None, DCAT.endpointDescription)
    ):
        graph.add((address, RDF.type, RDFS.Resource))
    for distribution in set(graph.subjects(RDF.type, DCAT.Distribution)):
        graph.add((distribution, DCATAP.availability, AVAILABLE))
    return graph


def _add_publisher(graph: Graph, who: Publisher, publisher: URIRef, contact: URIRef) -> None:
    """The publisher (foaf:Agent with its ADMS type) and the contact point (vcard:Kind), from the
    publisher file."""
    graph.add((publisher, RDF.type, FOAF.Agent))
    graph.add((publisher, RDF.type, FOAF.Organization))
    graph.add((publisher, FOAF.name, Literal(who.name_sv, lang="sv")))
    graph.add((publisher, FOAF.name, Literal(who.name_en, lang="en")))
    graph.add((publisher, DCTERMS.type, URIRef(who.type)))
    graph.add((URIRef(who.type), RDF.type, SKOS.Concept))
    graph.add((URIRef(who.type), SKOS.inScheme, URIRef("http://purl.org/adms/publishertype/1.0")))
    graph.add((publisher, FOAF.homepage, URIRef(who.homepage)))
    graph.add((contact, RDF.type, VCARD.Kind))
    graph.add((contact, RDF.type, VCARD.Organization))
    graph.add((contact, VCARD.fn, Literal(who.contact_name_sv, lang="sv")))
    graph.add((contact, VCARD.fn, Literal(who.contact_name_en, lang="en")))
    graph.add((contact, VCARD.hasEmail, URIRef("mailto:" + who.email)))


def _in_template(config: Graph, node: Node, templates: set[Node]) -> bool:
    """True for a blank node that hangs off a template (copied with it, not published as is)."""
    if not isinstance(node, BNode):
        return False
    return any(s in templates or _in_template(config, s, templates) for s in config.subjects(None, node))


def _copy_template(
    config: Graph,
    graph: Graph,
    template: Node,
    target: URIRef,
    values: Mapping[str, str],
    names: Mapping[str, Any],
    skip: set[Node],
) -> None:
    for p, o in config.predicate_objects(template):
        if p in skip:
            continue
        graph.add((target, p, _fill(config, graph, o, values, names)))


def _fill(
    config: Graph, graph: Graph, node: Node, values: Mapping[str, str], names: Mapping[str, Any]
) -> Node:
    """A template value with its placeholders filled; a blank node is copied (fresh) with its triples."""
    if isinstance(node, Literal) and isinstance(node.value, str) and "{" in str(node):
        labels: Mapping[str, str] = names.get("labels", {})
        label = (
            labels.get(node.language or "sv")
            or labels.get("sv")
            or next(iter(labels.values()), values["code"])
        )
        text = (
            str(node)
            .replace("{label}", label)
            .replace("{code}", values["code"])
            .replace("{triples}", values["triples"])
        )
        return Literal(text, lang=node.language, datatype=node.datatype)
    if isinstance(node, BNode):
        copy = BNode()
        for p, o in config.predicate_objects(node):
            graph.add((copy, p, _fill(config, graph, o, values, names)))
        return copy
    return node


def _subject_names(store: GraphStore, subject: str) -> dict[str, Any]:
    names: dict[str, Any] = {"labels": {}}
    for row in store.select(load_query("catalog-subject", store.info.base_iri), {"subject": URIRef(subject)}):
        if "label" in row and isinstance(row["label"], Literal):
            names["labels"].setdefault(row["label"].language or "sv", str(row["label"]))
        if "identifier" in row:
            names["code"] = str(row["identifier"])
        if "same" in row:
            names["wikidata"] = str(row["same"])
    if "code" not in names:
        names["code"] = subject.rstrip("/").rsplit("/", 1)[-1]
    return names


def _path_of(settings: Settings, iri: str) -> str:
    """The service path of an IRI under the base (the service answers /id/... for {base}id/...)."""
    return "/" + iri[len(settings.base_iri) :] if iri.startswith(settings.base_iri) else "/"


def _add_temporal(graph: Graph, store: GraphStore, dataset: URIRef, graphs: list[str]) -> None:
    """dcterms:temporal from the earliest to the latest date the dataset's graphs state.

    DCAT-AP-SE takes xsd:date, xsd:dateTime or xsd:gYear; a month (xsd:gYearMonth) is given as its year,
    never as an invented day."""
    dates: list[Literal] = []
    query = load_query("catalog-dates", store.info.base_iri)
    for graph_iri in graphs:
        for row in store.select(query, {"graph": URIRef(graph_iri)}):
            date = row.get("date")
            if isinstance(date, Literal):
                dates.append(date)
    if not dates:
        return
    ordered = sorted(dates, key=lambda d: str(d)[:10])
    period = BNode()
    graph.add((dataset, DCTERMS.temporal, period))
    graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
    graph.add((period, DCAT.startDate, _coverage_date(ordered[0])))
    graph.add((period, DCAT.endDate, _coverage_date(ordered[-1])))


def _coverage_date(date: Literal) -> Literal:
    if date.datatype in (XSD.date, XSD.dateTime, XSD.gYear):
        return Literal(str(date), datatype=date.datatype)
    return Literal(str(date)[:4], datatype=XSD.gYear)


def _media_type(graph: Graph, media_type: str) -> URIRef:
    iri = URIRef(IANA + media_type)
    graph.add((iri, RDF.type, DCTERMS.MediaType))
    return iri


def _file_type(graph: Graph, code: str, label: str) -> URIRef:
    iri = FILE_TYPE[code]
    graph.add((iri, RDF.type, DCTERMS.MediaTypeOrExtent))
    graph.add((iri, RDFS.label, Literal(label, lang="en")))
    return iri


def _standard(graph: Graph, iri: str, label: str) -> URIRef:
    node = URIRef(iri)
    graph.add((node, RDF.type, DCTERMS.Standard))
    graph.add((node, RDFS.label, Literal(label, lang="en")))
    return node


def _add_dump_distribution(
    graph: Graph,
    at: Addresses,
    dataset: URIRef,
    slug: str,
    fmt: Any,
    figures: Mapping[str, Any],
    data_license: Node | None,
) -> None:
    distribution = URIRef(f"{dataset}/distribution/{fmt.key}")
    url = at.url(f"/dumps/{file_name(slug, fmt)}")
    graph.add((dataset, DCAT.distribution, distribution))
    graph.add((distribution, RDF.type, DCAT.Distribution))
    graph.add((distribution, DCTERMS.title, Literal(f"Nedladdning: {fmt.title_sv}, gzip", lang="sv")))
    graph.add((distribution, DCTERMS.title, Literal(f"Download: {fmt.title_en}, gzip", lang="en")))
    graph.add(
        (
            distribution,
            DCTERMS.description,
            Literal(
                f"{fmt.title_sv}, gzip-komprimerad: {figures['statements']} {'kvadrupler' if fmt.keeps_graphs else 'tripler'}.",
                lang="sv",
            ),
        )
    )
    graph.add(
        (
            distribution,
            DCTERMS.description,
            Literal(
                f"{fmt.title_en}, gzip-compressed: {figures['statements']} {'quads' if fmt.keeps_graphs else 'triples'}.",
                lang="en",
            ),
        )
    )
    graph.add((distribution, DCAT.accessURL, url))
    graph.add((distribution, DCAT.downloadURL, url))
    graph.add((distribution, DCAT.mediaType, _media_type(graph, fmt.media_type)))
    graph.add((distribution, DCAT.compressFormat, _media_type(graph, GZIP_MEDIA_TYPE)))
    graph.add((distribution, DCTERMS.format, _file_type(graph, fmt.file_type, fmt.title_en.split(" ")[0])))
    graph.add((distribution, DCTERMS.conformsTo, _standard(graph, *FORMAT_STANDARDS[fmt.key])))
    graph.add((distribution, DCAT.byteSize, Literal(figures["bytes"], datatype=XSD.nonNegativeInteger)))
    graph.add((distribution, DCTERMS.modified, Literal(figures["modified"], datatype=XSD.dateTime)))
    graph.add(
        (
            distribution,
            DCTERMS.issued,
            Literal(figures.get("issued", figures["modified"]), datatype=XSD.dateTime),
        )
    )
    checksum = BNode()
    graph.add((distribution, SPDX.checksum, checksum))
    graph.add((checksum, RDF.type, SPDX.Checksum))
    graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    graph.add((checksum, SPDX.checksumValue, Literal(figures["sha256"], datatype=XSD.hexBinary)))
    graph.add((SPDX.checksumAlgorithm_sha256, RDF.type, SPDX.ChecksumAlgorithm))
    if data_license is not None:
        graph.add((distribution, DCTERMS.license, data_license))


def _add_sparql_distribution(
    graph: Graph, at: Addresses, dataset: URIRef, slug: str, service: URIRef, data_license: Node | None
) -> None:
    distribution = URIRef(f"{dataset}/distribution/sparql")
    graph.add((dataset, DCAT.distribution, distribution))
    graph.add((distribution, RDF.type, DCAT.Distribution))
    graph.add((distribution, DCTERMS.title, Literal("SPARQL-ändpunkt", lang="sv")))
    graph.add((distribution, DCTERMS.title, Literal("SPARQL endpoint", lang="en")))
    scope = "hela grafen" if slug == WHOLE_GRAPH else "hela grafen, som innehåller denna datamängd"
    graph.add((distribution, DCTERMS.description, Literal(f"Frågor med SPARQL 1.1 mot {scope}.", lang="sv")))
    scope_en = "the whole graph" if slug == WHOLE_GRAPH else "the whole graph, which holds this dataset"
    graph.add((distribution, DCTERMS.description, Literal(f"SPARQL 1.1 queries over {scope_en}.", lang="en")))
    graph.add((distribution, DCAT.accessURL, at.url("/sparql")))
    graph.add((distribution, DCAT.accessService, service))
    graph.add((distribution, DCTERMS.format, _file_type(graph, "SPARQLQ", "SPARQL")))
    graph.add((distribution, DCAT.mediaType, _media_type(graph, "application/sparql-query")))
    if data_license is not None:
        graph.add((distribution, DCTERMS.license, data_license))


def _add_service(
    graph: Graph,
    config: Graph,
    at: Addresses,
    service: URIRef,
    data_license: Node | None,
    datasets: list[URIRef],
) -> None:
    cfg = Namespace(at.base_iri + "catalog-config#")
    graph.add((service, RDF.type, DCAT.DataService))
    template = next(config.subjects(RDF.type, cfg.ServiceTemplate), None)
    if template is not None:
        _copy_template(config, graph, template, service, {"triples": "", "code": ""}, {}, skip={RDF.type})
    graph.add((service, DCAT.endpointURL, at.url("/sparql")))
    graph.add((service, DCAT.endpointDescription, at.url("/sparql")))
    graph.add((service, DCAT.landingPage, at.url("/sparql")))
    graph.add((service, DCTERMS.format, _file_type(graph, "SPARQLQ", "SPARQL")))
    for iri, label in SPARQL_STANDARDS:
        graph.add((service, DCTERMS.conformsTo, _standard(graph, iri, label)))
    for dataset in datasets:
        graph.add((service, DCAT.servesDataset, dataset))
    if data_license is not None:
        graph.add((service, DCTERMS.license, data_license))


class CatalogCache:
    """One catalogue per (build, public URL): the build is immutable, so it never goes stale."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._graphs: dict[tuple[str, str], Graph] = {}

    def get(self, settings: Settings, store: GraphStore, store_path: Path, public_url: str) -> Graph:
        key = (store.info.build_id, public_url)
        with self._lock:
            if key not in self._graphs:
                if len(self._graphs) > 8:
                    self._graphs.clear()
                self._graphs[key] = build_catalog(settings, store, store_path, public_url)
            return self._graphs[key]


CATALOGS = CatalogCache()
"""The catalogues of this process, shared by GET /catalog and the home page's markup."""


def schema_org_dataset(settings: Settings, catalog: Graph, public_url: str) -> dict[str, Any]:
    """schema.org Dataset markup (JSON-LD) for the home page, so that dataset search engines find it.

    Read from the same catalogue as GET /catalog: the whole-graph dataset and its downloads."""
    at = Addresses(settings.base_iri, public_url.rstrip("/"))
    dataset = at.dataset(WHOLE_GRAPH)

    def text(subject: Node, predicate: URIRef, language: str = "en") -> str:
        values = [o for o in catalog.objects(subject, predicate) if isinstance(o, Literal)]
        chosen = [o for o in values if o.language == language] or values
        return str(chosen[0]) if chosen else ""

    publisher = catalog.value(dataset, DCTERMS.publisher)
    contact = catalog.value(dataset, DCAT.contactPoint)
    period = catalog.value(dataset, DCTERMS.temporal)
    downloads = []
    for distribution in sorted(catalog.objects(dataset, DCAT.distribution), key=str):
        url = catalog.value(distribution, DCAT.downloadURL)
        if url is None:
            continue
        media = catalog.value(distribution, DCAT.mediaType)
        downloads.append(
            {
                "@type": "DataDownload",
                "contentUrl": str(url),
                "encodingFormat": str(media).removeprefix(IANA) if media else "",
                "contentSize": f"{catalog.value(distribution, DCAT.byteSize)} B",
                "name": text(distribution, DCTERMS.title),
            }
        )
    markup: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": str(dataset),
        "name": text(dataset, DCTERMS.title),
        "alternateName": text(dataset, DCTERMS.title, "sv"),
        "description": text(dataset, DCTERMS.description),
        "url": at.public_url + "/",
        "identifier": str(dataset),
        "inLanguage": ["sv", "en"],
        "isAccessibleForFree": True,
        "license": str(
            catalog.value(next(iter(catalog.objects(dataset, DCAT.distribution))), DCTERMS.license) or ""
        ),
        "keywords": sorted(
            {str(k) for k in catalog.objects(dataset, DCAT.keyword) if getattr(k, "language", "en") == "en"}
        ),
        "dateModified": str(catalog.value(dataset, DCTERMS.modified) or ""),
        "spatialCoverage": {"@type": "Place", "name": "Sweden"},
        "distribution": downloads,
        "includedInDataCatalog": {
            "@type": "DataCatalog",
            "name": text(at.catalog, DCTERMS.title),
            "url": at.public_url + "/catalog",
        },
    }
    if period is not None:
        markup["temporalCoverage"] = (
            f"{catalog.value(period, DCAT.startDate)}/{catalog.value(period, DCAT.endDate)}"
        )
    if publisher is not None:
        markup["creator"] = markup["publisher"] = {
            "@type": "Organization",
            "name": text(publisher, FOAF.name),
        }
    if contact is not None and publisher is not None:
        email = catalog.value(contact, VCARD.hasEmail)
        if email is not None:
            markup["publisher"]["contactPoint"] = {
                "@type": "ContactPoint",
                "email": str(email).removeprefix("mailto:"),
            }
    return markup


DCAT_SHAPE_SETS: dict[str, tuple[str, ...]] = {
    # SEMIC's DCAT-AP 3.0.1 release, shacl/: the shapes and their ranges.
    "DCAT-AP 3.0.1 (shacl/)": ("dcat-ap-SHACL.ttl", "ranges.ttl"),
    # SEMIC's DCAT-AP 3.0.1 release, html/shacl/: what the EU's validator runs (mandatory and recommended
    # properties, ranges, deprecated IRIs).
    "DCAT-AP 3.0.1 (html/shacl/)": (
        "html-shacl/shapes.ttl",
        "html-shacl/range.ttl",
        "html-shacl/shapes_recommended.ttl",
        "html-shacl/deprecateduris.ttl",
    ),
    # DIGG's DCAT-AP-SE additions (where the Swedish profile is stricter).
    "DCAT-AP-SE 3.0.1 (DIGG additions)": ("dcat-ap-se-additions.ttl",),
    # Ours: the DCAT-AP-SE 3.0.1 cardinalities the files above do not check (stricter, never laxer).
    "DCAT-AP-SE 3.0.1 (cardinalities, integration-kg)": (
        "integration-kg-dcat-ap-se-3.0.1-cardinalities.ttl",
    ),
}


def dcat_shapes(shapes_dir: Path, names: tuple[str, ...]) -> Graph:
    """One set of shapes from shapes/dcat-ap-se/, as published (never the owl:imports files: nothing
    remote). The shacl/ release names five property shapes by sh:property that it never defines: empty
    shapes that constrain nothing, which pyshacl refuses to load; those dangling references are dropped
    (no constraint is removed, and no result is ever filtered)."""
    shapes = Graph()
    for name in names:
        shapes += load_graph(shapes_dir / "dcat-ap-se" / name)
    for shape, property_shape in list(shapes.subject_objects(SH.property)):
        if not any(True for _ in shapes.predicate_objects(property_shape)):
            shapes.remove((shape, SH.property, property_shape))
    return shapes


def validate_catalog(catalog: Graph, shapes_dir: Path) -> ValidationReport:
    """Validate a catalogue as a harvester does: each official set of shapes as published (DCAT-AP 3.0.1
    shacl/ and html/shacl/, DIGG's DCAT-AP-SE additions) and our DCAT-AP-SE cardinalities, every result
    kept. Each set runs on its own (the two SEMIC sets name some shapes alike); the report holds them all.
    The EU controlled-vocabulary shapes (mdr-vocabularies.shape.ttl) are not run: they need the EU's
    vocabularies loaded from the network."""
    results: list[ValidationResult] = []
    report_graph = Graph()
    checked = 0
    for names in DCAT_SHAPE_SETS.values():
        shapes = dcat_shapes(shapes_dir, names)
        _, graph, _ = pyshacl_validate(
            catalog, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
        )
        report_graph += graph
        results += read_results(graph)
        checked += count_shapes(shapes)
    return ValidationReport(
        conforms=not any(r.severity == "Violation" for r in results),
        results=results,
        graph=report_graph,
        checked_shapes=checked,
    )


def published_description(iri: URIRef, *graphs: Graph) -> Graph:
    """What the service answers for an IRI it publishes outside the knowledge graph (a dataset, a
    distribution, the data service, a VoID subset, linkset or target): every statement about it in the
    given graphs (the catalogue, VoID), the blank nodes it leads to, the statements that link to it, and
    the titles and labels of what it links to. Empty when none of the graphs mentions it."""
    found = Graph()
    labels = (DCTERMS.title, RDFS.label, SKOS.prefLabel, FOAF.name, RDF.type)
    for graph in graphs:
        for prefix, namespace in graph.namespaces():
            found.bind(prefix, namespace, replace=True)
        pending: list[Node] = [iri]
        seen: set[Node] = set()
        while pending:
            node = pending.pop()
            if node in seen:
                continue
            seen.add(node)
            for p, o in graph.predicate_objects(node):
                found.add((node, p, o))
                if isinstance(o, BNode):
                    pending.append(o)
                elif isinstance(o, URIRef):
                    for label in labels:
                        for value in graph.objects(o, label):
                            found.add((o, label, value))
        for s, p in graph.subject_predicates(iri):
            if isinstance(s, URIRef):
                found.add((s, p, iri))
                for label in labels:
                    for value in graph.objects(s, label):
                        found.add((s, label, value))
    return found
