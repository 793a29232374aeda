"""Moving RDF terms between pyoxigraph (the store, the parser) and rdflib (pyshacl, serialisers)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeAlias, overload

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.query import ResultRow
from rdflib.term import Node

# pyoxigraph 0.5 names no union of its term classes (its stubs spell the unions out), so the project
# spells each once here and every module uses these.
Term: TypeAlias = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
"""Any RDF term pyoxigraph hands back: a quad's object, a query solution's value."""
Subject: TypeAlias = ox.NamedNode | ox.BlankNode | ox.Triple
"""What may stand as a quad's subject."""
GraphName: TypeAlias = ox.NamedNode | ox.BlankNode | ox.DefaultGraph
"""What may name a quad's graph."""

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def to_rdflib(term: Term) -> Node:
    """The rdflib form of a pyoxigraph term; RDF 1.2 quoted triples have none and raise TypeError."""
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
    """The pyoxigraph form of an rdflib IRI, blank node or literal."""
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


def select(
    store: ox.Store, query: str, substitutions: dict[ox.Variable, Term] | None = None
) -> ox.QuerySolutions:
    """The solutions of a SELECT query: pyoxigraph types `query()` as any of its three result forms."""
    solutions = store.query(query, substitutions=substitutions)
    if not isinstance(solutions, ox.QuerySolutions):
        raise TypeError(f"not a SELECT query: {query[:80]!r}")
    return solutions


@overload
def value_of(term: Term) -> str: ...


@overload
def value_of(term: Term | None) -> str | None: ...


def value_of(term: Term | None) -> str | None:
    """The lexical value of an IRI, blank node or literal; None for an unbound variable."""
    if term is None:
        return None
    if isinstance(term, ox.Triple):
        raise TypeError(f"a quoted triple has no single value: {term!r}")
    return term.value


def graph_select(graph: Graph, query: str) -> Iterator[ResultRow]:
    """The rows of a SELECT query over an rdflib Graph: rdflib types a result's rows as any form's."""
    for row in graph.query(query):
        if not isinstance(row, ResultRow):
            raise TypeError(f"not a SELECT query: {query[:80]!r}")
        yield row


def serialized(
    statements: Iterable[ox.Triple] | Iterable[ox.Quad],
    format: ox.RdfFormat,
    prefixes: dict[str, str] | None = None,
) -> bytes:
    """The statements serialised in memory: `ox.serialize` is typed to return None too (when it
    writes to a file instead)."""
    data = ox.serialize(statements, format=format, prefixes=prefixes)
    if data is None:
        raise TypeError("pyoxigraph wrote no bytes")
    return data
