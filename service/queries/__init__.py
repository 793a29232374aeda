"""SPARQL queries, one per .rq file; load them by name.

The files are written against the default base IRI; a deployment with another base gets the same
query with that base in its place (a fixed rewrite of our own text, never of user input).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from ..settings import DEFAULT_BASE_IRI

QUERY_DIR = Path(__file__).parent


@cache
def load_query(name: str, base_iri: str = DEFAULT_BASE_IRI) -> str:
    """The text of queries/{name}.rq, rebased onto base_iri."""
    text = (QUERY_DIR / f"{name}.rq").read_text(encoding="utf-8")
    return text if base_iri == DEFAULT_BASE_IRI else text.replace(DEFAULT_BASE_IRI, base_iri)


_WINDOW = re.compile(r"\bLIMIT\s+\d+\s+OFFSET\s+\d+\b")


def with_window(query: str, *, limit: int, offset: int) -> str:
    """The query with every `LIMIT n OFFSET m` window it holds set to this page's (a paged .rq file).

    Only two integers change, and only where the file has its window: the page a request asks for is
    parsed as a number first, so no text of the request reaches the query. Raises ValueError for a query
    with no window, or for a negative or empty window.
    """
    if limit < 1 or offset < 0:
        raise ValueError(f"not a page window: LIMIT {limit} OFFSET {offset}")
    windowed, count = _WINDOW.subn(f"LIMIT {int(limit)} OFFSET {int(offset)}", query)
    if count == 0:
        raise ValueError("the query has no LIMIT … OFFSET … window to set")
    return windowed
