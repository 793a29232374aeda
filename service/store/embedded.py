"""The embedded back end: pyoxigraph over a build folder, opened read-only.

The default graph of every query is the union of the named graphs (the build writes that union into the
store's default graph: service/build_store.py). Results come back as rdflib terms, the project's one
in-memory RDF model.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

import anyio
import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node

from ..rdfterms import graph_of, to_oxigraph, to_rdflib
from .build_caches import BuildCaches
from .index_reader import IndexReader
from .seam import (
    OXIGRAPH_FOLDER,
    BuildInfo,
    PageTriples,
    QueryDataset,
    QueryResult,
    Row,
    SelectResult,
    StoreUnavailable,
)
from .worker_pools import WorkerPools
from .worker_tasks import prepare_store


class EmbeddedStore:
    """A pyoxigraph store opened read-only: safe to share between processes and threads.

    User queries (`run_bounded`) run in the query worker processes of `pools` (service/store/worker_pools.py),
    which open the same store read-only and copy it into memory when it has at most `memory_triples` triples
    (service/store/worker_store.py); the store's own queries (`query`, `select`, …) run in this process. Pages
    (`read_page`) are read in this process too, from the store on disk (service/store/index_reader.py).
    Without `pools` (a command, a test) the store starts a pool of one query worker of its own on first use.
    """

    def __init__(
        self,
        store_path: Path,
        pools: WorkerPools | None = None,
        *,
        memory_triples: int = 0,
    ) -> None:
        self.path = store_path
        self._info = BuildInfo.read(store_path)
        self._oxigraph: ox.Store | None = ox.Store.read_only(str(store_path / OXIGRAPH_FOLDER))
        self.index: IndexReader | None = IndexReader(self._oxigraph, self._info.base_iri)
        self._caches = BuildCaches()
        self._pools = pools
        self._own_pools: WorkerPools | None = None
        self.memory_triples = memory_triples

    @property
    def oxigraph(self) -> ox.Store:
        """The store on disk; StoreUnavailable once this build has been closed."""
        if self._oxigraph is None:
            raise StoreUnavailable(f"the build {self._info.build_id} has been closed")
        return self._oxigraph

    @property
    def info(self) -> BuildInfo:
        return self._info

    @property
    def caches(self) -> BuildCaches:
        return self._caches

    @property
    def closed(self) -> bool:
        return self._oxigraph is None

    def _run(self, query: str, bindings: Mapping[str, Node] | None) -> object:
        substitutions: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {
            ox.Variable(k): to_oxigraph(v) for k, v in (bindings or {}).items()
        }
        return self.oxigraph.query(query, substitutions=substitutions or None)

    def query(self, query: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        result = self._run(query, bindings)
        if isinstance(result, ox.QuerySolutions):
            return _select_result(result)
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        assert isinstance(result, ox.QueryTriples)
        return graph_of(result)

    def select(self, query: str, bindings: Mapping[str, Node] | None = None) -> list[Row]:
        result = self._run(query, bindings)
        assert isinstance(result, ox.QuerySolutions)
        return _select_result(result).rows

    def ask(self, query: str, bindings: Mapping[str, Node] | None = None) -> bool:
        return bool(self._run(query, bindings))

    def construct(self, query: str, bindings: Mapping[str, Node] | None = None) -> Graph:
        result = self._run(query, bindings)
        assert isinstance(result, ox.QueryTriples)
        return graph_of(result)

    def read_page(self, iri: str, page: int, per_page: int) -> PageTriples | None:
        index = self.index
        if index is None:
            raise StoreUnavailable(f"the build {self._info.build_id} has been closed")
        return index.read_page(iri, page, per_page)

    @property
    def pools(self) -> WorkerPools:
        """The worker processes user queries run in: the service's, or (without) one query worker of its own."""
        if self._pools is not None:
            return self._pools
        if self._own_pools is None:
            self._own_pools = WorkerPools(1)
        return self._own_pools

    async def run_bounded(
        self,
        query: str,
        *,
        result_format: str,
        dataset: QueryDataset | None,
        timeout: float,
        max_results: int,
    ) -> bytes:
        pools = self.pools
        checked = await pools.checker.check(query)
        deadline = time.monotonic() + timeout
        kwargs = {
            "store_path": str(self.path),
            "query": checked.text,
            "media_type": result_format,
            "default_graphs": dataset.default_graphs if dataset else None,
            "named_graphs": dataset.named_graphs if dataset else None,
            "max_results": max_results,
            "memory_triples": self.memory_triples,
            "default_graph_only": checked.default_graph_only,
        }
        result: bytes = await anyio.to_thread.run_sync(
            pools.lanes.run,
            pools.queries,
            checked.shape,
            kwargs,
            deadline,
            limiter=pools.query_threads.current(),
        )
        return result

    def prepare_workers(self, timeout: float = 30.0) -> int:
        """Open this build in every query worker now and start their copies in memory, so the first
        queries need not wait (blocking: the service calls it from a thread). Returns how many did."""
        return self.pools.queries.broadcast(
            prepare_store,
            {"store_path": str(self.path), "memory_triples": self.memory_triples},
            time.monotonic() + timeout,
        )

    def close(self) -> None:
        """Release the RocksDB handle, the page reader and every cache of this build."""
        self._caches.close()
        self.index = None
        self._oxigraph = None
        if self._own_pools is not None:
            self._own_pools.close()


def _select_result(solutions: ox.QuerySolutions) -> SelectResult:
    names = [v.value for v in solutions.variables]
    rows: list[Row] = []
    for solution in solutions:
        row: Row = {}
        for name in names:
            term = solution[name]
            if term is not None:
                row[name] = to_rdflib(term)
        rows.append(row)
    return SelectResult(names, rows)
