"""Layout and Swedish language handling of the drafter (service.draft.text)."""

from service.draft.text import (
    Compounds,
    blocks,
    fold,
    inflects,
    repair_line_breaks,
    sentences,
    slugify,
    words,
)


def test_blocks_tell_headings_paragraphs_bullets_and_fields_apart() -> None:
    text = (
        "Plan för integration\n\n"
        "Beslutat av: Kommunfullmäktige\n"
        "Version: 3\n\n"
        "Bakgrund\n\n"
        "Kommunen har arbetat länge. Nu tar vi nästa steg.\n\n"
        "• Språk\n"
        "– Arbete\n"
        "* Boende\n"
        "1. Hälsa\n"
    )
    kinds = [(b.kind, b.text) for b in blocks(text)]
    assert kinds == [
        ("heading", "Plan för integration"),
        ("field", "Beslutat av: Kommunfullmäktige"),
        ("field", "Version: 3"),
        ("heading", "Bakgrund"),
        ("paragraph", "Kommunen har arbetat länge. Nu tar vi nästa steg."),
        ("bullet", "Språk"),
        ("bullet", "Arbete"),
        ("bullet", "Boende"),
        ("bullet", "Hälsa"),
    ]


def test_wrapped_bullets_page_numbers_and_running_footers() -> None:
    footer = "Testby kommun | Plan"
    text = f"Mål\n• Fler i arbete och\n  egen försörjning\n• Bättre språk\n\nSida 2 av 9\n\n{footer}\n\nText.\n\n{footer}\n\nMer text.\n\n{footer}\n"
    layout = blocks(text)
    bullets = [b.text for b in layout if b.kind == "bullet"]
    assert bullets == ["Fler i arbete och egen försörjning", "Bättre språk"]
    noise = [b.text for b in layout if b.kind == "noise"]
    assert "Sida 2 av 9" in noise and noise.count(footer) == 3
    assert layout[0].kind == "heading" and layout[0].text == "Mål"


def test_offsets_point_into_the_original_text() -> None:
    text = "Rubrik\n\n  - Lika  rättigheter\u00a0för alla\n"
    bullet = next(b for b in blocks(text) if b.kind == "bullet")
    assert fold(text[bullet.start : bullet.end]) == "Lika rättigheter för alla"


def test_sentences_keep_abbreviations_together() -> None:
    text = "Det gäller bl.a. skolan. 2019 är c:a 16 % utlandsfödda. Sista meningen!"
    spans = [text[s:e] for s, e in sentences(text, 0, len(text))]
    assert spans == ["Det gäller bl.a. skolan.", "2019 är c:a 16 % utlandsfödda.", "Sista meningen!"]


def test_compounds_split_into_known_words() -> None:
    compounds = Compounds.from_texts(
        "integration process försörjning egen arbete samhälle gemenskap kulturell"
    )
    assert compounds.split("integrationsprocesser") == ["integration", "processer"]
    assert compounds.split("egenförsörjning") == ["egen", "försörjning"]
    assert (
        compounds.split("samhällsgemenskapen") == ["samhäll", "gemenskapen"]
        or compounds.split("samhällsgemenskapen")[-1] == "gemenskapen"
    )
    assert compounds.split("kulturell") is None  # "-ell" is an ending, not a word


def test_inflections_and_words() -> None:
    assert inflects("målen", "mål") and inflects("faktorerna", "faktor") and inflects("områdena", "område")
    assert not inflects("målgrupp", "mål")
    assert words("EU:s principer, FN:s mål") == ["eu", "principer", "fn", "mål"]
    assert words("bak-\ngrund") == ["bakgrund"]


def test_line_break_repair_and_slugs() -> None:
    assert repair_line_breaks("etablerings-\nprogrammet") == "etableringsprogrammet"
    assert repair_line_breaks("Utbildnings- och kultur") == "Utbildnings- och kultur"
    assert (
        slugify("Strategi för integration i Vårgårda kommun") == "strategi-for-integration-i-vargarda-kommun"
    )
    assert slugify("Öppen plats, éntré!") == "oppen-plats-entre"
