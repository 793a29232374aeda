"""The drafts of the five source texts: they conform to the shapes (validated with the frameworks,
municipalities and agents they reference), every quote is verbatim, every suggestion is marked as
the drafter's; and the evaluation against the curated data meets the aims the figures are reported for."""

from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, PROV, RDF, XSD

from service.draft import Draft, draft_document, format_summary, read_source_text
from service.draft.evaluate import evaluate
from service.draft.text import fold
from service.geo import table_triples
from service.rdfterms import graph_of

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SOURCES = sorted(p for p in (DATA / "sources").glob("*.txt"))
IKG = Namespace("https://w3id.org/integration-kg/ontology#")
SH = Namespace("http://www.w3.org/ns/shacl#")


def load(*globs: str) -> Graph:
    graph = Graph()
    for pattern in globs:
        for path in sorted(ROOT.glob(pattern)):
            graph.parse(path)
    return graph


@pytest.fixture(scope="module")
def context() -> dict[str, Graph]:
    return {
        "frameworks": load("data/frameworks/*.ttl"),
        # the hand-written municipality files and the generated table of all 290 (data/geo/)
        "municipalities": graph_of(table_triples(ROOT / "data"), load("data/municipalities/*.ttl")),
        "agents": load("data/agents.ttl"),
        "shapes": load("shapes/*.ttl"),
        "ontology": load("ontology/*.ttl"),
    }


def draft_for(path: Path, context: dict[str, Graph]) -> Draft:
    return draft_document(
        read_source_text(path),
        path.name[:4],
        frameworks=context["frameworks"],
        municipalities=context["municipalities"],
        source_name=path.name,
    )


def test_there_are_five_source_texts() -> None:
    assert len(SOURCES) == 5


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_draft_conforms_to_the_shapes(path: Path, context: dict[str, Graph]) -> None:
    draft = draft_for(path, context)
    graph = draft.graph
    if (IKG.Alignment, RDF.type, OWL.Class) not in context["ontology"]:
        # ikg:Alignment (helper "data"'s vocabulary) is not in the ontology yet, whose ikg:target and
        # ikg:quote still have the domain ikg:Citation: validate without the alignment nodes, which
        # test_thematic_suggestions_are_alignments_not_citations checks; in full once it lands
        graph = Graph()
        alignments = set(draft.graph.subjects(RDF.type, IKG.Alignment))
        for triple in draft.graph:
            if triple[0] not in alignments and triple[2] not in alignments:
                graph.add(triple)
    data = graph + context["frameworks"] + context["municipalities"] + context["agents"]
    _, report, text = pyshacl.validate(
        data, shacl_graph=context["shapes"], ont_graph=context["ontology"], inference="rdfs"
    )
    violations = [
        r
        for r in report.subjects(RDF.type, SH.ValidationResult)
        if (r, SH.resultSeverity, SH.Violation) in report
    ]
    assert violations == [], text


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_quotes_are_verbatim_and_suggestions_are_the_drafters(path: Path, context: dict[str, Graph]) -> None:
    draft = draft_for(path, context)
    source = fold(path.read_text(encoding="utf-8"))
    citations = list(draft.graph.subjects(RDF.type, IKG.Citation))
    for citation in citations:
        quote = draft.graph.value(citation, IKG.quote)
        assert isinstance(quote, Literal) and quote.language == "sv" and fold(str(quote)) in source
        assert draft.graph.value(citation, PROV.wasAttributedTo) == URIRef(
            "https://w3id.org/integration-kg/id/agent/drafter"
        )
        confidence = draft.graph.value(citation, IKG.confidence)
        assert (
            isinstance(confidence, Literal)
            and confidence.datatype == XSD.decimal
            and 0 < float(confidence) <= 1
        )
    summary = format_summary(draft)
    assert "Metadata" in summary and "Structure" in summary and "Suggested citations" in summary


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_thematic_suggestions_are_alignments_not_citations(path: Path, context: dict[str, Graph]) -> None:
    draft = draft_for(path, context)
    source = fold(path.read_text(encoding="utf-8"))
    thematic = [s for s in draft.suggestions if s.kind == "ThematicAlignment"]
    alignments = set(draft.graph.subjects(RDF.type, IKG.Alignment))
    assert len(alignments) == len({(id(s.citing), s.target) for s in thematic})
    for node in alignments:
        assert (node, RDF.type, IKG.Citation) not in draft.graph
        assert draft.graph.value(node, IKG.citationKind) is None
        assert (None, IKG.citation, node) not in draft.graph
        owner = draft.graph.value(None, IKG.alignment, node)
        target = draft.graph.value(node, IKG.target)
        assert owner is not None and (owner, IKG.alignsWith, target) in draft.graph
        assert (owner, IKG.cites, target) not in draft.graph or any(
            draft.graph.value(c, IKG.target) == target for c in draft.graph.objects(owner, IKG.citation)
        )
        quote = draft.graph.value(node, IKG.quote)
        assert isinstance(quote, Literal) and fold(str(quote)) in source
        assert draft.graph.value(node, PROV.wasAttributedTo) == URIRef(
            "https://w3id.org/integration-kg/id/agent/drafter"
        )
        assert draft.graph.value(node, PROV.wasDerivedFrom) is not None


def test_evaluation_meets_the_aims() -> None:
    tallies = evaluate(DATA).tallies
    assert tallies["metadata"].recall >= 0.9  # type: ignore[operator]
    # The curated seeds now hold the parts a reader expects that are running text (definitions,
    # target groups, success factors: 25 of 61), which the drafter does not draft from headings and
    # lists; every part it drafts is still a curated one. Its recall on unseen texts is measured on
    # the evaluation corpus (scripts/evaluate_drafter.py), not here.
    assert tallies["structure (label)"].precision >= 0.9 and tallies["structure (label)"].recall >= 0.55  # type: ignore[operator]
    for category in ("citations of frameworks expl.+para.", "citations explicit+paraphrase"):
        core = tallies[category]
        assert core.precision >= 0.8 and core.recall >= 0.8, category  # type: ignore[operator]
