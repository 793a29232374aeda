"""GET and POST /sparql: the SPARQL 1.1 Protocol, read-only.

GET with query=; POST form-encoded (query=) or application/sparql-query; default-graph-uri and
named-graph-uri; results by `format=` or Accept. Without a query: the Service Description for RDF
clients, the query page for a browser. The work happens in service.sparql and the store seam.

Answers are kept per build (QueryResults, bounded by INTEGRATION_KG_QUERY_CACHE_BYTES): the graph is
immutable per build, so the same query over the same dataset in the same format gives the same bytes
until the next build, whose new build id makes new keys. The safety check and format negotiation run
first on every request; only a successful answer is kept, and never one of a query that asks for
something new on every run (RAND, NOW, UUID, STRUUID). GET answers carry an ETag derived from the key
and `Cache-Control`, and `If-None-Match` gets a 304 without running the query; POST answers carry the
ETag only.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import HTMLResponse
from rdflib import Graph
from starlette.concurrency import run_in_threadpool

from ..formats import HTML, JSON_LD, N_TRIPLES, RDF_FORMATS
from ..queries import QUERY_DIR
from ..render import context_text, prefixes, render_graph
from ..settings import Settings
from ..sparql import CheckedQuery, Format, check_off_loop, dataset_for, formats_for
from ..store import GraphStore, QueryDataset, QueryError, QuerySyntaxError
from .conditional import client_is_current, entity_tag, validated_response
from .deps import TEMPLATES, context_url, get_settings, get_store, page_language, public_root
from .negotiation import NoAcceptableFormat, choose_format, format_values, prefers
from .sized_cache import BytesLRU

router = APIRouter()
RESEARCH_QUERIES = QUERY_DIR / "research"
FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"


# ------------------------------------------------------------------------------------------------
# The protocol's parameters: one rule for GET, POST form and POST direct
# ------------------------------------------------------------------------------------------------


class Parameters(NamedTuple):
    """What a /sparql request asks, read the same way from the URL and a form body.

    - `query`: exactly one, from the URL (GET, POST direct: the body is the query) or the form; two
      `query` parameters are a 400, wherever they are.
    - `default-graph-uri`, `named-graph-uri`: every value, the URL's then the form's (the protocol
      allows many).
    - `format` (and `output`, which some clients send beside it): every value, the URL's then the
      form's, comma lists split; the first one the query form can be answered in wins, else Accept
      (service.http.negotiation.choose_format).
    - `update` anywhere: 400, the endpoint is read-only.
    """

    query: str | None
    default_graphs: list[str]
    named_graphs: list[str]
    formats: list[str]


def read_parameters(*sources: list[tuple[str, str]]) -> Parameters:
    """The parameters of the URL and of a form body (in that order), by the rules of `Parameters`."""
    pairs = [pair for source in sources for pair in source]
    if any(name == "update" for name, _ in pairs):
        raise QueryError("SPARQL Update is not allowed: this endpoint is read-only", status=400)
    queries = [value for name, value in pairs if name == "query"]
    if len(queries) > 1:
        raise HTTPException(400, f"the request has {len(queries)} query parameters: send exactly one")
    return Parameters(
        queries[0] if queries else None,
        [value for name, value in pairs if name == "default-graph-uri"],
        [value for name, value in pairs if name == "named-graph-uri"],
        format_values(*(value for name, value in pairs if name in ("format", "output"))),
    )


@router.get(
    "/sparql",
    summary="SPARQL 1.1 query (GET), the Service Description, or the query page",
    response_class=Response,
)
async def sparql_get(
    request: Request, settings: Settings = Depends(get_settings), store: GraphStore = Depends(get_store)
) -> Response:
    asked = read_parameters(request.query_params.multi_items())
    if asked.query is None:
        return _without_query(request, settings)
    formats = request.query_params.getlist("format")
    if wants_page(request, formats[0] if formats else None):
        return await _page_answer(request, settings, store, asked.query)
    return await _answer(request, settings, store, asked)


@router.post(
    "/sparql",
    summary="SPARQL 1.1 query (POST, form-encoded or application/sparql-query)",
    response_class=Response,
)
async def sparql_post(
    request: Request, settings: Settings = Depends(get_settings), store: GraphStore = Depends(get_store)
) -> Response:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    charset = re.search(r";\s*charset\s*=\s*\"?([^\";\s]+)", request.headers.get("content-type", ""), re.I)
    if charset and charset.group(1).lower() not in ("utf-8", "utf8"):
        raise HTTPException(415, f"the body is in {charset.group(1)}: send it in UTF-8")
    body = await request.body()
    in_url = request.query_params.multi_items()
    if content_type == FORM:
        try:
            form = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise HTTPException(400, "the form body is not UTF-8") from None
        asked = read_parameters(in_url, form)
        if asked.query is None:
            raise HTTPException(400, "the form has no query= field")
        return await _answer(request, settings, store, asked)
    if content_type == SPARQL_QUERY:
        try:
            query = body.decode("utf-8")
        except UnicodeDecodeError:
            raise HTTPException(400, "the query is not UTF-8") from None
        asked = read_parameters(in_url, [("query", query)])
        return await _answer(request, settings, store, asked)
    if content_type == SPARQL_UPDATE:
        raise QueryError("SPARQL Update is not allowed: this endpoint is read-only", status=400)
    raise HTTPException(
        415, f"unsupported Content-Type {content_type or '(none)'!r}: send {FORM} (query=…) or {SPARQL_QUERY}"
    )


def with_base(query: str, base_iri: str) -> str:
    """The query with the graph's base IRI declared first, on its first line: relative IRIs in a query
    (`<s>`, `<id/framework/eu-cbp-2004>`) resolve against {base}; a BASE of the query's own overrides it."""
    return f"BASE <{base_iri}> {query}" if query.strip() else query


def _located(error: QuerySyntaxError, prefix: int) -> QuerySyntaxError:
    """A syntax error's position in the query as sent (without the BASE declared before it)."""
    if error.line != 1 or error.column is None or error.column <= prefix:
        return error
    column = error.column - prefix
    message = re.sub(
        r"^syntax error at line 1, column \d+", f"syntax error at line 1, column {column}", error.message
    )
    return QuerySyntaxError(message, line=1, column=column)


async def _answer(
    request: Request,
    settings: Settings,
    store: GraphStore,
    asked: Parameters,
) -> Response:
    assert asked.query is not None
    query = with_base(asked.query, settings.base_iri)
    try:
        checked = await check_off_loop(query)
    except QuerySyntaxError as error:
        raise _located(error, len(query) - len(asked.query)) from None
    fmt = answer_format(checked.form, request.headers.get("accept"), asked.formats)
    default_graphs, named_graphs = asked.default_graphs, asked.named_graphs
    dataset = dataset_for(default_graphs, named_graphs)
    key = QueryKey(
        store.info.build_id,
        checked.text,
        tuple(default_graphs),
        tuple(named_graphs),
        fmt.media_type,
        settings.max_results,
        context_url(request, settings) if fmt is JSON_LD else "",
    )
    if not repeatable(checked):
        body = await _run(store, settings, key, fmt, dataset)
        return _response(request, body, fmt, etag=None)
    etag = entity_tag("sparql", repr(key))
    if request.method == "GET" and client_is_current(request, etag):
        return _response(request, b"", fmt, etag=etag)  # 304: the client's copy is this build's answer
    results = query_results(request)
    kept = results.get(key)
    if kept is not None:
        return _response(request, kept, fmt, etag=etag)
    body = await _run(store, settings, key, fmt, dataset)
    results.put(key, body)
    return _response(request, body, fmt, etag=etag)


def answer_format(form: str, accept: str | None, asked: list[str]) -> Format:
    """The answer's format by the service's one rule (service.http.negotiation.choose_format) among what
    this query form can be given in: `format=` values first, else Accept; 406 naming the offers."""
    kind = "SELECT and ASK queries" if form in ("SELECT", "ASK") else "CONSTRUCT and DESCRIBE queries"
    try:
        return choose_format(formats_for(form), accept, asked, kind)
    except NoAcceptableFormat as error:
        raise HTTPException(406, str(error), headers={"Vary": "Accept"}) from None


async def _run(
    store: GraphStore, settings: Settings, key: QueryKey, fmt: Format, dataset: QueryDataset | None
) -> bytes:
    """The answer's bytes from the store (in a worker process), JSON-LD rendered in the threadpool."""
    asked = N_TRIPLES.media_type if fmt is JSON_LD else fmt.media_type
    try:
        body = await store.run_bounded(
            key.query,
            result_format=asked,
            dataset=dataset,
            timeout=settings.query_timeout,
            max_results=key.max_results,
        )
    except QuerySyntaxError as error:
        raise _located(error, len(with_base("", settings.base_iri))) from None
    if fmt is JSON_LD:
        body = await run_in_threadpool(_json_ld_from_ntriples, body, settings, key.context_url)
    return body


def _response(request: Request, body: bytes, fmt: Format, *, etag: str | None) -> Response:
    """One answer, the same whether its bytes were just computed or kept: GET gets validators and 304,
    POST the ETag only (a POST is not answered 304), an unrepeatable query neither."""
    if etag is not None and request.method == "GET":
        return validated_response(request, body, fmt.media_type, etag=etag, vary="Accept")
    media_type = fmt.media_type
    if media_type.startswith("text/") or media_type == N_TRIPLES.media_type:
        media_type += "; charset=utf-8"
    headers = {"Vary": "Accept"} if etag is None else {"ETag": etag, "Vary": "Accept"}
    return Response(content=body, media_type=media_type, headers=headers)


def _json_ld_from_ntriples(body: bytes, settings: Settings, ctx_url: str) -> bytes:
    """The result as JSON-LD; a 406 naming the formats that can hold it when JSON-LD cannot (a literal as
    a type, RDF 1.2 terms)."""
    try:
        graph = Graph()
        graph.parse(data=body.decode("utf-8"), format="nt")
        return render_graph(graph, JSON_LD, settings=settings, context_url=ctx_url)
    except Exception:  # pyld and rdflib raise many kinds; none may reach the client as a 500
        raise QueryError(
            "this result cannot be written as JSON-LD (it holds a literal where JSON-LD needs an IRI, "
            "such as a literal type, or an RDF 1.2 term): ask for text/turtle or application/n-triples",
            status=406,
        ) from None


# ------------------------------------------------------------------------------------------------
# Answers kept per build
# ------------------------------------------------------------------------------------------------


class QueryKey(NamedTuple):
    """Everything a /sparql answer's bytes depend on, besides the graph (named by its build id)."""

    build_id: str
    query: str
    default_graphs: tuple[str, ...]  # default-graph-uri, as given
    named_graphs: tuple[str, ...]  # named-graph-uri, as given
    media_type: str  # of the answer (JSON-LD is asked of the store as N-Triples, then rendered)
    max_results: int
    context_url: str  # JSON-LD only: the context the body names (it follows the public root); else ""


class QueryResults(BytesLRU[QueryKey]):
    """Answers of /sparql, per build. An entry costs its body and its key's text (a query may be long)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(max_bytes, key_bytes=lambda key: sum(len(str(part)) for part in key))


def repeatable(checked: CheckedQuery) -> bool:
    """Whether the query gives the same answer each time it runs over the same graph (so it may be kept):
    it calls none of RAND, NOW, UUID, STRUUID (read from its parse: service/sparql.py).

    Blank nodes (BNODE(), [] in templates) are fine: their labels are local to one answer document.
    """
    return checked.repeatable


def query_results(request: Request) -> QueryResults:
    """This app's answer cache (the app factory makes it, sized by INTEGRATION_KG_QUERY_CACHE_BYTES)."""
    return request.app.state.query_results


# ------------------------------------------------------------------------------------------------
# Without a query: the Service Description or the query page
# ------------------------------------------------------------------------------------------------


def _without_query(request: Request, settings: Settings) -> Response:
    offers = (*RDF_FORMATS[:1], HTML, *RDF_FORMATS[1:])
    try:
        fmt = choose_format(
            offers,
            request.headers.get("accept"),
            read_parameters(request.query_params.multi_items()).formats,
            "the endpoint without a query (its Service Description, or the query page)",
        )
    except NoAcceptableFormat as error:
        raise HTTPException(406, str(error), headers={"Vary": "Accept"}) from None
    root = public_root(request, settings)
    if fmt is HTML:
        language = page_language(request)
        html = TEMPLATES.get_template("sparql.html").render(
            request=request,
            root=root,
            lang=language,
            examples=research_examples(),
            prefixes=prefixes(settings),
            initial_query=_initial_query(settings),
            base=settings.base_iri,
        )
        return validated_response(
            request,
            html.encode("utf-8"),
            "text/html",
            etag=entity_tag("sparql-page", html),
            vary="Accept, Accept-Language",
        )
    description = service_description(root + "/sparql", settings)
    body = render_graph(description, fmt, settings=settings, context_url=root + "/context.jsonld")
    return validated_response(
        request,
        body,
        fmt.media_type,
        etag=entity_tag("sd", fmt.name, root, context_text(settings)),
        vary="Accept",
    )


def wants_page(request: Request, format_parameter: str | None) -> bool:
    """The query page's form sent without JavaScript: format=html, or no format chosen by a browser that
    prefers HTML (it would otherwise get SPARQL XML to read)."""
    if format_parameter == "html":
        return True
    if format_parameter != "":
        return False
    return prefers(request.headers.get("accept", ""), "text/html", ["application/sparql-results+xml"])


async def _page_answer(request: Request, settings: Settings, store: GraphStore, query: str) -> Response:
    """The answer as the query page with an HTML table under the editor (or the error, with a 400)."""
    root = public_root(request, settings)
    table: dict[str, object] | None = None
    boolean: bool | None = None
    error, status = "", 200
    try:
        sent = with_base(query, settings.base_iri)
        try:
            checked = await check_off_loop(sent)
        except QuerySyntaxError as syntax:
            raise _located(syntax, len(sent) - len(query)) from None
        if checked.form in ("SELECT", "ASK"):
            body = await store.run_bounded(
                checked.text,
                result_format="application/sparql-results+json",
                dataset=None,
                timeout=settings.query_timeout,
                max_results=settings.max_results,
            )
            data = json.loads(body)
            if "boolean" in data:
                boolean = bool(data["boolean"])
            else:
                names = data["head"]["vars"]
                table = {
                    "vars": names,
                    "rows": [
                        [_page_cell(row.get(n), settings, root) for n in names]
                        for row in data["results"]["bindings"]
                    ],
                }
        else:
            body = await store.run_bounded(
                checked.text,
                result_format=N_TRIPLES.media_type,
                dataset=None,
                timeout=settings.query_timeout,
                max_results=settings.max_results,
            )
            graph = Graph()
            graph.parse(data=body.decode("utf-8"), format="nt")
            table = {
                "vars": ["subject", "predicate", "object"],
                "rows": [
                    [_page_cell(_json_term(t), settings, root) for t in triple]
                    for triple in sorted(graph, key=lambda t: tuple(str(x) for x in t))
                ],
            }
    except QueryError as problem:
        error, status = problem.message, problem.status
    html = TEMPLATES.get_template("sparql.html").render(
        request=request,
        root=root,
        lang=page_language(request),
        examples=research_examples(),
        prefixes=prefixes(settings),
        initial_query=query,
        base=settings.base_iri,
        table=table,
        boolean=boolean,
        error=error,
    )
    return HTMLResponse(html, status_code=status, headers={"Vary": "Accept, Accept-Language"})


def _json_term(term: object) -> dict[str, str]:
    from rdflib import BNode, Literal

    if isinstance(term, Literal):
        return {
            "type": "literal",
            "value": str(term),
            **({"xml:lang": term.language} if term.language else {}),
        }
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    return {"type": "uri", "value": str(term)}


def _page_cell(term: dict[str, str] | None, settings: Settings, root: str) -> dict[str, str | None]:
    if term is None:
        return {"text": "", "href": None, "language": None}
    value = term.get("value", "")
    href = None
    if term.get("type") == "uri":
        href = root + "/" + value[len(settings.base_iri) :] if value.startswith(settings.base_iri) else value
    return {"text": value, "href": href, "language": term.get("xml:lang")}


def service_description(endpoint: str, settings: Settings) -> Graph:
    """templates/service-description.ttl with the endpoint's address and the graph's base filled in."""
    template = TEMPLATES.get_template("service-description.ttl")
    text = template.render(
        endpoint=endpoint,
        base=settings.base_iri,
        max_results=settings.max_results,
        timeout=settings.query_timeout,
    )
    graph = Graph()
    graph.parse(data=text, format="turtle")
    return graph


def _initial_query(settings: Settings) -> str:
    return (
        "PREFIX ikg: <" + settings.ikg + ">\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n\n"
        "SELECT ?principle ?label (COUNT(?citation) AS ?citations) WHERE {\n"
        "  ?principle a ikg:Principle ; skos:prefLabel ?label .\n  FILTER(lang(?label) = \"sv\")\n"
        "  OPTIONAL { ?citation ikg:target ?principle }\n}\nGROUP BY ?principle ?label\nORDER BY ?principle\n"
    )


def research_examples() -> list[dict[str, str]]:
    """The researchers' queries (service/queries/research/*.rq): each file's first comment line is its title."""
    files = sorted(RESEARCH_QUERIES.glob("*.rq")) if RESEARCH_QUERIES.is_dir() else []
    return [_example(path, path.stat().st_mtime_ns) for path in files]


@lru_cache(maxsize=128)
def _example(path: Path, mtime: int) -> dict[str, str]:
    text = path.read_text(encoding="utf-8")
    title = next(
        (
            re.sub(r"^(title|titel)\s*:\s*", "", line.lstrip("#").strip(), flags=re.IGNORECASE)
            for line in text.splitlines()
            if line.startswith("#") and line.lstrip("#").strip()
        ),
        path.stem.replace("-", " "),
    )
    return {"title": title, "text": text, "name": path.stem}
