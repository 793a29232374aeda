"""The coverage map: GET /coverage (documents per municipality, all 290), GET /api/coverage (one
principle or goal: what each municipality's documents do with it) and GET /api/coverage/overview,
as SVG, CSV or JSON. The same view (map, legend, table, CSV link) is included on every
/trace/{framework}/{notation} page (`coverage_view`).

The figures come from service/coverage.py (the trace's own paths), the picture from
service/coverage_map.py; nothing here needs JavaScript or another host.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from .. import coverage as cov
from .. import trace as tr
from ..coverage_map import CREDIT, Area, LegendEntry, render, shapes_for
from ..settings import Settings
from ..store import GraphStore
from .deps import TEMPLATES, get_settings, get_store, page_context
from .tables import choose_table_format, csv_response

router = APIRouter()

SVG_TYPE = "image/svg+xml"
COLOURS: dict[str, str] = {
    "explicit": "#08519c",
    "paraphrase": "#4292c6",
    "thematic": "#9ecae1",
    "excerpt": "#fdd49e",
    "not-mentioned": "#e6550d",
    "no-document": "#e8e8e8",
}
"""Fill per category: the matrix's blues for what documents do, orange for what they do not, grey for no document."""

OVERVIEW_CLASSES: tuple[tuple[str, int, int, str, str], ...] = (
    ("0", 0, 0, "#e8e8e8", "inget dokument · no document"),
    ("1", 1, 1, "#c6dbef", "1 dokument · document"),
    ("2", 2, 2, "#6baed6", "2 dokument · documents"),
    ("3+", 3, 10**9, "#2171b5", "3 eller fler · 3 or more"),
)


def _municipality_href(settings: Settings, code: str) -> str:
    return f"/id/municipality/{code}"


# ------------------------------------------------------------------------------------------ one target


def coverage_svg(settings: Settings, c: cov.Coverage, county_names: dict[str, str]) -> str:
    counts = c.counts()
    areas: dict[str, Area] = {}
    for row in c.rows:
        per_document = Counter(row.document_categories.values())
        documents = len(row.documents)
        county = county_names.get(row.county, row.county)
        label = cov.CATEGORY_LABELS[row.category]
        title = (
            f"{row.municipality.label()} ({row.code}), {county}: "
            f"{documents} dokument · document{'s' if documents != 1 else ''}; "
            f"uttryckligen · explicit {row.links.get('explicit', 0)}, "
            f"omskrivning · paraphrase {row.links.get('paraphrase', 0)}, "
            f"samstämmighet · alignment {row.links.get('thematic', 0)}"
            + (
                f"; utdrag · excerpt only {per_document.get('excerpt', 0)}"
                if per_document.get("excerpt")
                else ""
            )
            + f" — {label[0]} · {label[1]}"
        )
        areas[row.code] = Area(
            COLOURS[row.category], row.category, title, _municipality_href(settings, row.code)
        )
    legend = [
        LegendEntry(key, COLOURS[key], " · ".join(cov.CATEGORY_LABELS[key]), counts.get(key, 0))
        for key in cov.CATEGORIES
    ]
    return render(
        shapes_for(settings.data_dir),
        areas,
        legend,
        title=f"{c.target.label()}: vad kommunernas dokument gör · what the municipalities' documents do",
    )


def coverage_json(c: cov.Coverage) -> dict[str, Any]:
    return {
        "target": c.target.iri,
        "label": c.target.label(),
        "categories": list(cov.CATEGORIES),
        "counts": {k: c.counts().get(k, 0) for k in cov.CATEGORIES},
        "boundaries": CREDIT,
        "municipalities": [
            {
                "municipality": row.municipality.iri,
                "kommunkod": row.code,
                "label": row.municipality.label(),
                "county": row.county,
                "category": row.category,
                "documents": {d: row.document_categories[d] for d in row.documents},
                "links": {k: row.links.get(k, 0) for k in tr.KINDS},
            }
            for row in c.rows
        ],
    }


def county_names(store: GraphStore, settings: Settings) -> dict[str, str]:
    """länskod → county name."""
    return {code: name for code, name in cov.counties(store, settings).values()}


def coverage_view(store: GraphStore, settings: Settings, target: str, api_query: str) -> dict[str, Any]:
    """What a page shows of one target's coverage: the map, its legend counts, the table rows."""
    c = cov.coverage(store, settings, target)
    names = county_names(store, settings)
    counts = c.counts()
    rows = [
        {
            "code": row.code,
            "label": row.municipality.label(),
            "county": names.get(row.county, row.county),
            "category": row.category,
            "category_label": cov.CATEGORY_LABELS[row.category],
            "documents": len(row.documents),
            "explicit": row.links.get("explicit", 0),
            "paraphrase": row.links.get("paraphrase", 0),
            "thematic": row.links.get("thematic", 0),
            "href": _municipality_href(settings, row.code),
        }
        for row in c.rows
    ]
    return {
        "svg": coverage_svg(settings, c, names),
        "legend": [
            {"key": k, "colour": COLOURS[k], "label": cov.CATEGORY_LABELS[k], "count": counts.get(k, 0)}
            for k in cov.CATEGORIES
        ],
        "with_documents": [r for r in rows if r["documents"]],
        "rows": rows,
        "csv_href": f"/api/coverage?{api_query}&format=csv",
        "svg_href": f"/api/coverage?{api_query}&format=svg",
        "json_href": f"/api/coverage?{api_query}&format=json",
        "credit": CREDIT,
    }


@router.get(
    "/api/coverage",
    summary="For one principle or goal: what each of the 290 municipalities' documents do with it (SVG map, CSV, JSON)",
)
def api_coverage(
    request: Request,
    target: str | None = Query(None, description="IRI of a principle or goal"),
    framework: str | None = Query(None, description="framework slug, e.g. eu-cbp-2004 (with notation)"),
    notation: str | None = Query(None, description="notation of the principle or goal, e.g. 1"),
    format: str | None = Query(None, description="json (default), csv, svg"),
    store: GraphStore = Depends(get_store),
    settings: Settings = Depends(get_settings),
) -> Response:
    chosen = choose_table_format(
        request, format, {"application/json": "json", "text/csv": "csv", SVG_TYPE: "svg"}
    )
    try:
        iri = tr.resolve_target(store, settings, target, framework, notation)
    except tr.TraceInputError as error:
        raise HTTPException(status_code=400, detail=str(error)) from None
    if tr.catalogue(store, settings).get(iri).role != "concept":
        raise HTTPException(status_code=400, detail=f"{iri} is not a principle or goal of a framework")
    c = cov.coverage(store, settings, iri)
    if chosen == "csv":
        slug = iri.rstrip("/").split("/id/")[-1].replace("/", "-")
        return csv_response(cov.COVERAGE_CSV_HEADER, cov.coverage_records(c), f"coverage-{slug}.csv")
    if chosen == "svg":
        return Response(
            coverage_svg(settings, c, county_names(store, settings)),
            media_type=SVG_TYPE,
            headers={"Vary": "Accept"},
        )
    return Response(
        json.dumps(coverage_json(c), ensure_ascii=False, indent=1),
        media_type="application/json",
        headers={"Vary": "Accept"},
    )


# ------------------------------------------------------------------------------------------ overview


def _overview_class(documents: int) -> tuple[str, int, int, str, str]:
    return next(c for c in OVERVIEW_CLASSES if c[1] <= documents <= c[2])


def overview_svg(settings: Settings, o: cov.Overview, names: dict[str, str]) -> str:
    areas: dict[str, Area] = {}
    counts: Counter[str] = Counter()
    for municipality, county, documents in o.rows:
        key, _, _, colour, _ = _overview_class(len(documents))
        counts[key] += 1
        n = len(documents)
        title = (
            f"{municipality.label()} ({municipality.identifier}), {names.get(county, county)}: "
            f"{n} dokument · document{'s' if n != 1 else ''}"
        )
        areas[municipality.identifier] = Area(
            colour, key, title, _municipality_href(settings, municipality.identifier)
        )
    legend = [
        LegendEntry(key, colour, label, counts.get(key, 0)) for key, _, _, colour, label in OVERVIEW_CLASSES
    ]
    return render(
        shapes_for(settings.data_dir),
        areas,
        legend,
        title="Dokument per kommun · documents per municipality",
        element_id="overview-map",
    )


@router.get(
    "/api/coverage/overview",
    summary="Documents per municipality, all 290 (SVG map, CSV, JSON)",
)
def api_overview(
    request: Request,
    format: str | None = Query(None, description="json (default), csv, svg"),
    store: GraphStore = Depends(get_store),
    settings: Settings = Depends(get_settings),
) -> Response:
    chosen = choose_table_format(
        request, format, {"application/json": "json", "text/csv": "csv", SVG_TYPE: "svg"}
    )
    o = cov.overview(store, settings)
    if chosen == "csv":
        return csv_response(cov.OVERVIEW_CSV_HEADER, cov.overview_records(o), "coverage-overview.csv")
    if chosen == "svg":
        return Response(
            overview_svg(settings, o, county_names(store, settings)),
            media_type=SVG_TYPE,
            headers={"Vary": "Accept"},
        )
    with_documents = sum(1 for _, _, documents in o.rows if documents)
    return Response(
        json.dumps(
            {
                "municipalities": len(o.rows),
                "withDocuments": with_documents,
                "boundaries": CREDIT,
                "rows": cov.overview_records(o),
            },
            ensure_ascii=False,
            indent=1,
        ),
        media_type="application/json",
        headers={"Vary": "Accept"},
    )


@router.get(
    "/coverage", response_class=HTMLResponse, summary="The coverage map: documents per municipality (page)"
)
def coverage_page(
    request: Request,
    store: GraphStore = Depends(get_store),
    settings: Settings = Depends(get_settings),
) -> HTMLResponse:
    o = cov.overview(store, settings)
    names = county_names(store, settings)
    cat = tr.catalogue(store, settings)
    rows = [
        {
            "code": m.identifier,
            "label": m.label(),
            "county": names.get(county, county),
            "documents": [
                {"label": cat.get(d).label(), "href": "/" + d.split("/id/", 1)[-1] if "/id/" in d else d}
                for d in documents
            ],
            "href": _municipality_href(settings, m.identifier),
        }
        for m, county, documents in o.rows
    ]
    with_documents = [r for r in rows if r["documents"]]
    frameworks = []
    for slug in tr.DEFAULT_MATRIX_FRAMEWORKS:
        scheme = f"{settings.base_iri}id/framework/{slug}"
        if scheme in cat.nodes:
            frameworks.append(
                {
                    "label": cat.get(scheme).label(),
                    "concepts": [
                        {"label": c.label(), "href": f"/trace/{slug}/{c.iri[len(scheme) + 1 :]}#coverage"}
                        for c in cat.concepts(scheme)
                    ],
                }
            )
    html = TEMPLATES.get_template("coverage.html").render(
        **page_context(
            request,
            settings,
            title="Täckning · Coverage",
            svg=overview_svg(settings, o, names),
            legend=[{"colour": colour, "label": label} for _, _, _, colour, label in OVERVIEW_CLASSES],
            rows=rows,
            with_documents=with_documents,
            total=len(rows),
            frameworks=frameworks,
            credit=CREDIT,
        )
    )
    return HTMLResponse(html, headers={"Vary": "Accept, Accept-Language"})
