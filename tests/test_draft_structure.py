"""Structure recognisers of the drafter: lists, part headings, commitments and goal sentences."""

from service.draft.structure import Structure, recognise
from service.draft.text import Compounds, blocks


def structure(text: str) -> Structure:
    return recognise(text, blocks(text), Compounds.from_texts(text), "test")


def labels(s: Structure) -> list[tuple[str, str, str]]:
    return [(p.cls, p.notation, p.label) for p in s.all_parts()]


def test_list_introduced_by_its_sentence() -> None:
    s = structure("Arbetet\n\nPlanen pekar ut följande tre insatsområden:\n\n- Språk\n- Arbete och praktik.\n- Boende\n")
    assert labels(s) == [("FocusArea", "1", "Språk"), ("FocusArea", "2", "Arbete och praktik"), ("FocusArea", "3", "Boende")]


def test_list_named_by_its_heading_and_inflected_cues() -> None:
    s = structure("Våra delmål\n\n* Fler i arbete\n* Fler talar svenska\n\nÅtgärderna\n\n• Starta språkcafé\n")
    assert [(p.cls, p.label) for p in s.all_parts()] == [("Goal", "Fler i arbete"), ("Goal", "Fler talar svenska"), ("Action", "Starta språkcafé")]


def test_a_list_of_something_else_is_not_made_into_parts() -> None:
    s = structure("Samverkan\n\nArbetet utgår från de mål som sker i kommunens verksamheter:\n\n- Skola\n- Socialtjänst\n")
    assert s.all_parts() == [] and s.unclassified[0].items == ["Skola", "Socialtjänst"]


def test_part_headings_hold_their_lists() -> None:
    text = "Fokusområde 1: Arbete\n\n- Fler ska ha ett jobb\n- Fler ska starta företag\n\nFokusområde 2: Boende\n\n- Ingen ska sakna bostad\n"
    s = structure(text)
    assert [(p.cls, p.label) for p in s.parts] == [("FocusArea", "Arbete"), ("FocusArea", "Boende")]
    first = s.parts[0]
    assert [(c.cls, c.notation, c.label) for c in first.children] == [("Goal", "1", "Fler ska ha ett jobb"), ("Goal", "2", "Fler ska starta företag")]
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
