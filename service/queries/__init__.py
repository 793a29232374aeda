"""SPARQL queries, one per .rq file; load them by name.

The files are written against the default base IRI; a deployment with another base gets the same
query with that base in its place (a fixed rewrite of our own text, never of user input).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from ..settings import DEFAULT_BASE_IRI

QUERY_DIR = Path(__file__).parent


@cache
def load_query(name: str, base_iri: str = DEFAULT_BASE_IRI) -> str:
    """The text of queries/{name}.rq, rebased onto base_iri."""
    text = (QUERY_DIR / f"{name}.rq").read_text(encoding="utf-8")
    return text if base_iri == DEFAULT_BASE_IRI else text.replace(DEFAULT_BASE_IRI, base_iri)
