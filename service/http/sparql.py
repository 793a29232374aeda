"""GET and POST /sparql: the SPARQL 1.1 Protocol, read-only.

GET with query=; POST form-encoded (query=) or application/sparql-query; default-graph-uri and
named-graph-uri; results by `format=` or Accept. Without a query: the Service Description for RDF
clients, the query page for a browser. The work happens in service.sparql and the store seam.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from rdflib import Graph
from starlette.concurrency import run_in_threadpool

from ..queries import QUERY_DIR
from ..render import HTML, JSON_LD, N_TRIPLES, RDF_FORMATS, context_text, prefixes, rdf_format_for, render_graph
from ..settings import Settings
from ..sparql import check_query, choose_format, dataset_for
from ..store import GraphStore, QueryError
from .deps import TEMPLATES, cached_response, context_url, entity_tag, get_settings, get_store, page_language, public_root

router = APIRouter()
RESEARCH_QUERIES = QUERY_DIR / "research"
FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"


@router.get("/sparql", summary="SPARQL 1.1 query (GET), the Service Description, or the query page",
            response_class=Response)
async def sparql_get(request: Request, settings: Settings = Depends(get_settings),
                     store: GraphStore = Depends(get_store)) -> Response:
    params = request.query_params
    if "update" in params:
        raise QueryError("SPARQL Update is not allowed: this endpoint is read-only", status=400)
    query = params.get("query")
    if query is None:
        return _without_query(request, settings)
    return await _answer(request, settings, store, query, params.getlist("default-graph-uri"),
                         params.getlist("named-graph-uri"), params.get("format"))


@router.post("/sparql", summary="SPARQL 1.1 query (POST, form-encoded or application/sparql-query)",
             response_class=Response)
async def sparql_post(request: Request, settings: Settings = Depends(get_settings),
                      store: GraphStore = Depends(get_store)) -> Response:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    params = request.query_params
    if content_type == FORM:
        try:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise HTTPException(400, "the form body is not UTF-8") from None
        if "update" in form:
            raise QueryError("SPARQL Update is not allowed: this endpoint is read-only", status=400)
        if "query" not in form:
            raise HTTPException(400, "the form has no query= field")
        if len(form["query"]) > 1:
            raise HTTPException(400, "the form has more than one query= field")
        return await _answer(request, settings, store, form["query"][0],
                             form.get("default-graph-uri", []) + params.getlist("default-graph-uri"),
                             form.get("named-graph-uri", []) + params.getlist("named-graph-uri"),
                             (form.get("format") or [params.get("format")])[0])
    if content_type == SPARQL_QUERY:
        try:
            query = body.decode("utf-8")
        except UnicodeDecodeError:
            raise HTTPException(400, "the query is not UTF-8") from None
        return await _answer(request, settings, store, query, params.getlist("default-graph-uri"),
                             params.getlist("named-graph-uri"), params.get("format"))
    if content_type == SPARQL_UPDATE:
        raise QueryError("SPARQL Update is not allowed: this endpoint is read-only", status=400)
    raise HTTPException(415, f"unsupported Content-Type {content_type or '(none)'!r}: "
                             f"send {FORM} (query=…) or {SPARQL_QUERY}")


async def _answer(request: Request, settings: Settings, store: GraphStore, query: str, default_graphs: list[str],
                  named_graphs: list[str], format_parameter: str | None) -> Response:
    checked = check_query(query)
    fmt = choose_format(checked.form, request.headers.get("accept"), format_parameter)
    dataset = dataset_for(default_graphs, named_graphs)
    asked = N_TRIPLES.media_type if fmt is JSON_LD else fmt.media_type
    body = await store.run_bounded(checked.text, result_format=asked, dataset=dataset,
                                   timeout=settings.query_timeout, max_results=settings.max_results)
    if fmt is JSON_LD:
        body = await run_in_threadpool(_json_ld_from_ntriples, body, settings, context_url(request, settings))
    media_type = fmt.media_type
    if media_type.startswith("text/") or media_type == N_TRIPLES.media_type:
        media_type += "; charset=utf-8"
    return Response(content=body, media_type=media_type, headers={"Vary": "Accept"})


def _json_ld_from_ntriples(body: bytes, settings: Settings, ctx_url: str) -> bytes:
    graph = Graph()
    graph.parse(data=body.decode("utf-8"), format="nt")
    return render_graph(graph, JSON_LD, settings=settings, context_url=ctx_url)


# ------------------------------------------------------------------------------------------------
# Without a query: the Service Description or the query page
# ------------------------------------------------------------------------------------------------

def _without_query(request: Request, settings: Settings) -> Response:
    offers = (*RDF_FORMATS[:1], HTML, *RDF_FORMATS[1:])
    fmt = rdf_format_for(request.headers.get("accept"), offers)
    asked = request.query_params.get("format")
    if asked:
        fmt = next((f for f in offers if asked.lower() in (f.name, f.media_type, f.suffix.lstrip("."))), None)
    if fmt is None:
        raise HTTPException(406, "without a query this endpoint offers its Service Description "
                                 "(text/turtle, application/ld+json, application/n-triples, application/rdf+xml) "
                                 "or the query page (text/html)")
    root = public_root(request, settings)
    if fmt is HTML:
        language = page_language(request)
        html = TEMPLATES.get_template("sparql.html").render(
            request=request, root=root, lang=language, examples=research_examples(),
            prefixes=prefixes(settings), initial_query=_initial_query(settings), base=settings.base_iri)
        return cached_response(request, html.encode("utf-8"), "text/html",
                               etag=entity_tag("sparql-page", html), vary="Accept, Accept-Language")
    description = service_description(root + "/sparql", settings)
    body = render_graph(description, fmt, settings=settings, context_url=root + "/context.jsonld")
    return cached_response(request, body, fmt.media_type, etag=entity_tag("sd", fmt.name, root, context_text(settings)),
                           vary="Accept")


def service_description(endpoint: str, settings: Settings) -> Graph:
    """templates/service-description.ttl with the endpoint's address and the graph's base filled in."""
    template = TEMPLATES.get_template("service-description.ttl")
    text = template.render(endpoint=endpoint, base=settings.base_iri, max_results=settings.max_results,
                           timeout=settings.query_timeout)
    graph = Graph()
    graph.parse(data=text, format="turtle")
    return graph


def _initial_query(settings: Settings) -> str:
    return ("PREFIX ikg: <" + settings.ikg + ">\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n\n"
            "SELECT ?principle ?label (COUNT(?citation) AS ?citations) WHERE {\n"
            "  ?principle a ikg:Principle ; skos:prefLabel ?label .\n  FILTER(lang(?label) = \"sv\")\n"
            "  OPTIONAL { ?citation ikg:target ?principle }\n}\nGROUP BY ?principle ?label\nORDER BY ?principle\n")


def research_examples() -> list[dict[str, str]]:
    """The researchers' queries (service/queries/research/*.rq): each file's first comment line is its title."""
    files = sorted(RESEARCH_QUERIES.glob("*.rq")) if RESEARCH_QUERIES.is_dir() else []
    return [_example(path, path.stat().st_mtime_ns) for path in files]


@lru_cache(maxsize=128)
def _example(path: Path, mtime: int) -> dict[str, str]:
    text = path.read_text(encoding="utf-8")
    title = next((re.sub(r"^(title|titel)\s*:\s*", "", line.lstrip("#").strip(), flags=re.IGNORECASE) for line in text.splitlines() if line.startswith("#") and line.lstrip("#").strip()),
                 path.stem.replace("-", " "))
    return {"title": title, "text": text, "name": path.stem}

