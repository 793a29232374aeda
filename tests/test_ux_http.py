"""VoID and /api/docs over HTTP: a browser's Accept gets HTML, RDF clients Turtle (or what they ask for),
and the API page names no other host."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from live_server import Live, run_server
from rdflib import Graph, URIRef

from service.settings import Settings

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
VOID_TRIPLES = URIRef("http://rdfs.org/ns/void#triples")


@pytest.fixture(scope="module")
def live(settings: Settings) -> Iterator[Live]:
    with run_server(settings) as server:
        yield server


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (BROWSER_ACCEPT, "text/html"),
        ("text/html", "text/html"),
        ("*/*", "text/turtle"),
        (None, "text/turtle"),
        ("text/turtle", "text/turtle"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/ld+json", "application/ld+json"),
    ],
)
def test_void_by_accept(live: Live, accept: str | None, media: str) -> None:
    headers = {"Accept": accept} if accept else {}
    response = httpx.get(live.url + "/.well-known/void", headers=headers)
    assert response.status_code == 200 and response.headers["content-type"].startswith(media)
    assert "Accept" in response.headers.get("vary", "")
    if media == "text/turtle":
        graph = Graph().parse(data=response.text, format="turtle")
        assert any(graph.triples((None, VOID_TRIPLES, None)))
    if media == "text/html":
        assert "void:triples" in response.text and "<h1>" in response.text


def test_api_docs_name_no_other_host(live: Live) -> None:
    page = httpx.get(live.url + "/api/docs")
    assert page.status_code == 200
    addresses = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", page.text)
    assert addresses and all(a.startswith("/") for a in addresses), addresses
    for address in addresses:
        assert httpx.get(live.url + address).status_code == 200, address


@pytest.mark.parametrize(
    "query",
    ["SELECT ?x WHERE { ?s ?p ?o . FILTER(", "SELECT * WHERE { ?s ?p }", 'SELECT ?x WHERE { ?s ?p "[" , '],
)
def test_a_syntax_error_is_short_with_line_and_column(live: Live, query: str) -> None:
    response = httpx.post(live.url + "/sparql", data={"query": query})
    assert response.status_code == 400
    text = response.text.strip()
    assert re.match(r"syntax error at line 1, column \d+: \S", text), text
    assert "\\u{" not in text and ".." not in text.replace("…", "") and len(text) < 200, text


def test_the_no_script_form_asks_for_a_table(live: Live) -> None:
    page = httpx.get(live.url + "/sparql", headers={"Accept": "text/html"}).text
    assert '<option value="html">' in page
    answer = httpx.get(
        live.url + "/sparql",
        params={"query": "ASK { ?s ?p ?o }", "format": ""},
        headers={"Accept": BROWSER_ACCEPT},
    )
    assert answer.headers["content-type"].startswith("text/html") and 'class="boolean">true' in answer.text
    programs = httpx.get(live.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert programs.headers["content-type"].startswith("application/sparql-results")


def test_resource_pages_name_the_municipality_of_every_citing_document(live: Live) -> None:
    page = httpx.get(live.url + "/id/framework/eu-cbp-2004/1", params={"lang": "en"}).text
    articles = re.findall(r'<article class="citation.*?</article>', page, re.DOTALL)
    assert len(articles) >= 3
    municipal = [a for a in articles if "/id/document/" in a.split("</header>")[0]]
    assert municipal and all('class="municipality"' in a for a in municipal)
    assert any("thematic alignment" in a for a in articles)  # alignments show beside citations, labelled
    assert f'href="{live.url}/trace/eu-cbp-2004/1?lang=en"' in page  # the principle's trace page
    # a document's page names the municipality of the documents it cites
    strategy = httpx.get(live.url + "/id/document/1481/integrationsstrategi", params={"lang": "en"}).text
    made = re.findall(r'<article class="citation.*?</header>', strategy, re.DOTALL)
    cited_documents = [a for a in made if "→ <a href=\"" + live.url + "/id/document/" in a]
    assert cited_documents and all("/id/municipality/1481" in a for a in cited_documents)


def test_a_goal_page_links_to_its_trace(live: Live) -> None:
    page = httpx.get(live.url + "/id/framework/se-integration-policy/2008", params={"lang": "sv"}).text
    assert f'href="{live.url}/trace/se-integration-policy/2008?lang=sv"' in page
    document = httpx.get(live.url + "/id/document/1481/integrationsstrategi").text
    assert 'class="trace-links"' not in document
