"""Full-text search: the index each build writes (service/search.py) and GET /search, /api/search on the
real app over the real data — Swedish inflections and compounds, filters, paging, formats, bad input."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import httpx
import pytest
from live_server import Live, expand_to_graph, run_server
from rdflib import URIRef

from service.build import BuildResult
from service.search import SearchIndex, SearchInputError, index_path, make_filters, split_compound, stem
from service.settings import Settings

BASE = "https://w3id.org/integration-kg/"


@pytest.fixture(scope="module")
def index(built: BuildResult) -> SearchIndex:
    return SearchIndex(index_path(built.store_path))


@pytest.fixture(scope="module")
def live(settings: Settings) -> Iterator[Live]:
    with run_server(settings) as server:
        yield server


def iris(index: SearchIndex, q: str, **filters: object) -> set[str]:
    return {hit.iri for hit in index.search(q, make_filters(**filters), per_page=200).hits}  # type: ignore[arg-type]


def test_the_build_ships_the_index(built: BuildResult) -> None:
    assert index_path(built.store_path).is_file()


def test_inflections_and_compounds_find_each_other(index: SearchIndex) -> None:
    sprak, spraket, kunskaper = iris(index, "språk"), iris(index, "språket"), iris(index, "språkkunskaper")
    grundsyn = BASE + "id/document/1466/integrationspolicy/grundsyn"  # "… i det svenska språket …"
    principle = BASE + "id/framework/eu-cbp-2004/4"  # "… värdsamhällets språk …"
    assert {grundsyn, principle} <= sprak
    assert {grundsyn, principle} <= spraket
    assert {grundsyn, principle} <= kunskaper  # the compound finds its parts
    assert grundsyn in iris(index, "svenska språket")
    # "språklig" (an adjective on språk) is found by the stem, not by the exact word
    assert BASE + "id/framework/se-integration-policy/2020s" in sprak
    # a compound's head finds the compound: "arbetsmarknad" in "Arbetsmarknadsstrategi"
    assert BASE + "id/document/1442/arbetsmarknadsstrategi" in iris(index, "arbetsmarknad")
    assert BASE + "id/document/1442/arbetsmarknadsstrategi" in iris(index, "strategi")


def test_compound_splitting_uses_known_stems() -> None:
    vocabulary = frozenset({"språk", "kunskap", "arbet", "marknad"})
    assert split_compound("språkkunskap", vocabulary) == ["språk", "kunskap"]
    assert split_compound("arbetsmarknad", vocabulary) == ["arbet", stem("marknad", "sv")]  # a linking s
    assert split_compound("integration", vocabulary) == []


def test_results_span_municipalities_and_are_ranked(index: SearchIndex) -> None:
    result = index.search("integration", per_page=200)
    municipalities = {hit.municipality_code for hit in result.hits if hit.municipality_code}
    assert len(municipalities) >= 3, municipalities
    scores = [hit.score for hit in result.hits]
    assert scores == sorted(scores, reverse=True)
    # a label that is the word itself ranks above a quote that merely holds it
    assert result.hits[0].field in ("label", "title")


def test_filters(index: SearchIndex) -> None:
    every = index.search("integration", per_page=200).hits
    only = index.search("integration", make_filters(municipality="1481"), per_page=200).hits
    assert only and all(hit.municipality_code == "1481" for hit in only) and len(only) < len(every)
    goals = index.search("integration", make_filters(kinds=["goal"]), per_page=200).hits
    assert goals and all(hit.kind == "goal" for hit in goals)
    strategies = index.search("integration", make_filters(document_type="strategy"), per_page=200).hits
    assert strategies and all(hit.document_type == "Strategy" for hit in strategies)
    county = index.search("integration", make_filters(county="14"), per_page=200).hits
    assert county and all(hit.county == "14" for hit in county)
    quotes = index.search("integration", make_filters(kinds=["explicit"]), per_page=200).hits
    assert quotes and all(hit.quote_kind == "explicit" and hit.field == "quote" for hit in quotes)
    for bad in ({"municipality": "99"}, {"county": "x"}, {"kinds": ["nonsense"]}, {"document_type": "Poem"}):
        with pytest.raises(SearchInputError):
            make_filters(**bad)  # type: ignore[arg-type]


def test_paging(index: SearchIndex) -> None:
    every = [hit.iri for hit in index.search("integration", per_page=200).hits]
    first = [hit.iri for hit in index.search("integration", per_page=5, page=1).hits]
    second = [hit.iri for hit in index.search("integration", per_page=5, page=2).hits]
    assert first == every[:5] and second == every[5:10]


def test_fts_syntax_is_searched_as_words(index: SearchIndex) -> None:
    for q in ('"', "NEAR(språk", "språk*", "språk OR", "a:b", "^språk", "-", "(((", "språk AND NOT"):
        try:
            index.search(q)
        except SearchInputError as error:
            assert "word" in str(error)


def test_api_jsonld_parses_and_links(live: Live) -> None:
    response = httpx.get(
        live.url + "/api/search", params={"q": "språket"}, headers={"Accept": "application/ld+json"}
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/ld+json")
    body = response.json()
    assert body["total"] >= 3 and body["hits"][0]["@id"].startswith(BASE)
    assert any("⟦" in hit["snippet"] for hit in body["hits"])
    graph = expand_to_graph(body, live)
    assert (None, None, URIRef(BASE + "id/framework/eu-cbp-2004/4")) in graph or (
        URIRef(BASE + "id/framework/eu-cbp-2004/4"),
        None,
        None,
    ) in graph


def test_api_csv(live: Live) -> None:
    response = httpx.get(live.url + "/api/search", params={"q": "arbete", "format": "csv", "per_page": 5})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 5 and [r["rank"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert all(r["iri"].startswith(BASE) for r in rows)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": ""},
        {"q": "   "},
        {"q": "x" * 600},
        {"q": "(*)"},
        {"q": "språk", "municipality": "abc"},
        {"q": "språk", "kind": "poem"},
        {"q": "språk", "page": "0"},
        {"q": "språk", "format": "xml"},
    ],
)
def test_api_bad_input_is_a_400(live: Live, params: dict[str, str]) -> None:
    response = httpx.get(live.url + "/api/search", params=params)
    assert response.status_code == 400, response.text
    assert "Error" not in response.text and len(response.text) < 400


def test_page_groups_highlights_and_links(live: Live) -> None:
    response = httpx.get(live.url + "/search", params={"q": "språk", "lang": "en"})
    assert response.status_code == 200
    html = response.text
    assert "<mark>språk</mark>" in html and "<mark>språket</mark>" in html
    assert 'class="search-group"' in html and ">Herrljunga" in html
    assert 'href="' + live.url + '/id/document/1466/integrationspolicy/grundsyn"' in html
    assert "part of a document" in html  # kinds are spelled out in the page's language


def test_page_bad_input_shows_the_message(live: Live) -> None:
    response = httpx.get(live.url + "/search", params={"q": "språk", "municipality": "12"})
    assert response.status_code == 400 and "kommunkod" in response.text and "<form" in response.text
    assert httpx.get(live.url + "/search", params={"q": "()"}).status_code == 400
    assert httpx.get(live.url + "/search").status_code == 200


def test_every_page_has_the_search_box(live: Live) -> None:
    for path in ("/", "/trace", "/sparql", "/id/framework/eu-cbp-2004/1", "/ontology", "/catalog"):
        response = httpx.get(live.url + path, headers={"Accept": "text/html"})
        assert response.status_code == 200, path
        assert 'class="site-search"' in response.text and 'name="q"' in response.text, path
