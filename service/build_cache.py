"""The build's cache of validation outcomes, so that an unchanged file is not validated again.

A validation unit (the shared context, or one document file with the context it needs: frameworks,
agents, catalog, and only the municipality files whose resources it references or that reference
its resources) is validated with pyshacl, which is by far the slowest step of a build. Its outcome
depends only on the unit's own files, exactly those context files, the shapes, the ontology and the
base IRI; the cache key is a hash over
all of them, so any change to one of them misses the cache and validates again. Entries live under
`{store_dir}/cache/validation/` as JSON (results and the SHACL report graph as N-Triples) and are
written atomically; a damaged entry counts as a miss.

Units that miss are validated in parallel in worker processes (forked, so the shapes, ontology and
context graphs are shared with the parent without pickling them).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path

from rdflib import Graph, URIRef

from .validation import ValidationReport, ValidationResult, validate_graph

CACHE_VERSION = "2"  # 2: a documents unit's context is the files it references, not all of them
PARALLEL_FROM = 4  # units; below this, worker processes cost more than they save


def folder_digest(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def unit_key(*, own: Sequence[str], context: Sequence[str], shapes: str, ontology: str, base_iri: str) -> str:
    """The cache key of one unit: its files' hashes, the context's, the shapes', the ontology's, the base IRI."""
    digest = hashlib.sha256(f"v{CACHE_VERSION}\n{base_iri}\n{shapes}\n{ontology}\n".encode())
    digest.update(("own:" + ",".join(own) + "\ncontext:" + ",".join(sorted(context))).encode())
    return digest.hexdigest()


class ValidationCache:
    """Validation outcomes by unit key, on disk."""

    def __init__(self, store_dir: Path) -> None:
        self.folder = store_dir / "cache" / "validation"
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> ValidationReport | None:
        path = self.folder / f"{key}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            graph = Graph()
            if data["report"]:
                graph.parse(data=data["report"], format="nt")
            report = ValidationReport(conforms=data["conforms"], results=[ValidationResult(**r) for r in data["results"]],
                                      graph=graph, checked_shapes=data["checked_shapes"])
        except (OSError, ValueError, KeyError, TypeError):
            self.misses += 1
            return None
        self.hits += 1
        return report

    def put(self, key: str, report: ValidationReport) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        data = {"conforms": report.conforms, "results": [asdict(r) for r in report.results],
                "checked_shapes": report.checked_shapes, "report": report.graph.serialize(format="nt")}
        temporary = self.folder / f".{key}.{os.getpid()}.tmp"
        temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, self.folder / f"{key}.json")

    def prune(self, keep: set[str]) -> None:
        """Drop entries no unit of the last build uses (the cache never grows past one build's units)."""
        if not self.folder.is_dir():
            return
        for path in self.folder.glob("*.json"):
            if path.stem not in keep:
                path.unlink(missing_ok=True)


# Set in the parent just before the worker processes fork; read by them.
_shared: dict[str, Graph] = {}
_shared_units: list[tuple[list[Graph], list[Graph]]] = []


def _validate_unit(own: list[Graph], context: list[Graph]) -> ValidationReport:
    """One unit: the always-shared context, the unit's own context files, its own graphs; its own
    subjects are the focus nodes."""
    data = Graph()
    data += _shared["context"]
    for graph in context:
        data += graph
    focus: set[URIRef] = set()
    for graph in own:
        data += graph
        focus.update(s for s in graph.subjects() if isinstance(s, URIRef))
    return validate_graph(data, shapes=_shared["shapes"], ontology=_shared["ontology"], focus_nodes=sorted(focus))


def _validate_by_index(index: int) -> ValidationReport:
    return _validate_unit(*_shared_units[index])


def validate_many(units: list[tuple[list[Graph], list[Graph]]], *, context: Graph, shapes: Graph, ontology: Graph,
                  workers: int) -> list[ValidationReport]:
    """Validate each unit (its own graphs, with `context` plus the unit's own context graphs, its own
    subjects as focus nodes), in parallel when there are enough of them and fork is available."""
    global _shared_units
    _shared.update(context=context, shapes=shapes, ontology=ontology)
    _shared_units = units
    try:
        if workers > 1 and len(units) >= PARALLEL_FROM and "fork" in multiprocessing.get_all_start_methods():
            with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
                return list(pool.map(_validate_by_index, range(len(units)), chunksize=max(1, len(units) // (workers * 8))))
        return [_validate_unit(own, context_graphs) for own, context_graphs in units]
    finally:
        _shared.clear()
        _shared_units = []
