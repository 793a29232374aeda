"""One renderer for every RDF format (the formats themselves: service/formats.py).

Every RDF response of the service (resources, ontology, shapes, catalogue, trace, SPARQL CONSTRUCT)
goes through `render_graph`, so Turtle, JSON-LD, N-Triples and RDF/XML always hold the same triples.
JSON-LD is compacted with the project's context (ontology/context.jsonld) and refers to it by its
public URL; nothing here ever fetches a context.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from pyld import jsonld
from rdflib import Graph

from .formats import JSON_LD, N_QUADS, QUAD_FORMATS, TRIG, RdfFormat
from .rdfterms import graph_of, serialized, to_oxigraph
from .settings import DEFAULT_BASE_IRI, Settings

CONTEXT_FILE = "context.jsonld"


# ------------------------------------------------------------------------------------------------
# The JSON-LD context
# ------------------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _read_context(path: Path, mtime: float, base_iri: str) -> str:
    text = path.read_text(encoding="utf-8")
    return text if base_iri == DEFAULT_BASE_IRI else text.replace(DEFAULT_BASE_IRI, base_iri)


def context_text(settings: Settings) -> str:
    """ontology/context.jsonld, with the default base rewritten to the configured one."""
    path = settings.ontology_dir / CONTEXT_FILE
    return _read_context(path, path.stat().st_mtime, settings.base_iri)


def context_document(settings: Settings) -> dict[str, Any]:
    """The context file as JSON (a fresh copy each call: callers may not share it)."""
    return json.loads(context_text(settings))


def prefixes(settings: Settings) -> dict[str, str]:
    """The prefixes declared in the context (name → namespace), for Turtle and the query page."""
    return dict(_prefixes_in(context_text(settings)))


@lru_cache(maxsize=4)
def _prefixes_in(context: str) -> tuple[tuple[str, str], ...]:
    declared = json.loads(context)["@context"]
    return tuple(
        (k, v)
        for k, v in declared.items()
        if isinstance(v, str) and not k.startswith("@") and v.endswith(("/", "#"))
    )


# ------------------------------------------------------------------------------------------------
# Rendering
# ------------------------------------------------------------------------------------------------


def render_graph(graph: Graph, fmt: RdfFormat, *, settings: Settings, context_url: str) -> bytes:
    """The graph in one RDF format. JSON-LD is compacted with our context and names it by context_url."""
    if fmt is JSON_LD:
        return render_json_ld(graph, settings=settings, context_url=context_url)
    triples = [ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in graph]  # type: ignore[arg-type]
    return render_triples(triples, fmt, settings=settings, context_url=context_url)


def render_triples(
    triples: Iterable[ox.Triple], fmt: RdfFormat, *, settings: Settings, context_url: str
) -> bytes:
    """The same as `render_graph`, for triples already in pyoxigraph's terms (a page of a resource): Turtle,
    N-Triples and RDF/XML are written by pyoxigraph without going through rdflib."""
    if fmt is JSON_LD:
        return render_json_ld(graph_of(triples), settings=settings, context_url=context_url)
    oxigraph_format = fmt.oxigraph
    if oxigraph_format is None or fmt in QUAD_FORMATS or fmt is JSON_LD:
        raise ValueError(f"{fmt.name} is not an RDF format of triples")
    ordered = sorted(triples, key=str)
    if oxigraph_format is ox.RdfFormat.TURTLE:
        return serialized(ordered, oxigraph_format, _used_prefixes(ordered, prefixes(settings)))
    return serialized(ordered, oxigraph_format)


def render_quads(quads: Iterable[ox.Quad], fmt: RdfFormat, *, settings: Settings) -> bytes:
    """Statements with the named graph each comes from, as N-Quads or TriG (written by pyoxigraph)."""
    ordered = sorted(quads, key=str)
    if fmt is TRIG:
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in ordered]
        return serialized(ordered, ox.RdfFormat.TRIG, _used_prefixes(triples, prefixes(settings)))
    if fmt is N_QUADS:
        return serialized(ordered, ox.RdfFormat.N_QUADS)
    raise ValueError(f"{fmt.name} does not keep named graphs")


def render_json_ld(graph: Graph, *, settings: Settings, context_url: str) -> bytes:
    """Compact JSON-LD: `{"@context": context_url, "@graph": [...]}`, expanding to exactly `graph`.

    rdflib writes the expanded form (every node, blank nodes included) and pyld compacts it with our
    context. rdflib's own compaction is not used: for a property typed "@id" in the context it writes
    a blank node's reference but drops the node's own triples.
    """
    expanded = json.loads(graph.serialize(format="json-ld"))
    compacted = jsonld.compact(expanded, context_document(settings), {"documentLoader": _no_remote_documents})
    compacted.pop("@context", None)
    if "@graph" not in compacted:
        compacted = {"@graph": [compacted]} if compacted else {"@graph": []}
    document = {"@context": context_url, **compacted}
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def _no_remote_documents(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld's document loader: our context is given inline, so nothing is ever fetched."""
    raise jsonld.JsonLdError(f"refusing to fetch {url}: no remote documents", "loading document failed")


_IMPLICIT_DATATYPES = frozenset(
    {"http://www.w3.org/2001/XMLSchema#string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}
)
"""Datatypes Turtle never writes: a plain or a language-tagged string."""


def _used_prefixes(triples: list[ox.Triple], declared: dict[str, str]) -> dict[str, str]:
    """Only the prefixes whose namespace some IRI of the triples starts with (a tidy Turtle head).

    The IRIs are sorted, so those starting with a namespace follow where it would be inserted: one bisection
    per prefix, not a scan of every IRI (this runs for every first rendering of a page)."""
    found: set[str] = set()
    for triple in triples:
        for term in (triple.subject, triple.predicate, triple.object):
            if isinstance(term, ox.NamedNode):
                found.add(term.value)
            elif isinstance(term, ox.Literal) and term.datatype.value not in _IMPLICIT_DATATYPES:
                found.add(term.datatype.value)
    iris = sorted(found)

    def used(namespace: str) -> bool:
        at = bisect_left(iris, namespace)
        return at < len(iris) and iris[at].startswith(namespace)

    return {name: namespace for name, namespace in declared.items() if used(namespace)}
