"""What a resource answers with, and how a page about it reads.

`describe` gathers, with the queries in service/queries/describe-*.rq: the resource's own triples,
the labels of everything it links to, the citations it makes and the document hierarchy around it,
and one page of what links to it and of the citations it receives (with their quotes and kinds).
The embedded store reads the same triples from its indexes instead (service/describe_index.py), which
costs much less. Every representation (HTML, Turtle, JSON-LD, N-Triples, RDF/XML) of a page is made from
those triples. `ResourceView` reads them for a page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SKOS
from rdflib.term import Node

from .describe_index import PageTriples
from .per_store import per_store
from .queries import load_query, with_window
from .rdfterms import graph_of, to_oxigraph
from .store import GraphStore

WHOLE_QUERIES = (
    "describe-description",
    "describe-linked-labels",
    "describe-citations-made",
    "describe-hierarchy",
)
"""What a resource says, links to, cites and is part of: bounded by the resource's own description."""
PAGED_QUERIES = ("describe-incoming", "describe-citations-received")
"""What links to it and cites it: a principle or the curators have tens of thousands, so these come a page at a time."""
LINKS_PER_PAGE = 100
LABEL_PROPERTIES = (SKOS.prefLabel, DCTERMS.title, RDFS.label, FOAF.name)
VOCABULARY_LABELS = Path(__file__).parent / "static" / "vocabulary-labels.ttl"


@dataclass(frozen=True)
class Description:
    """One page of what a resource answers with.

    `triples` hold the resource's whole description (its triples, the labels of what it links to, the
    citations it makes, its document hierarchy) and one page of what links to it: `per_page` of the
    `linking` resources that link to it (by any property but rdf:type), in the store's order, with every
    link they make to it, and the citations among them that target it in full. The pages together hold
    every link exactly once; every page holds the whole description.
    """

    triples: frozenset[ox.Triple]
    page: int
    per_page: int
    linking: int
    citations_received: int

    @cached_property
    def graph(self) -> Graph:
        """The triples as an rdflib Graph, for what reads them in Python (the HTML page, JSON-LD)."""
        return graph_of(self.triples)

    @property
    def pages(self) -> int:
        return max(1, -(-self.linking // self.per_page))

    @property
    def first_shown(self) -> int:
        """The position of this page's first linking resource (1-based; 0 when nothing links here)."""
        return min(self.linking, (self.page - 1) * self.per_page + 1)

    @property
    def last_shown(self) -> int:
        return min(self.linking, self.page * self.per_page)


def describe(
    store: GraphStore, iri: str, *, page: int = 1, per_page: int = LINKS_PER_PAGE
) -> Description | None:
    """Page `page` of everything the resource answers with, or None when the graph does not know it.

    A page past the last one is None too: it is not a resource of the graph."""
    if page < 1 or per_page < 1:
        return None
    return _describe_cached(store, store.info.build_id, iri, page, per_page)


@per_store(maxsize=512)
def _describe_cached(
    store: GraphStore, build_id: str, iri: str, page: int, per_page: int
) -> Description | None:
    """Kept per store (service/per_store.py), freed with it, and keyed by the build: the graph is immutable
    per build, so this never goes stale. The store's own indexes answer when it has them and the resource
    is not linked to by too many statements for them (service/describe_index.py); the queries otherwise."""
    read = store.index.read_page(iri, page, per_page) if store.index is not None else None
    if read is None:
        read = read_page_by_queries(store, iri, page, per_page)
    if not read.known:
        return None
    description = Description(read.triples, page, per_page, read.linking, read.citations_received)
    return description if page <= description.pages else None


def read_page_by_queries(store: GraphStore, iri: str, page: int, per_page: int) -> PageTriples:
    """The page with the describe-*.rq queries: what any back end can answer (and the embedded store does for
    a resource that thousands of statements link to: see service/describe_index.py)."""
    base = store.info.base_iri
    this = {"this": URIRef(iri)}
    if not store.ask(load_query("describe-exists", base), this):
        return PageTriples(False, frozenset(), 0, 0)
    linking = _count(store, "describe-linking-count", this)
    citations = _count(store, "describe-citation-count", this) if linking else 0
    if page > max(1, -(-linking // per_page)):
        return PageTriples(True, frozenset(), linking, citations)
    graph = Graph()
    for name in WHOLE_QUERIES:
        graph += store.construct(load_query(name, base), this)
    if linking:
        for name in PAGED_QUERIES:
            query = with_window(load_query(name, base), limit=per_page, offset=(page - 1) * per_page)
            graph += store.construct(query, this)
    triples = frozenset(ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in graph)  # type: ignore[arg-type]
    return PageTriples(True, triples, linking, citations)


def _count(store: GraphStore, name: str, bindings: dict[str, URIRef]) -> int:
    rows = store.select(load_query(name, store.info.base_iri), bindings)
    return int(str(rows[0]["count"])) if rows and "count" in rows[0] else 0


def ontology_in_store(store: GraphStore) -> Graph:
    """The ontology as the build loaded it into the store (its named graph), for labelling pages: not the
    ontology files that service.validation reads for SHACL."""
    return _ontology_cached(store, store.info.build_id)


@per_store(maxsize=1)
def _ontology_cached(store: GraphStore, build_id: str) -> Graph:
    base = store.info.base_iri
    return store.construct(
        load_query("describe-ontology", base), {"ontologyGraph": URIRef(base + "graph/ontology")}
    )


def graph_counts(store: GraphStore) -> dict[str, int]:
    """How many frameworks, principles, municipalities, documents, parts and citations (also by kind)."""
    return _counts_cached(store, store.info.build_id)


@per_store(maxsize=1)
def _counts_cached(store: GraphStore, build_id: str) -> dict[str, int]:
    rows = store.select(load_query("describe-graph-counts", store.info.base_iri))
    return {str(row["what"]): int(str(row["count"])) for row in rows if "what" in row}


@lru_cache(maxsize=1)
def vocabulary_labels() -> Graph:
    """Swedish and English labels for the external terms pages show (skos:prefLabel, dcterms:title, …)."""
    graph = Graph()
    graph.parse(VOCABULARY_LABELS, format="turtle")
    return graph


# ------------------------------------------------------------------------------------------------
# Reading the graph for a page
# ------------------------------------------------------------------------------------------------


@dataclass
class Value:
    """One value on a page: a link (href set) or a literal (language or datatype noted)."""

    text: str
    href: str | None = None
    iri: str | None = None
    language: str | None = None
    datatype: str | None = None


@dataclass
class Row:
    predicate: Value
    values: list[Value]


@dataclass
class CitationView:
    citation: Value
    citing: Value | None
    document: Value | None
    target: Value | None
    kind: Value | None
    kind_iri: str
    quotes: list[Value]
    attributed_to: list[Value]
    confidence: str | None
    municipality: Value | None = None  # the municipality publishing the citing resource's document
    target_municipality: Value | None = None  # the municipality publishing the cited resource's document
    alignment: bool = False  # an ikg:Alignment (the same aim in other words), not a citation


@dataclass
class PartView:
    node: Value
    kind: str
    children: list[PartView] = field(default_factory=list)
    current: bool = False


@dataclass
class ResourceView:
    iri: str
    title: str
    types: list[Value]
    rows: list[Row]
    ancestors: list[Value]
    parts: list[PartView]
    citations_made: list[CitationView]
    cited_by: list[CitationView]
    incoming: list[Row]
    trace_path: str | None = None  # "trace/{framework}/{notation}": the trace page of a principle or goal


def natural_key(text: str) -> list[object]:
    """Order notations as people do: 2 before 10, 1.2 before 1.10."""
    return [int(piece) if piece.isdigit() else piece for piece in re.split(r"(\d+)", text)]


class Labeller:
    """Labels and links for the terms of one graph, in one language, falling back sensibly."""

    def __init__(
        self, graph: Graph, language: str, link: Callable[[str], str | None], terms: Graph | None = None
    ) -> None:
        self.graph = graph
        self.vocabulary = vocabulary_labels() if terms is None else vocabulary_labels() + terms
        self.language = language
        self.link = link

    def label(self, node: Node) -> str:
        for source in (self.graph, self.vocabulary):
            for prop in LABEL_PROPERTIES:
                found = self.in_language(source.objects(node, prop))
                if found:
                    return found
        notation = self.graph.value(node, SKOS.notation)
        if notation is not None:
            return str(notation)
        text = str(node)
        last = re.split(r"[#/]", text.rstrip("/"))[-1]
        if self.link(text) == text and ("?" in text or "." in last or not last):
            # a web page elsewhere (a source, say): its address says more than its last segment
            address = text.split("://", 1)[-1]
            return address if len(address) <= 70 else address[:69] + "…"
        return last or text

    def in_language(self, literals: Iterable[Node]) -> str | None:
        by_language: dict[str, str] = {}
        for literal in literals:
            if isinstance(literal, Literal):
                by_language.setdefault(literal.language or "", str(literal))
        for language in (self.language, "sv", "en", ""):
            if language in by_language:
                return by_language[language]
        return next(iter(by_language.values()), None)

    def value(self, node: Node) -> Value:
        if isinstance(node, Literal):
            datatype = str(node.datatype) if node.datatype is not None else None
            short = datatype.rsplit("#", 1)[-1] if datatype else None
            return Value(text=str(node), language=node.language, datatype=short)
        if isinstance(node, BNode):
            return Value(text=self._blank_summary(node))
        return Value(text=self.label(node), href=self.link(str(node)), iri=str(node))

    def _blank_summary(self, node: BNode) -> str:
        parts = [str(o) for _, o in sorted(self.graph.predicate_objects(node)) if isinstance(o, Literal)]
        return ", ".join(parts) if parts else "[…]"


def resource_view(
    graph: Graph,
    iri: str,
    *,
    base_iri: str,
    language: str,
    link: Callable[[str], str | None],
    terms: Graph | None = None,
) -> ResourceView:
    """A page's content: the description as rows, the hierarchy, the citations both ways, incoming links."""
    ikg = base_iri + "ontology#"
    this = URIRef(iri)
    labels = Labeller(graph, language, link, terms)
    citation_p, cites_p, target_p = URIRef(ikg + "citation"), URIRef(ikg + "cites"), URIRef(ikg + "target")
    alignment_p, aligns_p = URIRef(ikg + "alignment"), URIRef(ikg + "alignsWith")
    hidden = {RDF.type, citation_p, cites_p, alignment_p, aligns_p}

    rows: dict[Node, list[Node]] = {}
    for predicate, obj in graph.predicate_objects(this):
        if predicate not in hidden:
            rows.setdefault(predicate, []).append(obj)
    text_file = URIRef(ikg + "textFile")

    def shown(predicate: Node, obj: Node) -> Value:
        if predicate == text_file and isinstance(obj, Literal):
            # the source text itself, as the build published it beside the store
            return Value(text=str(obj), href=link(base_iri + "sources/" + str(obj)))
        return labels.value(obj)

    ordered_rows = [
        Row(labels.value(p), [shown(p, o) for o in sorted(objs, key=_value_order)])
        for p, objs in sorted(rows.items(), key=lambda item: _predicate_order(item[0]))
    ]

    wholes: list[URIRef] = []  # what the resource is part of, the outermost first
    seen = {this}
    parent = graph.value(this, DCTERMS.isPartOf)
    while isinstance(parent, URIRef) and parent not in seen:
        wholes.insert(0, parent)
        seen.add(parent)
        parent = graph.value(parent, DCTERMS.isPartOf)
    ancestors = [labels.value(whole) for whole in wholes]

    def part(node: URIRef, depth: int) -> PartView:
        kinds = [labels.label(t) for t in graph.objects(node, RDF.type)]
        children = sorted(
            (c for c in graph.subjects(DCTERMS.isPartOf, node) if isinstance(c, URIRef)),
            key=lambda c: natural_key(str(graph.value(c, SKOS.notation) or labels.label(c))),
        )
        return PartView(
            node=labels.value(node),
            kind=", ".join(sorted(kinds)),
            current=node == this,
            children=[part(c, depth + 1) for c in children] if depth < 8 else [],
        )

    top = wholes[0] if wholes else this
    parts = [part(top, 0)] if any(graph.subjects(DCTERMS.isPartOf, top)) else []

    municipalities = base_iri + "id/municipality/"

    def municipality_of(node: Node | None) -> Value | None:
        """The municipality that publishes the document `node` is (part of), as the page shows it."""
        seen: set[Node] = set()
        while isinstance(node, URIRef) and node not in seen:
            seen.add(node)
            publisher = graph.value(node, DCTERMS.publisher)
            if isinstance(publisher, URIRef):
                return labels.value(publisher) if str(publisher).startswith(municipalities) else None
            node = graph.value(node, DCTERMS.isPartOf)
        return None

    def citation_view(citation: Node) -> CitationView:
        citing = next(graph.subjects(citation_p, citation), None) or next(
            graph.subjects(alignment_p, citation), None
        )
        document = None
        if citing is not None:
            node, guard = citing, 0
            while (up := graph.value(node, DCTERMS.isPartOf)) is not None and guard < 10:
                node, guard = up, guard + 1
            document = labels.value(node) if node != citing else None
        kind = graph.value(citation, URIRef(ikg + "citationKind"))
        confidence = graph.value(citation, URIRef(ikg + "confidence"))
        return CitationView(
            citation=labels.value(citation),
            citing=labels.value(citing) if citing is not None else None,
            document=document,
            target=labels.value(t) if (t := graph.value(citation, target_p)) is not None else None,
            kind=labels.value(kind) if kind is not None else None,
            kind_iri=str(kind or ""),
            quotes=[labels.value(q) for q in graph.objects(citation, URIRef(ikg + "quote"))],
            attributed_to=[
                labels.value(a)
                for a in graph.objects(citation, URIRef("http://www.w3.org/ns/prov#wasAttributedTo"))
            ],
            confidence=str(confidence) if confidence is not None else None,
            municipality=municipality_of(citing),
            target_municipality=municipality_of(graph.value(citation, target_p)),
            alignment=(None, alignment_p, citation) in graph,
        )

    made = sorted(
        (citation_view(c) for p in (citation_p, alignment_p) for c in graph.objects(this, p)),
        key=lambda c: natural_key(c.target.text if c.target else ""),
    )
    received = sorted(
        (citation_view(c) for c in graph.subjects(target_p, this)),
        key=lambda c: (c.document.text if c.document else "", c.citing.text if c.citing else ""),
    )

    incoming: dict[Node, list[Node]] = {}
    for subject, predicate in graph.subject_predicates(this):
        if predicate not in (target_p, cites_p, aligns_p, DCTERMS.isPartOf, RDF.type) and subject != this:
            incoming.setdefault(predicate, []).append(subject)
    incoming_rows = [
        Row(labels.value(p), sorted((labels.value(s) for s in subjects), key=lambda v: natural_key(v.text)))
        for p, subjects in sorted(incoming.items(), key=lambda item: str(item[0]))
    ]

    return ResourceView(
        iri=iri,
        title=labels.label(this),
        types=[labels.value(t) for t in sorted(graph.objects(this, RDF.type), key=str)],
        rows=ordered_rows,
        ancestors=ancestors,
        parts=parts,
        citations_made=made,
        cited_by=received,
        incoming=incoming_rows,
        trace_path=trace_path(iri, base_iri),
    )


def trace_path(iri: str, base_iri: str) -> str | None:
    """The trace page of a principle or goal of a framework (`{base}id/framework/{slug}/{notation}`)."""
    rest = iri[len(base_iri) :].split("/") if iri.startswith(base_iri) else []
    if len(rest) == 4 and rest[:2] == ["id", "framework"] and all(rest[2:]):
        return f"trace/{rest[2]}/{rest[3]}"
    return None


_FIRST: list[Node] = [
    SKOS.prefLabel,
    DCTERMS.title,
    SKOS.notation,
    SKOS.definition,
    SKOS.inScheme,
    DCTERMS.isPartOf,
]


def _predicate_order(predicate: Node) -> tuple[int, str]:
    return (_FIRST.index(predicate) if predicate in _FIRST else len(_FIRST), str(predicate))


def _value_order(node: Node) -> tuple[str, str]:
    return (getattr(node, "language", None) or "", str(node))


# ------------------------------------------------------------------------------------------------
# The ontology and the shapes, for their pages
# ------------------------------------------------------------------------------------------------


@dataclass
class TermRow:
    name: str
    values: list[Value]


@dataclass
class TermView:
    name: str
    label: str
    other_label: str
    comment: str
    rows: list[TermRow]


@dataclass
class TermSection:
    title: str
    terms: list[TermView]


OWL = "http://www.w3.org/2002/07/owl#"
SECTIONS = (
    ("classes", (OWL + "Class",)),
    (
        "properties",
        (
            OWL + "ObjectProperty",
            OWL + "DatatypeProperty",
            OWL + "AnnotationProperty",
            "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property",
        ),
    ),
    ("datatypes", ("http://www.w3.org/2000/01/rdf-schema#Datatype",)),
    ("individuals", (OWL + "NamedIndividual",)),
)


def ontology_sections(
    graph: Graph, *, base_iri: str, language: str, titles: dict[str, str], link: Callable[[str], str | None]
) -> list[TermSection]:
    """Every ikg: term, grouped into classes, properties, datatypes and the other named terms."""
    namespace = base_iri + "ontology#"
    labels = Labeller(graph, language, link)
    other_language = "en" if language == "sv" else "sv"
    terms = sorted(
        {s for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(namespace)}, key=str
    )
    placed: set[URIRef] = set()
    sections: list[TermSection] = []
    for key, types in SECTIONS + (("other", ()),):
        members = [
            t
            for t in terms
            if t not in placed and (not types or any((t, RDF.type, URIRef(k)) in graph for k in types))
        ]
        if key == "individuals":
            members = [
                t
                for t in terms
                if t not in placed and any(str(c).startswith(namespace) for c in graph.objects(t, RDF.type))
            ] + members
        views = []
        for term in dict.fromkeys(members):
            placed.add(term)
            rows = [
                TermRow(
                    labels.label(p),
                    [labels.value(o) for o in sorted(graph.objects(term, p), key=_value_order)],
                )
                for p in sorted(set(graph.predicates(term)), key=str)
                if p not in (RDFS.label, RDFS.comment, RDFS.isDefinedBy)
            ]
            other = Labeller(graph, other_language, link)
            views.append(
                TermView(
                    name=str(term)[len(namespace) :],
                    label=labels.label(term),
                    other_label=other.label(term) if other.label(term) != labels.label(term) else "",
                    comment=labels.in_language(graph.objects(term, RDFS.comment)) or "",
                    rows=rows,
                )
            )
        if views:
            sections.append(TermSection(titles.get(key, key), views))
    return sections


@dataclass
class ShapePropertyView:
    path: str
    constraints: str
    message: str


@dataclass
class ShapeView:
    name: str
    anchor: str
    targets: list[str]
    message: str
    properties: list[ShapePropertyView]


SH = "http://www.w3.org/ns/shacl#"


def shapes_view(graph: Graph, language: str, short: Callable[[str], str]) -> list[ShapeView]:
    """The node shapes, each with its targets and its property constraints, for the /shapes page."""
    sh = lambda name: URIRef(SH + name)  # noqa: E731
    labels = Labeller(graph, language, lambda iri: None)

    def text(node: Node) -> str:
        if isinstance(node, URIRef):
            return short(str(node))
        if isinstance(node, BNode):
            items = list(graph.items(node))
            if items:
                return " | ".join(text(i) for i in items)
            return ", ".join(f"{short(str(p))} {text(o)}" for p, o in graph.predicate_objects(node))
        return str(node)

    views: list[ShapeView] = []
    for shape in sorted(set(graph.subjects(RDF.type, sh("NodeShape"))), key=str):
        targets = [
            text(t)
            for p in ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf")
            for t in graph.objects(shape, sh(p))
        ]
        properties = []
        for prop in graph.objects(shape, sh("property")):
            path = graph.value(prop, sh("path"))
            constraints = [
                f"{str(p)[len(SH) :]} {text(o)}"
                for p, o in sorted(graph.predicate_objects(prop))
                if str(p).startswith(SH)
                and str(p)[len(SH) :]
                not in ("path", "message", "name", "description", "severity", "order", "group")
            ]
            properties.append(
                ShapePropertyView(
                    path=text(path) if path is not None else "",
                    constraints="; ".join(constraints),
                    message=labels.in_language(graph.objects(prop, sh("message"))) or "",
                )
            )
        properties.sort(key=lambda p: p.path)
        name = short(str(shape)) if isinstance(shape, URIRef) else "[]"
        views.append(
            ShapeView(
                name=name,
                anchor=re.sub(r"[^A-Za-z0-9_-]", "-", name),
                targets=targets,
                message=labels.in_language(graph.objects(shape, sh("message"))) or "",
                properties=properties,
            )
        )
    return views
