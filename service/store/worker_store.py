"""The store a query worker reads: one build's store opened read-only on disk at once, and, when the
graph is small enough, a copy of it in memory that takes over as soon as it is complete.

Why a copy in memory: pyoxigraph on disk pays a RocksDB seek for every step of a property path and a
string lookup for every term it returns; the same queries on its in-memory store run several times faster
(docs/performance.md). The price is memory in every query worker, so the copy is made only up to
`query_memory_triples` (Settings; 0 turns it off).

The copy (service/store/memory_copy.py) is loaded in a background thread that leaves the GIL to the queries most
of the time; until it is complete, queries read the store on disk. Blank-node labels in results may differ
between the two (a label is scoped to one result document anyway).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pyoxigraph as ox

from .memory_copy import COPY_LOADED, copy_fits, load_copy, whole_graph_ntriples
from .sandbox import MemoryLimit
from .seam import OXIGRAPH_FOLDER, BuildInfo

__all__ = ["COPY_LOADED", "OpenedBuild", "WorkerStore", "copies_into_memory", "whole_graph_ntriples"]


def copies_into_memory(store_path: Path, memory_triples: int) -> bool:
    """Whether a query worker copies this build into memory: it has at most memory_triples triples (0: never)
    and its whole-graph N-Triples dump to load the copy from."""
    return copy_fits(store_path, BuildInfo.read(store_path).triples, memory_triples)


class WorkerStore:
    """One build's store as a query worker reads it (see the module docstring).

    `store` is the store to query now: the copy in memory once it is complete, the store on disk
    until then (or for good, when the graph has more than memory_triples triples).
    """

    def __init__(self, store_path: Path, memory_triples: int, memory: MemoryLimit | None = None) -> None:
        self.path = store_path
        self.disk = ox.Store.read_only(str(store_path / OXIGRAPH_FOLDER))
        self._memory: ox.Store | None = None
        self.loader: threading.Thread | None = None
        copies = copies_into_memory(store_path, memory_triples)
        if memory is not None:  # the budget stays on top of the copy
            memory.allow_copy(BuildInfo.read(store_path).triples if copies else 0)
        if copies:
            self.loader = threading.Thread(
                target=self._load_copy,
                args=(BuildInfo.read(store_path).triples,),
                daemon=True,
                name="integration-kg memory copy",
            )
            self.loader.start()

    @property
    def store(self) -> ox.Store:
        return self._memory if self._memory is not None else self.disk

    @property
    def in_memory(self) -> bool:
        return self._memory is not None

    def wait_for_copy(self, timeout: float | None = None) -> bool:
        """Wait until the copy in memory is loaded (or has failed); True when queries now read it."""
        if self.loader is not None:
            self.loader.join(timeout)
        return self.in_memory

    def _load_copy(self, expected_triples: int) -> None:
        self._memory = load_copy(self.path, expected_triples, reader="query worker")


class OpenedBuild:
    """The one build a query worker process has open (its worker loop holds one and hands it to the tasks
    that read a build): opened once, and opening another lets the previous one (and its copy in memory) go."""

    def __init__(self, memory: MemoryLimit | None = None) -> None:
        self.memory = memory
        self._current: WorkerStore | None = None
        self._lock = threading.Lock()

    def store(self, store_path: str, memory_triples: int) -> WorkerStore:
        with self._lock:
            if self._current is None or self._current.path != Path(store_path):
                self._current = None  # free the previous build's copy before loading the next
                self._current = WorkerStore(Path(store_path), memory_triples, self.memory)
            return self._current
