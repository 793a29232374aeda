"""The SPARQL protocol's domain: what a query may do, over which dataset, in which format, within
which bounds.

- Safety: the endpoint is read-only and never talks to another host. A query is parsed by rdflib's
  SPARQL parser (in a checker process, off the event loop, at most MAX_QUERY_BYTES) and refused from its
  parse tree: updates (INSERT, DELETE, LOAD, …) and SERVICE never run, and neither does anything the
  parser does not accept. Independently of that check, every worker process runs under a seccomp filter
  that denies it network sockets (service/sandbox.py): pyoxigraph, which would execute SERVICE itself,
  cannot connect anywhere even if a query got through.
- Dataset: `default-graph-uri` / `named-graph-uri` of the protocol; without them (and without FROM in
  the query) the default graph is the union of all named graphs (the build writes that union into the
  store's default graph, service/build_store.py).
- Formats: one table of result media types, chosen by `format=` or by Accept with q-values.
- Bounds: user queries run in a small pool of worker processes (`QueryWorkers`), each opening the
  store read-only, under a memory limit (INTEGRATION_KG_WORKER_MEMORY). A query past its time limit or
  its memory limit has its worker killed and replaced, so the work really stops; results are capped at `max_results`, counted while pyoxigraph's own writers write them
  (`serialize_solutions`).
"""

from __future__ import annotations

import atexit
import hashlib
import importlib
import io
import logging
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .formats import RDF_FORMATS, RdfFormat
from .sandbox import WORKER_MEMORY_DEFAULT, describe_bytes, enter_sandbox
from .store import QueryDataset, QueryError, QuerySyntaxError, QueryTimeout, ResultTooLarge, StoreBusy
from .worker_store import worker_store

log = logging.getLogger(__name__)

# ------------------------------------------------------------------------------------------------
# Safety: what a query may do, decided from its parse
# ------------------------------------------------------------------------------------------------

MAX_QUERY_BYTES = 64 * 1024
"""The longest query accepted (UTF-8 bytes). Parsing is linear up to here (a few seconds at most for the
worst inputs, in a checker process); longer queries are refused at once with 413."""

CHECK_SECONDS = 10.0
"""How long checking one query may take, waiting for a checker process included, before it is stopped (a
400). Parsing the worst query within MAX_QUERY_BYTES takes a few seconds; the rest is room for a busy
machine and for a checker that has just been started."""

PARSER_RECURSION = 6000
"""Python's recursion limit in a process that parses queries: rdflib's parser recurses a few dozen frames
per nesting level, so this allows about 100 levels of groups, parentheses or lists; deeper is a 400."""

QUERY_FORMS = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}
UNREPEATABLE_BUILTINS = frozenset({"Builtin_RAND", "Builtin_NOW", "Builtin_UUID", "Builtin_STRUUID"})
"""SPARQL functions whose value is new on every run: a query that calls one is answered afresh each time."""


class QueryRefused(QueryError):
    """A query the public endpoint will not run (an update, SERVICE), refused before it runs."""


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed the safety check: its text, its form, whether it names its own dataset
    (FROM, FROM NAMED), whether it reads named graphs (GRAPH), and whether it gives the same answer on
    every run over the same graph (no RAND, NOW, UUID, STRUUID)."""

    text: str
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    has_dataset_clause: bool
    reads_named_graphs: bool = False
    repeatable: bool = True
    shape: str = ""
    """The query with its IRIs, literals, numbers and comments left out (a digest of its parse tree): queries
    of one shape cost about the same, which is how the lanes (QueryLanes) tell heavy work from light."""

    @property
    def default_graph_only(self) -> bool:
        """True when the query reads nothing but the default graph (the union of all graphs)."""
        return not (self.has_dataset_clause or self.reads_named_graphs)


def too_long(query: str) -> QueryError | None:
    """The 413 for a query past MAX_QUERY_BYTES, or None (constant time for the length in characters)."""
    if len(query) * 4 <= MAX_QUERY_BYTES:
        return None
    size = len(query.encode("utf-8", errors="replace"))
    if size <= MAX_QUERY_BYTES:
        return None
    return QueryError(
        f"the query is {size} bytes long, more than this endpoint's limit of {MAX_QUERY_BYTES} bytes "
        f"({MAX_QUERY_BYTES // 1024} KiB)",
        status=413,
    )


def check_query(query: str) -> CheckedQuery:
    """Parse the query with rdflib's SPARQL 1.1 parser and decide from the parse tree: an update (LOAD,
    INSERT, …) is a 400, SERVICE anywhere a 403, anything the parser does not accept a 400.

    A query is run only if it parses here: syntax the parser does not know (SPARQL 1.2 triple terms,
    engine extensions) is refused, so the decision never rests on a guess about text it did not read.
    Blocking and CPU-bound (linear up to MAX_QUERY_BYTES): the service calls it in a checker process
    (`check_off_loop`) before a query worker is asked to run anything.
    """
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    if not query.strip():
        raise QuerySyntaxError("the query is empty")
    if (error := too_long(query)) is not None:
        raise error
    if bracket_depth(query) > MAX_BRACKET_DEPTH:
        raise QuerySyntaxError(
            f"the query nests groups, parentheses or lists more than {MAX_BRACKET_DEPTH} deep, "
            "deeper than this endpoint parses"
        )
    try:
        parsed = parseQuery(query)
    except RecursionError:
        raise QuerySyntaxError(
            "the query nests groups, parentheses or lists more deeply than this endpoint parses "
            "(about 100 levels)"
        ) from None
    except ParseBaseException as error:
        update = _parsed_update(query, parseUpdate)
        if update is not None:
            raise update from None
        raise QuerySyntaxError(
            f"syntax error at line {error.lineno}, column {error.col}: {_parser_message(error)}",
            line=error.lineno,
            column=error.col,
        ) from None
    except Exception as error:  # rdflib raises others for bad escapes, IRIs or numbers
        raise QuerySyntaxError(f"the query does not parse: {_plain(error)}") from None
    query_node = parsed[1]
    form = QUERY_FORMS.get(getattr(query_node, "name", ""))
    if form is None:
        raise QuerySyntaxError("not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    names, shape = _node_names(parsed), _shape(parsed)
    if "ServiceGraphPattern" in names:
        raise QueryRefused(
            "SERVICE (federated query) is not allowed: this endpoint never connects to another host",
            status=403,
        )
    return CheckedQuery(
        text=query,
        form=form,
        has_dataset_clause=bool(dict.get(query_node, "datasetClause")),
        reads_named_graphs="GraphGraphPattern" in names,
        repeatable=not UNREPEATABLE_BUILTINS & names,
        shape=shape,
    )


MAX_BRACKET_DEPTH = 256
"""Brackets ({, (, [) open at once in a query's text beyond which it is refused before parsing. It only
spares the parser the deepest inputs (it would refuse them too, in about a second): the parser decides."""


def bracket_depth(text: str) -> int:
    """The most brackets open at once in the text, strings and comments included (linear)."""
    depth = deepest = 0
    for char in text:
        if char in "{([":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif char in "})]" and depth:
            depth -= 1
    return deepest


def _node_names(tree: object) -> set[str]:
    """The names of every node in rdflib's parse tree (CompValue.name), walked without recursion."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    names: set[str] = set()
    stack: list[object] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            names.add(node.name)
            stack.extend(node.values())
        elif isinstance(node, (ParseResults, list, tuple)):
            stack.extend(node)
    return names


def _shape(tree: object) -> str:
    """A digest of the parse tree's structure: node names and the kind of each term, in order."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import Identifier, Literal, URIRef, Variable

    parts: list[str] = []
    stack: list[object] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            parts.append(node.name)
            stack.extend(reversed([node[key] for key in sorted(node) if key != "service_string"]))
        elif isinstance(node, (ParseResults, list, tuple)):
            parts.append("[")
            stack.extend(reversed(list(node)))
        elif isinstance(node, Variable):
            parts.append("?")
        elif isinstance(node, (URIRef, Literal)):
            parts.append("t")
        elif isinstance(node, Identifier):
            parts.append("b")
        else:
            parts.append(type(node).__name__[:1])
    return hashlib.sha1(" ".join(parts).encode()).hexdigest()[:16]


def _parsed_update(query: str, parse_update: Callable[[str], Any]) -> QueryError | None:
    """The refusal for a text that parses as SPARQL Update, or None when it is not one either."""
    try:
        update = parse_update(query)
    except Exception:  # not an update either (or too deep to tell): the query's own error stands
        return None
    names = _node_names(update)
    if not any(name == "Load" or name in _UPDATE_OPERATIONS for name in names):  # a prologue and nothing else
        return QuerySyntaxError("the query is empty: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    if "Load" in names:
        return QueryRefused(
            "LOAD is not allowed: this endpoint is read-only and never fetches data from another host",
            status=400,
        )
    operations = sorted({_UPDATE_OPERATIONS[n] for n in names if n in _UPDATE_OPERATIONS})
    what = f" ({', '.join(operations)})" if operations else ""
    return QueryRefused(f"SPARQL Update{what} is not allowed: this endpoint is read-only", status=400)


_UPDATE_OPERATIONS = {
    "InsertData": "INSERT",
    "DeleteData": "DELETE",
    "DeleteWhere": "DELETE",
    "Modify": "DELETE/INSERT",
    "Clear": "CLEAR",
    "Drop": "DROP",
    "Create": "CREATE",
    "Add": "ADD",
    "Move": "MOVE",
    "Copy": "COPY",
}


def _parser_message(error: Exception) -> str:
    """pyparsing says "Expected SelectQuery, found 'X'  (at char N), (line:L, col:C)": keep the first part."""
    text = str(error)
    text = re.sub(r"\s*\(at char \d+\).*", "", text, flags=re.DOTALL).strip()
    for rule, keyword in QUERY_FORMS.items():
        text = text.replace(rule, keyword)
    return text.replace("\"'", "'").replace("'\"", "'") or "the query does not parse"


def _plain(error: Exception) -> str:
    """An error's message without internal type names (the first line, at most 200 characters)."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else "unexpected input"
    return text[:200]


# Checking off the event loop: a checker process, answers kept by query text

_checked_cache: OrderedDict[str, CheckedQuery | tuple[str, str, int, int | None, int | None]] = OrderedDict()
_checked_cache_chars = 0
_CHECKED_CACHE_CHARS = 8 * 1024 * 1024
_checked_lock = threading.Lock()
_checkers: QueryWorkers | None = None


def checkers() -> QueryWorkers:
    """The processes that check queries (two, sandboxed like the query workers), started on first use."""
    global _checkers
    with _checked_lock:
        if _checkers is None or _checkers.closed:
            _checkers = QueryWorkers(2, role="checker")
            atexit.register(_checkers.close)
        return _checkers


def start_checkers() -> None:
    """Start the checker processes now (the service does at its start, so its first query does not wait)."""
    checkers().start()


def close_checkers() -> None:
    """Stop the checker processes (the service does when it stops)."""
    global _checkers
    with _checked_lock:
        if _checkers is not None:
            _checkers.close()
            _checkers = None


def _remember(query: str, outcome: CheckedQuery | tuple[str, str, int, int | None, int | None]) -> None:
    global _checked_cache_chars
    with _checked_lock:
        if query in _checked_cache:
            return
        _checked_cache[query] = outcome
        _checked_cache_chars += len(query)
        while _checked_cache_chars > _CHECKED_CACHE_CHARS and _checked_cache:
            old, _ = _checked_cache.popitem(last=False)
            _checked_cache_chars -= len(old)


def _recall(query: str) -> CheckedQuery | None:
    with _checked_lock:
        outcome = _checked_cache.get(query)
        if outcome is not None:
            _checked_cache.move_to_end(query)
    if outcome is None or isinstance(outcome, CheckedQuery):
        return outcome
    kind, message, status, line, column = outcome
    raise _ERRORS.get(kind, QueryError)(message, status=status, line=line, column=column)


async def check_off_loop(query: str) -> CheckedQuery:
    """check_query, run in a checker process within CHECK_SECONDS, never on the event loop; the verdict
    on a text is kept (the same text always gets the same verdict)."""
    import anyio

    if (error := too_long(query)) is not None:
        raise error
    known = _recall(query)
    if known is not None:
        return known
    deadline = time.monotonic() + CHECK_SECONDS
    try:
        checked = await anyio.to_thread.run_sync(
            checkers().run, check_query, {"query": query}, deadline, limiter=_checker_limiter()
        )
    except QueryTimeout:
        raise QuerySyntaxError(
            f"the query could not be checked within {CHECK_SECONDS:.0f} s: it is too complex to parse"
        ) from None
    except (QueryRefused, QuerySyntaxError) as refused:
        _remember(
            query, (type(refused).__name__, refused.message, refused.status, refused.line, refused.column)
        )
        raise
    _remember(query, checked)
    return checked


_checker_limiters: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def _checker_limiter() -> Any:
    """Threads that wait for a checker come from their own pool (one per event loop)."""
    import asyncio

    import anyio

    loop = asyncio.get_running_loop()
    limiter = _checker_limiters.get(loop)
    if limiter is None:
        limiter = _checker_limiters[loop] = anyio.CapacityLimiter(8)
    return limiter


def dataset_for(default_graph_uris: list[str], named_graph_uris: list[str]) -> QueryDataset | None:
    """The protocol's dataset (None: the query's own FROM, or else the union default graph)."""
    if not default_graph_uris and not named_graph_uris:
        return None
    for iri in [*default_graph_uris, *named_graph_uris]:
        try:
            ox.NamedNode(iri)
        except ValueError:
            raise QuerySyntaxError(
                f"not an absolute IRI in default-graph-uri or named-graph-uri: {iri!r}"
            ) from None
        if not re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", iri):
            raise QuerySyntaxError(f"not an absolute IRI in default-graph-uri or named-graph-uri: {iri!r}")
    return QueryDataset(default_graphs=tuple(default_graph_uris), named_graphs=tuple(named_graph_uris))


# ------------------------------------------------------------------------------------------------
# Result formats: one table
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultsFormat:
    """A serialisation of SELECT or ASK results."""

    name: str
    media_type: str
    suffix: str
    aliases: tuple[str, ...] = ()


SPARQL_JSON = ResultsFormat(
    "json", "application/sparql-results+json", ".srj", ("application/json", "srj", "sparql-results+json")
)
SPARQL_XML = ResultsFormat(
    "xml",
    "application/sparql-results+xml",
    ".srx",
    ("application/xml", "text/xml", "srx", "sparql-results+xml"),
)
SPARQL_CSV = ResultsFormat("csv", "text/csv", ".csv")
SPARQL_TSV = ResultsFormat("tsv", "text/tab-separated-values", ".tsv")
RESULTS_FORMATS: tuple[ResultsFormat, ...] = (SPARQL_JSON, SPARQL_XML, SPARQL_CSV, SPARQL_TSV)

Format = ResultsFormat | RdfFormat


def formats_for(form: str) -> tuple[Format, ...]:
    return RESULTS_FORMATS if form in ("SELECT", "ASK") else RDF_FORMATS


# ------------------------------------------------------------------------------------------------
# Execution in a worker process (this part runs in the worker)
# ------------------------------------------------------------------------------------------------


def prepare_store(store_path: str, memory_triples: int) -> bool:
    """Open a build's store in this worker and start loading its copy in memory (worker side; sent to
    every worker when the service opens a build, so the first queries need not do it)."""
    return worker_store(store_path, memory_triples).in_memory


def execute_query(
    store_path: str,
    query: str,
    media_type: str,
    default_graphs: tuple[str, ...] | None,
    named_graphs: tuple[str, ...] | None,
    max_results: int,
    memory_triples: int = 0,
    default_graph_only: bool = False,
) -> bytes:
    """Run one query on the store and serialise at most max_results rows or triples (worker side).
    memory_triples: the largest graph the worker copies into memory (service/worker_store.py); the
    copy holds the default graph only, so a query that reads named graphs (default_graph_only False)
    or comes with the protocol's dataset (default_graphs) runs on the store on disk.

    The service sends only queries a checker accepted (EmbeddedStore.run_bounded calls check_off_loop);
    parsing again here would double the cost of every small query. Whatever a check might miss still
    cannot connect anywhere: this process is under the network filter (service/sandbox.py)."""
    opened = worker_store(store_path, memory_triples)
    store = opened.store if default_graph_only and default_graphs is None else opened.disk
    options: dict[str, Any] = {}
    if default_graphs is not None:
        options["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
        options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs or ()]
    try:
        result = store.query(query, **options)
        if isinstance(result, ox.QueryBoolean):
            return result.serialize(format=ox.QueryResultsFormat.from_media_type(media_type))
        if isinstance(result, ox.QuerySolutions):
            return serialize_solutions(
                result, media_type, max_results, again=lambda: store.query(query, **options)
            )
        triples = []
        for triple in result:
            if len(triples) == max_results:
                raise ResultTooLarge(
                    f"the result has more than {max_results} triples: add a LIMIT (at most {max_results})",
                    status=400,
                )
            triples.append(triple)
        return ox.serialize(triples, format=ox.RdfFormat.from_media_type(media_type))
    except SyntaxError as error:
        raise syntax_error(error) from None
    except OSError as error:
        raise QueryError(f"the query failed: {error}", status=400) from None


ROW_MARKS: dict[str, tuple[bytes, int]] = {
    SPARQL_JSON.media_type: (b",{", -1),
    SPARQL_XML.media_type: (b"<result>", 0),
    SPARQL_CSV.media_type: (b"\n", 1),
    SPARQL_TSV.media_type: (b"\n", 1),
}
"""What each results format writes once per row (or more often, never less), and how many more marks
than rows there are besides those (header lines; -1: one row has no mark).

JSON: a row object opens with "{" right after "," but the first, after "[" (a term object opens after
":"); XML: a row is one <result> element (text cannot hold a raw "<"); CSV and TSV: a row ends its line.
A value may hold the JSON mark or, in CSV, line breaks, so the count is an upper bound on the rows, except
in TSV, which escapes line breaks in values: there it is exact."""


def serialize_solutions(
    solutions: ox.QuerySolutions, media_type: str, max_results: int, again: Callable[[], object]
) -> bytes:
    """Write SELECT results in the format asked for, by pyoxigraph's own writer, keeping the row limit.

    The rows are bounded while they are written (RowBoundedOutput): within the bound the answer is
    complete. Past it, the bound may only have counted values that look like rows (a literal holding
    `,{` in JSON), so `again` evaluates the query anew and the rows are counted exactly as TSV, which is
    then turned into the format asked for; a result with too many rows is refused there."""
    too_large = ResultTooLarge(
        f"the result has more than {max_results} rows: add a LIMIT (at most {max_results})", status=400
    )
    mark, extra_marks = ROW_MARKS[media_type]
    bounded = RowBoundedOutput(mark, max_results + extra_marks)
    try:
        solutions.serialize(bounded, format=ox.QueryResultsFormat.from_media_type(media_type))
        return bounded.getvalue()
    except TooManyRows:
        if media_type == SPARQL_TSV.media_type:
            raise too_large from None
    table = RowBoundedOutput(ROW_MARKS[SPARQL_TSV.media_type][0], max_results + 1)
    solutions = again()
    assert isinstance(solutions, ox.QuerySolutions)  # the same SELECT, evaluated anew
    try:
        solutions.serialize(table, format=ox.QueryResultsFormat.TSV)
    except TooManyRows:
        raise too_large from None
    if media_type == SPARQL_TSV.media_type:
        return table.getvalue()
    parsed = ox.parse_query_results(table.getvalue(), format=ox.QueryResultsFormat.TSV)
    return parsed.serialize(format=ox.QueryResultsFormat.from_media_type(media_type))


class TooManyRows(Exception):
    """Raised from inside pyoxigraph's writer to stop a result past its bound."""


class RowBoundedOutput(io.BytesIO):
    """A buffer that stops pyoxigraph's writer (TooManyRows) once it has written its row mark (ROW_MARKS)
    more than `limit` times. pyoxigraph writes in 8 KiB blocks, so a mark may straddle two writes: the
    last bytes of each write are kept to count it. (One pass of bytes.count over each block: about 1 ms a
    megabyte, where turning TSV into JSON took 9 ms.)"""

    def __init__(self, mark: bytes, limit: int) -> None:
        super().__init__()
        self.mark = mark
        self.limit = limit
        self.count = 0
        self._keep = len(mark) - 1
        self._tail = b""

    def write(self, data: bytes) -> int:  # type: ignore[override]
        data = bytes(data)
        self.count += data.count(self.mark)
        if self._keep:  # the marks that start in what was written before and end in data
            self.count += (self._tail + data[: self._keep]).count(self.mark)
            self._tail = (
                data[-self._keep :] if len(data) >= self._keep else (self._tail + data)[-self._keep :]
            )
        if self.count > self.limit:
            raise TooManyRows
        return super().write(data)


def syntax_error(error: SyntaxError) -> QuerySyntaxError:
    """pyoxigraph says "error at L:C: expected …": keep the position and say it plainly."""
    text = str(error.msg if getattr(error, "msg", None) else error)
    match = re.match(r"error at (\d+):(\d+): (.*)", text, re.DOTALL)
    if match:
        line, column = int(match.group(1)), int(match.group(2))
        return QuerySyntaxError(
            f"syntax error at line {line}, column {column}: {readable_expectation(match.group(3))}",
            line=line,
            column=column,
        )
    return QuerySyntaxError(f"syntax error: {text}")


_CHARACTER_CLASS = re.compile(r"\[[^\[\]]*\]")
MAX_EXPECTED = 8


def readable_expectation(text: str) -> str:
    """The parser's "expected one of …" for a person: character classes (Unicode ranges) named as what
    they stand for, duplicates dropped, at most MAX_EXPECTED items."""
    text = " ".join(text.split())
    if not text.startswith("expected one of "):
        return _CHARACTER_CLASS.sub(_class_name, text)
    items, depth, current, quoted, previous = [], 0, "", False, ""
    for char in text[len("expected one of ") :]:
        if char == '"' and previous != "\\":
            quoted = not quoted
        elif not quoted:
            depth += char == "["
            depth -= char == "]"
        previous = char
        if char == "," and depth == 0 and not quoted:
            items.append(current.strip())
            current = ""
        else:
            current += char
    items.append(current.strip())
    named = list(dict.fromkeys(_CHARACTER_CLASS.sub(_class_name, item) for item in items if item))
    named = [item for item in named if item]
    shown = named[:MAX_EXPECTED] + (["…"] if len(named) > MAX_EXPECTED else [])
    return "expected " + (shown[0] if len(shown) == 1 else "one of " + ", ".join(shown))


def _class_name(match: re.Match[str]) -> str:
    body = match.group(0)
    if "'0'" in body and "'9'" in body and "'A'" not in body:
        return "a digit"
    if "'A'" in body or "\\u{" in body:
        return "a name"
    if body == "[_]":
        return ""
    return "a character"


def _worker_main(connection: Connection) -> None:
    """The worker loop: receive (function, kwargs), call it, send back ("ok", value) or ("error", …)."""
    while True:
        try:
            function_path, kwargs = connection.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        try:
            module_name, _, name = function_path.partition(":")
            function = getattr(importlib.import_module(module_name), name)
            reply: tuple[Any, ...] = ("ok", function(**kwargs))
        except QueryError as error:
            reply = ("error", type(error).__name__, error.message, error.status, error.line, error.column)
        except MemoryError:
            reply = ("error", "WorkerOutOfMemory", "", 503, None, None)
        except RecursionError:
            reply = (
                "error",
                "QuerySyntaxError",
                "the input nests more deeply than this service reads",
                400,
                None,
                None,
            )
        except Exception:  # the worker must survive anything a task raises; the reason goes to the log
            log.exception("a worker task failed: %s", function_path)
            reply = (
                "error",
                "QueryError",
                "the request could not be completed (an internal error)",
                500,
                None,
                None,
            )
        try:
            connection.send(reply)
        except (OSError, ValueError):
            return


# ------------------------------------------------------------------------------------------------
# Lanes: heavy work never takes every worker
# ------------------------------------------------------------------------------------------------

FAST_SECONDS = 0.5
"""A query shape whose last run took longer than this (or ran out of time or memory) is heavy."""


class QueryLanes:
    """Which queries may take which workers, so that light work is never starved by heavy work.

    Queries are known by their shape (CheckedQuery.shape: the query without its IRIs, literals and
    comments). A shape whose last run finished within FAST_SECONDS is light, and its queries may take any
    free worker: the fast lane. Every other query (a shape that was slow, ran out of time or memory, or has
    not been seen yet, or a light shape with a run now going on past FAST_SECONDS) is in the general lane,
    which holds at most `size - 1` workers at once, so at least one worker is always left to light work.
    A client that sends the same heavy query again and again, or varies only its constants, stays in the
    general lane; a new kind of query waits there once, then runs in the fast lane if it was fast.
    """

    def __init__(self, size: int, remembered: int = 4096) -> None:
        self.general_lane = threading.BoundedSemaphore(max(1, size - 1))
        self._fast: OrderedDict[str, bool] = OrderedDict()
        self._running: dict[str, list[float]] = {}
        self._remembered = remembered
        self._lock = threading.Lock()

    def is_light(self, shape: str) -> bool:
        """Whether queries of this shape may take the fast lane now."""
        with self._lock:
            if not self._fast.get(shape, False):
                return False
            started = self._running.get(shape, ())
            return not any(time.monotonic() - t > FAST_SECONDS for t in started)

    def record(self, shape: str, seconds: float | None) -> None:
        """How long a run of this shape took (None: it was stopped, past its time or memory)."""
        with self._lock:
            self._fast[shape] = seconds is not None and seconds <= FAST_SECONDS
            self._fast.move_to_end(shape)
            while len(self._fast) > self._remembered:
                self._fast.popitem(last=False)

    def run(self, workers: QueryWorkers, shape: str, kwargs: Mapping[str, Any], deadline: float) -> Any:
        """Run execute_query in a worker within its lane; blocking (call it from a thread)."""
        general = not self.is_light(shape)
        if general and not self.general_lane.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise StoreBusy(
                "the workers for new or slow queries are busy with other slow queries; try again shortly",
                status=503,
            )
        started = time.monotonic()
        with self._lock:
            self._running.setdefault(shape, []).append(started)
        try:
            result = workers.run(execute_query, kwargs, deadline)
        except (QueryTimeout, WorkerOutOfMemory):
            self.record(shape, None)
            raise
        finally:
            with self._lock:
                runs = self._running[shape]
                runs.remove(started)
                if not runs:
                    del self._running[shape]
            if general:
                self.general_lane.release()
        self.record(shape, time.monotonic() - started)
        return result


# ------------------------------------------------------------------------------------------------
# The pool (this part runs in the service)
# ------------------------------------------------------------------------------------------------


class WorkerOutOfMemory(QueryError):
    """The task needed more memory than a worker may use (INTEGRATION_KG_WORKER_MEMORY)."""


_ERRORS: dict[str, type[QueryError]] = {
    cls.__name__: cls
    for cls in (
        QueryError,
        QuerySyntaxError,
        QueryTimeout,
        ResultTooLarge,
        StoreBusy,
        QueryRefused,
        WorkerOutOfMemory,
    )
}


def _memory_budget() -> int:
    """INTEGRATION_KG_WORKER_MEMORY (bytes; 0: no limit), else WORKER_MEMORY_DEFAULT."""
    raw = os.environ.get("INTEGRATION_KG_WORKER_MEMORY", "").strip()
    return int(raw) if raw else WORKER_MEMORY_DEFAULT


_WORKER_COMMAND = (
    "import sys; from service.sparql import worker_process_main; "
    "worker_process_main(int(sys.argv[1]), int(sys.argv[2]))"
)


def worker_process_main(fd: int, memory_budget: int) -> None:
    """Entry point of a worker process: import what tasks use, enter the sandbox (no network, bounded
    memory: service/sandbox.py), then serve tasks over the socket inherited as file descriptor fd."""
    import rdflib.plugins.sparql.parser  # noqa: F401  (imported before the memory limit is measured)

    sys.setrecursionlimit(PARSER_RECURSION)
    enter_sandbox(memory_budget)
    _worker_main(Connection(fd))


class _Worker:
    """One worker: a fresh Python process (not a fork of the service) talking over a socket pair."""

    def __init__(self, memory_budget: int, role: str = "query") -> None:
        parent, child = socket.socketpair()
        package_root = str(Path(__file__).resolve().parent.parent)
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])),
            "RUST_BACKTRACE": "0",  # an allocation past the memory limit aborts the worker: one line, no trace
        }
        self.process = subprocess.Popen(
            # the role is not read by the worker: it names the process for ps and the bench scripts
            [sys.executable, "-c", _WORKER_COMMAND, str(child.fileno()), str(memory_budget), role],
            pass_fds=[child.fileno()],
            env=env,
            stdin=subprocess.DEVNULL,
            close_fds=True,
        )
        child.close()
        self.connection = Connection(parent.detach())

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=5)
        self.connection.close()


class QueryWorkers:
    """A fixed number of worker processes; each call borrows one, and a call past its deadline kills it.

    Every worker is sandboxed (no network, at most memory_budget bytes beyond its start-up and its copy of
    the graph: service/sandbox.py). `role` names the pool in messages (query, checker, validation).
    Blocking: call `run` from a thread (the service does, through anyio), never on the event loop.
    """

    def __init__(self, size: int, *, role: str = "query", memory_budget: int | None = None) -> None:
        self.size = max(1, size)
        self.role = role
        self.memory_budget = _memory_budget() if memory_budget is None else memory_budget
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._started = False
        self._closed = False
        self.busy = 0
        """Calls now holding a worker or waiting for one."""

    @property
    def closed(self) -> bool:
        return self._closed

    def _new_worker(self) -> _Worker:
        return _Worker(self.memory_budget, self.role)

    def start(self) -> None:
        """Start the worker processes now rather than at the first call."""
        self._start()

    def _start(self) -> None:
        with self._lock:
            if not self._started:
                for _ in range(self.size):
                    self._idle.put(self._new_worker())
                self._started = True

    def _out_of_memory(self) -> WorkerOutOfMemory:
        return WorkerOutOfMemory(
            f"the {self.role} needed more memory than a worker may use "
            f"({describe_bytes(self.memory_budget)}, INTEGRATION_KG_WORKER_MEMORY); it was stopped",
            status=503,
        )

    def run(self, function: Callable[..., Any], kwargs: Mapping[str, Any], deadline: float) -> Any:
        """Call a module-level function in a worker; raise QueryTimeout at the deadline (and kill the worker)."""
        if self._closed:
            raise StoreBusy("the service is shutting down", status=503)
        self._start()
        with self._lock:
            self.busy += 1
        try:
            return self._run(function, kwargs, deadline)
        finally:
            with self._lock:
                self.busy -= 1

    def _run(self, function: Callable[..., Any], kwargs: Mapping[str, Any], deadline: float) -> Any:
        try:
            worker = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise StoreBusy(
                f"every {self.role} worker is busy with other requests; try again shortly", status=503
            ) from None
        healthy = False
        try:
            worker.connection.send((f"{function.__module__}:{function.__name__}", dict(kwargs)))
            if not worker.connection.poll(max(0.0, deadline - time.monotonic())):
                raise QueryTimeout(f"the {self.role} ran past the time limit and was stopped", status=503)
            reply = worker.connection.recv()
            healthy = reply[0] == "ok" or reply[1] != "WorkerOutOfMemory"
        except (EOFError, OSError, BrokenPipeError):
            raise self._out_of_memory() from None
        finally:
            if healthy:
                self._idle.put(worker)
            else:  # past its time or memory: a fresh process takes its place
                worker.stop()
                if not self._closed:
                    self._idle.put(self._new_worker())
        if reply[0] == "ok":
            return reply[1]
        _, kind, message, status, line, column = reply
        if kind == "WorkerOutOfMemory":
            raise self._out_of_memory()
        raise _ERRORS.get(kind, QueryError)(message, status=status, line=line, column=column)

    def broadcast(self, function: Callable[..., Any], kwargs: Mapping[str, Any], deadline: float) -> int:
        """Call a module-level function once in every worker that is free before the deadline (a worker
        busy with a query past it is skipped); returns how many answered. For preparing a new build."""
        if self._closed:
            return 0
        self._start()
        borrowed: list[_Worker] = []
        answered = 0
        try:
            for _ in range(self.size):
                try:
                    borrowed.append(self._idle.get(timeout=max(0.0, deadline - time.monotonic())))
                except queue.Empty:
                    break
            task = (f"{function.__module__}:{function.__name__}", dict(kwargs))
            for worker in borrowed:
                worker.connection.send(task)
            for worker in borrowed:
                if worker.connection.poll(max(0.0, deadline - time.monotonic())):
                    answered += worker.connection.recv()[0] == "ok"
                else:  # still busy: replace it rather than leave an unread reply behind
                    worker.stop()
                    borrowed[borrowed.index(worker)] = self._new_worker()
        except (EOFError, OSError):
            pass
        finally:
            for worker in borrowed:
                if self._closed:
                    worker.stop()
                else:
                    self._idle.put(worker)
        return answered

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().stop()
            except queue.Empty:
                break
