"""Writing a build's embedded store: from every data file, or the previous build's store patched
with the files that changed.

Layout of the store (STORE_LAYOUT): each data file's triples in its own named graph, and their
union once more in the store's default graph. Queries then read the default graph directly. Two
reasons: pyoxigraph's "default graph as union" mode is a bag, not a set (a triple held by two files
answers twice: 122 extra solutions for `?s ?p ?o` at 1 000 synthetic municipalities), and it is
slower (the bench queries at 1 000 municipalities: 1.1–1.4× the time on the default graph). The price
is the triples stored twice.

Blank nodes get stable names here, before anything is written (`stable_blank_nodes`), so the
same files give the same store and the dumps written from it are byte for byte reproducible.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pyoxigraph as ox

from .datafiles import DataFile, is_data_file, parse_file
from .settings import Settings
from .store.seam import OXIGRAPH_FOLDER

STORE_LAYOUT = 2  # 2: the union of the named graphs is materialised in the default graph
DEFAULT_GRAPH = ox.DefaultGraph()
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
"""An RDF term as pyoxigraph gives it (its stubs have no name for the union)."""


def stable_blank_nodes(quads: list[ox.Quad], graph: str, rounds: int = 6) -> list[ox.Quad]:
    """The quads with each blank node renamed after what it says, so that parsing the same file again
    gives the same names. A node's name is a hash of its triples in both directions, with the names
    of neighbouring blank nodes from the previous round (refined a few rounds, so lists and nested
    nodes are told apart); nodes that still look alike are numbered in a stable order. The names
    depend on the file's graph name too, so two files never share a blank node."""
    names = sorted({t.value for q in quads for t in (q.subject, q.object) if isinstance(t, ox.BlankNode)})
    if not names:
        return quads
    signature = {name: "" for name in names}

    def text(term: object) -> str:
        return "_" + signature[term.value] if isinstance(term, ox.BlankNode) else str(term)

    for _ in range(rounds):
        parts: dict[str, list[str]] = {name: [graph] for name in names}
        for q in quads:
            if isinstance(q.subject, ox.BlankNode):
                parts[q.subject.value].append(f"> {q.predicate} {text(q.object)} {q.graph_name}")
            if isinstance(q.object, ox.BlankNode):
                parts[q.object.value].append(f"< {text(q.subject)} {q.predicate} {q.graph_name}")
        signature = {
            name: hashlib.sha256("\n".join(sorted(parts[name])).encode()).hexdigest()[:20] for name in names
        }
    renamed: dict[str, ox.BlankNode] = {}
    seen: dict[str, int] = {}
    for name in sorted(names, key=lambda n: signature[n]):
        count = seen.get(signature[name], 0)
        seen[signature[name]] = count + 1
        renamed[name] = ox.BlankNode(f"b{signature[name]}{'x' + str(count) if count else ''}")

    def move(term: object) -> object:
        return renamed[term.value] if isinstance(term, ox.BlankNode) else term

    return [ox.Quad(move(q.subject), q.predicate, move(q.object), q.graph_name) for q in quads]  # type: ignore[arg-type]


def in_graphs(graphs: Iterable[tuple[str, list[ox.Quad]]]) -> Iterator[ox.Quad]:
    """The store's layout from (graph, its triples as default-graph quads) pairs: each triple in its
    named graph, and once more in the default graph."""
    for graph, triples in graphs:
        name = ox.NamedNode(graph)
        for triple in triples:
            yield ox.Quad(triple.subject, triple.predicate, triple.object, name)
            yield triple


BULK_BATCH = 400_000  # quads per bulk load: one load of 2.9 M quads peaked at 3 GB, batches at 1.3 GB


def write_new_store(store_path: Path, graphs: Iterable[tuple[str, list[ox.Quad]]]) -> ox.Store:
    """A new store at store_path/oxigraph holding each graph's triples in that graph and their union in
    the default graph (bulk loads in batches, to bound memory; `graphs` may be a generator). Returns
    it open for writing."""
    store = ox.Store(str(store_path / OXIGRAPH_FOLDER))
    statements = in_graphs(graphs)
    while batch := list(itertools.islice(statements, BULK_BATCH)):
        store.bulk_extend(batch)
    return store


class StoreWriter:
    """Writes, flushes and compacts a new store in a child process while the build goes on with its
    checks (bulk loading holds the GIL, so a thread would not overlap it).

    The child is a fresh interpreter (`python -m service.build_store`), not a fork: forking a process
    that runs threads (a test client, an open store's background threads) can leave the child waiting
    on a lock forever. It parses the same files with the same functions (parse_file, then
    stable_blank_nodes), so it writes exactly the triples the parent checks."""

    def __init__(self, store_path: Path, files: Iterable[tuple[Path, str]], base_iri: str) -> None:
        job = {"store": str(store_path), "base_iri": base_iri, "files": [[str(p), g] for p, g in files]}
        package_root = str(Path(__file__).resolve().parent.parent)
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "service.build_store"], stdin=subprocess.PIPE, env=env, cwd=package_root
        )
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(job).encode())
        self.process.stdin.close()

    def wait(self) -> None:
        """Return when the store is written; raise OSError when the writer failed."""
        if self.process.wait() != 0:
            raise OSError(
                f"writing the store failed (exit code {self.process.returncode}); see the messages above"
            )

    def cancel(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _write_job(job: dict[str, object]) -> None:
    """The writer's side: parse every file as the build does and write the store."""
    settings = Settings(base_iri=str(job["base_iri"]))

    def parsed() -> Iterator[
        tuple[str, list[ox.Quad]]
    ]:  # one file at a time: the writer's memory stays small
        files = job["files"]
        assert isinstance(files, list)
        for path, graph in files:
            data_file = DataFile(Path(path), graph, "data")
            assert is_data_file(data_file.path)
            yield graph, stable_blank_nodes(parse_file(data_file, settings, in_graph=False), graph)

    finish_store(write_new_store(Path(str(job["store"])), parsed()))


def memory_store(triples_by_graph: Mapping[str, list[ox.Quad]]) -> ox.Store:
    """The union of the graphs in an in-memory store's default graph: what a full build checks quotes
    and validates on while StoreWriter writes the store on disk."""
    store = ox.Store()
    store.bulk_extend(t for triples in triples_by_graph.values() for t in triples)
    return store


def copy_store(previous_path: Path, store_path: Path) -> ox.Store:
    """The previous build's store, copied to store_path/oxigraph as a checkpoint (RocksDB hard-links
    its immutable files, so this takes a moment whatever the size) and opened for writing."""
    previous = ox.Store.read_only(str(previous_path / OXIGRAPH_FOLDER))
    previous.backup(str(store_path / OXIGRAPH_FOLDER))
    del previous
    return ox.Store(str(store_path / OXIGRAPH_FOLDER))


def graph_quads(store: ox.Store, graph: str) -> list[ox.Quad]:
    return list(store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))


def replace_graphs(store: ox.Store, new_triples: Mapping[str, list[ox.Quad]], removed: Iterable[str]) -> None:
    """Patch a copied store: every graph in `new_triples` gets exactly those triples (default-graph quads
    as parsed), every graph in `removed` goes; the default graph follows (a triple leaves it only when
    no graph holds it any more)."""
    touched = set(new_triples) | set(removed)
    old_triples: set[tuple[ox.NamedNode | ox.BlankNode | ox.Triple, ox.NamedNode, Term]] = set()
    for graph in touched:
        for quad in graph_quads(store, graph):
            old_triples.add((quad.subject, quad.predicate, quad.object))
        if store.contains_named_graph(ox.NamedNode(graph)):
            store.remove_graph(ox.NamedNode(graph))
    store.extend(in_graphs(new_triples.items()))
    kept = {(q.subject, q.predicate, q.object) for triples in new_triples.values() for q in triples}
    for subject, predicate, obj in old_triples - kept:
        held = any(
            q.graph_name != DEFAULT_GRAPH for q in store.quads_for_pattern(subject, predicate, obj, None)
        )
        if not held:
            store.remove(ox.Quad(subject, predicate, obj, DEFAULT_GRAPH))


def write_embedded_store(store_path: Path, quads: list[ox.Quad]) -> None:
    """Write quads (each in a named graph) into a new pyoxigraph store at store_path/oxigraph in the
    build's layout (each quad in its graph, their union in the default graph), then compact it."""
    triples: dict[str, list[ox.Quad]] = {}
    for quad in quads:
        assert isinstance(quad.graph_name, ox.NamedNode)
        triples.setdefault(quad.graph_name.value, []).append(
            ox.Quad(quad.subject, quad.predicate, quad.object)
        )
    finish_store(write_new_store(store_path, triples.items()))


def swap_current(settings: Settings, store_path: Path) -> None:
    """Point var/current at a new build atomically (a rename of a fresh symlink): the service serves it
    from its next request on."""
    link = settings.current_store
    temporary = link.with_name(f".current-{os.getpid()}")
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    temporary.symlink_to(store_path.relative_to(link.parent))
    os.replace(temporary, link)


def finish_store(store: ox.Store) -> None:
    """Flush and compact a store the build wrote, then close it (the service opens it read-only)."""
    store.flush()
    store.optimize()
    del store


if __name__ == "__main__":
    try:
        _write_job(json.loads(sys.stdin.buffer.read()))
    except OSError as error:  # a full disk, an unwritable folder: one line, the build says the rest
        print(f"integration-kg build: the store writer stopped: {error}", file=sys.stderr)
        sys.exit(1)
