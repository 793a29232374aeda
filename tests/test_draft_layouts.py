"""Layouts of real municipal documents, each on a short text written for the test: a PDF with each
page on one line, a contents page, bullets lost in extraction, a document-information table
flattened (on one line, or labels first and values after), compact dates, a title over several
lines, a bare diarienummer, "Kf 137/ Kf 39" as the adopting decision, the kinds inriktningsdokument,
riktlinjer and program, and a web page about a strategy. Every value names the line it came from."""

from pathlib import Path

import pytest
from rdflib import Graph

from service.draft import Draft, draft_document
from service.draft.metadata import DateValue, find_date
from service.draft.text import blocks, fold

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def frameworks() -> Graph:
    graph = Graph()
    for path in sorted((ROOT / "data" / "frameworks").glob("*.ttl")):
        graph.parse(path)
    return graph


def draft(text: str, frameworks: Graph) -> Draft:
    return draft_document(text, "9999", frameworks=frameworks, source_name="test.txt")


def parts(result: Draft) -> list[tuple[str, str]]:
    return [(p.cls, p.label) for p in result.structure.all_parts() if p.cls != "DocumentPart"]


def evidence_is_verbatim(result: Draft, text: str) -> None:
    folded = fold(text)
    for name in (
        "title",
        "kind",
        "issued",
        "modified",
        "identifier",
        "adopted_by",
        "applies_to",
        "responsible_office",
    ):
        found = getattr(result.metadata, name)
        if found is not None:
            assert fold(text[found.start : found.end]) == found.evidence and found.evidence in folded, name


def test_pdf_pages_each_on_one_line(frameworks: Graph) -> None:
    text = (
        "Strategi för integration i Exempelby kommun\n"
        "1 (3) Inledning Kommunen vill att alla ska känna sig delaktiga. Strategin bygger på de elva "
        "europeiska grundprinciperna för integration och på barnkonventionen. Mål 1: Fler i arbete "
        "Nyanlända ska snabbare komma i arbete. Mål 2: Ett gott mottagande Alla som kommer hit ska "
        "mötas väl av kommunens verksamheter och av civilsamhället i hela kommunen.\n"
        "2 (3) Uppföljning Kommunstyrelsen följer upp strategin varje år och rapporterar till fullmäktige.\n"
    )
    result = draft(text, frameworks)
    assert (
        result.metadata.title is not None
        and result.metadata.title.value == "Strategi för integration i Exempelby kommun"
    )
    assert result.metadata.kind is not None and result.metadata.kind.value == "Strategy"
    targets = {(s.target.rsplit("/", 1)[-1], s.kind) for s in result.suggestions}
    assert {("eu-cbp-2004", "ExplicitCitation"), ("crc-1989", "ExplicitCitation")} <= targets
    goals = [label for cls, label in parts(result) if cls == "Goal"]
    assert any(label.startswith("Fler i arbete") for label in goals)
    assert any(label.startswith("Ett gott mottagande") for label in goals)
    evidence_is_verbatim(result, text)


def test_contents_page_lines_are_not_parts_or_titles(frameworks: Graph) -> None:
    text = (
        "Integrationsstrategi för Exempelby\n\n"
        "Innehåll\n"
        "Inledning ........................................ 3\n"
        "Långsiktigt mål 1: Fler nya invånare ….. 6\n"
        "Långsiktigt mål 2: Ökad social sammanhållning ....... 7\n\n"
        "Inledning\n\nKommunen behöver fler invånare och en god integration för att växa.\n\n"
        "Långsiktigt mål 1: Fler nya invånare\n\nKommunen ska locka fler att bosätta sig här.\n\n"
        "Långsiktigt mål 2: Ökad social sammanhållning\n\nAlla ska känna sig hemma i kommunen.\n"
    )
    result = draft(text, frameworks)
    goals = [label for cls, label in parts(result) if cls == "Goal"]
    assert goals.count("Fler nya invånare") == 1 and goals.count("Ökad social sammanhållning") == 1
    assert not any(
        "…" in label or "...." in label or label.endswith(("6", "7")) for _, label in parts(result)
    )
    assert (
        result.metadata.title is not None
        and result.metadata.title.value == "Integrationsstrategi för Exempelby"
    )


def test_bullets_lost_in_extraction_are_still_a_list(frameworks: Graph) -> None:
    text = (
        "Integrationsprogram för Exempelby\n\n"
        "Programmet har tre fokusområden:\n"
        "Arbete och kompetens\n"
        "Språkutveckling\n"
        "Social sammanhållning\n"
    )
    result = draft(text, frameworks)
    assert parts(result) == [
        ("FocusArea", "Arbete och kompetens"),
        ("FocusArea", "Språkutveckling"),
        ("FocusArea", "Social sammanhållning"),
    ]
    assert result.metadata.kind is not None and result.metadata.kind.value == "Programme"


def test_document_information_table_flattened_on_one_line(frameworks: Graph) -> None:
    text = (
        "Riktlinjer för mottagande Dokumenttyp: Riktlinjer Beslutad av: Kommunfullmäktige "
        "Gäller för: Alla förvaltningar Beslutsdatum: 2019-03-12 Dokumentansvarig avdelning: "
        "Kommunkansliet Diarienummer: KS 2018/0456 Giltig till och med: Tills vidare\n\n"
        "Riktlinjerna beskriver hur kommunen tar emot nyanlända enligt bosättningslagen.\n"
    )
    result = draft(text, frameworks)
    meta = result.metadata
    assert meta.kind is not None and meta.kind.value == "Guideline"
    assert meta.adopted_by is not None and meta.adopted_by.value.slug == "kommunfullmaktige"
    assert meta.issued is not None and meta.issued.value == DateValue("2019-03-12", "date")
    assert meta.identifier is not None and meta.identifier.value == "KS 2018/0456"
    assert meta.applies_to is not None and meta.applies_to.value == "Alla förvaltningar"
    assert meta.responsible_office is not None and meta.responsible_office.value.slug == "kommunkansliet"
    assert meta.valid_until is None
    assert meta.title is not None and meta.title.value == "Riktlinjer för mottagande"
    evidence_is_verbatim(result, text)


def test_document_information_table_with_labels_first_then_values(frameworks: Graph) -> None:
    text = (
        "Program för integration\n\n"
        "Beslutad av\nBeslutsdatum\nDiarienummer\n"
        "Kommunfullmäktige\n2020-06-15\nKS 2019/0123\n\n"
        "Programmet gäller hela kommunen och följs upp varje år av kommunstyrelsen.\n"
    )
    result = draft(text, frameworks)
    meta = result.metadata
    assert meta.adopted_by is not None and meta.adopted_by.value.slug == "kommunfullmaktige"
    assert meta.issued is not None and meta.issued.value == DateValue("2020-06-15", "date")
    assert meta.identifier is not None and meta.identifier.value == "KS 2019/0123"
    # each value names the line it came from: the value's own line
    assert meta.issued.evidence == "Beslutsdatum: 2020-06-15" or "2020-06-15" in meta.issued.evidence
    assert text[meta.issued.start : meta.issued.end] == "2020-06-15"


def test_compact_dates() -> None:
    assert find_date("Antagen av Kommunstyrelsen 20160510")[0] == DateValue("2016-05-10", "date")  # type: ignore[index]
    assert find_date("telefon 20161399") is None  # not a date: month 13


def test_compact_date_in_an_adoption_sentence(frameworks: Graph) -> None:
    text = "Integrationsstrategi\n\nAntagen av Kommunstyrelsen 20160510\n\nStrategin gäller för hela kommunens verksamhet.\n"
    meta = draft(text, frameworks).metadata
    assert meta.issued is not None and meta.issued.value == DateValue("2016-05-10", "date")
    assert meta.adopted_by is not None and meta.adopted_by.value.slug == "kommunstyrelsen"


def test_title_over_several_lines(frameworks: Graph) -> None:
    text = (
        "Strategi för integration och\nmångfald i Exempelby kommun\n\n"
        "Antagen av kommunfullmäktige 2018-04-23\n\n"
        "Strategin beskriver hur kommunen arbetar med integration i alla verksamheter.\n"
    )
    meta = draft(text, frameworks).metadata
    assert (
        meta.title is not None
        and meta.title.value == "Strategi för integration och mångfald i Exempelby kommun"
    )
    assert meta.kind is not None and meta.kind.value == "Strategy"


def test_bare_diarienummer_without_a_label(frameworks: Graph) -> None:
    text = "KS 2016/0072\n\nInriktningsdokument Integration\n\nDokumentet beskriver den långsiktiga politiska viljan inom integrationsområdet.\n"
    meta = draft(text, frameworks).metadata
    assert meta.identifier is not None and meta.identifier.value == "KS 2016/0072"
    assert meta.kind is not None and meta.kind.value == "Policy"
    assert "SFS" not in str(
        draft("Policy\n\nEnligt SFS 2010:197 ska kommunen samverka.\n", frameworks).metadata.identifier
    )


def test_adopting_decision_by_paragraph_numbers(frameworks: Graph) -> None:
    text = "Integrationspolicy\n\nAntagen: Kf 137/ Kf 39\nVersion: 2\n\nPolicyn gäller för alla nämnder och bolag i kommunen.\n"
    meta = draft(text, frameworks).metadata
    assert meta.adopted_by is not None and meta.adopted_by.value.slug == "kommunfullmaktige"
    assert meta.issued is None  # no date is given, none is invented
    assert meta.kind is not None and meta.kind.value == "Policy"


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Inriktningsdokument för integration", "Policy"),
        ("Riktlinjer för integration och mottagande", "Guideline"),
        ("Program för ett integrerat samhälle", "Programme"),
        ("Integrationsprogram 2020–2023", "Programme"),
    ],
)
def test_kinds_named_by_the_title(title: str, kind: str, frameworks: Graph) -> None:
    text = f"{title}\n\nAntagen av kommunfullmäktige 2020-02-10.\n\nDokumentet gäller alla verksamheter i kommunen.\n"
    meta = draft(text, frameworks).metadata
    assert meta.kind is not None and meta.kind.value == kind


def test_a_web_page_about_a_strategy_is_an_information_page(frameworks: Graph) -> None:
    text = (
        "Meny\n\nIntegrationsstrategi\n\nKommunfullmäktige har antagit en integrationsstrategi. "
        "Den har tre fokusområden.\n\nLäs strategin Pdf, 315 kB, öppnas i nytt fönster.\n\n"
        "Sidan senast granskad den 17 januari 2023\n"
    )
    meta = draft(text, frameworks).metadata
    assert meta.title is not None and meta.title.value == "Integrationsstrategi"
    assert meta.kind is not None and meta.kind.value == "InformationPage"
    assert meta.last_reviewed is not None and meta.last_reviewed.value == DateValue("2023-01-17", "date")


def test_a_news_item_is_dated_by_the_line_under_its_title(frameworks: Graph) -> None:
    text = "Logotyp\n\nKommunen får pengar till integration\n\n4 september 2019\nKommunen har valt fyra prioriterade områden: skolan, boendet, arbetet och fritiden.\n"
    result = draft(text, frameworks)
    assert result.metadata.issued is not None and result.metadata.issued.value == DateValue(
        "2019-09-04", "date"
    )
    assert [label for cls, label in parts(result) if cls == "FocusArea"] == [
        "skolan",
        "boendet",
        "arbetet",
        "fritiden",
    ]


def test_a_sentence_about_goals_makes_no_parts(frameworks: Graph) -> None:
    text = "Integration\n\nVision och mål\n\nKommunen har fyra övergripande mål som ska omfatta allt arbete. Visionen är att alla ska vara delaktiga.\n"
    assert parts(draft(text, frameworks)) == []


def test_flattened_fields_keep_their_offsets() -> None:
    text = "Titel Dokumenttyp: Plan Beslutad av: Kommunstyrelsen\n"
    fields = [b for b in blocks(text) if b.kind == "field"]
    assert [(b.label, b.value) for b in fields] == [
        ("Dokumenttyp", "Plan"),
        ("Beslutad av", "Kommunstyrelsen"),
    ]
    assert all(text[b.start : b.end] == b.text for b in fields)
