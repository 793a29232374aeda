"""POST /validate: RDF in (Turtle, JSON-LD or N-Triples), the SHACL report out; nothing is stored.

The posted data is validated together with the graph's shared context (frameworks, municipalities,
agents), checking only the posted resources, as `integration-kg validate` does. Relative IRIs in the
posted data resolve against the base IRI (a Turtle `<a>` is {base}a), as they do in queries. The work runs in a
query worker process, bounded by the query time limit like any query.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import parse_qs

import anyio
import pyoxigraph as ox
from fastapi import APIRouter, Depends, HTTPException, Request, Response
from rdflib import Graph, URIRef

from ..datafiles import DataFileError, parse_bytes, rebase
from ..rdfterms import graph_of
from ..render import HTML, JSON_LD, TURTLE, rdf_format_for, render_graph
from ..settings import Settings
from ..store import GraphStore, QueryError
from ..validation import ontology_graph, shapes_graph, validate_graph
from .deps import TEMPLATES, context_url, get_settings, get_store, page_language, public_root

router = APIRouter()

INPUT_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
}
FORM_FORMATS = {"turtle": "text/turtle", "jsonld": "application/ld+json", "ntriples": "application/n-triples"}
CONTEXT_ROLES = ("frameworks", "municipalities", "agents")


@router.get("/validate", summary="A form for validating RDF in the browser", response_class=Response)
def validate_form(request: Request, settings: Settings = Depends(get_settings)) -> Response:
    html = TEMPLATES.get_template("validate.html").render(
        request=request,
        root=public_root(request, settings),
        lang=page_language(request),
        report=None,
        data="",
    )
    return Response(html, media_type="text/html; charset=utf-8")


@router.post(
    "/validate",
    summary="SHACL validation of posted RDF (Turtle, JSON-LD, N-Triples); nothing is stored",
    response_class=Response,
)
async def validate(
    request: Request, settings: Settings = Depends(get_settings), store: GraphStore = Depends(get_store)
) -> Response:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    from_form = content_type == "application/x-www-form-urlencoded"
    if from_form:
        form = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
        content_type = FORM_FORMATS.get((form.get("format") or ["turtle"])[0], "")
        body = (form.get("data") or [""])[0].encode("utf-8")
    if content_type not in INPUT_FORMATS:
        raise HTTPException(
            415,
            f"unsupported Content-Type {content_type or '(none)'!r}: send text/turtle, "
            "application/ld+json or application/n-triples",
        )
    accept = request.headers.get("accept")
    fmt = HTML if from_form else rdf_format_for(accept, (TURTLE, JSON_LD, HTML))
    if fmt is None:
        raise HTTPException(406, "the report is available as text/turtle, application/ld+json or text/html")
    path = getattr(store, "path", None)
    if path is None:
        raise HTTPException(503, "validation needs the embedded store")
    kwargs = {
        "data": body,
        "media_type": content_type,
        "store_path": str(path),
        "base_iri": settings.base_iri,
        "shapes_dir": str(settings.shapes_dir),
        "ontology_dir": str(settings.ontology_dir),
    }
    deadline = time.monotonic() + settings.query_timeout * 3
    outcome = await anyio.to_thread.run_sync(store.workers.run, validate_posted, kwargs, deadline)  # type: ignore[attr-defined]
    report = json.loads(outcome["summary"])
    headers = {"X-Conforms": "true" if report["conforms"] else "false"}
    if fmt is HTML:
        language = page_language(request)
        html = TEMPLATES.get_template("validate.html").render(
            request=request,
            root=public_root(request, settings),
            lang=language,
            report=report,
            data=body.decode("utf-8", errors="replace"),
        )
        return Response(html, media_type="text/html; charset=utf-8", headers=headers)
    graph = Graph()
    graph.parse(data=outcome["report"].decode("utf-8"), format="nt")
    rendered = render_graph(graph, fmt, settings=settings, context_url=context_url(request, settings))
    media_type = fmt.media_type + ("; charset=utf-8" if fmt is TURTLE else "")
    return Response(rendered, media_type=media_type, headers=headers)


def validate_posted(
    data: bytes, media_type: str, store_path: str, base_iri: str, shapes_dir: str, ontology_dir: str
) -> dict[str, object]:
    """Worker side: parse (400 naming line and column), validate with the shared context, report."""
    try:
        quads = parse_bytes(
            data,
            INPUT_FORMATS[media_type],
            origin=Path("the posted data"),
            graph=None,
            base_iri=base_iri,
            relative_iris=True,  # documented: relative IRIs in posted data resolve against the base IRI
        )
    except DataFileError as error:
        where = f"line {error.line}, column {error.column}: " if error.line is not None else ""
        raise QueryError(
            f"the posted data does not parse: {where}{str(error).split(': ', 1)[-1]}",
            status=400,
            line=error.line,
            column=error.column,
        ) from None
    own = graph_of(rebase(quads, base_iri))
    data_graph = Graph()
    data_graph += _context(store_path, base_iri)
    data_graph += own
    focus = sorted({s for s in own.subjects() if isinstance(s, URIRef)})
    report = validate_graph(
        data_graph,
        shapes=shapes_graph(Path(shapes_dir)),
        ontology=ontology_graph(Path(ontology_dir)),
        focus_nodes=focus,
    )
    summary = {
        "conforms": report.conforms,
        "violations": len(report.violations),
        "other": len(report.results) - len(report.violations),
        "results": [
            {
                "severity": r.severity,
                "focus_node": r.focus_node,
                "path": r.path,
                "value": r.value,
                "message": r.message("en"),
            }
            for r in report.results
        ],
    }
    return {"summary": json.dumps(summary), "report": report.graph.serialize(format="nt").encode("utf-8")}


_context_cache: dict[str, Graph] = {}


def _context(store_path: str, base_iri: str) -> Graph:
    """The graphs of frameworks, municipalities and agents from the store (once per build, per worker)."""
    if store_path not in _context_cache:
        _context_cache.clear()
        store = ox.Store.read_only(str(Path(store_path) / "oxigraph"))
        graph = Graph()
        for name in store.named_graphs():
            rest = (
                name.value[len(base_iri + "graph/") :] if name.value.startswith(base_iri + "graph/") else ""
            )
            if rest.split("/")[0] in CONTEXT_ROLES:
                graph_of(store.quads_for_pattern(None, None, None, name), graph)
        _context_cache[store_path] = graph
    return _context_cache[store_path]
