"""POST /validate: RDF in (Turtle, JSON-LD or N-Triples), the SHACL report out; nothing is stored.

The posted data is validated together with the graph's shared context (frameworks, municipalities,
agents), checking only the posted resources, as `integration-kg validate` does. Relative IRIs in the
posted data resolve against the base IRI (a Turtle `<a>` is {base}a), as they do in queries.

Validation has its own bounded pool, apart from queries and pages: parsing, validation and rendering of an
RDF report run in a validation worker process (sandboxed like the query workers: no network, memory
bounded by INTEGRATION_KG_WORKER_MEMORY), within three times the query time limit; an HTML report is
rendered in one of the pool's own threads. At most VALIDATIONS_WAITING validations run or wait at once;
past that the answer is 503 at once. JSON-LD nested deeper than MAX_JSON_DEPTH is refused before it is
parsed (pyoxigraph's JSON-LD reader costs memory and time quadratic in the depth), and RDF 1.2 triple
terms and directional language tags, which the SHACL engine does not read, are a 400.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import weakref
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs

import anyio
import pyoxigraph as ox
from fastapi import APIRouter, Depends, HTTPException, Request, Response
from rdflib import Graph, URIRef

from ..datafiles import DataFileError, parse_bytes, rebase
from ..formats import HTML, JSON_LD, N_TRIPLES, TURTLE, RdfFormat, format_named
from ..rdfterms import graph_of
from ..render import render_graph
from ..settings import Settings
from ..store import GraphStore, QueryError, StoreBusy
from ..store.seam import OXIGRAPH_FOLDER
from ..validation import compiled_shapes, ontology_graph, validate_graph
from .deps import TEMPLATES, context_url, get_settings, get_store, page_language, public_root, worker_pools
from .negotiation import acceptable_format

router = APIRouter()

INPUT_FORMATS: dict[str, RdfFormat] = {
    "text/turtle": TURTLE,
    "application/x-turtle": TURTLE,
    "application/ld+json": JSON_LD,
    "application/json": JSON_LD,
    "application/n-triples": N_TRIPLES,
    "text/plain": N_TRIPLES,
}
"""What /validate reads, by Content-Type (each parsed by pyoxigraph)."""
FORM_FORMATS = (TURTLE, JSON_LD, N_TRIPLES)
"""What the browser form's `format` field may name."""
CONTEXT_ROLES = ("frameworks", "municipalities", "geo", "agents")
MAX_JSON_DEPTH = 64
"""The deepest nesting of JSON objects and arrays /validate reads (a 400 past it)."""
VALIDATIONS_WAITING = 4
"""Validations that may run or wait for the validation worker at once; the next gets 503."""


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
        named = format_named((form.get("format") or ["turtle"])[0], FORM_FORMATS)
        content_type = named.media_type if named is not None else ""
        body = (form.get("data") or [""])[0].encode("utf-8")
    if content_type not in INPUT_FORMATS:
        raise HTTPException(
            415,
            f"unsupported Content-Type {content_type or '(none)'!r}: send text/turtle, "
            "application/ld+json or application/n-triples",
        )
    accept = request.headers.get("accept")
    fmt = HTML if from_form else acceptable_format((TURTLE, JSON_LD, HTML), accept)
    if fmt is None:
        raise HTTPException(406, "the report is available as text/turtle, application/ld+json or text/html")
    path = getattr(store, "path", None)
    if path is None:
        raise HTTPException(503, "validation needs the embedded store")
    limiter = validation_slots(request).limiter()
    if limiter.borrowed_tokens >= limiter.total_tokens:
        raise StoreBusy(
            f"the validator is busy: at most {VALIDATIONS_WAITING} validations run or wait at once; "
            "try again shortly",
            status=503,
        )
    kwargs = {
        "data": body,
        "media_type": content_type,
        "store_path": str(path),
        "base_iri": settings.base_iri,
        "shapes_dir": str(settings.shapes_dir),
        "ontology_dir": str(settings.ontology_dir),
        "report_format": "" if fmt is HTML else fmt.name,
        "settings": settings,
        "context_url": context_url(request, settings),
    }
    deadline = time.monotonic() + settings.query_timeout * 3
    validators = worker_pools(request).validators
    outcome = await anyio.to_thread.run_sync(
        validators.run, validate_posted, kwargs, deadline, limiter=limiter
    )
    report = json.loads(outcome["summary"])
    headers = {"X-Conforms": "true" if report["conforms"] else "false"}
    if fmt is HTML:
        language = page_language(request)
        html = await anyio.to_thread.run_sync(
            lambda: TEMPLATES.get_template("validate.html").render(
                request=request,
                root=public_root(request, settings),
                lang=language,
                report=report,
                data=body.decode("utf-8", errors="replace"),
            ),
            limiter=limiter,
        )
        return Response(html, media_type="text/html; charset=utf-8", headers=headers)
    media_type = fmt.media_type + ("; charset=utf-8" if fmt is TURTLE else "")
    return Response(outcome["report"], media_type=media_type, headers=headers)


class ValidationSlots:
    """The places of /validate's pool: the threads that wait for the validation worker or render its
    reports, VALIDATIONS_WAITING at most. One per app (the app factory makes it: app.state.validation_slots);
    a limiter belongs to one event loop, so it keeps one per loop the app is served on (a test client runs
    its own)."""

    def __init__(self, places: int = VALIDATIONS_WAITING) -> None:
        self.places = places
        self._limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
            weakref.WeakKeyDictionary()
        )

    def limiter(self) -> anyio.CapacityLimiter:
        """The limiter of the running event loop."""
        loop = asyncio.get_running_loop()
        limiter = self._limiters.get(loop)
        if limiter is None:
            limiter = self._limiters[loop] = anyio.CapacityLimiter(self.places)
        return limiter


def validation_slots(request: Request) -> ValidationSlots:
    slots: ValidationSlots = request.app.state.validation_slots
    return slots


def json_depth(data: bytes) -> int:
    """The deepest nesting of objects and arrays in a JSON text, in linear time (strings skipped)."""
    depth = deepest = 0
    for match in _JSON_TOKENS.finditer(data):
        token = match.group()
        if token in (b"{", b"["):
            depth += 1
            deepest = max(deepest, depth)
        elif token in (b"}", b"]"):
            depth -= 1
    return deepest


_JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def rdf12_terms(quads: list[ox.Quad]) -> str | None:
    """What of RDF 1.2 the posted data uses that validation cannot read, or None."""
    for quad in quads:
        for term in (quad.subject, quad.object):
            if isinstance(term, ox.Triple):
                return "a triple term (RDF 1.2: <<( … )>> or a reifier)"
            if isinstance(term, ox.Literal) and getattr(term, "direction", None) is not None:
                return f"a directional language tag (RDF 1.2: @{term.language}--…)"
    return None


def validate_posted(
    data: bytes,
    media_type: str,
    store_path: str,
    base_iri: str,
    shapes_dir: str,
    ontology_dir: str,
    report_format: str = "",
    settings: Settings | None = None,
    context_url: str = "",
) -> dict[str, object]:
    """Worker side: parse (400 naming line and column), validate with the shared context, report: the
    summary as JSON, and the report graph rendered as report_format (an RDF format's name; "": none)."""
    if INPUT_FORMATS[media_type] is JSON_LD and (depth := json_depth(data)) > MAX_JSON_DEPTH:
        raise QueryError(
            f"the posted JSON-LD nests objects and arrays {depth} deep; /validate reads at most "
            f"{MAX_JSON_DEPTH} levels",
            status=400,
        )
    parser = INPUT_FORMATS[media_type].oxigraph
    assert parser is not None, "every format /validate reads is one pyoxigraph reads"
    try:
        quads = parse_bytes(
            data,
            parser,
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
    if (unsupported := rdf12_terms(quads)) is not None:
        raise QueryError(
            f"the posted data holds {unsupported}; /validate checks RDF 1.1 data only", status=400
        )
    own = graph_of(rebase(quads, base_iri))
    data_graph = Graph()
    data_graph += _context(store_path, base_iri)
    data_graph += own
    focus = sorted({s for s in own.subjects() if isinstance(s, URIRef)})
    report = validate_graph(
        data_graph,
        shapes=compiled_shapes(Path(shapes_dir)),
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
    rendered = b""
    fmt = format_named(report_format) if report_format else None
    if fmt is not None and settings is not None:
        rendered = render_graph(report.graph, fmt, settings=settings, context_url=context_url)
    return {"summary": json.dumps(summary), "report": rendered}


@lru_cache(maxsize=1)
def _context(store_path: str, base_iri: str) -> Graph:
    """The graphs of frameworks, municipalities (the generated table and the hand-written files) and agents from the store (once per build, per worker)."""
    store = ox.Store.read_only(str(Path(store_path) / OXIGRAPH_FOLDER))
    graph = Graph()
    for name in store.named_graphs():
        rest = name.value[len(base_iri + "graph/") :] if name.value.startswith(base_iri + "graph/") else ""
        if rest.split("/")[0] in CONTEXT_ROLES:
            graph_of(store.quads_for_pattern(None, None, None, name), graph)
    return graph
