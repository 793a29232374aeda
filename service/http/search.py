"""GET /search (page) and GET /api/search (JSON-LD, CSV): full-text search over the current build's index
(service/search.py).

The handlers are plain functions, so FastAPI runs them in its thread pool: SQLite is never queried on
the event loop. Bad input (no words, too long, an unknown filter value) is a 400 naming the problem;
FTS5 syntax in a query is never syntax, since the match expression is built from quoted words.
"""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from .. import search as se
from ..settings import Settings
from ..store import current_store_path
from .deps import TEMPLATES, get_settings, local_link, page_context, page_language, public_root
from .negotiation import preferred_media_type

router = APIRouter()

CSV_TYPE = "text/csv; charset=utf-8"
JSON_LD = "application/ld+json"
CSV_HEADER = (
    "rank",
    "iri",
    "kind",
    "label",
    "municipality_code",
    "municipality",
    "county",
    "document",
    "document_title",
    "document_type",
    "framework",
    "field",
    "quote_kind",
    "target",
    "snippet",
)
PER_PAGE = 20


def _index(settings: Settings) -> se.SearchIndex:
    path = current_store_path(settings)
    if path is None:
        raise HTTPException(status_code=503, detail="nothing has been built yet: run `integration-kg build`")
    try:
        return se.SearchIndex(se.index_path(path))
    except se.SearchUnavailable as error:
        raise HTTPException(status_code=503, detail=str(error)) from None


def _run(
    settings: Settings,
    q: str,
    municipality: str | None,
    county: str | None,
    kind: list[str] | None,
    document_type: str | None,
    page: int,
    per_page: int,
) -> se.SearchResult:
    try:
        filters = se.make_filters(municipality, county, kind, document_type)
        return _index(settings).search(q, filters, page=page, per_page=per_page)
    except se.SearchInputError as error:
        raise HTTPException(status_code=400, detail=str(error)) from None


def _query_string(values: dict[str, Any]) -> str:
    pairs: list[tuple[str, str]] = []
    for key, value in values.items():
        if isinstance(value, list):
            pairs.extend((key, str(v)) for v in value if v)
        elif value not in (None, "", False):
            pairs.append((key, str(value)))
    return urlencode(pairs)


@router.get(
    "/api/search",
    summary="Full-text search (Swedish and English) over labels, titles, definitions and quotes",
)
def api_search(
    request: Request,
    q: str = Query(
        ..., description="words to search for; Swedish words match their inflections and compounds"
    ),
    municipality: str | None = Query(None, description="kommunkod (four digits) or the municipality's IRI"),
    county: str | None = Query(None, description="länskod (two digits) or the county's IRI"),
    kind: list[str] | None = Query(
        None,
        description="kinds of resources (document, focus-area, goal, action, principle, national-goal, …) "
        "or of quotes (explicit, paraphrase, thematic)",
    ),
    document_type: str | None = Query(
        None, description="Strategy, Policy, Programme, Plan, Guideline, Rules, InformationPage"
    ),
    page: int = Query(1, ge=1, le=10_000),
    per_page: int = Query(PER_PAGE, ge=1, le=200),
    format: str | None = Query(None, description="jsonld or csv (else by Accept)"),
    settings: Settings = Depends(get_settings),
) -> Response:
    if format:
        chosen = {"jsonld": "jsonld", "json-ld": "jsonld", "json": "jsonld", "csv": "csv"}.get(format.lower())
        if chosen is None:
            raise HTTPException(status_code=400, detail=f"unknown format {format!r}: use jsonld or csv")
    else:
        offers = {JSON_LD: "jsonld", "application/json": "jsonld", "text/csv": "csv"}
        media = preferred_media_type(request.headers.get("accept"), list(offers))
        if media is None:
            raise HTTPException(status_code=406, detail="acceptable: " + ", ".join(offers))
        chosen = offers[media]
    result = _run(settings, q, municipality, county, kind, document_type, page, per_page)
    root = public_root(request, settings)
    language = page_language(request)
    if chosen == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(CSV_HEADER)
        for number, hit in enumerate(result.hits, start=(result.page - 1) * result.per_page + 1):
            writer.writerow(
                (
                    number,
                    hit.iri,
                    hit.kind,
                    hit.label(language),
                    hit.municipality_code,
                    hit.municipality_label,
                    hit.county,
                    hit.document,
                    hit.document_label_en if language == "en" else hit.document_label_sv,
                    hit.document_type,
                    hit.framework,
                    hit.field,
                    hit.quote_kind,
                    hit.target,
                    hit.highlighted,
                )
            )
        return Response(
            buffer.getvalue(),
            media_type=CSV_TYPE,
            headers={"Content-Disposition": 'attachment; filename="search.csv"', "Vary": "Accept"},
        )
    return JSONResponse(
        answer_jsonld(result, settings, str(request.url), root, language),
        media_type=JSON_LD,
        headers={"Vary": "Accept"},
    )


def answer_jsonld(
    result: se.SearchResult, settings: Settings, answer_iri: str, root: str, language: str
) -> dict[str, Any]:
    """The answer as JSON-LD with its context inline (no remote context to fetch): each hit is a node
    with its IRI, labels, kind, municipality, document and snippet (found words between ⟦ and ⟧)."""
    ikg = settings.ikg
    context = {
        "ikg": ikg,
        "skos": "http://www.w3.org/2004/02/skos/core#",
        "dcterms": "http://purl.org/dc/terms/",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
        "query": "ikg:searchQuery",
        "total": {"@id": "ikg:searchTotal", "@type": "xsd:integer"},
        "page": {"@id": "ikg:searchPage", "@type": "xsd:integer"},
        "pages": {"@id": "ikg:searchPages", "@type": "xsd:integer"},
        "hits": {"@id": "ikg:searchHit", "@container": "@list"},
        "label": {"@id": "skos:prefLabel", "@container": "@language"},
        "kind": "ikg:searchKind",
        "municipality": {"@id": "dcterms:spatial", "@type": "@id"},
        "document": {"@id": "dcterms:isPartOf", "@type": "@id"},
        "documentType": "ikg:documentType",
        "county": "ikg:countyCode",
        "field": "ikg:searchField",
        "quoteKind": "ikg:quoteKind",
        "target": {"@id": "ikg:target", "@type": "@id"},
        "score": {"@id": "ikg:searchScore", "@type": "xsd:double"},
        "snippet": "ikg:snippet",
        "page_url": {"@id": "ikg:page", "@type": "@id"},
    }
    hits = []
    for hit in result.hits:
        node: dict[str, Any] = {
            "@id": hit.iri,
            "label": {k: v for k, v in (("sv", hit.label_sv), ("en", hit.label_en)) if v},
            "kind": hit.kind,
            "field": hit.field,
            "score": hit.score,
            "snippet": hit.highlighted,
        }
        link = local_link(hit.iri, base_iri=settings.base_iri, root=root)
        if link:
            node["page_url"] = link
        for key, value in (
            ("municipality", hit.municipality),
            ("county", hit.county),
            ("document", hit.document if hit.document != hit.iri else ""),
            ("documentType", hit.document_type),
            ("quoteKind", hit.quote_kind),
            ("target", hit.target),
        ):
            if value:
                node[key] = value
        hits.append(node)
    return {
        "@context": context,
        "@id": answer_iri,
        "query": result.query,
        "total": result.total,
        "page": result.page,
        "pages": result.pages,
        "hits": hits,
    }


@router.get("/search", response_class=HTMLResponse, summary="The search page")
def search_page(
    request: Request,
    q: str = "",
    municipality: str | None = None,
    county: str | None = None,
    kind: list[str] | None = Query(None),
    document_type: str | None = None,
    page: int = Query(1, ge=1, le=10_000),
    settings: Settings = Depends(get_settings),
) -> HTMLResponse:
    language = page_language(request)
    index = _index(settings)
    filters = {
        "q": q,
        "municipality": municipality or "",
        "county": county or "",
        "kind": [k for k in kind or [] if k],
        "document_type": document_type or "",
    }
    result: se.SearchResult | None = None
    error, status = "", 200
    if q.strip():
        try:
            result = _run(settings, q, municipality, county, kind, document_type, page, PER_PAGE)
        except HTTPException as problem:
            error, status = str(problem.detail), problem.status_code
    root = public_root(request, settings)
    base_query = _query_string({**filters, "lang": language})

    def link(iri: str) -> str | None:
        return local_link(iri, base_iri=settings.base_iri, root=root) if iri else None

    def hit_view(hit: se.Hit) -> dict[str, object]:
        return {
            "hit": hit,
            "href": link(hit.iri),
            "label": hit.label(language),
            "kind": se.KINDS.get(hit.kind, se.KINDS["other"])[1 if language == "en" else 0],
            "quote_kind": se.QUOTE_KIND_LABELS.get(hit.quote_kind, ("", ""))[1 if language == "en" else 0],
            "target": hit.target_label_en
            if language == "en" and hit.target_label_en
            else hit.target_label_sv,
            "target_href": link(hit.target),
        }

    groups = [
        {
            "key": group.key,
            "heading": group.heading,
            "href": link(group.key),
            "documents": [
                {
                    "key": document.key,
                    "heading": document.heading,
                    "href": link(document.key),
                    "links": [hit_view(hit) for hit in document.hits],
                }
                for document in group.documents.values()
            ],
        }
        for group in (se.group_hits(result.hits, language) if result else [])
    ]
    facets = index.facets()
    html = TEMPLATES.get_template("search.html").render(
        **page_context(
            request,
            settings,
            q=q,
            result=result,
            groups=groups,
            error=error,
            filters=filters,
            municipalities=facets["municipalities"],
            counties=facets["counties"],
            kinds=[(k, v[1 if language == "en" else 0]) for k, v in se.KINDS.items() if k != "other"]
            + [(k, v[1 if language == "en" else 0]) for k, v in se.QUOTE_KIND_LABELS.items()],
            document_types=se.DOCUMENT_CLASSES,
            page_url=lambda number: f"{root}/search?{base_query}&page={number}",
            api_query=_query_string({**filters, "page": page if page > 1 else ""}),
        )
    )
    return HTMLResponse(html, status_code=status, headers={"Vary": "Accept-Language"})
