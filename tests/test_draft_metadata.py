"""Metadata recognisers of the drafter on small texts written for the test."""

from service.draft.metadata import DateValue, document_slug, find_date, recognise, recognise_actor
from service.draft.text import Compounds, blocks


def meta(text: str):  # type: ignore[no-untyped-def]
    return recognise(text, blocks(text), Compounds.from_texts(text))


def test_date_forms_as_precise_as_written() -> None:
    assert find_date("Datum: 11 december 2019")[0] == DateValue("2019-12-11", "date")  # type: ignore[index]
    assert find_date("fastställd 2017-11-14")[0] == DateValue("2017-11-14", "date")  # type: ignore[index]
    assert find_date("fattade i juni 2021 beslut")[0] == DateValue("2021-06", "gYearMonth")  # type: ignore[index]
    assert find_date("den 1:a mars 2020")[0] == DateValue("2020-03-01", "date")  # type: ignore[index]
    assert find_date("Antagen av KF 2014") is None
    assert find_date("Antagen av KF 2014", allow_year=True)[0] == DateValue("2014", "gYear")  # type: ignore[index]
    assert find_date("2019-02-30") is None  # not a date


def test_template_fields() -> None:
    text = (
        "Policy för mångfald i Testby kommun\n\n"
        "Beslutad av: Kommunstyrelsen\nBeslutsdatum: 3 mars 2020\nDiarienummer: KS 2020/117\n"
        "Version: 1.2\nSenast reviderad: 2022-01-31\nGiltig till: 31 december 2024\n"
        "Ansvarig förvaltning: Kultur- och fritidsförvaltningen\nDokumentansvarig: Kvalitetsstrateg\n"
        "Gäller för: Alla anställda\n\nText om policyn.\n"
    )
    m = meta(text)
    assert m.title.value == "Policy för mångfald i Testby kommun" and m.kind.value == "Policy"  # type: ignore[union-attr]
    assert m.issued.value == DateValue("2020-03-03", "date")  # type: ignore[union-attr]
    assert m.modified.value == DateValue("2022-01-31", "date")  # type: ignore[union-attr]
    assert m.valid_until.value == DateValue("2024-12-31", "date")  # type: ignore[union-attr]
    assert m.identifier.value == "KS 2020/117" and m.version.value == "1.2"  # type: ignore[union-attr]
    assert m.adopted_by.value.slug == "kommunstyrelsen"  # type: ignore[union-attr]
    assert m.responsible_office.value.cls == "Office"  # type: ignore[union-attr]
    assert m.revision_responsibility.value.label == "Kvalitetsstrateg"  # type: ignore[union-attr]
    assert m.applies_to.value == "Alla anställda"  # type: ignore[union-attr]
    assert document_slug(m.title.value) == "policy-for-mangfald"  # type: ignore[union-attr,arg-type]


def test_adoption_and_revision_in_running_text() -> None:
    m = meta(
        "Integrationsprogram\n\nProgrammet antogs av KF 2015 och reviderades 2018-05-02. Det gäller alla.\n"
    )
    assert m.kind.value == "Programme"  # type: ignore[union-attr]
    assert m.issued.value == DateValue("2015", "gYear") and m.adopted_by.value.slug == "kommunfullmaktige"  # type: ignore[union-attr]
    assert m.modified.value == DateValue("2018-05-02", "date")  # type: ignore[union-attr]
    m = meta("Riktlinje för SFI\n\nKommunstyrelsen fattade i maj 2022 beslut om riktlinjen.\n")
    assert m.kind.value == "Guideline" and m.issued.value == DateValue("2022-05", "gYearMonth")  # type: ignore[union-attr]
    assert m.adopted_by.value.slug == "kommunstyrelsen"  # type: ignore[union-attr]


def test_a_fastställd_date_after_the_first_adoption_is_a_revision() -> None:
    m = meta("Fastställd: 2019-09-01\n\nPlan för mottagande\n\nPlanen antogs av kommunfullmäktige 2016.\n")
    assert m.issued.value == DateValue("2016", "gYear") and m.modified.value == DateValue(
        "2019-09-01", "date"
    )  # type: ignore[union-attr]


def test_web_page_is_an_information_page_and_templates_type_list_is_ignored() -> None:
    m = meta(
        "Här är du:\n\n  1. Start\n  2. Integration\n\nNyanländ i Testby\n\nText om stöd.\n\nSidan granskad 2020-10-01\n"
    )
    assert m.kind.value == "InformationPage" and m.title.value == "Nyanländ i Testby"  # type: ignore[union-attr]
    assert m.last_reviewed.value == DateValue("2020-10-01", "date")  # type: ignore[union-attr]
    m = meta("Strategi\n\nPolicy\n\nPlan\n\nMötesplatser i Testby\n\nText.\n")
    assert m.kind is None and any("several document kinds" in n for n in m.notes)


def test_actor_names() -> None:
    assert recognise_actor("social- och arbetsmarknadsnämnden").cls == "PoliticalBody"  # type: ignore[union-attr]
    assert recognise_actor("KF").slug == "kommunfullmaktige"  # type: ignore[union-attr]
    assert recognise_actor("Folkhälsoutvecklare").cls == "Post"  # type: ignore[union-attr]
    assert recognise_actor("en solig dag") is None


def test_a_page_reporting_the_adoption_of_a_strategy_is_not_the_strategy() -> None:
    m = meta(
        "Ny integrationsstrategi för Lindby\n\n"
        "Kommunfullmäktige har i dag antagit en ny integrationsstrategi. Strategin gäller 2021–2024 "
        "och pekar ut tre fokusområden.\n\nKommunfullmäktige antog strategin den 12 mars 2021.\n"
    )
    assert m.kind is not None and m.kind.value == "InformationPage"
    # the adoption is the strategy's, not the page's
    assert m.adopted_by is None and m.issued is None


def test_the_strategy_itself_keeps_its_kind_and_adoption() -> None:
    m = meta(
        "Integrationsstrategi för Lindby\n\n"
        "Strategin antogs av kommunfullmäktige den 12 mars 2021. Den pekar ut tre fokusområden för "
        "kommunens arbete med integration.\n"
    )
    assert m.kind is not None and m.kind.value == "Strategy"
    assert m.adopted_by is not None and m.issued is not None


def test_an_audit_report_is_neither_a_policy_document_nor_a_page_about_one() -> None:
    m = meta(
        "Granskning av flyktingmottagande och integrationsfrågor\n\nKommunens revisorer\n\n"
        "1 Inledning\n\nKommunfullmäktige antog 2014 ett integrationsprogram. Granskningens syfte är "
        "att belysa om nämnderna bedriver en ändamålsenlig verksamhet.\n"
    )
    assert m.kind is None  # the curator chooses; the draft says ikg:PolicyDocument
    assert m.adopted_by is None and m.issued is None
    assert any("granskning" in note for note in m.notes)
