"""The SHACL engine (service/validation/) against pyshacl, run as service.validation runs it.

Differential: every comparison validates the same graph with both and compares the results as
multisets of (severity, focus node, path, value, messages, constraint component, source shape),
sh:detail results included, blank nodes compared as blank nodes. pyshacl is given what the store
holds (a store writes numbers and booleans in canonical form, "0.0"^^xsd:decimal as "0"), since the
engine validates the store.

Covered: every case of tests/shape_cases (and valid.ttl), the project's data/ loaded as the build
loads it, a synthetic tree from bench/scale_data.py with mutations, seeded random mutations of
valid.ttl, a shapes graph of features our shapes do not use (GENERIC_SHAPES below); focus_nodes
against filtering the full results; scratch graphs gone afterwards, also after an error; refused
features named, and validate_graph answering through pyshacl for them.
"""

from __future__ import annotations

import random
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
import pytest
from pyshacl import validate as pyshacl_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD

from service.datafiles import discover, parse_file
from service.rdfterms import graph_of, to_oxigraph
from service.settings import PROJECT_ROOT, Settings
from service.validation import (
    RESERVED_PREFIX,
    CompiledShapes,
    UnsupportedData,
    UnsupportedShapes,
    compile_shapes,
    read_results,
    validate_graph,
    validate_graph_with_pyshacl,
    validate_store,
)

try:  # `python -m pytest` (make test) imports test modules as tests.*, `.venv/bin/pytest` by file name
    from tests.test_shapes import ALL_CASES, ONTOLOGY_FILE, SHAPES_FILE, VALID_FILE, Case
except ModuleNotFoundError:
    from test_shapes import ALL_CASES, ONTOLOGY_FILE, SHAPES_FILE, VALID_FILE, Case  # type: ignore[no-redef]

DATA_GRAPH = ox.NamedNode("https://example.org/graph/data")

# A shapes graph of SHACL features that shapes/integration.ttl does not use, each with a message.
GENERIC_SHAPES = """
@prefix sh:  <http://www.w3.org/ns/shacl#> .
@prefix ex:  <https://example.org/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

ex:shapes a owl:Ontology ; sh:declare [ sh:prefix "ex" ; sh:namespace "https://example.org/"^^xsd:anyURI ] .

ex:PersonShape a sh:NodeShape ;
    sh:targetClass ex:Person ;
    sh:message "person"@en , "person"@sv ;
    sh:property ex:Person-name , ex:Person-age , ex:Person-knows , ex:Person-friendsOfFriends , ex:Person-email ,
                ex:Person-nick , ex:Person-parentName , ex:Person-either , ex:Person-label , ex:Person-score ,
                ex:Person-born .

ex:Person-name a sh:PropertyShape ; sh:path ex:name ; sh:minCount 1 ; sh:maxCount 2 ;
    sh:datatype xsd:string ; sh:minLength 2 ; sh:maxLength 10 ; sh:message "name"@en .
ex:Person-age a sh:PropertyShape ; sh:path ex:age ; sh:maxCount 1 ; sh:datatype xsd:integer ;
    sh:minInclusive 0 ; sh:maxExclusive 150 ; sh:message "age"@en .
ex:Person-born a sh:PropertyShape ; sh:path ex:born ; sh:datatype xsd:date ; sh:message "born"@en .
ex:Person-knows a sh:PropertyShape ; sh:path ex:knows ; sh:class ex:Person ; sh:nodeKind sh:IRI ;
    sh:node ex:KnownShape ; sh:message "knows"@en .
ex:KnownShape a sh:NodeShape ; sh:property ex:Known-name .
ex:Known-name a sh:PropertyShape ; sh:path ex:name ; sh:minCount 1 ; sh:message "known name"@en .
ex:Person-friendsOfFriends a sh:PropertyShape ; sh:path ( ex:knows ex:knows ) ; sh:maxCount 3 ; sh:message "fof"@en .
ex:Person-email a sh:PropertyShape ; sh:path [ sh:alternativePath ( ex:email ex:mail ) ] ;
    sh:pattern "^[a-z]+@EXAMPLE\\\\.org$" ; sh:flags "i" ; sh:message "email"@en .
ex:Person-nick a sh:PropertyShape ; sh:path ex:nick ; sh:uniqueLang true ; sh:languageIn ( "en" "sv" ) ; sh:message "nick"@en .
ex:Person-parentName a sh:PropertyShape ; sh:path ( [ sh:inversePath ex:child ] ex:name ) ;
    sh:maxCount 1 ; sh:message "parent name"@en .
ex:Person-either a sh:PropertyShape ; sh:path ex:contact ;
    sh:xone ( [ sh:nodeKind sh:Literal ] [ sh:property [ sh:path ex:phone ; sh:minCount 1 ] ] ) ;
    sh:message "contact"@en .
ex:Person-label a sh:PropertyShape ; sh:path [ sh:zeroOrMorePath ex:partOf ] ;
    sh:qualifiedValueShape [ sh:property [ sh:path ex:name ; sh:minCount 1 ] ] ; sh:qualifiedMinCount 2 ;
    sh:message "label"@en .
ex:Person-score a sh:PropertyShape ; sh:path ex:score ; sh:severity sh:Warning ;
    sh:or ( [ sh:datatype xsd:decimal ] [ sh:datatype xsd:integer ] ) ;
    sh:not [ sh:in ( 0 ) ] ; sh:message "score"@en , "poäng"@sv .

ex:TeamShape a sh:NodeShape ;
    sh:targetSubjectsOf ex:member ;
    sh:message "team"@en ;
    sh:hasValue ex:special ;
    sh:property [ sh:path [ sh:oneOrMorePath ex:member ] ; sh:minCount 2 ; sh:message "members"@en ;
                  sh:property [ sh:path [ sh:zeroOrOnePath ex:name ] ; sh:nodeKind sh:BlankNodeOrIRI ; sh:message "member name"@en ] ] .

ex:MemberShape a sh:NodeShape ; sh:targetObjectsOf ex:member ; sh:message "member"@en ;
    sh:and ( [ sh:nodeKind sh:IRI ] [ sh:not [ sh:hasValue ex:nobody ] ] ) ;
    sh:or ( [ sh:class ex:Person ] [ sh:class ex:Robot ] ) .

ex:SpecialShape a sh:NodeShape ; sh:targetNode ex:special , ex:missing ; sh:message "special"@en ;
    sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:hasValue "Special" ; sh:message "special name"@en ] .

ex:Gadget a rdfs:Class , sh:NodeShape ; sh:message "gadget"@en ;
    sh:property [ sh:path ex:weight ; sh:datatype xsd:decimal ; sh:maxInclusive 10.5 ; sh:message "weight"@en ] .

ex:OffShape a sh:NodeShape ; sh:targetClass ex:Person ; sh:deactivated true ; sh:message "off"@en ;
    sh:property [ sh:path ex:name ; sh:maxCount 0 ; sh:message "never"@en ] .

ex:SparqlShape a sh:NodeShape ; sh:targetClass ex:Person ;
    sh:message "Person {$this} has odd value {?value}"@en , "Personen {$this}: {?value}"@sv ;
    sh:sparql [ sh:prefixes ex:shapes ;
                sh:select "SELECT $this ?value WHERE { $this ex:age ?value . FILTER (?value > 100) }" ] .

ex:ZeroShape a sh:PropertyShape ; sh:targetClass ex:Person ; sh:path ex:score ; sh:message "zero"@en ;
    ex:notEqualTo ex:forbiddenScore .

ex:NotEqualComponent a sh:ConstraintComponent ;
    sh:parameter [ sh:path ex:notEqualTo ; sh:nodeKind sh:IRI ] ;
    sh:propertyValidator [ a sh:SPARQLSelectValidator ; sh:prefixes ex:shapes ;
        sh:select "SELECT $this ?value WHERE { $this $PATH ?value . $this $notEqualTo ?value . }" ] .

ex:NamedShape a sh:NodeShape ; sh:targetClass ex:Person ; sh:message "named"@en ;
    ex:mustHave ex:name .

ex:MustHaveComponent a sh:ConstraintComponent ;
    sh:parameter [ sh:path ex:mustHave ; sh:nodeKind sh:IRI ] ;
    sh:nodeValidator [ a sh:SPARQLSelectValidator ; sh:prefixes ex:shapes ;
        sh:select "SELECT $this WHERE { FILTER NOT EXISTS { $this $mustHave ?x } }" ] .
"""

GENERIC_ONTOLOGY = """
@prefix ex:  <https://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:Student rdfs:subClassOf ex:Person .
ex:teaches rdfs:domain ex:Person ; rdfs:range ex:Student .
ex:fullName rdfs:subPropertyOf ex:name .
ex:hasPet rdfs:range ex:Gadget .
"""

GENERIC_DATA = """
@prefix ex:  <https://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:alice a ex:Person ; ex:name "Alice" , "A" , "Alice Long Name" ; ex:age 30 ; ex:born "2019-13-45"^^xsd:date ;
    ex:knows ex:bob , ex:carol , "dave" ; ex:email "alice@example.org" ; ex:mail "ALICE@EXAMPLE.ORG" , "no" ;
    ex:nick "al"@en , "ally"@en , "ali"@fi ; ex:contact "+46 1" , ex:card ; ex:score 0 , 2.5 , "x" ;
    ex:forbiddenScore 0 ; ex:partOf ex:club .
ex:card ex:phone "1" .
ex:bob a ex:Student ; ex:fullName "Bob" ; ex:age 200 ; ex:knows ex:alice , ex:carol ; ex:teaches ex:erin ;
    ex:score 0.0 ; ex:forbiddenScore 0.0 ; ex:contact ex:nobody .
ex:carol ex:teaches ex:bob ; ex:age -1 , 101 .
ex:erin ex:child ex:frank .
ex:frank a ex:Person ; ex:name "Frank" .
ex:club ex:partOf ex:league ; ex:name "Club" .
ex:team1 ex:member ex:alice , ex:robot1 , _:anon , ex:nobody .
ex:robot1 a ex:Robot ; ex:member ex:bob .
ex:special ex:name "Special" .
ex:alice ex:hasPet ex:rex , "Felix" .
ex:rex ex:weight 12 .
ex:gadget2 a ex:Gadget ; ex:weight "heavy" .
"""


# --- running both


def store_of(data: Graph, graph: ox.NamedNode = DATA_GRAPH) -> ox.Store:
    store = ox.Store()
    store.extend(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), graph) for s, p, o in data)
    return store


def _term_key(term: object) -> object:
    if term is None:
        return None
    if isinstance(term, BNode):
        return "_:b"
    if isinstance(term, Literal):
        return ("literal", str(term), term.language, str(term.datatype) if term.datatype else None)
    return str(term)


def result_keys(report: Graph) -> Counter:
    """Every sh:ValidationResult of a report graph (sh:detail ones too), comparable across engines."""
    keys = []
    for node in report.subjects(RDF.type, SH.ValidationResult):
        path = report.value(node, SH.resultPath)
        keys.append(
            (
                _term_key(report.value(node, SH.resultSeverity)),
                _term_key(report.value(node, SH.focusNode)),
                "_:path" if isinstance(path, BNode) else _term_key(path),
                _term_key(report.value(node, SH.value)),
                frozenset((m.language, str(m)) for m in report.objects(node, SH.resultMessage)),
                _term_key(report.value(node, SH.sourceConstraintComponent)),
                _term_key(report.value(node, SH.sourceShape)),
            )
        )
    return Counter(keys)


def pyshacl_keys(data: Graph, shapes: Graph, ontology: Graph) -> Counter:
    _, report, _ = pyshacl_validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="rdfs", advanced=True, allow_warnings=True
    )
    return result_keys(report)


def engine_keys(
    store: ox.Store, compiled: CompiledShapes, ontology: Graph, focus_nodes: Iterable[str] | None = None
) -> Counter:
    before = set(store)
    report = validate_store(
        store, compiled, ontology, focus_nodes=None if focus_nodes is None else list(focus_nodes)
    )
    assert set(store) == before, "the engine left scratch data in the store"
    assert not any(g.value.startswith(RESERVED_PREFIX) for g in store.named_graphs())
    read_back = Counter(repr(sorted(vars(r).items())) for r in read_results(report.graph))
    assert read_back == Counter(repr(sorted(vars(r).items())) for r in report.results)
    assert report.conforms == (not any(r.severity == "Violation" for r in report.results))
    return result_keys(report.graph)


def assert_same(data: Graph, shapes: Graph, compiled: CompiledShapes, ontology: Graph, label: str) -> Counter:
    """Both engines on `data` (pyshacl on what the store holds); returns the results."""
    store = store_of(data)
    expected = pyshacl_keys(graph_of(store), shapes, ontology)
    actual = engine_keys(store, compiled, ontology)
    assert actual == expected, (
        f"{label}\n  pyshacl only: {sorted(expected - actual, key=str)}\n"
        f"  engine only:  {sorted(actual - expected, key=str)}"
    )
    return actual


# --- fixtures


@pytest.fixture(scope="module", autouse=True)
def pyshacl_after_its_first_closure() -> None:
    """One pyshacl validation with RDFS inference before any comparison. owlrl, which pyshacl runs for
    RDFS, installs its lexical checks for xsd:gYear, xsd:gYearMonth, … into rdflib at its first closure
    in a process and leaves them there, so pyshacl judges "2022-03-01"^^xsd:gYear well-typed before that
    and ill-typed after it. The engine always judges as after it (service/validation/literals.py); the
    reference is put in that state the way every long-running process gets there."""
    pyshacl_validate(Graph(), shacl_graph=Graph(), ont_graph=Graph(), inference="rdfs")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES_FILE, format="turtle")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


@pytest.fixture(scope="module")
def compiled(shapes: Graph) -> CompiledShapes:
    return compile_shapes(shapes)


def case_data(case: Case) -> Graph:
    data = Graph().parse(VALID_FILE, format="turtle") - case.remove
    data += case.add
    return data


# --- the project's shapes


def test_the_project_shapes_compile(compiled: CompiledShapes, shapes: Graph) -> None:
    assert compiled.top_level and compiled.count == len(
        set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape))
    )


def test_valid_example(shapes: Graph, compiled: CompiledShapes, ontology: Graph) -> None:
    assert not assert_same(
        Graph().parse(VALID_FILE, format="turtle"), shapes, compiled, ontology, "valid.ttl"
    )


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.name)
def test_shape_case(case: Case, shapes: Graph, compiled: CompiledShapes, ontology: Graph) -> None:
    results = assert_same(case_data(case), shapes, compiled, ontology, case.name)
    assert bool(results) == bool(case.expected)


@pytest.mark.parametrize("seed", range(12))
def test_random_mutations_of_the_valid_example(
    seed: int, shapes: Graph, compiled: CompiledShapes, ontology: Graph
) -> None:
    assert_same(
        mutated(Graph().parse(VALID_FILE, format="turtle"), random.Random(seed)),
        shapes,
        compiled,
        ontology,
        f"seed {seed}",
    )


def mutated(graph: Graph, rng: random.Random) -> Graph:
    """Deletions, extra or swapped values, wrong datatypes and language tags, falsy literals."""
    triples = sorted(graph, key=str)
    objects = sorted({o for _, _, o in triples}, key=str)
    resources = [o for o in objects if isinstance(o, URIRef)]
    classes = sorted({o for _, p, o in triples if p == RDF.type}, key=str)
    data = Graph() + graph
    for _ in range(rng.randint(2, 5)):
        s, p, o = triple = rng.choice(triples)
        kind = rng.choice(
            ["delete", "delete", "add", "swap", "datatype", "language", "falsy", "type", "text"]
        )
        if kind == "delete":
            data.remove(triple)
        elif kind == "add":
            data.add((s, p, rng.choice(objects)))
        elif kind == "swap":
            data.remove(triple)
            data.add((s, p, rng.choice(objects)))
        elif kind == "datatype" and isinstance(o, Literal):
            data.remove(triple)
            data.add(
                (s, p, Literal(str(o), datatype=rng.choice([XSD.date, XSD.gYear, XSD.decimal, XSD.integer])))
            )
        elif kind == "language" and isinstance(o, Literal):
            data.remove(triple)
            data.add((s, p, Literal(str(o), lang=rng.choice(["en", "sv-se", "fi"]))))
        elif kind == "falsy":
            data.add(
                (
                    s,
                    p,
                    Literal(
                        rng.choice(["0", "false", ""]), datatype=rng.choice([XSD.integer, XSD.boolean, None])
                    ),
                )
            )
        elif kind == "type":
            data.add((rng.choice(resources), RDF.type, rng.choice(classes)))
        elif kind == "text" and isinstance(o, URIRef):
            data.remove(triple)
            data.add((s, p, Literal(str(o))))
    return data


def project_quads(root: Path) -> list[ox.Quad]:
    """A tree's files as the build loads them: one named graph per file, the ontology in its own."""
    settings = Settings(data_dir=root / "data", ontology_dir=root / "ontology", shapes_dir=root / "shapes")
    return [q for f in discover(settings) for q in parse_file(f, settings)]


def test_project_data(shapes: Graph, compiled: CompiledShapes, ontology: Graph) -> None:
    """data/ as the build loads it, including Mölndal's warning for its missing Wikidata link; and
    each file's focus nodes give the full results filtered to them."""
    store = ox.Store()
    store.extend(project_quads(PROJECT_ROOT))
    full = engine_keys(store, compiled, ontology)
    assert full == pyshacl_keys(graph_of(store), shapes, ontology)
    assert any("1481" in str(key[1]) for key in full)
    assert_focus_is_filtering(store, compiled, ontology)


def assert_focus_is_filtering(
    store: ox.Store, compiled: CompiledShapes, ontology: Graph, mutate: bool = False
) -> None:
    report = validate_store(store, compiled, ontology)
    for graph in sorted(store.named_graphs(), key=str):
        focus = sorted(
            {
                q.subject.value
                for q in store.quads_for_pattern(None, None, None, graph)
                if isinstance(q.subject, ox.NamedNode)
            }
        )
        part = validate_store(store, compiled, ontology, focus_nodes=focus)
        wanted = [r for r in report.results if r.focus_node in set(focus)]
        assert Counter(map(_result_key, part.results)) == Counter(map(_result_key, wanted)), graph.value
        assert part.conforms == (not any(r.severity == "Violation" for r in wanted))


def _result_key(result: object) -> str:
    return repr(sorted((k, sorted(v.items()) if isinstance(v, dict) else v) for k, v in vars(result).items()))


@pytest.fixture(scope="module")
def synthetic_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bench/scale_data.py's synthetic tree with one municipality (two data files)."""
    out = tmp_path_factory.mktemp("synthetic")
    subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "bench" / "scale_data.py"),
            "--municipalities",
            "1",
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    return out


def test_synthetic_tree_with_mutations(
    synthetic_tree: Path, shapes: Graph, compiled: CompiledShapes, ontology: Graph
) -> None:
    quads = project_quads(synthetic_tree)
    rng = random.Random(7)
    by_graph: dict[ox.NamedNode, Graph] = {}
    for q in quads:
        by_graph.setdefault(q.graph_name, Graph()).add(
            (to_rdflib_term(q.subject), to_rdflib_term(q.predicate), to_rdflib_term(q.object))
        )
    store = ox.Store()
    for graph, triples in sorted(by_graph.items(), key=lambda item: str(item[0])):
        if "documents" in graph.value:
            triples = mutated(triples, rng)
        store.extend(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), graph) for s, p, o in triples)
    full = engine_keys(store, compiled, ontology)
    assert full == pyshacl_keys(graph_of(store), shapes, ontology)
    assert any(key[0] == str(SH.Violation) for key in full)
    assert_focus_is_filtering(store, compiled, ontology)


def to_rdflib_term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> object:
    from service.rdfterms import to_rdflib

    return to_rdflib(term)


@pytest.mark.parametrize("case", [c for c in ALL_CASES if c.expected][:40], ids=lambda c: c.name)
def test_focus_nodes_give_the_filtered_results(case: Case, compiled: CompiledShapes, ontology: Graph) -> None:
    """For the failing cases: focus on each expected focus node, and on all subjects of the case's graph."""
    store = store_of(case_data(case))
    full = validate_store(store, compiled, ontology)
    subjects = sorted({q.subject.value for q in store if isinstance(q.subject, ox.NamedNode)})
    for focus in [[str(e.focus)] for e in case.expected if isinstance(e.focus, URIRef)] + [
        subjects,
        subjects[:3],
    ]:
        part = validate_store(store, compiled, ontology, focus_nodes=focus)
        wanted = [r for r in full.results if r.focus_node in set(focus)]
        assert Counter(map(_result_key, part.results)) == Counter(map(_result_key, wanted)), (
            case.name,
            focus,
        )


# --- features our shapes do not use


def test_generic_features() -> None:
    shapes = Graph().parse(data=GENERIC_SHAPES, format="turtle")
    ontology = Graph().parse(data=GENERIC_ONTOLOGY, format="turtle")
    data = Graph().parse(data=GENERIC_DATA, format="turtle")
    compiled = compile_shapes(shapes)
    results = assert_same(data, shapes, compiled, ontology, "generic features")
    components = {key[5].rsplit("#", 1)[-1].rsplit("/", 1)[-1] for key in results}
    assert {
        "MinLengthConstraintComponent",
        "PatternConstraintComponent",
        "UniqueLangConstraintComponent",
        "XoneConstraintComponent",
        "QualifiedMinCountConstraintComponent",
        "HasValueConstraintComponent",
        "SPARQLConstraintComponent",
        "NotConstraintComponent",
        "MaxExclusiveConstraintComponent",
        "DatatypeConstraintComponent",
        "NotEqualComponent",
        "MustHaveComponent",
    } <= components, components
    store = store_of(data)
    assert_focus_is_filtering(store, compiled, ontology)


# --- scratch graphs, refusals, fallbacks


def test_scratch_graphs_are_removed_after_an_error(compiled: CompiledShapes, ontology: Graph) -> None:
    """RDFS about RDFS itself is refused after the engine has written its scratch graphs."""
    data = Graph().parse(VALID_FILE, format="turtle")
    data.add(
        (
            URIRef("https://example.org/kind"),
            URIRef("http://www.w3.org/2000/01/rdf-schema#subPropertyOf"),
            RDF.type,
        )
    )
    store = store_of(data)
    before = set(store)
    with pytest.raises(UnsupportedData):
        validate_store(store, compiled, ontology)
    assert set(store) == before


def test_a_store_holding_a_scratch_graph_is_refused(compiled: CompiledShapes, ontology: Graph) -> None:
    store = store_of(Graph().parse(VALID_FILE, format="turtle"))
    store.add(
        ox.Quad(
            ox.NamedNode("https://example.org/a"),
            ox.NamedNode("https://example.org/b"),
            ox.Literal("c"),
            ox.NamedNode(RESERVED_PREFIX + "ontology"),
        )
    )
    before = set(store)
    with pytest.raises(ValueError, match="scratch graph"):
        validate_store(store, compiled, ontology)
    assert set(store) == before


CLOSED_SHAPE = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <https://example.org/> .
ex:ClosedShape a sh:NodeShape ; sh:targetClass ex:Person ; sh:closed true ; sh:message "closed"@en ;
    sh:property [ sh:path ex:name ; sh:message "name"@en ] .
ex:AskShape a sh:NodeShape ; sh:targetClass ex:Person ; ex:askParam true ; sh:message "ask"@en .
ex:AskComponent a sh:ConstraintComponent ; sh:parameter [ sh:path ex:askParam ] ;
    sh:validator [ a sh:SPARQLAskValidator ; sh:ask "ASK { FILTER (false) }" ] .
"""


def test_unsupported_features_are_named_and_pyshacl_answers() -> None:
    shapes = Graph().parse(data=CLOSED_SHAPE, format="turtle")
    with pytest.raises(UnsupportedShapes) as refused:
        compile_shapes(shapes)
    text = str(refused.value)
    assert "https://example.org/ClosedShape: sh:closed" in text
    assert "https://example.org/AskShape" in text and "ASK validators" in text
    data = Graph().parse(data=GENERIC_DATA, format="turtle")
    ontology = Graph().parse(data=GENERIC_ONTOLOGY, format="turtle")
    report = validate_graph(data, shapes=shapes, ontology=ontology)
    reference = validate_graph_with_pyshacl(data, shapes=shapes, ontology=ontology)
    assert report.results and Counter(map(_result_key, report.results)) == Counter(
        map(_result_key, reference.results)
    )


def test_validate_graph_uses_the_engine_and_matches_pyshacl(shapes: Graph, ontology: Graph) -> None:
    case = next(c for c in ALL_CASES if len(c.expected) > 1)
    data = case_data(case)
    report = validate_graph(data, shapes=shapes, ontology=ontology)
    reference = validate_graph_with_pyshacl(data, shapes=shapes, ontology=ontology)
    assert report.results
    assert Counter(map(_result_key, report.results)) == Counter(map(_result_key, reference.results))
    focus = [URIRef(next(iter(report.results)).focus_node)]
    narrowed = validate_graph(data, shapes=shapes, ontology=ontology, focus_nodes=focus)
    assert narrowed.results and {r.focus_node for r in narrowed.results} == {str(focus[0])}
    assert validate_graph(data, shapes=shapes, ontology=ontology, focus_nodes=[]).conforms


def test_validate_graph_keeps_literals_as_written(shapes: Graph, ontology: Graph) -> None:
    """A store would write "0.50"^^xsd:decimal as "0.5"; validate_graph reports the value as written."""
    data = case_data(next(c for c in ALL_CASES if c.name.endswith("citation-confidence-percent")))
    citation = next(
        s
        for s, _, o in data.triples(
            (None, URIRef("https://w3id.org/integration-kg/ontology#confidence"), None)
        )
    )
    data.set(
        (
            citation,
            URIRef("https://w3id.org/integration-kg/ontology#confidence"),
            Literal("1.50", datatype=XSD.decimal),
        )
    )
    report = validate_graph(data, shapes=shapes, ontology=ontology)
    assert "1.50" in {r.value for r in report.results}
