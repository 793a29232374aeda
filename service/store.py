"""The store seam: one interface over the graph, whichever back end holds it.

`GraphStore` is what the domain (resources, trace, catalogue, SPARQL endpoint) talks to. The
embedded back end is pyoxigraph over a store directory written by the build; the default graph
of every query is the union of the named graphs. Results come back as rdflib terms, the project's
one in-memory RDF model.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node

from .rdfterms import graph_of, to_oxigraph, to_rdflib
from .settings import Settings

Row = dict[str, Node]


@dataclass(frozen=True)
class SelectResult:
    """The solutions of a SELECT: the projected variables, in order, and one row per solution."""

    variables: list[str]
    rows: list[Row]


QueryResult = SelectResult | bool | Graph


class StoreUnavailable(RuntimeError):
    """No built store yet (run `integration-kg build`), or the remote server does not answer."""


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
    def read(cls, store_path: Path) -> "BuildInfo":
        data = json.loads((store_path / "manifest.json").read_text(encoding="utf-8"))
        return cls(build_id=data["build_id"], built_at=data["built_at"], base_iri=data["base_iri"],
                   triples=data["triples"], graphs=data["graphs"], files=data["files"], manifest=data)


class GraphStore(Protocol):
    """What every back end offers. Queries are read-only; the default graph is the union of all graphs."""

    @property
    def info(self) -> BuildInfo: ...

    def query(self, query: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        """Any read-only query: SELECT → SelectResult, ASK → bool, CONSTRUCT/DESCRIBE → Graph."""
        ...

    def select(self, query: str, bindings: Mapping[str, Node] | None = None) -> list[Row]: ...

    def ask(self, query: str, bindings: Mapping[str, Node] | None = None) -> bool: ...

    def construct(self, query: str, bindings: Mapping[str, Node] | None = None) -> Graph: ...


class EmbeddedStore:
    """A pyoxigraph store opened read-only: safe to share between processes and threads."""

    def __init__(self, store_path: Path) -> None:
        self.path = store_path
        self._info = BuildInfo.read(store_path)
        self.oxigraph = ox.Store.read_only(str(store_path / "oxigraph"))

    @property
    def info(self) -> BuildInfo:
        return self._info

    def _run(self, query: str, bindings: Mapping[str, Node] | None):
        substitutions = {ox.Variable(k): to_oxigraph(v) for k, v in (bindings or {}).items()}
        return self.oxigraph.query(query, use_default_graph_as_union=True, substitutions=substitutions or None)

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
    """Write the quads into a new pyoxigraph store at store_path/oxigraph (bulk load, then optimise)."""
    store = ox.Store(str(store_path / "oxigraph"))
    store.bulk_extend(quads)
    store.flush()
    store.optimize()
    del store


def current_store_path(settings: Settings) -> Path | None:
    """The directory of the last good build, or None before the first one."""
    link = settings.current_store
    if not link.exists():
        return None
    return link.resolve()


class CurrentStore:
    """The store of the last good build, reopened when a new build has replaced it.

    The graph is immutable per build: everything derived from it can be keyed by `info.build_id`.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._path: Path | None = None
        self._store: GraphStore | None = None

    def get(self) -> GraphStore:
        path = current_store_path(self.settings)
        if path is None:
            raise StoreUnavailable("no store has been built yet: run `integration-kg build`")
        if path != self._path or self._store is None:
            with self._lock:
                if path != self._path or self._store is None:
                    self._store = open_store(self.settings, path)
                    self._path = path
        return self._store


def open_store(settings: Settings, path: Path | None = None) -> GraphStore:
    """The configured back end over the current build."""
    if settings.store_backend != "embedded":
        raise StoreUnavailable(f"unknown store back end {settings.store_backend!r}")
    path = path or current_store_path(settings)
    if path is None:
        raise StoreUnavailable("no store has been built yet: run `integration-kg build`")
    return EmbeddedStore(path)


def swap_current(settings: Settings, store_path: Path) -> None:
    """Point var/current at a new build atomically (a rename of a fresh symlink)."""
    link = settings.current_store
    temporary = link.with_name(f".current-{os.getpid()}")
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    temporary.symlink_to(store_path.relative_to(link.parent))
    os.replace(temporary, link)
