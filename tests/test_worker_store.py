"""The query workers' copy of the graph in memory (service/store/worker_store.py): it holds exactly the
store's default graph, answers every query as the store on disk does, is made only up to the
configured size, and is refused (queries stay on disk) when the dump it is loaded from is damaged.
Through HTTP: the service answers the same with and without it, and opens each build in its workers
when it starts."""

from __future__ import annotations

import gzip
import json
import shutil
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import project_settings
from fastapi.testclient import TestClient
from rdflib import Graph
from rdflib.compare import isomorphic

from service.app import create_app
from service.build import BuildResult
from service.rdfterms import graph_of
from service.settings import PROJECT_ROOT, Settings
from service.store import ResultTooLarge
from service.store.query_workers import QueryWorkers
from service.store.worker_store import OpenedBuild, WorkerStore, whole_graph_ntriples
from service.store.worker_tasks import execute_query, prepare_store

BENCH_QUERIES = PROJECT_ROOT.parent / "shared" / "bench" / "queries"
QUERIES = {
    "types": "SELECT ?type (COUNT(*) AS ?n) WHERE { ?s a ?type } GROUP BY ?type",
    "paths": """PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?part ?whole WHERE { ?part dcterms:isPartOf+ ?whole }""",
    "labels": """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?s ?label WHERE { ?s skos:prefLabel ?label FILTER(LANG(?label) = "sv") }""",
    "ask": "ASK { ?s ?p ?o FILTER(isBlank(?o)) }",
}


def solutions(store: ox.Store, query: str) -> object:
    """A query's answer as comparable data: a multiset of rows (blank nodes as such, not by label)."""
    result = store.query(query)
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    rows = [
        tuple("_:" if isinstance(s[v], ox.BlankNode) else str(s[v]) for v in result.variables) for s in result
    ]
    return sorted(rows)


def default_graph(store: ox.Store) -> Graph:
    return graph_of(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))


@pytest.fixture(scope="module")
def copied(built: BuildResult) -> WorkerStore:
    worker = WorkerStore(built.store_path, memory_triples=10_000_000)
    assert worker.wait_for_copy(timeout=120)
    return worker


def test_the_copy_in_memory_is_the_stores_default_graph(copied: WorkerStore) -> None:
    assert copied.in_memory and copied.store is not copied.disk
    assert len(copied.store) == len(list(copied.disk.quads_for_pattern(None, None, None, ox.DefaultGraph())))
    assert isomorphic(default_graph(copied.store), default_graph(copied.disk))


def test_every_query_answers_as_on_disk(copied: WorkerStore) -> None:
    queries = dict(QUERIES)
    queries.update({p.stem: p.read_text(encoding="utf-8") for p in sorted(BENCH_QUERIES.glob("*.rq"))})
    assert len(queries) > len(QUERIES), f"no bench queries in {BENCH_QUERIES}"
    for name, query in queries.items():
        assert solutions(copied.store, query) == solutions(copied.disk, query), name


def test_no_copy_above_the_configured_size(built: BuildResult) -> None:
    triples = json.loads((built.store_path / "manifest.json").read_text(encoding="utf-8"))["triples"]
    for limit in (0, triples - 1):
        worker = WorkerStore(built.store_path, memory_triples=limit)
        assert worker.loader is None and not worker.wait_for_copy() and worker.store is worker.disk
    assert WorkerStore(built.store_path, memory_triples=triples).wait_for_copy(timeout=120)


def damaged_copy(built: BuildResult, tmp_path: Path, damage: str) -> Path:
    """A copy of the build whose whole-graph N-Triples dump is truncated or missing a triple."""
    store_path = tmp_path / built.store_path.name
    shutil.copytree(built.store_path, store_path)
    dump = whole_graph_ntriples(store_path)
    text = gzip.decompress(dump.read_bytes())
    if damage == "truncated":
        dump.write_bytes(gzip.compress(text)[: len(gzip.compress(text)) // 2])
    else:  # a triple fewer than the store
        lines = text.splitlines(keepends=True)
        dump.write_bytes(gzip.compress(b"".join(lines[:-1])))
    return store_path


@pytest.mark.parametrize("damage", ["truncated", "a triple short"])
def test_a_damaged_dump_leaves_the_queries_on_disk(
    built: BuildResult, tmp_path: Path, damage: str, capfd: pytest.CaptureFixture[str]
) -> None:
    worker = WorkerStore(damaged_copy(built, tmp_path, damage), memory_triples=10_000_000)
    assert not worker.wait_for_copy(timeout=120)
    assert worker.store is worker.disk
    assert "no copy in memory" in capfd.readouterr().err
    assert solutions(worker.store, QUERIES["types"]) == solutions(
        ox.Store.read_only(str(built.store_path / "oxigraph")), QUERIES["types"]
    )


def test_every_worker_opens_a_build_when_asked(built: BuildResult) -> None:
    workers = QueryWorkers(2)
    try:
        answered = workers.broadcast(
            prepare_store, {"store_path": str(built.store_path), "memory_triples": 0}, time.monotonic() + 60
        )
        assert answered == 2
    finally:
        workers.close()


def sparql(client: TestClient, query: str) -> dict[str, object]:
    response = client.post(
        "/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200, response.text
    return response.json()


def rows(answer: dict[str, object]) -> list[str]:
    bindings = answer["results"]["bindings"]  # type: ignore[index]
    return sorted(json.dumps(b, sort_keys=True) for b in bindings)


def test_the_service_answers_the_same_with_and_without_the_copy(settings: Settings) -> None:
    """The copy holds the default graph only: queries that read named graphs (GRAPH, FROM, the
    protocol's dataset) must still see them."""
    queries = [
        (BENCH_QUERIES / "matrix.rq").read_text(encoding="utf-8"),
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    ]
    answers: list[list[list[str]]] = []
    for memory_triples in (0, 10_000_000):
        app = create_app(
            project_settings(settings.store_dir, query_cache_bytes=0, query_memory_triples=memory_triples)
        )
        with TestClient(app) as client:  # the lifespan opens the build in every query worker
            for _ in range(2):
                answers.append([rows(sparql(client, query)) for query in queries])
    assert all(answers[0]) and all(answer == answers[0] for answer in answers)


def test_the_row_limit_counts_rows_not_line_breaks(built: BuildResult) -> None:
    """A line break inside a value is not a row, though CSV writes it as one (service/store/worker_tasks.ROW_MARKS)."""
    query = 'SELECT ?x ?y WHERE { VALUES (?x ?y) { ("a\\nb" 1) ("c\\r\\nd\\n" UNDEF) } }'
    for memory_triples in (0, 10_000_000):
        opened = OpenedBuild()
        answer = json.loads(
            execute_query(
                str(built.store_path),
                query,
                "application/sparql-results+json",
                None,
                None,
                max_results=2,
                memory_triples=memory_triples,
                default_graph_only=True,
                opened=opened,
            )
        )
        assert [b["x"]["value"] for b in answer["results"]["bindings"]] == ["a\nb", "c\r\nd\n"]
        with pytest.raises(ResultTooLarge, match="more than 1 rows"):
            execute_query(
                str(built.store_path),
                query,
                "text/csv",
                None,
                None,
                max_results=1,
                memory_triples=memory_triples,
                default_graph_only=True,
                opened=opened,
            )
