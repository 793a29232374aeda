"""The store seam: one interface over the graph, whichever back end holds it.

`GraphStore` is what the domain (resources, trace, catalogue, SPARQL endpoint) talks to. The
embedded back end is pyoxigraph over a store directory written by the build; the default graph
of every query is the union of the named graphs (materialised by the build: service/build_store.py). Results come back as rdflib terms, the project's
one in-memory RDF model.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node

from .describe_index import IndexReader
from .memory_copy import copy_fits, load_copy
from .rdfterms import graph_of, to_oxigraph, to_rdflib
from .settings import Settings

if TYPE_CHECKING:
    import anyio

    from .sparql import QueryLanes, QueryWorkers

Row = dict[str, Node]


@dataclass(frozen=True)
class SelectResult:
    """The solutions of a SELECT: the projected variables, in order, and one row per solution."""

    variables: list[str]
    rows: list[Row]


QueryResult = SelectResult | bool | Graph


class StoreUnavailable(RuntimeError):
    """No built store yet (run `integration-kg build`), or the remote server does not answer."""


class QueryError(Exception):
    """A user query that cannot be answered; `status` is the HTTP status that says why."""

    def __init__(
        self, message: str, *, status: int = 400, line: int | None = None, column: int | None = None
    ) -> None:
        super().__init__(message)
        self.message, self.status, self.line, self.column = message, status, line, column


class QuerySyntaxError(QueryError):
    """The query does not parse; line and column say where, when the parser knows."""


class QueryTimeout(QueryError):
    """The query ran past its time limit and was stopped."""


class ResultTooLarge(QueryError):
    """The query's result has more rows or triples than the limit."""


class StoreBusy(QueryError):
    """No capacity to run the query before its deadline."""


@dataclass(frozen=True)
class QueryDataset:
    """The SPARQL protocol's dataset: default-graph-uri and named-graph-uri values (IRIs)."""

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


@dataclass(frozen=True)
class BuildInfo:
    """What the build recorded about the store it wrote (manifest.json)."""

    build_id: str
    built_at: str
    base_iri: str
    triples: int
    graphs: dict[str, int]
    files: dict[str, str]  # data file (relative path) → sha256
    manifest: Mapping[str, object]

    @classmethod
    def read(cls, store_path: Path) -> BuildInfo:
        data = json.loads((store_path / "manifest.json").read_text(encoding="utf-8"))
        return cls(
            build_id=data["build_id"],
            built_at=data["built_at"],
            base_iri=data["base_iri"],
            triples=data["triples"],
            graphs=data["graphs"],
            files=data["files"],
            manifest=data,
        )


class GraphStore(Protocol):
    """What every back end offers. Queries are read-only; the default graph is the union of all graphs."""

    index: IndexReader | None
    """Pages of resources read from the store's own indexes, when the back end has them in this process
    (the embedded store); None where every page comes from the describe queries (service/describe.py)."""

    @property
    def info(self) -> BuildInfo: ...

    def query(self, query: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        """Any read-only query: SELECT → SelectResult, ASK → bool, CONSTRUCT/DESCRIBE → Graph."""
        ...

    def select(self, query: str, bindings: Mapping[str, Node] | None = None) -> list[Row]: ...

    def ask(self, query: str, bindings: Mapping[str, Node] | None = None) -> bool: ...

    def construct(self, query: str, bindings: Mapping[str, Node] | None = None) -> Graph: ...

    async def run_bounded(
        self,
        query: str,
        *,
        result_format: str,
        dataset: QueryDataset | None,
        timeout: float,
        max_results: int,
    ) -> bytes:
        """Run a user's read-only query within a time limit and serialise the result.

        result_format is a media type: a SPARQL results format for SELECT/ASK, an RDF format for
        CONSTRUCT/DESCRIBE. dataset None means the query's own FROM clauses or, without them, the union
        of all named graphs as default graph. Raises QueryError (QuerySyntaxError, QueryTimeout,
        ResultTooLarge, StoreBusy). The work stops at the time limit; it never blocks the event loop.
        """
        ...


class EmbeddedStore:
    """A pyoxigraph store opened read-only: safe to share between processes and threads.

    User queries (`run_bounded`) run in worker processes (service.sparql.QueryWorkers) that open the
    same store read-only, and copy it into memory when it has at most `memory_triples` triples
    (service/worker_store.py); the store's own queries (`query`, `select`, …) run in this process. Pages
    (`index`) are read in this process too: from a copy in memory once it has loaded, when the graph has at
    most `page_memory_triples` triples (service/memory_copy.py), else from the store on disk.
    """

    def __init__(
        self,
        store_path: Path,
        workers: QueryWorkers | None = None,
        *,
        lanes: QueryLanes | None = None,
        memory_triples: int = 0,
        page_memory_triples: int = 0,
    ) -> None:
        self.path = store_path
        self._info = BuildInfo.read(store_path)
        self.oxigraph = ox.Store.read_only(str(store_path / "oxigraph"))
        self.index: IndexReader | None = IndexReader(self.oxigraph, self._info.base_iri)
        self._workers = workers
        self._lanes: QueryLanes | None = lanes
        self._own_workers = False
        self.memory_triples = memory_triples
        self.page_copy: threading.Thread | None = None
        """Loads the copy in memory that pages are read from (page_memory_triples), if the graph fits."""
        if copy_fits(store_path, self._info.triples, page_memory_triples):
            self.page_copy = threading.Thread(
                target=self._read_pages_from_memory, daemon=True, name="integration-kg page copy"
            )
            self.page_copy.start()

    def _read_pages_from_memory(self) -> None:
        """Load the copy and hand it to the page reader. Until then, and for good if it fails, pages are read
        from the store on disk; both hold the same statements under the same blank-node labels, so what the
        reader remembered stays true and a page reads the same before and after."""
        copy = load_copy(self.path, self._info.triples, reader="page reader", keep_blank_labels=True)
        if copy is not None and self.index is not None:
            self.index.store = copy

    @property
    def pages_in_memory(self) -> bool:
        """Whether pages are now read from a copy in memory."""
        return self.index is not None and self.index.store is not self.oxigraph

    @property
    def info(self) -> BuildInfo:
        return self._info

    def _run(self, query: str, bindings: Mapping[str, Node] | None):
        substitutions = {ox.Variable(k): to_oxigraph(v) for k, v in (bindings or {}).items()}
        return self.oxigraph.query(query, substitutions=substitutions or None)

    def query(self, query: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        result = self._run(query, bindings)
        if isinstance(result, ox.QuerySolutions):
            return _select_result(result)
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        return graph_of(result)

    def select(self, query: str, bindings: Mapping[str, Node] | None = None) -> list[Row]:
        return _select_result(self._run(query, bindings)).rows

    def ask(self, query: str, bindings: Mapping[str, Node] | None = None) -> bool:
        return bool(self._run(query, bindings))

    def construct(self, query: str, bindings: Mapping[str, Node] | None = None) -> Graph:
        return graph_of(self._run(query, bindings))

    @property
    def workers(self) -> QueryWorkers:
        if self._workers is None:
            from .sparql import QueryWorkers

            self._workers, self._own_workers = QueryWorkers(1), True
        return self._workers

    async def run_bounded(
        self,
        query: str,
        *,
        result_format: str,
        dataset: QueryDataset | None,
        timeout: float,
        max_results: int,
    ) -> bytes:
        import anyio

        from .sparql import check_off_loop

        checked = await check_off_loop(query)
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
        return await anyio.to_thread.run_sync(
            self.lanes.run, self.workers, checked.shape, kwargs, deadline, limiter=_query_limiter()
        )

    @property
    def lanes(self) -> QueryLanes:
        """The lanes of the query workers (shared by every build, like the workers)."""
        if self._lanes is None:
            from .sparql import QueryLanes

            self._lanes = QueryLanes(self.workers.size)
        return self._lanes

    def prepare_workers(self, timeout: float = 30.0) -> int:
        """Open this build in every query worker now and start their copies in memory, so the first
        queries need not wait (blocking: the service calls it from a thread). Returns how many did."""
        from .sparql import prepare_store

        return self.workers.broadcast(
            prepare_store,
            {"store_path": str(self.path), "memory_triples": self.memory_triples},
            time.monotonic() + timeout,
        )

    def close(self) -> None:
        if self._own_workers and self._workers is not None:
            self._workers.close()


_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def _query_limiter() -> anyio.CapacityLimiter:
    """Threads that wait for query workers come from their own small pool (one per event loop), never
    from the one that serves pages, so waiting queries cannot starve IRI lookups."""
    import anyio

    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = anyio.CapacityLimiter(16)
    return limiter


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


def write_embedded_store(store_path: Path, quads: list[ox.Quad]) -> None:
    """Write quads (each in a named graph) into a new pyoxigraph store at store_path/oxigraph in the
    build's layout (each quad in its graph, their union in the default graph), then compact it."""
    from .build_store import finish_store, write_new_store

    triples: dict[str, list[ox.Quad]] = {}
    for quad in quads:
        triples.setdefault(quad.graph_name.value, []).append(
            ox.Quad(quad.subject, quad.predicate, quad.object)
        )
    finish_store(write_new_store(store_path, triples.items()))


def current_store_path(settings: Settings) -> Path | None:
    """The directory of the last good build, or None before the first one."""
    link = settings.current_store
    if not link.exists():
        return None
    return link.resolve()


def _link_stamp(link: Path) -> tuple[int, int, int] | None:
    """What tells one var/current link from the next: its device, inode and change time (None: no link)."""
    try:
        found = os.lstat(link)
    except OSError:
        return None
    return (found.st_dev, found.st_ino, found.st_ctime_ns)


class CurrentStore:
    """The store of the last good build, reopened when a new build has replaced it.

    The graph is immutable per build: everything derived from it can be keyed by `info.build_id`.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._path: Path | None = None
        self._link_stamp: tuple[int, int, int] | None = None
        self._store: GraphStore | None = None
        self._workers: QueryWorkers | None = None
        self._validators: QueryWorkers | None = None
        self._lanes: QueryLanes | None = None
        self._serving = False

    @property
    def workers(self) -> QueryWorkers:
        """The query worker processes, shared by every build this service opens."""
        if self._workers is None:
            from .sparql import QueryWorkers

            self._workers = QueryWorkers(self.settings.query_workers)
        return self._workers

    @property
    def lanes(self) -> QueryLanes:
        """Which queries may take which query workers (service/sparql.py: QueryLanes), across builds."""
        if self._lanes is None:
            from .sparql import QueryLanes

            self._lanes = QueryLanes(self.workers.size)
        return self._lanes

    @property
    def validators(self) -> QueryWorkers:
        """The process that validates posted RDF (/validate): its own pool, so validations never hold up
        queries, and queries never hold up validations."""
        if self._validators is None:
            from .sparql import QueryWorkers

            self._validators = QueryWorkers(1, role="validation")
        return self._validators

    def close(self) -> None:
        if self._workers is not None:
            self._workers.close()
        if self._validators is not None:
            self._validators.close()

    def start(self) -> None:
        """From the service's start on, each build it opens is opened in the query workers at once
        (in a background thread), not at their first query, and copied into memory for its pages
        (page_memory_triples). A command that opens a store for one query does neither."""
        self._serving = True
        try:
            self.get()
        except StoreUnavailable:
            pass

    def get(self) -> GraphStore:
        """The current build's store. Every request asks, so the usual answer costs one lstat of
        var/current: a new build replaces the link (swap_current), which changes its inode."""
        stamp = _link_stamp(self.settings.current_store)
        store = self._store
        if store is not None and stamp is not None and stamp == self._link_stamp:
            return store
        path = current_store_path(self.settings)
        if path is None:
            raise StoreUnavailable("no store has been built yet: run `integration-kg build`")
        with self._lock:
            if path != self._path or self._store is None:
                self._store = open_store(
                    self.settings,
                    path,
                    workers=self.workers,
                    lanes=self.lanes,
                    pages_in_memory=self._serving,
                )
                self._path = path
                if self._serving and isinstance(self._store, EmbeddedStore):
                    threading.Thread(
                        target=self._store.prepare_workers,
                        daemon=True,
                        name="integration-kg prepare query workers",
                    ).start()
            self._link_stamp = stamp
            return self._store


def open_store(
    settings: Settings,
    path: Path | None = None,
    *,
    workers: QueryWorkers | None = None,
    lanes: QueryLanes | None = None,
    pages_in_memory: bool = False,
) -> GraphStore:
    """The configured back end over the current build (workers: the processes that run user queries;
    pages_in_memory: copy the graph into memory for reading pages, up to settings.page_memory_triples, which
    only a serving process gains from)."""
    if settings.store_backend not in ("embedded", "remote"):
        raise StoreUnavailable(f"unknown store back end {settings.store_backend!r} (embedded or remote)")
    path = path or current_store_path(settings)
    if path is None:
        raise StoreUnavailable("no store has been built yet: run `integration-kg build`")
    if settings.store_backend == "remote":
        from .remote_store import RemoteStore

        return RemoteStore(settings, path)
    return EmbeddedStore(
        path,
        workers=workers,
        lanes=lanes,
        memory_triples=settings.query_memory_triples,
        page_memory_triples=settings.page_memory_triples if pages_in_memory else 0,
    )


def copies_pages_into_memory(store_path: Path, page_memory_triples: int) -> bool:
    """Whether a serving process copies this build into memory for its pages (at most page_memory_triples
    triples, and a whole-graph dump to load the copy from)."""
    return copy_fits(store_path, BuildInfo.read(store_path).triples, page_memory_triples)


def swap_current(settings: Settings, store_path: Path) -> None:
    """Point var/current at a new build atomically (a rename of a fresh symlink)."""
    link = settings.current_store
    temporary = link.with_name(f".current-{os.getpid()}")
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    temporary.symlink_to(store_path.relative_to(link.parent))
    os.replace(temporary, link)
