"""The build: data/ → parse → quote check → SHACL validation → a new store → swap it in.

Nothing replaces the store until every check has passed: a failing build raises BuildFailed with a
readable report and leaves the last good store serving.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from .datafiles import DataFile, DataFileError, discover, parse_file
from .dumps import write_dumps
from .progress import Progress
from .quotes import check_quotes
from .rdfterms import graph_of
from .settings import Settings
from .store import BuildInfo, current_store_path, swap_current, write_embedded_store
from .validation import ValidationReport, ontology_graph, shapes_graph, validate_graph

KEEP_BUILDS = 2
SOURCES_FOLDER = "sources"


class BuildFailed(Exception):
    """The data did not pass; `report` says what to fix, file by file."""

    def __init__(self, report: str) -> None:
        super().__init__(report)
        self.report = report


@dataclass
class BuildResult:
    info: BuildInfo
    store_path: Path
    seconds: float
    shapes_checked: int
    reports: dict[str, ValidationReport] = field(default_factory=dict)

    def summary(self) -> str:
        graphs = len(self.info.graphs)
        return (f"Build {self.info.build_id}: {graphs} graphs, {self.info.triples} triples, "
                f"{self.shapes_checked} shapes checked, {self.seconds:.1f} s → {self.store_path}")


def inputs_digest(settings: Settings) -> str:
    """One hash over every input of the build (ontology, shapes, data incl. source texts, base IRI)."""
    digest = hashlib.sha256(settings.base_iri.encode())
    for folder in (settings.ontology_dir, settings.shapes_dir, settings.data_dir):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(path.relative_to(folder.parent).as_posix().encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def needs_build(settings: Settings) -> bool:
    """True when there is no store yet or an input changed since the current one was built."""
    path = current_store_path(settings)
    if path is None:
        return True
    manifest = BuildInfo.read(path).manifest
    return manifest.get("inputs_sha256") != inputs_digest(settings)


@contextmanager
def build_lock(settings: Settings) -> Iterator[None]:
    """One build at a time per store folder."""
    settings.store_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.store_dir / "build.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildFailed(f"another build is running on {settings.store_dir}") from None
        yield


def build(settings: Settings, progress: Progress | None = None) -> BuildResult:
    progress = progress or Progress(steps=7)
    with build_lock(settings):
        return _build(settings, progress)


def _build(settings: Settings, progress: Progress) -> BuildResult:
    progress.step("Finding the data files")
    files = discover(settings)
    digest = inputs_digest(settings)
    progress.done(f"{len(files)} files")

    progress.step("Parsing")
    quads_by_file: dict[DataFile, list[ox.Quad]] = {}
    errors: list[str] = []
    for data_file in files:
        try:
            quads_by_file[data_file] = parse_file(data_file, settings)
        except DataFileError as error:
            errors.append(str(error))
    if errors:
        raise BuildFailed("The build stopped: these files do not parse.\n" + "\n".join(f"  {e}" for e in errors))
    total = sum(len(q) for q in quads_by_file.values())
    progress.done(f"{total} triples")

    progress.step("Checking that every quote is verbatim in its source text")
    data_files = [f for f in files if f.role != "ontology"]
    quoted = ox.Store()
    quoted.bulk_extend(q for f in data_files for q in quads_by_file[f])
    problems = check_quotes(quoted, settings.data_dir / "sources", settings.base_iri)
    if problems:
        raise BuildFailed("The build stopped: these quotes are not verbatim in their source texts.\n"
                          + "\n".join(f"  {p}" for p in problems))
    quote = ox.NamedNode(settings.ikg + "quote")
    progress.done(f"{len({q.subject for f in data_files for q in quads_by_file[f] if q.predicate == quote})} quotes")
    del quoted

    progress.step("Validating with the SHACL shapes")
    reports = validate_units(settings, {f: quads_by_file[f] for f in data_files}, progress)
    failing = {label: report for label, report in reports.items() if not report.conforms}
    if failing:
        raise BuildFailed("The build stopped: these files do not conform to the shapes.\n\n"
                          + "\n\n".join(report.text(label=label) for label, report in failing.items()))
    shapes_checked = next(iter(reports.values())).checked_shapes if reports else 0
    progress.done(f"{len(reports)} units conform")

    progress.step("Writing the store")
    build_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ") + "-" + digest[:8]
    store_path = settings.store_dir / "stores" / build_id
    store_path.mkdir(parents=True)
    try:
        all_quads = [q for quads in quads_by_file.values() for q in quads]
        write_embedded_store(store_path, all_quads)
        publish_source_texts(settings.data_dir / "sources", store_path / SOURCES_FOLDER)
        per_graph = Counter(q.graph_name.value for q in all_quads)
        remote = load_remote_graphs(settings, files, quads_by_file, progress) if settings.store_backend == "remote" else None
        manifest = {
            "build_id": build_id,
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "base_iri": settings.base_iri,
            "triples": len(set((q.subject, q.predicate, q.object) for q in all_quads)),
            "quads": len(all_quads),
            "graphs": dict(sorted(per_graph.items())),
            "files": {f.path.relative_to(settings.data_dir.parent).as_posix(): f.sha256() for f in files},
            "inputs_sha256": digest,
            "shapes_checked": shapes_checked,
        }
        if remote is not None:
            manifest["remote"] = remote
        (store_path / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    except Exception:
        shutil.rmtree(store_path, ignore_errors=True)
        raise
    progress.done(f"{len(all_quads)} quads in {len(per_graph)} graphs")

    progress.step("Writing the dumps")
    dumps = write_dumps(settings, store_path, all_quads)
    progress.done(f"{len(dumps['files'])} files for {len(dumps['datasets'])} datasets")

    progress.step("Switching the service to the new store")
    swap_current(settings, store_path)
    prune_old_builds(settings, keep=store_path)
    progress.done()
    return BuildResult(info=BuildInfo.read(store_path), store_path=store_path, seconds=progress.elapsed,
                       shapes_checked=shapes_checked, reports=reports)


def load_remote_graphs(settings: Settings, files: list[DataFile], quads_by_file: dict[DataFile, list[ox.Quad]],
                       progress: Progress) -> dict[str, object]:
    """Bring the remote SPARQL server in line with this build (store_backend = remote): only the
    graphs whose files changed since the last load to that server are written. The local store
    written beside the manifest stays the source of the dumps and of the build information."""
    import httpx

    from .remote_store import RemoteQueryError, graph_keys, load_remote

    quads_by_graph: dict[str, list[ox.Quad]] = {}
    hashes: dict[str, list[str]] = {}
    for data_file in files:
        quads_by_graph.setdefault(data_file.graph_iri, []).extend(quads_by_file[data_file])
        hashes.setdefault(data_file.graph_iri, []).append(data_file.sha256())
    previous_path = current_store_path(settings)
    previous = BuildInfo.read(previous_path).manifest.get("remote") if previous_path else None
    try:
        report, record = load_remote(settings, quads_by_graph, graph_keys(quads_by_graph, hashes, settings.base_iri),
                                     previous if isinstance(previous, dict) else None)
    except (RemoteQueryError, ValueError, OSError, httpx.HTTPError) as error:
        raise BuildFailed(f"The build stopped: the remote SPARQL server did not take the graph: {error}") from None
    progress.detail(f"remote: {len(report.loaded)} graphs loaded, {len(report.kept)} unchanged, "
                    f"{len(report.dropped)} dropped ({report.seconds:.1f} s)")
    return record


def referenced_context(quads_by_file: dict[DataFile, list[ox.Quad]]) -> dict[DataFile, list[DataFile]]:
    """For each documents file, the municipality files it needs as context when it is validated.

    A municipality file is needed when the documents file names (as subject or object) a resource
    the municipality file describes (has as subject), or when the municipality file names a resource
    the documents file describes; then, in turn, the municipality files those files name. The shapes
    only follow links between resources, so a documents file's resources never meet a municipality
    file outside this closure, and its report is the one it gets with every municipality as context.
    """
    def iris(quads: list[ox.Quad], subjects_only: bool = False) -> set[str]:
        found = {q.subject.value for q in quads if isinstance(q.subject, ox.NamedNode)}
        if not subjects_only:
            found.update(q.object.value for q in quads if isinstance(q.object, ox.NamedNode))
        return found

    municipalities = [f for f in quads_by_file if f.role == "municipalities"]
    described_by: dict[str, list[DataFile]] = {}
    named_by: dict[str, list[DataFile]] = {}
    mentions: dict[DataFile, set[str]] = {}
    for data_file in municipalities:
        quads = quads_by_file[data_file]
        mentions[data_file] = iris(quads)
        for iri in iris(quads, subjects_only=True):
            described_by.setdefault(iri, []).append(data_file)
        for iri in {q.object.value for q in quads if isinstance(q.object, ox.NamedNode)}:
            named_by.setdefault(iri, []).append(data_file)
    needs: dict[DataFile, list[DataFile]] = {}
    for data_file, quads in quads_by_file.items():
        if data_file.role != "documents":
            continue
        found: set[DataFile] = set()
        for iri in iris(quads):
            found.update(described_by.get(iri, ()))
        for iri in iris(quads, subjects_only=True):
            found.update(named_by.get(iri, ()))
        todo = list(found)
        while todo:
            for iri in mentions[todo.pop()]:
                for other in described_by.get(iri, ()):
                    if other not in found:
                        found.add(other)
                        todo.append(other)
        needs[data_file] = sorted(found, key=lambda f: f.path)
    return needs


def validate_units(settings: Settings, quads_by_file: dict[DataFile, list[ox.Quad]],
                   progress: Progress) -> dict[str, ValidationReport]:
    """Validate the shared context (frameworks, municipalities, agents) once, then each document file
    with the context it needs (frameworks, agents, catalog, and the municipality files it references:
    `referenced_context`), checking only the document's own resources as focus nodes.

    A unit whose files, context files, shapes and ontology are unchanged since a previous build takes
    its outcome from the cache (service/build_cache.py) without an rdflib graph ever being made of
    its files; the others are validated in parallel."""
    from .build_cache import ValidationCache, folder_digest, unit_key, validate_many

    context_files = [f for f in quads_by_file if f.role != "documents"]
    always = [f for f in context_files if f.role != "municipalities"]
    needs = referenced_context(quads_by_file)
    # A unit: its label, its own files, the context files it is validated with beyond `always`.
    units: list[tuple[str, list[DataFile], list[DataFile]]] = [
        ("context (frameworks, municipalities, agents)", context_files, [])]
    units += [(f.path.relative_to(settings.data_dir.parent).as_posix(), [f], needs[f])
              for f in quads_by_file if f.role == "documents"]

    hashes = {f: f.sha256() for f in quads_by_file}
    shapes_sha = folder_digest(settings.shapes_dir.glob("*.ttl"))
    ontology_sha = folder_digest(settings.ontology_dir.glob("*.ttl"))
    cache = ValidationCache(settings.store_dir)
    keys = {label: unit_key(own=[hashes[f] for f in own], context=[hashes[f] for f in always + extra],
                            shapes=shapes_sha, ontology=ontology_sha, base_iri=settings.base_iri)
            for label, own, extra in units}
    reports: dict[str, ValidationReport] = {}
    missing: list[tuple[str, list[DataFile], list[DataFile]]] = []
    for label, own, extra in units:
        cached = cache.get(keys[label])
        if cached is None:
            missing.append((label, own, extra))
        else:
            reports[label] = cached
    progress.detail(f"{len(units) - len(missing)} of {len(units)} units unchanged since a previous build")
    for index, (label, _, extra) in enumerate(missing, start=1):
        with_context = f" (with {len(extra)} municipality file(s))" if extra else ""
        progress.detail(f"{index}/{len(missing)} {label}{with_context}")
    if missing:
        graphs: dict[DataFile, Graph] = {}

        def graph(data_file: DataFile) -> Graph:
            if data_file not in graphs:
                graphs[data_file] = graph_of(quads_by_file[data_file])
            return graphs[data_file]

        shared = Graph()
        for data_file in always:
            shared += graph(data_file)
        work = [([graph(f) for f in own], [graph(f) for f in extra]) for _, own, extra in missing]
        fresh = validate_many(work, context=shared, shapes=shapes_graph(settings.shapes_dir),
                              ontology=ontology_graph(settings.ontology_dir), workers=min(2, os.cpu_count() or 1))
        for (label, _, _), report in zip(missing, fresh):
            reports[label] = report
            cache.put(keys[label], report)
    cache.prune(set(keys.values()))
    return {label: reports[label] for label, _, _ in units}


def publish_source_texts(sources: Path, target: Path) -> None:
    """The source texts the quotes come from, beside the store: the service serves them from there."""
    target.mkdir()
    for path in sorted(sources.glob("*")):
        if path.is_file():
            shutil.copy2(path, target / path.name)


def prune_old_builds(settings: Settings, keep: Path) -> None:
    """Keep the newest KEEP_BUILDS builds (the current one always), remove the rest."""
    stores = sorted((settings.store_dir / "stores").iterdir(), key=lambda p: p.name, reverse=True)
    for old in stores[KEEP_BUILDS:]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


def context_graph(settings: Settings) -> Graph:
    """The shared context a document file is validated with: every data file but the documents."""
    context = Graph()
    for data_file in discover(settings):
        if data_file.role not in ("ontology", "documents"):
            context += graph_of(parse_file(data_file, settings))
    return context


def check_files(settings: Settings, paths: list[Path]) -> list[tuple[Path, ValidationReport | None, list[str]]]:
    """Validate files a coordinator is working on, each with the context from data/.

    Returns, per file: its SHACL report (None when it does not parse) and its other problems
    (parse errors with line and column, quotes not found in their source texts).
    """
    context = context_graph(settings)
    shapes = shapes_graph(settings.shapes_dir)
    ontology = ontology_graph(settings.ontology_dir)
    outcome: list[tuple[Path, ValidationReport | None, list[str]]] = []
    for path in paths:
        suffix = path.suffix if path.suffix in (".ttl", ".nt", ".jsonld", ".rdf", ".nq", ".trig") else ".ttl"
        data_file = DataFile(path, settings.base_iri + "graph/checked", "documents")
        try:
            if suffix != path.suffix:
                raise DataFileError(path, f"unknown RDF file type {path.suffix!r} (use .ttl, .nt, .jsonld, .rdf)")
            own = graph_of(parse_file(data_file, settings))
        except DataFileError as error:
            outcome.append((path, None, [str(error)]))
            continue
        data = Graph()
        data += context
        data += own
        focus = sorted({s for s in own.subjects() if isinstance(s, URIRef)})
        report = validate_graph(data, shapes=shapes, ontology=ontology, focus_nodes=focus)
        quote_problems = [str(p) for p in check_quotes(own, settings.data_dir / "sources", settings.base_iri)]
        outcome.append((path, report, quote_problems))
    return outcome
