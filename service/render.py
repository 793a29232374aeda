"""One renderer for every RDF format, and content negotiation with q-values.

Every RDF response of the service (resources, ontology, shapes, catalogue, trace, SPARQL CONSTRUCT)
goes through `render_graph`, so Turtle, JSON-LD, N-Triples and RDF/XML always hold the same triples.
JSON-LD is compacted with the project's context (ontology/context.jsonld) and refers to it by its
public URL; nothing here ever fetches a context.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, TypeVar

import pyoxigraph as ox
from pyld import jsonld
from rdflib import Graph

from .rdfterms import graph_of, to_oxigraph
from .settings import DEFAULT_BASE_IRI, Settings

CONTEXT_FILE = "context.jsonld"


@dataclass(frozen=True)
class RdfFormat:
    """A serialisation of a graph: its name (also the `format=` value), media type and file suffix."""

    name: str
    media_type: str
    suffix: str
    aliases: tuple[str, ...] = ()


# Aliases: other names clients send for the same format, in `format=` or Accept. N3 is answered with
# Turtle, which every N3 parser reads (Turtle is a subset of N3).
TURTLE = RdfFormat(
    "turtle", "text/turtle", ".ttl", ("application/x-turtle", "ttl", "n3", "text/n3", "text/rdf+n3")
)
JSON_LD = RdfFormat(
    "jsonld",
    "application/ld+json",
    ".jsonld",
    ("application/json", "json-ld", "json", "application/x-json+ld"),
)
N_TRIPLES = RdfFormat("ntriples", "application/n-triples", ".nt", ("text/plain", "nt", "n-triples"))
RDF_XML = RdfFormat(
    "rdfxml", "application/rdf+xml", ".rdf", ("application/xml", "text/xml", "rdf", "xml", "rdf+xml")
)
N_QUADS = RdfFormat("nquads", "application/n-quads", ".nq", ("nq", "n-quads"))
TRIG = RdfFormat("trig", "application/trig", ".trig", ("trig",))
HTML = RdfFormat("html", "text/html", ".html", ("application/xhtml+xml",))

RDF_FORMATS: tuple[RdfFormat, ...] = (TURTLE, JSON_LD, N_TRIPLES, RDF_XML)
QUAD_FORMATS: tuple[RdfFormat, ...] = (N_QUADS, TRIG)
"""Formats that keep named graphs: offered where a resource's statements come from named graphs."""

_OXIGRAPH_FORMATS = {
    TURTLE: ox.RdfFormat.TURTLE,
    N_TRIPLES: ox.RdfFormat.N_TRIPLES,
    RDF_XML: ox.RdfFormat.RDF_XML,
}
WRITTEN_BY_OXIGRAPH: frozenset[RdfFormat] = frozenset(_OXIGRAPH_FORMATS)
"""What `render_triples` writes in pyoxigraph, in time that grows with the triples and no more (JSON-LD and HTML
go through rdflib, pyld and templates)."""


# ------------------------------------------------------------------------------------------------
# Negotiation
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")

    def matches(self, media_type: str) -> bool:
        kind, _, sub = media_type.partition("/")
        return self.type in ("*", kind) and self.subtype in ("*", sub)


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an Accept header; a missing or empty header accepts anything."""
    if not header or not header.strip():
        return [MediaRange("*", "*", 1.0)]
    ranges: list[MediaRange] = []
    for part in header.split(","):
        pieces = [p.strip() for p in part.split(";")]
        kind, _, sub = pieces[0].lower().partition("/")
        if not kind or not sub:
            continue
        q = 1.0
        for parameter in pieces[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value.strip())))
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(kind, sub, q))
    return ranges


def negotiate(accept: str | None, offers: Sequence[str]) -> str | None:
    """The offered media type the client prefers most, or None when it accepts none of them.

    Each offer takes the q of the most specific range matching it (RFC 9110 §12.5.1); ties go to the
    earlier offer, so `offers` lists the server's preference first.
    """
    ranges = parse_accept(accept)
    best: tuple[float, int] | None = None
    chosen: str | None = None
    for index, offer in enumerate(offers):
        matching = [r for r in ranges if r.matches(offer)]
        if not matching:
            continue
        q = max(matching, key=lambda r: (r.specificity, r.q)).q
        if q <= 0:
            continue
        if best is None or q > best[0]:
            best, chosen = (q, index), offer
    return chosen


def rdf_format_named(name: str, formats: Sequence[RdfFormat] = RDF_FORMATS) -> RdfFormat | None:
    """The format a `format=` value or a media type names (`turtle`, `ttl`, `text/turtle`, …)."""
    wanted = name.strip().lower()
    for fmt in formats:
        if wanted in (fmt.name, fmt.media_type, fmt.suffix.lstrip(".")) or wanted in fmt.aliases:
            return fmt
    return None


class FormatChoice(Protocol):
    """What a format offers to be chosen by (RdfFormat and the SPARQL results formats alike)."""

    @property
    def name(self) -> str: ...
    @property
    def media_type(self) -> str: ...
    @property
    def suffix(self) -> str: ...
    @property
    def aliases(self) -> tuple[str, ...]: ...


F = TypeVar("F", bound=FormatChoice)


class NoAcceptableFormat(Exception):
    """Neither `format=` nor Accept names a format that can be produced; the message lists the offers."""


def format_values(*values: str | None) -> list[str]:
    """The `format=` values of a request, in order, each comma list split into its members."""
    return [part.strip() for value in values if value for part in value.split(",") if part.strip()]


def choose_format(
    offers: Sequence[F], accept: str | None, asked: Sequence[str] = (), what: str = "this resource"
) -> F:
    """The one rule every endpoint negotiates by.

    1. The first `format=` value (all of them, in request order, comma lists split) that names an
       offered format, by name, media type, suffix or alias, wins.
    2. Otherwise Accept decides (q-values; ties go to the earlier offer): a `format=` value that
       cannot be served never wins over an Accept header that can be met.
    3. When neither can be met: NoAcceptableFormat, whose message names what was asked and lists every
       format offered (a request with format= values and no Accept, or only `*/*`, is refused too:
       it asked for something explicit that cannot be given).
    """
    for value in asked:
        wanted = value.strip().lower()
        for fmt in offers:
            if wanted in (fmt.name, fmt.media_type, fmt.suffix.lstrip(".")) or wanted in fmt.aliases:
                return fmt
    explicit_accept = bool(accept and accept.strip() and accept.strip() != "*/*")
    if not asked or explicit_accept:
        media: list[tuple[str, F]] = [(f.media_type, f) for f in offers]
        media += [(alias, f) for f in offers for alias in f.aliases if "/" in alias]
        chosen = negotiate(accept, [m for m, _ in media])
        if chosen is not None:
            return next(f for m, f in media if m == chosen)
    listed = ", ".join(f"{f.media_type} (format={f.name})" for f in offers)
    if asked:
        problem = f"format={','.join(asked)!r} is not available"
        if explicit_accept:
            problem += f" and none of the accepted media types ({accept}) can be produced"
    else:
        problem = f"none of the accepted media types ({accept}) can be produced"
    raise NoAcceptableFormat(f"{problem} for {what}; available: {listed}")


def rdf_format_for(accept: str | None, formats: Sequence[RdfFormat] = RDF_FORMATS) -> RdfFormat | None:
    """Negotiate among formats by Accept; each format's aliases count as the same format."""
    offers: list[tuple[str, RdfFormat]] = []
    for fmt in formats:
        offers.append((fmt.media_type, fmt))
    for fmt in formats:
        offers.extend((alias, fmt) for alias in fmt.aliases if "/" in alias)
    chosen = negotiate(accept, [media for media, _ in offers])
    return next((fmt for media, fmt in offers if media == chosen), None)


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
    oxigraph_format = _OXIGRAPH_FORMATS.get(fmt)
    if oxigraph_format is None:
        raise ValueError(f"{fmt.name} is not an RDF format")
    ordered = sorted(triples, key=str)
    if oxigraph_format is ox.RdfFormat.TURTLE:
        return ox.serialize(
            ordered, format=oxigraph_format, prefixes=_used_prefixes(ordered, prefixes(settings))
        )
    return ox.serialize(ordered, format=oxigraph_format)


def render_quads(quads: Iterable[ox.Quad], fmt: RdfFormat, *, settings: Settings) -> bytes:
    """Statements with the named graph each comes from, as N-Quads or TriG (written by pyoxigraph)."""
    ordered = sorted(quads, key=str)
    if fmt is TRIG:
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in ordered]
        return ox.serialize(
            ordered, format=ox.RdfFormat.TRIG, prefixes=_used_prefixes(triples, prefixes(settings))
        )
    if fmt is N_QUADS:
        return ox.serialize(ordered, format=ox.RdfFormat.N_QUADS)
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
