"""Coverage: for one principle or goal, what each of Sweden's 290 municipalities' documents do with it.

Every municipality gets one category, the strongest that one of its documents reaches:

1. ``explicit``: a document (or a part of it) traces to the target by a path whose citations are
   all explicit (the text names it);
2. ``paraphrase``: the strongest path restates its wording;
3. ``thematic``: no citation, but a document or part aligns with it (a path through
   ``ikg:alignsWith``: the same aim in other words, never counted as a citation);
4. ``not-mentioned``: no path, and a document whose whole text was read (a held ``ikg:SourceText``
   not marked as an excerpt, or a source with ``ikg:sourceExtent ikg:WholeText``) does not mention it;
5. ``excerpt``: no path, and what was read of its documents are excerpts (an ``ikg:Excerpt``, or a
   referenced source whose extent is not stated) or nothing at all (a document the graph knows only
   by name, with no ``dcterms:source``): nothing is concluded;
6. ``no-document``: the graph holds no document of the municipality.

A document's silence is only ever reported when its whole text was read: an excerpt, or a document
not read at all, never makes a municipality ``not-mentioned``. The counts per municipality (links by
kind) are the trace's figures: the same paths, counted as the matrix counts them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from . import trace as tr
from .readings import readings
from .settings import Settings
from .store import GraphStore

CATEGORIES: tuple[str, ...] = (
    "explicit",
    "paraphrase",
    "thematic",
    "not-mentioned",
    "excerpt",
    "no-document",
)
"""Municipality categories, strongest first (the order of the legend)."""

CATEGORY_LABELS: dict[str, tuple[str, str]] = {
    "explicit": ("nämner den uttryckligen", "names it explicitly"),
    "paraphrase": ("omskriver dess lydelse", "restates its wording"),
    "thematic": (
        "samma mål med andra ord (tematisk samstämmighet)",
        "the same aim in other words (alignment)",
    ),
    "not-mentioned": (
        "ett helt läst dokument nämner den inte",
        "a document read in full does not mention it",
    ),
    "excerpt": ("inget funnet, bara utdrag lästa", "nothing found, only excerpts read"),
    "no-document": ("inget dokument i grafen", "no document in the graph"),
}


@dataclass
class MunicipalityCoverage:
    municipality: tr.NodeInfo
    county: str  # länskod
    category: str
    documents: list[str] = field(default_factory=list)  # document IRIs
    document_categories: dict[str, str] = field(default_factory=dict)  # document → what it does
    links: Counter[str] = field(default_factory=Counter)  # kind → links (as the matrix counts them)

    @property
    def code(self) -> str:
        return self.municipality.identifier


@dataclass
class Coverage:
    target: tr.NodeInfo
    rows: list[MunicipalityCoverage]  # every municipality, by kommunkod

    def counts(self) -> Counter[str]:
        return Counter(row.category for row in self.rows)


def counties(store: GraphStore, settings: Settings) -> dict[str, tuple[str, str]]:
    """Municipality IRI → (länskod, county name), from the generated graph of all municipalities."""
    query = (
        f"PREFIX ikg: <{settings.ikg}> PREFIX dcterms: <http://purl.org/dc/terms/> "
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        "SELECT ?m ?code ?name WHERE { ?m a ikg:Municipality ; ikg:county ?c . "
        "?c dcterms:identifier ?code . OPTIONAL { ?c skos:prefLabel ?name FILTER(LANG(?name) = 'sv') } }"
    )
    return {str(r["m"]): (str(r["code"]), str(r.get("name") or r["code"])) for r in store.select(query)}


def coverage(store: GraphStore, settings: Settings, target: str) -> Coverage:
    """The category of every municipality for the principle or goal `target` (an IRI in the graph)."""
    answer = tr.trace(store, settings, target)
    cat = answer.catalogue
    documents = readings(store, settings)
    by_municipality: dict[str, list[str]] = {}
    for reading in documents.values():
        by_municipality.setdefault(reading.publisher, []).append(reading.iri)

    strongest: dict[str, str] = {}  # document → explicit | paraphrase | thematic
    links: dict[str, Counter[str]] = {}
    for path in answer.links().values():
        document = cat.document_of(path.origin)
        if document is None:
            continue
        kind = path.kind if path.kind in tr.STRENGTH else ""
        if not kind:
            continue
        links.setdefault(document.iri, Counter())[kind] += 1
        known = strongest.get(document.iri)
        if known is None or tr.STRENGTH[kind] > tr.STRENGTH[known]:
            strongest[document.iri] = kind
    county_of = counties(store, settings)
    rows: list[MunicipalityCoverage] = []
    for municipality in sorted(cat.municipalities(), key=lambda n: n.identifier):
        own = sorted(by_municipality.get(municipality.iri, []))
        row = MunicipalityCoverage(
            municipality=municipality,
            county=county_of.get(municipality.iri, ("", ""))[0],
            category="no-document",
            documents=own,
        )
        for document_iri in own:
            if document_iri in strongest:
                row.document_categories[document_iri] = strongest[document_iri]
            elif documents[document_iri].state == "whole":
                row.document_categories[document_iri] = "not-mentioned"
            else:
                row.document_categories[document_iri] = "excerpt"
            row.links.update(links.get(document_iri, Counter()))
        if own:
            row.category = min(row.document_categories.values(), key=CATEGORIES.index)
        rows.append(row)
    return Coverage(target=answer.target, rows=rows)


@dataclass
class Overview:
    rows: list[tuple[tr.NodeInfo, str, list[str]]]  # municipality, länskod, its documents


def overview(store: GraphStore, settings: Settings) -> Overview:
    """Documents per municipality, for all 290."""
    cat = tr.catalogue(store, settings)
    documents: dict[str, list[str]] = {}
    for node in cat.nodes.values():
        if node.role == "document" and node.publisher:
            documents.setdefault(node.publisher, []).append(node.iri)
    county_of = counties(store, settings)
    return Overview(
        rows=[
            (m, county_of.get(m.iri, ("", ""))[0], sorted(documents.get(m.iri, [])))
            for m in sorted(cat.municipalities(), key=lambda n: n.identifier)
        ]
    )


COVERAGE_CSV_HEADER: tuple[str, ...] = (
    "municipality",
    "kommunkod",
    "municipality_label",
    "county",
    "target",
    "category",
    "documents",
    "documents_explicit",
    "documents_paraphrase",
    "documents_thematic",
    "documents_excerpt",
    "documents_not_mentioned",
    "links_explicit",
    "links_paraphrase",
    "alignments",
)
"""The coverage CSV: one row per municipality (all 290). Stable: columns are only ever added at the end."""

OVERVIEW_CSV_HEADER: tuple[str, ...] = (
    "municipality",
    "kommunkod",
    "municipality_label",
    "county",
    "documents",
)


def coverage_records(c: Coverage) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for row in c.rows:
        per_document = Counter(row.document_categories.values())
        out.append(
            {
                "municipality": row.municipality.iri,
                "kommunkod": row.code,
                "municipality_label": row.municipality.label(),
                "county": row.county,
                "target": c.target.iri,
                "category": row.category,
                "documents": str(len(row.documents)),
                "documents_explicit": str(per_document.get("explicit", 0)),
                "documents_paraphrase": str(per_document.get("paraphrase", 0)),
                "documents_thematic": str(per_document.get("thematic", 0)),
                "documents_excerpt": str(per_document.get("excerpt", 0)),
                "documents_not_mentioned": str(per_document.get("not-mentioned", 0)),
                "links_explicit": str(row.links.get("explicit", 0)),
                "links_paraphrase": str(row.links.get("paraphrase", 0)),
                "alignments": str(row.links.get("thematic", 0)),
            }
        )
    return out


def overview_records(o: Overview) -> list[dict[str, str]]:
    return [
        {
            "municipality": m.iri,
            "kommunkod": m.identifier,
            "municipality_label": m.label(),
            "county": county,
            "documents": str(len(documents)),
        }
        for m, county, documents in o.rows
    ]


# ---------------------------------------------------------------------------------------- counties

LANSKOD = re.compile(r"[0-9]{2}")


def county_members(store: GraphStore, settings: Settings, lanskod: str) -> set[str]:
    """The municipalities (IRIs) of the county with this länskod; TraceInputError for a code that is
    not two digits or names no county in the graph."""
    code = lanskod.strip()
    if not LANSKOD.fullmatch(code):
        raise tr.TraceInputError(f"{lanskod!r} is not a county: give its two-digit länskod, such as 14")
    members = {m for m, (c, _) in counties(store, settings).items() if c == code}
    if not members:
        raise tr.TraceInputError(f"there is no county {code} in the graph")
    return members


def matrix_by_county(m: tr.Matrix, store: GraphStore, settings: Settings) -> tr.Matrix:
    """The matrix with one row per county (län) instead of per municipality: each cell the links of the
    county's municipalities added up (their paths kept). Counties without a document have no row."""
    county_of = counties(store, settings)
    rows: dict[str, tr.NodeInfo] = {}
    cells: dict[tuple[str, str], tr.Cell] = {}
    for municipality in m.rows:
        code, name = county_of.get(municipality.iri, ("", ""))
        if not code:
            continue
        iri = f"{settings.base_iri}id/county/{code}"
        rows.setdefault(iri, tr.NodeInfo(iri=iri, role="county", labels={"sv": name}, identifier=code))
        for column in m.columns:
            cell = m.cell(municipality.iri, column.iri)
            grouped = cells.setdefault((iri, column.iri), tr.Cell(Counter(), []))
            grouped.counts.update(cell.counts)
            grouped.paths.extend(cell.paths)
    return tr.Matrix(
        rows=sorted(rows.values(), key=lambda n: n.identifier),
        columns=m.columns,
        cells=cells,
        filters=m.filters,
        catalogue=m.catalogue,
    )


COUNTY_MATRIX_CSV_HEADER: tuple[str, ...] = ("county", "lanskod", "county_label", *tr.MATRIX_CSV_HEADER[3:])
"""The matrix CSV grouped by county: one row per county with a document × principle or goal."""


def county_matrix_records(m: tr.Matrix) -> list[dict[str, str]]:
    records = tr.matrix_records(m)
    return [
        {
            "county": r["municipality"],
            "lanskod": r["kommunkod"],
            "county_label": r["municipality_label"],
            **{k: r[k] for k in COUNTY_MATRIX_CSV_HEADER[3:] if k in r},
        }
        for r in records
    ]
