"""Structure recognisers of the drafter: lists, part headings, commitments and goal sentences."""

from service.draft.structure import Structure, recognise
from service.draft.text import Compounds, blocks


def structure(text: str) -> Structure:
    return recognise(text, blocks(text), Compounds.from_texts(text), "test")


def labels(s: Structure) -> list[tuple[str, str, str]]:
    return [(p.cls, p.notation, p.label) for p in s.all_parts()]


def test_list_introduced_by_its_sentence() -> None:
    s = structure(
        "Arbetet\n\nPlanen pekar ut följande tre insatsområden:\n\n- Språk\n- Arbete och praktik.\n- Boende\n"
    )
    assert labels(s) == [
        ("FocusArea", "1", "Språk"),
        ("FocusArea", "2", "Arbete och praktik"),
        ("FocusArea", "3", "Boende"),
    ]


def test_list_named_by_its_heading_and_inflected_cues() -> None:
    s = structure(
        "Våra delmål\n\n* Fler i arbete\n* Fler talar svenska\n\nÅtgärderna\n\n• Starta språkcafé\n"
    )
    assert [(p.cls, p.label) for p in s.all_parts()] == [
        ("Goal", "Fler i arbete"),
        ("Goal", "Fler talar svenska"),
        ("Action", "Starta språkcafé"),
    ]


def test_a_list_of_something_else_is_not_made_into_parts() -> None:
    s = structure(
        "Samverkan\n\nArbetet utgår från de mål som sker i kommunens verksamheter:\n\n- Skola\n- Socialtjänst\n"
    )
    assert s.all_parts() == [] and s.unclassified[0].items == ["Skola", "Socialtjänst"]


def test_part_headings_hold_their_lists() -> None:
    text = "Fokusområde 1: Arbete\n\n- Fler ska ha ett jobb\n- Fler ska starta företag\n\nFokusområde 2: Boende\n\n- Ingen ska sakna bostad\n"
    s = structure(text)
    assert [(p.cls, p.label) for p in s.parts] == [("FocusArea", "Arbete"), ("FocusArea", "Boende")]
    first = s.parts[0]
    assert [(c.cls, c.notation, c.label) for c in first.children] == [
        ("Goal", "1", "Fler ska ha ett jobb"),
        ("Goal", "2", "Fler ska starta företag"),
    ]
    assert all(c.parent is first for c in first.children)


def test_actions_under_a_goal_implement_it() -> None:
    s = structure("Mål 1: Alla ska kunna svenska\n\nVi gör så här:\n\n- Erbjuda språkcafé\n")
    goal = s.parts[0]
    assert goal.cls == "Goal" and goal.children[0].cls == "Action" and goal.children[0].implements is goal


def test_commitments_in_an_action_section_and_goal_sentences() -> None:
    text = (
        "Genomförande\n\nKommunen ska samordna arbetet. Personalen spelar en viktig roll. Nämnderna skall följa upp varje år.\n\n"
        "Om oss\n\nTestby kommun ska vara en välkomnande plats för alla. Målet är att alla ska känna sig hemma.\n"
    )
    s = structure(text)
    assert labels(s) == [
        ("Action", "1", "Kommunen ska samordna arbetet"),
        ("Action", "2", "Nämnderna skall följa upp varje år"),
        ("Goal", "1", "Testby kommun ska vara en välkomnande plats för alla"),
        ("Goal", "2", "Alla ska känna sig hemma"),
    ]
    assert s.all_parts()[-1].statement == "Målet är att alla ska känna sig hemma."


def test_slugs_are_unique() -> None:
    s = structure("Mål\n\n- Boende\n- Boende\n")
    assert [p.slug for p in s.all_parts()] == ["boende", "boende-2"]


def test_two_lists_of_the_same_kind_are_groups_named_by_their_introductions() -> None:
    text = (
        "Viktiga områden\n\nKommunen har valt följande långsiktiga insatsområden för arbetet.\n\n- Språk\n- Arbete\n\n"
        "Varje år prövas också vilka behov som finns. De tillfälliga insatsområden som gäller är:\n\n- Boende\n- Hälsa\n- Föreningsliv\n"
    )
    s = structure(text)
    assert [(p.cls, p.notation, p.label) for p in s.parts] == [
        ("DocumentPart", "1", "Långsiktiga insatsområden"),
        ("DocumentPart", "2", "Tillfälliga insatsområden"),
    ]
    assert [(c.cls, c.notation, c.label) for c in s.parts[1].children] == [
        ("FocusArea", "1", "Boende"),
        ("FocusArea", "2", "Hälsa"),
        ("FocusArea", "3", "Föreningsliv"),
    ]
    assert all(c.parent is s.parts[0] for c in s.parts[0].children)
    assert s.parts[1].statement.startswith("Varje år prövas")


def test_lists_of_the_same_kind_without_distinguishing_words_stay_ungrouped() -> None:
    text = "Mål\n\nVåra mål är följande:\n\n- Fler i arbete\n\nMer arbete\n\nDe mål som gäller är:\n\n- Fler i skolan\n"
    s = structure(text)
    assert [(p.cls, p.label) for p in s.parts] == [("Goal", "Fler i arbete"), ("Goal", "Fler i skolan")]


def test_a_section_of_running_text_between_part_sections_is_a_part() -> None:
    text = (
        "Inledning\n\nKommunen vill stärka arbetet. Policyn gäller alla.\n\n"
        "Syfte\n\n- Att samordna arbetet\n\n"
        "Människosyn\n\nAlla har samma värde. Alla ska bemötas med respekt.\n\n"
        "Vad menar vi?\n\nVi menar delaktighet.\n\n"
        "Genomförande\n\nNämnderna ska följa upp arbetet varje år.\n\n"
        "Om arbetet framåt\n\nArbetet fortsätter.\n"
    )
    s = structure(text)
    assert [(p.cls, p.label) for p in s.parts] == [
        ("Purpose", "Att samordna arbetet"),
        ("DocumentPart", "Människosyn"),
        ("Action", "Nämnderna ska följa upp arbetet varje år"),
    ]
    assert s.parts[1].statement == "Alla har samma värde. Alla ska bemötas med respekt."


def test_a_section_of_running_text_outside_part_sections_is_not_a_part() -> None:
    text = "Människosyn\n\nAlla har samma värde.\n\nMål\n\n- Fler i arbete\n\nSamverkan\n\nVi samverkar.\n"
    assert [(p.cls, p.label) for p in structure(text).parts] == [("Goal", "Fler i arbete")]


def test_what_a_role_entails_in_an_action_section_is_an_action() -> None:
    text = (
        "Genomförande\n\nNämndens uppdrag innebär en nära dialog med föreningarna. Personalen har en viktig roll. "
        "Arbetet följer planen som innebär ett tydligt ansvar.\n\n"
        "Mål\n\nKommunens ansvar innebär en god service.\n"
    )
    s = structure(text)
    assert [(p.cls, p.label) for p in s.parts] == [("Action", "En nära dialog med föreningarna")]
    assert s.parts[0].statement == "Nämndens uppdrag innebär en nära dialog med föreningarna."


def test_goals_stated_in_prose_in_their_usual_forms() -> None:
    s = structure(
        "Integration i Lindby\n\n"
        "Lindby kommun har som mål att alla nyanlända ska ha ett arbete inom två år. "
        "Sedan 2020 har nämnden som målsättning att fler ska läsa svenska. "
        "Målet med integrationsarbetet är att alla invånare ska känna sig delaktiga. "
        "I Lindby är målet att ingen ska stå utanför. Ett av målen är att minska segregationen.\n"
    )
    assert [(p.cls, p.label) for p in s.all_parts()] == [
        ("Goal", "Alla nyanlända ska ha ett arbete inom två år"),
        ("Goal", "Fler ska läsa svenska"),
        ("Goal", "Alla invånare ska känna sig delaktiga"),
        ("Goal", "Ingen ska stå utanför"),
        ("Goal", "Minska segregationen"),
    ]


def test_a_goal_someone_else_holds_is_not_a_part_of_the_document() -> None:
    s = structure(
        "Nyanlända\n\n"
        "Regeringens mål är att fler nyanlända ska komma i arbete. "
        "Syftet med lagen är att nyanlända snabbare ska etablera sig. "
        "Målet för den nationella integrationspolitiken är att alla ska ha samma möjligheter. "
        "Vi har till exempel målsättningar för skolan.\n"
    )
    assert s.all_parts() == []
