"""The framework catalogue on short texts written for the test: every inflection of every name,
the naming variants municipal texts use, the laws and conventions they cite, and no over-labelling
of a shared aim as a paraphrase. Thematic suggestions are alignments in the graph, never citations."""

from pathlib import Path

import pytest
from rdflib import Graph, Namespace
from rdflib.namespace import RDF

from service.draft import draft_document

ROOT = Path(__file__).resolve().parents[1]
FW = "https://w3id.org/integration-kg/id/framework/"
IKG = Namespace("https://w3id.org/integration-kg/ontology#")


@pytest.fixture(scope="module")
def frameworks() -> Graph:
    graph = Graph()
    for path in sorted((ROOT / "data" / "frameworks").glob("*.ttl")):
        graph.parse(path)
    return graph


def cites(text: str, frameworks: Graph) -> set[tuple[str, str]]:
    draft = draft_document(text, "9999", frameworks=frameworks, source_name="test.txt")
    return {(s.target.removeprefix(FW).split("/", 1)[0], s.kind) for s in draft.suggestions}


@pytest.mark.parametrize(
    "phrase",
    [
        "de elva europeiska grundprinciperna för integration",
        "EU:s gemensamma grundprinciper",
        "den europeiska grundprincipen om integration som en dubbelriktad process",
        "de gemensamma grundprincipernas anda",
    ],
)
def test_every_inflection_of_the_basic_principles_is_explicit(phrase: str, frameworks: Graph) -> None:
    assert ("eu-cbp-2004", "ExplicitCitation") in cites(f"Sida\n\nArbetet utgår från {phrase}.\n", frameworks)


@pytest.mark.parametrize(
    "phrase",
    [
        "FN:s principer om mänskliga rättigheter",
        "FN:s konvention om mänskliga rättigheter",
        "FN:s allmänna förklaring",
        "FN:s deklaration om de mänskliga rättigheterna",
    ],
)
def test_naming_variants_of_the_universal_declaration_are_explicit(phrase: str, frameworks: Graph) -> None:
    found = cites(f"Sida\n\nPolicyn bygger på {phrase}.\n", frameworks)
    assert ("udhr-1948", "ExplicitCitation") in found
    assert ("udhr-1948", "ThematicAlignment") not in found


@pytest.mark.parametrize(
    ("sentence", "target"),
    [
        ("Barnkonventionen är svensk lag sedan 2020.", "crc-1989"),
        ("Barnkonventionens artiklar ska följas.", "crc-1989"),
        ("Vi följer FN:s konvention om barnets rättigheter.", "crc-1989"),
        ("Diskrimineringslagen förbjuder diskriminering.", "se-diskrimineringslag-2008-567"),
        ("Enligt diskrimineringslagens sju grunder ska ingen missgynnas.", "se-diskrimineringslag-2008-567"),
        (
            "Regeringsformen 1 kap. 2 § säger att det allmänna ska motverka diskriminering.",
            "se-regeringsformen-1974-152",
        ),
        ("Skollagen ger nyanlända elever rätt till studiehandledning.", "se-skollag-2010-800"),
        (
            "Lagen om etableringsinsatser för vissa nyanlända invandrare styr ansvaret.",
            "se-etableringslag-2010-197",
        ),
        ("Etableringslagen trädde i kraft 2010.", "se-etableringslag-2010-197"),
        ("Lagen (2017:584) om ansvar för etableringsinsatser gäller.", "se-etableringslag-2017-584"),
        ("Bosättningslagen innebär att alla kommuner tar emot nyanlända.", "se-bosattningslag-2016-38"),
        ("Kommunen anvisas nyanlända enligt lagen om bosättning.", "se-bosattningslag-2016-38"),
    ],
)
def test_laws_and_conventions_municipal_texts_cite(sentence: str, target: str, frameworks: Graph) -> None:
    assert (target, "ExplicitCitation") in cites(f"Sida\n\n{sentence}\n", frameworks)


def test_the_2017_establishment_act_is_not_also_the_2010_one(frameworks: Graph) -> None:
    found = cites(
        "Sida\n\nEtableringslagen (2017:584) om ansvar för etableringsinsatser gäller.\n", frameworks
    )
    assert ("se-etableringslag-2017-584", "ExplicitCitation") in found
    assert not any(target == "se-etableringslag-2010-197" for target, _ in found)


def test_naming_variants_of_the_national_goal_are_explicit(frameworks: Graph) -> None:
    for sentence in (
        "Regeringens mål för integrationspolitiken gäller även oss.",
        "Strategin utgår från nationellt övergripande integrationsmål.",
    ):
        assert ("se-integration-policy", "ExplicitCitation") in cites(f"Sida\n\n{sentence}\n", frameworks), (
            sentence
        )


def test_equal_worth_regardless_of_background_is_no_paraphrase(frameworks: Graph) -> None:
    text = "Sida\n\nVarje människas värde är lika, oberoende av etnisk och kulturell bakgrund eller trosuppfattning.\n"
    found = cites(text, frameworks)
    assert ("se-integration-policy", "Paraphrase") not in found


def test_equal_rights_and_obligations_restate_the_national_goal(frameworks: Graph) -> None:
    text = "Sida\n\nNyanlända har precis som alla andra invånare samma möjligheter och skyldigheter.\n"
    assert ("se-integration-policy", "Paraphrase") in cites(text, frameworks)


def test_one_of_the_three_is_only_a_shared_aim(frameworks: Graph) -> None:
    text = "Sida\n\nDu har rätt till samma service och möjligheter att påverka oavsett bakgrund.\n"
    assert ("se-integration-policy", "Paraphrase") not in cites(text, frameworks)


def test_thematic_suggestions_are_written_as_alignments(frameworks: Graph) -> None:
    text = "Sida\n\nArbetet bygger på respekt för mänskliga rättigheter och på barnkonventionen.\n"
    draft = draft_document(text, "9999", frameworks=frameworks, source_name="test.txt")
    graph = draft.graph
    alignments = list(graph.subjects(RDF.type, IKG.Alignment))
    assert [str(graph.value(a, IKG.target)) for a in alignments] == [FW + "udhr-1948"]
    cited = {str(graph.value(c, IKG.target)) for c in graph.subjects(RDF.type, IKG.Citation)}
    assert cited == {FW + "crc-1989"}
    assert not any(str(o) == FW + "udhr-1948" for o in graph.objects(None, IKG.cites))
