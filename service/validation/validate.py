"""Validating an rdflib graph: the engine on an in-memory store, pyshacl where the engine cannot answer.

The ontology is given as pyshacl's ontology graph with RDFS inference, so a shape targeting
ikg:PolicyDocument also checks an ikg:Strategy.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from pyshacl import validate as pyshacl_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from ..rdfterms import to_oxigraph
from .compile import compile_shapes
from .report import ValidationReport, build_report, count_shapes, read_results
from .results import Result
from .run import ValidationRun
from .shapes import CompiledShapes, Term, Unsupported, UnsupportedData

SHAPES_FILE = "integration.ttl"


@lru_cache(maxsize=4)
def _load_turtle(path: Path, mtime: float) -> Graph:
    graph = Graph()
    graph.parse(path, format="turtle")
    return graph


def load_graph(path: Path) -> Graph:
    """A Turtle file as an rdflib Graph, parsed once per modification (shapes, ontology)."""
    return _load_turtle(path, path.stat().st_mtime)


def shapes_graph(shapes_dir: Path) -> Graph:
    return load_graph(shapes_dir / SHAPES_FILE)


@lru_cache(maxsize=2)
def _compiled_file(path: Path, mtime: float) -> CompiledShapes:
    return compile_shapes(_load_turtle(path, mtime))


def compiled_shapes(shapes_dir: Path) -> CompiledShapes:
    """shapes/integration.ttl compiled for the engine, once per modification (for callers that
    validate one graph after another: the `validate` command, POST /validate)."""
    path = shapes_dir / SHAPES_FILE
    return _compiled_file(path, path.stat().st_mtime)


def ontology_graph(ontology_dir: Path) -> Graph:
    graph = Graph()
    for path in sorted(ontology_dir.glob("*.ttl")):
        graph += load_graph(path)
    return graph


def validate_graph(
    data: Graph,
    *,
    shapes: Graph | CompiledShapes,
    ontology: Graph,
    focus_nodes: Sequence[URIRef] | None = None,
) -> ValidationReport:
    """Validate `data`; with focus_nodes, report (and judge conformance) only on those resources.

    The results are those of the whole graph, filtered: pyshacl's own focus_nodes option also
    filters inside nested shapes, which breaks sh:qualifiedValueShape checks. The engine gives them
    (evaluating only what the focus nodes need); pyshacl when the shapes or the data use something
    the engine does not implement. `shapes` may be compiled already (compile_shapes), which a caller
    validating many graphs against the same shapes does once.
    """
    shapes_as_graph = shapes.graph if isinstance(shapes, CompiledShapes) else shapes
    if focus_nodes is not None and not focus_nodes:
        return ValidationReport(conforms=True, checked_shapes=count_shapes(shapes_as_graph))
    try:
        compiled = shapes if isinstance(shapes, CompiledShapes) else compile_shapes(shapes)
        return validate_store(
            store_of(data),
            compiled,
            ontology,
            focus_nodes=None if focus_nodes is None else [str(n) for n in focus_nodes],
        )
    except Unsupported:
        return validate_graph_with_pyshacl(
            data, shapes=shapes_as_graph, ontology=ontology, focus_nodes=focus_nodes
        )


DATA_GRAPH = ox.NamedNode("urn:x-integration-kg:data")


def store_of(data: Graph) -> ox.Store:
    """The graph in an in-memory pyoxigraph store (blank nodes keep their labels where pyoxigraph
    accepts them, so results name them as pyshacl would)."""
    blank: dict[BNode, ox.BlankNode] = {}

    def term(node: Node) -> Term:
        if isinstance(node, BNode):
            if node not in blank:
                try:
                    blank[node] = ox.BlankNode(str(node))
                except ValueError:
                    blank[node] = ox.BlankNode()
            return blank[node]
        return to_oxigraph(node)

    quads = []
    literals: set[ox.Literal] = set()
    for s, p, o in data:
        if isinstance(s, Literal) or not isinstance(p, URIRef):
            raise UnsupportedData("a literal subject or a non-IRI predicate in the data graph")
        subject, predicate = term(s), term(p)
        assert not isinstance(subject, ox.Literal) and isinstance(predicate, ox.NamedNode)
        quad = ox.Quad(subject, predicate, term(o), DATA_GRAPH)
        if isinstance(quad.object, ox.Literal):
            literals.add(quad.object)
        quads.append(quad)
    store = ox.Store()
    store.extend(quads)
    # A store keeps numbers and booleans in canonical form ("0.0"^^xsd:decimal comes back "0",
    # "1"^^xsd:boolean "true"): then pyshacl, which sees the graph as written, is the reference.
    if any(isinstance(q.object, ox.Literal) and q.object not in literals for q in store):
        raise UnsupportedData("literals the store would write in canonical form")
    return store


def validate_graph_with_pyshacl(
    data: Graph, *, shapes: Graph, ontology: Graph, focus_nodes: Sequence[URIRef] | None = None
) -> ValidationReport:
    """validate_graph with pyshacl itself (the reference the engine is tested against)."""
    if focus_nodes is not None and not focus_nodes:
        return ValidationReport(conforms=True, checked_shapes=count_shapes(shapes))
    _, report_graph, _ = pyshacl_validate(
        data,
        shacl_graph=Graph() + shapes,  # a copy: pyshacl adds triples to the shapes graph it is given
        ont_graph=ontology,
        inference="rdfs",
        advanced=True,
        allow_warnings=True,
    )
    results = list(read_results(report_graph))
    if focus_nodes is not None:
        wanted = {str(node) for node in focus_nodes}
        results = [r for r in results if r.focus_node in wanted]
    # Conformance is judged here, not by pyshacl: with allow_warnings it still reports a graph
    # whose only results are warnings from SPARQL-based components as not conforming.
    conforms = not any(r.severity == "Violation" for r in results)
    return ValidationReport(
        conforms=conforms, results=results, graph=report_graph, checked_shapes=count_shapes(shapes)
    )


def validate_store(
    store: ox.Store, shapes: CompiledShapes, ontology: Graph, *, focus_nodes: Collection[str] | None = None
) -> ValidationReport:
    """Validate the union of all graphs of `store`, with `ontology` mixed in and RDFS entailment, as
    pyshacl validates it (see the module docstring). With focus_nodes (IRIs), only results whose focus
    node is one of them, evaluating only what they need. Scratch graphs are removed before returning."""
    if focus_nodes is not None and not focus_nodes:
        return ValidationReport(conforms=True, checked_shapes=shapes.count)
    run = ValidationRun(store, shapes, ontology, focus_nodes)
    try:
        results = run.execute()
    finally:
        run.cleanup()
    flat: list[tuple[Result, Result | None]] = []

    def flatten(result: Result, parent: Result | None) -> None:
        flat.append((result, parent))
        for detail in result.details:
            flatten(detail, result)

    for result in results:
        flatten(result, None)
    if focus_nodes is not None:
        wanted = set(focus_nodes)
        kept = [(r, p) for r, p in flat if isinstance(r.focus, ox.NamedNode) and r.focus.value in wanted]
    else:
        kept = flat
    return build_report(shapes, kept)
