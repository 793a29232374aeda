"""Tracing against the real data: known citations and absences in the five source documents,
inherited paths, every filter, the CSV header, and the same figures from domain, API and CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Namespace
from rdflib.namespace import RDF

from service import trace as tr
from service.app import create_app
from service.build_store import swap_current, write_embedded_store
from service.cli import main as cli_main
from service.datafiles import discover, parse_file
from service.settings import Settings
from service.store import open_store

FW = "https://w3id.org/integration-kg/id/framework/"
DOC = "https://w3id.org/integration-kg/id/document/"
MUN = "https://w3id.org/integration-kg/id/municipality/"
CBP1 = FW + "eu-cbp-2004/1"
IKG = Namespace("https://w3id.org/integration-kg/ontology#")


@pytest.fixture(scope="module")
def store(settings: Settings):
    return open_store(settings)


@pytest.fixture(scope="module")
def client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings))


def by_municipality(answer: tr.TraceAnswer) -> dict[str, list[tr.TracePath]]:
    out: dict[str, list[tr.TracePath]] = {}
    for path in answer.paths:
        municipality = answer.catalogue.municipality_of(path.origin)
        out.setdefault(municipality.identifier if municipality else "", []).append(path)
    return out


# ------------------------------------------------------------------------------ known citations


def test_molndal_names_cbp1_explicitly_with_its_wording(store, settings: Settings) -> None:
    answer = tr.trace(store, settings, CBP1, tr.make_filters(settings, municipality="1481", direct=True))
    [path] = answer.paths
    assert path.origin == DOC + "1481/integrationsstrategi" and path.kind == "explicit"
    step = path.steps[0]
    assert "Integration är en dynamisk dubbelriktad process" in step.quote
    assert step.source == "https://w3id.org/integration-kg/id/source/1481/integrationsstrategi"
    text = (settings.data_dir / "sources" / "1481-integrationsstrategi.txt").read_text(encoding="utf-8")
    assert " ".join(step.quote.split()) in " ".join(text.split())


def test_who_draws_on_cbp1(store, settings: Settings) -> None:
    """Mölndal names it; Kalmar ("ömsesidig process") and Trollhättan ("flervägsprocess") share its aim;
    Vårgårda and Herrljunga do not draw on it."""
    groups = by_municipality(tr.trace(store, settings, CBP1))
    assert {"1481", "0880", "1488"} <= set(groups)
    assert "1442" not in groups and "1466" not in groups
    assert {p.kind for p in groups["0880"]} == {"thematic"}
    assert {p.kind for p in groups["1488"]} == {"thematic"}
    assert "explicit" in {p.kind for p in groups["1481"]}


def test_known_absences(store, settings: Settings) -> None:
    """No municipal text names an EU principle except Mölndal's; Herrljunga draws on no principle 1."""
    for code in ("0880", "1442", "1466", "1488"):
        for concept in tr.catalogue(store, settings).concepts(FW + "eu-cbp-2004"):
            answer = tr.trace(
                store, settings, concept.iri, tr.make_filters(settings, municipality=code, kinds=["explicit"])
            )
            assert answer.paths == [], (code, concept.notation)


# ------------------------------------------------------------------------------ inherited paths


def test_parts_inherit_their_documents_citation(store, settings: Settings) -> None:
    answer = tr.trace(store, settings, CBP1, tr.make_filters(settings, municipality="1481"))
    part = DOC + "1481/integrationsstrategi/utbildning"
    [path] = [p for p in answer.paths if p.origin == part]
    assert [s.relation for s in path.steps] == ["isPartOf", "cites"]
    assert path.steps[0].to == DOC + "1481/integrationsstrategi" and not path.direct
    direct = tr.trace(store, settings, CBP1, tr.make_filters(settings, municipality="1481", direct=True))
    assert all(p.direct for p in direct.paths) and part not in {p.origin for p in direct.paths}


def test_a_plan_carrying_out_its_strategy_traces_through_it(store, settings: Settings) -> None:
    """The plan implements the strategy (a relation the page reports, not a citation the plan makes)."""
    answer = tr.trace(store, settings, CBP1, tr.make_filters(settings, municipality="1481"))
    [path] = [p for p in answer.paths if p.origin == DOC + "1481/handlingsplan-integration"]
    assert [(s.relation, s.to) for s in path.steps] == [
        ("implements", DOC + "1481/integrationsstrategi"),
        ("cites", CBP1),
    ]
    assert not path.steps[0].citation and path.steps[1].quote and path.kind == "explicit"


def test_national_goal_aligned_with_cbp1_is_an_origin(store, settings: Settings) -> None:
    answer = tr.trace(store, settings, CBP1)
    [path] = [p for p in answer.paths if p.origin == FW + "se-integration-policy/2020s"]
    assert path.kind == "thematic" and path.steps[0].source.endswith("frameworks-reference")
    assert [s.relation for s in path.steps] == ["alignsWith"] and path.is_alignment
    assert "/alignment/" in path.steps[0].citation


def test_alignments_are_counted_apart_from_citations(store, settings: Settings) -> None:
    """Kalmar shares CBP 1's aim without naming it: one alignment, no citation; Mölndal names it."""
    m = tr.matrix(store, settings)
    kalmar = m.cell(tr.municipality_iri(settings, "0880"), CBP1)
    assert (kalmar.citations, kalmar.alignments) == (0, 1)
    molndal = m.cell(tr.municipality_iri(settings, "1481"), CBP1)
    assert molndal.citations >= 1 and molndal.alignments == 0
    records = {(r["kommunkod"], r["target"]): r for r in tr.matrix_records(m)}
    assert (records[("0880", CBP1)]["citations"], records[("0880", CBP1)]["alignments"]) == ("0", "1")
    # every path with an alignsWith step is an alignment, and only those
    for path in tr.trace(store, settings, CBP1).paths:
        assert path.is_alignment == (path.kind == "thematic")
        assert path.is_alignment == any(s.relation == "alignsWith" for s in path.steps)
    cited_only = tr.trace(store, settings, CBP1, tr.make_filters(settings, kinds=["explicit", "paraphrase"]))
    assert cited_only.paths and not any(p.is_alignment for p in cited_only.paths)


CHAIN_TTL = """
@prefix ikg: <https://w3id.org/integration-kg/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix fw: <https://w3id.org/integration-kg/id/framework/> .
@prefix doc: <https://w3id.org/integration-kg/id/document/> .
@prefix mun: <https://w3id.org/integration-kg/id/municipality/> .
# A test-only plan: a goal citing the 2020s national goal, an action implementing the goal.
doc:9999\\/testplan a ikg:Plan ; dcterms:title "Testplan"@sv ; dcterms:publisher mun:1442 ;
    dcterms:issued "2024"^^<http://www.w3.org/2001/XMLSchema#gYear> .
doc:9999\\/testplan\\/mal a ikg:Goal ; dcterms:isPartOf doc:9999\\/testplan ; skos:prefLabel "Mål"@sv ;
    ikg:cites fw:se-integration-policy\\/2020s ; ikg:citation doc:9999\\/testplan\\/mal\\/citation\\/x .
doc:9999\\/testplan\\/mal\\/citation\\/x a ikg:Citation ; ikg:target fw:se-integration-policy\\/2020s ;
    ikg:citationKind ikg:ExplicitCitation ; ikg:quote "det nationella integrationsmålet"@sv .
doc:9999\\/testplan\\/atgard a ikg:Action ; dcterms:isPartOf doc:9999\\/testplan ; skos:prefLabel "Åtgärd"@sv ;
    ikg:implements doc:9999\\/testplan\\/mal .
"""


@pytest.fixture(scope="module")
def chain_settings(tmp_path_factory: pytest.TempPathFactory, settings: Settings) -> Settings:
    """The real data plus one test-only document (not validated: it exists to exercise the chain)."""
    root = tmp_path_factory.mktemp("chain")
    chain = Settings.from_env(
        environ={},
        data_dir=settings.data_dir,
        ontology_dir=settings.ontology_dir,
        shapes_dir=settings.shapes_dir,
        store_dir=root,
    )
    quads = [q for f in discover(chain) for q in parse_file(f, chain)]
    graph = ox.NamedNode(chain.base_iri + "graph/test")
    quads += [
        ox.Quad(t.subject, t.predicate, t.object, graph)
        for t in ox.parse(CHAIN_TTL.encode(), format=ox.RdfFormat.TURTLE)
    ]
    path = root / "stores" / "chain"
    path.mkdir(parents=True)
    write_embedded_store(path, quads)
    (path / "manifest.json").write_text(
        json.dumps(
            {
                "build_id": "chain-test",
                "built_at": "",
                "base_iri": chain.base_iri,
                "triples": len(quads),
                "graphs": {},
                "files": {},
            }
        )
    )
    swap_current(chain, path)
    return chain


def test_action_goal_national_goal_eu_principle(chain_settings: Settings) -> None:
    store = open_store(chain_settings)
    answer = tr.trace(store, chain_settings, CBP1, tr.make_filters(chain_settings, municipality="1442"))
    action = [p for p in answer.paths if p.origin == DOC + "9999/testplan/atgard"]
    assert [[(s.relation, s.to) for s in p.steps] for p in action] == [
        [
            ("implements", DOC + "9999/testplan/mal"),
            ("cites", FW + "se-integration-policy/2020s"),
            ("alignsWith", CBP1),
        ]
    ]
    assert action[0].is_alignment
    assert [s.kind for s in action[0].steps] == ["", "explicit", "thematic"] and action[0].kind == "thematic"
    goal = [p for p in answer.paths if p.origin == DOC + "9999/testplan/mal"]
    assert len(goal[0].steps) == 2
    rows = store.select(
        (Path(tr.__file__).parent / "queries/research/chain-action-goal-national-eu.rq").read_text()
    )
    assert {(str(r.get("action")), str(r.get("principle"))) for r in rows} >= {
        (DOC + "9999/testplan/atgard", CBP1)
    }


# ------------------------------------------------------------------------------ filters


def test_filter_kind(store, settings: Settings) -> None:
    thematic = tr.trace(store, settings, CBP1, tr.make_filters(settings, kinds=["thematic"]))
    assert thematic.paths and {p.kind for p in thematic.paths} == {"thematic"}
    explicit = tr.trace(store, settings, CBP1, tr.make_filters(settings, kinds=["explicit"]))
    assert {tr.catalogue(store, settings).municipality_of(p.origin).identifier for p in explicit.paths} == {
        "1481"
    }


def test_filter_document_type(store, settings: Settings) -> None:
    pages = tr.trace(store, settings, CBP1, tr.make_filters(settings, document_type="InformationPage"))
    assert set(by_municipality(pages)) == {"0880", "1488"}
    strategies = tr.trace(store, settings, CBP1, tr.make_filters(settings, document_type="strategy"))
    assert set(by_municipality(strategies)) == {"1481"}


def test_filter_in_force_on_with_precision(store, settings: Settings) -> None:
    """Vårgårda's strategy: decided 2019-12-11, valid to and including 2023-12-11."""
    cbp3 = FW + "eu-cbp-2004/3"

    def codes(on: str) -> set[str]:
        return set(
            by_municipality(tr.trace(store, settings, cbp3, tr.make_filters(settings, in_force_on=on)))
        )

    assert "1442" in codes("2023-12-11") and "1442" in codes("2019-12-11") and "1442" in codes("2023")
    assert (
        "1442" not in codes("2023-12-12")
        and "1442" not in codes("2019-12-10")
        and "1442" not in codes("2024")
    )
    period = tr.Period.parse("2021-06")
    assert tr.in_force(period, None, tr.Period.parse("2021-06-15"))
    assert not tr.in_force(period, None, tr.Period.parse("2021-05-31"))
    assert tr.in_force(tr.Period.parse("2014"), tr.Period.parse("2023-12"), tr.Period.parse("2023-12-31"))


def test_bad_filters_are_refused(settings: Settings) -> None:
    for bad in (
        {"municipality": "14"},
        {"kinds": ["strong"]},
        {"document_type": "Memo"},
        {"in_force_on": "2021-13"},
    ):
        with pytest.raises(tr.TraceInputError):
            tr.make_filters(settings, **bad)


# ------------------------------------------------------------------------------ reverse


def test_drawn_on_and_never_mentioned(store, settings: Settings) -> None:
    answer = tr.drawn_on(store, settings, "1442")
    notations = {answer.catalogue.get(t).notation for t in answer.paths if t.startswith(FW + "eu-cbp-2004/")}
    never = {c.notation for c in answer.never_mentioned}
    assert "1" in never and notations.isdisjoint(never) and len(notations | never) == 11
    for target, paths in answer.paths.items():  # the same paths as the forward trace
        forward = tr.trace(store, settings, target, tr.make_filters(settings, municipality="1442"))
        assert sorted(map(repr, (p.steps for p in paths))) == sorted(
            map(repr, (p.steps for p in forward.paths))
        )


# ------------------------------------------------------------------------------ agreement and formats


def test_matrix_page_api_csv_and_cli_agree(
    store,
    settings: Settings,
    client: TestClient,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    m = tr.matrix(store, settings)
    cell = m.cell(MUN + "1481", CBP1)
    assert cell.counts["explicit"] == len(
        tr.trace(store, settings, CBP1, tr.make_filters(settings, municipality="1481")).links()
    )
    api = client.get("/api/trace/matrix").json()
    row = next(r for r in api["rows"] if r["kommunkod"] == "1481")
    assert next(c for c in row["cells"] if c["target"] == CBP1)["links"] == cell.total
    records = list(csv.DictReader(io.StringIO(client.get("/api/trace/matrix?format=csv").text)))
    assert tuple(records[0]) == tr.MATRIX_CSV_HEADER
    assert sum(int(r["links"]) for r in records) == sum(c.total for c in m.cells.values())
    page = client.get("/trace").text
    assert f'data-links="{cell.total}"' in page
    trace_csv = client.get(
        "/api/trace",
        params={"framework": "eu-cbp-2004", "notation": "1", "municipality": "1481"},
        headers={"Accept": "text/csv"},
    )
    rows = list(csv.DictReader(io.StringIO(trace_csv.text)))
    assert trace_csv.headers["content-type"].startswith("text/csv")
    assert len({r["link"] for r in rows}) == cell.total
    monkeypatch.setenv("INTEGRATION_KG_STORE_DIR", str(settings.store_dir))
    assert (
        cli_main(
            ["--data-dir", str(settings.data_dir), "trace", "1", "--municipality", "1481", "--format", "csv"]
        )
        == 0
    )
    cli_rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert cli_rows == rows
    assert cli_main(["trace", "eu-cbp-2004/1", "--municipality", "1481"]) == 0
    paths = len(tr.trace(store, settings, CBP1, tr.make_filters(settings, municipality="1481")).paths)
    assert (
        f"{paths} paths, {cell.citations} citation links, {cell.alignments} thematic alignments (not citations)"
        in capsys.readouterr().out
    )
    # Kalmar shares CBP 1's aim without naming it: the command line says it is an alignment
    assert cli_main(["trace", "eu-cbp-2004/1", "--municipality", "0880"]) == 0
    out = capsys.readouterr().out
    assert "thematic (alignment)" in out and "0 citation links, 1 thematic alignments (not citations)" in out


def test_csv_header_is_stable(client: TestClient) -> None:
    response = client.get("/api/trace?framework=eu-cbp-2004&notation=3&format=csv")
    header = next(csv.reader(io.StringIO(response.text)))
    assert (
        header
        == list(tr.TRACE_CSV_HEADER)
        == [
            "path",
            "path_kind",
            "path_length",
            "direct",
            "link",
            "origin",
            "origin_label",
            "origin_type",
            "document",
            "document_title",
            "document_type",
            "issued",
            "valid_until",
            "municipality",
            "kommunkod",
            "municipality_label",
            "target",
            "target_label",
            "step",
            "from",
            "from_label",
            "relation",
            "to",
            "to_label",
            "citation",
            "citation_kind",
            "quote",
            "quote_language",
            "source",
            "evidence",
        ]
    )


def test_alignments_are_labelled_apart_in_csv_and_rdf(client: TestClient) -> None:
    """An alignsWith step is labelled as an alignment in the CSV and typed ikg:Alignment (never
    ikg:Citation, never with a citation kind) in the RDF answer."""
    response = client.get("/api/trace?framework=eu-cbp-2004&notation=1&municipality=0880&format=csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows and {r["evidence"] for r in rows} == {"alignment"}
    assert {r["relation"] for r in rows} == {"alignsWith", "isPartOf"}  # the page, and its part inheriting
    assert all("/alignment/" in r["citation"] for r in rows if r["relation"] == "alignsWith")
    molndal = client.get("/api/trace?framework=eu-cbp-2004&notation=1&municipality=1481&format=csv")
    assert {r["evidence"] for r in csv.DictReader(io.StringIO(molndal.text))} == {"citation"}
    turtle = client.get(
        "/api/trace?framework=eu-cbp-2004&notation=1&municipality=0880", headers={"Accept": "text/turtle"}
    )
    assert turtle.status_code == 200, turtle.text
    graph = Graph().parse(data=turtle.text, format="turtle")
    alignments = set(graph.subjects(RDF.type, IKG.Alignment))
    assert alignments and not set(graph.subjects(RDF.type, IKG.Citation))
    assert not any((a, IKG.citationKind, None) in graph for a in alignments)
    assert (None, IKG.relation, IKG.alignsWith) in graph


def test_json_ld_expands_to_the_paths(client: TestClient, settings: Settings) -> None:
    from pyld import jsonld

    response = client.get("/api/trace", params={"target": CBP1, "municipality": "1481", "direct": "true"})
    assert response.headers["content-type"].startswith("application/ld+json")
    document = response.json()
    context = json.loads((settings.ontology_dir / "context.jsonld").read_text(encoding="utf-8"))
    loader = lambda url, options=None: {"contextUrl": None, "documentUrl": url, "document": context}  # noqa: E731
    expanded = jsonld.flatten(document, None, {"documentLoader": loader})
    ikg = settings.ikg
    quotes = [q["@value"] for node in expanded for q in node.get(ikg + "quote", [])]
    assert any("dynamisk dubbelriktad process" in q for q in quotes)
    assert sum(1 for node in expanded if ikg + "TracePath" in node.get("@type", [])) == 1


def test_bad_requests_are_4xx(client: TestClient) -> None:
    assert client.get("/api/trace").status_code == 400
    assert client.get("/api/trace?framework=eu-cbp-2004&notation=99").status_code == 400
    assert client.get("/api/trace?target=" + CBP1 + "&in_force_on=yesterday").status_code == 400
    assert client.get("/api/trace/matrix?framework=nope").status_code == 400
    assert client.get("/api/drawn-on").status_code == 400
    assert client.get("/trace/eu-cbp-2004/99").status_code == 404


def test_svg_and_pages(client: TestClient) -> None:
    svg = client.get("/api/trace/matrix?format=svg")
    assert (
        svg.headers["content-type"].startswith("image/svg+xml")
        and "<svg" in svg.text
        and "Mölndal" in svg.text
    )
    page = client.get("/trace/eu-cbp-2004/1?municipality=1481")
    assert page.status_code == 200 and "dynamisk dubbelriktad process" in page.text
    assert "/id/source/1481/integrationsstrategi" in page.text
    reverse = client.get("/trace/drawn-on?municipality=1442")
    assert reverse.status_code == 200 and "Grundprincip 1:" in reverse.text.split('id="draws-on"')[0]


def test_trace_page_labels_alignments_apart(client: TestClient) -> None:
    """On the page for CBP 1, Kalmar's path is marked as an alignment and links to "the alignment",
    Mölndal's as a citation; filtering by kind=explicit leaves the alignments out."""
    page = client.get("/trace/eu-cbp-2004/1", params={"municipality": "0880"}).text
    assert 'data-evidence="alignment"' in page and 'data-evidence="citation"' not in page
    assert ">samstämmigheten<" in page  # the page speaks Swedish unless asked otherwise
    molndal = client.get("/trace/eu-cbp-2004/1", params={"municipality": "1481"}).text
    assert 'data-evidence="citation"' in molndal and 'data-evidence="alignment"' not in molndal
    explicit = client.get("/trace/eu-cbp-2004/1", params={"kind": "explicit"}).text
    assert 'data-evidence="alignment"' not in explicit and 'data-evidence="citation"' in explicit
