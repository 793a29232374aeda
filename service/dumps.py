"""The whole-graph dumps and the figures the catalogue publishes about them, written by the build.

For every dataset of the catalogue (the whole graph, each framework, each municipality with its
documents) the build writes one gzipped file per format into `{store}/dumps/`, and `dumps.json`
beside them: byte size, SHA-256, statement count and modification date of every file, so that the
catalogue and VoID never carry a hand-typed figure.

- N-Quads keeps the named graphs (one per data file); Turtle, N-Triples and JSON-LD hold the
  union of the graphs, each distinct triple once.
- The gzip header carries no time stamp, so the same data gives the same bytes and the same
  checksum: a harvester (and a cache) sees a change only when the data changed.
- A dataset's modification time carries over from the previous build while the data files it is
  made of are unchanged; its issue time is that of the first build (in this store folder) that
  published it.
- A dataset whose data files are unchanged since the previous build (same content hash, same dump
  writer) is not serialised again: its files are hard-linked (or copied) from the previous build's
  dumps, with their recorded figures. At 1 000 municipalities that turns the dumps of an incremental
  build from every dataset's into the changed municipality's and the whole graph's.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from .queries import load_query
from .settings import Settings

DUMPS_FOLDER = "dumps"
DUMPS_MANIFEST = "dumps.json"
GZIP_LEVEL = 6  # zlib's own default; Python's gzip module would take 9, its slowest
# What else the bytes of a dump depend on besides the data: a previous build's files are reused only
# when this is unchanged (bump it when the serialisation changes).
WRITER = f"3 pyoxigraph {ox.__version__} gzip-{GZIP_LEVEL}"
WHOLE_GRAPH = "integration-kg"


@dataclass(frozen=True)
class DumpFormat:
    """One serialisation offered as a dump."""

    key: str            # short name used in file names and URLs: ttl, nt, nq, jsonld
    suffix: str         # file name ending, before .gz
    media_type: str     # IANA media type of the uncompressed content
    file_type: str      # code in the EU file-type authority table
    title_sv: str
    title_en: str
    keeps_graphs: bool  # True: quads with their named graph; False: the union's triples
    rdf_format: ox.RdfFormat


FORMATS: tuple[DumpFormat, ...] = (
    DumpFormat("ttl", ".ttl", "text/turtle", "RDF_TURTLE", "Turtle", "Turtle", False, ox.RdfFormat.TURTLE),
    DumpFormat("nt", ".nt", "application/n-triples", "RDF_N_TRIPLES", "N-Triples", "N-Triples", False,
               ox.RdfFormat.N_TRIPLES),
    DumpFormat("nq", ".nq", "application/n-quads", "RDF_N_QUADS", "N-Quads (med namngivna grafer)",
               "N-Quads (named graphs kept)", True, ox.RdfFormat.N_QUADS),
    DumpFormat("jsonld", ".jsonld", "application/ld+json", "JSON_LD", "JSON-LD", "JSON-LD", False,
               ox.RdfFormat.JSON_LD),
)
FORMATS_BY_KEY: dict[str, DumpFormat] = {f.key: f for f in FORMATS}
GZIP_MEDIA_TYPE = "application/gzip"

PREFIXES: dict[str, str] = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
}


def file_name(dataset_slug: str, fmt: DumpFormat) -> str:
    return f"{dataset_slug}{fmt.suffix}.gz"


@dataclass(frozen=True)
class DatasetPart:
    """A dataset of the catalogue and the named graphs it is made of."""

    slug: str
    kind: str          # "graph" (the whole graph), "framework" or "municipality"
    subject: str       # the framework or municipality IRI ("" for the whole graph)
    graphs: tuple[str, ...]


def dataset_parts(store: ox.Store, base_iri: str, graphs: Iterable[str]) -> list[DatasetPart]:
    """The whole graph, one dataset per framework and one per municipality (its own graph and the
    graphs of the documents it publishes), found in the data rather than by file name."""
    parts = [DatasetPart(WHOLE_GRAPH, "graph", "", tuple(sorted(graphs)))]
    for kind, query_name in (("framework", "catalog-framework-graphs"), ("municipality", "catalog-municipality-graphs")):
        members: dict[str, set[str]] = {}
        for solution in store.query(load_query(query_name, base_iri)):
            members.setdefault(solution["subject"].value, set()).add(solution["graph"].value)
        prefix = base_iri + ("id/framework/" if kind == "framework" else "id/municipality/")
        for subject in sorted(members):
            local = subject[len(prefix):] if subject.startswith(prefix) else subject.rsplit("/", 1)[-1]
            parts.append(DatasetPart(f"{kind}-{local}", kind, subject, tuple(sorted(members[subject]))))
    return parts


PART_PREDICATES = (ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                   ox.NamedNode("http://purl.org/dc/terms/publisher"),
                   ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf"))


def parts_store(triples_by_graph: Mapping[str, Sequence[ox.Quad]]) -> ox.Store:
    """An in-memory store that answers the two catalog-*-graphs queries as the build's store would:
    they read only rdf:type, dcterms:publisher and rdfs:subClassOf triples, so a store holding just
    those (in their graphs, and in the default graph, the build's layout) gives the same answers
    without waiting for the store on disk."""
    store = ox.Store()
    quads = []
    for graph, triples in triples_by_graph.items():
        name = ox.NamedNode(graph)
        for triple in triples:
            if triple.predicate in PART_PREDICATES:
                quads += [triple, ox.Quad(triple.subject, triple.predicate, triple.object, name)]
    store.bulk_extend(quads)
    return store


def write_dumps(settings: Settings, store_path: Path, triples_by_graph: Mapping[str, list[ox.Quad]],
                graph_hashes: Mapping[str, str]) -> dict[str, object]:
    """Write every dump of every dataset into `{store_path}/dumps/`, and the manifest beside them.
    Returns the manifest (also written as dumps.json).

    `triples_by_graph` holds each named graph's triples as parsed (default-graph quads, blank nodes
    with stable names, service/build_store.py); statements are written graph by graph (graphs sorted)
    in file order, so the same files give the same bytes. `graph_hashes`: each named graph → the
    SHA-256 of the file(s) it was loaded from (a dataset is written again when one of them changed).
    Files are written in two threads (zlib works outside the GIL), each streamed into its gzip file,
    so a whole-graph dump never sits in memory uncompressed. Needs no store: the build writes the
    dumps while its store is being written."""
    folder = store_path / DUMPS_FOLDER
    folder.mkdir(exist_ok=True)
    parts = dataset_parts(parts_store(triples_by_graph), settings.base_iri, triples_by_graph)
    graph_files = graph_hashes
    previous = previous_manifest(settings, store_path)
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    prefixes = dump_prefixes(settings.base_iri)

    datasets: dict[str, object] = {}
    files: dict[str, object] = {}
    previous_folder = previous_dumps_folder(settings, store_path)
    reused = 0
    work: list[tuple[str, Sequence[ox.Quad] | tuple[str, ...], DumpFormat, str, str, str]] = []
    for part in parts:
        digest = hashlib.sha256("\n".join(f"{g} {graph_files.get(g, '')}" for g in part.graphs).encode()).hexdigest()
        old = previous.get("datasets", {}).get(part.slug, {}) if isinstance(previous.get("datasets"), dict) else {}
        modified = old.get("modified") if old.get("content_sha256") == digest and old.get("modified") else now
        issued = old.get("issued") or now
        if previous.get("writer") == WRITER and old.get("content_sha256") == digest and previous_folder is not None \
                and _reuse(previous_folder, folder, part.slug, previous.get("files"), files):
            datasets[part.slug] = {**old, "graphs": list(part.graphs)}
            reused += 1
            continue
        graphs = tuple(g for g in part.graphs if g in triples_by_graph)
        triples = list(dict.fromkeys(t for g in graphs for t in triples_by_graph[g]))
        for fmt in FORMATS:
            work.append((file_name(part.slug, fmt), graphs if fmt.keeps_graphs else triples, fmt, part.slug,
                         issued, modified))
        datasets[part.slug] = {"kind": part.kind, "subject": part.subject, "graphs": list(part.graphs),
                               "triples": len(triples), "quads": sum(len(triples_by_graph[g]) for g in graphs),
                               "content_sha256": digest, "issued": issued, "modified": modified}

    def write(item: tuple[str, Sequence[ox.Quad] | tuple[str, ...], DumpFormat, str, str, str]) -> None:
        name, statements, fmt, slug, issued, modified = item
        path = folder / name
        with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                                                    compresslevel=GZIP_LEVEL) as stream:
            if fmt.keeps_graphs:  # statements: the dataset's graph names
                for graph in statements:
                    stream.write(nquads(triples_by_graph, (graph,)))  # type: ignore[arg-type]
                count = sum(len(triples_by_graph[g]) for g in statements)  # type: ignore[arg-type]
            else:  # streamed: a whole-graph dump never sits in memory uncompressed
                serialise(statements, fmt, prefixes, stream)  # type: ignore[arg-type]
                count = len(statements)
        size, sha256 = path.stat().st_size, file_sha256(path)
        files[name] = {"dataset": slug, "format": fmt.key, "media_type": fmt.media_type, "bytes": size,
                       "sha256": sha256, "statements": count, "issued": issued, "modified": modified}

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(write, sorted(work, key=lambda item: -len(item[1]))))
    manifest: dict[str, object] = {"build_id": store_path.name, "written_at": now, "writer": WRITER,
                                   "reused_datasets": reused, "datasets": datasets,
                                   "files": dict(sorted(files.items()))}
    (folder / DUMPS_MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    return manifest


def _reuse(previous_folder: Path, folder: Path, slug: str, previous_files: object,
           files: dict[str, object]) -> bool:
    """Link (or copy) every file of one dataset from the previous build when all are there and still
    have the recorded size; False (and nothing added to `files`) otherwise."""
    if not isinstance(previous_files, dict):
        return False
    names = [file_name(slug, fmt) for fmt in FORMATS]
    figures = [previous_files.get(name) for name in names]
    if not all(isinstance(f, dict) and (previous_folder / n).is_file()
               and (previous_folder / n).stat().st_size == f.get("bytes") for n, f in zip(names, figures)):
        return False
    for name, figure in zip(names, figures):
        target = folder / name
        target.unlink(missing_ok=True)
        try:
            os.link(previous_folder / name, target)
        except OSError:
            shutil.copy2(previous_folder / name, target)
        files[name] = dict(figure)  # type: ignore[arg-type]
    return True


def previous_dumps_folder(settings: Settings, new_store: Path) -> Path | None:
    """The dumps folder of the build being replaced (None when there is none)."""
    try:
        path = settings.current_store.resolve()
    except OSError:
        return None
    folder = path / DUMPS_FOLDER
    return folder if path != new_store and folder.is_dir() else None


def previous_manifest(settings: Settings, new_store: Path) -> Mapping[str, object]:
    """The dumps manifest of the build being replaced, if any (for carrying modification dates over)."""
    current = settings.current_store
    try:
        path = current.resolve()
    except OSError:
        return {}
    manifest = path / DUMPS_FOLDER / DUMPS_MANIFEST
    if path == new_store or not manifest.is_file():
        return {}
    try:
        return json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def read_manifest(store_path: Path) -> dict[str, object]:
    """The dumps manifest of a build; an empty one for a build written before dumps existed."""
    path = store_path / DUMPS_FOLDER / DUMPS_MANIFEST
    if not path.is_file():
        return {"datasets": {}, "files": {}}
    return json.loads(path.read_text(encoding="utf-8"))


def dump_prefixes(base_iri: str) -> dict[str, str]:
    """The prefixes written into Turtle and JSON-LD dumps: the common vocabularies and the graph's own."""
    return {**PREFIXES, "ikg": base_iri + "ontology#", "fw": base_iri + "id/framework/",
            "mun": base_iri + "id/municipality/", "doc": base_iri + "id/document/"}


def serialise(triples: Sequence[ox.Quad], fmt: DumpFormat, prefixes: dict[str, str], output: BinaryIO) -> None:
    """Triples (default-graph quads) in one of the triple formats, written to `output`."""
    keep = prefixes if fmt.rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.JSON_LD) else None
    ox.serialize(triples, output, fmt.rdf_format, prefixes=keep)


def nquads(triples_by_graph: Mapping[str, Sequence[ox.Quad]], graphs: Iterable[str]) -> bytes:
    """The graphs as N-Quads: each graph's N-Triples with its name put before every line's final " .".
    N-Triples escapes line breaks inside literals, so " .\\n" only ever ends a statement."""
    chunks = []
    for graph in graphs:
        lines = ox.serialize(triples_by_graph[graph], format=ox.RdfFormat.N_TRIPLES)
        chunks.append(lines.replace(b" .\n", b" " + str(ox.NamedNode(graph)).encode() + b" .\n"))
    return b"".join(chunks)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as written:
        for block in iter(lambda: written.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
