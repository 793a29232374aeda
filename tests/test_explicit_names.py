"""The build-time check that an explicit citation's quote names its target (docs/data-model.md,
"An explicit citation names its target"): the matching rule, and a build that fails on a citation
marked explicit whose quote does not carry the name, naming that citation."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import project_settings
from rdflib import Graph

from service.build import BUILD_STEPS, BuildFailed, build
from service.progress import Progress
from service.quotes import check_explicit_names, names_target
from service.store import current_store_path

QUIET = Progress(steps=BUILD_STEPS, quiet=True)
ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/integration-kg/"


@pytest.mark.parametrize(
    "quote,name,key",
    [
        ("Vårgårdas vision och värdegrund.", "Vårgårdas vision och värdegrund", "name"),
        ("andra styrdokument i staden såsom visionen och bemötandeplanen", "Visionen", "name"),  # case
        ("enligt diskrimineringslagens bestämmelser", "Diskrimineringslagen", "name"),  # inflection
        ("EU:s elva principer för integration", "EU:s principer för integration", "name"),  # a word between
        ("i enlighet med barnkonventionen", "Barnkonventionen", "name"),
        ("se mål 10.2 i agendan", "10.2", "notation"),
        (
            "som lyder: ”Integration är en dynamisk dubbelriktad process med ömsesidigt tillmötesgående "
            "mellan alla invandrare och invånare i medlemsstaterna.”",
            "Integration är en dynamisk dubbelriktad process med ömsesidigt tillmötesgående mellan alla "
            "invandrare och invånare i medlemsstaterna",
            "definition",
        ),
    ],
)
def test_names(quote: str, name: str, key: str) -> None:
    assert names_target(quote, name, key)


@pytest.mark.parametrize(
    "quote,name,key",
    [
        ("FN:s mänskliga rättigheter", "FN:s allmänna förklaring om de mänskliga rättigheterna", "name"),
        ("respekt för mänskliga rättigheter", "UDHR", "name"),
        ("Handlingsplanen ska göra verkstad av strategin", "Integrationsstrategi", "name"),
        ("Utbildning", "Grundprincip 5: utbildning", "name"),
        ("EU:s principer för integration", "Elva europeiska grundprinciper för integration", "name"),
        ("avsnitt 1 och 2", "1", "notation"),  # a one-character notation names nothing
        ("lika rättigheter", "lika rättigheter, skyldigheter och möjligheter för alla", "definition"),
        ("skolans arbete", "Skollagen", "name"),  # a stem must be matched, not any shared prefix
    ],
)
def test_does_not_name(quote: str, name: str, key: str) -> None:
    assert not names_target(quote, name, key)


def test_every_explicit_citation_in_data_names_its_target() -> None:
    graph = Graph()
    for path in (ROOT / "data").rglob("*.ttl"):
        graph.parse(path, format="turtle")
    assert check_explicit_names(graph, BASE) == []


def test_build_fails_on_an_explicit_citation_that_does_not_name_its_target(
    project_copy: Path, tmp_path: Path
) -> None:
    """Mölndal's citation of Agenda 2030 keeps its quote but loses the name: the build stops and
    says which citation, and the good store stays current."""
    settings = project_settings(tmp_path / "var", root=project_copy)
    good = build(settings, QUIET).store_path
    path = project_copy / "data" / "documents" / "molndal-integrationsstrategi.ttl"
    text = path.read_text(encoding="utf-8")
    assert 'ikg:quote "de globala hållbarhetsmålen i Agenda 2030"@sv' in text
    path.write_text(
        text.replace(
            'ikg:quote "de globala hållbarhetsmålen i Agenda 2030"@sv',
            'ikg:quote "de globala hållbarhetsmålen"@sv',
        ),
        encoding="utf-8",
    )
    with pytest.raises(BuildFailed) as failure:
        build(settings, QUIET)
    report = failure.value.report
    assert "do not name their target" in report
    assert "1481/integrationsstrategi/citation/framework-agenda-2030" in report
    assert current_store_path(settings) == good
