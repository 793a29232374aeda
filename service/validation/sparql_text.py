"""The SPARQL text of SPARQL-based constraints: the SELECT form the engine accepts, parameter
substitution, the rewrite of FILTER NOT EXISTS into MINUS, and which entailed triples a query can see."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, Path, SequencePath
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Variable

from .shapes import RESERVED_PREFIX, Term

# =============================================================================================
# SPARQL text: tokens, the SELECT form the engine accepts, substitution
# =============================================================================================

_TOKEN = re.compile(
    r'''
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_\-.]*(?::[^\s(){}\[\],;]*)?|:[^\s(){}\[\],;]*)
  | (?P<other>.)
''',
    re.X | re.S,
)


def tokenize(text: str) -> list[str]:
    return [m.group(0) for m in _TOKEN.finditer(text)]


def _is_var(token: str) -> bool:
    return token[:1] in "?$" and len(token) > 1


def variables_of(tokens: Iterable[str]) -> set[str]:
    return {t[1:] for t in tokens if _is_var(t)}


@dataclass(frozen=True)
class ParsedSelect:
    projection: tuple[str, ...]
    projection_text: str
    body_tokens: tuple[str, ...]


_REFUSED_KEYWORDS = {
    "MINUS": "MINUS",
    "VALUES": "VALUES",
    "SERVICE": "SERVICE",
    "SELECT": "a nested SELECT",
    "COUNT": "aggregates",
    "SUM": "aggregates",
    "AVG": "aggregates",
    "SAMPLE": "aggregates",
    "GROUP_CONCAT": "aggregates",
    "GROUP": "GROUP BY",
    "HAVING": "HAVING",
    "LIMIT": "LIMIT",
    "OFFSET": "OFFSET",
    "GRAPH": "GRAPH (the validation data graph is one graph)",
    "FROM": "FROM",
    "BASE": "BASE",
    "PREFIX": "PREFIX inside the query (use sh:prefixes)",
}


def parse_select(text: str) -> ParsedSelect:
    """`SELECT [DISTINCT] projection WHERE { body } [ORDER BY …]`, nothing else: the engine joins its
    focus nodes into the body and adds its own projection. Raises ValueError naming what it refuses."""
    tokens = tokenize(text)
    significant = [i for i, t in enumerate(tokens) if not t.isspace() and not t.startswith("#")]
    upper = [tokens[i].upper() for i in significant]
    for index, word in enumerate(upper):
        if word in ("MIN", "MAX") and index + 1 < len(upper) and upper[index + 1] == "(":
            raise ValueError("aggregates")
        if word in _REFUSED_KEYWORDS and not (word == "SELECT" and index == 0):
            raise ValueError(_REFUSED_KEYWORDS[word] + " is not supported")
    if not upper or upper[0] != "SELECT":
        raise ValueError("not a SELECT query")
    position = 1
    if upper[position] in ("DISTINCT", "REDUCED"):
        position += 1
    start = significant[position]
    brace = next((k for k in range(position, len(upper)) if upper[k] == "{"), None)
    if brace is None:
        raise ValueError("no WHERE clause")
    end = brace - 1 if upper[brace - 1] == "WHERE" else brace
    projection_tokens = tokens[start : significant[end]] if end > position else []
    projection_text = "".join(projection_tokens).strip()
    if projection_text == "*":
        raise ValueError("SELECT *")
    names: list[str] = []
    depth = 0
    for index, token in enumerate(projection_tokens):
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif _is_var(token) and (
            depth == 0 or (index >= 2 and "".join(projection_tokens[:index]).rstrip().upper().endswith("AS"))
        ):
            names.append(token[1:])
    depth = 0
    close = None
    for k in range(brace, len(upper)):
        if upper[k] == "{":
            depth += 1
        elif upper[k] == "}":
            depth -= 1
            if depth == 0:
                close = k
                break
    if close is None:
        raise ValueError("unbalanced braces")
    rest = upper[close + 1 :]
    if rest and rest[:2] != ["ORDER", "BY"]:
        raise ValueError("solution modifiers other than ORDER BY")
    body = tuple(tokens[significant[brace] + 1 : significant[close]])
    return ParsedSelect(
        projection=tuple(dict.fromkeys(names)), projection_text=projection_text, body_tokens=body
    )


def substitute(tokens: Iterable[str], texts: dict[str, str], terms: dict[str, str]) -> Iterator[str]:
    """Replace variables by text (`$PATH` by a path) or by a term (a parameter), token by token:
    nothing inside strings, IRIs or comments is touched. STR becomes rdflib's STR (RDFLIB_STR)."""
    for token in tokens:
        if token.upper() == "STR":
            yield str(RDFLIB_STR)
        elif _is_var(token) and token[1:] in texts:
            yield texts[token[1:]]
        elif _is_var(token) and token[1:] in terms:
            yield terms[token[1:]]
        else:
            yield token


# SPARQL's STR of a blank node is an error (pyoxigraph); rdflib, which runs pyshacl's queries, gives
# the node's label. The shapes' queries call this function instead, which does what rdflib does.
RDFLIB_STR = ox.NamedNode(RESERVED_PREFIX + "rdflib-str")


def _rdflib_str(term: Term) -> ox.Literal:
    return ox.Literal(term.value)


CUSTOM_FUNCTIONS = {RDFLIB_STR: _rdflib_str}

# Where the engine joins its focus nodes into a MINUS group too: pyoxigraph evaluates the group of
# MINUS on its own, and starting it from the focus nodes keeps it from walking the whole graph.
FOCUS_PLACEHOLDER = "$__focus__"
SMALL_SET = 5_000
_NOT_MINUS_SAFE = {
    "OPTIONAL",
    "UNION",
    "BIND",
    "VALUES",
    "GRAPH",
    "EXISTS",
    "MINUS",
    "SERVICE",
    "SELECT",
    "{",
}


def not_exists_to_minus(tokens: Sequence[str]) -> tuple[str, ...]:
    """Rewrite each `FILTER NOT EXISTS { P }` of the outer group into `MINUS { P }` at its end, when
    that gives the same solutions: P is triple patterns (FILTERs inside only on P's own variables),
    and it shares $this, which the engine binds in every solution (MINUS then removes exactly the
    solutions for which P has a match, as NOT EXISTS with the solution substituted would).

    Why: pyoxigraph plans the pattern inside NOT EXISTS without knowing that $this is bound, so
    `FILTER NOT EXISTS { $this p+ ?x . ?x a/rdfs:subClassOf* C }` enumerates C's instances for every
    focus node (13 s for 5 000 parts); as MINUS it is one anti-join (0.02 s)."""
    tokens = list(tokens)
    significant = [i for i, t in enumerate(tokens) if not t.isspace() and not t.startswith("#")]
    upper = [tokens[i].upper() for i in significant]
    keep = [True] * len(tokens)
    moved: list[str] = []
    depth = 0
    k = 0
    while k < len(upper):
        word = upper[k]
        if word == "{":
            depth += 1
        elif word == "}":
            depth -= 1
        elif depth == 0 and upper[k : k + 4] == ["FILTER", "NOT", "EXISTS", "{"]:
            level, end = 0, None
            for j in range(k + 3, len(upper)):
                level += upper[j] == "{"
                level -= upper[j] == "}"
                if level == 0:
                    end = j
                    break
            if end is None:
                break
            inner = [tokens[i] for i in significant[k + 4 : end]]
            if _minus_safe(inner):
                for i in range(significant[k], significant[end] + 1):
                    keep[i] = False
                group = tokens[significant[k + 3] + 1 : significant[end]]
                moved += [" ", "MINUS", " ", "{", " ", FOCUS_PLACEHOLDER, *group, "}"]
            k = end + 1
            continue
        k += 1
    return tuple(t for t, kept in zip(tokens, keep) if kept) + tuple(moved)


def _minus_safe(inner: list[str]) -> bool:
    if any(t.upper() in _NOT_MINUS_SAFE for t in inner):
        return False
    filter_vars: set[str] = set()
    triple_tokens: list[str] = []
    k = 0
    while k < len(inner):
        if inner[k].upper() == "FILTER":
            if k + 1 >= len(inner) or inner[k + 1] != "(":
                return False
            level = 0
            for j in range(k + 1, len(inner)):
                level += inner[j] == "("
                level -= inner[j] == ")"
                if level == 0:
                    filter_vars |= variables_of(inner[k + 1 : j + 1])
                    k = j + 1
                    break
            else:
                return False
            continue
        triple_tokens.append(inner[k])
        k += 1
    triple_vars = variables_of(triple_tokens)
    return "this" in triple_vars and filter_vars <= triple_vars


def check_pre_binding(query: str, pre_bound: set[str]) -> str | None:
    return _check_pre_binding(query, frozenset(pre_bound))


@lru_cache(maxsize=256)
def _check_pre_binding(query: str, pre_bound: frozenset[str]) -> str | None:
    """Whether joining the focus nodes at the start of the outer group gives what pre-binding gives.

    pyshacl pre-binds $this (and ?value) in every scope; the engine joins them into the outer group
    instead, so an expression (FILTER, BIND, or a FILTER inside OPTIONAL's own group, which SPARQL
    evaluates with the left side bound) may only use them in the outer group. A nested group or
    UNION branch evaluates its expressions before the join and would see them unbound."""

    try:
        parsed = parseQuery(query)
    except Exception as error:  # noqa: BLE001 - any parse error means: not supported here
        return f"rdflib cannot parse it ({error})"
    where = parsed[1].get("where")

    def mentions(node: object) -> bool:
        if isinstance(node, Variable):
            return str(node) in pre_bound
        if isinstance(node, CompValue):
            return any(mentions(v) for v in node.values())
        if isinstance(node, (list, tuple)):
            return any(mentions(v) for v in node)
        return False

    problems: list[str] = []

    def group(node: object, level: str) -> None:
        # level: "top" (outer group), "optional" (the group of an OPTIONAL at the top), "nested"
        if not isinstance(node, CompValue):
            return
        parts = node.get("part") or []
        for part in parts:
            name = getattr(part, "name", "")
            if name in ("Filter", "Bind"):
                if level == "nested" or (level == "optional" and name == "Bind"):
                    if mentions(part):
                        problems.append(f"{name.upper()} in a nested group uses a pre-bound variable")
            elif name == "OptionalGraphPattern":
                group(part.get("graph"), "optional" if level == "top" else "nested")
            elif name in ("GroupOrUnionGraphPattern",):
                for g in part.get("graph") or []:
                    group(g, "nested")
            elif name in ("GraphGraphPattern", "MinusGraphPattern", "ServiceGraphPattern"):
                group(part.get("graph"), "nested")
            elif name == "GroupGraphPatternSub":
                group(part, "nested")

    group(where, "top")
    return problems[0] if problems else None


@dataclass
class Observed:
    predicates: set[str] = field(default_factory=set)
    classes: set[str] = field(default_factory=set)
    all_types: bool = False
    everything: bool = False


def observe(query: str) -> Observed:
    """Which entailed triples a SPARQL query can see: its predicates, the classes it asks rdf:type
    of, or everything (a variable predicate, a negated property set, rdf:type with a variable class)."""
    found = _observe(query)
    return Observed(set(found.predicates), set(found.classes), found.all_types, found.everything)


@lru_cache(maxsize=1024)
def _observe(query: str) -> Observed:

    found = Observed()
    algebra = translateQuery(parseQuery(query)).algebra

    def leaves(path: object) -> Iterator[object]:
        if isinstance(path, (SequencePath, AlternativePath)):
            for a in path.args:
                yield from leaves(a)
        elif isinstance(path, (InvPath, MulPath)):
            yield from leaves(path.arg if isinstance(path, InvPath) else path.path)
        elif isinstance(path, NegatedPath):
            found.everything = True
        else:
            yield path

    def triple(p: object, o: object) -> None:
        if isinstance(p, URIRef):
            if p == RDF.type:
                if isinstance(o, URIRef):
                    found.classes.add(str(o))
                else:
                    found.all_types = True
            else:
                found.predicates.add(str(p))
        elif isinstance(p, Path):
            if (
                isinstance(p, SequencePath)
                and len(p.args) == 2
                and p.args[0] == RDF.type
                and isinstance(p.args[1], MulPath)
                and p.args[1].path == RDFS.subClassOf
                and isinstance(o, URIRef)
            ):
                found.classes.add(str(o))
                found.predicates.add(str(RDFS.subClassOf))
                return
            for leaf in leaves(p):
                if leaf == RDF.type:
                    found.all_types = True
                elif isinstance(leaf, URIRef):
                    found.predicates.add(str(leaf))
                else:
                    found.everything = True
        else:
            found.everything = True

    def walk(node: object) -> None:
        if isinstance(node, CompValue):
            for key, value in node.items():
                if key == "triples":
                    for t in value:
                        t = list(t)
                        if len(t) == 3:
                            triple(t[1], t[2])
                else:
                    walk(value)
        elif isinstance(node, (list, tuple)):
            for x in node:
                walk(x)

    walk(algebra)
    return found
