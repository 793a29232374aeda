"""A page of a resource read straight from the embedded store's indexes, without SPARQL.

The same triples as the describe-*.rq queries give (service/describe.py runs those over any store), read
with pyoxigraph's pattern lookups: a page then costs a fraction of nine query evaluations (each query is
parsed and planned anew, even an ASK). What links to a resource comes in the order pyoxigraph's object index gives, which is the order the describe-incoming.rq
window takes, so the two ways give the same pages (tests/test_describe_index.py holds them to it).

A resource that more than INCOMING_LIMIT statements link to (a principle, the curators, a municipality) is
left to the queries: counting and windowing tens of thousands of links is pyoxigraph's work, not Python's.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from .seam import PageTriples

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
"""An RDF term as pyoxigraph gives it (its stubs have no name for the union)."""

INCOMING_LIMIT = 2_000
"""More statements than this link to the resource: `read_page` leaves it to the queries (None)."""

_DEFAULT = ox.DefaultGraph()
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_DCTERMS = "http://purl.org/dc/terms/"
RDF_TYPE = ox.NamedNode(_RDF + "type")
RDFS_LABEL = ox.NamedNode(_RDFS + "label")
SKOS_PREF_LABEL = ox.NamedNode(_SKOS + "prefLabel")
SKOS_NOTATION = ox.NamedNode(_SKOS + "notation")
DCTERMS_TITLE = ox.NamedNode(_DCTERMS + "title")
DCTERMS_IS_PART_OF = ox.NamedNode(_DCTERMS + "isPartOf")
DCTERMS_PUBLISHER = ox.NamedNode(_DCTERMS + "publisher")
LABELS = frozenset(
    {
        SKOS_PREF_LABEL,
        RDFS_LABEL,
        DCTERMS_TITLE,
        ox.NamedNode("http://xmlns.com/foaf/0.1/name"),
        SKOS_NOTATION,
    }
)
"""What names a thing on a page (describe-linked-labels.rq, describe-incoming.rq)."""
HIERARCHY = frozenset({DCTERMS_IS_PART_OF, RDF_TYPE, SKOS_PREF_LABEL, DCTERMS_TITLE, SKOS_NOTATION})
"""What describe-hierarchy.rq says of each part above and below a resource."""


class _Vocabulary:
    """The project's own terms under the build's base IRI."""

    def __init__(self, base_iri: str) -> None:
        ikg = base_iri + "ontology#"
        self.citation = ox.NamedNode(ikg + "citation")
        self.cites = ox.NamedNode(ikg + "cites")
        self.alignment = ox.NamedNode(ikg + "alignment")
        self.aligns_with = ox.NamedNode(ikg + "alignsWith")
        # (the property to the evidence, the plain link it backs): citations, and alignments apart
        self.evidence_links = ((self.citation, self.cites), (self.alignment, self.aligns_with))
        self.target = ox.NamedNode(ikg + "target")
        self.kind = ox.NamedNode(ikg + "citationKind")


class IndexReader:
    """Reads the pages of one build's resources from its store.

    What it reads of a node (its statements) it keeps, up to `remembered` nodes: pages share their
    vocabulary, classes, documents and municipalities, and a build never changes under its reader (a new
    build is a new store, with a new reader). Each method below is the counterpart of one describe-*.rq query.
    """

    def __init__(
        self,
        store: ox.Store,
        base_iri: str,
        *,
        incoming_limit: int = INCOMING_LIMIT,
        remembered: int = 10_000,
    ) -> None:
        self.store = store
        self.vocabulary = _Vocabulary(base_iri)
        self.incoming_limit = incoming_limit
        self.remembered = remembered
        self._statements: dict[ox.NamedNode | ox.BlankNode, list[ox.Quad]] = {}
        self._forgetting = threading.Lock()  # pages are read in several threads at once

    def read_page(self, iri: str, page: int, per_page: int) -> PageTriples | None:
        """Page `page` (of `per_page` linking resources) of what the resource answers with; None when more
        than `incoming_limit` statements link to it (the queries answer). No triples when the graph does not
        know the resource or the page is past the last."""
        this = ox.NamedNode(iri)
        bound = self.incoming_limit
        store = self.store
        incoming = _incoming(store, this, bound)
        if incoming is None:
            return None
        own = self.out(this)
        if not own and not incoming:  # describe-exists.rq
            return PageTriples(False, frozenset(), 0, 0)
        linking = _linking_subjects(incoming)  # describe-linking-count.rq
        citations = sum(1 for quad in incoming if quad.predicate == self.vocabulary.target) if linking else 0
        start = (page - 1) * per_page
        if page > 1 and start >= len(linking):
            return PageTriples(True, frozenset(), len(linking), citations)
        window = linking[start : start + per_page]
        triples: set[ox.Triple] = set()
        self.description(own, triples)
        self.linked_labels(own, triples)
        self.citations_made(this, own, triples)
        self.hierarchy(this, triples)
        self.incoming(window, incoming, triples)
        self.citations_received(this, window, triples)
        return PageTriples(True, frozenset(triples), len(linking), citations)

    def out(self, subject: ox.NamedNode | ox.BlankNode) -> list[ox.Quad]:
        """Every statement of the subject in the default graph."""
        found = self._statements.get(subject)
        if found is None:
            found = list(self.store.quads_for_pattern(subject, None, None, _DEFAULT))
            with self._forgetting:
                while len(self._statements) >= self.remembered:
                    del self._statements[next(iter(self._statements))]  # the oldest first
                self._statements[subject] = found
        return found

    def objects(self, subject: ox.NamedNode | ox.BlankNode, predicate: ox.NamedNode) -> list[Term]:
        return [quad.object for quad in self.out(subject) if quad.predicate == predicate]

    # describe-description.rq
    def description(self, own: list[ox.Quad], triples: set[ox.Triple]) -> None:
        for quad in own:
            triples.add(quad.triple)
            if isinstance(quad.object, ox.BlankNode):
                triples.update(q.triple for q in self.out(quad.object))

    # describe-linked-labels.rq
    def linked_labels(self, own: list[ox.Quad], triples: set[ox.Triple]) -> None:
        linked = dict.fromkeys(quad.predicate for quad in own)
        linked.update(dict.fromkeys(quad.object for quad in own if isinstance(quad.object, ox.NamedNode)))
        for node in linked:
            self._labels_of(node, triples)

    def _labels_of(self, node: ox.NamedNode | ox.BlankNode, triples: set[ox.Triple]) -> None:
        triples.update(quad.triple for quad in self.out(node) if quad.predicate in LABELS)

    # describe-citations-made.rq, and (for each citing resource) describe-citations-received.rq: the
    # citations (ikg:citation → ikg:cites) and, the same way, the alignments (ikg:alignment → ikg:alignsWith)
    def citations_made(
        self,
        citing: ox.NamedNode | ox.BlankNode,
        own: list[ox.Quad],
        triples: set[ox.Triple],
        only: Iterable[Term] | None = None,
    ) -> None:
        v = self.vocabulary
        links = {evidence: link for evidence, link in v.evidence_links}
        citations = [(quad.object, quad.predicate) for quad in own if quad.predicate in links]
        if only is not None:
            wanted = set(only)
            citations = [(c, p) for c, p in citations if c in wanted]
        for citation, evidence in citations:
            if not isinstance(citation, (ox.NamedNode, ox.BlankNode)):
                continue
            targets = self.objects(citation, v.target)
            if not targets:
                continue
            triples.add(ox.Triple(citing, evidence, citation))
            triples.update(quad.triple for quad in self.out(citation))
            for target in targets:
                triples.add(ox.Triple(citing, links[evidence], target))
                if isinstance(target, (ox.NamedNode, ox.BlankNode)):
                    triples.update(
                        quad.triple
                        for quad in self.out(target)
                        if quad.predicate == SKOS_PREF_LABEL or quad.predicate == SKOS_NOTATION
                    )
            triples.update(
                quad.triple for quad in own if quad.predicate == RDF_TYPE or quad.predicate == SKOS_PREF_LABEL
            )
            for part in [citing, *self._reachable(citing, up=True)]:
                for whole in self.objects(part, DCTERMS_IS_PART_OF):
                    triples.add(ox.Triple(part, DCTERMS_IS_PART_OF, whole))
                    if isinstance(whole, (ox.NamedNode, ox.BlankNode)):
                        triples.update(
                            quad.triple
                            for quad in self.out(whole)
                            if quad.predicate == SKOS_PREF_LABEL or quad.predicate == DCTERMS_TITLE
                        )
            for kind in self.objects(citation, v.kind):
                if isinstance(kind, (ox.NamedNode, ox.BlankNode)):
                    triples.update(quad.triple for quad in self.out(kind) if quad.predicate == RDFS_LABEL)
            for start in [citing, *(t for t in targets if isinstance(t, (ox.NamedNode, ox.BlankNode)))]:
                self._publishers(start, triples)

    def _publishers(self, start: ox.NamedNode | ox.BlankNode, triples: set[ox.Triple]) -> None:
        """Who publishes `start` or what it is part of (dcterms:isPartOf*), with their labels."""
        for node in [start, *self._reachable(start, up=True)]:
            for publisher in self.objects(node, DCTERMS_PUBLISHER):
                if not isinstance(publisher, (ox.NamedNode, ox.BlankNode)):
                    continue
                labels = [quad.triple for quad in self.out(publisher) if quad.predicate == SKOS_PREF_LABEL]
                if labels:
                    triples.add(ox.Triple(node, DCTERMS_PUBLISHER, publisher))
                    triples.update(labels)

    # describe-hierarchy.rq
    def hierarchy(self, this: ox.NamedNode, triples: set[ox.Triple]) -> None:
        for node in {
            **dict.fromkeys(self._reachable(this, up=True)),
            **dict.fromkeys(self._reachable(this, up=False)),
        }:
            triples.update(quad.triple for quad in self.out(node) if quad.predicate in HIERARCHY)

    def _reachable(
        self, start: ox.NamedNode | ox.BlankNode, *, up: bool
    ) -> Iterator[ox.NamedNode | ox.BlankNode]:
        """What `start` is part of (dcterms:isPartOf+), or what is part of it (^dcterms:isPartOf+): each once."""
        seen: set[object] = set()
        frontier = [start]
        while frontier:
            node = frontier.pop()
            if up:
                nexts = self.objects(node, DCTERMS_IS_PART_OF)
            else:
                nexts = [
                    q.subject for q in self.store.quads_for_pattern(None, DCTERMS_IS_PART_OF, node, _DEFAULT)
                ]
            for following in nexts:
                if isinstance(following, (ox.NamedNode, ox.BlankNode)) and following not in seen:
                    seen.add(following)
                    frontier.append(following)
                    yield following

    # describe-incoming.rq
    def incoming(
        self, window: list[ox.NamedNode | ox.BlankNode], incoming: list[ox.Quad], triples: set[ox.Triple]
    ) -> None:
        shown = set(window)
        linking_properties: dict[ox.NamedNode, None] = {}
        for quad in incoming:
            if quad.predicate != RDF_TYPE and quad.subject in shown:
                triples.add(quad.triple)
                linking_properties.setdefault(quad.predicate, None)
        for subject in window:
            triples.update(
                quad.triple
                for quad in self.out(subject)
                if quad.predicate == RDF_TYPE or quad.predicate in LABELS
            )
        for predicate in linking_properties:
            triples.update(quad.triple for quad in self.out(predicate) if quad.predicate == RDFS_LABEL)

    # describe-citations-received.rq
    def citations_received(
        self, this: ox.NamedNode, window: list[ox.NamedNode | ox.BlankNode], triples: set[ox.Triple]
    ) -> None:
        v = self.vocabulary
        for citation in window:
            if this not in self.objects(citation, v.target):
                continue
            for evidence, _link in v.evidence_links:
                for quad in self.store.quads_for_pattern(None, evidence, citation, _DEFAULT):
                    citing = quad.subject
                    if isinstance(citing, ox.Triple):  # RDF 1.2 triple terms: the build admits none
                        continue
                    self.citations_made(citing, self.out(citing), triples, only=(citation,))


def _incoming(store: ox.Store, this: ox.NamedNode, bound: int) -> list[ox.Quad] | None:
    """Every statement whose object is `this`, in the store's order; None when there are more than `bound`."""
    incoming = []
    for quad in store.quads_for_pattern(None, None, this, _DEFAULT):
        incoming.append(quad)
        if len(incoming) > bound:
            return None
    return incoming


def _linking_subjects(incoming: list[ox.Quad]) -> list[ox.NamedNode | ox.BlankNode]:
    """The resources that link to it by any property but rdf:type, once each, in the index's order."""
    seen: dict[ox.NamedNode | ox.BlankNode, None] = {}
    for quad in incoming:
        if quad.predicate != RDF_TYPE:
            seen.setdefault(quad.subject, None)  # type: ignore[arg-type]
    return list(seen)
