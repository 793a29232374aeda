"""A SHACL validator over a pyoxigraph store that gives, result for result, what pyshacl gives.

The build validates the whole graph (1.45 M triples at 1 000 synthetic municipalities) with the
shapes in shapes/integration.ttl. pyshacl, with the ontology as its ontology graph, RDFS inference
and SHACL-AF, needs 2–5 s per documents file (~40 minutes in one process); this engine evaluates the same shapes as SPARQL queries
over the store the build has loaded anyway (~15–20 s on two cores; ~0.4 s for one file's resources).

"The same": the results pyshacl 0.40 reports when run as service.validation.validate_graph runs it
(`ont_graph`, `inference="rdfs"`, `advanced=True`, `allow_warnings=True`), as a multiset of
(severity, focus node, path, value, messages, constraint component, source shape), sh:detail results
included (read_results reads them too). pyshacl's quirks included: owlrl's RDFS closure (rdfs:range
types literals too, which then are focus nodes), no pre-binding of a value node rdflib finds false
("0", "", false), one report per value node for a property validator that does not mention ?value,
the element-wise inverse of a sequence path, sh:node failing on warnings, allow_warnings changing
the conformance of nested shapes, sh:sparql messages without their language.

How:
- RDFS entailment is virtual in the engine's own queries: "instance of C" is the asserted instances
  of C's subclasses plus the (usually no) nodes typed only through rdfs:domain or rdfs:range; a path
  step over p is `(p|sub-properties of p)`. SPARQL-based constraints run the shapes' own queries, so
  the entailed triples those can see (triples of the sub-properties of the predicates they use,
  types of the classes they test) are materialised into a scratch graph before they run.
- A constraint runs once over all its focus nodes, as one query returning only violations. $this
  of a SPARQL validator is joined with the focus nodes instead of pre-bound node by node; a
  `FILTER NOT EXISTS { … $this … }` over triple patterns becomes the equivalent MINUS (pyoxigraph
  plans the first per row). Nested shapes become SPARQL conditions when their constraints only look
  at the node; otherwise they are evaluated on the outer values and their non-conforming nodes come
  back as a set. Checks whose semantics are Python's (sh:pattern, value ranges, ill-typed literals)
  fetch the candidate values and decide with pyshacl's own code.
- Constraint queries run on WORKERS threads (pyoxigraph evaluates without the GIL); what two
  constraints share (a nested shape's outcome, a set of focus nodes) is computed once.
- focus_nodes: only the shapes' targets among the nodes whose results can name a focus node
  (directly, by sh:property on values, as sh:node details) are evaluated, with those sets small
  and materialised; the results are those of the whole graph, filtered.

Where it knowingly differs from pyshacl (none of it arises with our shapes and data):
- SPARQL-based constraints are evaluated by pyoxigraph, not rdflib, and the two disagree on some
  edge cases: rdflib compares an ill-typed "abc"^^xsd:integer with > as a string, pyoxigraph treats
  it as an error. (STR of a blank node, where rdflib gives the label, is rdflib's: RDFLIB_STR.)
- The types owlrl gives literals are not seen by SPARQL-based constraints (a store has no literal
  subjects); the engine's own checks see them.
- A store writes numbers and booleans in canonical form ("0.50"^^xsd:decimal as "0.5"); results
  name what the store holds. validate_graph hands a graph with such literals to pyshacl instead.
  "x"^^xsd:string and "x" are one term in a store, two for rdflib (sh:in, sh:hasValue).
- The report graph does not copy the data's description of a blank value node (pyshacl does).
- The data must not make RDFS statements about RDFS itself (a sub-property of rdf:type, …):
  UnsupportedData.
Whatever else the engine does not implement, compile_shapes refuses (UnsupportedShapes, naming the
shape and the feature), and validate_graph then runs pyshacl. Scratch data goes into named graphs
under RESERVED_PREFIX and is removed before validate_store returns, also on error.
"""

from __future__ import annotations

import os
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from itertools import count
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection as RdfList
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

from .rdfterms import to_oxigraph, to_rdflib

if TYPE_CHECKING:
    from .validation import ValidationReport

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


def _settle_literal_conversions() -> None:
    """Put rdflib's lexical conversions in the state owlrl leaves them in after its first RDFS closure.

    owlrl (which pyshacl runs for `inference="rdfs"`) installs its own converters for xsd:gYear,
    xsd:gYearMonth, xsd:gDay, … and does not take them back. Until then rdflib has none for those
    types, so pyshacl judges "2022-03-01"^^xsd:gYear well-typed in the first validation of a process
    and ill-typed in every later one. Settling the state once makes every validation judge as the
    later ones do, the engine (which asks rdflib) and pyshacl alike."""
    from owlrl.DatatypeHandling import use_Alt_lexical_conversions, use_RDFLib_lexical_conversions

    use_Alt_lexical_conversions()
    use_RDFLib_lexical_conversions()


_settle_literal_conversions()


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
    component: URIRef
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


class _Compiler:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.problems: list[str] = []
        self.shapes: dict[Node, Shape] = {}

    def refuse(self, shape_node: Node | None, feature: str) -> None:
        where = (
            ""
            if shape_node is None
            else (
                f"{shape_node}: " if isinstance(shape_node, URIRef) else f"blank-node shape _:{shape_node}: "
            )
        )
        self.problems.append(where + feature)

    # --- which nodes are shapes, and of which kind (pyshacl's shapes_graph._build_node_shape_cache)

    def find_shapes(self) -> dict[Node, Node | None]:
        g = self.graph
        node_shapes = set(g.subjects(RDF.type, SH.NodeShape))
        property_shapes = set(g.subjects(RDF.type, SH.PropertyShape))
        paths: dict[Node, Node | None] = {}
        for s in node_shapes:
            if (s, SH.path, None) in g:
                self.refuse(s, "a sh:NodeShape with sh:path")
            paths[s] = None
        for s in property_shapes:
            values = list(g.objects(s, SH.path))
            if s in node_shapes or len(values) != 1:
                self.refuse(s, "a sh:PropertyShape needs exactly one sh:path and cannot be a sh:NodeShape")
                continue
            paths[s] = values[0]
        implied: set[Node] = set()
        for p in (
            SH.targetClass,
            SH.targetNode,
            SH.targetObjectsOf,
            SH.targetSubjectsOf,
            SH.property,
            SH.node,
        ):
            implied.update(g.subjects(p, None))
        for p in SHAPE_REFERENCES:
            implied.update(g.objects(None, p))
        for p in SHAPE_LIST_REFERENCES:
            for head in g.objects(None, p):
                members = list(RdfList(g, head))
                if not members:
                    self.refuse(None, f"an empty list as the value of {p.n3(g.namespace_manager)}")
                implied.update(members)
        for s in implied:
            if s in paths:
                continue
            values = list(g.objects(s, SH.path))
            if len(values) > 1:
                self.refuse(s, "more than one sh:path")
                continue
            paths[s] = values[0] if values else None
        return paths

    def compile(self) -> CompiledShapes:
        g = self.graph
        for feature, what in (
            (SH.rule, "SHACL rules (sh:rule)"),
            (SH.target, "SHACL-AF targets (sh:target)"),
            (SH.shapesGraph, "sh:shapesGraph"),
        ):
            for s in set(g.subjects(feature, None)):
                self.refuse(s, what)
        for kind, what in (
            (SH.SPARQLFunction, "SHACL functions (sh:SPARQLFunction)"),
            (SH.Function, "SHACL functions"),
            (SH.SPARQLTargetType, "SPARQL target types"),
            (SH.TargetType, "SHACL target types"),
            (SH.JSFunction, "SHACL-JS"),
            (SH.JSConstraint, "SHACL-JS"),
        ):
            for s in set(g.subjects(RDF.type, kind)):
                self.refuse(s, what)
        paths = self.find_shapes()
        ordered = sorted(paths, key=lambda n: (isinstance(n, BNode), str(n)))
        for node in ordered:
            self.shapes[node] = self.make_shape(node, paths[node])
        components = self.custom_components()
        for node in ordered:
            self.add_constraints(self.shapes[node], components)
        self.check_recursion()
        self.check_messages()
        if self.problems:
            raise UnsupportedShapes(sorted(set(self.problems)))
        shapes = [self.shapes[n] for n in ordered]
        top = [s for s in shapes if s.targets]
        declared = set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape))
        return CompiledShapes(graph=g, shapes=shapes, top_level=top, count=len(declared))

    def make_shape(self, node: Node, path_node: Node | None) -> Shape:
        g = self.graph
        deactivated_values = list(g.objects(node, SH.deactivated))
        deactivated = False
        if len(deactivated_values) > 1 or (
            deactivated_values and not isinstance(deactivated_values[0], Literal)
        ):
            self.refuse(node, "sh:deactivated must be one literal")
        elif deactivated_values:
            deactivated = bool(deactivated_values[0].value)  # type: ignore[union-attr]
        severities = list(g.objects(node, SH.severity))
        if len(severities) > 1:
            self.refuse(node, "more than one sh:severity (pyshacl picks one at random)")
        severity = severities[0] if severities else SH.Violation
        return Shape(
            node=node,
            is_property=path_node is not None,
            path_node=path_node,
            path=self.compile_path(node, path_node) if path_node is not None else None,
            severity=severity,
            messages=tuple(sorted(set(g.objects(node, SH.message)), key=str)),  # type: ignore[arg-type]
            deactivated=deactivated,
            targets=self.targets(node),
        )

    def targets(self, node: Node) -> Targets:
        g = self.graph
        nodes = []
        for t in g.objects(node, SH.targetNode):
            if isinstance(t, BNode):
                self.refuse(node, "a blank node as sh:targetNode")
            else:
                nodes.append(to_oxigraph(t))
        classes = [str(c) for c in g.objects(node, SH.targetClass) if self.iri(node, c, "sh:targetClass")]
        rdfs_classes = set(g.subjects(RDFS.subClassOf, RDFS.Class)) | {RDFS.Class}
        if any(t in rdfs_classes for t in g.objects(node, RDF.type)):  # pyshacl's implicit class targets
            if isinstance(node, URIRef):
                classes.append(str(node))
        subjects = [
            str(p) for p in g.objects(node, SH.targetSubjectsOf) if self.iri(node, p, "sh:targetSubjectsOf")
        ]
        objects = [
            str(p) for p in g.objects(node, SH.targetObjectsOf) if self.iri(node, p, "sh:targetObjectsOf")
        ]
        for iri in classes + subjects + objects:
            if iri in RDFS_META_PROPERTIES or iri in (RDFS_RESOURCE, RDF_PROPERTY):
                self.refuse(node, f"a target on the RDFS vocabulary itself ({iri})")
        return Targets(
            tuple(sorted(nodes, key=str)),
            tuple(sorted(set(classes))),
            tuple(sorted(set(subjects))),
            tuple(sorted(set(objects))),
        )

    def iri(self, shape: Node, value: Node, what: str) -> bool:
        if not isinstance(value, URIRef):
            self.refuse(shape, f"{what} must be an IRI")
            return False
        return True

    def compile_path(self, shape: Node, node: Node, depth: int = 0) -> PathStep:
        g = self.graph
        if isinstance(node, URIRef):
            if str(node) in RDFS_META_PROPERTIES and not (depth == 0 and node == RDF.type):
                self.refuse(shape, f"a path through {node} (only sh:path rdf:type on its own is supported)")
            return PathStep("iri", iri=str(node))
        if not isinstance(node, BNode) or depth > 10:
            self.refuse(shape, "a malformed sh:path")
            return PathStep("iri", iri=str(RDF.nil))
        if (node, RDF.first, None) in g:
            parts = tuple(self.compile_path(shape, p, depth + 1) for p in RdfList(g, node))
            if len(parts) < 2:
                if depth == 0:
                    self.refuse(shape, "a sequence path of fewer than two steps")
                return parts[0] if parts else PathStep("iri", iri=str(RDF.nil))
            return PathStep("sequence", parts=parts)
        for predicate, kind in (
            (SH.inversePath, "inverse"),
            (SH.zeroOrMorePath, "zeroOrMore"),
            (SH.oneOrMorePath, "oneOrMore"),
            (SH.zeroOrOnePath, "zeroOrOne"),
        ):
            inner = g.value(node, predicate)
            if inner is not None:
                return PathStep(kind, parts=(self.compile_path(shape, inner, depth + 1),))
        alternatives = g.value(node, SH.alternativePath)
        if alternatives is not None:
            parts = tuple(self.compile_path(shape, p, depth + 1) for p in RdfList(g, alternatives))
            if len(parts) < 2:
                self.refuse(shape, "an alternative path of fewer than two paths")
            return PathStep("alternative", parts=parts)
        self.refuse(shape, "a malformed sh:path")
        return PathStep("iri", iri=str(RDF.nil))

    # --- constraints

    def add_constraints(self, shape: Shape, components: list[_Component]) -> None:
        g = self.graph
        node = shape.node
        predicates = set(g.predicates(node, None))
        for predicate in sorted(predicates & set(REFUSED_PARAMETERS), key=str):
            self.refuse(node, REFUSED_PARAMETERS[predicate])
        values = {p: list(g.objects(node, p)) for p in predicates}

        def one(p: URIRef) -> Node | None:
            if len(values[p]) > 1:
                self.refuse(node, f"more than one {p.n3(g.namespace_manager)}")
                return None
            return values[p][0]

        def integer(p: URIRef) -> int | None:
            value = one(p)
            if not isinstance(value, Literal) or not isinstance(value.value, int) or value.value < 0:
                self.refuse(node, f"{p.n3(g.namespace_manager)} must be a non-negative integer")
                return None
            return int(value.value)

        def add(kind: str, parameter: URIRef, value: object = None, shapes: tuple[Shape, ...] = ()) -> None:
            shape.constraints.append(
                Constraint(kind=kind, component=COMPONENTS[parameter], value=value, shapes=shapes)
            )

        for c in values.get(SH["class"], []):
            if self.iri(node, c, "sh:class"):
                add("class", SH["class"], str(c))
        if SH.datatype in values:
            value = one(SH.datatype)
            if value is not None and self.iri(node, value, "sh:datatype"):
                add("datatype", SH.datatype, str(value))
        if SH.nodeKind in values:
            value = one(SH.nodeKind)
            if value not in NODE_KINDS:
                self.refuse(node, "an unknown sh:nodeKind")
            else:
                add("nodeKind", SH.nodeKind, value)
        for parameter, kind in ((SH.minCount, "minCount"), (SH.maxCount, "maxCount")):
            if parameter in values:
                if not shape.is_property:
                    self.refuse(node, f"sh:{kind} on a node shape")
                number = integer(parameter)
                if number is not None and not (kind == "minCount" and number == 0):
                    add(kind, parameter, number)
        for parameter, kind in RANGE_KINDS.items():
            for value in values.get(parameter, []):
                if not isinstance(value, Literal):
                    self.refuse(node, f"sh:{kind} must be a literal")
                else:
                    add("range", parameter, (kind, value))
        for parameter, kind in ((SH.minLength, "min"), (SH.maxLength, "max")):
            if parameter in values:
                number = integer(parameter)
                if number is not None:
                    add("length", parameter, (kind, number))
        if SH.pattern in values:
            flags_values = values.get(SH.flags, [])
            if len(flags_values) > 1:
                self.refuse(node, "more than one sh:flags")
            flags = 0
            if flags_values:
                text = str(flags_values[0]).lower()
                flags = (re.I if "i" in text else 0) | (re.M if "m" in text else 0)
            for p in values[SH.pattern]:
                if not isinstance(p, Literal):
                    self.refuse(node, "sh:pattern must be a literal")
                    continue
                text = str(p.value) if p.value is not None and len(p.value) > 1 else str(p)
                try:
                    add("pattern", SH.pattern, re.compile(text, flags))
                except re.error as error:
                    self.refuse(node, f"sh:pattern {text!r} is not a Python regular expression ({error})")
        if SH.languageIn in values:
            head = one(SH.languageIn)
            if head is not None:
                languages = [str(x.value).lower() for x in RdfList(g, head) if isinstance(x, Literal)]
                add("languageIn", SH.languageIn, frozenset(languages))
        if SH.uniqueLang in values:
            if not shape.is_property:
                self.refuse(node, "sh:uniqueLang on a node shape")
            value = one(SH.uniqueLang)
            if not isinstance(value, Literal) or not isinstance(value.value, bool):
                self.refuse(node, "sh:uniqueLang must be a boolean")
            elif value.value:
                add("uniqueLang", SH.uniqueLang)
            # uniqueLang false: pyshacl reports nothing, and with allow_warnings its non-conformance is
            # filtered away (no report has a severity), so it changes nothing.
        if SH["in"] in values:
            head = one(SH["in"])
            if head is not None:
                members = list(RdfList(g, head))
                if any(isinstance(m, BNode) for m in members):
                    self.refuse(node, "a blank node in sh:in")
                add("in", SH["in"], tuple(to_oxigraph(m) for m in members))
        for value in values.get(SH.hasValue, []):
            if isinstance(value, BNode):
                self.refuse(node, "a blank node as sh:hasValue")
            else:
                add("hasValue", SH.hasValue, to_oxigraph(value))
        for value in values.get(SH.node, []):
            target = self.shapes.get(value)
            if target is not None and target.is_property:
                self.refuse(node, "sh:node pointing to a property shape")
            elif target is not None:
                add("node", SH.node, shapes=(target,))
        for value in values.get(SH.property, []):
            target = self.shapes.get(value)
            if target is None or not target.is_property:
                self.refuse(node, "sh:property pointing to something that is not a property shape")
            else:
                add("property", SH.property, shapes=(target,))
        for value in values.get(SH["not"], []):
            if value in self.shapes:
                add("not", SH["not"], shapes=(self.shapes[value],))
        for parameter, kind in ((SH["and"], "and"), (SH["or"], "or"), (SH.xone, "xone")):
            for head in values.get(parameter, []):
                members = []
                for m in RdfList(g, head):  # pyshacl: a set for and/or, a list for xone
                    if m in self.shapes and (kind == "xone" or self.shapes[m] not in members):
                        members.append(self.shapes[m])
                add(kind, parameter, shapes=tuple(members))
        if QUALIFIED_PARAMETERS & predicates and shape.is_property:
            self.add_qualified(shape, values, integer)
        for sparql_node in values.get(SH.sparql, []):
            self.add_sparql_constraint(shape, sparql_node)
        for component in components:
            if all(values.get(URIRef(p)) for p in component.mandatory):
                self.add_component(shape, component, values)

    def add_qualified(
        self, shape: Shape, values: dict[Node, list[Node]], integer: Callable[[URIRef], int | None]
    ) -> None:
        node = shape.node
        if any(
            isinstance(d, Literal) and d.value is True
            for d in values.get(SH.qualifiedValueShapesDisjoint, [])
        ):
            self.refuse(node, "sh:qualifiedValueShapesDisjoint true")
        low = integer(SH.qualifiedMinCount) if SH.qualifiedMinCount in values else None
        high = integer(SH.qualifiedMaxCount) if SH.qualifiedMaxCount in values else None
        if low is None and high is None:
            self.refuse(node, "sh:qualifiedValueShape without sh:qualifiedMinCount or sh:qualifiedMaxCount")
            return
        for value in values.get(SH.qualifiedValueShape, []):
            if value in self.shapes:
                shape.constraints.append(
                    Constraint(
                        kind="qualified",
                        component=SH.QualifiedMinCountConstraintComponent,
                        value=(low, high),
                        shapes=(self.shapes[value],),
                    )
                )

    def add_sparql_constraint(self, shape: Shape, sparql_node: Node) -> None:
        g = self.graph
        selects = list(g.objects(sparql_node, SH.select))
        if list(g.objects(sparql_node, SH.ask)) or len(selects) != 1:
            self.refuse(shape.node, "sh:sparql without exactly one sh:select")
            return
        deactivated = g.value(sparql_node, SH.deactivated)
        if isinstance(deactivated, Literal) and deactivated.value is True:
            return
        query = self.prepare_query(
            shape.node, sparql_node, str(selects[0]), prefixes_of=sparql_node, pre_bound_value=False
        )
        if query is None:
            return
        self.check_query_for_shape(shape, query)
        messages = tuple(
            sorted((m for m in g.objects(sparql_node, SH.message) if isinstance(m, Literal)), key=str)
        )
        shape.constraints.append(
            Constraint(kind="sparql", component=SH.SPARQLConstraintComponent, query=query, messages=messages)
        )

    # --- SPARQL-based constraint components

    def custom_components(self) -> list[_Component]:
        g = self.graph
        nodes = set(g.subjects(RDF.type, SH.ConstraintComponent))
        for subclass in set(g.subjects(RDFS.subClassOf, SH.ConstraintComponent)):
            nodes.update(g.subjects(RDF.type, subclass))
        found = []
        for node in sorted(nodes, key=str):
            if str(node).startswith(str(SH)):
                continue
            mandatory, optional = [], []
            for parameter in g.objects(node, SH.parameter):
                path = g.value(parameter, SH.path)
                if not isinstance(path, URIRef):
                    self.refuse(node, "a constraint component parameter without an IRI sh:path")
                    continue
                is_optional = g.value(parameter, SH.optional)
                (optional if isinstance(is_optional, Literal) and is_optional.value else mandatory).append(
                    str(path)
                )
            validators = {
                kind: sorted(g.objects(node, p), key=str)
                for kind, p in (
                    ("any", SH.validator),
                    ("node", SH.nodeValidator),
                    ("property", SH.propertyValidator),
                )
            }
            validators["any"] = [
                v for v in validators["any"] if v not in validators["node"] + validators["property"]
            ]
            if not mandatory:
                self.refuse(node, "a constraint component without a mandatory parameter")
                continue
            found.append(
                _Component(
                    node=node, mandatory=tuple(mandatory), optional=tuple(optional), validators=validators
                )
            )
        return found

    def add_component(self, shape: Shape, component: _Component, values: dict[Node, list[Node]]) -> None:
        g = self.graph
        kind = "property" if shape.is_property else "node"
        candidates = component.validators[kind] or component.validators["any"]
        if not candidates:
            self.refuse(
                shape.node, f"constraint component {component.node} has no validator for a {kind} shape"
            )
            return
        validator = candidates[0]
        types = set(g.objects(validator, RDF.type))
        if not component.validators[kind] or SH.SPARQLAskValidator in types or (validator, SH.ask, None) in g:
            self.refuse(shape.node, f"constraint component {component.node}: ASK validators (sh:validator)")
            return
        if len(candidates) > 1:
            self.refuse(shape.node, f"constraint component {component.node}: more than one {kind} validator")
        selects = list(g.objects(validator, SH.select))
        if len(selects) != 1:
            self.refuse(
                shape.node, f"constraint component {component.node}: a validator without one sh:select"
            )
            return
        if list(g.objects(validator, SH.message)):
            self.refuse(
                shape.node,
                f"constraint component {component.node}: sh:message on the validator "
                "(pyshacl accumulates those messages across results)",
            )
        parameters = []
        for path in component.mandatory + component.optional:
            found = values.get(URIRef(path))
            if not found:
                continue
            if len(found) > 1:
                self.refuse(shape.node, f"more than one value for {path} (pyshacl picks one at random)")
            name = _local_name(path)
            if name in ("this", "shapesGraph", "currentShape", "path", "PATH", "value"):
                self.refuse(shape.node, f"a parameter named {name} (pyshacl refuses it)")
            parameters.append((name, found[0]))
        query = self.prepare_query(
            shape.node,
            validator,
            str(selects[0]),
            prefixes_of=validator,
            pre_bound_value=True,
            parameters={n for n, _ in parameters},
        )
        if query is None:
            return
        self.check_query_for_shape(shape, query)
        shape.constraints.append(
            Constraint(
                kind="component",
                component=component.node,
                custom=True,  # type: ignore[arg-type]
                query=query,
                parameters=tuple(parameters),
            )
        )

    def prefixes(self, prefixes_of: Node) -> dict[str, str]:
        """pyshacl's SPARQLQueryHelper.collect_prefixes, with its default rdf, rdfs and owl."""
        g = self.graph
        prefixes = dict(PYSHACL_DEFAULT_PREFIXES)
        prefix_nodes = list(g.objects(prefixes_of, SH.prefixes))
        if not prefix_nodes:
            return prefixes
        ontologies = set(g.subjects(RDF.type, OWL.Ontology))
        global_declares: set[Node] = set()
        for ontology in ontologies:
            global_declares.update(g.objects(ontology, SH.declare))
        for prefix_node in prefix_nodes:
            own = set(g.objects(prefix_node, SH.declare))
            declares = own if (own and prefix_node in ontologies) else global_declares | own
            for declare in sorted(declares, key=str):
                prefix, namespace = g.value(declare, SH.prefix), g.value(declare, SH.namespace)
                if prefix is None or namespace is None:
                    self.refuse(prefixes_of, "an sh:declare without sh:prefix and sh:namespace")
                    continue
                prefixes[str(prefix)] = str(namespace)
        return prefixes

    def prepare_query(
        self,
        shape_node: Node,
        node: Node,
        text: str,
        *,
        prefixes_of: Node,
        pre_bound_value: bool,
        parameters: set[str] = frozenset(),
    ) -> SparqlQuery | None:  # type: ignore[assignment]
        prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in self.prefixes(prefixes_of).items())
        try:
            parsed = parse_select(text)
        except ValueError as error:
            self.refuse(shape_node, f"SPARQL query of {node}: {error}")
            return None
        mentions = {name for name in _variables(parsed.body_tokens)} | set(parsed.projection)
        # pyshacl decides what to pre-bind with these regular expressions, on the query text.
        binds_this = re.search(r"([\s{}()])[\$\?]this", text, re.M) is not None
        binds_value = pre_bound_value and re.search(r"([\s{}()])[\$\?]value", text, re.M) is not None
        binds_current_shape = re.search(r"([\s{}()])[\$\?]currentShape", text, re.M) is not None
        if re.search(r"([\s{}()])[\$\?]shapesGraph", text, re.M) or "shapesGraph" in mentions:
            self.refuse(shape_node, f"SPARQL query of {node}: $shapesGraph")
            return None
        for name in parameters & set(parsed.projection):
            self.refuse(shape_node, f"SPARQL query of {node}: projects the parameter ${name}")
        if ("this" in mentions) != binds_this or ("value" in mentions and pre_bound_value) != binds_value:
            self.refuse(shape_node, f"SPARQL query of {node}: $this or ?value where pyshacl would not see it")
            return None
        query = SparqlQuery(
            node=node,
            prologue=prologue,
            projection=parsed.projection,
            projection_text=parsed.projection_text,
            body_tokens=not_exists_to_minus(parsed.body_tokens),
            binds_this=binds_this,
            binds_value=binds_value,
            binds_current_shape=binds_current_shape,
            uses_path=re.search(r"([\s{}()])[\$\?]PATH", text, re.M) is not None,
        )
        pre_bound = (
            {"this"}
            | ({"value"} if binds_value else set())
            | ({"currentShape"} if binds_current_shape else set())
        )
        problem = check_pre_binding(
            prologue
            + "SELECT * WHERE {"
            + "".join(
                _substitute(
                    parsed.body_tokens, {"PATH": "<urn:x:path>"}, {n: "<urn:x:p>" for n in parameters}
                )
            )
            + "}",
            pre_bound,
        )
        if problem:
            self.refuse(shape_node, f"SPARQL query of {node}: {problem}")
            return None
        return query

    def check_query_for_shape(self, shape: Shape, query: SparqlQuery) -> None:
        if query.binds_current_shape and isinstance(shape.node, BNode):
            self.refuse(shape.node, "$currentShape in the query of a blank-node shape")
        if query.uses_path and not shape.is_property:
            self.refuse(shape.node, "$PATH in the query of a node shape (pyshacl stops there)")

    # --- whole-graph checks

    def check_recursion(self) -> None:
        state: dict[int, int] = {}

        def visit(shape: Shape, trail: list[Shape]) -> None:
            mark = state.get(id(shape))
            if mark == 2:
                return
            if mark == 1:
                self.refuse(
                    shape.node, "recursive shapes (" + " → ".join(s.label for s in trail + [shape]) + ")"
                )
                return
            state[id(shape)] = 1
            for c in shape.constraints:
                for inner in c.shapes:
                    visit(inner, trail + [shape])
            state[id(shape)] = 2

        for shape in self.shapes.values():
            visit(shape, [])

    def check_messages(self) -> None:
        """Shapes whose results are reported need sh:message: pyshacl's generic messages are not reproduced."""
        reported: set[int] = set()
        todo = [s for s in self.shapes.values() if s.targets]
        while todo:
            shape = todo.pop()
            if id(shape) in reported:
                continue
            reported.add(id(shape))
            for c in shape.constraints:
                if c.kind in ("property", "node"):
                    todo.extend(c.shapes)
            if shape.deactivated:
                continue
            core = [c for c in shape.constraints if c.kind not in ("property", "component", "sparql")]
            if core and not shape.messages:
                self.refuse(
                    shape.node,
                    "a reported shape without sh:message (pyshacl's generic messages are not reproduced)",
                )


@dataclass(frozen=True)
class _Component:
    node: Node
    mandatory: tuple[str, ...]
    optional: tuple[str, ...]
    validators: dict[str, list[Node]]


def _local_name(iri: str) -> str:
    """pyshacl's SHACLParameter.localname."""
    if iri.find("#") > 0:
        return iri[iri.find("#") + 1 :]
    return iri[iri.rfind("/") + 1 :]


def compile_shapes(shapes: Graph) -> CompiledShapes:
    """The shapes graph, checked and compiled once per build. Raises UnsupportedShapes naming every
    feature (with its shape) that the engine does not implement."""
    return _Compiler(shapes).compile()


# =============================================================================================
# SPARQL text: tokens, the SELECT form the engine accepts, substitution
# =============================================================================================

_TOKEN = re.compile(
    r'''
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_\-.]*(?::[^\s(){}\[\],;]*)?|:[^\s(){}\[\],;]*)
  | (?P<other>.)
''',
    re.X | re.S,
)


def tokenize(text: str) -> list[str]:
    return [m.group(0) for m in _TOKEN.finditer(text)]


def _is_var(token: str) -> bool:
    return token[:1] in "?$" and len(token) > 1


def _variables(tokens: Iterable[str]) -> set[str]:
    return {t[1:] for t in tokens if _is_var(t)}


@dataclass(frozen=True)
class ParsedSelect:
    projection: tuple[str, ...]
    projection_text: str
    body_tokens: tuple[str, ...]


_REFUSED_KEYWORDS = {
    "MINUS": "MINUS",
    "VALUES": "VALUES",
    "SERVICE": "SERVICE",
    "SELECT": "a nested SELECT",
    "COUNT": "aggregates",
    "SUM": "aggregates",
    "AVG": "aggregates",
    "SAMPLE": "aggregates",
    "GROUP_CONCAT": "aggregates",
    "GROUP": "GROUP BY",
    "HAVING": "HAVING",
    "LIMIT": "LIMIT",
    "OFFSET": "OFFSET",
    "GRAPH": "GRAPH (the validation data graph is one graph)",
    "FROM": "FROM",
    "BASE": "BASE",
    "PREFIX": "PREFIX inside the query (use sh:prefixes)",
}


def parse_select(text: str) -> ParsedSelect:
    """`SELECT [DISTINCT] projection WHERE { body } [ORDER BY …]`, nothing else: the engine joins its
    focus nodes into the body and adds its own projection. Raises ValueError naming what it refuses."""
    tokens = tokenize(text)
    significant = [i for i, t in enumerate(tokens) if not t.isspace() and not t.startswith("#")]
    upper = [tokens[i].upper() for i in significant]
    for index, word in enumerate(upper):
        if word in ("MIN", "MAX") and index + 1 < len(upper) and upper[index + 1] == "(":
            raise ValueError("aggregates")
        if word in _REFUSED_KEYWORDS and not (word == "SELECT" and index == 0):
            raise ValueError(_REFUSED_KEYWORDS[word] + " is not supported")
    if not upper or upper[0] != "SELECT":
        raise ValueError("not a SELECT query")
    position = 1
    if upper[position] in ("DISTINCT", "REDUCED"):
        position += 1
    start = significant[position]
    brace = next((k for k in range(position, len(upper)) if upper[k] == "{"), None)
    if brace is None:
        raise ValueError("no WHERE clause")
    end = brace - 1 if upper[brace - 1] == "WHERE" else brace
    projection_tokens = tokens[start : significant[end]] if end > position else []
    projection_text = "".join(projection_tokens).strip()
    if projection_text == "*":
        raise ValueError("SELECT *")
    names: list[str] = []
    depth = 0
    for index, token in enumerate(projection_tokens):
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif _is_var(token) and (
            depth == 0 or (index >= 2 and "".join(projection_tokens[:index]).rstrip().upper().endswith("AS"))
        ):
            names.append(token[1:])
    depth = 0
    close = None
    for k in range(brace, len(upper)):
        if upper[k] == "{":
            depth += 1
        elif upper[k] == "}":
            depth -= 1
            if depth == 0:
                close = k
                break
    if close is None:
        raise ValueError("unbalanced braces")
    rest = upper[close + 1 :]
    if rest and rest[:2] != ["ORDER", "BY"]:
        raise ValueError("solution modifiers other than ORDER BY")
    body = tuple(tokens[significant[brace] + 1 : significant[close]])
    return ParsedSelect(
        projection=tuple(dict.fromkeys(names)), projection_text=projection_text, body_tokens=body
    )


def _substitute(tokens: Iterable[str], texts: dict[str, str], terms: dict[str, str]) -> Iterator[str]:
    """Replace variables by text (`$PATH` by a path) or by a term (a parameter), token by token:
    nothing inside strings, IRIs or comments is touched. STR becomes rdflib's STR (RDFLIB_STR)."""
    for token in tokens:
        if token.upper() == "STR":
            yield str(RDFLIB_STR)
        elif _is_var(token) and token[1:] in texts:
            yield texts[token[1:]]
        elif _is_var(token) and token[1:] in terms:
            yield terms[token[1:]]
        else:
            yield token


# SPARQL's STR of a blank node is an error (pyoxigraph); rdflib, which runs pyshacl's queries, gives
# the node's label. The shapes' queries call this function instead, which does what rdflib does.
RDFLIB_STR = ox.NamedNode(RESERVED_PREFIX + "rdflib-str")


def _rdflib_str(term: ox.Term) -> ox.Literal:
    return ox.Literal(term.value)


CUSTOM_FUNCTIONS = {RDFLIB_STR: _rdflib_str}

# Where the engine joins its focus nodes into a MINUS group too: pyoxigraph evaluates the group of
# MINUS on its own, and starting it from the focus nodes keeps it from walking the whole graph.
FOCUS_PLACEHOLDER = "$__focus__"
SMALL_SET = 5_000
_NOT_MINUS_SAFE = {
    "OPTIONAL",
    "UNION",
    "BIND",
    "VALUES",
    "GRAPH",
    "EXISTS",
    "MINUS",
    "SERVICE",
    "SELECT",
    "{",
}


def not_exists_to_minus(tokens: Sequence[str]) -> tuple[str, ...]:
    """Rewrite each `FILTER NOT EXISTS { P }` of the outer group into `MINUS { P }` at its end, when
    that gives the same solutions: P is triple patterns (FILTERs inside only on P's own variables),
    and it shares $this, which the engine binds in every solution (MINUS then removes exactly the
    solutions for which P has a match, as NOT EXISTS with the solution substituted would).

    Why: pyoxigraph plans the pattern inside NOT EXISTS without knowing that $this is bound, so
    `FILTER NOT EXISTS { $this p+ ?x . ?x a/rdfs:subClassOf* C }` enumerates C's instances for every
    focus node (13 s for 5 000 parts); as MINUS it is one anti-join (0.02 s)."""
    tokens = list(tokens)
    significant = [i for i, t in enumerate(tokens) if not t.isspace() and not t.startswith("#")]
    upper = [tokens[i].upper() for i in significant]
    keep = [True] * len(tokens)
    moved: list[str] = []
    depth = 0
    k = 0
    while k < len(upper):
        word = upper[k]
        if word == "{":
            depth += 1
        elif word == "}":
            depth -= 1
        elif depth == 0 and upper[k : k + 4] == ["FILTER", "NOT", "EXISTS", "{"]:
            level, end = 0, None
            for j in range(k + 3, len(upper)):
                level += upper[j] == "{"
                level -= upper[j] == "}"
                if level == 0:
                    end = j
                    break
            if end is None:
                break
            inner = [tokens[i] for i in significant[k + 4 : end]]
            if _minus_safe(inner):
                for i in range(significant[k], significant[end] + 1):
                    keep[i] = False
                group = tokens[significant[k + 3] + 1 : significant[end]]
                moved += [" ", "MINUS", " ", "{", " ", FOCUS_PLACEHOLDER, *group, "}"]
            k = end + 1
            continue
        k += 1
    return tuple(t for t, kept in zip(tokens, keep) if kept) + tuple(moved)


def _minus_safe(inner: list[str]) -> bool:
    if any(t.upper() in _NOT_MINUS_SAFE for t in inner):
        return False
    filter_vars: set[str] = set()
    triple_tokens: list[str] = []
    k = 0
    while k < len(inner):
        if inner[k].upper() == "FILTER":
            if k + 1 >= len(inner) or inner[k + 1] != "(":
                return False
            level = 0
            for j in range(k + 1, len(inner)):
                level += inner[j] == "("
                level -= inner[j] == ")"
                if level == 0:
                    filter_vars |= _variables(inner[k + 1 : j + 1])
                    k = j + 1
                    break
            else:
                return False
            continue
        triple_tokens.append(inner[k])
        k += 1
    triple_vars = _variables(triple_tokens)
    return "this" in triple_vars and filter_vars <= triple_vars


def check_pre_binding(query: str, pre_bound: set[str]) -> str | None:
    return _check_pre_binding(query, frozenset(pre_bound))


@lru_cache(maxsize=256)
def _check_pre_binding(query: str, pre_bound: frozenset[str]) -> str | None:
    """Whether joining the focus nodes at the start of the outer group gives what pre-binding gives.

    pyshacl pre-binds $this (and ?value) in every scope; the engine joins them into the outer group
    instead, so an expression (FILTER, BIND, or a FILTER inside OPTIONAL's own group, which SPARQL
    evaluates with the left side bound) may only use them in the outer group. A nested group or
    UNION branch evaluates its expressions before the join and would see them unbound."""
    from rdflib.plugins.sparql.parser import parseQuery
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import Variable

    try:
        parsed = parseQuery(query)
    except Exception as error:  # noqa: BLE001 - any parse error means: not supported here
        return f"rdflib cannot parse it ({error})"
    where = parsed[1].get("where")

    def mentions(node: object) -> bool:
        if isinstance(node, Variable):
            return str(node) in pre_bound
        if isinstance(node, CompValue):
            return any(mentions(v) for v in node.values())
        if isinstance(node, (list, tuple)):
            return any(mentions(v) for v in node)
        return False

    problems: list[str] = []

    def group(node: object, level: str) -> None:
        # level: "top" (outer group), "optional" (the group of an OPTIONAL at the top), "nested"
        if not isinstance(node, CompValue):
            return
        parts = node.get("part") or []
        for part in parts:
            name = getattr(part, "name", "")
            if name in ("Filter", "Bind"):
                if level == "nested" or (level == "optional" and name == "Bind"):
                    if mentions(part):
                        problems.append(f"{name.upper()} in a nested group uses a pre-bound variable")
            elif name == "OptionalGraphPattern":
                group(part.get("graph"), "optional" if level == "top" else "nested")
            elif name in ("GroupOrUnionGraphPattern",):
                for g in part.get("graph") or []:
                    group(g, "nested")
            elif name in ("GraphGraphPattern", "MinusGraphPattern", "ServiceGraphPattern"):
                group(part.get("graph"), "nested")
            elif name == "GroupGraphPatternSub":
                group(part, "nested")

    group(where, "top")
    return problems[0] if problems else None


# =============================================================================================
# RDFS, as owlrl's closure (in pyshacl's CustomRDFSSemantics) would have it
# =============================================================================================

SCHEMA_QUERY = """
SELECT ?s ?p ?o WHERE {
  VALUES ?p { <http://www.w3.org/2000/01/rdf-schema#subClassOf> <http://www.w3.org/2000/01/rdf-schema#subPropertyOf>
              <http://www.w3.org/2000/01/rdf-schema#domain> <http://www.w3.org/2000/01/rdf-schema#range> }
  ?s ?p ?o
}"""
META_CLASSES = {
    str(RDFS.Class): "class",
    str(RDFS.Datatype): "datatype",
    str(RDFS.ContainerMembershipProperty): "membership",
}


class Rdfs:
    """The schema part of the RDFS closure of the data graph (data, ontology), and SPARQL patterns
    that stand for the instance part without materialising it.

    owlrl (RDFS rules rdf1, rdfs2–rdfs12 without axiomatic triples) adds: types from rdfs:domain and
    rdfs:range (of a property and its sub-properties; literals get range types too), the superclasses
    of every type, the triples of super-properties, rdf:type rdfs:Resource for every subject and
    object of the original graph, rdf:type rdf:Property for every predicate, and at schema level the
    transitive rdfs:subClassOf and rdfs:subPropertyOf, reflexive for classes and properties."""

    def __init__(self, run: _Run) -> None:
        self.run = run
        self.super_classes: dict[ox.Term, set[ox.Term]] = defaultdict(set)
        self.super_properties: dict[ox.Term, set[ox.Term]] = defaultdict(set)
        self.domains: list[tuple[ox.Term, ox.Term]] = []
        self.ranges: list[tuple[ox.Term, ox.Term]] = []
        class_edges: set[tuple[ox.Term, ox.Term]] = set()
        property_edges: set[tuple[ox.Term, ox.Term]] = set()
        for row in run.select(SCHEMA_QUERY):
            s, p, o = row["s"], row["p"].value, row["o"]
            if isinstance(o, ox.Literal):
                continue
            if p == str(RDFS.subPropertyOf):
                if s.value in RDFS_META_PROPERTIES or o.value in RDFS_META_PROPERTIES:
                    raise UnsupportedData(f"the data declares {s} rdfs:subPropertyOf {o}")
                property_edges.add((s, o))
            elif p == str(RDFS.subClassOf):
                class_edges.add((s, o))
            else:
                if s.value in RDFS_META_PROPERTIES:
                    raise UnsupportedData(f"the data declares a domain or range of {s}")
                (self.domains if p == str(RDFS.domain) else self.ranges).append((s, o))
        self.property_edges = property_edges
        self.class_edges = class_edges
        self._close()
        # Schema statements entailed from instance typing: (c a rdfs:Class) makes c a subclass of
        # rdfs:Resource, (d a rdfs:Datatype) of rdfs:Literal, (p a rdfs:ContainerMembershipProperty)
        # a sub-property of rdfs:member. The typing may itself be entailed: iterate.
        for _ in range(5):
            added = False
            for cls, kind in META_CLASSES.items():
                for row in run.select(f"SELECT DISTINCT ?x WHERE {{ {self.instance_pattern(cls, '?x')} }}"):
                    x = row["x"]
                    if isinstance(x, ox.Literal):
                        continue
                    edge = {
                        "class": (x, ox.NamedNode(RDFS_RESOURCE)),
                        "datatype": (x, ox.NamedNode(str(RDFS.Literal))),
                        "membership": (x, ox.NamedNode(str(RDFS.member))),
                    }[kind]
                    edges = property_edges if kind == "membership" else class_edges
                    if edge not in edges:
                        edges.add(edge)
                        added = True
            if not added:
                break
            self._close()

    def _close(self) -> None:
        for edges, closure in (
            (self.class_edges, self.super_classes),
            (self.property_edges, self.super_properties),
        ):
            direct: dict[ox.Term, set[ox.Term]] = defaultdict(set)
            for a, b in edges:
                direct[a].add(b)
            closure.clear()
            for start in set(direct) | {b for _, b in edges}:
                seen = {start}
                todo = [start]
                while todo:
                    for nxt in direct.get(todo.pop(), ()):
                        if nxt not in seen:
                            seen.add(nxt)
                            todo.append(nxt)
                closure[start] = seen
        self.sub_classes: dict[ox.Term, set[ox.Term]] = defaultdict(set)
        for c, supers in self.super_classes.items():
            for s in supers:
                self.sub_classes[s].add(c)
        self.sub_properties: dict[ox.Term, set[ox.Term]] = defaultdict(set)
        for p, supers in self.super_properties.items():
            for s in supers:
                self.sub_properties[s].add(p)

    def subclasses(self, cls: ox.Term) -> set[ox.Term]:
        return self.sub_classes.get(cls) or {cls}

    def subproperties(self, prop: str) -> list[str]:
        node = ox.NamedNode(prop)
        found = self.sub_properties.get(node) or {node}
        return sorted(p.value for p in found if isinstance(p, ox.NamedNode))

    def predicate(self, prop: str) -> str:
        """A path step over prop that also follows its sub-properties."""
        props = self.subproperties(prop)
        return f"<{props[0]}>" if len(props) == 1 else "(" + "|".join(f"<{p}>" for p in props) + ")"

    def typing_properties(self, classes: set[ox.Term]) -> tuple[list[str], list[str]]:
        """Properties (sub-properties included) whose subjects, and whose objects, are instances of one
        of these classes by rdfs:domain, rdfs:range."""
        by_domain = {
            q
            for p, d in self.domains
            if d in classes and isinstance(p, ox.NamedNode)
            for q in self.subproperties(p.value)
        }
        by_range = {
            q
            for p, r in self.ranges
            if r in classes and isinstance(p, ox.NamedNode)
            for q in self.subproperties(p.value)
        }
        return sorted(by_domain), sorted(by_range)

    def has_entailed_instances(self, cls: str) -> bool:
        """Whether cls can have instances other than its subclasses' asserted ones."""
        classes = self.subclasses(ox.NamedNode(cls))
        by_domain, by_range = self.typing_properties(classes)
        return bool(
            by_domain or by_range or {ox.NamedNode(RDFS_RESOURCE), ox.NamedNode(RDF_PROPERTY)} & classes
        )

    def instance_pattern(self, cls: str, var: str, asserted: bool = True, bound: bool = False) -> str:
        """A group pattern binding var to every instance of cls in the closure (duplicates possible);
        without `asserted`, only the branches through rdfs:domain, rdfs:range and RDFS itself.

        `bound`: var is bound where the pattern is used (an EXISTS on a value, a small set of focus
        nodes). pyoxigraph starts a join `?x a ?t . VALUES ?t {…}` from the VALUES, which enumerates
        every instance; with `FILTER(?t IN (…))` it follows ?x (1 000× faster for 200 nodes)."""
        run = self.run
        classes = self.subclasses(ox.NamedNode(cls))
        named = sorted(c.value for c in classes if isinstance(c, ox.NamedNode))

        def one_of(var_: str, iris: Sequence[str]) -> str:
            if bound:
                return f"FILTER({var_} IN ({', '.join(f'<{x}>' for x in iris)}))"
            return f"VALUES {var_} {{ {' '.join(f'<{x}>' for x in iris)} }}"

        branches = []
        if asserted:
            t = run.fresh()
            branches.append(f"{var} <{RDF.type}> {t} . {one_of(t, named)}")
            if any(isinstance(c, ox.BlankNode) for c in classes):
                b, c2 = run.fresh(), run.fresh()
                branches.append(
                    f"{var} <{RDF.type}> {b} . FILTER(isBlank({b})) {b} <{RDFS.subClassOf}>+ {c2} . "
                    f"{one_of(c2, named)}"
                )
        by_domain, by_range = self.typing_properties(classes)
        if by_domain:
            p, o = run.fresh(), run.fresh()
            branches.append(f"{var} {p} {o} . {one_of(p, by_domain)}")
        if by_range:
            p, s = run.fresh(), run.fresh()
            branches.append(f"{s} {p} {var} . {one_of(p, by_range)}")
        outside = f"FILTER(!STRSTARTS(STR({var}), \"{RESERVED_PREFIX}\"))"
        if ox.NamedNode(RDFS_RESOURCE) in classes:  # every subject and object of the graph
            p, o = run.fresh(), run.fresh()
            branches.append(f"{{ {var} {p} {o} }} UNION {{ {o} {p} {var} }} {outside}")
        if ox.NamedNode(RDF_PROPERTY) in classes:  # every predicate
            s, o = run.fresh(), run.fresh()
            branches.append(f"{s} {var} {o} {outside}")
        if not branches:
            return f"{{ VALUES {var} {{ }} }}"
        return " UNION ".join("{ " + b + " }" for b in branches)

    def types_pattern(self, subject: str, var: str, admitted: frozenset[str] | None = None) -> str:
        """A group pattern binding var to every type of subject in the closure (the values of the
        path rdf:type): asserted types and their superclasses, domain and range types, rdfs:Resource
        for a node of the graph, rdf:Property for a predicate. Named classes through precomputed
        pairs; blank-node classes (owl:unionOf ranges) through the graph's own schema triples."""
        run = self.run
        fresh = run.fresh
        sub_class, sub_prop = f"<{RDFS.subClassOf}>", f"<{RDFS.subPropertyOf}>"

        def supers(classes: Iterable[ox.Term]) -> set[ox.Term]:
            found: set[ox.Term] = set()
            for c in classes:
                found |= self.super_classes.get(c) or {c}
            return found

        def pairs(items: Iterable[tuple[str, str]]) -> str:
            return " ".join(
                f"(<{a}> <{b}>)" for a, b in sorted(set(items)) if admitted is None or b in admitted
            )

        if admitted is not None:  # only these IRIs can pass the caller's condition: leave the rest out
            listed = " ".join(f"<{a}>" for a in sorted(admitted))
            branches = [f"{subject} <{RDF.type}> {var} . VALUES {var} {{ {listed} }}"]
        else:
            branches = [f"{subject} <{RDF.type}> {var}"]
        a, t0 = fresh(), fresh()
        super_pairs = [
            (c.value, t.value)
            for c in self.super_classes
            if isinstance(c, ox.NamedNode)
            for t in self.super_classes[c]
            if isinstance(t, ox.NamedNode) and t != c
        ]
        if super_pairs:
            branches.append(f"{subject} <{RDF.type}> {a} . VALUES ({a} {var}) {{ {pairs(super_pairs)} }}")
        if admitted is None:
            branches.append(f"{subject} <{RDF.type}> {t0} . FILTER(isBlank({t0})) {t0} {sub_class}+ {var}")
        for kind, declared in (("domain", self.domains), ("range", self.ranges)):
            by_predicate: dict[str, set[ox.Term]] = defaultdict(set)
            for p, d in declared:
                if isinstance(p, ox.NamedNode):
                    for q in self.subproperties(p.value):
                        by_predicate[q] |= supers([d])
            named = [
                (q, t.value) for q, ts in by_predicate.items() for t in ts if isinstance(t, ox.NamedNode)
            ]
            blank = sorted(
                q for q, ts in by_predicate.items() if any(isinstance(t, ox.BlankNode) for t in ts)
            )
            q, x, p, d = fresh(), fresh(), fresh(), fresh()
            triple = f"{subject} {q} {x}" if kind == "domain" else f"{x} {q} {subject}"
            if pairs(named):
                branches.append(f"{triple} . VALUES ({q} {var}) {{ {pairs(named)} }}")
            if blank and admitted is None:
                branches.append(
                    f"{triple} . VALUES {q} {{ {' '.join(f'<{b}>' for b in blank)} }} {q} {sub_prop}* {p} . "
                    f"{p} <{RDFS[kind]}> {d} . {d} {sub_class}* {var} FILTER(isBlank({var}))"
                )
        q, x, y = fresh(), fresh(), fresh()
        for special, test in (
            (RDFS_RESOURCE, f"{{ {subject} {q} {x} }} UNION {{ {x} {q} {subject} }}"),
            (RDF_PROPERTY, f"{x} {subject} {y}"),
        ):
            types = sorted(
                t.value
                for t in supers([ox.NamedNode(special)])
                if isinstance(t, ox.NamedNode) and (admitted is None or t.value in admitted)
            )
            if types:
                branches.append(
                    f"FILTER EXISTS {{ {test} }} VALUES {var} {{ {' '.join(f'<{t}>' for t in types)} }}"
                )
        return " UNION ".join("{ " + b + " }" for b in branches)


# =============================================================================================
# One validation run
# =============================================================================================


@dataclass(eq=False)
class Result:
    shape: Shape
    component: Node
    focus: ox.Term
    value: ox.Term | None
    path: Node | ox.Term | None  # the shape's path node (rdflib), or a path a SPARQL query returned
    messages: tuple[Node, ...]
    source_constraint: Node | None = None
    details: list[Result] = field(default_factory=list)

    @property
    def severity(self) -> Node:
        return self.shape.severity


@dataclass
class Outcome:
    """A shape's results on a set of focus nodes, and which of them do not conform."""

    reports: dict[ox.Term, list[Result]] = field(default_factory=lambda: defaultdict(list))
    nonconforming: set[ox.Term] = field(default_factory=set)


class _Once:
    """Compute each key once, also across threads: a second caller waits for the first one's value."""

    @dataclass
    class _Entry:
        done: threading.Event = field(default_factory=threading.Event)
        owner: int = 0
        value: object = None
        error: BaseException | None = None

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: dict[object, _Once._Entry] = {}

    def get(self, key: object, compute: Callable[[], object]) -> object:
        with self.lock:
            entry = self.entries.get(key)
            owner = entry is None
            if owner:
                entry = self.entries[key] = _Once._Entry(owner=threading.get_ident())
        assert entry is not None
        if owner:
            try:
                entry.value = compute()
            except BaseException as error:
                entry.error = error
                raise
            finally:
                entry.done.set()
            return entry.value
        if entry.owner == threading.get_ident() and not entry.done.is_set():
            raise RuntimeError(f"recursive evaluation of {key!r}")  # pragma: no cover - shapes are acyclic
        entry.done.wait()
        if entry.error is not None:
            raise entry.error
        return entry.value


@dataclass(frozen=True)
class NodeSet:
    """A set of nodes as a SPARQL group pattern over one variable; `key` identifies it. A
    materialised set also has its members (and the pattern reads them from the scratch sets graph)."""

    key: str
    build: Callable[[str], str]
    members: frozenset[ox.Term] | None = None
    ranges: frozenset[ox.Term] = frozenset()  # classes all its nodes are instances of (rdfs:range)

    def pattern(self, var: str) -> str:
        return self.build(var)


class _Run:
    def __init__(
        self, store: ox.Store, compiled: CompiledShapes, ontology: Graph, focus_nodes: Collection[str] | None
    ) -> None:
        self.store = store
        self.compiled = compiled
        self.ontology = ontology
        self.focus = None if focus_nodes is None else sorted(set(focus_nodes))
        self.counter = count()
        self.once = _Once()
        self.lock = threading.Lock()
        self.set_ids = count()
        self.materialised: set[str] = set()
        self.target_keys: set[str] = set()
        self.instance_parts: dict[str, tuple[Callable[[str], str], list[ox.Term]]] = {}
        self.rdfs: Rdfs

    def fresh(self) -> str:
        return f"?_v{next(self.counter)}"

    def select(
        self, query: str, substitutions: dict[ox.Variable, ox.Term] | None = None
    ) -> list[ox.QuerySolution]:
        try:
            return list(
                self.store.query(
                    query,
                    use_default_graph_as_union=True,
                    substitutions=substitutions or None,
                    custom_functions=CUSTOM_FUNCTIONS if str(RDFLIB_STR) in query else None,
                )
            )
        except SyntaxError as error:  # a query the engine wrote: a bug, say which
            raise RuntimeError(f"{error}\n{query}") from None

    # --- scratch graphs

    def prepare(self) -> None:
        for graph in (ONTOLOGY_GRAPH, ENTAILED_GRAPH, SETS_GRAPH):
            if self.store.contains_named_graph(graph):
                raise ValueError(f"the store already holds the engine's scratch graph {graph.value}")
        self.scratch: list[ox.NamedNode] = []
        quads = []
        blank: dict[BNode, ox.BlankNode] = {}

        def term(node: Node) -> ox.Term:
            if isinstance(node, BNode):
                return blank.setdefault(node, ox.BlankNode())
            return to_oxigraph(node)

        for s, p, o in self.ontology:
            triple = (term(s), term(p), term(o))
            if (
                not any(isinstance(t, ox.BlankNode) for t in triple)
                and next(iter(self.store.quads_for_pattern(*triple)), None) is not None
            ):
                continue  # already in the data: the union must hold it once, as pyshacl's graph does
            quads.append(ox.Quad(*triple, ONTOLOGY_GRAPH))  # type: ignore[arg-type]
        self.add_quads(quads, ONTOLOGY_GRAPH)
        self.rdfs = Rdfs(self)

    def add_quads(self, quads: list[ox.Quad], graph: ox.NamedNode) -> None:
        if graph not in self.scratch:
            self.scratch.append(graph)
        if quads:
            self.store.extend(quads)

    def cleanup(self) -> None:
        for graph in getattr(self, "scratch", []):
            if self.store.contains_named_graph(graph):
                self.store.remove_graph(graph)

    def materialise(self, nodes: NodeSet) -> NodeSet:
        """The set's members, computed once and stored in the sets graph: a constraint query then
        reads its focus nodes with one index lookup instead of recomputing the pattern."""
        if nodes.members is not None:
            return nodes

        def compute() -> NodeSet:
            rows = self.select(f"SELECT DISTINCT ?x WHERE {{ {nodes.pattern('?x')} }}")
            return self.term_set(r["x"] for r in rows)

        return self.once.get(("materialised", nodes.key), compute)  # type: ignore[return-value]

    def member(self, var: str, terms: Iterable[ox.Term]) -> str:
        """A SPARQL expression: var is one of these terms (blank nodes through a scratch set)."""
        terms = sorted(set(terms), key=str)
        if not terms:
            return "false"
        blank = [t for t in terms if isinstance(t, ox.BlankNode)]
        named = [t for t in terms if not isinstance(t, ox.BlankNode)]
        parts = []
        if len(named) <= 32:
            parts += [f"sameTerm({var}, {t})" for t in named]
        else:
            parts.append(
                f"EXISTS {{ VALUES {(m := self.fresh())} {{ {' '.join(str(t) for t in named)} }} "
                f"FILTER(sameTerm({m}, {var})) }}"
            )
        if blank:
            set_iri = ox.NamedNode(f"{RESERVED_PREFIX}set/{next(self.set_ids)}")
            self.add_quads([ox.Quad(b, MEMBER, set_iri, SETS_GRAPH) for b in blank], SETS_GRAPH)
            parts.append(f"EXISTS {{ GRAPH {SETS_GRAPH} {{ {var} {MEMBER} {set_iri} }} }}")
        return "(" + " || ".join(parts) + ")"

    # --- node sets and value patterns

    def targets(self, shape: Shape) -> NodeSet:
        """The shape's focus nodes: a pattern that may repeat a node (every consumer is DISTINCT),
        cheap enough to evaluate inside each constraint's query."""
        return self.once.get(("targets", id(shape)), lambda: self._targets(shape))  # type: ignore[return-value]

    def _targets(self, shape: Shape) -> NodeSet:
        t = shape.targets
        restriction = self.relevant(shape)
        if restriction is not None:
            return self.focus_targets(shape, self.materialise(restriction))
        key = f"targets({shape.node})"
        parts: list[NodeSet] = []
        if t.nodes:
            nodes = t.nodes
            parts.append(
                NodeSet(f"nodes{nodes}", lambda var: f"VALUES {var} {{ {' '.join(str(n) for n in nodes)} }}")
            )
        parts += [self.instances(c) for c in t.classes]
        parts += [
            NodeSet(f"subjects({p})", lambda var, p=p: f"{var} {self.rdfs.predicate(p)} {self.fresh()}")
            for p in t.subjects_of
        ]
        parts += [
            NodeSet(f"objects({p})", lambda var, p=p: f"{self.fresh()} {self.rdfs.predicate(p)} {var}")
            for p in t.objects_of
        ]

        def build(var: str) -> str:
            return " UNION ".join("{ " + part.pattern(var) + " }" for part in parts)

        found = NodeSet(key, build)
        if len(parts) > 1 or t.subjects_of or t.objects_of:
            # Several kinds of target, or subjects of a property (one per triple): the distinct
            # nodes once, rather than repeated in every constraint's query.
            found = self.materialise(found)
        with self.lock:
            self.target_keys.add(found.key)
        return found

    def focus_targets(self, shape: Shape, candidates: NodeSet) -> NodeSet:
        """With focus_nodes: the shape's targets among a few candidate nodes, tested one by one."""
        t = shape.targets
        x = "?x"
        tests = []
        if t.nodes:
            tests.append(f"{x} IN ({', '.join(str(n) for n in t.nodes)})")
        tests += [f"EXISTS {{ {self.rdfs.instance_pattern(c, x, bound=True)} }}" for c in t.classes]
        tests += [f"EXISTS {{ {x} {self.rdfs.predicate(p)} {self.fresh()} }}" for p in t.subjects_of]
        tests += [f"EXISTS {{ {self.fresh()} {self.rdfs.predicate(p)} {x} }}" for p in t.objects_of]
        # One FILTER in the candidates' own group: a FILTER alone in a UNION branch would see ?x unbound.
        rows = (
            self.select(
                f"SELECT DISTINCT {x} WHERE {{ {candidates.pattern(x)} FILTER({' || '.join(tests)}) }}"
            )
            if tests and candidates.members
            else []
        )
        found = self.term_set(r["x"] for r in rows)
        with self.lock:
            self.target_keys.add(found.key)
        return found

    def instances(self, cls: str) -> NodeSet:
        """Instances of cls: its subclasses' asserted instances, and the few that are instances only
        through rdfs:domain or rdfs:range (listed once, usually none)."""
        return self.once.get(("instances", cls), lambda: self._instances(cls))  # type: ignore[return-value]

    def _instances(self, cls: str) -> NodeSet:
        key = f"instances({cls})"
        rdfs = self.rdfs
        classes = rdfs.subclasses(ox.NamedNode(cls))
        named = " ".join(f"<{c.value}>" for c in sorted(classes, key=str) if isinstance(c, ox.NamedNode))
        has_blank = any(isinstance(c, ox.BlankNode) for c in classes)

        def asserted(var: str) -> str:
            t = self.fresh()
            pattern = f"{{ {var} <{RDF.type}> {t} . VALUES {t} {{ {named} }} }}"
            if has_blank:
                b, c2 = self.fresh(), self.fresh()
                pattern += (
                    f" UNION {{ {var} <{RDF.type}> {b} . FILTER(isBlank({b})) {b} <{RDFS.subClassOf}>+ {c2} . "
                    f"VALUES {c2} {{ {named} }} }}"
                )
            return pattern

        extras: list[ox.Term] = []
        if rdfs.has_entailed_instances(cls):
            rows = self.select(
                f"SELECT DISTINCT ?x WHERE {{ {{ {rdfs.instance_pattern(cls, '?x', asserted=False)} }} "
                f"MINUS {{ {asserted('?x')} }} }}"
            )
            extras = [r["x"] for r in rows]
        extra_set = self.term_set(extras) if extras else None

        def build(var: str) -> str:
            pattern = asserted(var)
            return pattern if extra_set is None else f"{pattern} UNION {{ {extra_set.pattern(var)} }}"

        self.instance_parts[cls] = (asserted, extras)
        return NodeSet(key, build)

    def class_violations(
        self, shape: Shape, focus: NodeSet, classes: Sequence[str]
    ) -> list[tuple[ox.Term, ox.Term]]:
        """(focus, value) pairs whose value is an instance of none of these classes (a literal never
        is, as pyshacl's sh:class has it): the asserted instances are removed with MINUS, one hash
        anti-join instead of an EXISTS per value."""
        if shape.is_property:
            value_var, value_part = "?v", self.value_pattern(shape, "?this", "?v")
        else:
            value_var, value_part = "?this", ""
        if self.focus is not None:  # few values: test each (MINUS would compute every instance)
            tests = " || ".join(
                f"EXISTS {{ {self.rdfs.instance_pattern(cls, value_var, bound=True)} }}" for cls in classes
            )
            rows = self.select(
                f"SELECT DISTINCT ?this {value_var if shape.is_property else ''} WHERE {{ "
                f"{focus.pattern('?this')} {value_part} FILTER(isLiteral({value_var}) || !({tests})) }}"
            )
            return [(r["this"], r["v"] if shape.is_property else r["this"]) for r in rows]
        minus, extras = [], []
        for cls in classes:
            self.instances(cls)
            asserted, found = self.instance_parts[cls]
            minus.append(f"MINUS {{ {asserted(value_var)} }}")
            extras += [x for x in found if not isinstance(x, ox.Literal)]
        keep = f"FILTER(isLiteral({value_var}) || !{self.member(value_var, extras)})" if extras else ""
        rows = self.select(
            f"SELECT DISTINCT ?this {value_var if shape.is_property else ''} WHERE {{ "
            f"{focus.pattern('?this')} {value_part} {' '.join(minus)} {keep} }}"
        )
        return [(r["this"], r["v"] if shape.is_property else r["this"]) for r in rows]

    def term_set(self, terms: Iterable[ox.Term]) -> NodeSet:
        """These nodes, stored in the sets graph (literals as VALUES: a store has no literal subjects)."""
        members = frozenset(terms)
        iri = ox.NamedNode(f"{RESERVED_PREFIX}set/{next(self.set_ids)}")
        stored = [m for m in members if not isinstance(m, ox.Literal)]
        literals = sorted((m for m in members if isinstance(m, ox.Literal)), key=str)
        self.add_quads([ox.Quad(m, MEMBER, iri, SETS_GRAPH) for m in stored], SETS_GRAPH)

        def build(var: str) -> str:
            parts = ([f"{var} {MEMBER} {iri}"] if stored else []) + (
                [f"VALUES {var} {{ {' '.join(str(x) for x in literals)} }}"] if literals else []
            )
            if not parts:
                return f"{{ VALUES {var} {{ }} }}"
            return " UNION ".join("{ " + x + " }" for x in parts)

        return NodeSet(f"set:{iri.value}", build, members)

    def relevant(self, shape: Shape) -> NodeSet | None:
        """With focus_nodes: the focus nodes of `shape` whose evaluation can report on one of them
        (directly, through sh:property on its values, or as sh:node details)."""
        if self.focus is None:
            return None
        focus_values = " ".join(f"<{iri}>" for iri in self.focus)
        parts: list[NodeSet] = [NodeSet("focus", lambda var: f"VALUES {var} {{ {focus_values} }}")]
        for c in shape.constraints:
            if c.kind in ("property", "node"):
                inner = self.relevant(c.shapes[0])
                if inner is not None:
                    parts.append(self.sources(shape, inner))
        if len(parts) == 1:
            return parts[0]
        return NodeSet(
            "|".join(p.key for p in parts),
            lambda var: (
                "{ SELECT DISTINCT "
                + var
                + " WHERE { "
                + " UNION ".join("{ " + p.pattern(var) + " }" for p in parts)
                + " } }"
            ),
        )

    def sources(self, shape: Shape, values: NodeSet) -> NodeSet:
        """The nodes that have one of `values` as a value of shape."""
        if not shape.is_property:
            return values

        def build(var: str) -> str:
            y = self.fresh()
            return f"{{ SELECT DISTINCT {var} WHERE {{ {values.pattern(y)} {self.value_pattern(shape, var, y)} }} }}"

        return NodeSet(f"sources({shape.node},{values.key})", build)

    def values(self, focus: NodeSet, shape: Shape) -> NodeSet:
        """The value nodes of shape for these focus nodes (for a node shape, the focus nodes)."""
        if not shape.is_property:
            return focus

        def build(var: str) -> str:
            f = self.fresh()
            return f"{{ SELECT DISTINCT {var} WHERE {{ {focus.pattern(f)} {self.value_pattern(shape, f, var)} }} }}"

        return NodeSet(f"values({focus.key},{shape.node})", build, ranges=self.path_ranges(shape))

    def path_ranges(self, shape: Shape) -> frozenset[ox.Term]:
        """Classes every value of the shape's path is an instance of, through rdfs:range (a path of one
        predicate; its super-properties' ranges count, since their triples are entailed)."""
        step = shape.path
        if step is None or step.kind != "iri" or _is_type_path(step):
            return frozenset()
        rdfs = self.rdfs
        supers = rdfs.super_properties.get(ox.NamedNode(step.iri or "")) or {ox.NamedNode(step.iri or "")}
        found: set[ox.Term] = set()
        for p, r in rdfs.ranges:
            if p in supers:
                found |= rdfs.super_classes.get(r) or {r}
        return frozenset(found)

    def value_pattern(
        self, shape: Shape, this: str, value: str, admitted: frozenset[str] | None = None
    ) -> str:
        assert shape.path is not None
        if _is_type_path(shape.path):
            return self.rdfs.types_pattern(this, value, admitted)
        return f"{this} {self.path_text(shape.path)} {value} ."

    def path_text(self, step: PathStep, inverse: bool = False) -> str:
        """The path in SPARQL, sub-properties followed; an inverse is pushed down to each predicate
        without reversing sequences, as pyshacl's value_nodes_from_path does."""
        if step.kind == "iri":
            assert step.iri is not None
            return ("^" if inverse else "") + self.rdfs.predicate(step.iri)
        if step.kind == "inverse":
            return self.path_text(step.parts[0], not inverse)
        if step.kind in ("sequence", "alternative"):
            joiner = " / " if step.kind == "sequence" else " | "
            return "(" + joiner.join(self.path_text(p, inverse) for p in step.parts) + ")"
        suffix = {"zeroOrMore": "*", "oneOrMore": "+", "zeroOrOne": "?"}[step.kind]
        return "(" + self.path_text(step.parts[0], inverse) + ")" + suffix

    def pairs(
        self, focus: NodeSet, shape: Shape, condition: str = "", only: Iterable[ox.Term] | None = None
    ) -> list[tuple[ox.Term, ox.Term]]:
        """(focus node, value node) pairs, only those meeting condition (a FILTER expression over ?v)
        or whose value is in `only`."""
        if shape.is_property:
            value_var, value_part = "?v", self.value_pattern(shape, "?this", "?v")
        else:
            value_var, value_part = "?this", ""
        restrict = "" if only is None else f"FILTER({self.member(value_var, only)})"
        where = f"FILTER({condition})" if condition else ""
        rows = self.select(
            f"SELECT DISTINCT ?this {value_var if shape.is_property else ''} WHERE {{ "
            f"{focus.pattern('?this')} {value_part} {restrict} {where} }}"
        )
        return [(r["this"], r["v"] if shape.is_property else r["this"]) for r in rows]

    # --- evaluation of a shape on a set of focus nodes

    def evaluate(self, shape: Shape, focus: NodeSet) -> Outcome:
        """The shape's results and non-conforming nodes on these focus nodes (a target set, or a
        set of value nodes that is materialised first)."""
        if (
            self.focus is None
            and shape.targets
            and {ox.NamedNode(c) for c in shape.targets.classes} & focus.ranges
        ):
            # Every node is an instance of a class the shape targets (the values of ikg:implements,
            # whose range is ikg:DocumentPart): the shape's evaluation on its targets covers them.
            # Its outcome has more nodes than asked for; callers only look up the ones they have.
            return self.evaluate(shape, self.targets(shape))
        if focus.key not in self.target_keys:
            focus = self.materialise(focus)
        return self.once.get(
            ("outcome", id(shape), focus.key),  # type: ignore[return-value]
            lambda: self._evaluate(shape, focus),
        )

    def _evaluate(self, shape: Shape, focus: NodeSet) -> Outcome:
        targets = self.targets(shape) if shape.targets else None
        if focus.members is not None and targets is not None and targets.key != focus.key:
            # A shape's results on a node do not depend on why the node is checked: when the nodes
            # are all among the shape's own targets, take them from that evaluation.
            outside = self.select(
                f"SELECT ?x WHERE {{ {focus.pattern('?x')} FILTER NOT EXISTS {{ "
                f"{targets.pattern('?x')} }} }} LIMIT 1"
            )
            if not outside:
                whole = self.evaluate(shape, targets)
                part = Outcome()
                for node in focus.members:
                    if node in whole.reports:
                        part.reports[node] = whole.reports[node]
                part.nonconforming = whole.nonconforming & focus.members
                return part
        outcome = Outcome()
        if shape.deactivated or focus.members == frozenset():
            return outcome
        for index, constraint in enumerate(shape.constraints):
            for focus_node, result in self.constraint_results(shape, index, focus):
                outcome.reports[focus_node].append(result)
                if constraint.custom or (
                    shape.severity not in ALLOWED_SEVERITIES and result.severity not in ALLOWED_SEVERITIES
                ):
                    outcome.nonconforming.add(focus_node)
        return outcome

    def constraint_results(self, shape: Shape, index: int, focus: NodeSet) -> list[tuple[ox.Term, Result]]:
        """One constraint's results on these focus nodes (computed once; callers copy, never change them)."""
        return self.once.get(
            ("constraint", id(shape), index, focus.key),  # type: ignore[return-value]
            lambda: list(self.check(shape, shape.constraints[index], focus)),
        )

    def result(
        self,
        shape: Shape,
        constraint: Constraint,
        focus: ox.Term,
        value: ox.Term | None,
        component: Node | None = None,
    ) -> Result:
        return Result(
            shape=shape,
            component=component or constraint.component,
            focus=focus,
            value=value,
            path=shape.path_node,
            messages=shape.messages,
        )

    def check(self, shape: Shape, c: Constraint, focus: NodeSet) -> Iterator[tuple[ox.Term, Result]]:
        kind = c.kind
        if kind == "class" or (kind == "or" and c.shapes and all(_plain_class_check(s) for s in c.shapes)):
            classes = [c.value] if kind == "class" else [s.constraints[0].value for s in c.shapes]
            for f, v in self.class_violations(shape, focus, classes):  # type: ignore[arg-type]
                yield f, self.result(shape, c, f, v)
        elif kind in VALUE_LOCAL_KINDS and kind != "hasValue":
            var = "?v" if shape.is_property else "?this"
            condition = self.pass_expression(c, self.values(focus, shape), var)
            for f, v in self.pairs(focus, shape, f"!({condition})"):
                yield f, self.result(shape, c, f, v)
        elif kind == "hasValue":
            if shape.is_property:
                rows = self.select(
                    f"SELECT DISTINCT ?this WHERE {{ {focus.pattern('?this')} FILTER NOT EXISTS {{ "
                    f"{self.value_pattern(shape, '?this', '?v')} FILTER(sameTerm(?v, {c.value})) }} }}"
                )
            else:
                rows = self.select(
                    f"SELECT DISTINCT ?this WHERE {{ {focus.pattern('?this')} "
                    f"FILTER(!sameTerm(?this, {c.value})) }}"
                )
            for r in rows:
                yield r["this"], self.result(shape, c, r["this"], None)
        elif kind in ("minCount", "maxCount"):
            for f in self.count_violations(shape, focus, kind == "minCount", c.value):  # type: ignore[arg-type]
                yield f, self.result(shape, c, f, None)
        elif kind == "qualified":
            low, high = c.value  # type: ignore[misc]
            candidates = self.values(focus, shape)

            def condition(var: str) -> str:
                return self.shape_pass(c.shapes[0], candidates, var)

            admitted = _admitted_iris(c.shapes[0])
            if low is not None and low > 0 and high is not None:  # both bounds: one count per focus node
                for f, number in self.counts_outside(shape, focus, low, high, condition, admitted):
                    component = (
                        SH.QualifiedMinCountConstraintComponent
                        if number < low
                        else SH.QualifiedMaxCountConstraintComponent
                    )
                    yield f, self.result(shape, c, f, None, component)
                return
            if low is not None and low > 0:
                for f in self.count_violations(shape, focus, True, low, condition, admitted):
                    yield f, self.result(shape, c, f, None, SH.QualifiedMinCountConstraintComponent)
            if high is not None:
                for f in self.count_violations(shape, focus, False, high, condition, admitted):
                    yield f, self.result(shape, c, f, None, SH.QualifiedMaxCountConstraintComponent)
        elif kind == "uniqueLang":
            rows = self.select(
                f"SELECT ?this ?lang WHERE {{ {focus.pattern('?this')} {self.value_pattern(shape, '?this', '?v')} "
                f"FILTER(isLiteral(?v) && LANG(?v) != \"\") BIND(LCASE(LANG(?v)) AS ?lang) }} "
                f"GROUP BY ?this ?lang HAVING (COUNT(DISTINCT ?v) > 1)"
            )
            for r in rows:
                yield r["this"], self.result(shape, c, r["this"], None)
        elif kind == "property":
            yield from self.check_nested_reports(shape, c, focus, as_details=False)
        elif kind == "node":
            yield from self.check_nested_reports(shape, c, focus, as_details=True)
        elif kind in ("sparql", "component"):
            yield from self.check_sparql(shape, c, focus)
        else:  # pragma: no cover - compile_shapes refuses anything else
            raise AssertionError(kind)

    def count_violations(
        self,
        shape: Shape,
        focus: NodeSet,
        at_least: bool,
        number: int,
        condition: Callable[[str], str] | None = None,
        admitted: frozenset[str] | None = None,
    ) -> list[ox.Term]:
        """Focus nodes with fewer than (at_least) or more than `number` distinct values meeting
        condition (which only IRIs in `admitted`, when given, can meet)."""
        where = f"FILTER({condition('?v')})" if condition else ""
        value = self.value_pattern(shape, "?this", "?v", admitted)
        if at_least and number == 1:
            query = (
                f"SELECT DISTINCT ?this WHERE {{ {focus.pattern('?this')} "
                f"FILTER NOT EXISTS {{ {value} {where} }} }}"
            )
        elif at_least:
            query = (
                f"SELECT ?this WHERE {{ {focus.pattern('?this')} OPTIONAL {{ {value} {where} }} }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) < {number})"
            )
        elif number == 1 and shape.path is not None and not _is_type_path(shape.path):
            # two different values: a self-join is cheaper than counting every node's values
            other = self.value_pattern(shape, "?this", "?w")
            where_w = f"FILTER({condition('?w')})" if condition else ""
            query = (
                f"SELECT DISTINCT ?this WHERE {{ {focus.pattern('?this')} {value} {where} {other} {where_w} "
                f"FILTER(!sameTerm(?v, ?w)) }}"
            )
        else:
            query = (
                f"SELECT ?this WHERE {{ {focus.pattern('?this')} {value} {where} }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {number})"
            )
        return [r["this"] for r in self.select(query)]

    def counts_outside(
        self,
        shape: Shape,
        focus: NodeSet,
        low: int,
        high: int,
        condition: Callable[[str], str],
        admitted: frozenset[str] | None,
    ) -> list[tuple[ox.Term, int]]:
        """Focus nodes whose number of distinct values meeting condition is below low or above high."""
        value = self.value_pattern(shape, "?this", "?v", admitted)
        rows = self.select(
            f"SELECT ?this (COUNT(DISTINCT ?v) AS ?n) WHERE {{ {focus.pattern('?this')} "
            f"OPTIONAL {{ {value} FILTER({condition('?v')}) }} }} GROUP BY ?this "
            f"HAVING (COUNT(DISTINCT ?v) < {low} || COUNT(DISTINCT ?v) > {high})"
        )
        return [(r["this"], int(r["n"].value)) for r in rows]

    def check_nested_reports(
        self, shape: Shape, c: Constraint, focus: NodeSet, *, as_details: bool
    ) -> Iterator[tuple[ox.Term, Result]]:
        inner = c.shapes[0]
        outcome = self.evaluate(inner, self.values(focus, shape))
        if as_details:  # sh:node: a result when the node does not conform or reports anything
            bad = set(outcome.nonconforming) | {v for v, r in outcome.reports.items() if r}
        else:
            bad = {v for v, r in outcome.reports.items() if r}
        if not bad:
            return
        for f, v in self.pairs(focus, shape, only=bad):
            if as_details:
                result = self.result(shape, c, f, v)
                result.details = [_copy(r) for r in outcome.reports.get(v, [])]
                yield f, result
            else:
                for r in outcome.reports.get(v, []):
                    yield f, _copy(r)

    # --- conditions on value nodes

    def shape_pass(self, shape: Shape, candidates: NodeSet, var: str) -> str:
        """A SPARQL expression: the node in var conforms to shape (nested, as pyshacl judges it with
        allow_warnings). Value-local shapes become conditions; others are evaluated on the candidates."""
        return self.once.get(
            ("pass", id(shape), candidates.key, var),  # type: ignore[return-value]
            lambda: self._shape_pass(shape, candidates, var),
        )

    def _shape_pass(self, shape: Shape, candidates: NodeSet, var: str) -> str:
        if (
            shape.deactivated
            or shape.severity in ALLOWED_SEVERITIES
            and not any(c.custom for c in shape.constraints)
        ):
            expression = "true"
        elif shape.is_value_local():
            parts = [self.pass_expression(c, candidates, var) for c in shape.constraints]
            expression = "(" + " && ".join(parts) + ")" if parts else "true"
        else:
            outcome = self.evaluate(shape, candidates)
            expression = f"!{self.member(var, outcome.nonconforming)}" if outcome.nonconforming else "true"
        return expression

    def pass_expression(self, c: Constraint, candidates: NodeSet, var: str) -> str:
        """A SPARQL expression: the value node in var satisfies this value-local constraint."""
        v = var
        if c.kind == "class":
            return f"(!isLiteral({v}) && EXISTS {{ {self.rdfs.instance_pattern(c.value, v, bound=True)} }})"  # type: ignore[arg-type]
        if c.kind == "nodeKind":
            iri, blank, literal = f"isIRI({v})", f"isBlank({v})", f"isLiteral({v})"
            kinds = {
                SH.IRI: iri,
                SH.BlankNode: blank,
                SH.Literal: literal,
                SH.BlankNodeOrIRI: f"({blank} || {iri})",
                SH.BlankNodeOrLiteral: f"({blank} || {literal})",
                SH.IRIOrLiteral: f"({iri} || {literal})",
            }
            return kinds[c.value]  # type: ignore[index]
        if c.kind == "datatype":
            return self.datatype_expression(c.value, candidates, v)  # type: ignore[arg-type]
        if c.kind == "in":
            return self.member(v, c.value)  # type: ignore[arg-type]
        if c.kind == "hasValue":
            return f"sameTerm({v}, {c.value})"
        if c.kind == "languageIn":
            languages: frozenset[str] = c.value  # type: ignore[assignment]
            if "*" in languages:
                return f"(isLiteral({v}) && LANG({v}) != \"\")"
            listed = ", ".join('"' + x.replace('"', '') + '"' for x in sorted(languages)) or '""'
            return (
                f"(isLiteral({v}) && LANG({v}) != \"\" && (LCASE(LANG({v})) IN ({listed}) || "
                f"LCASE(STRBEFORE(CONCAT(LANG({v}), \"-\"), \"-\")) IN ({listed})))"
            )
        if c.kind == "length":
            bound, number = c.value  # type: ignore[misc]
            if bound == "min" and number == 0:
                return "true"
            return f"(!isBlank({v}) && STRLEN(STR({v})) {'>=' if bound == 'min' else '<='} {number})"
        if c.kind in ("pattern", "range"):
            failing = self.python_failures(c, candidates)
            base = f"!isBlank({v})" if c.kind == "pattern" else f"isLiteral({v})"
            return f"({base} && !{self.member(v, failing)})" if failing else base
        if c.kind in ("or", "and", "xone", "not"):
            parts = [self.shape_pass(s, candidates, v) for s in c.shapes]
            if c.kind == "not":
                return f"!({parts[0]})"
            if c.kind == "or":
                return "(" + " || ".join(parts) + ")" if parts else "false"
            if c.kind == "and":
                return "(" + " && ".join(parts) + ")" if parts else "true"
            return "((" + " + ".join(f"IF({p}, 1, 0)" for p in parts) + ") = 1)" if parts else "false"
        raise AssertionError(c.kind)  # pragma: no cover

    def datatype_expression(self, datatype: str, candidates: NodeSet, v: str) -> str:
        """pyshacl's DatatypeConstraintComponent: rdflib decides whether a literal is ill-typed."""
        if datatype == str(RDFS.Literal):
            return f"isLiteral({v})"
        if datatype == str(RDFS.Datatype):
            return f"(isLiteral({v}) && DATATYPE({v}) != {XSD_STRING} && LANG({v}) = \"\")"
        if datatype == str(XSD.string):
            return f"(isLiteral({v}) && LANG({v}) = \"\" && DATATYPE({v}) = {XSD_STRING})"
        if datatype == str(RDF.langString):
            return f"(isLiteral({v}) && LANG({v}) != \"\")"
        rows = self.select(
            f"SELECT DISTINCT ?x WHERE {{ {candidates.pattern('?x')} "
            f"FILTER(isLiteral(?x) && DATATYPE(?x) = <{datatype}>) }}"
        )
        ill = [r["x"] for r in rows if not _datatype_matches(r["x"], URIRef(datatype))]
        base = f"(isLiteral({v}) && LANG({v}) = \"\" && DATATYPE({v}) = <{datatype}>"
        return base + (f" && !{self.member(v, ill)})" if ill else ")")

    def python_failures(self, c: Constraint, candidates: NodeSet) -> list[ox.Term]:
        """Candidate values that fail a check whose semantics are pyshacl's Python code."""
        wanted = "!isBlank(?x)" if c.kind == "pattern" else "isLiteral(?x)"
        rows = self.select(f"SELECT DISTINCT ?x WHERE {{ {candidates.pattern('?x')} FILTER({wanted}) }}")
        if c.kind == "pattern":
            regex: re.Pattern[str] = c.value  # type: ignore[assignment]
            return [r["x"] for r in rows if not regex.search(r["x"].value)]
        kind, bound = c.value  # type: ignore[misc]
        return [r["x"] for r in rows if not _in_range(to_rdflib(r["x"]), kind, bound)]

    # --- SPARQL-based constraints

    def check_sparql(self, shape: Shape, c: Constraint, focus: NodeSet) -> Iterator[tuple[ox.Term, Result]]:
        q = c.query
        assert q is not None
        texts = {"PATH": _pyshacl_path(shape.path)} if q.uses_path and shape.path is not None else {}
        terms = {name: str(to_oxigraph(value)) for name, value in c.parameters}
        if q.binds_current_shape:
            terms["currentShape"] = f"<{shape.node}>"
        self.materialise_for(
            q.prologue
            + "SELECT * WHERE { VALUES ?this { <urn:x:this> } "
            + "".join(_substitute(q.body_tokens, dict(texts, __focus__=""), terms))
            + "}"
        )
        # The focus nodes go into the MINUS groups too when they are few; for all of a shape's targets
        # the anti-join over the whole graph is faster.
        few = focus.members is not None and len(focus.members) <= SMALL_SET
        body = "".join(
            _substitute(q.body_tokens, dict(texts, __focus__=focus.pattern("?this") if few else ""), terms)
        )
        runs: list[tuple[str, str | None]] = []  # (injection, variable holding the value node)
        if c.kind == "sparql":
            runs.append((focus.pattern("?this"), None))
        elif not q.binds_value:
            if shape.is_property:
                runs.append(
                    (focus.pattern("?this") + " " + self.value_pattern(shape, "?this", "?_vin"), "_vin")
                )
            else:
                runs.append((focus.pattern("?this"), "this"))
        else:
            # pyshacl pre-binds ?value only when rdflib finds the value node true (`if valuenode:`):
            # for a falsy literal ("0", "", "false"^^xsd:boolean, …) the query runs with ?value free.
            candidates = self.values(focus, shape)
            rows = self.select(
                f"SELECT DISTINCT ?x WHERE {{ {candidates.pattern('?x')} FILTER(isLiteral(?x) && "
                f"(STRLEN(STR(?x)) = 0 || DATATYPE(?x) != {XSD_STRING} && LANG(?x) = \"\")) }}"
            )
            falsy = [r["x"] for r in rows if not bool(to_rdflib(r["x"]))]
            keep = f"FILTER(!{self.member('?value', falsy)})" if falsy else ""
            if shape.is_property:
                runs.append(
                    (
                        focus.pattern("?this") + " " + self.value_pattern(shape, "?this", "?value") + keep,
                        "value",
                    )
                )
                if falsy:
                    runs.append(
                        (
                            focus.pattern("?this")
                            + " "
                            + self.value_pattern(shape, "?this", "?_vin")
                            + f" FILTER({self.member('?_vin', falsy)})",
                            "_vin",
                        )
                    )
            else:
                runs.append(
                    (
                        focus.pattern("?this") + " BIND(?this AS ?value) " + keep.replace("?value", "?this"),
                        "value",
                    )
                )
                if falsy:
                    runs.append((focus.pattern("?this") + f" FILTER({self.member('?this', falsy)})", "this"))
        projection = set(q.projection)
        seen: set[tuple] = set()
        failed_foci: set[ox.Term] = set()
        for injection, value_var in runs:
            extras = [v for v in ("this", value_var) if v is not None and v not in projection]
            projection_text = "".join(_substitute(tokenize(q.projection_text), {}, terms))
            text = (
                f"{q.prologue}SELECT DISTINCT {' '.join('?' + v for v in dict.fromkeys(extras))} {projection_text} "
                f"WHERE {{ {injection} {body} }}"
            )
            for row in self.select(text):
                f = row["this"]
                bound = {name: row[name] for name in q.projection if row[name] is not None}
                if c.kind == "component":
                    yield from self.component_result(
                        shape, c, f, row[value_var] if value_var else None, bound, seen
                    )
                else:
                    yield from self.sparql_constraint_result(shape, c, f, bound, failed_foci, seen)

    def component_result(
        self,
        shape: Shape,
        c: Constraint,
        f: ox.Term,
        vin: ox.Term | None,
        bound: dict[str, ox.Term],
        seen: set[tuple],
    ) -> Iterator[tuple[ox.Term, Result]]:
        """pyshacl's BoundShapeValidatorComponent for one row: a set of (value node, (this, path,
        value)) per focus node; the shape's messages as they are (language kept)."""
        t, p, v = bound.get("this"), bound.get("path"), bound.get("value")
        if _truthy(p) or _truthy(v) or _truthy(t):
            key: tuple = (f, vin, t, p, v)
        elif "failure" in bound and _truthy(bound["failure"]):
            key = (f, vin, True)
        else:
            return
        if key in seen:
            return
        seen.add(key)
        report_value = None if shape.is_property else vin
        if key[2] is True:
            yield f, self.result(shape, c, f, report_value)
            return
        focus_node = t if _truthy(t) else f
        result = self.result(shape, c, focus_node, v if v is not None else report_value)
        if p is not None:
            result.path = p
        if not shape.messages:
            result.messages = (GENERIC_COMPONENT_MESSAGE,)
        yield f, result

    def sparql_constraint_result(
        self,
        shape: Shape,
        c: Constraint,
        f: ox.Term,
        bound: dict[str, ox.Term],
        failed_foci: set[ox.Term],
        seen: set[tuple],
    ) -> Iterator[tuple[ox.Term, Result]]:
        """pyshacl's SPARQLBasedConstraint: messages formatted with the row's variables, language dropped."""
        result_value = None if shape.is_property else f
        others = {k: to_rdflib(x) for k, x in bound.items() if k not in ("failure", "path", "value", "this")}
        if "failure" in bound:
            if f in failed_foci:
                return
            failed_foci.add(f)
            result = self.result(shape, c, f, result_value)
            result.messages = _formatted_messages(c.messages, shape.messages, others)
            result.source_constraint = c.query.node  # type: ignore[union-attr]
            yield f, result
            return
        t, p, v = bound.get("this"), bound.get("path"), bound.get("value")
        if t is None and p is None and v is None:
            return
        key = (f, t, p, v, tuple(sorted(others.items())))
        if key in seen:
            return
        seen.add(key)
        v = v if v is not None else result_value
        variables = dict(others)
        for name, term in (("this", t), ("path", p), ("value", v)):
            if term is not None:
                variables[name] = to_rdflib(term)
        result = self.result(shape, c, t if _truthy(t) else f, v)
        if p is not None:
            result.path = p
        result.messages = _formatted_messages(c.messages, shape.messages, variables)
        result.source_constraint = c.query.node  # type: ignore[union-attr]
        yield f, result

    # --- entailments a SPARQL query can observe, materialised before it runs

    def materialise_for(self, query: str) -> None:
        with self.lock:  # one at a time: a query must not run before what it observes is in the store
            self._materialise_for(query)

    def _materialise_for(self, query: str) -> None:
        if query in self.materialised:
            return
        self.materialised.add(query)
        observed = observe(query)
        rdfs = self.rdfs
        quads: list[ox.Quad] = []
        if observed.everything:
            observed.all_types = True
            observed.predicates |= {p.value for p in rdfs.sub_properties if isinstance(p, ox.NamedNode)}
            observed.predicates |= {str(RDFS.subClassOf), str(RDFS.subPropertyOf)}
        for prop in sorted(observed.predicates):
            done = f"predicate {prop}"
            if done in self.materialised:
                continue
            self.materialised.add(done)
            if prop == str(RDFS.subClassOf):
                quads += self.schema_quads(rdfs.super_classes, str(RDFS.subClassOf), rdfs.class_edges)
            elif prop == str(RDFS.subPropertyOf):
                quads += self.schema_quads(
                    rdfs.super_properties,
                    str(RDFS.subPropertyOf),
                    rdfs.property_edges,
                    reflexive_predicates=True,
                )
            else:
                subs = [q for q in rdfs.subproperties(prop) if q != prop]
                if subs:
                    rows = self.select(
                        f"SELECT DISTINCT ?s ?o WHERE {{ ?s ({'|'.join(f'<{q}>' for q in subs)}) ?o "
                        f"FILTER NOT EXISTS {{ ?s <{prop}> ?o }} }}"
                    )
                    quads += [ox.Quad(r["s"], ox.NamedNode(prop), r["o"], ENTAILED_GRAPH) for r in rows]
        classes: set[ox.Term] = set()
        if observed.all_types:
            classes = set(rdfs.super_classes) | {d for _, d in rdfs.domains} | {r for _, r in rdfs.ranges}
            classes |= {ox.NamedNode(RDFS_RESOURCE), ox.NamedNode(RDF_PROPERTY)}
        for cls in observed.classes:
            classes |= rdfs.subclasses(ox.NamedNode(cls))
        wanted = sorted(
            {c for c in classes if isinstance(c, ox.NamedNode)}
            - {ox.NamedNode(x[len("class ") :]) for x in self.materialised if x.startswith("class ")},
            key=str,
        )
        if wanted:
            self.materialised.update(f"class {c.value}" for c in wanted)
            quads += self.type_quads(set(wanted))
        if quads:
            self.add_quads(quads, ENTAILED_GRAPH)

    def schema_quads(
        self,
        closure: dict[ox.Term, set[ox.Term]],
        predicate: str,
        asserted: set[tuple[ox.Term, ox.Term]],
        reflexive_predicates: bool = False,
    ) -> list[ox.Quad]:
        pairs = {(a, b) for a, supers in closure.items() for b in supers if a != b}
        if predicate == str(RDFS.subClassOf):  # (c a rdfs:Class) → c rdfs:subClassOf c
            pairs |= {(a, a) for a, b in asserted if b == ox.NamedNode(RDFS_RESOURCE)}
        if reflexive_predicates:  # (p a rdf:Property) → p rdfs:subPropertyOf p, for every predicate
            rows = self.select("SELECT DISTINCT ?p WHERE { ?s ?p ?o }")
            pairs |= {(r["p"], r["p"]) for r in rows}
            pairs |= {(a, a) for a in closure}
        quads = []
        for a, b in sorted(pairs, key=str):
            if isinstance(a, ox.Literal) or isinstance(b, ox.Literal):
                continue
            if next(iter(self.store.quads_for_pattern(a, ox.NamedNode(predicate), b)), None) is None:
                quads.append(ox.Quad(a, ox.NamedNode(predicate), b, ENTAILED_GRAPH))
        return quads

    def type_quads(self, classes: set[ox.Term]) -> list[ox.Quad]:
        """Entailed `x rdf:type c` for these classes, x not a literal (a store has no literal subjects:
        the types owlrl gives literals through rdfs:range are what SPARQL validators cannot see)."""
        rdfs = self.rdfs
        quads: list[ox.Quad] = []
        named = sorted(classes, key=str)
        type_pairs = sorted(
            {
                (t0.value, t.value)
                for t in named
                for t0 in rdfs.subclasses(t)
                if isinstance(t0, ox.NamedNode) and t0 != t
            }
        )
        domain_pairs = sorted(
            {
                (q, t.value)
                for t in named
                for p, d in rdfs.domains
                if d in rdfs.subclasses(t) and isinstance(p, ox.NamedNode)
                for q in rdfs.subproperties(p.value)
            }
        )
        range_pairs = sorted(
            {
                (q, t.value)
                for t in named
                for p, r in rdfs.ranges
                if r in rdfs.subclasses(t) and isinstance(p, ox.NamedNode)
                for q in rdfs.subproperties(p.value)
            }
        )
        branches = []
        for pairs, pattern in (
            (type_pairs, f"?x <{RDF.type}> ?a"),
            (domain_pairs, "?x ?a ?o"),
            (range_pairs, "?s ?a ?x FILTER(!isLiteral(?x))"),
        ):
            if pairs:
                values = " ".join(f"(<{a}> <{b}>)" for a, b in pairs)
                branches.append(f"{{ {pattern} . VALUES (?a ?t) {{ {values} }} }}")
        if branches:
            rows = self.select(
                f"SELECT DISTINCT ?x ?t WHERE {{ {' UNION '.join(branches)} "
                f"FILTER NOT EXISTS {{ ?x <{RDF.type}> ?t }} }}"
            )
            quads += [ox.Quad(r["x"], RDF_TYPE, r["t"], ENTAILED_GRAPH) for r in rows]
        # Every subject and object is an rdfs:Resource, every predicate an rdf:Property, and so an
        # instance of their superclasses.
        for special, query in (
            (
                RDFS_RESOURCE,
                "SELECT DISTINCT ?x WHERE { { ?x ?p ?o } UNION { ?s ?p ?x "
                "FILTER(!isLiteral(?x)) } FILTER NOT EXISTS { ?x a <%s> } }",
            ),
            (RDF_PROPERTY, "SELECT DISTINCT ?x WHERE { ?s ?x ?o FILTER NOT EXISTS { ?x a <%s> } }"),
        ):
            supers = rdfs.super_classes.get(ox.NamedNode(special)) or {ox.NamedNode(special)}
            for cls in named:
                if cls in supers:
                    quads += [
                        ox.Quad(r["x"], RDF_TYPE, cls, ENTAILED_GRAPH) for r in self.select(query % cls.value)
                    ]
        return quads

    # --- the whole run

    def execute(self) -> list[Result]:
        self.prepare()
        shapes = [s for s in self.compiled.top_level if not s.deactivated]
        tasks = [(shape, index) for shape in shapes for index in range(len(shape.constraints))]
        with ThreadPoolExecutor(WORKERS) as pool:
            # The target sets first, then every constraint of every shape with targets, on the
            # workers; nested shapes run inside their constraint, and what two of them share is
            # computed once (self.once).
            for future in [pool.submit(self.targets, shape) for shape in shapes]:
                future.result()
            futures = [
                pool.submit(lambda s, i: self.constraint_results(s, i, self.targets(s)), shape, index)
                for shape, index in tasks
            ]
            for future in futures:
                future.result()
        results: list[Result] = []
        for shape in self.compiled.top_level:
            outcome = self.evaluate(shape, self.targets(shape))
            for focus_node in sorted(outcome.reports, key=str):
                results.extend(outcome.reports[focus_node])
        return results


@dataclass
class Observed:
    predicates: set[str] = field(default_factory=set)
    classes: set[str] = field(default_factory=set)
    all_types: bool = False
    everything: bool = False


def observe(query: str) -> Observed:
    """Which entailed triples a SPARQL query can see: its predicates, the classes it asks rdf:type
    of, or everything (a variable predicate, a negated property set, rdf:type with a variable class)."""
    found = _observe(query)
    return Observed(set(found.predicates), set(found.classes), found.all_types, found.everything)


@lru_cache(maxsize=1024)
def _observe(query: str) -> Observed:
    from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, Path, SequencePath
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery
    from rdflib.plugins.sparql.parserutils import CompValue

    found = Observed()
    algebra = translateQuery(parseQuery(query)).algebra

    def leaves(path: object) -> Iterator[object]:
        if isinstance(path, (SequencePath, AlternativePath)):
            for a in path.args:
                yield from leaves(a)
        elif isinstance(path, (InvPath, MulPath)):
            yield from leaves(path.arg if isinstance(path, InvPath) else path.path)
        elif isinstance(path, NegatedPath):
            found.everything = True
        else:
            yield path

    def triple(p: object, o: object) -> None:
        if isinstance(p, URIRef):
            if p == RDF.type:
                if isinstance(o, URIRef):
                    found.classes.add(str(o))
                else:
                    found.all_types = True
            else:
                found.predicates.add(str(p))
        elif isinstance(p, Path):
            if (
                isinstance(p, SequencePath)
                and len(p.args) == 2
                and p.args[0] == RDF.type
                and isinstance(p.args[1], MulPath)
                and p.args[1].path == RDFS.subClassOf
                and isinstance(o, URIRef)
            ):
                found.classes.add(str(o))
                found.predicates.add(str(RDFS.subClassOf))
                return
            for leaf in leaves(p):
                if leaf == RDF.type:
                    found.all_types = True
                elif isinstance(leaf, URIRef):
                    found.predicates.add(str(leaf))
                else:
                    found.everything = True
        else:
            found.everything = True

    def walk(node: object) -> None:
        if isinstance(node, CompValue):
            for key, value in node.items():
                if key == "triples":
                    for t in value:
                        t = list(t)
                        if len(t) == 3:
                            triple(t[1], t[2])
                else:
                    walk(value)
        elif isinstance(node, (list, tuple)):
            for x in node:
                walk(x)

    walk(algebra)
    return found


def _pyshacl_path(step: PathStep, top: bool = True) -> str:
    """The path as pyshacl's shacl_path_to_sparql_path writes it for $PATH (full IRIs)."""
    if step.kind == "iri":
        return f"<{step.iri}>"
    if step.kind == "inverse":
        return "^" + _pyshacl_path(step.parts[0], False)
    if step.kind in ("sequence", "alternative"):
        text = (" / " if step.kind == "sequence" else " | ").join(_pyshacl_path(p, False) for p in step.parts)
        return text if top else f"({text})"
    suffix = {"zeroOrMore": "*", "oneOrMore": "+", "zeroOrOne": "?"}[step.kind]
    return _pyshacl_path(step.parts[0], False) + suffix


def _admitted_iris(shape: Shape) -> frozenset[str] | None:
    """When a node conforms to this nested shape only if it is one of the IRIs of its sh:in, those."""
    if shape.deactivated or shape.severity in ALLOWED_SEVERITIES or not shape.is_value_local():
        return None
    for c in shape.constraints:
        if c.kind == "in" and all(isinstance(t, ox.NamedNode) for t in c.value):  # type: ignore[union-attr]
            return frozenset(t.value for t in c.value)  # type: ignore[union-attr]
    return None


def _is_type_path(step: PathStep) -> bool:
    return step.kind == "iri" and step.iri == str(RDF.type)


def _plain_class_check(shape: Shape) -> bool:
    """A nested shape that is just `[ sh:class C ]`, judged as a Violation."""
    return (
        not shape.is_property
        and not shape.deactivated
        and shape.severity not in ALLOWED_SEVERITIES
        and len(shape.constraints) == 1
        and shape.constraints[0].kind == "class"
    )


def _truthy(term: ox.Term | None) -> bool:
    """rdflib's truth value of a term (pyshacl tests result variables with `if p or v or t`)."""
    return term is not None and bool(to_rdflib(term))


def _copy(result: Result) -> Result:
    return Result(
        shape=result.shape,
        component=result.component,
        focus=result.focus,
        value=result.value,
        path=result.path,
        messages=result.messages,
        source_constraint=result.source_constraint,
        details=[_copy(d) for d in result.details],
    )


def _formatted_messages(
    own: Sequence[Literal], shape_messages: Sequence[Node], variables: dict[str, Node]
) -> tuple[Node, ...]:
    """pyshacl's make_v_result with bound variables: {?name} and {$name} replaced, language dropped."""

    def format_message(m: Node) -> Node:
        if not isinstance(m, Literal):
            return m
        text = str(m.value)
        for name, value in variables.items():
            text = re.sub(f"{{[?$]{name}}}", str(value), text)
        return Literal(text)

    messages = [format_message(m) for m in own if m not in shape_messages]
    messages += [format_message(m) for m in shape_messages]
    return tuple(dict.fromkeys(messages))


def _datatype_matches(term: ox.Literal, datatype: URIRef) -> bool:
    """pyshacl's DatatypeConstraintComponent for a literal whose datatype is the rule's."""
    from datetime import date, datetime, time

    literal = to_rdflib(term)
    if getattr(literal, "ill_typed", None) is True:
        return False
    value = literal.value  # type: ignore[union-attr]
    checks: dict[URIRef, type | tuple[type, ...]] = {
        XSD.string: (str, bytes),
        RDF.langString: (str, bytes),
        XSD.integer: int,
        XSD.float: float,
        XSD.decimal: Decimal,
        XSD.boolean: bool,
        XSD.date: date,
        XSD.time: time,
        XSD.dateTime: datetime,
    }
    expected = checks.get(datatype)
    return True if expected is None else isinstance(value, expected)


def _in_range(value: Node, kind: str, bound: Literal) -> bool:
    """pyshacl's value range constraint components, with pyshacl's own literal comparison."""
    from pyshacl.rdfutil.compare import compare_literal

    if not isinstance(value, Literal):
        return False
    if isinstance(bound.value, str) != isinstance(value.value, str):
        return False
    try:
        order = compare_literal(value, bound)
    except (TypeError, NotImplementedError):
        return False
    return {
        "minExclusive": order > 0,
        "minInclusive": order >= 0,
        "maxExclusive": order < 0,
        "maxInclusive": order <= 0,
    }[kind]


# =============================================================================================
# The report
# =============================================================================================


def validate_store(
    store: ox.Store, shapes: CompiledShapes, ontology: Graph, *, focus_nodes: Collection[str] | None = None
) -> ValidationReport:
    """Validate the union of all graphs of `store`, with `ontology` mixed in and RDFS entailment, as
    pyshacl validates it (see the module docstring). With focus_nodes (IRIs), only results whose focus
    node is one of them, evaluating only what they need. Scratch graphs are removed before returning."""
    from .validation import ValidationReport

    if focus_nodes is not None and not focus_nodes:
        return ValidationReport(conforms=True, checked_shapes=shapes.count)
    run = _Run(store, shapes, ontology, focus_nodes)
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


def build_report(shapes: CompiledShapes, kept: list[tuple[Result, Result | None]]) -> ValidationReport:
    """The ValidationReport: results as service.validation.read_results would read them from the
    report graph, and that graph (sh:detail under a kept parent, sh:result otherwise)."""
    from .validation import ValidationReport, ValidationResult

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
