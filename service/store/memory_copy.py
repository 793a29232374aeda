"""A build's default graph copied into an in-memory pyoxigraph store, loaded from the build's whole-graph
N-Triples dump (dumps/integration-kg.nt.gz, written by the same build).

pyoxigraph's in-memory store answers pattern lookups and queries several times faster than its store on
disk, at a few hundred bytes a triple (docs/performance.md has the figures).
The query workers load one each (service/store/worker_store.py). A copy is used only when it holds exactly
as many triples as the build recorded. It is loaded with pyoxigraph's bulk loader, which gives blank nodes
new labels: a label is scoped to one query result anyway.
"""

from __future__ import annotations

import gzip
import sys
import time
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox

from .seam import DUMPS_FOLDER, WHOLE_GRAPH_NTRIPLES

COPY_LOADED = "triples in memory ("
"""What the log line of a complete copy says, and only it (bench/run.py waits for these lines)."""


def whole_graph_ntriples(store_path: Path) -> Path:
    """The build's N-Triples dump of the whole graph (gzip)."""
    return store_path / DUMPS_FOLDER / WHOLE_GRAPH_NTRIPLES


def copy_fits(store_path: Path, triples: int, limit: int) -> bool:
    """Whether a build of `triples` triples is copied under a limit of `limit` (0: never): it fits and its
    whole-graph dump is there to load the copy from."""
    return 0 < triples <= limit and whole_graph_ntriples(store_path).is_file()


def load_copy(store_path: Path, expected_triples: int, *, reader: str) -> ox.Store | None:
    """The build's default graph in memory, or None (said on stderr, naming `reader`) when the dump cannot be
    read or does not hold the build's triples. Takes seconds: call it from a background thread."""
    started = time.monotonic()
    dump = whole_graph_ntriples(store_path)
    copy = ox.Store()
    try:
        with gzip.open(dump, "rb") as gzipped:
            stream = cast(IO[bytes], gzipped)  # a GzipFile reads bytes; the stubs name only IO
            copy.bulk_load(stream, format=ox.RdfFormat.N_TRIPLES)
    except (OSError, SyntaxError, EOFError) as error:
        print(
            f"integration-kg {reader}: no copy in memory, {dump} could not be read: {error}", file=sys.stderr
        )
        return None
    if len(copy) != expected_triples:
        print(
            f"integration-kg {reader}: no copy in memory, {dump} holds {len(copy)} triples and the store "
            f"{expected_triples}; it keeps reading the store on disk",
            file=sys.stderr,
        )
        return None
    print(
        f"integration-kg {reader}: {expected_triples} {COPY_LOADED}{time.monotonic() - started:.1f} s)",
        file=sys.stderr,
    )
    return copy
