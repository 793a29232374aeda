"""The SPARQL protocol's domain: what a query may do, over which dataset, in which format, within
which bounds.

- Safety: the endpoint is read-only and never talks to another host. Updates (INSERT, DELETE, LOAD,
  CLEAR, …) and SERVICE are refused before anything runs, by a lexical check that skips strings,
  IRIs and comments, so `"SERVICE"` in a literal is fine. (pyoxigraph would otherwise execute
  SERVICE itself, posting the query to the named host.)
- Dataset: `default-graph-uri` / `named-graph-uri` of the protocol; without them (and without FROM in
  the query) the default graph is the union of all named graphs (the build writes that union into the
  store's default graph, service/build_store.py).
- Formats: one table of result media types, chosen by `format=` or by Accept with q-values.
- Bounds: user queries run in a small pool of worker processes (`QueryWorkers`), each opening the
  store read-only. A query past its time limit has its worker killed and replaced, so the work really
  stops; results are capped at `max_results`, counted while pyoxigraph's own writers write them
  (`serialize_solutions`).
"""

from __future__ import annotations

import importlib
import io
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .render import RDF_FORMATS, RdfFormat, negotiate, rdf_format_named
from .store import QueryDataset, QueryError, QuerySyntaxError, QueryTimeout, ResultTooLarge, StoreBusy
from .worker_store import worker_store

# ------------------------------------------------------------------------------------------------
# Safety
# ------------------------------------------------------------------------------------------------

UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)
QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")

_TOKENS = re.compile(
    r'''(?P<comment>\#[^\n\r]*)
      | (?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""
                  | \'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'
                  | "(?:[^"\\\n\r]|\\.)*"
                  | '(?:[^'\\\n\r]|\\.)*')
      | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
      | (?P<word>[?$]?[\w:][\w\-.:%]*)
      | (?P<other>\S)''',
    re.VERBOSE | re.DOTALL,
)
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


class QueryRefused(QueryError):
    """A query the public endpoint will not run (an update, SERVICE), refused before it runs."""


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed the safety check: its text, its form, whether it names its own dataset
    (FROM, FROM NAMED) and whether it reads named graphs (GRAPH)."""

    text: str
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    has_dataset_clause: bool
    reads_named_graphs: bool = False

    @property
    def default_graph_only(self) -> bool:
        """True when the query reads nothing but the default graph (the union of all graphs)."""
        return not (self.has_dataset_clause or self.reads_named_graphs)


def keywords(query: str) -> list[str]:
    """The bare words of a query (upper case), outside strings, IRIs and comments.

    Variables (`?service`), prefixed names (`ex:load`) and blank nodes are not bare words.
    """
    words: list[str] = []
    for match in _TOKENS.finditer(query):
        word = match.group("word")
        if word and word[0] not in "?$" and ":" not in word:
            words.append(word.rstrip(".").upper())
    return words


def unescape_codepoints(query: str) -> str:
    r"""SPARQL allows \uXXXX and \UXXXXXXXX escapes anywhere in a query; check what a parser may see."""

    def replace(match: re.Match[str]) -> str:
        try:
            return chr(int(match.group(1) or match.group(2), 16))
        except (ValueError, OverflowError):
            return match.group(0)

    return _CODEPOINT.sub(replace, query)


def check_query(query: str) -> CheckedQuery:
    """Refuse what the public endpoint never does; name the query form. Raises QueryRefused or QuerySyntaxError."""
    if not query.strip():
        raise QuerySyntaxError("the query is empty")
    words = keywords(query)
    for variant in {unescape_codepoints(query)} - {query}:
        words += keywords(variant)
    updates = sorted(UPDATE_KEYWORDS.intersection(words))
    if "LOAD" in updates:
        raise QueryRefused(
            "LOAD is not allowed: this endpoint is read-only and never fetches data from another host",
            status=400,
        )
    if updates:
        raise QueryRefused(
            f"SPARQL Update ({', '.join(updates)}) is not allowed: this endpoint is read-only", status=400
        )
    if "SERVICE" in words:
        raise QueryRefused(
            "SERVICE (federated query) is not allowed: this endpoint never connects to another host",
            status=403,
        )
    form = next((w for w in words if w in QUERY_FORMS), None)
    if form is None:
        raise QuerySyntaxError("not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    return CheckedQuery(
        text=query, form=form, has_dataset_clause="FROM" in words, reads_named_graphs="GRAPH" in words
    )


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


SPARQL_JSON = ResultsFormat("json", "application/sparql-results+json", ".srj", ("application/json",))
SPARQL_XML = ResultsFormat("xml", "application/sparql-results+xml", ".srx", ("application/xml", "text/xml"))
SPARQL_CSV = ResultsFormat("csv", "text/csv", ".csv")
SPARQL_TSV = ResultsFormat("tsv", "text/tab-separated-values", ".tsv")
RESULTS_FORMATS: tuple[ResultsFormat, ...] = (SPARQL_JSON, SPARQL_XML, SPARQL_CSV, SPARQL_TSV)

Format = ResultsFormat | RdfFormat


class NotAcceptable(QueryError):
    """Nothing the client accepts can be produced for this query."""


def formats_for(form: str) -> tuple[Format, ...]:
    return RESULTS_FORMATS if form in ("SELECT", "ASK") else RDF_FORMATS


def choose_format(form: str, accept: str | None, format_parameter: str | None) -> Format:
    """`format=` (a name such as `csv` or a media type) wins over Accept; 406 when nothing fits."""
    offered = formats_for(form)
    kind = "SELECT and ASK" if form in ("SELECT", "ASK") else "CONSTRUCT and DESCRIBE"
    names = ", ".join(f.name for f in offered)
    if format_parameter:
        wanted = format_parameter.strip().lower()
        for fmt in offered:
            if wanted in (fmt.name, fmt.media_type, fmt.suffix.lstrip(".")) or wanted in fmt.aliases:
                return fmt
        if form not in ("SELECT", "ASK") and (fmt := rdf_format_named(wanted)) is not None:
            return fmt
        raise NotAcceptable(
            f"format={format_parameter!r} is not available for {kind} queries (use one of: {names})",
            status=406,
        )
    offers: list[tuple[str, Format]] = [(f.media_type, f) for f in offered]
    offers += [(alias, f) for f in offered for alias in f.aliases if "/" in alias]
    chosen = negotiate(accept, [media for media, _ in offers])
    if chosen is None:
        types = ", ".join(f.media_type for f in offered)
        raise NotAcceptable(
            f"none of the accepted media types ({accept}) can be produced for {kind} queries: "
            f"the endpoint offers {types}",
            status=406,
        )
    return next(f for media, f in offers if media == chosen)


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
    or comes with the protocol's dataset (default_graphs) runs on the store on disk."""
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
        except Exception as error:  # the worker must survive anything a task raises
            reply = (
                "error",
                "QueryError",
                f"the task failed: {type(error).__name__}: {error}",
                500,
                None,
                None,
            )
        try:
            connection.send(reply)
        except (OSError, ValueError):
            return


# ------------------------------------------------------------------------------------------------
# The pool (this part runs in the service)
# ------------------------------------------------------------------------------------------------

_ERRORS: dict[str, type[QueryError]] = {
    cls.__name__: cls
    for cls in (
        QueryError,
        QuerySyntaxError,
        QueryTimeout,
        ResultTooLarge,
        StoreBusy,
        QueryRefused,
        NotAcceptable,
    )
}


_WORKER_COMMAND = (
    "import sys; from service.sparql import worker_process_main; worker_process_main(int(sys.argv[1]))"
)


def worker_process_main(fd: int) -> None:
    """Entry point of a worker process: serve tasks over the socket inherited as file descriptor fd."""
    _worker_main(Connection(fd))


class _Worker:
    """One worker: a fresh Python process (not a fork of the service) talking over a socket pair."""

    def __init__(self) -> None:
        parent, child = socket.socketpair()
        package_root = str(Path(__file__).resolve().parent.parent)
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-c", _WORKER_COMMAND, str(child.fileno())],
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

    Blocking: call `run` from a thread (the service does, through anyio), never on the event loop.
    """

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._started = False
        self._closed = False

    def _start(self) -> None:
        with self._lock:
            if not self._started:
                for _ in range(self.size):
                    self._idle.put(_Worker())
                self._started = True

    def run(self, function: Callable[..., Any], kwargs: Mapping[str, Any], deadline: float) -> Any:
        """Call a module-level function in a worker; raise QueryTimeout at the deadline (and kill the worker)."""
        if self._closed:
            raise StoreBusy("the service is shutting down", status=503)
        self._start()
        try:
            worker = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise StoreBusy(
                "every query worker is busy with another query; try again shortly", status=503
            ) from None
        healthy = False
        try:
            worker.connection.send((f"{function.__module__}:{function.__name__}", dict(kwargs)))
            if not worker.connection.poll(max(0.0, deadline - time.monotonic())):
                raise QueryTimeout("the query ran past the time limit and was stopped", status=503)
            reply = worker.connection.recv()
            healthy = True
        except (EOFError, OSError, BrokenPipeError):
            raise QueryError(
                "the query worker stopped (the query may need more memory than it may use)", status=503
            ) from None
        finally:
            if healthy:
                self._idle.put(worker)
            else:
                worker.stop()
                if not self._closed:
                    self._idle.put(_Worker())
        if reply[0] == "ok":
            return reply[1]
        _, kind, message, status, line, column = reply
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
                    borrowed[borrowed.index(worker)] = _Worker()
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
