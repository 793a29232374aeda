"""The build: data/ → parse → a new store → quote check → SHACL validation → dumps → swap it in.

The store is written first, into a new build folder, because the later steps read it: the quote
check and the validation query it (a full build checks an in-memory copy while a second process
writes the store on disk). Nothing replaces the serving
store until every check has passed: a failing build raises BuildFailed with a readable report,
removes its folder and leaves the last good store serving.

Incremental builds: when the current build has the same store layout, base IRI, shapes and
ontology, the next one starts from a copy of its store (service/build_store.py), parses only the
files whose content hash changed, replaces their graphs, checks again only the quotes of those files
and the quotes that cite a source text that changed (`citations_to_check`), validates again only the
resources those files describe and the resources of the files that link to them (`affected_graphs`),
carries every other file's results over from the previous build (validation.json beside the store),
and writes the dumps from the changed graphs' triples and the previous build's compressed pieces of
every other graph (service/dumps.py). What needs a file that was not parsed reads its graph from the
patched store or the previous build's records: the statement counts (the manifest's `graphs`), the
datasets and their graphs (queried on the store), the home file of a validation result.
"""

from __future__ import annotations

import fcntl
import hashlib
import itertools
import json
import os
import shutil
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pyoxigraph as ox
from rdflib import Graph, URIRef

from .build_store import (
    STORE_LAYOUT,
    StoreWriter,
    copy_store,
    graph_quads,
    memory_store,
    replace_graphs,
    stable_blank_nodes,
    swap_current,
)
from .datafiles import DataFile, DataFileError, discover, parse_file
from .dumps import BuildGraphs, dataset_parts, parts_store, piece_keys, previous_pieces, write_dumps
from .progress import Progress
from .quotes import check_explicit_names, check_quotes, citations_to_check
from .rdfterms import graph_of, select, value_of
from .remote_load import graph_keys, load_remote
from .search import INDEX_FILE, build_index
from .settings import Settings
from .store.remote import RemoteQueryError
from .store.seam import OXIGRAPH_FOLDER, BuildInfo, current_store_path
from .validation import (
    Unsupported,
    ValidationReport,
    ValidationResult,
    compile_shapes,
    compiled_shapes,
    ontology_graph,
    shapes_graph,
    validate_graph,
    validate_graph_with_pyshacl,
    validate_store,
)

KEEP_BUILDS = 2
BUILD_STEPS = 9  # the numbered steps the build reports through Progress
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
        return (
            f"Build {self.info.build_id}: {graphs} graphs, {self.info.triples} triples, "
            f"{self.shapes_checked} shapes checked, {self.seconds:.1f} s → {self.store_path}"
        )


def inputs_digest(settings: Settings, known: dict[Path, str] | None = None) -> str:
    """One hash over every input of the build (ontology, shapes, data incl. source texts, base IRI).
    `known`: SHA-256 (hex) of files already hashed, which are not read again."""
    digest = hashlib.sha256(settings.base_iri.encode())
    for folder in (settings.ontology_dir, settings.shapes_dir, settings.data_dir):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(path.relative_to(folder.parent).as_posix().encode())
            sha = (known or {}).get(path)
            digest.update(bytes.fromhex(sha) if sha else hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def needs_build(settings: Settings) -> bool:
    """True when there is no store yet or an input changed since the current one was built."""
    path = current_store_path(settings)
    if path is None:
        return True
    manifest = BuildInfo.read(path).manifest
    return manifest.get("layout") != STORE_LAYOUT or manifest.get("inputs_sha256") != inputs_digest(settings)


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
    progress = progress or Progress(steps=BUILD_STEPS)
    with build_lock(settings):
        return _build(settings, progress)


@dataclass
class PreviousBuild:
    """The current build, when the next one may start from its store: same layout, base IRI, shapes
    and ontology (otherwise everything is parsed, loaded and validated again)."""

    path: Path
    files: dict[str, str]  # data file (path relative to the project) → sha256
    graphs: dict[str, int]  # named graph → its distinct triples
    validation: dict[str, list[ValidationResult]]  # file label → its results


def file_label(settings: Settings, data_file: DataFile) -> str:
    """How reports and the manifest name a file: `data/…` for data files, `ontology/…` for the
    ontology (which may live outside the data folder's parent)."""
    if data_file.role == "ontology":
        return f"{settings.ontology_dir.name}/{data_file.path.relative_to(settings.ontology_dir).as_posix()}"
    return f"{settings.data_dir.name}/{data_file.path.relative_to(settings.data_dir).as_posix()}"


def previous_build(settings: Settings, shapes_sha: str, ontology_sha: str) -> PreviousBuild | None:
    path = current_store_path(settings)
    if path is None:
        return None
    try:
        manifest = BuildInfo.read(path).manifest
        validation = read_validation(path)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if (
        manifest.get("layout") != STORE_LAYOUT
        or manifest.get("base_iri") != settings.base_iri
        or manifest.get("shapes_sha256") != shapes_sha
        or manifest.get("ontology_sha256") != ontology_sha
        or not (path / OXIGRAPH_FOLDER).is_dir()
    ):
        return None
    files, graphs = manifest.get("files"), manifest.get("graphs")
    if not isinstance(files, dict) or not isinstance(graphs, dict):
        return None
    return PreviousBuild(path=path, files=dict(files), graphs=dict(graphs), validation=validation)


@dataclass
class BuildPlan:
    """What the first step found: the files, their hashes, and what changed since the previous build."""

    files: list[DataFile]
    label: dict[DataFile, str]
    hashes: dict[DataFile, str]
    graph_hashes: dict[str, str]  # named graph → the SHA-256 of its file(s)
    changed: list[DataFile]  # every file when there is no previous build to start from
    removed_graphs: list[str]
    changed_texts: set[
        str
    ]  # source texts (names under data/sources/) new, changed or gone since the previous build
    previous: PreviousBuild | None
    digest: str
    shapes_sha: str
    ontology_sha: str

    @property
    def changed_graphs(self) -> list[str]:
        return sorted({f.graph_iri for f in self.changed})


def plan_build(settings: Settings) -> BuildPlan:
    files = discover(settings)
    shapes_sha = folder_digest(settings.shapes_dir.glob("*.ttl"))
    ontology_sha = folder_digest(settings.ontology_dir.glob("*.ttl"))
    hashes = {f: f.sha256() for f in files}
    sources = settings.data_dir / "sources"
    text_hashes = source_text_hashes(sources)
    digest = inputs_digest(settings, {**{f.path: sha for f, sha in hashes.items()}, **text_hashes})
    label = {f: file_label(settings, f) for f in files}
    previous = previous_build(settings, shapes_sha, ontology_sha)
    if previous is None:
        changed, removed_graphs, changed_texts = list(files), [], set()
    else:
        changed = [f for f in files if previous.files.get(label[f]) != hashes[f]]
        removed_graphs = sorted(set(previous.graphs) - {f.graph_iri for f in files})
        changed_texts = changed_source_texts(sources, text_hashes, previous.path / SOURCES_FOLDER)
    return BuildPlan(
        files,
        label,
        hashes,
        graph_hashes(files, hashes),
        changed,
        removed_graphs,
        changed_texts,
        previous,
        digest,
        shapes_sha,
        ontology_sha,
    )


def source_text_hashes(sources: Path) -> dict[Path, str]:
    """SHA-256 (hex) of every file under data/sources/."""
    return (
        {
            path: hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(sources.rglob("*"))
            if path.is_file()
        }
        if sources.is_dir()
        else {}
    )


def changed_source_texts(sources: Path, text_hashes: Mapping[Path, str], published: Path) -> set[str]:
    """The source texts (names relative to data/sources/) that differ from the copies the previous
    build published beside its store, which are the texts its quote check read: new, changed or gone."""
    current = {path.relative_to(sources).as_posix(): sha for path, sha in text_hashes.items()}
    before = {path.name: path for path in published.glob("*") if path.is_file()} if published.is_dir() else {}
    changed = set(before) - set(current)
    for name, sha in current.items():
        if name not in before or hashlib.sha256(before[name].read_bytes()).hexdigest() != sha:
            changed.add(name)
    return changed


def _build(settings: Settings, progress: Progress) -> BuildResult:
    progress.step("Finding the data files")
    plan = plan_build(settings)
    if plan.previous is None:
        progress.done(f"{len(plan.files)} files; a full build")
    else:
        progress.done(
            f"{len(plan.files)} files; {len(plan.changed)} changed and {len(plan.removed_graphs)} removed "
            f"since build {plan.previous.path.name}"
            + (
                f", {len(plan.changed_texts)} source text{'' if len(plan.changed_texts) == 1 else 's'} changed"
                if plan.changed_texts
                else ""
            )
        )

    progress.step("Parsing")
    if plan.previous is None:
        to_parse = plan.files
        unkept: set[str] = set()
    else:
        # An unchanged file is parsed only when the previous build kept no dump pieces of its graph.
        pieces = previous_pieces(settings)
        keys = piece_keys(settings.base_iri, plan.graph_hashes)
        unkept = set(plan.graph_hashes) - (pieces.reusable(keys) if pieces is not None else set())
        graphs = set(plan.changed_graphs) | unkept
        to_parse = [f for f in plan.files if f.graph_iri in graphs]
    triples_by_graph = parse_files(settings, to_parse)
    parsed = (
        f"{len(to_parse)} file{'' if len(to_parse) == 1 else 's'} parsed, "
        f"{sum(len(t) for t in triples_by_graph.values())} triples"
    )
    if plan.previous is not None:
        skipped = len(plan.files) - len(to_parse)
        parsed += f"; {skipped} unchanged and skipped"
        extra = len([f for f in to_parse if f not in plan.changed])
        if extra:
            parsed += f" ({extra} unchanged files parsed for their dumps: the previous build kept no pieces of them)"
    progress.done(parsed)

    progress.step("Writing the store" if plan.previous is None else "Patching a copy of the previous store")
    build_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + plan.digest[:8]
    store_path = settings.store_dir / "stores" / build_id
    remove_partial_builds(settings)
    store_path.mkdir(parents=True)
    try:
        return _build_into(settings, progress, store_path, plan, triples_by_graph)
    except BaseException:
        shutil.rmtree(store_path, ignore_errors=True)
        raise


def parse_files(settings: Settings, files: list[DataFile]) -> dict[str, list[ox.Quad]]:
    """Each graph's distinct triples (default-graph quads, blank nodes with stable names) from its files;
    BuildFailed naming every file that does not parse."""
    quads_by_graph: dict[str, list[ox.Quad]] = {}
    errors: list[str] = []
    for data_file in files:
        try:
            quads = stable_blank_nodes(parse_file(data_file, settings, in_graph=False), data_file.graph_iri)
        except DataFileError as error:
            errors.append(str(error))
            continue
        quads_by_graph.setdefault(data_file.graph_iri, []).extend(quads)
    if errors:
        raise BuildFailed(
            "The build stopped: these files do not parse.\n" + "\n".join(f"  {e}" for e in errors)
        )
    return {graph: list(dict.fromkeys(quads)) for graph, quads in quads_by_graph.items()}


def _build_into(
    settings: Settings,
    progress: Progress,
    store_path: Path,
    plan: BuildPlan,
    triples_by_graph: dict[str, list[ox.Quad]],
) -> BuildResult:
    old_subjects: set[str] = set()
    writer: StoreWriter | None = None
    if plan.previous is None:
        # The store is written on disk in a child process; the checks run on an in-memory copy of the
        # default graph meanwhile.
        writer = StoreWriter(store_path, [(f.path, f.graph_iri) for f in plan.files], settings.base_iri)
        store = memory_store(triples_by_graph)
    else:
        store = copy_store(plan.previous.path, store_path)
        for graph in plan.changed_graphs + plan.removed_graphs:
            old_subjects.update(
                q.subject.value for q in graph_quads(store, graph) if isinstance(q.subject, ox.NamedNode)
            )
        replace_graphs(store, {g: triples_by_graph[g] for g in plan.changed_graphs}, plan.removed_graphs)
    handed_over = [store]  # _check_and_publish takes it out: the in-memory copy is freed before the dumps
    del store
    try:
        return _check_and_publish(
            settings, progress, store_path, handed_over, writer, plan, triples_by_graph, old_subjects
        )
    finally:
        if writer is not None:
            writer.cancel()


def _check_and_publish(
    settings: Settings,
    progress: Progress,
    store_path: Path,
    handed_over: list[ox.Store],
    writer: StoreWriter | None,
    plan: BuildPlan,
    triples_by_graph: dict[str, list[ox.Quad]],
    old_subjects: set[str],
) -> BuildResult:
    """`handed_over` holds the store the checks run on and is emptied here, so that no caller keeps a
    reference to it: a full build's in-memory copy is freed before the dumps are written."""
    store = handed_over.pop()
    files, label, previous = plan.files, plan.label, plan.previous
    triples = store_count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    progress.done(
        f"{triples} triples"
        + ("; a second process writes them to disk while the checks run" if writer else "")
    )

    progress.step("Checking that every quote is verbatim in its source text")
    quote = ox.NamedNode(settings.ikg + "quote")
    quotes = len({q.subject for q in store.quads_for_pattern(None, quote, None, ox.DefaultGraph())})
    sources = settings.data_dir / "sources"
    if previous is None:
        problems = check_quotes(store, sources, settings.base_iri)
        checked = f"{quotes} quotes"
    else:
        # The previous build found every other quote verbatim, and neither it nor its source text changed.
        citations = citations_to_check(
            store,
            settings.base_iri,
            [g for g in plan.changed_graphs if store.contains_named_graph(ox.NamedNode(g))],
            old_subjects,
            plan.changed_texts,
        )
        problems = check_quotes(store, sources, settings.base_iri, sorted(citations, key=str))
        checked = (
            f"{quotes} quotes; the citations of the changed files and of the changed source texts checked "
            f"again ({len(citations)}), the others passed in build {previous.path.name}"
        )
    if problems:
        raise BuildFailed(
            "The build stopped: these quotes are not verbatim in their source texts.\n"
            + "\n".join(f"  {p}" for p in problems)
        )
    unnamed = check_explicit_names(store, settings.base_iri)
    if unnamed:
        raise BuildFailed(
            "The build stopped: these explicit citations do not name their target in their quote.\n"
            + "\n".join(f"  {p}" for p in unnamed)
        )
    progress.done(checked + "; every explicit citation names its target")

    progress.step("Validating with the SHACL shapes")
    data_files = [f for f in files if f.role != "ontology"]
    if previous is None:
        affected: set[str] | None = None
    else:
        affected = affected_graphs(
            store,
            [f.graph_iri for f in plan.changed if f.role != "ontology"] + plan.removed_graphs,
            old_subjects,
            reference_prefix=settings.base_iri + REFERENCE_GRAPHS,
        )
        if len(affected) * 2 > len(data_files):
            affected = None
    reports = validate_build(
        settings,
        store,
        triples_by_graph if previous is None else None,
        data_files,
        label,
        affected,
        old_subjects,
        previous,
        progress,
    )
    failing = {name: report for name, report in reports.items() if not report.conforms}
    if failing:
        raise BuildFailed(
            "The build stopped: these files do not conform to the shapes.\n\n"
            + "\n\n".join(report.text(label=name) for name, report in failing.items())
        )
    shapes_checked = next(iter(reports.values())).checked_shapes if reports else 0
    write_validation(store_path, reports)
    warnings = sum(len(r.results) for r in reports.values())
    for name, report in reports.items():
        if report.results:
            for line in report.text(label=name).splitlines():
                progress.detail(line)
    progress.done(f"{len(reports)} files conform" + (f", {warnings} warning(s)" if warnings else ""))

    progress.step("Writing the search index")
    entries = build_index(store, settings.base_iri, store_path / INDEX_FILE)
    progress.done(f"{entries} entries: labels, titles, definitions and quotes")

    progress.step("Writing the dumps")
    per_graph = graph_sizes(plan, triples_by_graph, store)
    if writer is not None:
        del store  # the in-memory copy: the checks are done, its memory goes to the dumps
        parts = dataset_parts(
            parts_store(triples_by_graph, settings.ikg + "Municipality"), settings.base_iri, plan.graph_hashes
        )
        graphs = BuildGraphs(plan.graph_hashes, per_graph, triples, triples_by_graph)
    else:
        patched = store
        parts = dataset_parts(store, settings.base_iri, plan.graph_hashes)
        graphs = BuildGraphs(
            plan.graph_hashes,
            per_graph,
            triples,
            triples_by_graph,
            read=lambda graph: (
                ox.Quad(q.subject, q.predicate, q.object) for q in graph_quads(patched, graph)
            ),
        )
    dumps = write_dumps(settings, store_path, parts, graphs)
    progress.done(
        f"{len(dumps['files'])} files for {len(dumps['datasets'])} datasets, "
        f"{dumps['reused_datasets']} reused from the previous build; the whole graph from "
        f"{len(per_graph) - int(dumps['reused_graphs'])} graphs written and {dumps['reused_graphs']} "
        "graphs' pieces copied"
    )

    progress.step("Writing the build information")
    if writer is not None:
        progress.detail("waiting for the store to be written")
        writer.wait()
    publish_source_texts(
        settings.data_dir / "sources",
        store_path / SOURCES_FOLDER,
        (previous.path / SOURCES_FOLDER, plan.changed_texts) if previous is not None else None,
    )
    manifest: dict[str, object] = {
        "build_id": store_path.name,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "base_iri": settings.base_iri,
        "layout": STORE_LAYOUT,
        "triples": triples,
        "quads": sum(per_graph.values()),
        "graphs": per_graph,
        "files": {label[f]: plan.hashes[f] for f in files},
        "inputs_sha256": plan.digest,
        "shapes_sha256": plan.shapes_sha,
        "ontology_sha256": plan.ontology_sha,
        "shapes_checked": shapes_checked,
        "incremental_from": previous.path.name if previous is not None else None,
    }
    if settings.store_backend == "remote":
        every_graph = GraphTriples(triples_by_graph, per_graph, None if writer is not None else store)
        manifest["remote"] = load_remote_graphs(settings, files, plan.hashes, every_graph, progress)
    if writer is None:
        store.flush()  # a patched copy: compacting it would cost more than the patch (the writer compacts new stores)
        del store
    write_manifest(store_path, manifest)  # last: only now is the folder a build
    progress.done(f"{manifest['quads']} quads in {len(per_graph)} graphs")

    progress.step("Switching the service to the new store")
    swap_current(settings, store_path)
    prune_old_builds(settings, keep=store_path)
    progress.done()
    return BuildResult(
        info=BuildInfo.read(store_path),
        store_path=store_path,
        seconds=progress.elapsed,
        shapes_checked=shapes_checked,
        reports=reports,
    )


def graph_sizes(
    plan: BuildPlan, triples_by_graph: Mapping[str, list[ox.Quad]], store: ox.Store
) -> dict[str, int]:
    """Every named graph's distinct triples: counted for the graphs parsed, from the previous build's
    manifest for the others (their files did not change), from the store when it does not say."""
    recorded = plan.previous.graphs if plan.previous is not None else {}
    sizes = {}
    for graph in sorted(plan.graph_hashes):
        if graph in triples_by_graph:
            sizes[graph] = len(triples_by_graph[graph])
        elif graph in recorded:
            sizes[graph] = int(recorded[graph])
        else:
            sizes[graph] = len(graph_quads(store, graph))
    return sizes


class GraphTriples(Mapping[str, list[ox.Quad]]):
    """Every named graph of the build → its triples (default-graph quads): the parsed graphs as parsed,
    the others read from the (patched) store."""

    def __init__(
        self, parsed: Mapping[str, list[ox.Quad]], graphs: Iterable[str], store: ox.Store | None
    ) -> None:
        self.parsed, self.graphs, self.store = parsed, sorted(graphs), store

    def __getitem__(self, graph: str) -> list[ox.Quad]:
        if graph in self.parsed:
            return self.parsed[graph]
        if self.store is None or graph not in self.graphs:
            raise KeyError(graph)
        return [ox.Quad(q.subject, q.predicate, q.object) for q in graph_quads(self.store, graph)]

    def __iter__(self) -> Iterator[str]:
        return iter(self.graphs)

    def __len__(self) -> int:
        return len(self.graphs)


def graph_hashes(files: list[DataFile], hashes: dict[DataFile, str]) -> dict[str, str]:
    """Named graph → the SHA-256 of the file(s) loaded into it."""
    joined: dict[str, list[str]] = {}
    for data_file in files:
        joined.setdefault(data_file.graph_iri, []).append(hashes[data_file])
    return {graph: "+".join(values) for graph, values in joined.items()}


def store_count(store: ox.Store, query: str) -> int:
    return int(next(iter(select(store, query)))["n"].value)


def load_remote_graphs(
    settings: Settings,
    files: list[DataFile],
    file_hashes: Mapping[DataFile, str],
    triples_by_graph: Mapping[str, list[ox.Quad]],
    progress: Progress,
) -> dict[str, object]:
    """Bring the remote SPARQL server in line with this build (store_backend = remote): only the
    graphs whose files changed since the last load to that server are written. The local store
    written beside the manifest stays the source of the dumps and of the build information.

    `triples_by_graph` holds every graph of the build (an incremental build reads the graphs it did
    not parse from its patched store, `GraphTriples`): load_remote compares every graph's size with
    the server's."""
    quads_by_graph = {
        graph: [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph)) for t in triples]
        for graph, triples in triples_by_graph.items()
    }
    hashes: dict[str, list[str]] = {}
    for data_file in files:
        hashes.setdefault(data_file.graph_iri, []).append(file_hashes[data_file])
    previous_path = current_store_path(settings)
    previous = BuildInfo.read(previous_path).manifest.get("remote") if previous_path else None
    try:
        report, record = load_remote(
            settings,
            quads_by_graph,
            graph_keys(quads_by_graph, hashes, settings.base_iri),
            previous if isinstance(previous, dict) else None,
        )
    except (RemoteQueryError, ValueError, OSError, httpx.HTTPError) as error:
        raise BuildFailed(
            f"The build stopped: the remote SPARQL server did not take the graph: {error}"
        ) from None
    progress.detail(
        f"remote: {len(report.loaded)} graphs loaded, {len(report.kept)} unchanged, "
        f"{len(report.dropped)} dropped ({report.seconds:.1f} s)"
    )
    return record


# ------------------------------------------------------------------------------------------------
# Validation of a build
# ------------------------------------------------------------------------------------------------

REFERENCE_GRAPHS = "graph/geo/"  # the generated graphs of all municipalities and counties (service/geo.py)
HOPS = 2  # how far a change reaches: the shapes look at most two links from a focus node across files


def affected_graphs(
    store: ox.Store, changed: list[str], old_subjects: set[str], reference_prefix: str | None = None
) -> set[str]:
    """The graphs whose resources an incremental build validates again: the changed files' graphs,
    and, HOPS times over, every graph that names (as subject or object) a resource that those graphs
    describe or described.

    A reference graph (its name starts with `reference_prefix`: the generated tables of all
    municipalities and counties) is validated again when it names such a resource, but the change
    reaches no further through it: it describes every municipality, and going on from all of them
    would reach every file. What a municipality's shapes look at in it is the municipality's own
    triples, already in reach."""
    affected = {g for g in changed if store.contains_named_graph(ox.NamedNode(g))}
    frontier = set(old_subjects) | {s for g in affected for s in graph_subjects(store, g)}
    for _ in range(HOPS):
        found: set[str] = set()
        for iri in frontier:
            node = ox.NamedNode(iri)
            for quad in itertools.chain(
                store.quads_for_pattern(None, None, node, None),
                store.quads_for_pattern(node, None, None, None),
            ):
                if isinstance(quad.graph_name, ox.NamedNode):
                    found.add(quad.graph_name.value)
        found -= affected
        if not found:
            break
        affected |= found
        frontier = {
            s
            for g in found
            if not (reference_prefix and g.startswith(reference_prefix))
            for s in graph_subjects(store, g)
        }
    return affected


def graph_subjects(store: ox.Store, graph: str) -> set[str]:
    return {
        q.subject.value
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
        if isinstance(q.subject, ox.NamedNode)
    }


def validate_build(
    settings: Settings,
    store: ox.Store,
    triples_by_graph: Mapping[str, Sequence[ox.Quad]] | None,
    data_files: list[DataFile],
    label: dict[DataFile, str],
    affected: set[str] | None,
    old_subjects: set[str],
    previous: PreviousBuild | None,
    progress: Progress,
) -> dict[str, ValidationReport]:
    """Validate the build's store and sort the results by the data file that describes each focus node.

    A full build validates every resource. An incremental one validates the resources of the
    `affected` graphs (and those the changed files used to describe) against the whole patched
    store, and takes every other file's results from the previous build.

    `triples_by_graph`: every graph's triples (a full build, whose store in memory has no named
    graphs); None: the store has the named graphs (a patched copy) and says which file describes what."""
    shapes, ontology = shapes_graph(settings.shapes_dir), ontology_graph(settings.ontology_dir)
    focus: set[str] | None = None
    if affected is not None:
        focus = set(old_subjects)
        for graph in affected:
            focus |= graph_subjects(store, graph)
        progress.detail(
            f"{len(affected)} of {len(data_files)} files to validate again "
            f"({len(focus)} resources); the others are unchanged since the previous build"
        )
    else:
        progress.detail(f"every file ({len(data_files)})")
    report = validate_store_or_graph(store, shapes, ontology, focus, progress)
    carried: list[ValidationResult] = []
    if previous is not None and focus is not None:
        carried = [
            r for results in previous.validation.values() for r in results if r.focus_node not in focus
        ]
    by_label: dict[str, list[ValidationResult]] = {label[f]: [] for f in data_files}
    results = carried + report.results
    label_of_graph = {f.graph_iri: label[f] for f in data_files}
    nodes = {r.focus_node for r in results}
    home = (
        home_files(nodes, triples_by_graph, label_of_graph)
        if triples_by_graph is not None
        else home_files_in_store(nodes, store, label_of_graph)
    )
    for result in results:
        by_label.setdefault(home.get(result.focus_node, "other resources"), []).append(result)
    return {
        name: ValidationReport(
            conforms=not any(r.severity == "Violation" for r in results),
            results=sorted(results, key=lambda r: (r.focus_node, r.shape, r.constraint, r.value or "")),
            checked_shapes=report.checked_shapes,
        )
        for name, results in by_label.items()
    }


def validate_store_or_graph(
    store: ox.Store, shapes: Graph, ontology: Graph, focus: set[str] | None, progress: Progress
) -> ValidationReport:
    """The engine on the store (service/validation/); pyshacl over an rdflib copy when the shapes use
    something the engine does not implement."""
    try:
        return validate_store(store, compile_shapes(shapes), ontology, focus_nodes=focus)
    except Unsupported as unsupported:  # shapes or data the engine does not implement
        progress.detail(f"validating with pyshacl: {unsupported}")
        data = graph_of(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        return validate_graph_with_pyshacl(
            data,
            shapes=shapes,
            ontology=ontology,
            focus_nodes=None if focus is None else sorted(URIRef(f) for f in focus),
        )


def home_files(
    focus_nodes: set[str], triples_by_graph: Mapping[str, Sequence[ox.Quad]], label_of_graph: dict[str, str]
) -> dict[str, str]:
    """For each focus node, the data file a result about it belongs to: the first (by path) whose graph
    describes it (has it as subject)."""
    home: dict[str, str] = {}
    if not focus_nodes:
        return home
    for graph, triples in sorted(triples_by_graph.items(), key=lambda item: label_of_graph.get(item[0], "~")):
        if graph not in label_of_graph:
            continue
        for subject in {value_of(t.subject) for t in triples} & focus_nodes:
            home.setdefault(subject, label_of_graph[graph])
    return home


def home_files_in_store(
    focus_nodes: set[str], store: ox.Store, label_of_graph: dict[str, str]
) -> dict[str, str]:
    """home_files, asked of a store that keeps each file's triples in the file's named graph: for each
    focus node the first file (by path) whose graph has it as subject."""
    home: dict[str, str] = {}
    for node in focus_nodes:
        try:
            term: ox.NamedNode | ox.BlankNode = ox.NamedNode(node) if ":" in node else ox.BlankNode(node)
        except ValueError:
            continue
        labels = {
            label_of_graph[q.graph_name.value]
            for q in store.quads_for_pattern(term, None, None, None)
            if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in label_of_graph
        }
        if labels:
            home[node] = min(labels)
    return home


VALIDATION_FILE = "validation.json"


def write_validation(store_path: Path, reports: dict[str, ValidationReport]) -> None:
    """Every file's results beside the store: the next incremental build carries them over."""
    data = {name: [asdict(r) for r in report.results] for name, report in reports.items()}
    (store_path / VALIDATION_FILE).write_text(
        json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8"
    )


def read_validation(store_path: Path) -> dict[str, list[ValidationResult]]:
    data = json.loads((store_path / VALIDATION_FILE).read_text(encoding="utf-8"))
    return {name: [ValidationResult(**r) for r in results] for name, results in data.items()}


def folder_digest(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def publish_source_texts(sources: Path, target: Path, previous: tuple[Path, set[str]] | None = None) -> None:
    """The source texts the quotes come from, beside the store: the service serves them from there.
    `previous`: the previous build's published texts and the names that changed since; the others
    are hard-linked from there (neither build ever writes to a published text)."""
    target.mkdir()
    for path in sorted(sources.glob("*")):
        if not path.is_file():
            continue
        if previous is not None and path.name not in previous[1] and (previous[0] / path.name).is_file():
            try:
                os.link(previous[0] / path.name, target / path.name)
                continue
            except OSError:
                pass
        shutil.copy2(path, target / path.name)


MANIFEST = "manifest.json"


def write_manifest(store_path: Path, manifest: Mapping[str, object]) -> None:
    """Write the build's manifest, the last file of a build: to a temporary name, flushed to disk, then
    renamed, so a folder holds a manifest only when everything else in it is complete."""
    temporary = store_path / (MANIFEST + ".partial")
    with open(temporary, "w", encoding="utf-8") as stream:
        stream.write(json.dumps(manifest, indent=2, ensure_ascii=False))
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, store_path / MANIFEST)


def is_complete(folder: Path) -> bool:
    """Whether a folder under stores/ is a complete build (its manifest, written last, is there)."""
    return (folder / MANIFEST).is_file()


def remove_partial_builds(settings: Settings) -> list[Path]:
    """Remove the folders under stores/ that never became builds (a build killed mid-way), except the one
    var/current names. Called under the build lock, so no build is writing one now."""
    stores = settings.store_dir / "stores"
    if not stores.is_dir():
        return []
    current = current_store_path(settings)
    removed = [f for f in stores.iterdir() if f.is_dir() and not is_complete(f) and f != current]
    for folder in removed:
        shutil.rmtree(folder, ignore_errors=True)
    return removed


def prune_old_builds(settings: Settings, keep: Path) -> None:
    """Keep the newest KEEP_BUILDS complete builds, `keep` and whatever var/current names; remove the rest,
    partial folders included. Never removes the current build or the newest complete one."""
    stores = settings.store_dir / "stores"
    complete = sorted((f for f in stores.iterdir() if f.is_dir() and is_complete(f)), key=lambda p: p.name)
    kept = {keep, *complete[-KEEP_BUILDS:]}
    current = current_store_path(settings)
    if current is not None:
        kept.add(current)
    for old in stores.iterdir():
        if old.is_dir() and old not in kept:
            shutil.rmtree(old, ignore_errors=True)


def context_graph(settings: Settings) -> Graph:
    """The shared context a document file is validated with: every data file but the documents."""
    context = Graph()
    for data_file in discover(settings):
        if data_file.role not in ("ontology", "documents"):
            context += graph_of(parse_file(data_file, settings))
    return context


def check_files(
    settings: Settings, paths: list[Path]
) -> list[tuple[Path, ValidationReport | None, list[str]]]:
    """Validate files a coordinator is working on, each with the context from data/.

    Returns, per file: its SHACL report (None when it does not parse) and its other problems
    (parse errors with line and column, quotes not found in their source texts).
    """
    context = context_graph(settings)
    shapes = compiled_shapes(settings.shapes_dir)
    ontology = ontology_graph(settings.ontology_dir)
    outcome: list[tuple[Path, ValidationReport | None, list[str]]] = []
    for path in paths:
        suffix = path.suffix if path.suffix in (".ttl", ".nt", ".jsonld", ".rdf", ".nq", ".trig") else ".ttl"
        data_file = DataFile(path, settings.base_iri + "graph/checked", "documents")
        try:
            if suffix != path.suffix:
                raise DataFileError(
                    path, f"unknown RDF file type {path.suffix!r} (use .ttl, .nt, .jsonld, .rdf)"
                )
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
        quote_problems += [
            str(p)
            for p in check_explicit_names(data, settings.base_iri)
            if URIRef(p.citation) in set(own.subjects())
        ]
        outcome.append((path, report, quote_problems))
    return outcome
