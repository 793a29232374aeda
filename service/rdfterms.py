"""Moving RDF terms between pyoxigraph (the store, the parser) and rdflib (pyshacl, serialisers)."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value, datatype=None if datatype == XSD_STRING else URIRef(datatype))
    raise TypeError(f"no rdflib form for {term!r}")


def to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"no pyoxigraph form for {term!r}")


def graph_of(quads: Iterable[ox.Quad | ox.Triple], graph: Graph | None = None) -> Graph:
    """The triples of these quads in one rdflib Graph (graph names dropped)."""
    graph = Graph() if graph is None else graph
    add = graph.add
    for quad in quads:
        add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
    return graph


def dataset_of(quads: Iterable[ox.Quad]) -> Dataset:
    """The quads in an rdflib Dataset, named graphs kept."""
    dataset = Dataset()
    for quad in quads:
        name = quad.graph_name
        context = (
            dataset.default_graph if isinstance(name, ox.DefaultGraph) else dataset.graph(URIRef(name.value))
        )
        context.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
    return dataset
