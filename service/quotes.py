"""The quote check: every ikg:quote occurs verbatim (white space folded) in the source text it cites."""

from __future__ import annotations

import re
import unicodedata
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


def _rows(data: Graph | ox.Store, query: str) -> list[tuple[str, str, str | None, str | None]]:
    """(citation, quote, source, file) per answer of citation-quotes.rq, from rdflib or pyoxigraph."""
    if isinstance(data, ox.Store):
        def value(term: object) -> str | None:
            return None if term is None else term.value  # type: ignore[attr-defined]
        return [(value(row["citation"]) or "", value(row["quote"]) or "", value(row["source"]), value(row["file"]))
                for row in data.query(query)]  # type: ignore[union-attr]
    return [(str(row.citation), str(row.quote), None if row.source is None else str(row.source),
             None if row.file is None else str(row.file)) for row in data.query(query)]  # type: ignore[union-attr]


def check_quotes(data: Graph | ox.Store, sources_dir: Path, base_iri: str) -> list[QuoteProblem]:
    """Every problem with a citation's quote: no source, no text file, or not found verbatim.

    `data` is an rdflib Graph or a pyoxigraph Store (the build's, whose default graph holds the union
    of its named graphs); the build uses the Store, which answers the query far faster at scale."""
    problems: list[QuoteProblem] = []
    by_file: dict[str, list[tuple[str, str]]] = {}
    for citation, quote, source, file in _rows(data, load_query("citation-quotes", base_iri)):
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
                problems.append(QuoteProblem(citation, quote, f"quote not found verbatim in data/sources/{file}"))
    return sorted(problems, key=lambda p: p.citation)
