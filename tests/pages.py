"""Walking the pages of a resource (/id/…?page=N) the way a client does: by the Link header's rel="next"."""

from __future__ import annotations

import re

import httpx
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

LINK = re.compile(r'<([^>]*)>;\s*rel="([a-z]+)"')


def link_relations(response: httpx.Response) -> dict[str, str]:
    """The RFC 8288 Link header's paging relations as {relation: address} (the alternates, one per
    format, are left out: see `alternates`)."""
    return {
        relation: address
        for address, relation in LINK.findall(response.headers.get("link", ""))
        if relation != "alternate"
    }


def alternates(response: httpx.Response) -> dict[str, str]:
    """The Link header's rel="alternate" links as {media type: address}."""
    found = re.findall(r'<([^>]*)>;\s*rel="alternate";\s*type="([^"]+)"', response.headers.get("link", ""))
    return {media_type: address for address, media_type in found}


def follow_pages(client: httpx.Client, path: str, limit: int = 1000) -> list[httpx.Response]:
    """Every page of a resource as Turtle, from its own address on through rel="next", in order."""
    pages = [client.get(path, headers={"Accept": "text/turtle"})]
    while (following := link_relations(pages[-1]).get("next")) is not None:
        assert len(pages) < limit, "rel=next never ends"
        pages.append(client.get(following, headers={"Accept": "text/turtle"}))
    return pages


def links_to(graph: Graph, iri: str) -> set[tuple[str, str]]:
    """(subject, property) of every statement in graph whose object is iri (rdf:type aside)."""
    return {(str(s), str(p)) for s, p in graph.subject_predicates(URIRef(iri)) if p != RDF.type}
