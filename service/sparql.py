"""The SPARQL protocol's rules that sit above the store: over which dataset a query runs and in which
format its answer is written.

- Dataset: `default-graph-uri` / `named-graph-uri` of the protocol; without them (and without FROM in
  the query) the default graph is the union of all named graphs (the build writes that union into the
  store's default graph, service/build_store.py).
- Formats: the store's results formats for SELECT/ASK (service/store/seam.py) and the renderer's RDF
  formats for CONSTRUCT/DESCRIBE, chosen by the service's one rule (service.render.choose_format).

What a query may do (the safety check), and running it within its bounds, is the store's:
service/store/query_check.py and service/store/query_workers.py.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pyoxigraph as ox

from .render import RDF_FORMATS, NoAcceptableFormat, RdfFormat, format_values
from .render import choose_format as pick_format
from .store.seam import RESULTS_FORMATS, QueryDataset, QueryError, QuerySyntaxError, ResultsFormat


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


class NotAcceptable(QueryError):
    """Nothing the client accepts can be produced for this query."""


def formats_for(form: str) -> tuple[Format, ...]:
    return RESULTS_FORMATS if form in ("SELECT", "ASK") else RDF_FORMATS


def choose_format(form: str, accept: str | None, asked_formats: Sequence[str] | str | None) -> Format:
    """The answer's format by the service's one rule (service.render.choose_format): the first `format=`
    value this query form can be given in, else Accept; NotAcceptable (406) naming the offers.

    asked_formats: every `format` (and `output`) value of the request in order, comma lists split
    (service.render.format_values); a single string is taken as one such value."""
    offered = formats_for(form)
    kind = "SELECT and ASK queries" if form in ("SELECT", "ASK") else "CONSTRUCT and DESCRIBE queries"
    asked = format_values(format_values_of(asked_formats))
    try:
        return pick_format(offered, accept, asked, kind)
    except NoAcceptableFormat as error:
        raise NotAcceptable(str(error), status=406) from None


def format_values_of(value: Sequence[str] | str | None) -> str | None:
    """A sequence of `format=` values joined as one comma list (a string or None as it is)."""
    if value is None or isinstance(value, str):
        return value
    return ",".join(value)
