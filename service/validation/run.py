"""One validation run over a pyoxigraph store, giving result for result what pyshacl gives.

The build validates the whole graph with the shapes in shapes/integration.ttl. pyshacl (ontology
graph, RDFS inference, SHACL-AF) takes far too long on the whole graph of a large build (see
docs/performance.md, "Validation engines"); this engine evaluates the same shapes as SPARQL queries
over the store the build has loaded anyway.

"The same": the results the installed pyshacl reports when run as service.validation.validate_graph runs it
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

import re
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import count
from typing import cast

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from ..rdfterms import to_oxigraph, to_rdflib
from .entailment import Rdfs
from .literals import datatype_matches, in_range, truthy
from .once import Once
from .results import Outcome, Result, copy_result, formatted_messages
from .shapes import (
    ALLOWED_SEVERITIES,
    ENTAILED_GRAPH,
    GENERIC_COMPONENT_MESSAGE,
    MEMBER,
    ONTOLOGY_GRAPH,
    RESERVED_PREFIX,
    SETS_GRAPH,
    VALUE_LOCAL_KINDS,
    WORKERS,
    XSD_STRING,
    CompiledShapes,
    Constraint,
    PathStep,
    Shape,
    Term,
    admitted_iris,
    is_type_path,
    plain_class_check,
    pyshacl_path,
)
from .sparql_text import CUSTOM_FUNCTIONS, RDFLIB_STR, SMALL_SET, substitute, tokenize


@dataclass(frozen=True)
class NodeSet:
    """A set of nodes as a SPARQL group pattern over one variable; `key` identifies it. A
    materialised set also has its members (and the pattern reads them from the scratch sets graph)."""

    key: str
    build: Callable[[str], str]
    members: frozenset[Term] | None = None
    ranges: frozenset[Term] = frozenset()  # classes all its nodes are instances of (rdfs:range)

    def pattern(self, var: str) -> str:
        return self.build(var)


class ValidationRun:
    def __init__(
        self, store: ox.Store, compiled: CompiledShapes, ontology: Graph, focus_nodes: Collection[str] | None
    ) -> None:
        self.store = store
        self.compiled = compiled
        self.ontology = ontology
        self.focus = None if focus_nodes is None else sorted(set(focus_nodes))
        self.counter = count()
        self.once = Once()
        self.lock = threading.Lock()
        self.set_ids = count()
        self.materialised: set[str] = set()
        self.target_keys: set[str] = set()
        self.instance_parts: dict[str, tuple[Callable[[str], str], list[Term]]] = {}
        self.rdfs: Rdfs

    def fresh(self) -> str:
        return f"?_v{next(self.counter)}"

    def select(
        self, query: str, substitutions: dict[ox.Variable, Term] | None = None
    ) -> list[ox.QuerySolution]:
        try:
            solutions = self.store.query(
                query,
                use_default_graph_as_union=True,
                substitutions=dict(substitutions) if substitutions else None,
                custom_functions=dict(CUSTOM_FUNCTIONS) if str(RDFLIB_STR) in query else None,
            )
        except SyntaxError as error:  # a query the engine wrote: a bug, say which
            raise RuntimeError(f"{error}\n{query}") from None
        assert isinstance(solutions, ox.QuerySolutions), "the engine only writes SELECT queries"
        return list(solutions)

    # --- scratch graphs

    def prepare(self) -> None:
        for graph in (ONTOLOGY_GRAPH, ENTAILED_GRAPH, SETS_GRAPH):
            if self.store.contains_named_graph(graph):
                raise ValueError(f"the store already holds the engine's scratch graph {graph.value}")
        self.scratch: list[ox.NamedNode] = []
        quads = []
        blank: dict[BNode, ox.BlankNode] = {}

        def term(node: Node) -> Term:
            if isinstance(node, BNode):
                return blank.setdefault(node, ox.BlankNode())
            return to_oxigraph(node)

        for s, p, o in self.ontology:
            subject, predicate, object_ = term(s), term(p), term(o)
            if isinstance(subject, ox.Literal) or not isinstance(predicate, ox.NamedNode):
                continue  # not RDF: pyshacl's graph would hold it, no store does
            if (
                not any(isinstance(t, ox.BlankNode) for t in (subject, object_))
                and next(iter(self.store.quads_for_pattern(subject, predicate, object_)), None) is not None
            ):
                continue  # already in the data: the union must hold it once, as pyshacl's graph does
            quads.append(ox.Quad(subject, predicate, object_, ONTOLOGY_GRAPH))
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

        return self.once.get(("materialised", nodes.key), compute)

    def member(self, var: str, terms: Iterable[Term]) -> str:
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
        return self.once.get(("targets", id(shape)), lambda: self._targets(shape))

    def _subject_of(self, predicate: str) -> Callable[[str], str]:
        return lambda var: f"{var} {self.rdfs.predicate(predicate)} {self.fresh()}"

    def _object_of(self, predicate: str) -> Callable[[str], str]:
        return lambda var: f"{self.fresh()} {self.rdfs.predicate(predicate)} {var}"

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
        parts += [NodeSet(f"subjects({p})", self._subject_of(p)) for p in t.subjects_of]
        parts += [NodeSet(f"objects({p})", self._object_of(p)) for p in t.objects_of]

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
        return self.once.get(("instances", cls), lambda: self._instances(cls))

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

        extras: list[Term] = []
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
    ) -> list[tuple[Term, Term]]:
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

    def term_set(self, terms: Iterable[Term]) -> NodeSet:
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

    def path_ranges(self, shape: Shape) -> frozenset[Term]:
        """Classes every value of the shape's path is an instance of, through rdfs:range (a path of one
        predicate; its super-properties' ranges count, since their triples are entailed)."""
        step = shape.path
        if step is None or step.kind != "iri" or is_type_path(step):
            return frozenset()
        rdfs = self.rdfs
        supers = rdfs.super_properties.get(ox.NamedNode(step.iri or "")) or {ox.NamedNode(step.iri or "")}
        found: set[Term] = set()
        for p, r in rdfs.ranges:
            if p in supers:
                found |= rdfs.super_classes.get(r) or {r}
        return frozenset(found)

    def value_pattern(
        self, shape: Shape, this: str, value: str, admitted: frozenset[str] | None = None
    ) -> str:
        assert shape.path is not None
        if is_type_path(shape.path):
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
        self, focus: NodeSet, shape: Shape, condition: str = "", only: Iterable[Term] | None = None
    ) -> list[tuple[Term, Term]]:
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
            ("outcome", id(shape), focus.key),
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

    def constraint_results(self, shape: Shape, index: int, focus: NodeSet) -> list[tuple[Term, Result]]:
        """One constraint's results on these focus nodes (computed once; callers copy, never change them)."""
        return self.once.get(
            ("constraint", id(shape), index, focus.key),
            lambda: list(self.check(shape, shape.constraints[index], focus)),
        )

    def result(
        self,
        shape: Shape,
        constraint: Constraint,
        focus: Term,
        value: Term | None,
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

    def check(self, shape: Shape, c: Constraint, focus: NodeSet) -> Iterator[tuple[Term, Result]]:
        kind = c.kind
        if kind == "class" or (kind == "or" and c.shapes and all(plain_class_check(s) for s in c.shapes)):
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
            for f in self.count_violations(shape, focus, kind == "minCount", cast(int, c.value)):
                yield f, self.result(shape, c, f, None)
        elif kind == "qualified":
            low, high = cast(tuple[int | None, int | None], c.value)
            candidates = self.values(focus, shape)

            def passes(var: str) -> str:
                return self.shape_pass(c.shapes[0], candidates, var)

            admitted = admitted_iris(c.shapes[0])
            if low is not None and low > 0 and high is not None:  # both bounds: one count per focus node
                for f, number in self.counts_outside(shape, focus, low, high, passes, admitted):
                    component = (
                        SH.QualifiedMinCountConstraintComponent
                        if number < low
                        else SH.QualifiedMaxCountConstraintComponent
                    )
                    yield f, self.result(shape, c, f, None, component)
                return
            if low is not None and low > 0:
                for f in self.count_violations(shape, focus, True, low, passes, admitted):
                    yield f, self.result(shape, c, f, None, SH.QualifiedMinCountConstraintComponent)
            if high is not None:
                for f in self.count_violations(shape, focus, False, high, passes, admitted):
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
    ) -> list[Term]:
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
        elif number == 1 and shape.path is not None and not is_type_path(shape.path):
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
    ) -> list[tuple[Term, int]]:
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
    ) -> Iterator[tuple[Term, Result]]:
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
                result.details = [copy_result(r) for r in outcome.reports.get(v, [])]
                yield f, result
            else:
                for r in outcome.reports.get(v, []):
                    yield f, copy_result(r)

    # --- conditions on value nodes

    def shape_pass(self, shape: Shape, candidates: NodeSet, var: str) -> str:
        """A SPARQL expression: the node in var conforms to shape (nested, as pyshacl judges it with
        allow_warnings). Value-local shapes become conditions; others are evaluated on the candidates."""
        return self.once.get(
            ("pass", id(shape), candidates.key, var),
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
            bound, number = cast(tuple[str, int], c.value)
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
        ill = [r["x"] for r in rows if not datatype_matches(r["x"], URIRef(datatype))]
        base = f"(isLiteral({v}) && LANG({v}) = \"\" && DATATYPE({v}) = <{datatype}>"
        return base + (f" && !{self.member(v, ill)})" if ill else ")")

    def python_failures(self, c: Constraint, candidates: NodeSet) -> list[Term]:
        """Candidate values that fail a check whose semantics are pyshacl's Python code."""
        wanted = "!isBlank(?x)" if c.kind == "pattern" else "isLiteral(?x)"
        rows = self.select(f"SELECT DISTINCT ?x WHERE {{ {candidates.pattern('?x')} FILTER({wanted}) }}")
        if c.kind == "pattern":
            regex = cast(re.Pattern[str], c.value)
            return [r["x"] for r in rows if not regex.search(r["x"].value)]
        kind, bound = cast(tuple[str, Literal], c.value)
        return [r["x"] for r in rows if not in_range(to_rdflib(r["x"]), kind, bound)]

    # --- SPARQL-based constraints

    def check_sparql(self, shape: Shape, c: Constraint, focus: NodeSet) -> Iterator[tuple[Term, Result]]:
        q = c.query
        assert q is not None
        texts = {"PATH": pyshacl_path(shape.path)} if q.uses_path and shape.path is not None else {}
        terms = {name: str(to_oxigraph(value)) for name, value in c.parameters}
        if q.binds_current_shape:
            terms["currentShape"] = f"<{shape.node}>"
        self.rdfs.materialise_for(
            q.prologue
            + "SELECT * WHERE { VALUES ?this { <urn:x:this> } "
            + "".join(substitute(q.body_tokens, dict(texts, __focus__=""), terms))
            + "}"
        )
        # The focus nodes go into the MINUS groups too when they are few; for all of a shape's targets
        # the anti-join over the whole graph is faster.
        few = focus.members is not None and len(focus.members) <= SMALL_SET
        body = "".join(
            substitute(q.body_tokens, dict(texts, __focus__=focus.pattern("?this") if few else ""), terms)
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
        failed_foci: set[Term] = set()
        for injection, value_var in runs:
            extras = [v for v in ("this", value_var) if v is not None and v not in projection]
            projection_text = "".join(substitute(tokenize(q.projection_text), {}, terms))
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
        f: Term,
        vin: Term | None,
        bound: dict[str, Term],
        seen: set[tuple],
    ) -> Iterator[tuple[Term, Result]]:
        """pyshacl's BoundShapeValidatorComponent for one row: a set of (value node, (this, path,
        value)) per focus node; the shape's messages as they are (language kept)."""
        t, p, v = bound.get("this"), bound.get("path"), bound.get("value")
        if truthy(p) or truthy(v) or truthy(t):
            key: tuple = (f, vin, t, p, v)
        elif "failure" in bound and truthy(bound["failure"]):
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
        focus_node = t if t is not None and truthy(t) else f
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
        f: Term,
        bound: dict[str, Term],
        failed_foci: set[Term],
        seen: set[tuple],
    ) -> Iterator[tuple[Term, Result]]:
        """pyshacl's SPARQLBasedConstraint: messages formatted with the row's variables, language dropped."""
        result_value = None if shape.is_property else f
        others = {k: to_rdflib(x) for k, x in bound.items() if k not in ("failure", "path", "value", "this")}
        if "failure" in bound:
            if f in failed_foci:
                return
            failed_foci.add(f)
            result = self.result(shape, c, f, result_value)
            result.messages = formatted_messages(c.messages, shape.messages, others)
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
        result = self.result(shape, c, t if t is not None and truthy(t) else f, v)
        if p is not None:
            result.path = p
        result.messages = formatted_messages(c.messages, shape.messages, variables)
        result.source_constraint = c.query.node  # type: ignore[union-attr]
        yield f, result

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
            for constraint in futures:
                constraint.result()
        results: list[Result] = []
        for shape in self.compiled.top_level:
            outcome = self.evaluate(shape, self.targets(shape))
            for focus_node in sorted(outcome.reports, key=str):
                results.extend(outcome.reports[focus_node])
        return results
