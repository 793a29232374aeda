"""Loading a build into a remote SPARQL 1.1 server (the remote back end, service/store/remote.py):
the Graph Store Protocol (PUT/POST of N-Triples per named graph) or, without a GSP address, SPARQL 1.1 Update
in chunks. Writing the graph belongs to the build; the store only reads what the build loaded.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import httpx
import pyoxigraph as ox
from rdflib import URIRef

from .settings import Settings
from .store.remote import N_TRIPLES, RemoteQueryError, client_for, server_graphs, server_message, sparql_term
from .store.seam import written

LOAD_TIMEOUT = 600.0
GSP_CHUNK = 200_000  # triples per Graph Store Protocol request
UPDATE_CHUNK = (
    500  # triples per INSERT: Virtuoso refuses one whose SQL exceeds 10 000 lines (1 450 triples did)
)


@dataclass
class LoadReport:
    """What a remote load did: graphs written, left as they were, and removed."""

    loaded: list[str]
    kept: list[str]
    dropped: list[str]
    seconds: float


def graph_keys(
    quads_by_graph: Mapping[str, Iterable[ox.Quad]], file_hashes: Mapping[str, list[str]], base_iri: str
) -> dict[str, str]:
    """A key per graph that changes when any file feeding it (or the base IRI) changes."""
    keys = {}
    for graph in quads_by_graph:
        digest = hashlib.sha256(base_iri.encode())
        for sha in sorted(file_hashes.get(graph, [])):
            digest.update(sha.encode())
        keys[graph] = digest.hexdigest()
    return keys


def load_remote(
    settings: Settings,
    quads_by_graph: Mapping[str, list[ox.Quad]],
    keys: Mapping[str, str],
    previous: Mapping[str, object] | None,
) -> tuple[LoadReport, dict[str, object]]:
    """Bring the server's named graphs in line with this build: write the graphs that changed, drop
    the ones that are gone. A graph is left alone only when its key is the one recorded by the previous
    remote load to the same server and the server still holds as many triples in it as expected.

    Returns the report and the record for the manifest (`remote`: server, graph keys).
    """
    started = time.perf_counter()
    target = settings.remote_gsp_url or settings.remote_update_url
    if not target:
        raise ValueError(
            "the remote back end needs INTEGRATION_KG_REMOTE_GSP_URL or INTEGRATION_KG_REMOTE_UPDATE_URL to load"
        )
    expected = {
        g: len({(q.subject, q.predicate, q.object) for q in quads}) for g, quads in quads_by_graph.items()
    }
    old_keys: Mapping[str, str] = {}
    if previous and previous.get("server") == target and isinstance(previous.get("graphs"), dict):
        old_keys = previous["graphs"]  # type: ignore[assignment]
    loaded, kept, dropped = [], [], []
    with client_for(settings, LOAD_TIMEOUT) as client:
        on_server = server_graphs(client, settings.remote_query_url)
        for graph, quads in quads_by_graph.items():
            if old_keys.get(graph) == keys[graph] and on_server.get(graph) == expected[graph]:
                kept.append(graph)
                continue
            if settings.remote_gsp_url:
                _put_graph(client, settings.remote_gsp_url, graph, quads)
            else:
                _update_graph(client, settings.remote_update_url, graph, quads)
            loaded.append(graph)
        for graph in sorted(set(old_keys) - set(quads_by_graph)):
            if graph in on_server:
                _drop_graph(client, settings, graph)
                dropped.append(graph)
    record: dict[str, object] = {"server": target, "graphs": dict(keys)}
    return LoadReport(loaded, kept, dropped, time.perf_counter() - started), record


def _check(response: httpx.Response, what: str) -> None:
    if response.status_code >= 300:
        raise RemoteQueryError(f"{what}: HTTP {response.status_code}: {server_message(response)}")


def _ntriples(quads: list[ox.Quad]) -> bytes:
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    return written(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))


def _chunk(quads: list[ox.Quad], size: int) -> int:
    """Chunk size for a graph: all of it in one request when it has blank nodes, which a server
    scopes to one request (a blank node split over two would become two)."""
    if any(isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode) for q in quads):
        return max(len(quads), 1)
    return size


def _put_graph(client: httpx.Client, gsp_url: str, graph: str, quads: list[ox.Quad]) -> None:
    """PUT replaces the graph with the first chunk, POST adds the rest (Graph Store Protocol)."""
    params = {"graph": graph}
    headers = {"Content-Type": N_TRIPLES}
    if not quads:
        _check(client.put(gsp_url, params=params, content=b"", headers=headers), f"PUT {graph}")
        return
    for start in range(0, len(quads), _chunk(quads, GSP_CHUNK)):
        body = _ntriples(quads[start : start + _chunk(quads, GSP_CHUNK)])
        method = client.put if start == 0 else client.post
        _check(method(gsp_url, params=params, content=body, headers=headers), f"loading {graph}")


def _update_graph(client: httpx.Client, update_url: str, graph: str, quads: list[ox.Quad]) -> None:
    """SPARQL Update: CLEAR the graph, then INSERT DATA in chunks."""
    name = sparql_term(URIRef(graph))
    _check(client.post(update_url, data={"update": f"CLEAR SILENT GRAPH {name}"}), f"clearing {graph}")
    size = _chunk(quads, UPDATE_CHUNK)
    for start in range(0, len(quads), size):
        triples = _ntriples(quads[start : start + size]).decode("utf-8")
        # INSERT … WHERE {} rather than INSERT DATA: Virtuoso refuses blank nodes in INSERT DATA.
        update = f"INSERT {{ GRAPH {name} {{\n{triples}}} }} WHERE {{ }}"
        _check(client.post(update_url, data={"update": update}), f"loading {graph}")


def _drop_graph(client: httpx.Client, settings: Settings, graph: str) -> None:
    if settings.remote_gsp_url:
        response = client.delete(settings.remote_gsp_url, params={"graph": graph})
        if response.status_code != 404:
            _check(response, f"DELETE {graph}")
        return
    name = sparql_term(URIRef(graph))
    _check(
        client.post(settings.remote_update_url, data={"update": f"DROP SILENT GRAPH {name}"}),
        f"dropping {graph}",
    )
