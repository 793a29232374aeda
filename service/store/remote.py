"""The remote back end: the same GraphStore over a SPARQL 1.1 server (Virtuoso, Fuseki, GraphDB, QLever).

Queries go over the SPARQL 1.1 Protocol (POST, form-encoded); the build loads the server
(service/remote_load.py).
Credentials come from the settings; the scheme (Basic or Digest) is the one the server asks for.

The build information stays local: the build writes var/stores/<id>/manifest.json as for the embedded
store, and that manifest says which named graphs make up the graph. What the default graph is differs
between servers:

* Virtuoso: a query without FROM sees every graph on the server, its own system graphs too
  (virtrdf#, the DAV and service-description graphs). `RemoteStore` therefore asks Virtuoso, with
  its `DEFINE input:default-graph-exclude` / `input:named-graph-exclude` pragmas, to leave out every
  graph the build did not write, so the default graph is exactly the union of the build's graphs.
* Fuseki (TDB2): the union only when the dataset says `tdb2:unionDefaultGraph true`.
* GraphDB: the union of all graphs of the repository (give the graph a repository of its own).
* QLever: one index per dataset; the default graph is the union of its graphs.

Bindings are never pasted into the query as text: each bound term is serialised as a SPARQL term
(IRIs checked, literals escaped) and put in place of the variable's tokens, as rdflib's SPARQL grammar tells
them apart (see bind_values).
"""

from __future__ import annotations

import json
import re
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from pathlib import Path

import anyio
import httpx
import pyoxigraph as ox
from pyparsing import Literal as Text
from pyparsing import (
    MatchFirst,
    ParseBaseException,
    ParserElement,
    Word,
    alphanums,
    alphas,
    python_style_comment,
)
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.plugins.sparql import parser as sparql_grammar
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.term import Node

from ..rdfterms import XSD_STRING, graph_of
from ..settings import Settings
from .build_caches import BuildCaches, LruCache
from .query_check import QUERY_FORMS
from .seam import (
    BuildInfo,
    PageTriples,
    QueryDataset,
    QueryResult,
    QuerySyntaxError,
    QueryTimeout,
    ResultTooLarge,
    Row,
    SelectResult,
    StoreUnavailable,
    written,
)
from .worker_pools import WorkerPools

SPARQL_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
GRAPH_COUNT_TIMEOUT = 600.0
"""How long counting every graph's triples on the server may take (a whole-server scan)."""


class RemoteQueryError(QuerySyntaxError, ValueError):
    """The server refused the query (a syntax error, an unsupported feature): its message, verbatim."""

    def __init__(
        self, message: str, *, status: int = 400, line: int | None = None, column: int | None = None
    ) -> None:
        super().__init__(message, status=status, line=line, column=column)


class RemoteTimeout(QueryTimeout, TimeoutError):
    """The query ran out of time on the server (or the answer did not arrive in time)."""

    def __init__(
        self, message: str, *, status: int = 503, line: int | None = None, column: int | None = None
    ) -> None:
        super().__init__(message, status=status, line=line, column=column)


# --- authentication ----------------------------------------------------------------------------


class ServerAuth(httpx.Auth):
    """User and password sent the way the server asks: Digest (Virtuoso's /sparql-auth) or Basic.

    Nothing is sent until the server answers 401, so an anonymous read endpoint never sees them.
    """

    def __init__(self, user: str, password: str) -> None:
        self._basic = httpx.BasicAuth(user, password)
        self._digest = httpx.DigestAuth(user, password)
        self._use_basic = False

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._use_basic:
            yield from self._basic.auth_flow(request)
            return
        flow = self._digest.auth_flow(request)
        response = yield next(flow)
        while True:
            challenges = [h.lower() for h in response.headers.get_list("www-authenticate")]
            if (
                response.status_code == 401
                and any(c.startswith("basic") for c in challenges)
                and not any(c.startswith("digest") for c in challenges)
            ):
                self._use_basic = True
                yield from self._basic.auth_flow(request)
                return
            try:
                next_request = flow.send(response)
            except StopIteration:
                return
            response = yield next_request


def client_for(settings: Settings, timeout: float) -> httpx.Client:
    auth = ServerAuth(settings.remote_user, settings.remote_password) if settings.remote_user else None
    return httpx.Client(
        auth=auth,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        headers={"User-Agent": "integration-kg"},
        follow_redirects=False,
    )


# --- query text: form, bindings ----------------------------------------------------------------

_IRI_OK = re.compile(r'[^<>"{}|^`\\\x00-\x20]*')
_LANG_OK = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
TEMPLATES_KEPT = 256
"""Queries a remote store keeps read (QueryTemplate): the service's own are a few dozen."""


def _lexeme(element: ParserElement, kind: str) -> ParserElement:
    """A copy of one of rdflib's SPARQL grammar elements that yields only its kind (rdflib's stays as it is)."""
    return element.copy().set_parse_action(lambda: kind)


_LEXEMES = MatchFirst(
    [
        _lexeme(python_style_comment, "comment"),  # SPARQL comments are "#" to the end of the line
        _lexeme(sparql_grammar.String, "string"),
        _lexeme(sparql_grammar.IRIREF, "iri"),
        _lexeme(sparql_grammar.Var, "var"),
        _lexeme(sparql_grammar.PNAME_LN, "name"),
        _lexeme(sparql_grammar.PNAME_NS, "name"),
        _lexeme(Word(alphas + "_", alphanums + "_"), "word"),
        _lexeme(Text("{"), "open"),
        _lexeme(Text("}"), "close"),
    ]
)
"""What bind_values needs to tell apart in a query, by rdflib's SPARQL grammar (the parser's own terminals):
comments, strings, IRIs, variables, prefixed names, bare words (keywords) and braces."""


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class QueryTemplate:
    """A query as rdflib's SPARQL parser reads it: its form, from the parse tree, and its tokens (comments
    dropped), so that bindings can be put in place of its variables. The service's own queries are read once
    per remote store and bound many times."""

    text: str
    form: str
    tokens: tuple[_Token, ...]

    @classmethod
    def read(cls, text: str) -> QueryTemplate:
        """RemoteQueryError when rdflib does not parse the text as a query (an update, say)."""
        try:
            parsed = parseQuery(text)
        except ParseBaseException as error:
            if _is_update(text):
                raise RemoteQueryError("not a SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE)") from None
            raise RemoteQueryError(
                f"syntax error at line {error.lineno}, column {error.col}: {error.msg}",
                line=error.lineno,
                column=error.col,
            ) from None
        except Exception as error:  # rdflib's own, for bad escapes, IRIs or numbers
            raise RemoteQueryError(f"syntax error: {error}") from None
        form = QUERY_FORMS.get(getattr(parsed[1], "name", ""))
        if form is None:
            raise RemoteQueryError("not a SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE)")
        tokens = tuple(
            _Token(found[0], text[start:end], start, end)
            for found, start, end in _LEXEMES.scan_string(text)
            if found[0] != "comment"
        )
        return cls(text, form, tokens)

    def _keyword(self, index: int) -> str | None:
        token = self.tokens[index]
        return token.text.upper() if token.kind == "word" else None

    def bind(self, bindings: Mapping[str, Node] | None) -> str:
        """The query with each bound variable replaced by its term (see bind_values)."""
        if not bindings:
            return self.text
        terms: dict[str, str] = {}
        for name, node in bindings.items():
            if not _VAR_NAME.fullmatch(name):
                raise ValueError(f"not a variable name: {name!r}")
            terms[name] = sparql_term(node)
        query, tokens = self.text, self.tokens
        out: list[str] = []
        position = 0
        region = "pattern"  # "projection" after SELECT, "modifier" after GROUP BY / ORDER BY at depth 0
        depth = 0
        for index, token in enumerate(tokens):
            word = self._keyword(index)
            if word == "SELECT":
                region = "projection"
            elif word == "WHERE" or token.kind == "open":
                region = "pattern"
            elif word in ("GROUP", "ORDER") and depth == 0:
                region = "modifier"
            elif word in ("LIMIT", "OFFSET", "VALUES", "HAVING") and depth == 0:
                region = "pattern"
            if token.kind == "open":
                depth += 1
            elif token.kind == "close":
                depth -= 1
            if token.kind != "var" or token.text[1:] not in terms:
                continue
            name = token.text[1:]
            if region == "projection":
                if index and self._keyword(index - 1) == "AS":
                    raise ValueError(f"?{name} is bound and cannot be assigned in the projection")
                replacement = f"({terms[name]} AS ?{name})"
            elif region == "modifier":
                replacement = f"({terms[name]})"
            else:
                replacement = terms[name]
            out.append(query[position : token.start])
            out.append(replacement)
            position = token.end
        out.append(query[position:])
        return "".join(out)


def _is_update(text: str) -> bool:
    try:
        parseUpdate(text)
    except Exception:  # not an update either
        return False
    return True


def query_form(query: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE, from rdflib's parse; RemoteQueryError for anything else."""
    return QueryTemplate.read(query).form


def sparql_term(node: Node) -> str:
    """One RDF term in SPARQL syntax, checked and escaped: what bindings are injected as."""
    if isinstance(node, URIRef):
        text = str(node)
        if not _IRI_OK.fullmatch(text):
            raise ValueError(f"not an IRI that can be written in SPARQL: {text!r}")
        return f"<{text}>"
    if isinstance(node, Literal):
        lexical = str(node)
        escaped = (
            lexical.replace("\\", "\\\\")
            .replace('"', '\\"')
            .replace("\n", "\\n")
            .replace("\r", "\\r")
            .replace("\t", "\\t")
            .replace("\b", "\\b")
            .replace("\f", "\\f")
        )
        # Other control characters have no short escape: \u escapes keep them inside the string.
        escaped = re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m.group()):04X}", escaped)
        if node.language:
            if not _LANG_OK.fullmatch(node.language):
                raise ValueError(f"not a language tag: {node.language!r}")
            return f'"{escaped}"@{node.language}'
        if node.datatype is not None and str(node.datatype) != XSD_STRING:
            return f'"{escaped}"^^{sparql_term(URIRef(node.datatype))}'
        return f'"{escaped}"'
    if isinstance(node, BNode):
        raise ValueError("a blank node cannot be bound in a query sent to a remote server")
    raise TypeError(f"no SPARQL form for {node!r}")


_VAR_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_\u00B7-\U000EFFFF]*")


def bind_values(query: str, bindings: Mapping[str, Node] | None) -> str:
    """The query with each bound variable replaced by its term, as the embedded store's substitutions do.

    Only variable tokens are replaced (never text inside strings, IRIs or comments), and only by terms
    that went through sparql_term (IRIs checked, literals escaped), so a binding is always one term.
    Where a bare term is not allowed the replacement keeps the query valid: in a SELECT projection
    `?v` becomes `(term AS ?v)`, after GROUP BY / ORDER BY it becomes `(term)`.

    Substitution rather than a VALUES join: a VALUES block at the top of the WHERE group is not seen
    inside nested groups (`{ BIND(?this AS ?node) } UNION …`), which would change the answers.
    """
    if not bindings:
        return query
    return QueryTemplate.read(query).bind(bindings)


# --- results -----------------------------------------------------------------------------------


def term_from_json(value: Mapping[str, str]) -> Node:
    """One term of SPARQL 1.1 Query Results JSON (Virtuoso's older `typed-literal` too)."""
    kind = value["type"]
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    if kind in ("literal", "typed-literal"):
        language = value.get("xml:lang")
        datatype = value.get("datatype")
        if language:
            return Literal(value["value"], lang=language)
        if datatype and datatype != XSD_STRING:
            return Literal(value["value"], datatype=URIRef(datatype))
        return Literal(value["value"])
    raise RemoteQueryError(f"unknown term type in the server's answer: {kind!r}")


def dict_or_pairs(pairs: list[tuple[str, str]]) -> dict[str, str | list[str]]:
    """Form fields for httpx, repeated names (default-graph-uri) as lists."""
    out: dict[str, str | list[str]] = {}
    for name, value in pairs:
        if name in out:
            previous = out[name]
            out[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            out[name] = value
    return out


def _clean_json_term(value: Mapping[str, str]) -> dict[str, str]:
    """A SPARQL JSON term in the standard's form (Virtuoso writes `typed-literal`, xsd:string datatypes)."""
    term = term_from_json(value)
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    out = {"type": "literal", "value": str(term)}
    if isinstance(term, Literal) and term.language:
        out["xml:lang"] = term.language
    elif isinstance(term, Literal) and term.datatype is not None:
        out["datatype"] = str(term.datatype)
    return out


def _boolean_document(value: bool, media_type: str) -> bytes:
    document = json.dumps({"head": {}, "boolean": value}).encode()
    if media_type == SPARQL_JSON:
        return document
    parsed = ox.parse_query_results(document, format=ox.QueryResultsFormat.JSON)
    return written(parsed.serialize(format=ox.QueryResultsFormat.from_media_type(media_type)))


def server_message(response: httpx.Response) -> str:
    text = response.text.strip()
    return re.sub(r"\s+", " ", text)[:2000] or f"HTTP {response.status_code}"


# --- the store ---------------------------------------------------------------------------------


class RemoteStore:
    """The GraphStore over a SPARQL 1.1 server, for the build whose manifest is at store_path. User queries
    are checked by the checker processes of `pools` (without: a pool of its own) before the server sees them."""

    def __init__(self, settings: Settings, store_path: Path, pools: WorkerPools | None = None) -> None:
        if not settings.remote_query_url:
            raise StoreUnavailable("the remote back end needs INTEGRATION_KG_REMOTE_QUERY_URL")
        self.settings = settings
        self.path = store_path
        self._info = BuildInfo.read(store_path)
        self._caches = BuildCaches()
        self._pools = pools
        self._own_pools: WorkerPools | None = None
        self._closed = False
        self.url = settings.remote_query_url
        self._client = client_for(settings, settings.query_timeout + 5.0)
        self.server = self._probe()
        self._prologue = self._scope_prologue() if self.server == "virtuoso" else ""

    @property
    def info(self) -> BuildInfo:
        return self._info

    @property
    def caches(self) -> BuildCaches:
        return self._caches

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def pools(self) -> WorkerPools:
        if self._pools is not None:
            return self._pools
        if self._own_pools is None:
            self._own_pools = WorkerPools(1)
        return self._own_pools

    def close(self) -> None:
        self._closed = True
        self._caches.close()
        self._client.close()
        if self._own_pools is not None:
            self._own_pools.close()

    # The GraphStore interface.

    def _template(self, query: str) -> QueryTemplate:
        """The query as read once for this store (the service's own queries are bound many times)."""
        templates: LruCache[QueryTemplate] = self._caches.lru(QueryTemplate, TEMPLATES_KEPT)
        return templates.get_or_compute(query, lambda: QueryTemplate.read(query))

    def query(self, query: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        template = self._template(query)
        result = self._query(template.bind(bindings), template.form)
        assert not isinstance(result, bytes | ox.QuadParser)  # not raw: a SelectResult, a bool or a Graph
        return result

    def read_page(self, iri: str, page: int, per_page: int) -> PageTriples | None:
        """None: its pages come from the describe queries, the server's indexes are not in this process."""
        return None

    def select(self, query: str, bindings: Mapping[str, Node] | None = None) -> list[Row]:
        result = self.query(query, bindings)
        if not isinstance(result, SelectResult):
            raise RemoteQueryError("not a SELECT query")
        return result.rows

    def ask(self, query: str, bindings: Mapping[str, Node] | None = None) -> bool:
        result = self.query(query, bindings)
        if not isinstance(result, bool):
            raise RemoteQueryError("not an ASK query")
        return result

    def construct(self, query: str, bindings: Mapping[str, Node] | None = None) -> Graph:
        result = self.query(query, bindings)
        if not isinstance(result, Graph):
            raise RemoteQueryError("not a CONSTRUCT or DESCRIBE query")
        return result

    async def run_bounded(
        self,
        query: str,
        *,
        result_format: str,
        dataset: QueryDataset | None,
        timeout: float,
        max_results: int,
    ) -> bytes:
        """A user's query, bounded in time (the server's own limit and ours) and in result size,
        serialised as result_format; the seam's contract (see GraphStore.run_bounded).

        The safety check runs here too, before the server is reached, as it does for the embedded store.
        """
        checked = await self.pools.checker.check(query)
        answer: bytes = await anyio.to_thread.run_sync(
            self._run_bounded,
            checked.text,
            checked.form,
            result_format,
            dataset,
            timeout,
            max_results,
            limiter=self.pools.query_threads.current(),
        )
        return answer

    def _run_bounded(
        self,
        query: str,
        form: str,
        media_type: str,
        dataset: QueryDataset | None,
        timeout: float,
        max_results: int,
    ) -> bytes:
        result = self._query(query, form, timeout=timeout, dataset=dataset, raw=True)
        if isinstance(result, bool):
            return _boolean_document(result, media_type)
        if isinstance(result, bytes):  # SPARQL JSON of a SELECT
            document = json.loads(result)
            rows = document.get("results", {}).get("bindings", [])
            if len(rows) > max_results:
                raise ResultTooLarge(
                    f"the result has more than {max_results} rows: add a LIMIT (at most {max_results})",
                    status=400,
                )
            clean = json.dumps(
                {
                    "head": {"vars": document.get("head", {}).get("vars", [])},
                    "results": {
                        "bindings": [{k: _clean_json_term(v) for k, v in row.items()} for row in rows]
                    },
                }
            )
            if media_type == SPARQL_JSON:
                return clean.encode()
            parsed = ox.parse_query_results(clean.encode(), format=ox.QueryResultsFormat.JSON)
            return written(parsed.serialize(format=ox.QueryResultsFormat.from_media_type(media_type)))
        assert isinstance(result, ox.QuadParser)
        triples = list(result)
        if len(triples) > max_results:
            raise ResultTooLarge(
                f"the result has more than {max_results} triples: add a LIMIT (at most {max_results})",
                status=400,
            )
        return written(ox.serialize(triples, format=ox.RdfFormat.from_media_type(media_type)))

    # The protocol.

    def _query(
        self,
        query: str,
        form: str,
        timeout: float | None = None,
        dataset: QueryDataset | None = None,
        raw: bool = False,
    ) -> QueryResult | bytes | ox.QuadParser:
        """Send one query of the given form (SELECT, ASK, CONSTRUCT, DESCRIBE). raw: SELECT answers as the
        server's JSON bytes, graphs as pyoxigraph triples."""
        accept = SPARQL_JSON if form in ("SELECT", "ASK") else N_TRIPLES
        timeout = self.settings.query_timeout if timeout is None else timeout
        data: list[tuple[str, str]] = [("query", self._prologue + query)]
        if dataset is not None:
            data += [("default-graph-uri", g) for g in dataset.default_graphs]
            data += [("named-graph-uri", g) for g in dataset.named_graphs]
        if self.server == "virtuoso":
            # Virtuoso's own limit, in milliseconds; an "anytime" answer past it is refused below.
            data.append(("timeout", str(int(timeout * 1000))))
        try:
            response = self._client.post(
                self.url,
                data=dict_or_pairs(data),
                headers={"Accept": accept},
                timeout=httpx.Timeout(timeout + 2.0, connect=min(timeout, 10.0)),
            )
        except httpx.TimeoutException:
            raise RemoteTimeout(f"the query took longer than {timeout:g} s") from None
        except httpx.TransportError as error:
            raise StoreUnavailable(f"the SPARQL server at {self.url} does not answer: {error}") from None
        if (
            response.headers.get("x-sql-state") == "S1TAT"
            or "x-exec-dbactivity" in response.headers
            and response.headers.get("x-sql-state")
        ):
            raise RemoteTimeout(
                f"the query took longer than {timeout:g} s (the server's answer would be partial)"
            )
        message = (
            server_message(response).replace(self._prologue.strip(), "").replace("  ", " ")
            if response.status_code >= 400
            else ""
        )
        if response.status_code >= 500:
            if any(
                sign in message
                # S1T00/SR171: past the time limit or expected to be; HY008/SR203: stopped at the
                # limit while running (Virtuoso cancels the statement the `timeout` parameter bounds).
                for sign in ("S1T00", "SR171", "SR203", "estimated execution time", "timed out", "Timeout")
            ):
                raise RemoteTimeout(f"the query took longer than {timeout:g} s: {message}")
            raise RemoteQueryError(message)
        if response.status_code in (401, 403):
            raise StoreUnavailable(f"the SPARQL server refused the credentials: {message}")
        if response.status_code >= 400:
            raise RemoteQueryError(message)
        if form in ("SELECT", "ASK"):
            body = json.loads(response.content)
            if "boolean" in body:
                return bool(body["boolean"])
            if raw:
                return response.content
            variables = list(body.get("head", {}).get("vars", []))
            rows = [
                {name: term_from_json(value) for name, value in binding.items()}
                for binding in body.get("results", {}).get("bindings", [])
            ]
            return SelectResult(variables, rows)
        content_type = response.headers.get("content-type", N_TRIPLES).split(";")[0].strip()
        fmt = {
            "application/n-triples": ox.RdfFormat.N_TRIPLES,
            "text/plain": ox.RdfFormat.N_TRIPLES,
            "text/turtle": ox.RdfFormat.TURTLE,
            "application/rdf+xml": ox.RdfFormat.RDF_XML,
            "application/ld+json": ox.RdfFormat.JSON_LD,
        }.get(content_type, ox.RdfFormat.N_TRIPLES)
        triples = ox.parse(response.content, format=fmt)
        return triples if raw else graph_of(triples)

    def _probe(self) -> str:
        """Which server this is (only Virtuoso needs handling of its own); StoreUnavailable when none answers."""
        try:
            response = self._client.post(self.url, data={"query": "ASK {}"}, headers={"Accept": SPARQL_JSON})
        except httpx.TransportError as error:
            raise StoreUnavailable(f"the SPARQL server at {self.url} does not answer: {error}") from None
        if response.status_code >= 400:
            raise StoreUnavailable(
                f"the SPARQL server at {self.url} answered {response.status_code}: {server_message(response)}"
            )
        return "virtuoso" if "virtuoso" in response.headers.get("server", "").lower() else "sparql"

    def _scope_prologue(self) -> str:
        """Virtuoso pragmas that leave out every graph on the server that the build did not write."""
        graphs = server_graphs(self._client, self.url)
        ours = set(self._info.graphs)
        lines = []
        for graph in sorted(set(graphs) - ours):
            iri = sparql_term(URIRef(graph))
            lines.append(f"DEFINE input:default-graph-exclude {iri} DEFINE input:named-graph-exclude {iri} ")
        # One line, no line break: the server's error messages keep the line numbers of the query.
        return "".join(lines)


def server_graphs(client: httpx.Client, url: str) -> dict[str, int]:
    """Every named graph on the server with its number of triples."""
    response = client.post(
        url,
        data={"query": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"},
        headers={"Accept": SPARQL_JSON},
        timeout=GRAPH_COUNT_TIMEOUT,
    )
    if response.status_code >= 400:
        raise RemoteQueryError(server_message(response))
    rows = json.loads(response.content)["results"]["bindings"]
    return {row["g"]["value"]: int(row["n"]["value"]) for row in rows}
