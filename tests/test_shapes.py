"""The ontology and the SHACL shapes, against a valid example graph and one failing case per rule.

tests/shape_cases/valid.ttl is a small graph that conforms. The TriG files beside it hold cases
(``case:Case``): a named graph of triples to remove from the valid graph (``case:remove``), one of
triples to add (``case:add``), and the validation results expected (``case:expect``), each as
(shape, constraint component, focus node); a case without expectations must conform. The test
validates exactly as the build does (pyshacl, ontology graph, RDFS inference, SHACL-AF) and asserts
that the results are exactly the expected ones, that each result's sh:resultPath is its shape's
path, and that it carries a message in Swedish and in English. A coverage test asserts that every
(shape, component) pair in shapes/ is expected by at least one case, so a new rule needs a case.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

ROOT = Path(__file__).resolve().parent.parent
CASES = Path(__file__).resolve().parent / "shape_cases"
ONTOLOGY_FILE = ROOT / "ontology" / "integration.ttl"
SHAPES_DIR = ROOT / "shapes"
SHAPES_FILE = SHAPES_DIR / "integration.ttl"
VALID_FILE = CASES / "valid.ttl"

IKG = Namespace("https://w3id.org/integration-kg/ontology#")
IKGSH = Namespace("https://w3id.org/integration-kg/shapes#")
CASE = Namespace("https://w3id.org/integration-kg/test/shape-case#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
VANN = Namespace("http://purl.org/vocab/vann/")

# DESIGN.md's core vocabulary (section "Core vocabulary"), the terms clients rely on.
CORE_VOCABULARY = [
    "Framework",
    "Principle",
    "NationalGoal",
    "Municipality",
    "PolicyDocument",
    "Strategy",
    "Policy",
    "Programme",
    "Plan",
    "Guideline",
    "Rules",
    "InformationPage",
    "adoptedBy",
    "validUntil",
    "FocusArea",
    "Goal",
    "Action",
    "implements",
    "cites",
    "citation",
    "Citation",
    "target",
    "quote",
    "citationKind",
    "ExplicitCitation",
    "Paraphrase",
    "ThematicAlignment",
    "confidence",
]

# SHACL Core parameter → the constraint component a result names.
CORE_COMPONENTS = {
    SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent,
    SH["class"]: SH.ClassConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent,
    SH["in"]: SH.InConstraintComponent,
    SH["or"]: SH.OrConstraintComponent,
    SH["not"]: SH.NotConstraintComponent,
    SH.node: SH.NodeConstraintComponent,
    SH.languageIn: SH.LanguageInConstraintComponent,
    SH.uniqueLang: SH.UniqueLangConstraintComponent,
    SH.minInclusive: SH.MinInclusiveConstraintComponent,
    SH.maxInclusive: SH.MaxInclusiveConstraintComponent,
    SH.minLength: SH.MinLengthConstraintComponent,
    SH.qualifiedMinCount: SH.QualifiedMinCountConstraintComponent,
    SH.qualifiedMaxCount: SH.QualifiedMaxCountConstraintComponent,
}


@dataclass(frozen=True)
class Expected:
    shape: URIRef
    component: URIRef
    focus: Node


@dataclass(frozen=True)
class Case:
    name: str
    comment: str
    remove: Graph
    add: Graph
    expected: frozenset[Expected]


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES_FILE, format="turtle")


def _named_graph(dataset: Dataset, name: Node | None) -> Graph:
    graph = Graph()
    if name is not None:
        for triple in dataset.graph(name):
            graph.add(triple)
    return graph


def _load_cases() -> Iterator[Case]:
    for path in sorted(CASES.glob("*.trig")):
        dataset = Dataset()
        dataset.parse(path, format="trig")
        graph = dataset.default_graph
        for node in graph.subjects(RDF.type, CASE.Case):
            assert isinstance(node, URIRef), f"{path.name}: cases are named by IRIs"
            expected = frozenset(
                Expected(
                    shape=graph.value(e, CASE.shape),
                    component=graph.value(e, CASE.component),
                    focus=graph.value(e, CASE.focus),
                )
                for e in graph.objects(node, CASE.expect)
            )
            yield Case(
                name=f"{path.stem}:{node.split('#')[-1]}",
                comment=str(graph.value(node, RDFS.comment) or ""),
                remove=_named_graph(dataset, graph.value(node, CASE.remove)),
                add=_named_graph(dataset, graph.value(node, CASE.add)),
                expected=expected,
            )


ALL_CASES = sorted(_load_cases(), key=lambda c: c.name)


def _path_key(graph: Graph, path: Node | None) -> str | None:
    """A property path as comparable text: an IRI, ^IRI for an inverse path, steps joined by / for a
    sequence path."""
    if path is None:
        return None
    if isinstance(path, BNode):
        inverse = graph.value(path, SH.inversePath)
        if inverse is not None:
            return f"^{inverse}"
        if graph.value(path, RDF.first) is not None:
            return "/".join(str(_path_key(graph, step)) for step in graph.items(path))
    return str(path)


@dataclass(frozen=True)
class Result:
    shape: Node
    component: Node
    focus: Node
    path: str | None
    severity: Node
    languages: frozenset[str]


def run_validation(data: Graph, shapes: Graph, ontology: Graph) -> tuple[bool, list[Result]]:
    """Validate as the build does; the results in comparable form."""
    conforms, report, _ = validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="rdfs", advanced=True
    )
    results = []
    for node in report.subjects(RDF.type, SH.ValidationResult):
        languages = frozenset(
            m.language or "" for m in report.objects(node, SH.resultMessage) if isinstance(m, Literal)
        )
        results.append(
            Result(
                shape=report.value(node, SH.sourceShape),
                component=report.value(node, SH.sourceConstraintComponent),
                focus=report.value(node, SH.focusNode),
                path=_path_key(report, report.value(node, SH.resultPath)),
                severity=report.value(node, SH.resultSeverity),
                languages=languages,
            )
        )
    return bool(conforms), results


def test_valid_example_conforms(shapes: Graph, ontology: Graph) -> None:
    data = Graph().parse(VALID_FILE, format="turtle")
    conforms, results = run_validation(data, shapes, ontology)
    assert results == [] and conforms


def test_there_are_cases() -> None:
    assert len(ALL_CASES) > 50


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.name)
def test_case(case: Case, shapes: Graph, ontology: Graph) -> None:
    valid = Graph().parse(VALID_FILE, format="turtle")
    missing = [t for t in case.remove if t not in valid]
    assert not missing, f"{case.name}: triples to remove are not in valid.ttl: {missing}"
    assert len(case.remove) + len(case.add) > 0, f"{case.name} changes nothing"
    data = valid - case.remove
    data += case.add

    conforms, results = run_validation(data, shapes, ontology)

    actual = {Expected(shape=r.shape, component=r.component, focus=r.focus) for r in results}
    assert actual == set(case.expected), (
        f"{case.name} ({case.comment})\n  missing: {set(case.expected) - actual}\n"
        f"  unexpected: {actual - set(case.expected)}"
    )
    assert conforms == (not results)
    for r in results:
        shape_path = _path_key(shapes, shapes.value(r.shape, SH.path))
        assert r.path == shape_path, f"{case.name}: result path {r.path} of {r.shape}"
        assert {"sv", "en"} <= r.languages, f"{case.name}: {r.shape} reports no sv and en message"
        declared = shapes.value(r.shape, SH.severity) or SH.Violation
        assert r.severity == declared


def _components_of(shapes: Graph, shape: Node) -> set[URIRef]:
    components: set[URIRef] = set()
    for parameter, component in CORE_COMPONENTS.items():
        if (shape, parameter, None) in shapes:
            components.add(component)
    for component in shapes.subjects(RDF.type, SH.ConstraintComponent):
        parameters = [shapes.value(p, SH.path) for p in shapes.objects(component, SH.parameter)]
        if parameters and all((shape, p, None) in shapes for p in parameters):
            components.add(component)  # type: ignore[arg-type]
    return components


def _rules(shapes: Graph) -> set[tuple[Node, Node]]:
    """Every (named shape, constraint component) pair the shapes define."""
    rules: set[tuple[Node, Node]] = set()
    for kind in (SH.NodeShape, SH.PropertyShape):
        for shape in shapes.subjects(RDF.type, kind):
            for component in _components_of(shapes, shape):
                rules.add((shape, component))
    return rules


def test_every_rule_has_a_failing_case(shapes: Graph) -> None:
    covered = {(e.shape, e.component) for case in ALL_CASES for e in case.expected}
    uncovered = sorted(f"{s.split('#')[-1]} {c.split('#')[-1]}" for s, c in _rules(shapes) - covered)
    assert not uncovered, "rules without a failing case: " + ", ".join(uncovered)


def test_every_constraint_has_swedish_and_english_message(shapes: Graph) -> None:
    for shape, _component in _rules(shapes):
        languages = {m.language for m in shapes.objects(shape, SH.message) if isinstance(m, Literal)}
        assert {"sv", "en"} <= languages, f"{shape} has no message in both Swedish and English"
        assert len(list(shapes.objects(shape, SH.message))) == 2, f"{shape}: one message per language"


def test_shapes_are_named_and_do_not_need_remote_documents(shapes: Graph) -> None:
    for kind in (SH.NodeShape, SH.PropertyShape):
        for shape in shapes.subjects(RDF.type, kind):
            assert isinstance(shape, URIRef) and shape.startswith(str(IKGSH)), shape
    assert not list(shapes.objects(None, SH.shapesGraph))
    # owl:imports names the ontology, which the build passes in; pyshacl never fetches it
    # (ontology graphs are given, not imported).
    assert set(shapes.objects(None, OWL.imports)) <= {URIRef("https://w3id.org/integration-kg/ontology")}


def _ikg_terms_in(graph: Graph) -> set[URIRef]:
    return {
        term
        for triple in graph
        for term in triple
        if isinstance(term, URIRef) and term.startswith(str(IKG)) and term != IKG
    }


def test_ontology_defines_every_ikg_term_used_in_shapes(ontology: Graph) -> None:
    used: set[URIRef] = set()
    for path in SHAPES_DIR.glob("*.ttl"):
        used |= _ikg_terms_in(Graph().parse(path, format="turtle"))
    assert used
    _assert_defined(ontology, used)


def test_ontology_defines_every_ikg_term_of_the_core_vocabulary_and_data_model(ontology: Graph) -> None:
    terms = {IKG[t] for t in CORE_VOCABULARY}
    data_model = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    terms |= {IKG[t] for t in re.findall(r"ikg:([A-Za-z][A-Za-z0-9]*)", data_model)}
    for design in (ROOT / "DESIGN.md", ROOT / "docs" / "DESIGN.md", Path("/work/shared/DESIGN.md")):
        if design.exists():
            section = design.read_text(encoding="utf-8").split("## Core vocabulary", 1)[-1]
            section = section.split("\n## ", 1)[0]
            terms |= {IKG[t] for t in re.findall(r"ikg:([A-Za-z][A-Za-z0-9]*)", section)}
    _assert_defined(ontology, terms)


def test_every_ikg_term_in_the_ontology_is_documented(ontology: Graph) -> None:
    defined = {s for s in ontology.subjects(RDFS.isDefinedBy, None) if isinstance(s, URIRef)}
    assert _ikg_terms_in(ontology) <= defined | {URIRef(str(IKG).rstrip("#"))}
    _assert_defined(ontology, defined)


def _assert_defined(ontology: Graph, terms: set[URIRef]) -> None:
    problems = []
    for term in sorted(terms):
        if (term, RDF.type, None) not in ontology:
            problems.append(f"{term}: not defined")
            continue
        for prop in (RDFS.label, RDFS.comment):
            languages = {o.language for o in ontology.objects(term, prop) if isinstance(o, Literal)}
            if not {"sv", "en"} <= languages:
                problems.append(f"{term}: {prop.split('#')[-1]} lacks sv or en")
        is_property = any((term, RDF.type, t) in ontology for t in (OWL.ObjectProperty, OWL.DatatypeProperty))
        if is_property and not (
            (term, RDFS.domain, None) in ontology and (term, RDFS.range, None) in ontology
        ):
            problems.append(f"{term}: property without rdfs:domain and rdfs:range")
    assert not problems, "\n".join(problems)


def test_ontology_header(ontology: Graph) -> None:
    header = URIRef("https://w3id.org/integration-kg/ontology")
    assert (header, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(header, OWL.versionIRI) == URIRef("https://w3id.org/integration-kg/ontology/0.1.0")
    for prop in (DCTERMS.title, DCTERMS.description):
        assert {o.language for o in ontology.objects(header, prop)} >= {"sv", "en"}
    assert ontology.value(header, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    for prop in (OWL.versionInfo, DCTERMS.creator, DCTERMS.created, DCTERMS.modified):
        assert ontology.value(header, prop) is not None, prop
    assert str(ontology.value(header, VANN.preferredNamespacePrefix)) == "ikg"
    assert str(ontology.value(header, VANN.preferredNamespaceUri)) == str(IKG)


@pytest.mark.parametrize(
    "cls,superclass",
    [
        ("Framework", "http://www.w3.org/2004/02/skos/core#ConceptScheme"),
        ("Principle", "http://www.w3.org/2004/02/skos/core#Concept"),
        ("NationalGoal", "http://www.w3.org/2004/02/skos/core#Concept"),
        ("Municipality", "http://www.w3.org/ns/org#Organization"),
        ("PoliticalBody", "http://www.w3.org/ns/org#OrganizationalUnit"),
        ("Office", "http://www.w3.org/ns/org#OrganizationalUnit"),
        ("Post", "http://www.w3.org/ns/org#Post"),
        ("PolicyDocument", "http://xmlns.com/foaf/0.1/Document"),
        ("PolicyDocument", "http://www.w3.org/ns/prov#Entity"),
        ("Citation", "http://www.w3.org/ns/prov#Entity"),
        ("SourceText", "http://xmlns.com/foaf/0.1/Document"),
        ("Strategy", str(IKG.PolicyDocument)),
        ("Action", str(IKG.DocumentPart)),
    ],
)
def test_classes_link_to_reused_vocabularies(ontology: Graph, cls: str, superclass: str) -> None:
    assert (IKG[cls], RDFS.subClassOf, URIRef(superclass)) in ontology


def test_cites_is_a_kind_of_dcterms_references(ontology: Graph) -> None:
    assert (IKG.cites, RDFS.subPropertyOf, DCTERMS.references) in ontology
