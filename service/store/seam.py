"""The store seam: what every back end offers, its errors, and what a build folder holds.

Everything above the store (pages, trace, search, the web) talks to a `GraphStore`; the embedded back end
(service/store/embedded.py) and the remote one (service/store/remote.py) implement it. This module is the
bottom of the store package: it imports nothing of the project but the settings and the per-build caches.

A build folder (var/stores/<build id>/) is written by the build (service/build_store.py, service/dumps.py)
and only read here; the names of what it holds are defined here, so the build and the store agree on them
without the store importing the build.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node

from ..settings import Settings
from .build_caches import BuildCaches

# ------------------------------------------------------------------------------------------------
# What a build folder holds
# ------------------------------------------------------------------------------------------------

OXIGRAPH_FOLDER = "oxigraph"
"""The pyoxigraph store of a build (each data file's graph, their union in the default graph)."""
MANIFEST_FILE = "manifest.json"
"""What the build recorded (BuildInfo); written last, so a folder without it is not a complete build."""
DUMPS_FOLDER = "dumps"
"""The build's downloadable dumps (service/dumps.py writes them)."""
WHOLE_GRAPH_NTRIPLES = "integration-kg.nt.gz"
"""The whole graph as gzipped N-Triples, in DUMPS_FOLDER: what a copy in memory is loaded from."""


def current_store_path(settings: Settings) -> Path | None:
    """The folder of the last good build (var/current resolved), or None before the first one."""
    link = settings.current_store
    if not link.exists():
        return None
    return link.resolve()


# ------------------------------------------------------------------------------------------------
# Results
# ------------------------------------------------------------------------------------------------

Row = dict[str, Node]


@dataclass(frozen=True)
class SelectResult:
    """The solutions of a SELECT: the projected variables, in order, and one row per solution."""

    variables: list[str]
    rows: list[Row]


QueryResult = SelectResult | bool | Graph


@dataclass(frozen=True)
class ResultsFormat:
    """A serialisation of SELECT or ASK results that the store writes (pyoxigraph's writers)."""

    name: str
    media_type: str
    suffix: str
    aliases: tuple[str, ...] = ()


SPARQL_JSON = ResultsFormat(
    "json", "application/sparql-results+json", ".srj", ("application/json", "srj", "sparql-results+json")
)
SPARQL_XML = ResultsFormat(
    "xml",
    "application/sparql-results+xml",
    ".srx",
    ("application/xml", "text/xml", "srx", "sparql-results+xml"),
)
SPARQL_CSV = ResultsFormat("csv", "text/csv", ".csv")
SPARQL_TSV = ResultsFormat("tsv", "text/tab-separated-values", ".tsv")
RESULTS_FORMATS: tuple[ResultsFormat, ...] = (SPARQL_JSON, SPARQL_XML, SPARQL_CSV, SPARQL_TSV)
"""The one table of SELECT/ASK results formats (the RDF formats of CONSTRUCT/DESCRIBE are the renderer's)."""


@dataclass(frozen=True)
class PageTriples:
    """One page of a resource's triples, and the counts its pager needs (describe.Description is made
    from it)."""

    known: bool
    """The resource is the subject or the object of a statement (describe-exists.rq)."""
    triples: frozenset[ox.Triple]
    linking: int
    citations_received: int


@dataclass(frozen=True)
class QueryDataset:
    """The SPARQL protocol's dataset: default-graph-uri and named-graph-uri values (IRIs)."""

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


def written(output: bytes | None) -> bytes:
    """What a pyoxigraph writer returns when given no output to write to: always bytes, though its stubs
    say `bytes | None` (None is only for a writer given an output)."""
    assert output is not None
    return output


# ------------------------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------------------------


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


class QueryRefused(QueryError):
    """A query the public endpoint will not run (an update, SERVICE), refused before it runs."""


class WorkerOutOfMemory(QueryError):
    """The task needed more memory than a worker may use (INTEGRATION_KG_WORKER_MEMORY)."""


# ------------------------------------------------------------------------------------------------
# The build and the interface
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildInfo:
    """What the build recorded about the store it wrote (MANIFEST_FILE)."""

    build_id: str
    built_at: str
    base_iri: str
    triples: int
    graphs: dict[str, int]
    files: dict[str, str]  # data file (relative path) → sha256
    manifest: Mapping[str, object]

    @classmethod
    def read(cls, store_path: Path) -> BuildInfo:
        data = json.loads((store_path / MANIFEST_FILE).read_text(encoding="utf-8"))
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

    @property
    def info(self) -> BuildInfo: ...

    @property
    def caches(self) -> BuildCaches:
        """What the layers above derive from this build (pages, counts, the catalogue): dropped when the
        store is closed, so a swapped-out build takes its caches with it."""
        ...

    @property
    def closed(self) -> bool:
        """Whether close() has run: the handle is released and nothing may be read any more."""
        ...

    def query(self, query: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        """Any read-only query: SELECT → SelectResult, ASK → bool, CONSTRUCT/DESCRIBE → Graph."""
        ...

    def select(self, query: str, bindings: Mapping[str, Node] | None = None) -> list[Row]: ...

    def ask(self, query: str, bindings: Mapping[str, Node] | None = None) -> bool: ...

    def construct(self, query: str, bindings: Mapping[str, Node] | None = None) -> Graph: ...

    def read_page(self, iri: str, page: int, per_page: int) -> PageTriples | None:
        """A page of a resource read from the store's own indexes, or None where the back end does not
        have them in this process (the remote store), or too many statements link to the resource: the
        caller then runs the describe queries."""
        ...

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

    def close(self) -> None:
        """Release the handle and drop the caches (the build's owner calls it once no request uses it)."""
        ...
