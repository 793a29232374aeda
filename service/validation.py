"""SHACL validation of graph data against shapes/integration.ttl, with reports a person can read.

Used by the build (every data file), the `validate` command and `POST /validate`. The ontology is
given to pyshacl as its ontology graph with RDFS inference, so a shape targeting ikg:PolicyDocument
also checks an ikg:Strategy.

validate_graph runs service/shacl.py's engine, which gives pyshacl's results (as pyshacl is run
here) from SPARQL queries over a pyoxigraph store; when the shapes use something that engine does
not implement, it runs pyshacl itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from pyshacl import validate as pyshacl_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.plugins.sparql import processor as sparql_processor
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.sparql import Query

SHAPES_FILE = "integration.ttl"


@dataclass(frozen=True)
class ValidationResult:
    """One violation (or warning) found by the shapes."""

    severity: str  # "Violation", "Warning" or "Info"
    focus_node: str
    path: str | None
    value: str | None
    messages: dict[str, str]  # language → message
    constraint: str
    shape: str

    def message(self, language: str = "en") -> str:
        return (
            self.messages.get(language)
            or self.messages.get("en")
            or next(iter(self.messages.values()), self.constraint)
        )


@dataclass
class ValidationReport:
    """The outcome of one validation: conforms or not, the results, and the SHACL report graph."""

    conforms: bool
    results: list[ValidationResult] = field(default_factory=list)
    graph: Graph = field(default_factory=Graph)
    checked_shapes: int = 0

    @property
    def violations(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Violation"]

    def text(self, language: str = "en", label: str = "") -> str:
        """A report for a person: one block per problem, grouped by the resource it is about."""
        head = f"{label}: " if label else ""
        sv = language == "sv"
        if self.conforms and not self.results:
            if sv:
                return f"{head}uppfyller formerna ({self.checked_shapes} former kontrollerade)"
            return f"{head}conforms ({self.checked_shapes} shapes checked)"
        others = len(self.results) - len(self.violations)
        if sv:
            verdict = "uppfyller formerna, med anmärkningar" if self.conforms else "uppfyller inte formerna"
            counts = f"{len(self.violations)} fel, {others} övriga"
        else:
            verdict = "conforms, with notes" if self.conforms else "does not conform"
            counts = f"{len(self.violations)} violation(s), {others} other"
        lines = [f"{head}{verdict}: {counts}"]
        by_focus: dict[str, list[ValidationResult]] = {}
        for result in self.results:
            by_focus.setdefault(result.focus_node, []).append(result)
        for focus, results in sorted(by_focus.items()):
            lines.append(f"  {focus}")
            for r in sorted(results, key=lambda r: (r.path or "", r.constraint)):
                where = f" [{_short(r.path)}]" if r.path else ""
                value = f" ({'värde' if sv else 'value'}: {r.value})" if r.value else ""
                severity = SEVERITY_SV.get(r.severity, r.severity) if sv else r.severity
                lines.append(f"    {severity}{where}: {r.message(language)}{value}")
        return "\n".join(lines)


SEVERITY_SV = {"Violation": "Fel", "Warning": "Varning", "Info": "Information"}


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


def ontology_graph(ontology_dir: Path) -> Graph:
    graph = Graph()
    for path in sorted(ontology_dir.glob("*.ttl")):
        graph += load_graph(path)
    return graph


@lru_cache(maxsize=1024)
def _prepared_query(text: str, base: str | None, namespaces: tuple[tuple[str, str], ...]) -> Query:
    return translateQuery(parseQuery(text), base, dict(namespaces))


def _install_query_cache() -> None:
    """Parse each SPARQL text once per process instead of once per focus node.

    pyshacl runs a SPARQL-based constraint component's query (shapes/integration.ttl) once per focus
    node, and rdflib parses the text anew every time: measured at 1 000 focus nodes, parsing was
    ~85 % of a validation, evaluation ~5 %. The parsed and translated query is rdflib's own
    reusable form (what `prepareQuery` returns), keyed by the text, the base and the namespaces, so
    the answers are those of rdflib parsing it again.
    """
    original = sparql_processor.SPARQLProcessor.query
    if getattr(original, "cached_parse", False):
        return

    def query(self, strOrQuery, initBindings=None, initNs=None, base=None, DEBUG=False):  # noqa: N803
        if isinstance(strOrQuery, str):
            namespaces = tuple(sorted((str(k), str(v)) for k, v in (initNs or {}).items()))
            strOrQuery = _prepared_query(strOrQuery, base, namespaces)
        return original(self, strOrQuery, initBindings, initNs, base, DEBUG)

    query.cached_parse = True  # type: ignore[attr-defined]
    sparql_processor.SPARQLProcessor.query = query  # type: ignore[method-assign]


_install_query_cache()


def validate_graph(
    data: Graph, *, shapes: Graph, ontology: Graph, focus_nodes: Sequence[URIRef] | None = None
) -> ValidationReport:
    """Validate `data`; with focus_nodes, report (and judge conformance) only on those resources.

    The results are those of the whole graph, filtered: pyshacl's own focus_nodes option also
    filters inside nested shapes, which breaks sh:qualifiedValueShape checks. The engine in
    service/shacl.py gives them (evaluating only what the focus nodes need); pyshacl when the
    shapes or the data use something the engine does not implement.
    """
    if focus_nodes is not None and not focus_nodes:
        return ValidationReport(conforms=True, checked_shapes=count_shapes(shapes))
    from .shacl import Unsupported, validate_store

    try:
        compiled = _compiled(shapes)
        store = _store_of(data)
        return validate_store(
            store,
            compiled,
            ontology,
            focus_nodes=None if focus_nodes is None else [str(n) for n in focus_nodes],
        )
    except Unsupported:
        return validate_graph_with_pyshacl(data, shapes=shapes, ontology=ontology, focus_nodes=focus_nodes)


_COMPILED: dict[int, tuple[Graph, int, object]] = {}


def _compiled(shapes: Graph):  # type: ignore[no-untyped-def]
    """The shapes compiled once per graph (and again if it changed; pyshacl adds two triples to it)."""
    from .shacl import compile_shapes

    entry = _COMPILED.get(id(shapes))
    if entry is None or entry[0] is not shapes or entry[1] != len(shapes):
        entry = (shapes, len(shapes), compile_shapes(shapes))
        _COMPILED.clear()
        _COMPILED[id(shapes)] = entry
    return entry[2]


DATA_GRAPH = ox.NamedNode("urn:x-integration-kg:data")


def _store_of(data: Graph) -> ox.Store:
    """The graph in an in-memory pyoxigraph store (blank nodes keep their labels where pyoxigraph
    accepts them, so results name them as pyshacl would)."""
    from .rdfterms import to_oxigraph
    from .shacl import UnsupportedData

    blank: dict[BNode, ox.BlankNode] = {}

    def term(node):  # type: ignore[no-untyped-def]
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
        quad = ox.Quad(term(s), term(p), term(o), DATA_GRAPH)
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
        shacl_graph=shapes,
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


def read_results(report: Graph) -> Iterable[ValidationResult]:
    for node in report.subjects(RDF.type, SH.ValidationResult):
        messages: dict[str, str] = {}
        for message in report.objects(node, SH.resultMessage):
            if isinstance(message, Literal):
                messages.setdefault(message.language or "en", str(message))
        severity = report.value(node, SH.resultSeverity)
        path = report.value(node, SH.resultPath)
        value = report.value(node, SH.value)
        yield ValidationResult(
            severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
            focus_node=str(report.value(node, SH.focusNode)),
            path=str(path) if isinstance(path, URIRef) else None,
            value=str(value) if value is not None else None,
            messages=messages,
            constraint=str(report.value(node, SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
            shape=str(report.value(node, SH.sourceShape)),
        )


def count_shapes(shapes: Graph) -> int:
    return len(
        set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape))
    )


_PREFIXES = {
    "https://w3id.org/integration-kg/ontology#": "ikg:",
    "http://www.w3.org/2004/02/skos/core#": "skos:",
    "http://purl.org/dc/terms/": "dcterms:",
    "http://www.w3.org/ns/prov#": "prov:",
    "http://www.w3.org/ns/org#": "org:",
    "http://www.w3.org/2002/07/owl#": "owl:",
}


def _short(iri: str) -> str:
    for namespace, prefix in _PREFIXES.items():
        if iri.startswith(namespace):
            return prefix + iri[len(namespace) :]
    return iri
