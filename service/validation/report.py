"""The report of a validation: results a person can read (in Swedish or English) and the SHACL
report graph."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from ..rdfterms import to_rdflib
from .results import Result
from .shapes import CompiledShapes


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


def build_report(shapes: CompiledShapes, kept: list[tuple[Result, Result | None]]) -> ValidationReport:
    """The ValidationReport: results as service.validation.read_results would read them from the
    report graph, and that graph (sh:detail under a kept parent, sh:result otherwise)."""
    graph = Graph(bind_namespaces="core")
    for prefix, namespace in shapes.graph.namespace_manager.namespaces():
        graph.namespace_manager.bind(prefix, namespace)
    report = BNode()
    graph.add((report, RDF.type, SH.ValidationReport))
    kept_ids = {id(r) for r, _ in kept}
    nodes: dict[int, BNode] = {}
    copied: set[Node] = set()

    def copy_from_shapes(node: Node) -> Node:
        if isinstance(node, BNode) and node not in copied:  # nested shapes and paths, with their triples
            copied.add(node)
            for p, o in shapes.graph.predicate_objects(node):
                graph.add((node, p, copy_from_shapes(o)))
        return node

    results: list[ValidationResult] = []
    for result, parent in kept:
        node = BNode()
        nodes[id(result)] = node
        if parent is not None and id(parent) in kept_ids:
            graph.add((nodes[id(parent)], SH.detail, node))
        else:
            graph.add((report, SH.result, node))
        graph.add((node, RDF.type, SH.ValidationResult))
        graph.add((node, SH.focusNode, to_rdflib(result.focus)))
        graph.add((node, SH.resultSeverity, result.severity))
        graph.add((node, SH.sourceConstraintComponent, copy_from_shapes(result.component)))
        graph.add((node, SH.sourceShape, copy_from_shapes(result.shape.node)))
        path = result.path
        if isinstance(path, (ox.NamedNode, ox.BlankNode, ox.Literal)):
            path = to_rdflib(path)
        if path is not None:
            graph.add((node, SH.resultPath, copy_from_shapes(path)))
        if result.value is not None:
            graph.add((node, SH.value, to_rdflib(result.value)))
        if result.source_constraint is not None:
            graph.add((node, SH.sourceConstraint, copy_from_shapes(result.source_constraint)))
        messages: dict[str, str] = {}
        for m in result.messages:
            graph.add((node, SH.resultMessage, m))
            if isinstance(m, Literal):
                messages.setdefault(m.language or "en", str(m))
        results.append(
            ValidationResult(
                severity=str(result.severity).rsplit("#", 1)[-1],
                focus_node=result.focus.value,
                path=str(path) if isinstance(path, URIRef) else None,
                value=result.value.value if result.value is not None else None,
                messages=messages,
                constraint=str(result.component).rsplit("#", 1)[-1],
                shape=str(result.shape.node),
            )
        )
    conforms = not any(r.severity == "Violation" for r in results)
    graph.add((report, SH.conforms, Literal(conforms)))
    return ValidationReport(conforms=conforms, results=results, graph=graph, checked_shapes=shapes.count)
