"""The compiled shapes: what compile.py makes of a shapes graph and run.py evaluates, and the
refusals (Unsupported) that send a validation to pyshacl."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeAlias

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

# The terms a validation deals with: RDF 1.1 (the build and /validate refuse RDF 1.2 triple terms).
Term: TypeAlias = ox.NamedNode | ox.BlankNode | ox.Literal

RESERVED_PREFIX = "urn:x-integration-kg:validation:"
ONTOLOGY_GRAPH = ox.NamedNode(RESERVED_PREFIX + "ontology")
ENTAILED_GRAPH = ox.NamedNode(RESERVED_PREFIX + "entailed")
SETS_GRAPH = ox.NamedNode(RESERVED_PREFIX + "sets")
MEMBER = ox.NamedNode(RESERVED_PREFIX + "member")

# Queries run on this many threads: pyoxigraph evaluates without the GIL, so two threads use two cores.
WORKERS = max(1, min(4, os.cpu_count() or 1))
ALLOWED_SEVERITIES = frozenset({SH.Warning, SH.Info})  # allow_warnings=True, as validate_graph runs pyshacl
GENERIC_COMPONENT_MESSAGE = Literal("Parameterised SHACL Query generated constraint validation reports.")
PYSHACL_DEFAULT_PREFIXES = {"rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL)}

XSD_STRING = ox.NamedNode(str(XSD.string))
RDF_TYPE = ox.NamedNode(str(RDF.type))
RDFS_RESOURCE = str(RDFS.Resource)
RDF_PROPERTY = str(RDF.Property)


class Unsupported(Exception):
    """The engine cannot give pyshacl's answer; the caller should use pyshacl instead."""


class UnsupportedShapes(Unsupported):
    """The shapes use something the engine does not implement; `problems` names each, with its shape."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("the SHACL engine does not support: " + "; ".join(self.problems))


class UnsupportedData(Unsupported):
    """The data makes RDFS statements about RDFS itself (a sub-property of rdf:type, a range of
    rdfs:subClassOf, …), whose entailments the engine does not compute."""


# =============================================================================================
# The compiled shapes
# =============================================================================================


@dataclass(frozen=True)
class PathStep:
    """A SHACL property path, as pyshacl follows it (helper/expression_helper.py)."""

    kind: str  # "iri", "inverse", "sequence", "alternative", "zeroOrMore", "oneOrMore", "zeroOrOne"
    iri: str | None = None
    parts: tuple[PathStep, ...] = ()


@dataclass(frozen=True)
class Targets:
    nodes: tuple[ox.NamedNode | ox.Literal, ...] = ()
    classes: tuple[str, ...] = ()
    subjects_of: tuple[str, ...] = ()
    objects_of: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.nodes or self.classes or self.subjects_of or self.objects_of)


@dataclass(frozen=True)
class SparqlQuery:
    """A SPARQL validator's or sh:sparql constraint's SELECT, prepared for set-at-a-time runs."""

    node: Node  # the validator or the sh:sparql node
    prologue: str  # PREFIX lines as pyshacl writes them
    projection: tuple[str, ...]  # variables the original SELECT projects
    projection_text: str  # the original projection, expressions included
    body_tokens: tuple[str, ...]  # the outer group's contents, parameters not yet substituted (MINUS form)
    binds_this: bool
    binds_value: bool  # pyshacl pre-binds ?value (the query mentions it)
    binds_current_shape: bool
    uses_path: bool


@dataclass(eq=False)
class Constraint:
    """One constraint of a shape: a SHACL Core parameter (with its values) or a SPARQL constraint."""

    kind: str  # class, datatype, nodeKind, minCount, maxCount, range, length, pattern, languageIn,
    # uniqueLang, in, hasValue, node, property, or, and, xone, not, qualified, sparql, component
    component: Node
    value: object = None  # the parameter, as each kind wants it
    shapes: tuple[Shape, ...] = ()  # shape-expecting kinds
    custom: bool = False  # a SPARQL-based constraint component (conformance rules differ)
    query: SparqlQuery | None = None
    parameters: tuple[tuple[str, Node], ...] = ()  # component parameters bound for this shape
    messages: tuple[Literal, ...] = ()  # sh:sparql's own messages


@dataclass(eq=False)
class Shape:
    node: Node
    is_property: bool
    path_node: Node | None
    path: PathStep | None
    severity: URIRef
    messages: tuple[Node, ...]
    deactivated: bool
    targets: Targets
    constraints: list[Constraint] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(self.node) if isinstance(self.node, URIRef) else f"_:{self.node} (a blank-node shape)"

    def is_value_local(self) -> bool:
        """Conformance of a node depends only on the node (no path, no nested reports to keep)."""
        if self.deactivated or self.severity in ALLOWED_SEVERITIES:
            return True
        return not self.is_property and all(
            c.kind in VALUE_LOCAL_KINDS and all(s.is_value_local() for s in c.shapes)
            for c in self.constraints
        )


VALUE_LOCAL_KINDS = frozenset(
    {
        "class",
        "datatype",
        "nodeKind",
        "in",
        "hasValue",
        "languageIn",
        "length",
        "pattern",
        "range",
        "or",
        "and",
        "xone",
        "not",
    }
)


@dataclass
class CompiledShapes:
    """What compile_shapes makes of a shapes graph; validate_store runs it."""

    graph: Graph
    shapes: list[Shape]  # every shape, in a stable order
    top_level: list[Shape]  # the shapes with targets
    count: int  # sh:NodeShape and sh:PropertyShape subjects, as service.validation.count_shapes counts


COMPONENTS = {
    SH["class"]: SH.ClassConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent,
    SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent,
    SH.minExclusive: SH.MinExclusiveConstraintComponent,
    SH.minInclusive: SH.MinInclusiveConstraintComponent,
    SH.maxExclusive: SH.MaxExclusiveConstraintComponent,
    SH.maxInclusive: SH.MaxInclusiveConstraintComponent,
    SH["not"]: SH.NotConstraintComponent,
    SH["and"]: SH.AndConstraintComponent,
    SH["or"]: SH.OrConstraintComponent,
    SH.xone: SH.XoneConstraintComponent,
    SH.minLength: SH.MinLengthConstraintComponent,
    SH.maxLength: SH.MaxLengthConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent,
    SH.languageIn: SH.LanguageInConstraintComponent,
    SH.uniqueLang: SH.UniqueLangConstraintComponent,
    SH.node: SH.NodeConstraintComponent,
    SH.property: SH.PropertyConstraintComponent,
    SH["in"]: SH.InConstraintComponent,
    SH.hasValue: SH.HasValueConstraintComponent,
    SH.sparql: SH.SPARQLConstraintComponent,
}
# Parameters pyshacl knows and this engine refuses (they are not used by our shapes).
REFUSED_PARAMETERS = {
    SH.equals: "sh:equals",
    SH.disjoint: "sh:disjoint",
    SH.lessThan: "sh:lessThan",
    SH.lessThanOrEquals: "sh:lessThanOrEquals",
    SH.closed: "sh:closed",
    SH.ignoredProperties: "sh:ignoredProperties",
    SH.expression: "sh:expression (SHACL-AF node expressions)",
    SH.js: "sh:js (SHACL-JS)",
}
QUALIFIED_PARAMETERS = {
    SH.qualifiedValueShape,
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
    SH.qualifiedValueShapesDisjoint,
}
SHAPE_REFERENCES = (SH.node, SH.property, SH["not"], SH.qualifiedValueShape)
SHAPE_LIST_REFERENCES = (SH["and"], SH["or"], SH.xone)
NODE_KINDS = {SH.IRI, SH.BlankNode, SH.Literal, SH.BlankNodeOrIRI, SH.BlankNodeOrLiteral, SH.IRIOrLiteral}
RANGE_KINDS = {
    SH.minExclusive: "minExclusive",
    SH.minInclusive: "minInclusive",
    SH.maxExclusive: "maxExclusive",
    SH.maxInclusive: "maxInclusive",
}
RDFS_META_PROPERTIES = frozenset(
    str(p) for p in (RDF.type, RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range)
)


def pyshacl_path(step: PathStep, top: bool = True) -> str:
    """The path as pyshacl's shacl_path_to_sparql_path writes it for $PATH (full IRIs)."""
    if step.kind == "iri":
        return f"<{step.iri}>"
    if step.kind == "inverse":
        return "^" + pyshacl_path(step.parts[0], False)
    if step.kind in ("sequence", "alternative"):
        text = (" / " if step.kind == "sequence" else " | ").join(pyshacl_path(p, False) for p in step.parts)
        return text if top else f"({text})"
    suffix = {"zeroOrMore": "*", "oneOrMore": "+", "zeroOrOne": "?"}[step.kind]
    return pyshacl_path(step.parts[0], False) + suffix


def admitted_iris(shape: Shape) -> frozenset[str] | None:
    """When a node conforms to this nested shape only if it is one of the IRIs of its sh:in, those."""
    if shape.deactivated or shape.severity in ALLOWED_SEVERITIES or not shape.is_value_local():
        return None
    for c in shape.constraints:
        if c.kind == "in":
            assert isinstance(c.value, tuple)
            if all(isinstance(t, ox.NamedNode) for t in c.value):
                return frozenset(t.value for t in c.value)
    return None


def is_type_path(step: PathStep) -> bool:
    return step.kind == "iri" and step.iri == str(RDF.type)


def plain_class_check(shape: Shape) -> bool:
    """A nested shape that is just `[ sh:class C ]`, judged as a Violation."""
    return (
        not shape.is_property
        and not shape.deactivated
        and shape.severity not in ALLOWED_SEVERITIES
        and len(shape.constraints) == 1
        and shape.constraints[0].kind == "class"
    )
