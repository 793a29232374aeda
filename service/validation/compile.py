"""A shapes graph → CompiledShapes, as pyshacl reads shapes; what the engine does not implement is
refused here (UnsupportedShapes, naming the shape and the feature)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection as RdfList
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

from ..rdfterms import to_oxigraph
from .shapes import (
    COMPONENTS,
    NODE_KINDS,
    PYSHACL_DEFAULT_PREFIXES,
    QUALIFIED_PARAMETERS,
    RANGE_KINDS,
    RDF_PROPERTY,
    RDFS_META_PROPERTIES,
    RDFS_RESOURCE,
    REFUSED_PARAMETERS,
    SHAPE_LIST_REFERENCES,
    SHAPE_REFERENCES,
    CompiledShapes,
    Constraint,
    PathStep,
    Shape,
    SparqlQuery,
    Targets,
    UnsupportedShapes,
)
from .sparql_text import check_pre_binding, not_exists_to_minus, parse_select, substitute, variables_of


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
            first = deactivated_values[0]
            deactivated = isinstance(first, Literal) and bool(first.value)
        severities = list(g.objects(node, SH.severity))
        if len(severities) > 1:
            self.refuse(node, "more than one sh:severity (pyshacl picks one at random)")
        severity = severities[0] if severities else SH.Violation
        if not isinstance(severity, URIRef):
            self.refuse(node, "sh:severity must be an IRI")
            severity = SH.Violation
        return Shape(
            node=node,
            is_property=path_node is not None,
            path_node=path_node,
            path=self.compile_path(node, path_node) if path_node is not None else None,
            severity=severity,
            messages=tuple(sorted(set(g.objects(node, SH.message)), key=str)),
            deactivated=deactivated,
            targets=self.targets(node),
        )

    def targets(self, node: Node) -> Targets:
        g = self.graph
        nodes: list[ox.NamedNode | ox.Literal] = []
        for t in g.objects(node, SH.targetNode):
            if isinstance(t, URIRef):
                nodes.append(ox.NamedNode(str(t)))
            elif isinstance(t, Literal):
                literal = to_oxigraph(t)
                assert isinstance(literal, ox.Literal)
                nodes.append(literal)
            else:
                self.refuse(node, "a blank node as sh:targetNode")
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
        for predicate in sorted(set(REFUSED_PARAMETERS) & predicates, key=str):
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
                listed = list(RdfList(g, head))
                if any(isinstance(m, BNode) for m in listed):
                    self.refuse(node, "a blank node in sh:in")
                add("in", SH["in"], tuple(to_oxigraph(m) for m in listed))
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
                members: list[Shape] = []
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
            mandatory: list[str] = []
            optional: list[str] = []
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
            parameters=frozenset(n for n, _ in parameters),
        )
        if query is None:
            return
        self.check_query_for_shape(shape, query)
        shape.constraints.append(
            Constraint(
                kind="component",
                component=component.node,
                custom=True,
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
        parameters: frozenset[str] = frozenset(),
    ) -> SparqlQuery | None:
        prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in self.prefixes(prefixes_of).items())
        try:
            parsed = parse_select(text)
        except ValueError as error:
            self.refuse(shape_node, f"SPARQL query of {node}: {error}")
            return None
        mentions = {name for name in variables_of(parsed.body_tokens)} | set(parsed.projection)
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
                substitute(parsed.body_tokens, {"PATH": "<urn:x:path>"}, {n: "<urn:x:p>" for n in parameters})
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
