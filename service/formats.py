"""The one table of the RDF formats the service reads and writes: name, media type, suffix, the names other
clients use for the same format, and what rdflib and pyoxigraph call it.

Every part that needs a format takes it from here: the web chooses one (service/http/negotiation.py), the
renderer writes it (service/render.py), the store and the pages receive the chosen entry, never a header.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph as ox


@dataclass(frozen=True)
class RdfFormat:
    """A serialisation of a graph: its name (also the `format=` value), media type and file suffix."""

    name: str
    media_type: str
    suffix: str
    aliases: tuple[str, ...] = ()
    """Other names clients send for the same format, in `format=` or Accept."""
    rdflib: str | None = None
    """rdflib's name for the format (`Graph.parse(format=…)`); None when rdflib does not read it here."""
    oxigraph: ox.RdfFormat | None = None
    """pyoxigraph's name for the format (None for HTML). The service writes JSON-LD with pyld, compacted
    with its context (service/render.py), and reads it with pyoxigraph."""


# N3 is answered with Turtle, which every N3 parser reads (Turtle is a subset of N3).
TURTLE = RdfFormat(
    "turtle",
    "text/turtle",
    ".ttl",
    ("application/x-turtle", "ttl", "n3", "text/n3", "text/rdf+n3"),
    rdflib="turtle",
    oxigraph=ox.RdfFormat.TURTLE,
)
JSON_LD = RdfFormat(
    "jsonld",
    "application/ld+json",
    ".jsonld",
    ("application/json", "json-ld", "json", "application/x-json+ld"),
    rdflib="json-ld",
    oxigraph=ox.RdfFormat.JSON_LD,
)
N_TRIPLES = RdfFormat(
    "ntriples",
    "application/n-triples",
    ".nt",
    ("text/plain", "nt", "n-triples"),
    rdflib="nt",
    oxigraph=ox.RdfFormat.N_TRIPLES,
)
RDF_XML = RdfFormat(
    "rdfxml",
    "application/rdf+xml",
    ".rdf",
    ("application/xml", "text/xml", "rdf", "xml", "rdf+xml"),
    rdflib="xml",
    oxigraph=ox.RdfFormat.RDF_XML,
)
N_QUADS = RdfFormat(
    "nquads", "application/n-quads", ".nq", ("nq", "n-quads"), rdflib="nquads", oxigraph=ox.RdfFormat.N_QUADS
)
TRIG = RdfFormat("trig", "application/trig", ".trig", ("trig",), rdflib="trig", oxigraph=ox.RdfFormat.TRIG)
HTML = RdfFormat("html", "text/html", ".html", ("application/xhtml+xml",))
"""Not RDF, but offered beside it wherever a person may read the same resource."""

RDF_FORMATS: tuple[RdfFormat, ...] = (TURTLE, JSON_LD, N_TRIPLES, RDF_XML)
QUAD_FORMATS: tuple[RdfFormat, ...] = (N_QUADS, TRIG)
"""Formats that keep named graphs: offered where a resource's statements come from named graphs."""
PAGE_FORMATS: tuple[RdfFormat, ...] = (HTML, *RDF_FORMATS)
"""What a page of the service (a resource, the ontology, the shapes) offers, in the service's preference."""


def format_named(name: str, formats: Sequence[RdfFormat] = RDF_FORMATS) -> RdfFormat | None:
    """The format a `format=` value or a media type names (`turtle`, `ttl`, `text/turtle`, …), or None."""
    wanted = name.strip().lower()
    for fmt in formats:
        if wanted in (fmt.name, fmt.media_type, fmt.suffix.lstrip(".")) or wanted in fmt.aliases:
            return fmt
    return None
