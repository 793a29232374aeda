"""The whole-graph dumps and the figures the catalogue publishes about them, written by the build.

For every dataset of the catalogue (the whole graph, each framework, each municipality with its
documents) the build writes one gzipped file per format into `{store}/dumps/`, and `dumps.json`
beside them: byte size, SHA-256, statement count and modification date of every file, so that the
catalogue and VoID never carry a hand-typed figure.

- Every dump is assembled from per-graph pieces. A gzip file may be a series of members (RFC 1952,
  section 2.2; Python's gzip, zcat and every gzip library read them as one stream), so a dump is a
  header member (Turtle's prefixes, JSON-LD's `{"@context": …, "@graph": [`), one member per named
  graph (sorted by graph name) and, for JSON-LD, a footer member (`]}`; a member holding ",\n" sits
  between two graphs' node objects, and a graph without triples contributes nothing). A graph's
  piece depends only on its triples (as parsed, blank nodes with stable names), the base IRI and
  WRITER, so it is compressed once: the whole-graph dump records where each graph's pieces sit in it
  (`pieces.json`), the datasets' dumps copy those bytes, and the next build copies the pieces of the
  graphs whose files did not change from the previous build's whole-graph dumps, compressing only
  the changed graphs'. A full build goes the same way, so a full and an incremental build of the same
  files write the same bytes.
- N-Quads keeps the named graphs (one per data file); Turtle, N-Triples and JSON-LD hold the
  union of the graphs. Each graph's piece holds its distinct triples once, but a triple that two
  files both state is in both graphs' pieces, so it occurs twice in the whole-graph (or a
  dataset's) N-Triples, Turtle and JSON-LD. An RDF graph is a set and parsers drop the repeat; the
  statement counts in dumps.json are those of distinct triples (the store's).
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
import itertools
import json
import os
import shutil
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .queries import load_query
from .rdfterms import select, serialized
from .settings import Settings

DUMPS_FOLDER = "dumps"
DUMPS_MANIFEST = "dumps.json"
GZIP_LEVEL = 6  # zlib's own default; Python's gzip module would take 9, its slowest
# What else the bytes of a dump depend on besides the data: a previous build's files are reused only
# when this is unchanged (bump it when the serialisation changes).
WRITER = f"4 pieces pyoxigraph {ox.__version__} zlib {zlib.ZLIB_RUNTIME_VERSION} gzip-{GZIP_LEVEL}"
PIECES_INDEX = "pieces.json"  # where each graph's pieces sit in the whole-graph dumps (not a published file)
WHOLE_GRAPH = "integration-kg"


@dataclass(frozen=True)
class DumpFormat:
    """One serialisation offered as a dump."""

    key: str  # short name used in file names and URLs: ttl, nt, nq, jsonld
    suffix: str  # file name ending, before .gz
    media_type: str  # IANA media type of the uncompressed content
    file_type: str  # code in the EU file-type authority table
    title_sv: str
    title_en: str
    keeps_graphs: bool  # True: quads with their named graph; False: the union's triples
    rdf_format: ox.RdfFormat


FORMATS: tuple[DumpFormat, ...] = (
    DumpFormat("ttl", ".ttl", "text/turtle", "RDF_TURTLE", "Turtle", "Turtle", False, ox.RdfFormat.TURTLE),
    DumpFormat(
        "nt",
        ".nt",
        "application/n-triples",
        "RDF_N_TRIPLES",
        "N-Triples",
        "N-Triples",
        False,
        ox.RdfFormat.N_TRIPLES,
    ),
    DumpFormat(
        "nq",
        ".nq",
        "application/n-quads",
        "RDF_N_QUADS",
        "N-Quads (med namngivna grafer)",
        "N-Quads (named graphs kept)",
        True,
        ox.RdfFormat.N_QUADS,
    ),
    DumpFormat(
        "jsonld",
        ".jsonld",
        "application/ld+json",
        "JSON_LD",
        "JSON-LD",
        "JSON-LD",
        False,
        ox.RdfFormat.JSON_LD,
    ),
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
    kind: str  # "graph" (the whole graph), "framework" or "municipality"
    subject: str  # the framework or municipality IRI ("" for the whole graph)
    graphs: tuple[str, ...]


def dataset_parts(store: ox.Store, base_iri: str, graphs: Iterable[str]) -> list[DatasetPart]:
    """The whole graph, one dataset per framework and one per municipality (its own graph and the
    graphs of the documents it publishes), found in the data rather than by file name."""
    parts = [DatasetPart(WHOLE_GRAPH, "graph", "", tuple(sorted(graphs)))]
    for kind, query_name in (
        ("framework", "catalog-framework-graphs"),
        ("municipality", "catalog-municipality-graphs"),
    ):
        members: dict[str, set[str]] = {}
        for solution in select(store, load_query(query_name, base_iri)):
            members.setdefault(solution["subject"].value, set()).add(solution["graph"].value)
        prefix = base_iri + ("id/framework/" if kind == "framework" else "id/municipality/")
        for subject in sorted(members):
            local = subject[len(prefix) :] if subject.startswith(prefix) else subject.rsplit("/", 1)[-1]
            parts.append(DatasetPart(f"{kind}-{local}", kind, subject, tuple(sorted(members[subject]))))
    return parts


PART_PREDICATES = (
    ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
    ox.NamedNode("http://purl.org/dc/terms/publisher"),
    ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf"),
)


def parts_store(
    triples_by_graph: Mapping[str, Sequence[ox.Quad]], municipality_class: str | None = None
) -> ox.Store:
    """An in-memory store that answers the two catalog-*-graphs queries as the build's store would:
    they read only rdf:type, dcterms:publisher and rdfs:subClassOf triples, and the triples whose
    subject is a municipality (of `municipality_class`, by default {any base}ontology#Municipality: a
    municipality's own file need not repeat its type, which the generated table states), so a store holding just those (in their graphs, and in
    the default graph, the build's layout) gives the same answers without waiting for the store on disk."""
    store = ox.Store()
    quads = []

    def is_municipality_class(term: object) -> bool:
        if municipality_class:
            return term == ox.NamedNode(municipality_class)
        return isinstance(term, ox.NamedNode) and term.value.endswith("/ontology#Municipality")

    municipalities = {
        t.subject
        for triples in triples_by_graph.values()
        for t in triples
        if t.predicate == PART_PREDICATES[0] and is_municipality_class(t.object)
    }
    for graph, triples in triples_by_graph.items():
        name = ox.NamedNode(graph)
        for triple in triples:
            if triple.predicate in PART_PREDICATES or triple.subject in municipalities:
                quads += [triple, ox.Quad(triple.subject, triple.predicate, triple.object, name)]
    store.bulk_extend(quads)
    return store


@dataclass
class BuildGraphs:
    """What the dumps need to know about a build's named graphs."""

    hashes: Mapping[str, str]  # every graph → the SHA-256 of the file(s) it was loaded from
    triples: Mapping[str, int]  # every graph → how many distinct triples it holds
    union_triples: int  # distinct triples of all graphs (the store's default graph)
    parsed: Mapping[str, Sequence[ox.Quad]]  # the graphs this build parsed → their distinct triples
    # any graph's triples (default-graph quads, as parsed): a graph that was not parsed is read from the store
    read: Callable[[str], Iterable[ox.Quad]] = field(default=lambda graph: ())

    def distinct_triples(self, graphs: Sequence[str]) -> int:
        if len(graphs) == 1:
            return self.triples[graphs[0]]
        return len(
            set(
                itertools.chain.from_iterable(
                    self.parsed[g] if g in self.parsed else self.read(g) for g in graphs
                )
            )
        )


def piece_keys(base_iri: str, graph_hashes: Mapping[str, str]) -> dict[str, str]:
    """A key per graph that changes whenever the graph's pieces could: its name, the SHA-256 of its
    file(s), the base IRI (the prefixes, and the IRIs the files are rebased onto) and WRITER."""
    return {
        graph: hashlib.sha256(f"{WRITER}\n{base_iri}\n{graph}\n{sha}".encode()).hexdigest()
        for graph, sha in graph_hashes.items()
    }


@dataclass
class PreviousPieces:
    """Where the previous build's whole-graph dumps hold each graph's compressed pieces."""

    folder: Path
    keys: dict[str, str]  # graph → its piece key then
    ranges: dict[str, dict[str, list[int]]]  # format key → graph → [offset, length] in the whole-graph dump

    def reusable(self, keys: Mapping[str, str]) -> set[str]:
        """The graphs whose pieces can be copied: same key (same files, base IRI and writer)."""
        return {
            graph
            for graph, key in keys.items()
            if self.keys.get(graph) == key and all(graph in self.ranges.get(fmt.key, {}) for fmt in FORMATS)
        }


def previous_pieces(settings: Settings, new_store: Path | None = None) -> PreviousPieces | None:
    """The pieces index of the build being replaced, when its whole-graph dumps are still there as it
    wrote them (same WRITER, the recorded sizes); None otherwise (every graph's pieces are written)."""
    folder = previous_dumps_folder(settings, new_store)
    if folder is None:
        return None
    try:
        index = json.loads((folder / PIECES_INDEX).read_text(encoding="utf-8"))
        if index.get("writer") != WRITER:
            return None
        for fmt in FORMATS:
            if (folder / file_name(WHOLE_GRAPH, fmt)).stat().st_size != index["bytes"][fmt.key]:
                return None
        return PreviousPieces(folder, dict(index["keys"]), {k: dict(v) for k, v in index["ranges"].items()})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def compressed(data: bytes) -> bytes:
    """One gzip member (no time stamp: the same data gives the same bytes)."""
    return gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)


JSONLD_SEPARATOR = compressed(b",\n")  # the member between two graphs' JSON-LD node objects


@lru_cache(maxsize=8)
def turtle_prefix_block(prefixes: tuple[tuple[str, str], ...]) -> bytes:
    """The `@prefix` lines pyoxigraph starts every Turtle document with, for these prefixes."""
    sample = ox.Quad(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.NamedNode("urn:x:o"))
    text = serialized([sample], ox.RdfFormat.TURTLE, dict(prefixes))
    return b"".join(line for line in text.splitlines(keepends=True) if line.startswith(b"@prefix "))


def header(fmt: DumpFormat, prefixes: dict[str, str]) -> bytes:
    """What a dump starts with, before the first graph's piece."""
    if fmt.rdf_format == ox.RdfFormat.TURTLE:
        return turtle_prefix_block(tuple(prefixes.items()))
    if fmt.rdf_format == ox.RdfFormat.JSON_LD:
        return b'{"@context": ' + json.dumps(prefixes).encode() + b', "@graph": [\n'
    return b""


def footer(fmt: DumpFormat) -> bytes:
    return b"\n]}\n" if fmt.rdf_format == ox.RdfFormat.JSON_LD else b""


def graph_chunk(fmt: DumpFormat, graph: str, triples: Sequence[ox.Quad], prefixes: dict[str, str]) -> bytes:
    """One graph's statements as they sit in a dump of format `fmt` (uncompressed): N-Triples, N-Quads,
    Turtle without the prefix lines (they are in the header and the chunk only uses those), JSON-LD's
    node objects without the enclosing array. Empty when the graph holds no triples."""
    if not triples:
        return b""
    if fmt.keeps_graphs:
        return nquads({graph: triples}, (graph,))
    if fmt.rdf_format == ox.RdfFormat.TURTLE:
        block = turtle_prefix_block(tuple(prefixes.items()))
        text = serialized(triples, fmt.rdf_format, prefixes)
        if not text.startswith(block):
            raise ValueError(f"unexpected Turtle prefix lines for {graph}")
        return text[len(block) :]
    text = serialized(triples, fmt.rdf_format)
    if fmt.rdf_format == ox.RdfFormat.JSON_LD:
        text = text.strip()
        if not (text.startswith(b"[") and text.endswith(b"]")):
            raise ValueError(f"unexpected JSON-LD document for {graph}")
        return text[1:-1].strip()
    return text


class DumpFile:
    """A dump being written member by member: keeps its size (the next member's offset) and SHA-256."""

    def __init__(self, path: Path) -> None:
        self.path, self.file, self.size, self.digest = path, open(path, "wb"), 0, hashlib.sha256()

    def write(self, member: bytes) -> None:
        self.file.write(member)
        self.digest.update(member)
        self.size += len(member)

    def close(self) -> None:
        self.file.close()


def write_dumps(
    settings: Settings, store_path: Path, parts: Sequence[DatasetPart], graphs: BuildGraphs
) -> dict[str, Any]:
    """Write every dump of every dataset into `{store_path}/dumps/`, the manifest (dumps.json) and the
    pieces index beside them. Returns the manifest.

    `parts`: the datasets (`dataset_parts`, the whole graph first). The whole-graph dumps are written
    graph by graph (graphs sorted): a graph's pieces are copied from the previous build's whole-graph
    dumps when its key (`piece_keys`) is unchanged, otherwise serialised from `graphs.parsed` and
    compressed. The four formats are written in two threads (zlib works outside the GIL). A dataset
    whose files are unchanged since the previous build keeps that build's files (hard links); the
    others are assembled from the new whole-graph dumps' pieces, without compressing anything again.
    Needs no store: a full build writes the dumps while its store is being written."""
    folder = store_path / DUMPS_FOLDER
    folder.mkdir(exist_ok=True)
    previous = previous_manifest(settings, store_path)
    previous_folder = previous_dumps_folder(settings, store_path)
    pieces = previous_pieces(settings, store_path)
    keys = piece_keys(settings.base_iri, graphs.hashes)
    reusable = pieces.reusable(keys) if pieces is not None else set()
    missing = [g for g in sorted(graphs.hashes) if g not in reusable and g not in graphs.parsed]
    if missing:
        raise ValueError(
            f"the dumps need the triples of {len(missing)} graphs that were not parsed, e.g. {missing[0]}"
        )
    now = datetime.now(UTC).isoformat(timespec="seconds")
    prefixes = dump_prefixes(settings.base_iri)
    header_members = {fmt.key: compressed(header(fmt, prefixes)) for fmt in FORMATS}
    footer_members = {fmt.key: compressed(footer(fmt)) if footer(fmt) else b"" for fmt in FORMATS}

    datasets: dict[str, dict[str, Any]] = {}
    files: dict[str, dict[str, Any]] = {}
    reused = 0
    to_write: list[DatasetPart] = []
    for part in parts:
        part_graphs = tuple(g for g in part.graphs if g in graphs.hashes)
        digest = hashlib.sha256(
            "\n".join(f"{g} {graphs.hashes.get(g, '')}" for g in part.graphs).encode()
        ).hexdigest()
        old = (
            previous.get("datasets", {}).get(part.slug, {})
            if isinstance(previous.get("datasets"), dict)
            else {}
        )
        modified = old.get("modified") if old.get("content_sha256") == digest and old.get("modified") else now
        issued = old.get("issued") or now
        if (
            part.kind != "graph"
            and previous.get("writer") == WRITER
            and old.get("content_sha256") == digest
            and previous_folder is not None
            and _reuse(previous_folder, folder, part.slug, previous.get("files"), files)
        ):
            datasets[part.slug] = {**old, "graphs": list(part.graphs)}
            reused += 1
            continue
        triples = graphs.union_triples if part.kind == "graph" else graphs.distinct_triples(part_graphs)
        quads = sum(graphs.triples[g] for g in part_graphs)
        for fmt in FORMATS:
            files[file_name(part.slug, fmt)] = {
                "dataset": part.slug,
                "format": fmt.key,
                "media_type": fmt.media_type,
                "statements": quads if fmt.keeps_graphs else triples,
                "issued": issued,
                "modified": modified,
            }
        datasets[part.slug] = {
            "kind": part.kind,
            "subject": part.subject,
            "graphs": list(part.graphs),
            "triples": triples,
            "quads": quads,
            "content_sha256": digest,
            "issued": issued,
            "modified": modified,
        }
        if part.kind != "graph":
            to_write.append(part)

    all_graphs = sorted(graphs.hashes)
    ranges: dict[str, dict[str, list[int]]] = {}

    def finish(out: DumpFile) -> None:
        out.close()
        files[out.path.name].update(bytes=out.size, sha256=out.digest.hexdigest())

    def assemble(out: DumpFile, fmt: DumpFormat, pieces: Iterable[tuple[str, bytes]]) -> dict[str, list[int]]:
        """Write a dump as members: the header, each graph's piece (JSON-LD: ",\n" between two non-empty
        ones), the footer. Returns where each graph's piece sits ([offset, length])."""
        placed: dict[str, list[int]] = {}
        out.write(header_members[fmt.key])
        wrote = False
        for graph, piece in pieces:
            if piece and wrote and fmt.rdf_format == ox.RdfFormat.JSON_LD:
                out.write(JSONLD_SEPARATOR)
            placed[graph] = [out.size, len(piece)]
            out.write(piece)
            wrote = wrote or bool(piece)
        out.write(footer_members[fmt.key])
        return placed

    def write_whole(fmt: DumpFormat) -> None:
        """The whole-graph dump of one format, graph by graph; where each graph's piece went."""
        source = (
            open(pieces.folder / file_name(WHOLE_GRAPH, fmt), "rb")
            if pieces is not None and reusable
            else None
        )

        def piece_of(graph: str) -> bytes:
            if graph in reusable and pieces is not None and source is not None:  # (reusable implies both)
                offset, length = pieces.ranges[fmt.key][graph]
                piece = os.pread(source.fileno(), length, offset) if length else b""
                if len(piece) != length:
                    raise OSError(
                        f"the previous build's {file_name(WHOLE_GRAPH, fmt)} is shorter than its index says"
                    )
                return piece
            chunk = graph_chunk(fmt, graph, graphs.parsed[graph], prefixes)
            return compressed(chunk) if chunk else b""

        out = DumpFile(folder / file_name(WHOLE_GRAPH, fmt))
        try:
            ranges[fmt.key] = assemble(out, fmt, ((graph, piece_of(graph)) for graph in all_graphs))
        finally:
            if source is not None:
                source.close()
            finish(out)

    def write_part(item: tuple[DatasetPart, DumpFormat]) -> None:
        """A dataset's dump of one format: the header, its graphs' pieces from the whole-graph dump, the footer."""
        part, fmt = item
        placed = ranges[fmt.key]
        out = DumpFile(folder / file_name(part.slug, fmt))
        with open(folder / file_name(WHOLE_GRAPH, fmt), "rb") as source:
            assemble(
                out,
                fmt,
                (
                    (graph, os.pread(source.fileno(), placed[graph][1], placed[graph][0]))
                    for graph in sorted(g for g in part.graphs if g in placed)
                ),
            )
        finish(out)

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(write_whole, sorted(FORMATS, key=lambda f: WRITE_ORDER.index(f.key))))
        list(pool.map(write_part, [(part, fmt) for part in to_write for fmt in FORMATS]))
    index = {
        "writer": WRITER,
        "keys": keys,
        "bytes": {fmt.key: files[file_name(WHOLE_GRAPH, fmt)]["bytes"] for fmt in FORMATS},
        "ranges": ranges,
    }
    (folder / PIECES_INDEX).write_text(json.dumps(index, separators=(",", ":")), encoding="utf-8")
    manifest: dict[str, Any] = {
        "build_id": store_path.name,
        "written_at": now,
        "writer": WRITER,
        "reused_datasets": reused,
        "reused_graphs": len(reusable),
        "datasets": datasets,
        "files": dict(sorted(files.items())),
    }
    (folder / DUMPS_MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    return manifest


WRITE_ORDER = ("nq", "jsonld", "nt", "ttl")  # the largest first, so the two threads finish together


def _reuse(
    previous_folder: Path, folder: Path, slug: str, previous_files: object, files: dict[str, dict[str, Any]]
) -> bool:
    """Link (or copy) every file of one dataset from the previous build when all are there and still
    have the recorded size; False (and nothing added to `files`) otherwise."""
    if not isinstance(previous_files, dict):
        return False
    names = [file_name(slug, fmt) for fmt in FORMATS]
    figures: list[Any] = [previous_files.get(name) for name in names]
    if not all(
        isinstance(f, dict)
        and (previous_folder / n).is_file()
        and (previous_folder / n).stat().st_size == f.get("bytes")
        for n, f in zip(names, figures)
    ):
        return False
    for name, figure in zip(names, figures):
        target = folder / name
        target.unlink(missing_ok=True)
        try:
            os.link(previous_folder / name, target)
        except OSError:
            shutil.copy2(previous_folder / name, target)
        files[name] = dict(figure)
    return True


def previous_dumps_folder(settings: Settings, new_store: Path | None = None) -> Path | None:
    """The dumps folder of the build being replaced (None when there is none)."""
    try:
        path = settings.current_store.resolve()
    except OSError:
        return None
    folder = path / DUMPS_FOLDER
    return folder if path != new_store and folder.is_dir() else None


def previous_manifest(settings: Settings, new_store: Path) -> dict[str, Any]:
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


def read_manifest(store_path: Path) -> dict[str, Any]:
    """The dumps manifest of a build; an empty one for a build written before dumps existed."""
    path = store_path / DUMPS_FOLDER / DUMPS_MANIFEST
    if not path.is_file():
        return {"datasets": {}, "files": {}}
    return json.loads(path.read_text(encoding="utf-8"))


def dump_prefixes(base_iri: str) -> dict[str, str]:
    """The prefixes written into Turtle and JSON-LD dumps: the common vocabularies and the graph's own."""
    return {
        **PREFIXES,
        "ikg": base_iri + "ontology#",
        "fw": base_iri + "id/framework/",
        "mun": base_iri + "id/municipality/",
        "doc": base_iri + "id/document/",
    }


def nquads(triples_by_graph: Mapping[str, Sequence[ox.Quad]], graphs: Iterable[str]) -> bytes:
    """The graphs as N-Quads: each graph's N-Triples with its name put before every line's final " .".
    N-Triples escapes line breaks inside literals, so " .\\n" only ever ends a statement."""
    chunks = []
    for graph in graphs:
        lines = serialized(triples_by_graph[graph], ox.RdfFormat.N_TRIPLES)
        chunks.append(lines.replace(b" .\n", b" " + str(ox.NamedNode(graph)).encode() + b" .\n"))
    return b"".join(chunks)
