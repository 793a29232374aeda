"""The SPARQL protocol's rules that sit above the store: over which dataset a query runs and which
formats its answer may be written in.

- Dataset: `default-graph-uri` / `named-graph-uri` of the protocol; without them (and without FROM in
  the query) the default graph is the union of all named graphs (the build writes that union into the
  store's default graph, service/build_store.py).
- Formats: the store's results formats for SELECT/ASK (service/store/seam.py) and the RDF formats for
  CONSTRUCT/DESCRIBE (service/formats.py); the web's negotiation module chooses among them.

What a query may do (the safety check), and running it within its bounds, is the store's:
service/store/query_check.py and service/store/query_workers.py.
"""

from __future__ import annotations

import re

import pyoxigraph as ox

from .formats import RDF_FORMATS, RdfFormat
from .store.seam import RESULTS_FORMATS, QueryDataset, QuerySyntaxError, ResultsFormat


def dataset_for(default_graph_uris: list[str], named_graph_uris: list[str]) -> QueryDataset | None:
    """The protocol's dataset (None: the query's own FROM, or else the union default graph)."""
    if not default_graph_uris and not named_graph_uris:
        return None
    for iri in [*default_graph_uris, *named_graph_uris]:
        try:
            ox.NamedNode(iri)
        except ValueError:
            raise QuerySyntaxError(
                f"not an absolute IRI in default-graph-uri or named-graph-uri: {iri!r}"
            ) from None
        if not re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", iri):
            raise QuerySyntaxError(f"not an absolute IRI in default-graph-uri or named-graph-uri: {iri!r}")
    return QueryDataset(default_graphs=tuple(default_graph_uris), named_graphs=tuple(named_graph_uris))


# ------------------------------------------------------------------------------------------------
# Result formats: the store's results formats and the renderer's RDF formats
# ------------------------------------------------------------------------------------------------

Format = ResultsFormat | RdfFormat


def formats_for(form: str) -> tuple[Format, ...]:
    return RESULTS_FORMATS if form in ("SELECT", "ASK") else RDF_FORMATS
