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
from .rdfterms import Subject, graph_select, select, value_of

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
    data: Graph | ox.Store, query: str, citations: Iterable[Subject] | None = None
) -> list[tuple[str, str, str | None, str | None]]:
    """(citation, quote, source, file) per answer of citation-quotes.rq, from rdflib or pyoxigraph;
    with `citations` (a Store only), the answers about those citations alone (one query each, with
    ?citation bound)."""
    if isinstance(data, ox.Store):
        if citations is None:
            solutions: Iterable[ox.QuerySolution] = select(data, query)
        else:
            citation = ox.Variable("citation")
            solutions = (row for node in citations for row in select(data, query, {citation: node}))
        return [
            (
                value_of(row["citation"]) or "",
                value_of(row["quote"]) or "",
                value_of(row["source"]),
                value_of(row["file"]),
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
        for row in graph_select(data, query)
    ]


def check_quotes(
    data: Graph | ox.Store,
    sources_dir: Path,
    base_iri: str,
    citations: Iterable[Subject] | None = None,
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


# ---------------------------------------------------------------------------------------------
# An explicit citation names its target
# ---------------------------------------------------------------------------------------------

_WORD = re.compile(r"[\w:]+(?:[-.][\w:]+)*", re.UNICODE)
MIN_STEM = 4
"""A name's word matches a quote's word that begins with its stem: the word less up to three final
letters (Swedish inflection: -en, -et, -na, -ens, -arna, -s …), but never fewer than four letters
(a shorter word must match whole)."""


def _words(text: str) -> list[str]:
    return [
        w.strip(":") for w in _WORD.findall(unicodedata.normalize("NFC", text).casefold()) if w.strip(":")
    ]


def _stem(word: str) -> str:
    return word[: max(min(len(word), MIN_STEM), len(word) - 3)]


def names_target(quote: str, name: str, key: str = "name") -> bool:
    """Whether `quote` names something called `name` (documented in docs/data-model.md).

    - name (skos:prefLabel, skos:altLabel, skos:hiddenLabel, dcterms:title): case- and
      inflection-insensitive, the
      name's words in order in the quote, each quote word beginning with the name word's stem, at
      most two other words between them ("EU:s elva principer för integration" names "EU:s principer
      för integration");
    - notation (skos:notation): only a notation of three or more characters ("1997-2", "10.2"), as a
      whole word; a bare "1" names nothing;
    - definition (skos:definition): the target's official wording, quoted whole (white space and
      case folded, final punctuation aside).
    """
    if key == "definition":
        wording = fold(name).casefold().rstrip(" .;:”\"")
        return bool(wording) and wording in fold(quote).casefold()
    if key == "notation":
        notation = fold(name).casefold()
        return len(notation) >= 3 and notation in _words(quote)
    wanted = [_stem(w) for w in _words(name)]
    words = _words(quote)
    if not wanted:
        return False
    for start in range(len(words)):
        if not words[start].startswith(wanted[0]):
            continue
        position, matched = start, 1
        while matched < len(wanted):
            window = words[position + 1 : position + 4]
            found = next((i for i, w in enumerate(window) if w.startswith(wanted[matched])), None)
            if found is None:
                break
            position += found + 1
            matched += 1
        if matched == len(wanted):
            return True
    return False


def check_explicit_names(data: Graph | ox.Store, base_iri: str) -> list[QuoteProblem]:
    """Every ikg:Citation of kind ikg:ExplicitCitation whose quote does not name its target (by a
    label, a documented alias in skos:altLabel, a title, a notation or its official wording): an
    "explicit" citation that does not name what it cites is a paraphrase or an alignment mislabelled.

    Applies to every explicit citation, whether its quote is checked against a held source text or
    by a curator (a referenced source): the quote itself must carry the name."""
    found: dict[str, tuple[str, str, bool]] = {}
    query = load_query("explicit-citation-names", base_iri)
    if isinstance(data, ox.Store):
        rows = [
            {k: value_of(row[k]) for k in ("citation", "quote", "target", "name", "key")}
            for row in select(data, query)
        ]
    else:
        rows = [
            {
                k: (None if getattr(row, k) is None else str(getattr(row, k)))
                for k in ("citation", "quote", "target", "name", "key")
            }
            for row in graph_select(data, query)
        ]
    for row in rows:
        citation, quote, target = str(row["citation"]), str(row["quote"]), str(row["target"])
        named = row["name"] is not None and names_target(quote, str(row["name"]), str(row["key"]))
        known = found.get(citation)
        found[citation] = (quote, target, named or (known[2] if known else False))
    return sorted(
        (
            QuoteProblem(
                citation,
                quote,
                f"an explicit citation whose quote does not name its target {target} (by its name, a "
                "documented alias in skos:altLabel, its notation or its official wording); name it, add "
                "the alias the text uses as skos:altLabel, or make it a paraphrase or an alignment",
            )
            for citation, (quote, target, named) in found.items()
            if not named
        ),
        key=lambda p: p.citation,
    )


PROV_DERIVED_FROM = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def citations_to_check(
    store: ox.Store,
    base_iri: str,
    graphs: Iterable[str],
    old_subjects: Iterable[str],
    changed_texts: Iterable[str],
) -> set[Subject]:
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
    described: set[Subject] = {ox.NamedNode(iri) for iri in old_subjects}
    for graph in graphs:
        described |= {q.subject for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))}
    changed = set(changed_texts)
    if changed:
        described |= {
            q.subject
            for q in store.quads_for_pattern(None, text_file, None, default)
            if isinstance(q.object, ox.Literal) and q.object.value in changed
        }
    found: set[Subject] = set()
    for node in described:
        candidates = [node] + [
            q.subject for q in store.quads_for_pattern(None, PROV_DERIVED_FROM, node, default)
        ]
        found |= {
            c
            for c in candidates
            if any(ox.Quad(c, RDF_TYPE, cls, default) in store for cls in evidence_classes)
        }
    return found
