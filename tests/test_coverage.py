"""The coverage categories on small graphs written for the test, and the coverage map and tables served
over HTTP for the real build: the SVG parses, has one path per municipality (290) and a legend, and
its figures are the trace's."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from service import coverage as cov
from service import trace as tr
from service.app import create_app
from service.build_store import swap_current, write_embedded_store
from service.datafiles import discover, parse_file
from service.http.coverage import COLOURS
from service.settings import Settings
from service.store import open_store

BASE = "https://w3id.org/integration-kg/"
MUN = BASE + "id/municipality/"
DOC = BASE + "id/document/"
TARGET = BASE + "id/framework/test-principles/1"
OTHER = BASE + "id/framework/test-principles/2"
SVG = "{http://www.w3.org/2000/svg}"

# Nine fictional municipalities (codes no real municipality has), one per case. Documents, parts,
# citations and alignments are test fixtures, not facts.
SMALL = """
@prefix ikg: <https://w3id.org/integration-kg/ontology#> .
@prefix fw: <https://w3id.org/integration-kg/id/framework/> .
@prefix mun: <https://w3id.org/integration-kg/id/municipality/> .
@prefix doc: <https://w3id.org/integration-kg/id/document/> .
@prefix src: <https://w3id.org/integration-kg/id/source/> .
@prefix county: <https://w3id.org/integration-kg/id/county/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .

fw:test-principles a ikg:Framework ; skos:prefLabel "Testprinciper"@sv .
fw:test-principles\\/1 a ikg:Principle ; skos:inScheme fw:test-principles ; skos:notation "1" ;
    skos:prefLabel "Princip 1"@sv .
fw:test-principles\\/2 a ikg:Principle ; skos:inScheme fw:test-principles ; skos:notation "2" ;
    skos:prefLabel "Princip 2"@sv .
county:10 a ikg:County ; dcterms:identifier "10" ; skos:prefLabel "Testlän"@sv .

src:whole a ikg:SourceText ; ikg:sourceExtent ikg:WholeText .
src:held a ikg:SourceText .
src:excerpt a ikg:ReferencedSource ; ikg:sourceExtent ikg:Excerpt .
src:page a ikg:ReferencedSource ; ikg:sourceExtent ikg:WholeText .
src:unstated a ikg:ReferencedSource .
"""
CASES = {
    # kommunkod: (expected category, Turtle of its documents)
    "1001": (
        "explicit",
        """doc:1001\\/a a ikg:Strategy ; dcterms:publisher mun:1001 ; dcterms:source src:whole ;
             ikg:cites fw:test-principles\\/1 ; ikg:citation doc:1001\\/a\\/c .
           doc:1001\\/a\\/c a ikg:Citation ; ikg:target fw:test-principles\\/1 ; ikg:citationKind ikg:ExplicitCitation .""",
    ),
    "1002": (
        "paraphrase",
        """doc:1002\\/a a ikg:Policy ; dcterms:publisher mun:1002 ; dcterms:source src:excerpt .
           doc:1002\\/a\\/m a ikg:Goal ; dcterms:isPartOf doc:1002\\/a ;
             ikg:cites fw:test-principles\\/1 ; ikg:citation doc:1002\\/a\\/c .
           doc:1002\\/a\\/c a ikg:Citation ; ikg:target fw:test-principles\\/1 ; ikg:citationKind ikg:Paraphrase .""",
    ),
    "1003": (
        "thematic",
        """doc:1003\\/a a ikg:Plan ; dcterms:publisher mun:1003 ; dcterms:source src:whole ;
             ikg:alignsWith fw:test-principles\\/1 ; ikg:alignment doc:1003\\/a\\/l .
           doc:1003\\/a\\/l a ikg:Alignment ; ikg:target fw:test-principles\\/1 .""",
    ),
    "1004": (
        "not-mentioned",
        "doc:1004\\/a a ikg:Strategy ; dcterms:publisher mun:1004 ; dcterms:source src:held .",
    ),
    "1005": (
        "excerpt",
        "doc:1005\\/a a ikg:Strategy ; dcterms:publisher mun:1005 ; dcterms:source src:excerpt .",
    ),
    "1006": ("no-document", ""),
    "1007": (
        "not-mentioned",
        """doc:1007\\/a a ikg:Strategy ; dcterms:publisher mun:1007 ; dcterms:source src:page .
           doc:1007\\/b a ikg:Plan ; dcterms:publisher mun:1007 ; dcterms:source src:excerpt .""",
    ),
    "1008": (
        "excerpt",
        """doc:1008\\/a a ikg:Strategy ; dcterms:publisher mun:1008 ; dcterms:source src:unstated .
           doc:1008\\/b a ikg:Plan ; dcterms:publisher mun:1008 .""",
    ),
    "1009": (
        "explicit",
        """doc:1009\\/a a ikg:Strategy ; dcterms:publisher mun:1009 ; dcterms:source src:excerpt ;
             ikg:cites fw:test-principles\\/1 ; ikg:citation doc:1009\\/a\\/c .
           doc:1009\\/a\\/c a ikg:Citation ; ikg:target fw:test-principles\\/1 ; ikg:citationKind ikg:ExplicitCitation .
           doc:1009\\/b a ikg:Plan ; dcterms:publisher mun:1009 ; dcterms:source src:whole ;
             ikg:alignsWith fw:test-principles\\/1 ; ikg:alignment doc:1009\\/b\\/l .
           doc:1009\\/b\\/l a ikg:Alignment ; ikg:target fw:test-principles\\/1 .""",
    ),
}


def small_turtle() -> str:
    parts = [SMALL]
    for code, (_, documents) in CASES.items():
        parts.append(
            f'mun:{code} a ikg:Municipality ; dcterms:identifier "{code}" ; '
            f'skos:prefLabel "Kommun {code}"@sv ; ikg:county county:10 .'
        )
        parts.append(documents)
    return "\n".join(parts)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, settings: Settings) -> Settings:
    """A store of the ontology and the graph above only (no real data)."""
    root = tmp_path_factory.mktemp("coverage")
    small = Settings.from_env(
        environ={},
        data_dir=settings.data_dir,
        ontology_dir=settings.ontology_dir,
        shapes_dir=settings.shapes_dir,
        store_dir=root,
    )
    quads = [q for f in discover(small) if f.role == "ontology" for q in parse_file(f, small)]
    graph = ox.NamedNode(BASE + "graph/test")
    quads += [
        ox.Quad(t.subject, t.predicate, t.object, graph)
        for t in ox.parse(small_turtle().encode(), format=ox.RdfFormat.TURTLE)
    ]
    path = root / "stores" / "small"
    path.mkdir(parents=True)
    write_embedded_store(path, quads)
    (path / "manifest.json").write_text(
        json.dumps(
            {
                "build_id": "coverage-test",
                "built_at": "",
                "base_iri": small.base_iri,
                "triples": len(quads),
                "graphs": {},
                "files": {},
            }
        )
    )
    swap_current(small, path)
    return small


def test_each_municipality_gets_the_strongest_category_of_its_documents(small: Settings) -> None:
    answer = cov.coverage(open_store(small), small, TARGET)
    found = {row.code: row.category for row in answer.rows}
    assert found == {code: expected for code, (expected, _) in CASES.items()}
    rows = {row.code: row for row in answer.rows}
    # documents keep their own category: Mölndal-like mixes show what each does
    assert rows["1007"].document_categories == {DOC + "1007/a": "not-mentioned", DOC + "1007/b": "excerpt"}
    assert rows["1009"].document_categories == {DOC + "1009/a": "explicit", DOC + "1009/b": "thematic"}
    assert rows["1009"].links == {"explicit": 1, "thematic": 1}
    assert rows["1008"].document_categories == {DOC + "1008/a": "excerpt", DOC + "1008/b": "excerpt"}
    assert all(row.county == "10" for row in answer.rows)
    assert answer.counts()["explicit"] == 2 and answer.counts()["no-document"] == 1


def test_a_target_nobody_draws_on(small: Settings) -> None:
    """Principle 2: only whole texts conclude "does not mention"; excerpts and unread documents never do."""
    found = {row.code: row.category for row in cov.coverage(open_store(small), small, OTHER).rows}
    assert found == {
        "1001": "not-mentioned",
        "1002": "excerpt",
        "1003": "not-mentioned",
        "1004": "not-mentioned",
        "1005": "excerpt",
        "1006": "no-document",
        "1007": "not-mentioned",
        "1008": "excerpt",
        "1009": "not-mentioned",
    }


def test_never_mentioned_respects_excerpts(small: Settings) -> None:
    store = open_store(small)

    def drawn(code: str) -> tr.DrawnOn:
        return tr.drawn_on(store, small, code, None, "test-principles")

    whole = drawn("1004")  # one held text, read whole: both principles are never mentioned
    assert [c.iri for c in whole.never_mentioned] == [TARGET, OTHER] and not whole.not_concluded
    mixed = drawn("1007")  # a whole page and an excerpt: nothing is concluded absent
    assert not mixed.never_mentioned and [c.iri for c in mixed.not_concluded] == [TARGET, OTHER]
    assert mixed.partly_read == [DOC + "1007/b"]
    excerpt = drawn("1005")
    assert not excerpt.never_mentioned and excerpt.partly_read == [DOC + "1005/a"]
    unread = drawn("1008")
    assert not unread.never_mentioned and unread.not_concluded
    nothing = drawn("1006")  # no document: nothing is concluded either
    assert not nothing.never_mentioned and len(nothing.not_concluded) == 2
    cited = drawn("1001")  # principle 1 is cited; principle 2 is never mentioned in a whole text
    assert [c.iri for c in cited.never_mentioned] == [OTHER]
    document = tr.drawn_on(store, small, DOC + "1007/a", None, "test-principles")
    assert [c.iri for c in document.never_mentioned] == [TARGET, OTHER]


# ------------------------------------------------------------------------------------------ HTTP, real build


@pytest.fixture(scope="module")
def client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings))


def svg_paths(text: str) -> list[ET.Element]:
    root = ET.fromstring(text)
    assert root.tag == SVG + "svg"
    return root.findall(f".//{SVG}path")


def test_the_map_is_svg_with_290_linked_titled_paths_and_a_legend(client: TestClient) -> None:
    response = client.get(
        "/api/coverage", params={"framework": "eu-cbp-2004", "notation": "1", "format": "svg"}
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(response.text)
    paths = root.findall(f".//{SVG}path")
    assert len(paths) == 290
    assert len({p.get("data-kommunkod") for p in paths}) == 290
    links = root.findall(f".//{SVG}a")
    assert len(links) == 290 and all(a.get("href", "").startswith("/id/municipality/") for a in links)
    for path in paths:
        title = path.find(f"{SVG}title")
        assert title is not None and f"({path.get('data-kommunkod')})" in (title.text or "")
        assert path.get("fill") == COLOURS[path.get("data-category", "")]
    legend = root.find(f".//{SVG}g[@data-legend='true']")
    assert legend is not None
    entries = legend.findall(f"{SVG}g")
    assert [e.get("data-category") for e in entries] == list(cov.CATEGORIES)
    counts = {p.get("data-category") for p in paths}
    assert counts <= set(cov.CATEGORIES)
    assert "Valmyndigheten via Open Knowledge Sweden" in response.text
    molndal = next(p for p in paths if p.get("data-kommunkod") == "1481")
    assert molndal.get("data-category") == "explicit" and "Mölndal" in molndal.find(f"{SVG}title").text  # type: ignore[union-attr]


def test_csv_and_json_hold_the_same_figures_as_the_map_and_the_matrix(client: TestClient) -> None:
    params = {"framework": "eu-cbp-2004", "notation": "1"}
    table = list(
        csv.DictReader(io.StringIO(client.get("/api/coverage", params={**params, "format": "csv"}).text))
    )
    assert tuple(table[0]) == cov.COVERAGE_CSV_HEADER and len(table) == 290
    document = client.get("/api/coverage", params=params).json()
    svg = {
        p.get("data-kommunkod"): p.get("data-category")
        for p in svg_paths(client.get("/api/coverage", params={**params, "format": "svg"}).text)
    }
    assert (
        {r["kommunkod"]: r["category"] for r in table}
        == svg
        == {m["kommunkod"]: m["category"] for m in document["municipalities"]}
    )
    assert sum(document["counts"].values()) == 290
    matrix = client.get("/api/trace/matrix", params={"framework": "eu-cbp-2004"}).json()
    target = BASE + "id/framework/eu-cbp-2004/1"
    by_code = {r["kommunkod"]: r for r in table}
    for row in matrix["rows"]:
        cell = next(c for c in row["cells"] if c["target"] == target)
        mine = by_code[row["kommunkod"]]
        assert int(mine["links_explicit"]) == cell["explicit"], row["label"]
        assert int(mine["links_paraphrase"]) == cell["paraphrase"], row["label"]
        assert int(mine["alignments"]) == cell["thematic"], row["label"]
        if cell["explicit"]:
            assert mine["category"] == "explicit"
    # every municipality without a document is "no-document", and only those
    assert {r["kommunkod"] for r in table if r["documents"] == "0"} == {
        r["kommunkod"] for r in table if r["category"] == "no-document"
    }


def test_overview_map_csv_and_page(client: TestClient) -> None:
    svg = client.get("/api/coverage/overview", params={"format": "svg"})
    paths = svg_paths(svg.text)
    assert len(paths) == 290
    table = list(
        csv.DictReader(io.StringIO(client.get("/api/coverage/overview", params={"format": "csv"}).text))
    )
    assert len(table) == 290 and tuple(table[0]) == cov.OVERVIEW_CSV_HEADER
    with_documents = {r["kommunkod"] for r in table if int(r["documents"])}
    assert {"0880", "1442", "1466", "1481", "1488"} <= with_documents
    assert {p.get("data-kommunkod") for p in paths if p.get("data-category") != "0"} == with_documents
    page = client.get("/coverage")
    assert page.status_code == 200
    assert (
        f"<strong>{len(with_documents)}</strong> of 290 municipalities have at least one document"
        in page.text
    )
    assert "Boundaries: Valmyndigheten via Open Knowledge Sweden" in page.text
    inline = page.text[page.text.index("<svg") : page.text.index("</svg>") + len("</svg>")]
    assert len(svg_paths(inline)) == 290


def test_every_principle_page_has_its_map(client: TestClient) -> None:
    for notation in ("1", "2", "11"):
        page = client.get(f"/trace/eu-cbp-2004/{notation}")
        assert page.status_code == 200
        assert 'id="coverage"' in page.text and 'class="coverage-map"' in page.text
        assert "Boundaries: Valmyndigheten via Open Knowledge Sweden" in page.text
        assert (
            f"/api/coverage?target=https%3A%2F%2Fw3id.org%2Fintegration-kg%2Fid%2Fframework%2Feu-cbp-2004%2F{notation}&amp;format=csv"
            in page.text
        )
    goal = client.get("/trace/se-integration-policy/1997-1")  # a national goal has its map too
    assert goal.status_code == 200 and 'class="coverage-map"' in goal.text


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"framework": "eu-cbp-2004", "notation": "99"}, "no principle or goal"),
        ({"framework": "nope", "notation": "1"}, "no framework"),
        ({}, "say what to trace"),
        ({"target": BASE + "id/framework/eu-cbp-2004"}, "not a principle or goal"),
        ({"framework": "eu-cbp-2004", "notation": "1", "format": "png"}, "unknown format"),
    ],
)
def test_bad_coverage_requests_are_400(client: TestClient, params: dict[str, str], words: str) -> None:
    response = client.get("/api/coverage", params=params)
    assert response.status_code == 400 and words in response.text


def test_drawn_on_reports_what_is_not_concluded(client: TestClient) -> None:
    answer = client.get("/api/drawn-on", params={"municipality": "1440"}).json()
    assert answer["label"] == "Ale" and answer["neverMentioned"]["concepts"] == []
    assert len(answer["notFoundInExcerpts"]["concepts"]) >= 11
    whole = client.get("/api/drawn-on", params={"municipality": "1466"}).json()
    assert whole["neverMentioned"]["concepts"] and whole["notFoundInExcerpts"]["concepts"] == []


def test_the_boundaries_file_is_read_from_the_data_folder(settings: Settings) -> None:
    from service.coverage_map import shapes_for

    shapes = shapes_for(settings.data_dir)
    assert len(shapes.shapes) == 290 and shapes.height == 1000 and 300 < shapes.width < 600
    assert all(s.d.startswith("M") and s.d.endswith("z") for s in shapes.shapes)
    assert Path(settings.data_dir / "geo" / "municipalities.geojson").is_file()


# ------------------------------------------------------------------------------------------ counties


def test_the_matrix_groups_by_county(client: TestClient) -> None:
    by_municipality = client.get("/api/trace/matrix", params={"framework": "eu-cbp-2004"}).json()
    by_county = client.get("/api/trace/matrix", params={"framework": "eu-cbp-2004", "group": "county"}).json()
    assert by_county["group"] == "county"
    counties = {r["lanskod"]: r for r in by_county["rows"]}
    # Västra Götaland (14) holds Herrljunga, Mölndal, Trollhättan and Vårgårda; Kalmar län (08) Kalmar
    assert {"08", "14"} <= set(counties) and all(len(code) == 2 for code in counties)
    assert counties["14"]["label"] == "Västra Götalands län"
    for index, column in enumerate(by_county["columns"]):
        for kind in ("explicit", "paraphrase", "thematic", "links"):
            total = sum(r["cells"][index][kind] for r in by_municipality["rows"])
            assert sum(r["cells"][index][kind] for r in by_county["rows"]) == total, (
                column["notation"],
                kind,
            )
            in_14 = sum(
                r["cells"][index][kind] for r in by_municipality["rows"] if r["kommunkod"][:2] == "14"
            )
            assert counties["14"]["cells"][index][kind] == in_14
    table = list(
        csv.DictReader(
            io.StringIO(
                client.get(
                    "/api/trace/matrix",
                    params={"framework": "eu-cbp-2004", "group": "county", "format": "csv"},
                ).text
            )
        )
    )
    assert tuple(table[0]) == cov.COUNTY_MATRIX_CSV_HEADER
    assert {r["lanskod"] for r in table} == set(counties)
    page = client.get("/trace", params={"group": "county"})
    assert page.status_code == 200 and "Västra Götalands län" in page.text and "/id/county/14" in page.text
    svg = client.get("/api/trace/matrix", params={"group": "county", "format": "svg"})
    assert svg.status_code == 200 and "Kalmar län" in svg.text
    assert client.get("/api/trace/matrix", params={"group": "region"}).status_code == 400


def test_the_trace_api_filters_by_county(client: TestClient) -> None:
    params = {"framework": "eu-cbp-2004", "notation": "1", "format": "csv"}
    everything = list(csv.DictReader(io.StringIO(client.get("/api/trace", params=params).text)))
    in_14 = list(
        csv.DictReader(io.StringIO(client.get("/api/trace", params={**params, "county": "14"}).text))
    )
    assert in_14 and {r["kommunkod"][:2] for r in in_14} == {"14"}
    assert len(in_14) == len([r for r in everything if r["kommunkod"][:2] == "14"])
    assert client.get("/api/trace", params={**params, "county": "02"}).status_code == 400
    bad = client.get("/api/trace", params={**params, "county": "Skåne"})
    assert bad.status_code == 400 and "two-digit länskod" in bad.text


def test_the_home_page_says_how_many_municipalities_have_a_document(client: TestClient) -> None:
    overview = client.get("/api/coverage/overview").json()
    n = overview["withDocuments"]
    assert overview["municipalities"] == 290 and 5 <= n < 290
    english = client.get("/", params={"lang": "en"}, headers={"Accept": "text/html"})
    assert f"{n} of 290 municipalities have at least one document" in english.text
    assert 'href="' in english.text and "/coverage" in english.text
    swedish = client.get("/", params={"lang": "sv"}, headers={"Accept": "text/html"})
    assert f"{n} av 290 kommuner har minst ett dokument i grafen" in swedish.text
    # the home page lists the municipalities with documents, not all 290
    assert "Mölndal" in english.text and ">Ale<" not in english.text


def test_the_legend_swatches_are_the_map_colours() -> None:
    """The page's legend table (a stylesheet: the pages allow no inline style) shows the map's fills."""
    import re

    from service.http.coverage import OVERVIEW_CLASSES

    css = (Path(__file__).resolve().parent.parent / "service" / "static" / "coverage.css").read_text(
        encoding="utf-8"
    )
    swatches = dict(re.findall(r"\.swatch-([a-z0-9-]+) \{ background: (#[0-9a-f]{6}); \}", css))
    assert {k: swatches[k] for k in COLOURS} == COLOURS
    assert {key.rstrip("+"): colour for key, _, _, colour, _ in OVERVIEW_CLASSES} == {
        k: swatches[k] for k in ("0", "1", "2", "3")
    }
