"""The remote back end against a real Virtuoso 7 on loopback: the build loads it, the service queries it,
and the answers are those of the embedded store over the same build."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from service.app import create_app
from service.build import BUILD_STEPS, BuildFailed, BuildResult, build
from service.progress import Progress
from service.rdfterms import graph_of
from service.remote_store import (
    RemoteQueryError,
    RemoteStore,
    bind_values,
    query_form,
    server_graphs,
    sparql_term,
)
from service.settings import PROJECT_ROOT, Settings
from service.sparql import QueryRefused
from service.store import (
    EmbeddedStore,
    QueryDataset,
    QueryTimeout,
    ResultTooLarge,
    SelectResult,
    current_store_path,
    open_store,
)
from tests.conftest import project_settings
from tests.conftest_virtuoso import Virtuoso, virtuoso  # noqa: F401  (the session fixture)
from tests.pages import follow_pages, links_to

QUIET = Progress(steps=BUILD_STEPS, quiet=True)
IKG = "PREFIX ikg: <https://w3id.org/integration-kg/ontology#>\n"


def remote_settings(
    instance: Virtuoso, store_dir: Path, root: Path = PROJECT_ROOT, **overrides: object
) -> Settings:
    return project_settings(
        store_dir,
        root=root,
        **{
            **{k.removeprefix("INTEGRATION_KG_").lower(): v for k, v in instance.settings_env.items()},
            **overrides,
        },
    )


@pytest.fixture(scope="module")
def remote_built(
    virtuoso: Virtuoso, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Settings, BuildResult]:
    """The real data built once with the remote back end (into Virtuoso, and the local manifest)."""
    settings = remote_settings(virtuoso, tmp_path_factory.mktemp("remote-var"))
    return settings, build(settings, QUIET)


@pytest.fixture(scope="module")
def stores(remote_built: tuple[Settings, BuildResult]) -> tuple[RemoteStore, EmbeddedStore]:
    settings, result = remote_built
    remote = open_store(settings)
    assert isinstance(remote, RemoteStore)
    return remote, EmbeddedStore(result.store_path)


# --- query text, without a server -----------------------------------------------------------------


def test_query_form_skips_prologue_comments_and_prefixed_names() -> None:
    assert query_form("# ASK me\nPREFIX select: <http://x/> SELECT * { ?s select:p ?o }") == "SELECT"
    assert query_form("BASE <http://x/> CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }") == "CONSTRUCT"
    with pytest.raises(RemoteQueryError):
        query_form("INSERT DATA { <http://x/a> <http://x/b> <http://x/c> }")


def test_bindings_replace_variable_tokens_only() -> None:
    query = 'CONSTRUCT { ?s <http://x/p> "?s { }" } # ?s\nWHERE { { BIND(?s AS ?node) } UNION { ?s ?p ?o } }'
    bound = bind_values(query, {"s": URIRef("http://x/a")})
    assert bound == (
        'CONSTRUCT { <http://x/a> <http://x/p> "?s { }" } # ?s\n'
        'WHERE { { BIND(<http://x/a> AS ?node) } UNION { <http://x/a> ?p ?o } }'
    )
    assert (
        bind_values("SELECT ?s ?o { ?s ?p ?o } ORDER BY ?s", {"s": URIRef("http://x/a")})
        == "SELECT (<http://x/a> AS ?s) ?o { <http://x/a> ?p ?o } ORDER BY (<http://x/a>)"
    )
    assert bind_values("SELECT ?sx { ?sx ?p ?s }", {"s": Literal("1")}) == 'SELECT ?sx { ?sx ?p "1" }'


def test_terms_are_escaped_or_refused() -> None:
    assert sparql_term(Literal('a "b" } \\ \n', lang="sv")) == '"a \\"b\\" } \\\\ \\n"@sv'
    assert (
        sparql_term(Literal("2021-06", datatype=URIRef("http://www.w3.org/2001/XMLSchema#gYearMonth")))
        == '"2021-06"^^<http://www.w3.org/2001/XMLSchema#gYearMonth>'
    )
    for bad in (URIRef("http://x/> } DROP ALL { <y"), URIRef("http://x/a b"), BNode()):
        with pytest.raises(ValueError):
            sparql_term(bad)
    with pytest.raises(ValueError):
        bind_values("SELECT ?s { ?s ?p ?o }", {"s } DROP ALL": URIRef("http://x/a")})


# --- against Virtuoso -----------------------------------------------------------------------------


def test_build_loads_every_named_graph_into_virtuoso(remote_built: tuple[Settings, BuildResult]) -> None:
    settings, result = remote_built
    with httpx.Client() as client:
        on_server = server_graphs(client, settings.remote_query_url)
    for graph in result.info.graphs:
        assert graph in on_server, graph
    assert result.info.manifest["remote"]["server"] == settings.remote_gsp_url
    assert (result.store_path / "manifest.json").is_file()


SAME_ANSWERS = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    "SELECT DISTINCT ?class WHERE { ?s a ?class } ORDER BY ?class",
    IKG + "SELECT ?part ?target ?kind WHERE { ?part ikg:citation ?c . ?c ikg:target ?target ; "
    "ikg:citationKind ?kind } ORDER BY ?part ?target ?kind",
    IKG + "SELECT ?s ?date WHERE { ?s <http://purl.org/dc/terms/issued> ?date } ORDER BY ?s",
    IKG
    + "SELECT ?m ?label WHERE { ?m a ikg:Municipality ; <http://www.w3.org/2004/02/skos/core#prefLabel> ?label } ORDER BY ?m ?label",
]


@pytest.mark.parametrize("query", SAME_ANSWERS)
def test_same_answers_as_the_embedded_store(stores: tuple[RemoteStore, EmbeddedStore], query: str) -> None:
    remote, embedded = stores
    expected = embedded.query(query)
    got = remote.query(query)
    assert isinstance(got, SelectResult) and isinstance(expected, SelectResult)
    assert got.variables == expected.variables
    # SPARQL leaves the order of literals of different languages open: compare as multisets.
    assert sorted(map(repr, got.rows)) == sorted(map(repr, expected.rows))
    assert got.rows, "the query should find something in the real data"


def test_the_default_graph_is_the_union_of_the_builds_graphs_only(
    stores: tuple[RemoteStore, EmbeddedStore],
) -> None:
    remote, _ = stores
    graphs = {str(row["g"]) for row in remote.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}
    assert graphs == set(remote.info.graphs)
    assert not remote.ask("ASK { ?s ?p ?o FILTER(STRSTARTS(STR(?s), 'http://www.openlinksw.com/')) }")


def test_bindings_select_ask_construct(stores: tuple[RemoteStore, EmbeddedStore]) -> None:
    remote, embedded = stores
    municipality = embedded.select(IKG + "SELECT ?m WHERE { ?m a ikg:Municipality } ORDER BY ?m LIMIT 1")[0][
        "m"
    ]
    label = embedded.select(
        "SELECT ?m ?l WHERE { ?m <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }", {"m": municipality}
    )[0]["l"]
    query = (
        "SELECT ?m ?p ?l WHERE { ?m <http://www.w3.org/2004/02/skos/core#prefLabel> ?l ; ?p ?o } ORDER BY ?p"
    )
    assert remote.select(query, {"l": label}) == embedded.select(query, {"l": label})
    construct = "CONSTRUCT { ?m ?p ?o } WHERE { ?m ?p ?o }"
    remote_graph = remote.construct(construct, {"m": municipality})
    assert len(remote_graph) > 3
    assert isomorphic(remote_graph, embedded.construct(construct, {"m": municipality}))
    assert remote.ask("ASK { ?m a ?t }", {"m": municipality})
    # A literal that would end the string and the group if pasted as text is only data.
    assert not remote.ask("ASK { ?s ?p ?x }", {"x": Literal('x" } } ; DROP ALL ; SELECT * { "', lang="sv")})
    assert remote.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == embedded.select(
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    )


def bounded(
    store: RemoteStore | EmbeddedStore,
    query: str,
    *,
    result_format: str = "application/sparql-results+json",
    dataset: QueryDataset | None = None,
    timeout: float = 10.0,
    max_results: int = 10_000,
) -> bytes:
    return asyncio.run(
        store.run_bounded(
            query, result_format=result_format, dataset=dataset, timeout=timeout, max_results=max_results
        )
    )


def test_errors_are_named_and_bounded(stores: tuple[RemoteStore, EmbeddedStore]) -> None:
    remote, _ = stores
    with pytest.raises(RemoteQueryError, match="(?i)syntax") as error:
        remote.select("SELECT ?x WHERE { ?x ?y }")
    assert "input:default-graph-exclude" not in str(error.value), "our own prologue is not the user's problem"
    with pytest.raises(QueryTimeout):
        bounded(remote, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", timeout=1.0)
    with pytest.raises(ResultTooLarge):
        bounded(remote, "SELECT * WHERE { ?s ?p ?o }", max_results=7)
    with pytest.raises(QueryRefused):
        bounded(remote, "INSERT DATA { <http://x/a> <http://x/b> <http://x/c> }")
    with pytest.raises(QueryRefused):
        bounded(remote, "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }")


@pytest.mark.parametrize(
    "query,media_type",
    [
        (
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
            "application/sparql-results+json",
        ),
        ("SELECT ?s ?l WHERE { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }", "text/csv"),
        (
            "ASK { ?s a <https://w3id.org/integration-kg/ontology#Municipality> }",
            "application/sparql-results+xml",
        ),
        ("CONSTRUCT { ?s a ?t } WHERE { ?s a ?t }", "application/n-triples"),
    ],
)
def test_bounded_user_queries_match_the_embedded_store(
    stores: tuple[RemoteStore, EmbeddedStore], query: str, media_type: str
) -> None:
    remote, embedded = stores
    got, expected = (
        bounded(remote, query, result_format=media_type),
        bounded(embedded, query, result_format=media_type),
    )
    if media_type == "application/n-triples":
        assert isomorphic(
            graph_of(ox.parse(got, format=ox.RdfFormat.N_TRIPLES)),
            graph_of(ox.parse(expected, format=ox.RdfFormat.N_TRIPLES)),
        )
    elif media_type == "text/csv":
        assert sorted(got.decode().splitlines()) == sorted(expected.decode().splitlines())
    else:
        parse = {
            "application/sparql-results+json": ox.QueryResultsFormat.JSON,
            "application/sparql-results+xml": ox.QueryResultsFormat.XML,
        }[media_type]
        a, b = ox.parse_query_results(got, format=parse), ox.parse_query_results(expected, format=parse)
        if isinstance(a, ox.QueryBoolean):
            assert bool(a) == bool(b) is True
        else:
            assert sorted(str(list(row)) for row in a) == sorted(str(list(row)) for row in b)


def test_protocol_dataset_picks_graphs(stores: tuple[RemoteStore, EmbeddedStore]) -> None:
    remote, embedded = stores
    graph = next(g for g in remote.info.graphs if "/frameworks/" in g)
    dataset = QueryDataset(default_graphs=(graph,))
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    got = json.loads(bounded(remote, query, dataset=dataset))
    assert got == json.loads(bounded(embedded, query, dataset=dataset))
    assert int(got["results"]["bindings"][0]["n"]["value"]) == remote.info.graphs[graph]


def test_service_answers_over_virtuoso(remote_built: tuple[Settings, BuildResult]) -> None:
    settings, result = remote_built
    embedded = replace(settings, store_backend="embedded")
    query = "SELECT ?m WHERE { ?m a <https://w3id.org/integration-kg/ontology#Municipality> } ORDER BY ?m"
    answers = {}
    for name, config in (("remote", settings), ("embedded", embedded)):
        with TestClient(create_app(config)) as client:
            health = client.get("/healthz")
            assert health.status_code == 200
            assert health.json()["triples"] == result.info.triples
            assert health.json()["build"] == result.info.build_id
            sparql = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
            assert sparql.status_code == 200, sparql.text
            refused = client.post("/sparql", data={"query": "DROP ALL"})
            assert refused.status_code == 400 and "read-only" in refused.text
            municipality = sparql.text.splitlines()[1].strip()
            page = client.get(
                municipality.replace(result.info.base_iri, "/"), headers={"Accept": "text/turtle"}
            )
            assert page.status_code == 200, page.text
            answers[name] = (sparql.text, Graph().parse(data=page.text, format="turtle"))
    assert answers["remote"][0] == answers["embedded"][0]
    remote_page, embedded_page = answers["remote"][1], answers["embedded"][1]
    assert len(remote_page) > 5
    # The same page over either back end (describe-hierarchy.rq walks `?this dcterms:isPartOf+ ?node`
    # and its inverse, which both engines evaluate alike; blank nodes are compared by shape, not name).
    ground = lambda page: {t for t in page if not any(isinstance(x, BNode) for x in t)}  # noqa: E731
    assert ground(remote_page) == ground(embedded_page)
    assert len(remote_page) == len(embedded_page)


def test_pages_of_a_hub_hold_the_same_links_over_virtuoso(
    remote_built: tuple[Settings, BuildResult], stores: tuple[RemoteStore, EmbeddedStore]
) -> None:
    """Each back end pages in its own store order; the pages of either hold every link once, in as many pages."""
    settings, result = remote_built
    _, embedded = stores
    hub = str(
        embedded.select(
            IKG + "SELECT ?o (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c ikg:target ?o } "
            "GROUP BY ?o ORDER BY DESC(?n) STR(?o) LIMIT 1"
        )[0]["o"]
    )
    path = "/" + hub[len(result.info.base_iri) :]
    per_page = 3
    links = {}
    for name, config in (("remote", settings), ("embedded", replace(settings, store_backend="embedded"))):
        with TestClient(create_app(replace(config, links_per_page=per_page))) as client:
            pages = follow_pages(client, path)
            assert all(page.status_code == 200 for page in pages), name
            graphs = [Graph().parse(data=page.text, format="turtle") for page in pages]
            on_each = [links_to(graph, hub) for graph in graphs]
            links[name] = (len(pages), set().union(*on_each))
    assert links["remote"] == links["embedded"]
    assert links["remote"][0] == -(-len({s for s, _ in links["remote"][1]}) // per_page) > 2


def test_incremental_load_writes_only_changed_graphs_and_drops_removed_ones(
    virtuoso: Virtuoso, project_copy: Path, tmp_path: Path
) -> None:
    # A base IRI of its own keeps these graphs apart from the other tests' on the same server.
    settings = remote_settings(
        virtuoso, tmp_path / "var", root=project_copy, base_iri="http://example.org/incremental/"
    )
    first = build(settings, QUIET)
    assert first.info.manifest["remote"]["graphs"].keys() == first.info.graphs.keys()
    again = build(settings, QUIET)
    assert again.info.manifest["remote"] == first.info.manifest["remote"]

    documents = sorted((project_copy / "data" / "documents").glob("*.ttl"))
    changed, removed = documents[0], documents[-1]
    changed.write_text(changed.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    removed.unlink()
    lines: list[str] = []

    class Capture(Progress):
        def detail(self, text: str) -> None:
            lines.append(text)

    third = build(settings, Capture(steps=BUILD_STEPS, quiet=True))
    summary = next(line for line in lines if line.startswith("remote:"))
    assert re.match(r"remote: 1 graphs loaded, \d+ unchanged, 1 dropped", summary), summary
    with httpx.Client() as client:
        on_server = server_graphs(client, settings.remote_query_url)
    removed_graph = "http://example.org/incremental/graph/documents/" + removed.stem
    assert removed_graph not in on_server
    remote = open_store(settings)
    assert remote.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == EmbeddedStore(
        third.store_path
    ).select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")


def test_loading_over_sparql_update_without_a_graph_store(virtuoso: Virtuoso, tmp_path: Path) -> None:
    settings = remote_settings(
        virtuoso, tmp_path / "var", base_iri="http://example.org/update/", remote_gsp_url=""
    )
    result = build(settings, QUIET)
    assert result.info.manifest["remote"]["server"] == settings.remote_update_url
    remote, embedded = open_store(settings), EmbeddedStore(result.store_path)
    for query in SAME_ANSWERS[:3]:
        assert remote.query(
            query.replace("https://w3id.org/integration-kg/", "http://example.org/update/")
        ) == embedded.query(query.replace("https://w3id.org/integration-kg/", "http://example.org/update/"))


def test_refused_credentials_fail_the_build_and_keep_the_last_store(
    virtuoso: Virtuoso, project_copy: Path, tmp_path: Path
) -> None:
    settings = remote_settings(
        virtuoso, tmp_path / "var", root=project_copy, base_iri="http://example.org/credentials/"
    )
    good = build(settings, QUIET).store_path
    wrong = replace(settings, remote_password="not-the-password")
    assert build(wrong, QUIET).info.manifest["remote"], (
        "nothing changed: nothing to send, no credentials needed"
    )
    document = sorted((project_copy / "data" / "documents").glob("*.ttl"))[0]
    document.write_text(document.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    good = current_store_path(settings)
    with pytest.raises(BuildFailed, match="remote SPARQL server"):
        build(wrong, QUIET)
    assert current_store_path(settings) == good
    shutil.rmtree(tmp_path / "var", ignore_errors=True)
