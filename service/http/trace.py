"""GET /api/trace, /api/trace/matrix, /api/drawn-on and the pages /trace, /trace/{framework}/{notation},
/trace/drawn-on: which documents and parts trace to which principles and goals (service/trace.py).

Thin: parse the request, ask the domain, render. JSON-LD goes through service/render.py with the
published context; CSV headers are service.trace.TRACE_CSV_HEADER / MATRIX_CSV_HEADER.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS, XSD
from rdflib.term import Node

from .. import trace as tr
from ..coverage import COUNTY_MATRIX_CSV_HEADER, county_matrix_records, county_members, matrix_by_county
from ..formats import JSON_LD, TURTLE
from ..render import render_graph
from ..settings import Settings
from ..store import GraphStore
from .deps import TEMPLATES, context_url, get_settings, get_store, page_context, page_language
from .negotiation import preferred_media_type

router = APIRouter()

CSV_TYPE = "text/csv; charset=utf-8"
KIND_LABELS = {
    "explicit": ("uttrycklig hänvisning", "explicit citation"),
    "paraphrase": ("omskrivning", "paraphrase"),
    "thematic": ("tematisk samstämmighet", "thematic alignment"),
}
RELATION_NAMES = {
    "sv": {
        "cites": "hänvisar till",
        "alignsWith": "samstämmigt med",
        "isPartOf": "är del av",
        "implements": "genomför",
    },
    "en": {
        "cites": "cites",
        "alignsWith": "aligns with",
        "isPartOf": "is part of",
        "implements": "implements",
    },
}
KIND_INITIALS = {
    "sv": {"explicit": "U", "paraphrase": "O", "thematic": "T"},
    "en": {"explicit": "E", "paraphrase": "P", "thematic": "T"},
}
"""The letters in the matrix's cells, explained by the legend beside it, in the page's language."""
OPEN_PATHS = 8
"""A principle's page shows each path's steps and quotes at once for one municipality (a cell of the matrix)
or when it lists this many paths or fewer; longer lists show one line per path, opened on demand."""
TYPE_NAMES: dict[str, tuple[str, str]] = {
    "Strategy": ("strategi", "strategy"),
    "Policy": ("policy", "policy"),
    "Programme": ("program", "programme"),
    "Plan": ("plan", "plan"),
    "Guideline": ("riktlinje", "guideline"),
    "Rules": ("regler", "rules"),
    "InformationPage": ("informationssida", "information page"),
    "PolicyDocument": ("styrdokument", "policy document"),
    "FocusArea": ("fokusområde", "focus area"),
    "Goal": ("mål", "goal"),
    "Action": ("åtgärd", "action"),
    "DocumentPart": ("dokumentdel", "part of a document"),
    "Direction": ("inriktning", "direction"),
    "PolicyDirection": ("inriktning", "policy direction"),
    "Purpose": ("syfte", "purpose"),
    "Principle": ("princip", "principle"),
    "NationalGoal": ("nationellt mål", "national goal"),
    "SustainableDevelopmentGoal": ("globalt mål", "sustainable development goal"),
    "SustainableDevelopmentTarget": ("delmål", "sustainable development target"),
    "Framework": ("ramverk", "framework"),
    "Factor": ("faktor", "factor"),
}
"""Kinds of documents and parts by their ontology class, as a person names them."""


def type_name(class_name: str, lang: str) -> str:
    """A class's human name in the page's language (an unknown class: its words in lower case)."""
    if class_name in TYPE_NAMES:
        return TYPE_NAMES[class_name][1 if lang == "en" else 0]
    return re.sub(r"(?<!^)(?=[A-Z])", " ", class_name).lower()


def kind_names(lang: str) -> dict[str, str]:
    return {k: v[1 if lang == "en" else 0] for k, v in KIND_LABELS.items()}


KIND_COLOURS = {"explicit": "#08519c", "paraphrase": "#4292c6", "thematic": "#c6dbef", "": "#ffffff"}


# ------------------------------------------------------------------------------------------ helpers


def _filters(
    settings: Settings,
    municipality: str | None,
    kind: list[str] | None,
    document_type: str | None,
    in_force_on: str | None,
    direct: bool,
) -> tr.TraceFilters:
    try:
        return tr.make_filters(
            settings,
            municipality=municipality or None,
            kinds=kind or [],
            document_type=document_type or None,
            in_force_on=in_force_on or None,
            direct=direct,
        )
    except tr.TraceInputError as error:
        raise HTTPException(status_code=400, detail=str(error)) from None


def _bad(error: Exception) -> HTTPException:
    return HTTPException(status_code=400, detail=str(error))


def _context_url(request: Request, settings: Settings) -> str:
    return context_url(request, settings)


def local(settings: Settings, iri: str) -> str:
    """A link to an IRI under the base on this service (`/id/...`), other IRIs as they are."""
    return "/" + iri[len(settings.base_iri) :] if iri.startswith(settings.base_iri) else iri


def choose_table_format(request: Request, fmt: str | None, offers: dict[str, str]) -> str:
    """The format asked for by `format=` or else by Accept (offers: media type → name)."""
    if fmt:
        wanted = fmt.strip().lower()
        aliases = {"json-ld": "jsonld", "ld+json": "jsonld", "ttl": "turtle", "text/csv": "csv"}
        wanted = aliases.get(wanted, wanted)
        if wanted not in offers.values():
            raise HTTPException(
                status_code=400,
                detail=f"unknown format {fmt!r}: use one of {', '.join(sorted(set(offers.values())))}",
            )
        return wanted
    chosen = preferred_media_type(request.headers.get("accept"), list(offers))
    if chosen is None:
        raise HTTPException(status_code=406, detail="acceptable: " + ", ".join(offers))
    return offers[chosen]


def csv_response(header: tuple[str, ...], records: list[dict[str, str]], filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(header), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(records)
    return Response(
        buffer.getvalue(),
        media_type=CSV_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Vary": "Accept"},
    )


def _page(request: Request, settings: Settings, name: str, **values: Any) -> HTMLResponse:
    """A trace page on the site's base template."""
    html = TEMPLATES.get_template(name).render(**page_context(request, settings, **values))
    return HTMLResponse(html, headers={"Vary": "Accept, Accept-Language"})


# ------------------------------------------------------------------------------------------ RDF of an answer


def answer_graph(settings: Settings, paths: list[tr.TracePath], cat: tr.Catalogue, answer_iri: str) -> Graph:
    """A trace answer as RDF: ikg:TracePath nodes with their origin, target, kind and an rdf:List of
    ikg:TraceStep nodes; each cites step points to its ikg:Citation, which carries kind, quote and source;
    each alignsWith step to its ikg:Alignment (by ikg:alignment), with quote and source and no kind."""
    ikg = Namespace(settings.ikg)
    graph = Graph()
    answer = URIRef(answer_iri)
    relation_iris = {
        "cites": ikg.cites,
        "alignsWith": ikg.alignsWith,
        "isPartOf": DCTERMS.isPartOf,
        "implements": ikg.implements,
    }
    kinds = {name: ikg[cls] for name, cls in tr.KIND_CLASSES.items()}
    described: set[str] = set()

    def describe(iri: str) -> None:
        if iri in described:
            return
        described.add(iri)
        node = cat.get(iri)
        subject = URIRef(iri)
        for language, text in node.labels.items():
            graph.add((subject, SKOS.prefLabel, Literal(text, lang=language or None)))
        for language, text in node.title.items():
            graph.add((subject, DCTERMS.title, Literal(text, lang=language or None)))
        for type_iri in node.types:
            graph.add((subject, RDF.type, URIRef(type_iri)))
        if node.notation:
            graph.add((subject, SKOS.notation, Literal(node.notation)))
        if node.part_of:
            graph.add((subject, DCTERMS.isPartOf, URIRef(node.part_of)))
            describe(node.part_of)
        if node.publisher:
            graph.add((subject, DCTERMS.publisher, URIRef(node.publisher)))
            describe(node.publisher)
        if node.identifier and node.role == "municipality":
            graph.add((subject, DCTERMS.identifier, Literal(node.identifier)))
        if node.issued:
            graph.add((subject, DCTERMS.issued, _date_literal(node.issued)))
        if node.valid_until:
            graph.add((subject, ikg.validUntil, _date_literal(node.valid_until)))

    graph.add((answer, RDF.type, ikg.TraceAnswer))
    for path in paths:
        node = BNode()
        graph.add((answer, ikg.tracePath, node))
        graph.add((node, RDF.type, ikg.TracePath))
        graph.add((node, ikg.origin, URIRef(path.origin)))
        graph.add((node, ikg.tracesTo, URIRef(path.target)))
        graph.add((node, ikg.direct, Literal(path.direct)))
        if path.kind:
            graph.add((node, ikg.pathKind, kinds[path.kind]))
        describe(path.origin)
        describe(path.target)
        step_nodes: list[Node] = []
        for step in path.steps:
            step_node = BNode()
            step_nodes.append(step_node)
            graph.add((step_node, RDF.type, ikg.TraceStep))
            graph.add((step_node, ikg.stepFrom, URIRef(step.source_node)))
            graph.add((step_node, ikg.relation, relation_iris[step.relation]))
            graph.add((step_node, ikg.stepTo, URIRef(step.to)))
            describe(step.source_node)
            describe(step.to)
            if step.citation:
                citation = URIRef(step.citation)
                alignment = step.relation == "alignsWith"
                graph.add((step_node, ikg.alignment if alignment else ikg.citation, citation))
                graph.add((citation, RDF.type, ikg.Alignment if alignment else ikg.Citation))
                graph.add((citation, ikg.target, URIRef(step.to)))
                if step.kind and not alignment:
                    graph.add((citation, ikg.citationKind, kinds[step.kind]))
                if step.quote:
                    graph.add((citation, ikg.quote, Literal(step.quote, lang=step.quote_language or None)))
                if step.source:
                    graph.add((citation, PROV.wasDerivedFrom, URIRef(step.source)))
        steps_list = BNode()
        Collection(graph, steps_list, step_nodes)
        graph.add((node, ikg.steps, steps_list))
    return graph


def _date_literal(text: str) -> Literal:
    datatype = {10: XSD.date, 7: XSD.gYearMonth, 4: XSD.gYear}.get(len(text))
    return Literal(text, datatype=datatype)


# ------------------------------------------------------------------------------------------ API


@router.get("/api/trace", summary="What traces to a principle or goal: paths with the evidence of each step")
def api_trace(
    request: Request,
    target: str | None = Query(None, description="IRI of a principle, goal, framework or document"),
    framework: str | None = Query(None, description="framework slug, e.g. eu-cbp-2004 (with notation)"),
    notation: str | None = Query(None, description="notation of the principle or goal, e.g. 1"),
    municipality: str | None = Query(None, description="kommunkod or IRI"),
    kind: list[str] | None = Query(
        None, description="explicit, paraphrase, thematic (the path's weakest step)"
    ),
    document_type: str | None = Query(
        None, description="Strategy, Policy, Programme, Plan, Guideline, Rules, InformationPage"
    ),
    in_force_on: str | None = Query(None, description="YYYY-MM-DD, YYYY-MM or YYYY"),
    direct: bool = Query(False, description="only the origin's own citations"),
    county: str | None = Query(None, description="länskod (two digits): only the county's municipalities"),
    format: str | None = Query(None, description="jsonld (default), csv, turtle"),
    store: GraphStore = Depends(get_store),
    settings: Settings = Depends(get_settings),
) -> Response:
    chosen = choose_table_format(
        request,
        format,
        {
            "application/ld+json": "jsonld",
            "application/json": "jsonld",
            "text/csv": "csv",
            "text/turtle": "turtle",
        },
    )
    filters = _filters(settings, municipality, kind, document_type, in_force_on, direct)
    try:
        iri = tr.resolve_target(store, settings, target, framework, notation)
        answer = tr.trace(store, settings, iri, filters)
    except tr.TraceInputError as error:
        raise _bad(error) from None
    members = _county_filter(store, settings, county)
    if members is not None:
        answer.paths = [
            p for p in answer.paths if (m := answer.catalogue.municipality_of(p.origin)) and m.iri in members
        ]
    if chosen == "csv":
        slug = iri.rstrip("/").split("/id/")[-1].replace("/", "-")
        return csv_response(
            tr.TRACE_CSV_HEADER, tr.path_records(answer.paths, answer.catalogue), f"trace-{slug}.csv"
        )
    graph = answer_graph(settings, answer.paths, answer.catalogue, str(request.url))
    fmt = TURTLE if chosen == "turtle" else JSON_LD
    body = render_graph(graph, fmt, settings=settings, context_url=_context_url(request, settings))
    return Response(body, media_type=fmt.media_type, headers={"Vary": "Accept"})


@router.get(
    "/api/trace/matrix", summary="Municipalities × principles and goals: links by kind (JSON, CSV or SVG)"
)
def api_matrix(
    request: Request,
    framework: list[str] | None = Query(
        None, description="framework slugs (default eu-cbp-2004 and se-integration-policy)"
    ),
    municipality: str | None = None,
    kind: list[str] | None = Query(None),
    document_type: str | None = None,
    in_force_on: str | None = None,
    direct: bool = False,
    group: str | None = Query(
        None,
        description="municipality (default) or county: one row per county (län), its municipalities' links added up",
    ),
    format: str | None = Query(None, description="json, csv, svg"),
    store: GraphStore = Depends(get_store),
    settings: Settings = Depends(get_settings),
) -> Response:
    chosen = choose_table_format(
        request, format, {"application/json": "json", "text/csv": "csv", "image/svg+xml": "svg"}
    )
    filters = _filters(settings, municipality, kind, document_type, in_force_on, direct)
    frameworks = _framework_list(framework)
    try:
        m = tr.matrix(store, settings, frameworks, filters)
    except tr.TraceInputError as error:
        raise _bad(error) from None
    m, by_county = _grouped(m, group, store, settings)
    if chosen == "csv" and by_county:
        return csv_response(COUNTY_MATRIX_CSV_HEADER, county_matrix_records(m), "trace-matrix-counties.csv")
    if chosen == "csv":
        return csv_response(tr.MATRIX_CSV_HEADER, tr.matrix_records(m), "trace-matrix.csv")
    if chosen == "svg":
        return Response(matrix_svg(m), media_type="image/svg+xml", headers={"Vary": "Accept"})
    body = matrix_json(m)
    if by_county:
        body["group"] = "county"
        for row in body["rows"]:
            row["county"], row["lanskod"] = row.pop("municipality"), row.pop("kommunkod")
    return Response(
        json.dumps(body, ensure_ascii=False, indent=1),
        media_type="application/json",
        headers={"Vary": "Accept"},
    )


GROUPS = ("municipality", "county")


def _grouped(
    m: tr.Matrix, group: str | None, store: GraphStore, settings: Settings
) -> tuple[tr.Matrix, bool]:
    """The matrix as asked: one row per municipality (default) or per county (group=county)."""
    wanted = (group or "municipality").strip().lower()
    if wanted not in GROUPS:
        raise HTTPException(status_code=400, detail=f"unknown group {group!r}: use municipality or county")
    if wanted == "county":
        return matrix_by_county(m, store, settings), True
    return m, False


def _county_filter(store: GraphStore, settings: Settings, county: str | None) -> set[str] | None:
    """The municipalities of county= (a länskod), or None when no county is asked for."""
    if not county:
        return None
    try:
        return county_members(store, settings, county)
    except tr.TraceInputError as error:
        raise _bad(error) from None


def _framework_list(values: list[str] | None) -> list[str]:
    found = [v.strip() for value in values or [] for v in value.split(",") if v.strip()]
    return found or list(tr.DEFAULT_MATRIX_FRAMEWORKS)


def matrix_json(m: tr.Matrix) -> dict[str, Any]:
    return {
        "filters": m.filters.describe(),
        "counting": "links: distinct chains of citations, by the kind of their weakest step",
        "columns": [
            {
                "target": c.iri,
                "framework": c.scheme.rsplit("/", 1)[-1],
                "notation": c.notation,
                "label": c.label(),
            }
            for c in m.columns
        ],
        "rows": [
            {
                "municipality": r.iri,
                "kommunkod": r.identifier,
                "label": r.label(),
                "cells": [
                    {
                        "target": c.iri,
                        **{k: m.cell(r.iri, c.iri).counts.get(k, 0) for k in tr.KINDS},
                        "links": m.cell(r.iri, c.iri).total,
                    }
                    for c in m.columns
                ],
            }
            for r in m.rows
        ],
    }


@router.get(
    "/api/drawn-on",
    summary="Which principles and goals a municipality or document draws on, and which EU principles it never mentions",
)
def api_drawn_on(
    request: Request,
    municipality: str | None = None,
    document: str | None = None,
    framework: str = Query(
        tr.DEFAULT_NEVER_FRAMEWORK, description="framework whose never-mentioned concepts to list"
    ),
    kind: list[str] | None = Query(None),
    document_type: str | None = None,
    in_force_on: str | None = None,
    direct: bool = False,
    format: str | None = Query(None, description="json (default) or csv"),
    store: GraphStore = Depends(get_store),
    settings: Settings = Depends(get_settings),
) -> Response:
    chosen = choose_table_format(request, format, {"application/json": "json", "text/csv": "csv"})
    if bool(municipality) == bool(document):
        raise HTTPException(
            status_code=400, detail="give exactly one of municipality= (kommunkod or IRI) and document= (IRI)"
        )
    filters = _filters(settings, None, kind, document_type, in_force_on, direct)
    try:
        answer = tr.drawn_on(store, settings, municipality or document or "", filters, framework)
    except tr.TraceInputError as error:
        raise _bad(error) from None
    if chosen == "csv":
        paths = [p for ps in answer.paths.values() for p in ps]
        return csv_response(tr.TRACE_CSV_HEADER, tr.path_records(paths, answer.catalogue), "drawn-on.csv")
    return Response(
        json.dumps(drawn_on_json(answer), ensure_ascii=False, indent=1), media_type="application/json"
    )


def drawn_on_json(answer: tr.DrawnOn) -> dict[str, Any]:
    cat = answer.catalogue
    return {
        "subject": answer.subject.iri,
        "label": answer.subject.label(),
        "filters": answer.filters.describe(),
        "drawsOn": [
            {
                "target": target,
                "label": cat.get(target).label(),
                "notation": cat.get(target).notation,
                "framework": cat.get(target).scheme
                or (target if cat.get(target).role == "framework" else ""),
                "direct": any(p.direct for p in paths),
                "strongestKind": max(
                    (p.kind for p in paths if p.kind), key=lambda k: tr.STRENGTH[k], default=""
                ),
                "links": len({p.link for p in paths}),
                "paths": len(paths),
            }
            for target, paths in answer.paths.items()
        ],
        "neverMentioned": {
            "framework": answer.framework.iri,
            "concepts": [
                {"target": c.iri, "notation": c.notation, "label": c.label()} for c in answer.never_mentioned
            ],
        },
        # Found nowhere, but not concluded absent: some document was read only in part (or none exists).
        "notFoundInExcerpts": {
            "framework": answer.framework.iri,
            "partlyReadDocuments": answer.partly_read,
            "concepts": [
                {"target": c.iri, "notation": c.notation, "label": c.label()} for c in answer.not_concluded
            ],
        },
    }


# ------------------------------------------------------------------------------------------ SVG


def matrix_svg(m: tr.Matrix) -> str:
    """The matrix as an SVG picture: one square per cell, shaded by its strongest kind, with its link count."""
    left, top, size, gap = 190, 120, 34, 2
    width = left + len(m.columns) * (size + gap) + 20
    height = top + len(m.rows) * (size + gap) + 90
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="sans-serif" font-size="12" role="img">',
        "<title>Kommuner × principer och mål: antal länkar per slag · municipalities × principles and goals: links by kind</title>",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    for j, column in enumerate(m.columns):
        x = left + j * (size + gap) + size / 2
        name = f"{_short_framework(column.scheme)} {column.notation}"
        out.append(
            f'<text x="{x:.0f}" y="{top - 8}" transform="rotate(-60 {x:.0f} {top - 8})" text-anchor="start">'
            f"<title>{escape(column.label())}</title>{escape(name)}</text>"
        )
    for i, row in enumerate(m.rows):
        y = top + i * (size + gap)
        out.append(
            f'<text x="{left - 8}" y="{y + size / 2 + 4:.0f}" text-anchor="end">{escape(row.label())}</text>'
        )
        for j, column in enumerate(m.columns):
            cell = m.cell(row.iri, column.iri)
            x = left + j * (size + gap)
            colour = KIND_COLOURS.get(cell.strongest, "#ffffff")
            detail = (
                ", ".join(f"{k} {cell.counts[k]}" for k in tr.KINDS if cell.counts.get(k))
                or "inga länkar · no links"
            )
            out.append(
                f'<g><title>{escape(row.label())} · {escape(column.label())}: {escape(detail)}</title>'
                f'<rect x="{x}" y="{y}" width="{size}" height="{size}" fill="{colour}" stroke="#999999"/>'
            )
            if cell.total:
                ink = "#ffffff" if cell.strongest in ("explicit", "paraphrase") else "#000000"
                out.append(
                    f'<text x="{x + size / 2:.0f}" y="{y + size / 2 + 4:.0f}" text-anchor="middle" fill="{ink}">{cell.total}</text>'
                )
            out.append("</g>")
    y = top + len(m.rows) * (size + gap) + 24
    for k, kind in enumerate(tr.KINDS):
        x = left + k * 210
        out.append(
            f'<rect x="{x}" y="{y}" width="16" height="16" fill="{KIND_COLOURS[kind]}" stroke="#999999"/>'
            f'<text x="{x + 22}" y="{y + 13}">{escape(KIND_LABELS[kind][0])} · {escape(kind)}</text>'
        )
    out.append(
        f'<text x="{left}" y="{y + 40}">Siffran: antal länkar (kedjor av hänvisningar); färgen: starkaste slaget.'
        " · Number: links (citation chains); colour: strongest kind.</text>"
    )
    out.append("</svg>")
    return "\n".join(out)


def _short_framework(scheme: str) -> str:
    slug = scheme.rstrip("/").rsplit("/", 1)[-1]
    return {"eu-cbp-2004": "CBP", "se-integration-policy": "SE"}.get(slug, slug)


# ------------------------------------------------------------------------------------------ pages


def _view_path(settings: Settings, path: tr.TracePath, cat: tr.Catalogue, lang: str = "sv") -> dict[str, Any]:
    li = 1 if lang == "en" else 0
    steps = []
    for step in path.steps:
        steps.append(
            {
                "from": cat.get(step.source_node).label(lang),
                "from_href": local(settings, step.source_node),
                "relation": step.relation,
                "relation_label": RELATION_NAMES[lang].get(step.relation, step.relation),
                "to": cat.get(step.to).label(lang),
                "to_href": local(settings, step.to),
                "kind": step.kind,
                "kind_label": KIND_LABELS.get(step.kind, ("", ""))[li],
                "quote": step.quote,
                "quote_language": step.quote_language,
                "citation_href": local(settings, step.citation) if step.citation else "",
                "evidence_label": (
                    ("samstämmigheten", "the alignment")[li]
                    if step.relation == "alignsWith"
                    else ("hänvisningen", "the citation")[li]
                ),
                "source_href": local(settings, step.source) if step.source else "",
                "source_label": cat.get(step.source).label(lang) if step.source else "",
            }
        )
    document = cat.document_of(path.origin)
    municipality = cat.municipality_of(path.origin)
    origin = cat.get(path.origin)
    return {
        "origin": origin.label(lang),
        "origin_href": local(settings, path.origin),
        "origin_type": type_name(origin.type_name(), lang),
        "document": document.label(lang) if document and document.iri != path.origin else "",
        "document_iri": document.iri if document else "",
        "document_href": local(settings, document.iri) if document else "",
        "municipality": municipality.label(lang) if municipality else "",
        "municipality_iri": municipality.iri if municipality else "",
        "kind": path.kind,
        "direct": path.direct,
        "kind_label": KIND_LABELS.get(path.kind, ("", ""))[li],
        "evidence": "alignment" if path.is_alignment else "citation",
        "steps": steps,
    }


def _query_string(values: dict[str, Any]) -> str:
    pairs = [(k, v) for k, v in values.items() if v not in (None, "", False, [])]
    flat: list[tuple[str, str]] = []
    for k, v in pairs:
        if isinstance(v, list):
            flat += [(k, str(x)) for x in v]
        else:
            flat.append((k, "true" if v is True else str(v)))
    return urlencode(flat)


@router.get("/trace", response_class=HTMLResponse, summary="The trace matrix page")
def trace_page(
    request: Request,
    framework: list[str] | None = Query(None),
    municipality: str | None = None,
    kind: list[str] | None = Query(None),
    document_type: str | None = None,
    in_force_on: str | None = None,
    direct: bool = False,
    group: str | None = None,
    store: GraphStore = Depends(get_store),
    settings: Settings = Depends(get_settings),
) -> HTMLResponse:
    filters = _filters(settings, municipality, kind, document_type, in_force_on, direct)
    frameworks = _framework_list(framework)
    lang = page_language(request)
    try:
        m = tr.matrix(store, settings, frameworks, filters)
    except tr.TraceInputError as error:
        raise _bad(error) from None
    m, by_county = _grouped(m, group, store, settings)
    filter_values = {
        "municipality": municipality,
        "kind": kind or [],
        "document_type": document_type,
        "in_force_on": in_force_on,
        "direct": direct,
    }
    query = _query_string(
        {"framework": framework or [], **filter_values, "group": "county" if by_county else ""}
    )
    groups: list[dict[str, Any]] = []
    for column in m.columns:
        name = column.scheme.rsplit("/", 1)[-1]
        if not groups or groups[-1]["slug"] != name:
            groups.append({"slug": name, "label": m.catalogue.get(column.scheme).label(lang), "span": 0})
        groups[-1]["span"] += 1
    rows = []
    for row in m.rows:
        cells = []
        for column in m.columns:
            cell = m.cell(row.iri, column.iri)
            slug = column.iri[len(column.scheme) + 1 :]
            cells.append(
                {
                    "href": f"/trace/{column.scheme.rsplit('/', 1)[-1]}/{slug}"
                    + (
                        f"?lang={lang}#coverage"
                        if by_county
                        else "?"
                        + _query_string({**filter_values, "municipality": row.identifier, "lang": lang})
                        + "#evidence"
                    ),
                    "counts": [(k, cell.counts.get(k, 0)) for k in tr.KINDS if cell.counts.get(k)],
                    "total": cell.total,
                    "strongest": cell.strongest,
                    "title": f"{row.label(lang)} · {column.label(lang)}",
                }
            )
        rows.append(
            {
                "label": row.label(lang),
                "code": row.identifier,
                "href": local(settings, row.iri)
                if by_county
                else "/trace/drawn-on?" + _query_string({"municipality": row.identifier, "lang": lang}),
                "cells": cells,
            }
        )
    columns = [
        {
            "label": c.label(lang),
            "short": f"{_short_framework(c.scheme)} {c.notation}",
            "href": f"/trace/{c.scheme.rsplit('/', 1)[-1]}/{c.iri[len(c.scheme) + 1 :]}?lang={lang}",
        }
        for c in m.columns
    ]
    return _page(
        request,
        settings,
        "trace.html",
        title="Spårning" if lang == "sv" else "Trace",
        groups=groups,
        columns=columns,
        rows=rows,
        query=query,
        filters=filter_values,
        kinds=tr.KINDS,
        kind_labels=KIND_LABELS,
        kind_names=kind_names(lang),
        initials=KIND_INITIALS[lang],
        document_types=[(t, type_name(t, lang)) for t in tr.DOCUMENT_TYPES],
        municipalities=[(r.identifier, r.label(lang)) for r in m.catalogue.municipalities()],
        frameworks=frameworks,
        by_county=by_county,
    )


@router.get(
    "/trace/drawn-on", response_class=HTMLResponse, summary="What a municipality or document draws on (page)"
)
def drawn_on_page(
    request: Request,
    municipality: str | None = None,
    document: str | None = None,
    framework: str = tr.DEFAULT_NEVER_FRAMEWORK,
    store: GraphStore = Depends(get_store),
    settings: Settings = Depends(get_settings),
) -> HTMLResponse:
    if bool(municipality) == bool(document):
        raise HTTPException(
            status_code=400, detail="give exactly one of municipality= (kommunkod or IRI) and document= (IRI)"
        )
    try:
        answer = tr.drawn_on(store, settings, municipality or document or "", None, framework)
    except tr.TraceInputError as error:
        raise _bad(error) from None
    cat = answer.catalogue
    targets = []
    for target, paths in answer.paths.items():
        node = cat.get(target)
        targets.append(
            {
                "label": node.label(),
                "href": local(settings, target),
                "framework": cat.get(node.scheme).label() if node.scheme else node.label(),
                "paths": [_view_path(settings, p, cat, page_language(request)) for p in paths],
            }
        )
    query = _query_string({"municipality": municipality, "document": document, "framework": framework})
    return _page(
        request,
        settings,
        "trace_drawn_on.html",
        title=f"{answer.subject.label()} · Spårning",
        subject=answer.subject.label(),
        subject_href=local(settings, answer.subject.iri),
        targets=targets,
        query=query,
        framework=answer.framework.label(),
        never=[{"label": c.label(), "href": local(settings, c.iri)} for c in answer.never_mentioned],
        not_concluded=[{"label": c.label(), "href": local(settings, c.iri)} for c in answer.not_concluded],
        partly_read=[{"label": cat.get(d).label(), "href": local(settings, d)} for d in answer.partly_read],
    )


@router.get(
    "/trace/{framework}/{notation}",
    response_class=HTMLResponse,
    summary="Who draws on a principle or goal, and how (page)",
)
def principle_page(
    request: Request,
    framework: str,
    notation: str,
    municipality: str | None = None,
    kind: list[str] | None = Query(None),
    document_type: str | None = None,
    in_force_on: str | None = None,
    direct: bool = False,
    store: GraphStore = Depends(get_store),
    settings: Settings = Depends(get_settings),
) -> HTMLResponse:
    filters = _filters(settings, municipality, kind, document_type, in_force_on, direct)
    lang = page_language(request)
    try:
        iri = tr.resolve_target(store, settings, None, framework, notation)
        answer = tr.trace(store, settings, iri, filters)
    except tr.TraceInputError as error:
        raise HTTPException(status_code=404, detail=str(error)) from None
    cat = answer.catalogue
    target = answer.target
    by_municipality: dict[str, dict[str, Any]] = {}
    concepts: list[dict[str, Any]] = []
    for path in answer.links().values():
        mun = cat.municipality_of(path.origin)
        if mun is None:
            continue
        entry = by_municipality.setdefault(
            mun.iri,
            {
                "label": mun.label(lang),
                "code": mun.identifier,
                "counts": {k: 0 for k in tr.KINDS},
                "links": 0,
            },
        )
        entry["counts"][path.kind] = entry["counts"].get(path.kind, 0) + 1
        entry["links"] += 1
    evidence: list[dict[str, Any]] = []
    for path in answer.paths:
        view = _view_path(settings, path, cat, lang)
        (evidence if cat.municipality_of(path.origin) else concepts).append(view)
    grouped: dict[str, dict[str, Any]] = {}
    for view in evidence:  # municipality → document → its paths, in the trace's order
        group = grouped.setdefault(
            view["municipality_iri"], {"label": view["municipality"], "documents": {}, "paths": 0}
        )
        group["paths"] += 1
        document_key = view["document_iri"] or view["origin_href"]
        group["documents"].setdefault(
            document_key,
            {
                "label": view["document"] or view["origin"],
                "href": view["document_href"] or view["origin_href"],
                "paths": [],
            },
        )["paths"].append(view)
    filter_values = {
        "municipality": municipality,
        "kind": kind or [],
        "document_type": document_type,
        "in_force_on": in_force_on,
        "direct": direct,
    }
    api_query = _query_string({"target": iri, **filter_values})
    from .coverage import coverage_view  # the map of all 290 municipalities (its own module)

    return _page(
        request,
        settings,
        "trace_principle.html",
        coverage=coverage_view(store, settings, iri, _query_string({"target": iri})),
        title=f"{target.label(lang)} · {'Spårning' if lang == 'sv' else 'Trace'}",
        target=target.label(lang),
        target_href=local(settings, iri),
        definition=target.definition,
        framework=cat.get(target.scheme).label(lang),
        municipalities=sorted(by_municipality.values(), key=lambda e: e["label"]),
        evidence=evidence,
        evidence_groups=[
            {**g, "documents": list(g["documents"].values())}
            for g in sorted(grouped.values(), key=lambda g: g["label"])
        ],
        concepts=concepts,
        open_details=bool(municipality) or len(evidence) + len(concepts) <= OPEN_PATHS,
        kind_names=kind_names(lang),
        api_query=api_query,
        kinds=tr.KINDS,
        kind_labels=KIND_LABELS,
        filters=filter_values,
        paths=len(answer.paths),
        links=len(answer.links()),
    )
