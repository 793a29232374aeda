"""The safety check of a user's query: parsed by rdflib's SPARQL parser and allowed or refused from its
parse tree, in checker processes off the event loop.

Updates (INSERT, DELETE, LOAD, …) and SERVICE never run, and neither does anything the parser does not
accept: the decision never rests on a guess about text it did not read. Independently of this check, every
worker process runs under a seccomp filter that denies it network sockets (service/store/sandbox.py), so
pyoxigraph, which would execute SERVICE itself, cannot connect anywhere even if a query got through.
`QueryChecker` runs the check for the service and keeps its verdicts by query text.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
from pyparsing import ParseBaseException, ParseResults
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Identifier, Literal, URIRef, Variable

from .query_workers import QueryWorkers, ThreadLimiter
from .seam import QueryError, QueryRefused, QuerySyntaxError, QueryTimeout

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

QUERY_FORMS = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}
UNREPEATABLE_BUILTINS = frozenset({"Builtin_RAND", "Builtin_NOW", "Builtin_UUID", "Builtin_STRUUID"})
"""SPARQL functions whose value is new on every run: a query that calls one is answered afresh each time."""


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
    (`QueryChecker.check`) before a query worker is asked to run anything.
    """
    if not query.strip():
        raise QuerySyntaxError("the query is empty")
    if (too_big := too_long(query)) is not None:
        raise too_big
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


# ------------------------------------------------------------------------------------------------
# Checking for the service: checker processes, verdicts kept by query text
# ------------------------------------------------------------------------------------------------

WARM_SECONDS = 60.0
"""How long starting the checker processes may take (a busy machine starts Python slowly)."""

VERDICT_CHARS = 8 * 1024 * 1024
"""How much query text the checker remembers verdicts for (the least recently asked are forgotten first)."""

Refusal = tuple[str, str, int, int | None, int | None]
"""A refusal as it is kept: the error's class name, message, status, line and column."""

REFUSALS: dict[str, type[QueryError]] = {cls.__name__: cls for cls in (QueryRefused, QuerySyntaxError)}


class QueryChecker:
    """`check_query` as the service runs it: in `size` sandboxed checker processes within CHECK_SECONDS,
    never on the event loop, with the verdict on each text kept (the same text always gets the same one)."""

    def __init__(self, size: int = 2, verdict_chars: int = VERDICT_CHARS) -> None:
        self.processes = QueryWorkers(size, role="checker")
        self.verdict_chars = verdict_chars
        self._verdicts: OrderedDict[str, CheckedQuery | Refusal] = OrderedDict()
        self._kept_chars = 0
        self._lock = threading.Lock()
        self._threads = ThreadLimiter(8)
        self._warming = threading.Event()
        self._warm = threading.Event()

    def warm(self) -> None:
        """Start the checker processes and have each parse a query once (loading the parser), so the
        first query does not spend its CHECK_SECONDS starting them: a query that comes meanwhile waits for
        the warm-up first (at most WARM_SECONDS). Blocking: call it from a thread."""
        self._warming.set()
        try:
            self.processes.broadcast(check_query, {"query": "ASK {}"}, time.monotonic() + WARM_SECONDS)
        finally:
            self._warm.set()

    def close(self) -> None:
        self.processes.close()

    async def check(self, query: str) -> CheckedQuery:
        """The query checked, or its QueryError (413 too long, 400 syntax or update, 403 SERVICE)."""
        if (too_big := too_long(query)) is not None:
            raise too_big
        known = self._recall(query)
        if known is not None:
            return known
        if self._warming.is_set() and not self._warm.is_set():
            await anyio.to_thread.run_sync(self._warm.wait, WARM_SECONDS, limiter=self._threads.current())
        deadline = time.monotonic() + CHECK_SECONDS
        try:
            checked: CheckedQuery = await anyio.to_thread.run_sync(
                self.processes.run,
                check_query,
                {"query": query},
                deadline,
                limiter=self._threads.current(),
            )
        except QueryTimeout:
            raise QuerySyntaxError(
                f"the query could not be checked within {CHECK_SECONDS:.0f} s: it is too complex to parse"
            ) from None
        except (QueryRefused, QuerySyntaxError) as refused:
            self._remember(
                query, (type(refused).__name__, refused.message, refused.status, refused.line, refused.column)
            )
            raise
        self._remember(query, checked)
        return checked

    def _remember(self, query: str, outcome: CheckedQuery | Refusal) -> None:
        with self._lock:
            if query in self._verdicts:
                return
            self._verdicts[query] = outcome
            self._kept_chars += len(query)
            while self._kept_chars > self.verdict_chars and self._verdicts:
                old, _ = self._verdicts.popitem(last=False)
                self._kept_chars -= len(old)

    def _recall(self, query: str) -> CheckedQuery | None:
        with self._lock:
            outcome = self._verdicts.get(query)
            if outcome is not None:
                self._verdicts.move_to_end(query)
        if outcome is None or isinstance(outcome, CheckedQuery):
            return outcome
        kind, message, status, line, column = outcome
        raise REFUSALS.get(kind, QueryError)(message, status=status, line=line, column=column)
