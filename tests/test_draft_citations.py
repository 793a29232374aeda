"""Citation suggestions on small texts, against the real frameworks graph in data/frameworks/."""

from pathlib import Path

import pytest
from rdflib import Graph

from service.draft import Draft, draft_document

ROOT = Path(__file__).resolve().parents[1]
FW = "https://w3id.org/integration-kg/id/framework/"


@pytest.fixture(scope="module")
def frameworks() -> Graph:
    graph = Graph()
    for path in sorted((ROOT / "data" / "frameworks").glob("*.ttl")):
        graph.parse(path)
    assert len(graph) > 0
    return graph


def cites(text: str, frameworks: Graph) -> set[tuple[str, str]]:
    draft = draft_document(text, "9999", frameworks=frameworks, source_name="test.txt")
    return {(s.target.removeprefix(FW), s.kind) for s in draft.suggestions}


def draft_of(text: str, frameworks: Graph) -> Draft:
    return draft_document(text, "9999", frameworks=frameworks, source_name="test.txt")


def test_named_frameworks_are_explicit(frameworks: Graph) -> None:
    text = "Plan för integration\n\nPlanen vilar på FN:s deklaration om de mänskliga rättigheterna, Agenda 2030 och EU:s gemensamma grundprinciper för integration.\n"
    assert cites(text, frameworks) >= {
        ("udhr-1948", "ExplicitCitation"),
        ("agenda-2030", "ExplicitCitation"),
        ("eu-cbp-2004", "ExplicitCitation"),
    }


def test_a_principle_picked_out_by_number_or_ordinal(frameworks: Graph) -> None:
    text = "Strategi\n\nVi följer EU:s grundprinciper, särskilt grundprincip 4 om språk.\n\nVi utgår från EU:s elva principer och den tredje av dessa.\n"
    found = cites(text, frameworks)
    assert ("eu-cbp-2004/4", "ExplicitCitation") in found and ("eu-cbp-2004/3", "ExplicitCitation") in found


def test_paraphrase_of_an_official_wording_without_naming_it(frameworks: Graph) -> None:
    text = "Program\n\nVi vill ha en samhällsgemenskap där samhällets mångfald är grunden.\n"
    assert ("se-integration-policy/1997-2", "Paraphrase") in cites(text, frameworks)


def test_the_goal_version_in_force_wins_a_tie(frameworks: Graph) -> None:
    # "rättigheter, skyldigheter och möjligheter" is the wording of both 2002/03 and 2008
    later = "Policy\n\nAntagen av kommunfullmäktige 2012-05-10.\n\nAlla ska ha samma rättigheter, skyldigheter och möjligheter.\n"
    found = cites(later, frameworks)
    assert ("se-integration-policy/2008", "Paraphrase") in found
    assert not any(target == "se-integration-policy/2002-1" for target, _ in found)


def test_quoted_wording_after_a_name_is_explicit_and_verbatim(frameworks: Graph) -> None:
    text = "Strategi\n\nVi står bakom det nationella målet: ”lika rättigheter, skyldigheter och möjligheter för alla oavsett etnisk och kulturell bakgrund”.\n"
    draft = draft_of(text, frameworks)
    goal = [s for s in draft.suggestions if s.target == FW + "se-integration-policy/2008"]
    assert goal and goal[0].kind == "ExplicitCitation" and 0 < goal[0].confidence <= 1
    assert all(s.quote in " ".join(text.split()) for s in draft.suggestions)


def test_human_rights_in_general_is_only_thematic(frameworks: Graph) -> None:
    assert cites("Info\n\nArbetet bygger på respekt för mänskliga rättigheter.\n", frameworks) == {
        ("udhr-1948", "ThematicAlignment")
    }


def test_unrelated_text_gets_no_citation(frameworks: Graph) -> None:
    assert (
        cites(
            "Parkering\n\nBilar parkeras på anvisad plats. Avgiften betalas i automaten vid entrén.\n",
            frameworks,
        )
        == set()
    )


def test_a_part_cites_what_its_item_restates(frameworks: Graph) -> None:
    draft = draft_of(
        "Policy\n\nMål\n\n- En samhällsgemenskap med samhällets mångfald som grund.\n", frameworks
    )
    suggestion = next(s for s in draft.suggestions if s.target.endswith("1997-2"))
    assert suggestion.citing is not None and suggestion.citing.cls == "Goal"


def test_the_municipalitys_own_integration_policy_heading_names_no_framework(frameworks: Graph) -> None:
    own = "Policy\n\nIntegrationspolitikens inriktning\n\n- Ge stöd till föreningar\n"
    assert not any(target == "se-integration-policy" for target, _ in cites(own, frameworks))
    national = "Plan\n\nVi följer den nationella integrationspolitikens mål i vårt arbete.\n"
    assert ("se-integration-policy", "ExplicitCitation") in cites(national, frameworks)


def test_a_part_restating_one_version_of_a_goal_is_not_aligned_with_another(frameworks: Graph) -> None:
    text = (
        "Policy\n\nAntagen av kommunfullmäktige 2015-03-02.\n\nSyfte\n\n- Att samordna arbetet\n\n"
        "Grundsyn\n\nAlla människor har samma värde oavsett etnisk, kulturell eller religiös bakgrund. "
        "Invandrare ska ha samma rättigheter, möjligheter och skyldigheter som andra.\n\n"
        "Genomförande\n\nNämnderna ska följa upp arbetet.\n"
    )
    draft = draft_of(text, frameworks)
    on_section = {
        (s.target.removeprefix(FW), s.kind)
        for s in draft.suggestions
        if s.citing is not None and s.citing.label == "Grundsyn"
    }
    assert ("se-integration-policy/2008", "Paraphrase") in on_section
    assert not any(
        target.startswith("se-integration-policy/") and target != "se-integration-policy/2008"
        for target, _ in on_section
    )


def test_equal_rights_of_gender_equality_or_non_discrimination_are_not_the_integration_goal(
    frameworks: Graph,
) -> None:
    gender = cites(
        "Jämställdhet\n\nJämställdhet är en fråga om rättvisa, där du oavsett kön eller könsidentitet "
        "ska ha lika rättigheter, möjligheter och skyldigheter.\n",
        frameworks,
    )
    grounds = cites(
        "Mångfald\n\nMångfald handlar om att ha lika rättigheter, skyldigheter och möjligheter "
        "oavsett kön, etnisk tillhörighet, religion, funktionsnedsättning, sexuell läggning och ålder.\n",
        frameworks,
    )
    assert not any(target.startswith("se-integration-policy") for target, _ in gender | grounds)
    # the same words about background are the integration goal restated
    integration = cites(
        "Mångfald\n\nAlla invånare ska ha lika rättigheter, skyldigheter och möjligheter oavsett kön "
        "och etnisk och kulturell bakgrund.\n",
        frameworks,
    )
    assert any(
        target.startswith("se-integration-policy") and kind == "Paraphrase" for target, kind in integration
    )
