"""Other steering documents a text names: minimal documents of the same municipality, each
explicitly cited with the quote that names it (texts written for these tests, not the seeds)."""

from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS

from service.draft import Draft, draft_document, format_summary, read_source_text
from service.draft.references import head_lemma, recognise
from service.draft.text import Compounds, blocks, fold
from service.geo import table_triples
from service.rdfterms import graph_of

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "draft_cases"
IKG = Namespace("https://w3id.org/integration-kg/ontology#")
DOC = "https://w3id.org/integration-kg/id/document/"
SH = Namespace("http://www.w3.org/ns/shacl#")


def load(*globs: str) -> Graph:
    graph = Graph()
    for pattern in globs:
        for path in sorted(ROOT.glob(pattern)):
            graph.parse(path)
    return graph


@pytest.fixture(scope="module")
def frameworks() -> Graph:
    return load("data/frameworks/*.ttl")


def named(text: str, doc_slug: str = "test") -> list[tuple[str, str, str]]:
    return [
        (r.slug, r.cls, r.label) for r in recognise(text, blocks(text), Compounds.from_texts(text), doc_slug)
    ]


def test_kind_words_on_inflections_and_compound_heads() -> None:
    assert head_lemma("bemötandeplanen") == ("bemötandeplan", "Plan")
    assert head_lemma("programmet") == ("program", "Programme")
    assert head_lemma("arbetsmarknadsstrategi") == ("arbetsmarknadsstrategi", "Strategy")
    assert head_lemma("riktlinjerna") == ("riktlinjer", "Guideline")
    assert (
        head_lemma("revision") is None and head_lemma("planera") is None and head_lemma("integration") is None
    )


def test_items_of_a_list_introduced_by_a_steering_sentence() -> None:
    text = (
        "Styrning\n\nArbetet styrs via strategier och planer:\n\n- Kommunens vision\n- Strategin för hållbar tillväxt i Testby\n"
        "- Trafikplanen, som antogs 2018\n- Skolans lokaler\n- Ta fram en plan för språkstöd\n"
    )
    assert named(text) == [
        ("vision", "PolicyDocument", "Kommunens vision"),
        ("strategi-for-hallbar-tillvaxt", "Strategy", "Strategin för hållbar tillväxt i Testby"),
        ("trafikplan", "Plan", "Trafikplanen"),
    ]


def test_a_list_without_a_steering_sentence_names_no_documents() -> None:
    assert (
        named("Parter\n\nVi samarbetar med följande parter:\n\n- Biblioteksplanen\n- Arbetsförmedlingen\n")
        == []
    )
    # "styrka" and "styrelse" are not about steering documents
    assert (
        named(
            "Styrkor\n\nStyrelsen ser stora styrkor i planer som dessa:\n\n- Trafikplanen\n- Kulturplanen\n"
        )
        == []
    )


def test_an_enumeration_after_a_steering_word_and_not_other_authorities_documents() -> None:
    text = (
        "Bakgrund\n\nPlanen ska läsas med kommunens andra styrdokument, till exempel folkhälsopolicyn, kulturplanen för barn och unga "
        "och riktlinjerna för föreningsbidrag. Den bygger på styrdokument såsom EU:s handlingsplan för integration och inkludering "
        "och den nationella strategin mot rasism.\n"
    )
    assert named(text) == [
        ("folkhalsopolicy", "Policy", "Folkhälsopolicyn"),
        ("kulturplan-for-barn-och-unga", "Plan", "Kulturplanen för barn och unga"),
        ("riktlinjer-for-foreningsbidrag", "Guideline", "Riktlinjerna för föreningsbidrag"),
    ]


def test_a_kind_word_in_passing_and_the_document_itself_are_not_references() -> None:
    text = "Plan\n\nEn handlingsplan tas fram under våren. Denna plan är ett av kommunens styrdokument, såsom integrationsplanen.\n"
    assert named(text, doc_slug="integrationsplan") == []


def draft_case(frameworks: Graph) -> Draft:
    path = CASES / "steering-documents.txt"
    return draft_document(
        read_source_text(path),
        "1442",
        frameworks=frameworks,
        municipalities=graph_of(table_triples(ROOT / "data"), load("data/municipalities/*.ttl")),
        source_name=path.name,
    )


def test_the_draft_declares_and_cites_the_named_documents(frameworks: Graph) -> None:
    draft = draft_case(frameworks)
    graph, document = draft.graph, URIRef(draft.document)
    cited = {str(t).removeprefix(DOC) for t in graph.objects(document, IKG.cites) if str(t).startswith(DOC)}
    assert cited == {
        "1442/folkhalsopolicy",
        "1442/jamstalldhetsplan",
        "1442/riktlinjer-for-foreningsbidrag",
        "1442/oversiktsplan",
        "1442/bostadsprogram",
        "1442/aldreomsorgsprogram",
    }
    programme = URIRef(DOC + "1442/aldreomsorgsprogram")
    assert (programme, RDF.type, IKG.Programme) in graph
    assert graph.value(programme, DCTERMS.title) == Literal("Äldreomsorgsprogrammet", lang="sv")
    assert graph.value(programme, SKOS.prefLabel) == Literal("Äldreomsorgsprogrammet", lang="sv")
    assert graph.value(programme, DCTERMS.publisher) == URIRef(
        "https://w3id.org/integration-kg/id/municipality/1442"
    )
    source = fold((CASES / "steering-documents.txt").read_text(encoding="utf-8"))
    for citation in graph.objects(document, IKG.citation):
        target = str(graph.value(citation, IKG.target))
        if not target.startswith(DOC):
            continue
        assert graph.value(citation, IKG.citationKind) == IKG.ExplicitCitation
        assert graph.value(citation, PROV.wasAttributedTo) == URIRef(
            "https://w3id.org/integration-kg/id/agent/drafter"
        )
        assert fold(str(graph.value(citation, IKG.quote))) in source
    quote = graph.value(URIRef(draft.document + "/citation/document-1442-folkhalsopolicy"), IKG.quote)
    assert (
        str(quote)
        == "andra styrdokument, till exempel folkhälsopolicyn, jämställdhetsplanen och riktlinjerna för föreningsbidrag"
    )
    assert "Other steering documents named" in format_summary(draft)


def test_the_draft_with_named_documents_conforms_to_the_shapes(frameworks: Graph) -> None:
    draft = draft_case(frameworks)
    data = (
        draft.graph
        + frameworks
        + graph_of(table_triples(ROOT / "data"), load("data/municipalities/*.ttl", "data/agents.ttl"))
    )
    _, report, text = pyshacl.validate(
        data, shacl_graph=load("shapes/*.ttl"), ont_graph=load("ontology/*.ttl"), inference="rdfs"
    )
    violations = [
        r
        for r in report.subjects(RDF.type, SH.ValidationResult)
        if (r, SH.resultSeverity, SH.Violation) in report
    ]
    assert violations == [], text


def test_the_evaluation_matches_a_named_document_by_label_when_the_slugs_differ() -> None:
    from service.draft.evaluate import _same_documents

    base = "https://w3id.org/integration-kg/"
    curated, draft = Graph(), Graph()
    curated.add((URIRef(DOC + "9999/stadens-vision"), SKOS.prefLabel, Literal("Visionen", lang="sv")))
    draft.add((URIRef(DOC + "9999/vision"), DCTERMS.title, Literal("visionen.", lang="sv")))
    draft.add((URIRef(DOC + "9999/trafikplan"), DCTERMS.title, Literal("Trafikplanen", lang="sv")))
    draft.add((URIRef(DOC + "8888/vision"), DCTERMS.title, Literal("Visionen", lang="sv")))
    gold = {(DOC + "9999/stadens-vision", "explicit")}
    drafted = {
        (DOC + "9999/vision", "explicit"),
        (DOC + "9999/trafikplan", "explicit"),
        (DOC + "8888/vision", "explicit"),
    }
    assert _same_documents(drafted, draft, gold, curated, base) == {
        (DOC + "9999/stadens-vision", "explicit"),
        (DOC + "9999/trafikplan", "explicit"),
        (DOC + "8888/vision", "explicit"),
    }
