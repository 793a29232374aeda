"""The files under data/, ontology/ and shapes/: which named graph each goes to, and parsing them.

Parsing uses pyoxigraph (fast, and its errors carry line and column); the result is a list of
pyoxigraph quads in the file's named graph, with the default base IRI rewritten to the configured one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .geo import TABLES, TableError, table_name
from .settings import DEFAULT_BASE_IRI, Settings

FORMATS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
}


class DataFileError(Exception):
    """A data file that cannot be read or parsed; the message names the file, line and column."""

    def __init__(self, path: Path, message: str, line: int | None = None, column: int | None = None) -> None:
        self.path, self.line, self.column = path, line, column
        where = f"{path}"
        if line is not None:
            where += f":{line}" + (f":{column}" if column is not None else "")
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class DataFile:
    """One source file of the graph."""

    path: Path
    graph_iri: str
    role: str  # "ontology", "frameworks", "municipalities", "documents", "catalog", or "data"

    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def discover(settings: Settings) -> list[DataFile]:
    """Every RDF file the build loads, in a stable order: ontology first, then data/ by path.

    data/sources/ holds source texts, not RDF, and data/catalog.ttl is catalogue metadata that the
    publishing step reads; both are left out of the graph's data files here. The tables in
    service.geo.TABLES (data/geo/*.csv: all municipalities and counties) are data files too: they
    become triples when parsed.
    """
    files = [
        DataFile(path, settings.base_iri + "graph/ontology", "ontology")
        for path in sorted(settings.ontology_dir.glob("*.ttl"))
    ]
    data_dir = settings.data_dir
    for path in sorted(data_dir.rglob("*")):
        relative = path.relative_to(data_dir)
        if not path.is_file() or (path.suffix not in FORMATS and relative.as_posix() not in TABLES):
            continue
        if relative.parts[0] == "sources" or relative.as_posix() == "catalog.ttl":
            continue
        role = relative.parts[0] if len(relative.parts) > 1 else "data"
        files.append(DataFile(path, graph_iri_for(settings, relative), role))
    return files


def graph_iri_for(settings: Settings, relative: Path) -> str:
    """`{base}graph/{path under data/ without extension}` (DESIGN, identifiers)."""
    return settings.base_iri + "graph/" + relative.with_suffix("").as_posix()


def parse_bytes(
    content: bytes,
    fmt: ox.RdfFormat,
    *,
    origin: Path,
    graph: ox.NamedNode | None,
    base_iri: str = DEFAULT_BASE_IRI,
    relative_iris: bool = False,
) -> list[ox.Quad]:
    """Parse RDF into quads of one graph; raise DataFileError naming line and column on bad syntax.

    JSON-LD is parsed without fetching any remote context: pyoxigraph never loads one. Relative IRIs
    resolve against base_iri in RDF/XML always, in every format with `relative_iris` (posted data).
    """
    try:
        quads = list(
            ox.parse(
                content,
                format=fmt,
                base_iri=base_iri if relative_iris or fmt is ox.RdfFormat.RDF_XML else None,
                without_named_graphs=graph is not None
                and fmt not in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG),
            )
        )
    except SyntaxError as error:
        line, column = _position(error)
        raise DataFileError(origin, _message(error), line, column) from None
    except (ValueError, OSError) as error:
        raise DataFileError(origin, str(error)) from None
    if graph is not None:
        quads = [ox.Quad(q.subject, q.predicate, q.object, graph) for q in quads]
    return quads


def parse_file(data_file: DataFile, settings: Settings, *, in_graph: bool = True) -> list[ox.Quad]:
    """Parse one data file into its named graph, rebased onto the configured base IRI.

    With in_graph=False the quads stay in the default graph (the build attaches the graph name when it
    writes the store, and serialises triples for the dumps without converting each quad)."""
    try:
        content = data_file.path.read_bytes()
    except OSError as error:
        raise DataFileError(data_file.path, f"cannot be read: {error.strerror}") from None
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DataFileError(data_file.path, f"is not UTF-8 (bad byte at offset {error.start})") from None
    if data_file.path.suffix not in FORMATS:
        return rebase(_table_quads(data_file, content.decode("utf-8"), in_graph), settings.base_iri)
    fmt = FORMATS[data_file.path.suffix]
    graph = (
        ox.NamedNode(data_file.graph_iri)
        if in_graph or fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)
        else None
    )
    quads = parse_bytes(content, fmt, origin=data_file.path, graph=graph)
    if not in_graph and graph is not None:
        quads = [ox.Quad(q.subject, q.predicate, q.object) for q in quads]
    return rebase(quads, settings.base_iri)


def is_data_file(path: Path) -> bool:
    """Whether the build can read this file: an RDF format, or one of the tables of service.geo."""
    return path.suffix in FORMATS or table_name(path) is not None


def _table_quads(data_file: DataFile, text: str, in_graph: bool) -> list[ox.Quad]:
    name = table_name(data_file.path)
    if name is None:
        raise DataFileError(data_file.path, f"unknown file type {data_file.path.suffix!r}")
    try:
        triples = TABLES[name](text)
    except TableError as error:
        raise DataFileError(data_file.path, str(error), error.line) from None
    graph = ox.NamedNode(data_file.graph_iri) if in_graph else ox.DefaultGraph()
    return [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples]


def rebase(quads: list[ox.Quad], base_iri: str) -> list[ox.Quad]:
    """Rewrite IRIs under the default base onto the configured one (files are written against the default)."""
    if base_iri == DEFAULT_BASE_IRI:
        return quads

    def moved(iri: ox.NamedNode) -> ox.NamedNode:
        if iri.value.startswith(DEFAULT_BASE_IRI):
            return ox.NamedNode(base_iri + iri.value[len(DEFAULT_BASE_IRI) :])
        return iri

    def rebased(quad: ox.Quad) -> ox.Quad:
        subject, obj, graph = quad.subject, quad.object, quad.graph_name
        if isinstance(obj, ox.NamedNode):
            obj = moved(obj)
        elif isinstance(obj, ox.Literal) and obj.datatype.value.startswith(DEFAULT_BASE_IRI):
            obj = ox.Literal(obj.value, datatype=moved(obj.datatype))
        return ox.Quad(
            moved(subject) if isinstance(subject, ox.NamedNode) else subject,
            moved(quad.predicate),
            obj,
            moved(graph) if isinstance(graph, ox.NamedNode) else graph,
        )

    return [rebased(q) for q in quads]


def _position(error: SyntaxError) -> tuple[int | None, int | None]:
    if error.lineno is not None:
        return error.lineno, error.offset
    return None, None


def _message(error: SyntaxError) -> str:
    text = str(error.msg if hasattr(error, "msg") and error.msg else error)
    return text.split(": ", 1)[1] if text.startswith("Parser error at") and ": " in text else text
