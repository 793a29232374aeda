"""JSON-LD as processors of both versions read it: /context.jsonld needs nothing of JSON-LD 1.1, so a
1.0 processor (pyld in json-ld-1.0 mode, as Jena's 1.0 reader) and a 1.1 one (pyld's default, rdflib)
expand every JSON-LD response to the triples of its Turtle, against a real uvicorn on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from live_server import Live, run_server
from pyld import jsonld
from rdflib import Graph
from rdflib.compare import isomorphic

from service.settings import Settings

PATHS = (
    "/id/framework/eu-cbp-2004",
    "/id/framework/eu-cbp-2004/1",
    "/id/document/1481/integrationsstrategi",
    "/id/dataset/integration-kg",
    "/graph/frameworks/eu-cbp-2004",
    "/catalog",
    "/.well-known/void",
    "/sparql",
)


@pytest.fixture(scope="module")
def live(settings: Settings) -> Iterator[Live]:
    with run_server(settings) as server:
        yield server


@pytest.fixture(scope="module")
def context(live: Live) -> dict[str, object]:
    response = httpx.get(live.url + "/context.jsonld")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/ld+json")
    return response.json()


def loader_for(live: Live, context: dict[str, object]):  # noqa: ANN201
    """pyld's document loader: our context from the service (fetched once), nothing else."""

    def load(url: str, options: object = None) -> dict[str, object]:
        if url != live.url + "/context.jsonld":
            raise jsonld.JsonLdError(f"refusing to fetch {url}", "loading document failed")
        return {"contextUrl": None, "documentUrl": url, "document": context}

    return load


def test_the_context_needs_nothing_of_json_ld_1_1(context: dict[str, object]) -> None:
    terms = context["@context"]
    assert isinstance(terms, dict) and "@version" not in terms
    for name, value in terms.items():
        if isinstance(value, dict):
            assert set(value) <= {"@id", "@type", "@container", "@language", "@reverse"}, name
            assert value.get("@container") in (None, "@list", "@set", "@language", "@index"), name
        elif isinstance(value, str) and not name.startswith("@") and value.startswith("http"):
            assert value.endswith(("/", "#")), name  # a prefix a 1.0 processor uses as one


@pytest.mark.parametrize("mode", ["json-ld-1.0", "json-ld-1.1"])
@pytest.mark.parametrize("path", PATHS)
def test_pyld_expands_every_response_to_the_turtle_triples(
    live: Live, context: dict[str, object], path: str, mode: str
) -> None:
    as_json = httpx.get(live.url + path, headers={"Accept": "application/ld+json"})
    assert as_json.json()["@context"] == live.url + "/context.jsonld"
    turtle = Graph().parse(
        data=httpx.get(live.url + path, headers={"Accept": "text/turtle"}).text, format="turtle"
    )
    nquads = jsonld.to_rdf(
        as_json.json(),
        {
            "format": "application/n-quads",
            "documentLoader": loader_for(live, context),
            "processingMode": mode,
        },
    )
    assert isomorphic(Graph().parse(data=nquads, format="nt"), turtle)


def test_a_1_1_context_is_what_a_1_0_processor_refuses(live: Live, context: dict[str, object]) -> None:
    """What the test above guards against: the same context marked 1.1 fails in 1.0 mode."""
    marked = {"@context": {"@version": 1.1, **context["@context"]}}  # type: ignore[dict-item]
    document = httpx.get(live.url + PATHS[0], headers={"Accept": "application/ld+json"}).json()
    with pytest.raises(jsonld.JsonLdError):
        jsonld.to_rdf(
            document,
            {"documentLoader": loader_for(live, marked), "processingMode": "json-ld-1.0"},
        )


@pytest.mark.parametrize("path", PATHS[:3] + ("/catalog",))
def test_rdflib_reads_every_response_fetching_the_context_from_the_service(live: Live, path: str) -> None:
    as_json = httpx.get(live.url + path, headers={"Accept": "application/ld+json"}).text
    turtle = httpx.get(live.url + path, headers={"Accept": "text/turtle"}).text
    parsed = Graph().parse(data=as_json, format="json-ld")  # rdflib fetches /context.jsonld from the service
    assert isomorphic(parsed, Graph().parse(data=turtle, format="turtle"))
    assert json.loads(as_json)["@context"].endswith("/context.jsonld")
