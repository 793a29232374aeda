"""Tracing: which documents and parts of documents trace to which principles and goals, and how.

DESIGN: a document or part *traces* to a principle when it cites it, or when something it is part
of (dcterms:isPartOf), implements (ikg:implements) or cites (ikg:cites: a national goal citing an
EU principle, a plan citing its strategy) traces to it. Every answer is a *path*: the steps from the
origin (a document, a part, or a framework concept such as a national goal) to the target, each
step with its relation and, for a `cites` step, the citation's kind, quote and source.

Thematic alignments (ikg:alignsWith, evidence an ikg:Alignment) are followed too, as `alignsWith`
steps of kind "thematic", but they are never citations: a path with an alignsWith step is an
*alignment* (`TracePath.is_alignment`), reported beside the citations, counted apart (the matrix's
"thematic" count and its "alignments" column, never in "citations") and filtered by kind=thematic
or excluded by kind=explicit,paraphrase.

Figures used everywhere (API, page, CSV, command line):

* a path's **kind** is the weakest kind among its `cites` steps (explicit > paraphrase >
  thematic): a chain is only as strong as its weakest link;
* a **link** is a distinct chain of citations: the citation IRIs along a path. A part that
  inherits its document's citation (an isPartOf step, then the document's own citation) adds no
  link of its own, so the matrix counts links, not paths; each path carries its link key.

The graph is read through the store seam with the SPARQL in queries/trace-*.rq; user input only
ever reaches a query as a bound term, never as query text.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from threading import Lock

from rdflib import Literal, URIRef
from rdflib.term import Node

from .queries import load_query
from .readings import unconcluded_documents
from .settings import Settings
from .store import GraphStore

KINDS: tuple[str, ...] = ("explicit", "paraphrase", "thematic")
"""Citation kinds by their short names, strongest first."""

KIND_CLASSES: dict[str, str] = {
    "explicit": "ExplicitCitation",
    "paraphrase": "Paraphrase",
    "thematic": "ThematicAlignment",
}
STRENGTH: dict[str, int] = {"explicit": 3, "paraphrase": 2, "thematic": 1}
EVIDENCE_RELATIONS: frozenset[str] = frozenset({"cites", "alignsWith"})
"""The relations whose steps carry evidence (an ikg:Citation or an ikg:Alignment) and end a path."""
CITATION_KINDS: tuple[str, ...] = ("explicit", "paraphrase")
"""The kinds that are citations; "thematic" is an alignment, never counted as a citation."""
DOCUMENT_TYPES: tuple[str, ...] = (
    "Strategy",
    "Policy",
    "Programme",
    "Plan",
    "Guideline",
    "Rules",
    "InformationPage",
    "PolicyDocument",
)
DEFAULT_MATRIX_FRAMEWORKS: tuple[str, ...] = ("eu-cbp-2004", "se-integration-policy")
DEFAULT_NEVER_FRAMEWORK = "eu-cbp-2004"

SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
KOMMUNKOD = re.compile(r"[0-9]{4}")


class TraceInputError(ValueError):
    """A request the trace cannot answer as asked (unknown target, malformed filter): the message says why."""


# ---------------------------------------------------------------------------------------- dates


@dataclass(frozen=True)
class Period:
    """A day, month or year as an interval of days: xsd:date, xsd:gYearMonth and xsd:gYear alike."""

    start: date
    end: date
    text: str

    @classmethod
    def parse(cls, text: str) -> Period:
        value = text.strip()
        match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T.*)?", value)
        if not match:
            raise TraceInputError(f"{text!r} is not a date: use YYYY-MM-DD, YYYY-MM or YYYY")
        year, month, day = match.group(1), match.group(2), match.group(3)
        try:
            if day:
                start = end = date(int(year), int(month), int(day))
            elif month:
                start = date(int(year), int(month), 1)
                end = date(int(year) + 1, 1, 1) if int(month) == 12 else date(int(year), int(month) + 1, 1)
                end = date.fromordinal(end.toordinal() - 1)
            else:
                start, end = date(int(year), 1, 1), date(int(year), 12, 31)
        except ValueError:
            raise TraceInputError(f"{text!r} is not a calendar date") from None
        return cls(start, end, value.split("T")[0])


def in_force(issued: Period | None, valid_until: Period | None, on: Period) -> bool:
    """Whether a document may have been in force at some time in `on`.

    Issued no later than the end of `on` (the start of the issue period counts: a strategy adopted
    "2021-06" is in force on 2021-06-15), and valid until no earlier than the start of `on` (the
    end of the validity period counts). A document without an adoption date is never reported as
    in force: the source does not say when it took effect.
    """
    if issued is None:
        return False
    if issued.start > on.end:
        return False
    return valid_until is None or valid_until.end >= on.start


# ---------------------------------------------------------------------------------------- nodes


@dataclass
class NodeInfo:
    """What the trace shows about one resource: a document, part, municipality, framework or concept."""

    iri: str
    role: str
    labels: dict[str, str] = field(default_factory=dict)  # language → text
    title: dict[str, str] = field(default_factory=dict)
    types: set[str] = field(default_factory=set)
    notation: str = ""
    scheme: str = ""
    definition: dict[str, str] = field(default_factory=dict)
    document: str = ""  # parts: their document; documents: themselves
    part_of: str = ""
    publisher: str = ""
    issued: str = ""
    valid_until: str = ""
    source: str = ""
    identifier: str = ""

    def label(self, language: str = "sv") -> str:
        for texts in (self.labels, self.title):
            for lang in (language, "sv", "en", ""):
                if lang in texts:
                    return texts[lang]
        return self.notation or self.iri.rstrip("/").rsplit("/", 1)[-1]

    def type_name(self) -> str:
        """The most specific ikg class's local name (one, chosen stably)."""
        names = sorted(t.rsplit("#", 1)[-1] for t in self.types)
        specific = [n for n in names if n not in ("PolicyDocument", "DocumentPart")]
        return (specific or names or [""])[0]


@dataclass
class Catalogue:
    """Every document, part, municipality, framework and framework concept, by IRI."""

    nodes: dict[str, NodeInfo]
    ikg: str

    def get(self, iri: str) -> NodeInfo:
        return self.nodes.get(iri) or NodeInfo(iri=iri, role="other")

    def document_of(self, iri: str) -> NodeInfo | None:
        node = self.nodes.get(iri)
        if node is None or node.role not in ("document", "part"):
            return None
        return self.nodes.get(node.document) if node.document else None

    def municipality_of(self, iri: str) -> NodeInfo | None:
        document = self.document_of(iri)
        if document is None or not document.publisher:
            return None
        found = self.nodes.get(document.publisher)
        return found if found is not None and found.role == "municipality" else None

    def municipalities(self) -> list[NodeInfo]:
        return sorted((n for n in self.nodes.values() if n.role == "municipality"), key=lambda n: n.label())

    def publishers(self) -> list[NodeInfo]:
        """The municipalities with at least one document in the graph (of the 290 it holds)."""
        published = {n.publisher for n in self.nodes.values() if n.role == "document"}
        return [n for n in self.municipalities() if n.iri in published]

    def concepts(self, framework: str) -> list[NodeInfo]:
        """The concepts of a framework (IRI), in notation order (numbers numerically)."""
        found = [n for n in self.nodes.values() if n.role == "concept" and n.scheme == framework]
        return sorted(found, key=lambda n: _notation_key(n.notation or n.iri))


def _notation_key(text: str) -> tuple[object, ...]:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"[.\-/]", text))


_catalogues: dict[tuple[str, str], Catalogue] = {}
_catalogue_lock = Lock()


def catalogue(store: GraphStore, settings: Settings) -> Catalogue:
    """The node catalogue of the store's build (cached per build: a build's graph never changes)."""
    key = (store.info.build_id, settings.base_iri)
    with _catalogue_lock:
        if key in _catalogues:
            return _catalogues[key]
    nodes: dict[str, NodeInfo] = {}
    roles_rank = {"document": 0, "part": 1, "municipality": 2, "framework": 3, "concept": 4}
    for row in store.select(load_query("trace-nodes", settings.base_iri)):
        iri, role, key_name, value = str(row["node"]), str(row["role"]), str(row["key"]), row.get("value")
        node = nodes.get(iri)
        if node is None or roles_rank[role] < roles_rank[node.role]:
            node = nodes[iri] = NodeInfo(iri=iri, role=role) if node is None else _with_role(node, role)
        if value is None:
            continue
        if node.role != role:  # facts from a lesser role (a document that is also a concept)
            continue
        _set(node, key_name, value)
    for node in nodes.values():
        if node.role == "document":
            node.document = node.iri
    built = Catalogue(nodes=nodes, ikg=settings.ikg)
    with _catalogue_lock:
        if len(_catalogues) > 8:
            _catalogues.clear()
        _catalogues[key] = built
    return built


def _with_role(node: NodeInfo, role: str) -> NodeInfo:
    return NodeInfo(iri=node.iri, role=role)


def _set(node: NodeInfo, key: str, value: Node) -> None:
    text = str(value)
    language = value.language or "" if isinstance(value, Literal) else ""
    if key == "label":
        node.labels.setdefault(language, text)
    elif key == "title":
        node.title.setdefault(language, text)
    elif key == "definition":
        node.definition.setdefault(language, text)
    elif key == "type":
        node.types.add(text)
    elif key == "partOf":
        node.part_of = node.part_of or text
    elif key == "document":
        # a part nested in a part: the document is the one node of the chain that is a document
        node.document = node.document or text
    elif key == "validUntil":
        node.valid_until = text
    elif key in ("notation", "scheme", "publisher", "issued", "source", "identifier"):
        if not getattr(node, key):
            setattr(node, key, text)


# ---------------------------------------------------------------------------------------- paths


@dataclass(frozen=True)
class Step:
    """One step of a path. For `cites`: the citation, its kind, quote and source text; for
    `alignsWith`: the alignment (in `citation`), kind "thematic", its quote and source text."""

    source_node: str  # "from" (a keyword in Python)
    relation: str  # cites | isPartOf | implements
    to: str
    citation: str = ""
    kind: str = ""
    quote: str = ""
    quote_language: str = ""
    source: str = ""


@dataclass(frozen=True)
class TracePath:
    origin: str
    target: str
    steps: tuple[Step, ...]

    @property
    def direct(self) -> bool:
        return len(self.steps) == 1

    @property
    def kind(self) -> str:
        """The weakest kind among the evidence steps ('' when a citation has no kind); "thematic"
        whenever a step is an alignment."""
        kinds = [s.kind for s in self.steps if s.relation in EVIDENCE_RELATIONS]
        if not kinds or any(k not in STRENGTH for k in kinds):
            return ""
        return min(kinds, key=lambda k: STRENGTH[k])

    @property
    def is_alignment(self) -> bool:
        """Whether some step is a thematic alignment (ikg:alignsWith): then the path is no citation."""
        return any(s.relation == "alignsWith" for s in self.steps)

    @property
    def link(self) -> tuple[str, ...]:
        """The chain of citations and alignments behind the path: what the matrix counts once."""
        return tuple(
            s.citation or f"{s.source_node} {s.to}" for s in self.steps if s.relation in EVIDENCE_RELATIONS
        )


Edges = dict[str, list[Step]]


def _kind_name(iri: str, ikg: str) -> str:
    local = iri[len(ikg) :] if iri.startswith(ikg) else iri
    for name, cls in KIND_CLASSES.items():
        if local == cls:
            return name
    return ""


def _edges(rows: Iterable[dict[str, Node]], ikg: str) -> Edges:
    by_from: dict[str, dict[tuple[str, str], Step]] = defaultdict(dict)
    for row in rows:
        quote = row.get("quote")
        relation = str(row["relation"])
        step = Step(
            source_node=str(row["from"]),
            relation=relation,
            to=str(row["to"]),
            citation=str(row.get("citation", "")),
            kind="thematic" if relation == "alignsWith" else _kind_name(str(row.get("kind", "")), ikg),
            quote=str(quote) if quote is not None else "",
            quote_language=(quote.language or "") if isinstance(quote, Literal) else "",
            source=str(row.get("source", "")),
        )
        key = (step.relation, step.to)
        known = by_from[step.source_node].get(key)
        # Exactly one citation per cites (the build checks it); keep one stably if not.
        if known is None or (step.citation, step.quote) < (known.citation, known.quote):
            by_from[step.source_node][key] = step
    return {node: sorted(steps.values(), key=lambda s: (s.relation, s.to)) for node, steps in by_from.items()}


def _walk(edges: Edges, origin: str, stop: set[str] | None, limit: int) -> Iterable[tuple[Step, ...]]:
    """Every cycle-free walk from origin along the edges; yields each walk that ends with a cites or
    alignsWith step.

    With `stop` given, only walks ending with a citation of a node in `stop` are yielded and a walk
    never continues past such a node (trace to one target). Without it, every cites step ends a
    yielded walk and the walk goes on (the reverse question: everything drawn on).
    """
    count = 0
    stack: list[tuple[str, tuple[Step, ...], frozenset[str]]] = [(origin, (), frozenset([origin]))]
    while stack:
        node, steps, seen = stack.pop()
        for step in reversed(edges.get(node, [])):
            if step.to in seen:
                continue
            walked = steps + (step,)
            if step.relation in EVIDENCE_RELATIONS and (stop is None or step.to in stop):
                count += 1
                if count > limit:
                    raise TraceInputError(f"more than {limit} paths: narrow the question with filters")
                yield walked
            if stop is not None and step.to in stop:
                continue
            stack.append((step.to, walked, seen | {step.to}))


# ---------------------------------------------------------------------------------------- filters


@dataclass(frozen=True)
class TraceFilters:
    """The filters of a trace question. None / empty means no filter."""

    municipality: str | None = None  # IRI of the municipality
    kinds: tuple[str, ...] = ()
    document_type: str | None = None  # local name of an ikg document class
    in_force_on: Period | None = None
    direct: bool = False

    def describe(self) -> dict[str, object]:
        return {
            "municipality": self.municipality,
            "kind": list(self.kinds),
            "documentType": self.document_type,
            "inForceOn": self.in_force_on.text if self.in_force_on else None,
            "direct": self.direct,
        }


def make_filters(
    settings: Settings,
    *,
    municipality: str | None = None,
    kinds: Sequence[str] | None = None,
    document_type: str | None = None,
    in_force_on: str | None = None,
    direct: bool = False,
) -> TraceFilters:
    """Check and normalise filters as a user gives them (kommunkod or IRI, kind names, dates)."""
    mun_iri = municipality_iri(settings, municipality) if municipality else None
    chosen: list[str] = []
    for kind in kinds or ():
        for part in kind.split(","):
            name = part.strip().lower()
            if not name:
                continue
            if name not in KINDS:
                raise TraceInputError(f"unknown citation kind {part!r}: use one of {', '.join(KINDS)}")
            chosen.append(name)
    doc_type = None
    if document_type:
        wanted = document_type.rsplit("#", 1)[-1].strip().lower()
        matches = [t for t in DOCUMENT_TYPES if t.lower() == wanted]
        if not matches:
            raise TraceInputError(
                f"unknown document type {document_type!r}: use one of {', '.join(DOCUMENT_TYPES)}"
            )
        doc_type = matches[0]
    period = Period.parse(in_force_on) if in_force_on else None
    return TraceFilters(
        municipality=mun_iri,
        kinds=tuple(dict.fromkeys(chosen)),
        document_type=doc_type,
        in_force_on=period,
        direct=direct,
    )


def municipality_iri(settings: Settings, value: str) -> str:
    value = value.strip()
    if KOMMUNKOD.fullmatch(value):
        return f"{settings.base_iri}id/municipality/{value}"
    if value.startswith(settings.base_iri + "id/municipality/") and KOMMUNKOD.fullmatch(
        value.rsplit("/", 1)[-1]
    ):
        return value
    raise TraceInputError(f"{value!r} is not a municipality: give its four-digit kommunkod or its IRI")


def _passes(path: TracePath, cat: Catalogue, filters: TraceFilters) -> bool:
    if filters.direct and not path.direct:
        return False
    if filters.kinds and path.kind not in filters.kinds:
        return False
    if filters.municipality or filters.document_type or filters.in_force_on:
        document = cat.document_of(path.origin)
        if document is None:
            return False
        if filters.municipality and document.publisher != filters.municipality:
            return False
        if filters.document_type and filters.document_type not in {
            t.rsplit("#", 1)[-1] for t in document.types
        }:
            return False
        if filters.in_force_on:
            issued = _period(document.issued)
            until = _period(document.valid_until)
            if not in_force(issued, until, filters.in_force_on):
                return False
    return True


def _period(text: str) -> Period | None:
    if not text:
        return None
    try:
        return Period.parse(text)
    except TraceInputError:
        return None


# ---------------------------------------------------------------------------------------- answers


@dataclass
class TraceAnswer:
    target: NodeInfo
    filters: TraceFilters
    paths: list[TracePath]
    catalogue: Catalogue

    def links(self) -> dict[tuple[str, ...], TracePath]:
        """One path per distinct link (citation chain): the shortest, then the first in order."""
        chosen: dict[tuple[str, ...], TracePath] = {}
        for path in self.paths:
            known = chosen.get(path.link)
            if known is None or len(path.steps) < len(known.steps):
                chosen[path.link] = path
        return chosen


def resolve_target(
    store: GraphStore,
    settings: Settings,
    target: str | None = None,
    framework: str | None = None,
    notation: str | None = None,
) -> str:
    """The IRI of what to trace: an IRI under the base, or a framework slug and a notation (or slug)."""
    cat = catalogue(store, settings)
    if target:
        value = target.strip()
        if not value.startswith(("http://", "https://")):
            # "eu-cbp-2004/1" or a bare notation with the framework given separately
            if "/" in value and framework is None:
                framework, notation = value.split("/", 1)
            else:
                notation = value
        else:
            if value not in cat.nodes:
                raise TraceInputError(f"{value} is not a principle, goal, framework or document in the graph")
            return value
    if not framework or not notation:
        raise TraceInputError("say what to trace: target=IRI, or framework= and notation=")
    if not SLUG.fullmatch(framework):
        raise TraceInputError(f"{framework!r} is not a framework slug (such as eu-cbp-2004)")
    scheme = f"{settings.base_iri}id/framework/{framework}"
    if scheme not in cat.nodes or cat.nodes[scheme].role != "framework":
        raise TraceInputError(f"there is no framework {framework!r} in the graph")
    wanted = notation.strip()
    for node in cat.concepts(scheme):
        if node.notation == wanted or node.iri == f"{scheme}/{wanted}":
            return node.iri
    raise TraceInputError(f"framework {framework!r} has no principle or goal {wanted!r}")


def trace(
    store: GraphStore, settings: Settings, target: str, filters: TraceFilters | None = None
) -> TraceAnswer:
    """Every path from a document, part or framework concept to the target, filtered."""
    filters = filters or TraceFilters()
    cat = catalogue(store, settings)
    rows = store.select(load_query("trace-edges-to", settings.base_iri), {"target": URIRef(target)})
    edges = _edges(rows, settings.ikg)
    origins = sorted(n for n in edges if cat.get(n).role in ("document", "part", "concept"))
    paths: list[TracePath] = []
    limit = settings.max_results
    for origin in origins:
        for steps in _walk(edges, origin, {target}, limit):
            path = TracePath(origin=origin, target=target, steps=steps)
            if _passes(path, cat, filters):
                paths.append(path)
                if len(paths) > limit:
                    raise TraceInputError(f"more than {limit} paths: narrow the question with filters")
    paths.sort(key=lambda p: _path_order(p, cat))
    return TraceAnswer(target=cat.get(target), filters=filters, paths=paths, catalogue=cat)


def _path_order(path: TracePath, cat: Catalogue) -> tuple[object, ...]:
    municipality = cat.municipality_of(path.origin)
    document = cat.document_of(path.origin)
    return (
        municipality is None,
        municipality.identifier if municipality else "",
        document.iri if document else "",
        path.origin,
        len(path.steps),
        [(s.relation, s.to) for s in path.steps],
    )


# ---------------------------------------------------------------------------------------- matrix


@dataclass
class Cell:
    counts: Counter[str]
    paths: list[TracePath]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def citations(self) -> int:
        """Links that are citations (explicit or paraphrase): never the alignments."""
        return sum(self.counts.get(k, 0) for k in CITATION_KINDS)

    @property
    def alignments(self) -> int:
        """Links that are thematic alignments, counted apart from the citations."""
        return self.counts.get("thematic", 0)

    @property
    def strongest(self) -> str:
        present = [k for k in KINDS if self.counts.get(k)]
        return present[0] if present else ""


@dataclass
class Matrix:
    rows: list[NodeInfo]  # municipalities
    columns: list[NodeInfo]  # principles and goals
    cells: dict[tuple[str, str], Cell]  # (municipality IRI, concept IRI) → cell
    filters: TraceFilters
    catalogue: Catalogue

    def cell(self, municipality: str, concept: str) -> Cell:
        return self.cells.get((municipality, concept)) or Cell(Counter(), [])


def matrix(
    store: GraphStore,
    settings: Settings,
    frameworks: Sequence[str] = DEFAULT_MATRIX_FRAMEWORKS,
    filters: TraceFilters | None = None,
) -> Matrix:
    """Municipalities × the concepts of the frameworks: links counted by kind in each cell."""
    filters = filters or TraceFilters()
    cat = catalogue(store, settings)
    columns: list[NodeInfo] = []
    for slug in frameworks:
        if not SLUG.fullmatch(slug) or f"{settings.base_iri}id/framework/{slug}" not in cat.nodes:
            raise TraceInputError(f"there is no framework {slug!r} in the graph")
        columns += cat.concepts(f"{settings.base_iri}id/framework/{slug}")
    # Rows: the municipalities with documents (the map shows all 290); one asked for by name always.
    rows = cat.municipalities() if filters.municipality else cat.publishers()
    if filters.municipality:
        rows = [r for r in rows if r.iri == filters.municipality]
    cells: dict[tuple[str, str], Cell] = {}
    for column in columns:
        answer = trace(store, settings, column.iri, filters)
        for path in answer.links().values():
            municipality = cat.municipality_of(path.origin)
            if municipality is None:
                continue
            cell = cells.setdefault((municipality.iri, column.iri), Cell(Counter(), []))
            cell.counts[path.kind or "unknown"] += 1
            cell.paths.append(path)
    return Matrix(rows=rows, columns=columns, cells=cells, filters=filters, catalogue=cat)


# ---------------------------------------------------------------------------------------- reverse


@dataclass
class DrawnOn:
    subject: NodeInfo
    filters: TraceFilters
    paths: dict[str, list[TracePath]]  # target IRI → paths
    never_mentioned: list[NodeInfo]
    framework: NodeInfo
    catalogue: Catalogue
    # Concepts nothing traces to, where "never mentioned" cannot be concluded: some document was read
    # only in part (an excerpt), or no document's whole text was read. `partly_read` names the excerpts.
    not_concluded: list[NodeInfo] = field(default_factory=list)
    partly_read: list[str] = field(default_factory=list)


def drawn_on(
    store: GraphStore,
    settings: Settings,
    subject: str,
    filters: TraceFilters | None = None,
    never_framework: str = DEFAULT_NEVER_FRAMEWORK,
) -> DrawnOn:
    """Which principles, goals and frameworks a municipality or document draws on, by which paths;
    and which concepts of `never_framework` nothing of it traces to: `never_mentioned` when the whole
    text of every document was read, else `not_concluded` (with the documents read only in part)."""
    filters = filters or TraceFilters()
    cat = catalogue(store, settings)
    subject = subject.strip()
    if KOMMUNKOD.fullmatch(subject):
        subject = municipality_iri(settings, subject)
    node = cat.nodes.get(subject)
    if node is None or node.role not in ("municipality", "document"):
        raise TraceInputError(
            f"{subject!r} is neither a municipality (kommunkod or IRI) nor a policy document"
        )
    if not SLUG.fullmatch(never_framework):
        raise TraceInputError(f"{never_framework!r} is not a framework slug")
    framework_iri = f"{settings.base_iri}id/framework/{never_framework}"
    if framework_iri not in cat.nodes:
        raise TraceInputError(f"there is no framework {never_framework!r} in the graph")
    rows = store.select(load_query("trace-edges-from", settings.base_iri), {"subject": URIRef(subject)})
    edges = _edges(rows, settings.ikg)
    if node.role == "municipality":
        documents = {n.iri for n in cat.nodes.values() if n.role == "document" and n.publisher == subject}
    else:
        documents = {subject}
    origins = sorted(
        n.iri for n in cat.nodes.values() if n.role in ("document", "part") and n.document in documents
    )
    found: dict[str, list[TracePath]] = defaultdict(list)
    for origin in origins:
        for steps in _walk(edges, origin, None, settings.max_results):
            target = steps[-1].to
            if cat.get(target).role not in ("concept", "framework"):
                continue
            path = TracePath(origin=origin, target=target, steps=steps)
            if _passes(path, cat, filters):
                found[target].append(path)
    for paths in found.values():
        paths.sort(key=lambda p: _path_order(p, cat))
    ordered = dict(
        sorted(
            found.items(),
            key=lambda item: (
                cat.get(item[0]).scheme or item[0],
                _notation_key(cat.get(item[0]).notation or item[0]),
            ),
        )
    )
    absent = [c for c in cat.concepts(framework_iri) if c.iri not in found]
    # "Never mentioned" only where every document's whole text was read (never from an excerpt).
    partly_read, any_whole = unconcluded_documents(store, settings, documents)
    concluded = any_whole and not partly_read
    return DrawnOn(
        subject=node,
        filters=filters,
        paths=ordered,
        never_mentioned=absent if concluded else [],
        framework=cat.get(framework_iri),
        catalogue=cat,
        not_concluded=[] if concluded else absent,
        partly_read=partly_read,
    )


# ---------------------------------------------------------------------------------------- tables

TRACE_CSV_HEADER: tuple[str, ...] = (
    "path",
    "path_kind",
    "path_length",
    "direct",
    "link",
    "origin",
    "origin_label",
    "origin_type",
    "document",
    "document_title",
    "document_type",
    "issued",
    "valid_until",
    "municipality",
    "kommunkod",
    "municipality_label",
    "target",
    "target_label",
    "step",
    "from",
    "from_label",
    "relation",
    "to",
    "to_label",
    "citation",
    "citation_kind",
    "quote",
    "quote_language",
    "source",
    "evidence",
)
"""The trace CSV: one row per step of each path. Stable: columns are only ever added at the end.
"evidence" is "alignment" for a path with a thematic alignment (ikg:alignsWith) and "citation"
otherwise."""

MATRIX_CSV_HEADER: tuple[str, ...] = (
    "municipality",
    "kommunkod",
    "municipality_label",
    "target",
    "framework",
    "notation",
    "target_label",
    "explicit",
    "paraphrase",
    "thematic",
    "links",
    "citations",
    "alignments",
)
"""The matrix CSV: one row per cell (every municipality with a document × every principle or goal, zeros
included). "explicit" and "paraphrase" count citations, "thematic" counts alignments; "links" is all
three, "citations" the first two only and "alignments" the third (added at the end, so older readers
of the columns before them are unaffected)."""


def path_records(paths: Sequence[TracePath], cat: Catalogue) -> list[dict[str, str]]:
    """The trace CSV rows (TRACE_CSV_HEADER) of these paths, numbered from 1."""
    out: list[dict[str, str]] = []
    for number, path in enumerate(paths, start=1):
        origin = cat.get(path.origin)
        document = cat.document_of(path.origin)
        municipality = cat.municipality_of(path.origin)
        for index, step in enumerate(path.steps, start=1):
            out.append(
                {
                    "path": str(number),
                    "path_kind": path.kind,
                    "path_length": str(len(path.steps)),
                    "direct": "true" if path.direct else "false",
                    "link": " ".join(path.link),
                    "origin": path.origin,
                    "origin_label": origin.label(),
                    "origin_type": origin.type_name(),
                    "document": document.iri if document else "",
                    "document_title": document.label() if document else "",
                    "document_type": document.type_name() if document else "",
                    "issued": document.issued if document else "",
                    "valid_until": document.valid_until if document else "",
                    "municipality": municipality.iri if municipality else "",
                    "kommunkod": municipality.identifier if municipality else "",
                    "municipality_label": municipality.label() if municipality else "",
                    "target": path.target,
                    "target_label": cat.get(path.target).label(),
                    "step": str(index),
                    "from": step.source_node,
                    "from_label": cat.get(step.source_node).label(),
                    "relation": step.relation,
                    "to": step.to,
                    "to_label": cat.get(step.to).label(),
                    "citation": step.citation,
                    "citation_kind": step.kind,
                    "quote": step.quote,
                    "quote_language": step.quote_language,
                    "source": step.source,
                    "evidence": "alignment" if path.is_alignment else "citation",
                }
            )
    return out


def matrix_records(m: Matrix) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for row in m.rows:
        for column in m.columns:
            cell = m.cell(row.iri, column.iri)
            out.append(
                {
                    "municipality": row.iri,
                    "kommunkod": row.identifier,
                    "municipality_label": row.label(),
                    "target": column.iri,
                    "framework": column.scheme.rstrip("/").rsplit("/", 1)[-1],
                    "notation": column.notation,
                    "target_label": column.label(),
                    "explicit": str(cell.counts.get("explicit", 0)),
                    "paraphrase": str(cell.counts.get("paraphrase", 0)),
                    "thematic": str(cell.counts.get("thematic", 0)),
                    "links": str(cell.total),
                    "citations": str(cell.citations),
                    "alignments": str(cell.alignments),
                }
            )
    return out


def path_dict(path: TracePath, cat: Catalogue) -> dict[str, object]:
    """One path as plain JSON (the command line's --format json; the API's JSON-LD has the same facts)."""
    document = cat.document_of(path.origin)
    municipality = cat.municipality_of(path.origin)
    return {
        "origin": path.origin,
        "originLabel": cat.get(path.origin).label(),
        "target": path.target,
        "document": document.iri if document else None,
        "municipality": municipality.iri if municipality else None,
        "kommunkod": municipality.identifier if municipality else None,
        "kind": path.kind,
        "evidence": "alignment" if path.is_alignment else "citation",
        "direct": path.direct,
        "link": list(path.link),
        "steps": [
            {
                "from": s.source_node,
                "relation": s.relation,
                "to": s.to,
                "citation": s.citation or None,
                "citationKind": s.kind or None,
                "quote": s.quote or None,
                "quoteLanguage": s.quote_language or None,
                "source": s.source or None,
            }
            for s in path.steps
        ],
    }
