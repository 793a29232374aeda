"""RDFS entailment, as owlrl's closure (in pyshacl's CustomRDFSSemantics) would have it: the schema
part computed, the instance part as SPARQL patterns, and what a SPARQL-based constraint can observe
materialised into a scratch graph before it runs."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Protocol

import pyoxigraph as ox
from rdflib.namespace import RDF, RDFS

from .shapes import (
    ENTAILED_GRAPH,
    RDF_PROPERTY,
    RDF_TYPE,
    RDFS_META_PROPERTIES,
    RDFS_RESOURCE,
    RESERVED_PREFIX,
    Term,
    UnsupportedData,
)
from .sparql_text import observe

# =============================================================================================
# RDFS, as owlrl's closure (in pyshacl's CustomRDFSSemantics) would have it
# =============================================================================================


class QueryRun(Protocol):
    """What entailment needs of a validation run: its store, its queries, fresh variable names, and the
    scratch graph it adds entailed triples to (once per query or class: `materialised`, under `lock`)."""

    store: ox.Store
    lock: threading.Lock
    materialised: set[str]

    def select(
        self, query: str, substitutions: dict[ox.Variable, Term] | None = None
    ) -> list[ox.QuerySolution]: ...

    def fresh(self) -> str: ...

    def add_quads(self, quads: list[ox.Quad], graph: ox.NamedNode) -> None: ...


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

    def __init__(self, run: QueryRun) -> None:
        self.run = run
        self.super_classes: dict[Term, set[Term]] = defaultdict(set)
        self.super_properties: dict[Term, set[Term]] = defaultdict(set)
        self.domains: list[tuple[Term, Term]] = []
        self.ranges: list[tuple[Term, Term]] = []
        class_edges: set[tuple[Term, Term]] = set()
        property_edges: set[tuple[Term, Term]] = set()
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
            direct: dict[Term, set[Term]] = defaultdict(set)
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
        self.sub_classes: dict[Term, set[Term]] = defaultdict(set)
        for c, supers in self.super_classes.items():
            for s in supers:
                self.sub_classes[s].add(c)
        self.sub_properties: dict[Term, set[Term]] = defaultdict(set)
        for p, supers in self.super_properties.items():
            for s in supers:
                self.sub_properties[s].add(p)

    def subclasses(self, cls: Term) -> set[Term]:
        return self.sub_classes.get(cls) or {cls}

    def subproperties(self, prop: str) -> list[str]:
        node = ox.NamedNode(prop)
        found = self.sub_properties.get(node) or {node}
        return sorted(p.value for p in found if isinstance(p, ox.NamedNode))

    def predicate(self, prop: str) -> str:
        """A path step over prop that also follows its sub-properties."""
        props = self.subproperties(prop)
        return f"<{props[0]}>" if len(props) == 1 else "(" + "|".join(f"<{p}>" for p in props) + ")"

    def typing_properties(self, classes: set[Term]) -> tuple[list[str], list[str]]:
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

        def supers(classes: Iterable[Term]) -> set[Term]:
            found: set[Term] = set()
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
            by_predicate: dict[str, set[Term]] = defaultdict(set)
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
            q_, x, p_, d_ = fresh(), fresh(), fresh(), fresh()
            triple = f"{subject} {q_} {x}" if kind == "domain" else f"{x} {q_} {subject}"
            if pairs(named):
                branches.append(f"{triple} . VALUES ({q_} {var}) {{ {pairs(named)} }}")
            if blank and admitted is None:
                branches.append(
                    f"{triple} . VALUES {q_} {{ {' '.join(f'<{b}>' for b in blank)} }} {q_} {sub_prop}* {p_} . "
                    f"{p_} <{RDFS[kind]}> {d_} . {d_} {sub_class}* {var} FILTER(isBlank({var}))"
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

    # --- entailments a SPARQL query can observe, materialised before it runs

    def materialise_for(self, query: str) -> None:
        with self.run.lock:  # one at a time: a query must not run before what it observes is in the store
            self._materialise_for(query)

    def _materialise_for(self, query: str) -> None:
        if query in self.run.materialised:
            return
        self.run.materialised.add(query)
        observed = observe(query)
        rdfs = self
        quads: list[ox.Quad] = []
        if observed.everything:
            observed.all_types = True
            observed.predicates |= {p.value for p in rdfs.sub_properties if isinstance(p, ox.NamedNode)}
            observed.predicates |= {str(RDFS.subClassOf), str(RDFS.subPropertyOf)}
        for prop in sorted(observed.predicates):
            done = f"predicate {prop}"
            if done in self.run.materialised:
                continue
            self.run.materialised.add(done)
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
                    rows = self.run.select(
                        f"SELECT DISTINCT ?s ?o WHERE {{ ?s ({'|'.join(f'<{q}>' for q in subs)}) ?o "
                        f"FILTER NOT EXISTS {{ ?s <{prop}> ?o }} }}"
                    )
                    quads += [ox.Quad(r["s"], ox.NamedNode(prop), r["o"], ENTAILED_GRAPH) for r in rows]
        classes: set[Term] = set()
        if observed.all_types:
            classes = set(rdfs.super_classes) | {d for _, d in rdfs.domains} | {r for _, r in rdfs.ranges}
            classes |= {ox.NamedNode(RDFS_RESOURCE), ox.NamedNode(RDF_PROPERTY)}
        for cls in observed.classes:
            classes |= rdfs.subclasses(ox.NamedNode(cls))
        wanted = sorted(
            {c for c in classes if isinstance(c, ox.NamedNode)}
            - {ox.NamedNode(x[len("class ") :]) for x in self.run.materialised if x.startswith("class ")},
            key=str,
        )
        if wanted:
            self.run.materialised.update(f"class {c.value}" for c in wanted)
            quads += self.type_quads(set(wanted))
        if quads:
            self.run.add_quads(quads, ENTAILED_GRAPH)

    def schema_quads(
        self,
        closure: dict[Term, set[Term]],
        predicate: str,
        asserted: set[tuple[Term, Term]],
        reflexive_predicates: bool = False,
    ) -> list[ox.Quad]:
        pairs = {(a, b) for a, supers in closure.items() for b in supers if a != b}
        if predicate == str(RDFS.subClassOf):  # (c a rdfs:Class) → c rdfs:subClassOf c
            pairs |= {(a, a) for a, b in asserted if b == ox.NamedNode(RDFS_RESOURCE)}
        if reflexive_predicates:  # (p a rdf:Property) → p rdfs:subPropertyOf p, for every predicate
            rows = self.run.select("SELECT DISTINCT ?p WHERE { ?s ?p ?o }")
            pairs |= {(r["p"], r["p"]) for r in rows}
            pairs |= {(a, a) for a in closure}
        quads = []
        for a, b in sorted(pairs, key=str):
            if isinstance(a, ox.Literal) or isinstance(b, ox.Literal):
                continue
            if next(iter(self.run.store.quads_for_pattern(a, ox.NamedNode(predicate), b)), None) is None:
                quads.append(ox.Quad(a, ox.NamedNode(predicate), b, ENTAILED_GRAPH))
        return quads

    def type_quads(self, classes: set[Term]) -> list[ox.Quad]:
        """Entailed `x rdf:type c` for these classes, x not a literal (a store has no literal subjects:
        the types owlrl gives literals through rdfs:range are what SPARQL validators cannot see)."""
        rdfs = self
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
            rows = self.run.select(
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
                        ox.Quad(r["x"], RDF_TYPE, cls, ENTAILED_GRAPH)
                        for r in self.run.select(query % cls.value)
                    ]
        return quads
