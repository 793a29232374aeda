"""The quote check: every ikg:quote (of an ikg:Citation or an ikg:Alignment) occurs verbatim (white
space folded) in the source text it is derived from."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from .queries import load_query

_WHITESPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """White space folded to single spaces, Unicode normalised (NFC), ends trimmed."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


@dataclass(frozen=True)
class QuoteProblem:
    citation: str
    quote: str
    problem: str

    def __str__(self) -> str:
        excerpt = self.quote if len(self.quote) <= 80 else self.quote[:77] + "…"
        return f"{self.citation}: {self.problem} — quote «{excerpt}»"


@lru_cache(maxsize=256)
def _folded_text(path: Path, mtime: float) -> str:
    return fold(path.read_text(encoding="utf-8"))


def source_text(sources_dir: Path, file_name: str) -> str | None:
    """The folded text of a file under data/sources/, or None when there is no such file."""
    path = (sources_dir / file_name).resolve()
    if sources_dir.resolve() not in path.parents or not path.is_file():
        return None
    return _folded_text(path, path.stat().st_mtime)


def _rows(
    data: Graph | ox.Store, query: str, citations: Iterable[ox.NamedNode | ox.BlankNode] | None = None
) -> list[tuple[str, str, str | None, str | None]]:
    """(citation, quote, source, file) per answer of citation-quotes.rq, from rdflib or pyoxigraph;
    with `citations` (a Store only), the answers about those citations alone (one query each, with
    ?citation bound)."""
    if isinstance(data, ox.Store):

        def value(term: object) -> str | None:
            return None if term is None else term.value  # type: ignore[attr-defined]

        if citations is None:
            solutions: Iterable[ox.QuerySolution] = data.query(query)  # type: ignore[assignment]
        else:
            citation = ox.Variable("citation")
            solutions = (
                row for node in citations for row in data.query(query, substitutions={citation: node})
            )  # type: ignore[union-attr]
        return [
            (
                value(row["citation"]) or "",
                value(row["quote"]) or "",
                value(row["source"]),
                value(row["file"]),
            )
            for row in solutions
        ]
    if citations is not None:
        raise TypeError("checking chosen citations needs a pyoxigraph Store")
    return [
        (
            str(row.citation),
            str(row.quote),
            None if row.source is None else str(row.source),
            None if row.file is None else str(row.file),
        )
        for row in data.query(query)
    ]  # type: ignore[union-attr]


def check_quotes(
    data: Graph | ox.Store,
    sources_dir: Path,
    base_iri: str,
    citations: Iterable[ox.NamedNode | ox.BlankNode] | None = None,
) -> list[QuoteProblem]:
    """Every problem with a citation's quote: no source, no text file, or not found verbatim.

    `data` is an rdflib Graph or a pyoxigraph Store (the build's, whose default graph holds the union
    of its named graphs); the build uses the Store, which answers the query far faster at scale.
    `citations`: check only these (an incremental build: `citations_to_check`)."""
    problems: list[QuoteProblem] = []
    by_file: dict[str, list[tuple[str, str]]] = {}
    for citation, quote, source, file in _rows(data, load_query("citation-quotes", base_iri), citations):
        if source is None:
            problems.append(QuoteProblem(citation, quote, "has no prov:wasDerivedFrom source"))
        elif file is None:
            problems.append(QuoteProblem(citation, quote, f"its source {source} names no ikg:textFile"))
        else:
            by_file.setdefault(file, []).append((citation, quote))
    for file, quotes in by_file.items():  # each text read and folded once
        text = source_text(sources_dir, file)
        for citation, quote in quotes:
            if text is None:
                problems.append(QuoteProblem(citation, quote, f"source text data/sources/{file} is missing"))
            elif fold(quote) not in text:
                problems.append(
                    QuoteProblem(citation, quote, f"quote not found verbatim in data/sources/{file}")
                )
    return sorted(problems, key=lambda p: p.citation)


PROV_DERIVED_FROM = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def citations_to_check(
    store: ox.Store,
    base_iri: str,
    graphs: Iterable[str],
    old_subjects: Iterable[str],
    changed_texts: Iterable[str],
) -> set[ox.NamedNode | ox.BlankNode]:
    """The citations an incremental build checks again; the previous build found every other quote in
    its source text, and neither the quote, nor the source it cites, nor that source's text changed.

    - every citation described in a changed graph (`graphs`, the patched store's named graphs of the
      changed files);
    - every citation derived from a resource that a changed or removed file describes or described
      (`old_subjects`): its source, or the source's `ikg:textFile`, may have changed;
    - every citation whose source's text file is one of `changed_texts` (names as `ikg:textFile`
      gives them, relative to data/sources/)."""
    evidence_classes = [
        ox.NamedNode(base_iri + "ontology#Citation"),
        ox.NamedNode(base_iri + "ontology#Alignment"),
    ]
    text_file = ox.NamedNode(base_iri + "ontology#textFile")
    default = ox.DefaultGraph()
    described: set[ox.NamedNode | ox.BlankNode] = {ox.NamedNode(iri) for iri in old_subjects}
    for graph in graphs:
        described |= {q.subject for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))}  # type: ignore[misc]
    changed = set(changed_texts)
    if changed:
        described |= {
            q.subject
            for q in store.quads_for_pattern(None, text_file, None, default)  # type: ignore[misc]
            if isinstance(q.object, ox.Literal) and q.object.value in changed
        }
    found: set[ox.NamedNode | ox.BlankNode] = set()
    for node in described:
        candidates = [node] + [
            q.subject for q in store.quads_for_pattern(None, PROV_DERIVED_FROM, node, default)
        ]
        found |= {
            c
            for c in candidates
            if any(ox.Quad(c, RDF_TYPE, cls, default) in store for cls in evidence_classes)  # type: ignore[arg-type]
        }
    return found
