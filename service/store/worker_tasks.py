"""What a query worker runs: a user's query over one build's store, serialised by pyoxigraph's own writers
within a bound on the rows or triples of its result.

These functions run in the worker processes (service/store/query_workers.py), never in the service.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox

from .seam import (
    SPARQL_CSV,
    SPARQL_JSON,
    SPARQL_TSV,
    SPARQL_XML,
    QueryError,
    QuerySyntaxError,
    ResultTooLarge,
    written,
)
from .worker_store import OpenedBuild


def prepare_store(store_path: str, memory_triples: int, *, opened: OpenedBuild) -> bool:
    """Open a build's store in this worker and start loading its copy in memory (worker side; sent to
    every worker when the service opens a build, so the first queries need not do it)."""
    return opened.store(store_path, memory_triples).in_memory


def execute_query(
    store_path: str,
    query: str,
    media_type: str,
    default_graphs: tuple[str, ...] | None,
    named_graphs: tuple[str, ...] | None,
    max_results: int,
    memory_triples: int = 0,
    default_graph_only: bool = False,
    *,
    opened: OpenedBuild,
) -> bytes:
    """Run one query on the store and serialise at most max_results rows or triples (worker side).
    memory_triples: the largest graph the worker copies into memory (service/store/worker_store.py); the
    copy holds the default graph only, so a query that reads named graphs (default_graph_only False)
    or comes with the protocol's dataset (default_graphs) runs on the store on disk.

    The service sends only queries a checker accepted (EmbeddedStore.run_bounded checks it first);
    parsing again here would double the cost of every small query. Whatever a check might miss still
    cannot connect anywhere: this process is under the network filter (service/store/sandbox.py)."""
    read = opened.store(store_path, memory_triples)
    store = read.store if default_graph_only and default_graphs is None else read.disk
    options: dict[str, Any] = {}
    if default_graphs is not None:
        options["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
        options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs or ()]
    try:
        result = store.query(query, **options)
        if isinstance(result, ox.QueryBoolean):
            return written(result.serialize(format=ox.QueryResultsFormat.from_media_type(media_type)))
        if isinstance(result, ox.QuerySolutions):
            return serialize_solutions(
                result, media_type, max_results, again=lambda: store.query(query, **options)
            )
        triples: list[ox.Triple] = []
        for triple in result:
            if len(triples) == max_results:
                raise ResultTooLarge(
                    f"the result has more than {max_results} triples: add a LIMIT (at most {max_results})",
                    status=400,
                )
            triples.append(triple)
        return written(ox.serialize(triples, format=ox.RdfFormat.from_media_type(media_type)))
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
    evaluated = again()
    assert isinstance(evaluated, ox.QuerySolutions)  # the same SELECT, evaluated anew
    try:
        evaluated.serialize(table, format=ox.QueryResultsFormat.TSV)
    except TooManyRows:
        raise too_large from None
    if media_type == SPARQL_TSV.media_type:
        return table.getvalue()
    parsed = ox.parse_query_results(table.getvalue(), format=ox.QueryResultsFormat.TSV)
    return written(parsed.serialize(format=ox.QueryResultsFormat.from_media_type(media_type)))


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
