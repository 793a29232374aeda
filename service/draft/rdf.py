"""Writing the draft graph: the document, its source, its parts, the suggested citations (explicit
and paraphrase, ikg:cites + ikg:Citation) and thematic alignments (ikg:alignsWith + ikg:Alignment,
never a citation), following docs/data-model.md (IRIs, properties, datatypes)."""

from __future__ import annotations

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from .citations import THEMATIC, Suggestion
from .metadata import Actor, DateValue, Metadata
from .references import DocumentReference
from .structure import Structure
from .text import fold

DEFAULT_BASE = "https://w3id.org/integration-kg/"
ORG = Namespace("http://www.w3.org/ns/org#")
SWEDISH = URIRef("http://id.loc.gov/vocabulary/iso639-1/sv")
_DATATYPES = {"date": XSD.date, "gYearMonth": XSD.gYearMonth, "gYear": XSD.gYear}


class Namespaces:
    def __init__(self, base: str = DEFAULT_BASE) -> None:
        self.base = base
        self.ikg = Namespace(base + "ontology#")
        self.fw = Namespace(base + "id/framework/")
        self.mun = Namespace(base + "id/municipality/")
        self.doc = Namespace(base + "id/document/")
        self.src = Namespace(base + "id/source/")
        self.agent = Namespace(base + "id/agent/")

    def bind(self, graph: Graph) -> None:
        for prefix, namespace in (
            ("ikg", self.ikg),
            ("fw", self.fw),
            ("mun", self.mun),
            ("doc", self.doc),
            ("src", self.src),
            ("agent", self.agent),
            ("org", ORG),
            ("prov", PROV),
        ):
            graph.bind(prefix, namespace)

    def target_key(self, target: str) -> str:
        """The target IRI's path after `id/`, with `/` → `-` (docs/data-model.md, citations)."""
        path = target.split("/id/", 1)[1] if "/id/" in target else target.rsplit("/", 1)[-1]
        return path.replace("/", "-")


def date_literal(value: DateValue) -> Literal:
    return Literal(value.lexical, datatype=_DATATYPES[value.datatype])


def actor_iri(
    ns: Namespaces, municipality: str, actor: Actor, municipalities: Graph | None
) -> tuple[URIRef, bool]:
    """The IRI of a body, office or post: one the municipality's file already holds (same IRI, or
    the same Swedish label under the municipality), else a new one; and whether it is new."""
    candidate = ns.mun[f"{municipality}/{actor.slug}"]
    if municipalities is None:
        return candidate, True
    if (candidate, None, None) in municipalities:
        return candidate, False
    wanted = fold(actor.label).lower()
    prefix = str(ns.mun[f"{municipality}/"])
    for subject, label in municipalities.subject_objects(SKOS.prefLabel):
        if str(subject).startswith(prefix) and fold(str(label)).lower() == wanted:
            return URIRef(str(subject)), False
    return candidate, True


def build_graph(
    *,
    ns: Namespaces,
    municipality: str,
    doc_slug: str,
    meta: Metadata,
    structure: Structure,
    suggestions: list[Suggestion],
    municipalities: Graph | None,
    source_name: str,
    documents_named: list[DocumentReference] | None = None,
) -> tuple[Graph, URIRef, dict[int, URIRef]]:
    """The draft graph, the document IRI and the IRI of every part (by id)."""
    graph = Graph()
    ns.bind(graph)
    ikg = ns.ikg
    mun = ns.mun[municipality]
    document = ns.doc[f"{municipality}/{doc_slug}"]
    source = ns.src[f"{municipality}/{doc_slug}"]
    title = meta.title.value if meta.title else doc_slug
    kind = meta.kind.value if meta.kind else "PolicyDocument"

    graph.add((source, RDF.type, ikg.SourceText))
    graph.add((source, DCTERMS.title, Literal(str(title), lang="sv")))
    graph.add((source, DCTERMS.publisher, mun))
    graph.add((source, ikg.textFile, Literal(f"{municipality}-{doc_slug}.txt")))
    graph.add((source, DCTERMS.format, Literal("text/plain")))
    graph.add(
        (
            source,
            RDFS.comment,
            Literal(
                f"Drafted from {source_name}; store the text as data/sources/{municipality}-{doc_slug}.txt",
                lang="en",
            ),
        )
    )

    graph.add((document, RDF.type, ikg[str(kind)]))
    graph.add((document, DCTERMS.title, Literal(str(title), lang="sv")))
    graph.add((document, SKOS.prefLabel, Literal(str(title), lang="sv")))
    graph.add((document, DCTERMS.publisher, mun))
    graph.add((document, DCTERMS.language, SWEDISH))
    graph.add((document, DCTERMS.source, source))
    for attr, predicate in (
        ("issued", DCTERMS.issued),
        ("modified", DCTERMS.modified),
        ("valid_until", ikg.validUntil),
        ("last_reviewed", ikg.lastReviewed),
    ):
        found = getattr(meta, attr)
        if found is not None:
            graph.add((document, predicate, date_literal(found.value)))
    if meta.identifier:
        graph.add((document, DCTERMS.identifier, Literal(str(meta.identifier.value))))
    if meta.version:
        graph.add((document, OWL.versionInfo, Literal(str(meta.version.value))))
    if meta.applies_to:
        graph.add((document, ikg.appliesTo, Literal(str(meta.applies_to.value), lang="sv")))
    for attr, predicate in (
        ("adopted_by", ikg.adoptedBy),
        ("revision_responsibility", ikg.revisionResponsibility),
        ("responsible_office", ikg.responsibleOffice),
        ("responsible_post", ikg.responsiblePost),
    ):
        found = getattr(meta, attr)
        if found is None or not isinstance(found.value, Actor):
            continue
        actor = found.value
        iri, new = actor_iri(ns, municipality, actor, municipalities)
        graph.add((document, predicate, iri))
        if new:
            _declare_actor(graph, ns, mun, iri, actor)

    part_iris: dict[int, URIRef] = {}
    for part in structure.all_parts():
        iri = ns.doc[f"{municipality}/{doc_slug}/{part.slug}"]
        part_iris[id(part)] = iri
    for part in structure.all_parts():
        iri = part_iris[id(part)]
        graph.add((iri, RDF.type, ikg[part.cls]))
        graph.add((iri, DCTERMS.isPartOf, part_iris[id(part.parent)] if part.parent else document))
        graph.add((iri, SKOS.prefLabel, Literal(part.label, lang="sv")))
        graph.add((iri, SKOS.notation, Literal(part.notation)))
        if part.statement:
            graph.add((iri, ikg.statement, Literal(part.statement, lang="sv")))
        if part.implements is not None:
            graph.add((iri, ikg.implements, part_iris[id(part.implements)]))

    for named in documents_named or []:
        # known only by its name in this text: a minimal document of the same municipality
        iri = ns.doc[f"{municipality}/{named.slug}"]
        graph.add((iri, RDF.type, ikg[named.cls]))
        graph.add((iri, DCTERMS.title, Literal(named.label, lang="sv")))
        graph.add((iri, SKOS.prefLabel, Literal(named.label, lang="sv")))
        graph.add((iri, DCTERMS.publisher, mun))
        graph.add(
            (
                iri,
                SKOS.editorialNote,
                Literal(
                    f"Known only as a steering document named in {source_name}: «{named.quote}». Suggested by the drafter; check its title and kind.",
                    lang="en",
                ),
            )
        )

    drafter = ns.agent["drafter"]
    for suggestion in suggestions:
        citing = part_iris[id(suggestion.citing)] if suggestion.citing is not None else document
        target = URIRef(suggestion.target)
        key = ns.target_key(suggestion.target)
        if suggestion.kind == THEMATIC:
            # a shared aim is not a citation: ikg:alignsWith and an ikg:Alignment evidence node
            node = URIRef(f"{citing}/alignment/{key}")
            graph.add((citing, ikg.alignsWith, target))
            graph.add((citing, ikg.alignment, node))
            graph.add((node, RDF.type, ikg.Alignment))
        else:
            node = URIRef(f"{citing}/citation/{key}")
            graph.add((citing, ikg.cites, target))
            graph.add((citing, ikg.citation, node))
            graph.add((node, RDF.type, ikg.Citation))
            graph.add((node, ikg.citationKind, ikg[suggestion.kind]))
        graph.add((node, ikg.target, target))
        graph.add((node, ikg.quote, Literal(suggestion.quote, lang="sv")))
        graph.add((node, PROV.wasDerivedFrom, source))
        graph.add((node, PROV.wasAttributedTo, drafter))
        graph.add((node, ikg.confidence, Literal(f"{suggestion.confidence:.2f}", datatype=XSD.decimal)))
        graph.add((node, RDFS.comment, Literal(f"Suggested by the drafter: {suggestion.reason}.", lang="en")))
    return graph, document, part_iris


def _declare_actor(graph: Graph, ns: Namespaces, municipality: URIRef, iri: URIRef, actor: Actor) -> None:
    """A body, office or post the municipality's file does not hold yet, declared in the draft
    so that it validates; a curator moves it to data/municipalities/."""
    graph.add((iri, RDF.type, ns.ikg[actor.cls]))
    graph.add((iri, SKOS.prefLabel, Literal(actor.label, lang="sv")))
    if actor.label_en:
        graph.add((iri, SKOS.prefLabel, Literal(actor.label_en, lang="en")))
    if actor.cls == "Post":
        graph.add((iri, ORG.postIn, municipality))
    else:
        graph.add((iri, ORG.unitOf, municipality))
