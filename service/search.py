"""Full-text search: an SQLite FTS5 index built with every build, shipped in the build folder, and queried
read-only by the service and the CLI.

What is indexed: the labels, alternative labels, titles, descriptions and definitions of every resource
under `{base}id/`, and every quote of a citation or alignment, filed under the document or part that
makes it. Each text is analysed here, in Python, before SQLite sees it, because FTS5 has no Swedish
stemmer and Python's sqlite3 cannot register a tokenizer:

- `stems`: every word's Snowball stem (Swedish for Swedish and untagged text, English for English);
- `parts`: the parts of every compound word, split against the index's own vocabulary of stems
  ("språkkunskaper" → "språk", "kunskap"; a linking s is dropped: "arbetsmarknad" → "arbet",
  "marknad").

A query is analysed the same way, each word stemmed in both languages and split into its parts, and
the MATCH expression is built from quoted terms only (so FTS5 syntax in the user's text is never
syntax): a word matches when any of its forms or parts is a prefix of a stem or part in the entry.
"språket" (stem "språk") thus finds "språkkunskaper" by prefix, "kunskaper" finds it by its part, and
"språkkunskaper" finds "svenska språket" by its first part, ranked below entries that hold the whole
word. docs/search.md says why this was chosen over trigram tokens.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import snowballstemmer

from .rdfterms import Term, select, value_of

INDEX_FILE = "search.sqlite"
MAX_QUERY_CHARS = 500
MAX_QUERY_WORDS = 12
MAX_HITS = 5000  # entries read per query before collapsing to resources; far above the graph's size
SNIPPET_CHARS = 240
MIN_PART = 3  # shortest compound part
MIN_PREFIX = 4  # shorter forms match whole tokens only

WORD = re.compile(r"\w+", re.UNICODE)
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
TEXT_FIELDS = {
    SKOS + "prefLabel": "label",
    SKOS + "altLabel": "label",
    DCTERMS + "title": "title",
    SKOS + "definition": "definition",
    DCTERMS + "description": "description",
}
FIELD_WEIGHT = {"label": 1.6, "title": 1.6, "definition": 1.2, "description": 1.0, "quote": 1.0}

# Kinds of resources by their ontology class (first match wins), with Swedish and English names.
KINDS: dict[str, tuple[str, str]] = {
    "document": ("styrdokument", "policy document"),
    "focus-area": ("fokusområde", "focus area"),
    "goal": ("mål", "goal"),
    "action": ("åtgärd", "action"),
    "part": ("dokumentdel", "part of a document"),
    "principle": ("princip", "principle"),
    "national-goal": ("nationellt mål", "national goal"),
    "sdg": ("globalt mål", "sustainable development goal"),
    "sdg-target": ("delmål", "sustainable development target"),
    "concept": ("begrepp", "concept"),
    "framework": ("ramverk", "framework"),
    "municipality": ("kommun", "municipality"),
    "county": ("län", "county"),
    "body": ("organ", "body of a municipality"),
    "other": ("annat", "other"),
}
CLASS_KINDS: list[tuple[str, str]] = [
    ("Strategy", "document"),
    ("Policy", "document"),
    ("Programme", "document"),
    ("Plan", "document"),
    ("Guideline", "document"),
    ("Rules", "document"),
    ("InformationPage", "document"),
    ("PolicyDocument", "document"),
    ("FocusArea", "focus-area"),
    ("Goal", "goal"),
    ("Action", "action"),
    ("DocumentPart", "part"),
    ("Direction", "part"),
    ("Purpose", "part"),
    ("PolicyDirection", "part"),
    ("Principle", "principle"),
    ("NationalGoal", "national-goal"),
    ("SustainableDevelopmentGoal", "sdg"),
    ("SustainableDevelopmentTarget", "sdg-target"),
    ("Framework", "framework"),
    ("Municipality", "municipality"),
    ("County", "county"),
    ("PoliticalBody", "body"),
    ("OrganizationalUnit", "body"),
    ("Office", "body"),
]
DOCUMENT_CLASSES = ("Strategy", "Policy", "Programme", "Plan", "Guideline", "Rules", "InformationPage")
QUOTE_KINDS = {"ExplicitCitation": "explicit", "Paraphrase": "paraphrase", "Alignment": "thematic"}
"""A quote's kind, named as the trace names citation kinds."""
QUOTE_KIND_LABELS = {
    "explicit": ("citat: uttrycklig hänvisning", "quote: explicit citation"),
    "paraphrase": ("citat: omskrivning", "quote: paraphrase"),
    "thematic": ("citat: tematisk samstämmighet", "quote: thematic alignment"),
}

SCHEMA = """
CREATE TABLE entries (
    id INTEGER PRIMARY KEY,
    iri TEXT NOT NULL,
    field TEXT NOT NULL,
    lang TEXT NOT NULL,
    text TEXT NOT NULL,
    kind TEXT NOT NULL,
    label_sv TEXT NOT NULL,
    label_en TEXT NOT NULL,
    document TEXT NOT NULL,
    document_label_sv TEXT NOT NULL,
    document_label_en TEXT NOT NULL,
    document_type TEXT NOT NULL,
    municipality TEXT NOT NULL,
    municipality_code TEXT NOT NULL,
    municipality_label TEXT NOT NULL,
    county TEXT NOT NULL,
    county_label TEXT NOT NULL,
    framework TEXT NOT NULL,
    framework_label_sv TEXT NOT NULL,
    framework_label_en TEXT NOT NULL,
    quote_kind TEXT NOT NULL,
    target TEXT NOT NULL,
    target_label_sv TEXT NOT NULL,
    target_label_en TEXT NOT NULL
);
CREATE VIRTUAL TABLE entry_text USING fts5(stems, parts, tokenize = 'unicode61 remove_diacritics 0');
CREATE TABLE vocabulary (stem TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE info (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"""


class SearchInputError(ValueError):
    """The query or a filter cannot be searched for; the message says why."""


class SearchUnavailable(RuntimeError):
    """The current build has no search index (built before search existed, or not built)."""


# ------------------------------------------------------------------------------------------ analysis


@lru_cache(maxsize=2)
def _stemmer(language: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("swedish" if language == "sv" else "english")


def words(text: str) -> list[re.Match[str]]:
    return list(WORD.finditer(text))


@lru_cache(maxsize=65536)
def stem(word: str, language: str) -> str:
    return _stemmer(language).stemWord(word.lower())


def split_compound(word: str, vocabulary: frozenset[str] | set[str], depth: int = 0) -> list[str]:
    """A compound's parts, each a known stem (the head may be a known stem's prefix, as stems are
    shorter than the words they end); [] when the word is not a compound of known stems."""
    if depth > 3 or len(word) < 2 * MIN_PART:
        return []
    for cut in range(len(word) - MIN_PART, MIN_PART - 1, -1):
        left, right = word[:cut], word[cut:]
        lefts = [left] + ([left[:-1]] if left.endswith("s") and len(left) > MIN_PART else [])
        head = next((candidate for candidate in lefts if candidate in vocabulary), None)
        if head is None:
            continue
        if right in vocabulary or stem(right, "sv") in vocabulary:
            return [head, stem(right, "sv")]
        rest = split_compound(right, vocabulary, depth + 1)
        if rest:
            return [head, *rest]
    return []


def analyse(text: str, language: str, vocabulary: frozenset[str] | set[str]) -> tuple[list[str], list[str]]:
    """The stems and the compound parts of a text (as indexed)."""
    stems, parts = [], []
    for match in words(text):
        word = match.group().lower()
        s = stem(word, "en" if language == "en" else "sv")
        stems.append(s)
        parts.extend(split_compound(s, vocabulary))
    return stems, parts


@dataclass(frozen=True)
class QueryTerm:
    """One word of a query: the forms it may take (stems in both languages) and its compound parts."""

    word: str
    forms: tuple[str, ...]
    parts: tuple[str, ...]

    def expression(self) -> str:
        terms = []
        for form in dict.fromkeys(self.forms + self.parts):
            quoted = '"' + form.replace('"', '""') + '"'
            terms.append(quoted + ("*" if len(form) >= MIN_PREFIX else ""))
        return "(" + " OR ".join(terms) + ")"

    def matches(self, word: str, vocabulary: frozenset[str]) -> bool:
        """Whether a word of a text is one this term found (for highlighting)."""
        lowered = word.lower()
        candidates = {stem(lowered, "sv"), stem(lowered, "en"), lowered}
        candidates.update(split_compound(stem(lowered, "sv"), vocabulary))
        for form in self.forms + self.parts:
            for candidate in candidates:
                if candidate == form or (len(form) >= MIN_PREFIX and candidate.startswith(form)):
                    return True
        return False


def parse_query(q: str, vocabulary: frozenset[str]) -> list[QueryTerm]:
    """The words of a query as terms; SearchInputError when there is nothing to search for or too much."""
    if len(q) > MAX_QUERY_CHARS:
        raise SearchInputError(
            f"the query is {len(q)} characters long; at most {MAX_QUERY_CHARS} are searched"
        )
    found = [m.group().lower() for m in words(q)]
    if not found:
        raise SearchInputError("give a word to search for (letters or digits)")
    if len(found) > MAX_QUERY_WORDS:
        raise SearchInputError(f"the query has {len(found)} words; at most {MAX_QUERY_WORDS} are searched")
    terms = []
    for word in dict.fromkeys(found):
        forms = tuple(dict.fromkeys((stem(word, "sv"), stem(word, "en"))))
        parts = tuple(split_compound(stem(word, "sv"), vocabulary))
        terms.append(QueryTerm(word, forms, parts))
    return terms


# ------------------------------------------------------------------------------------------ building


@dataclass
class _Resource:
    iri: str
    kind: str = "other"
    classes: set[str] = field(default_factory=set)
    labels: dict[str, str] = field(default_factory=dict)
    texts: list[tuple[str, str, str]] = field(default_factory=list)  # (field, language, text)


def _rows(store: ox.Store, query: str, names: Sequence[str]) -> Iterator[tuple[Term | None, ...]]:
    for solution in select(store, query):
        yield tuple(solution[name] for name in names)


def _value(term: Term | None) -> str:
    return value_of(term) or ""


def _language(term: Term | None) -> str:
    return (term.language or "") if isinstance(term, ox.Literal) else ""


def build_index(store: ox.Store, base_iri: str, path: Path) -> int:
    """Write the search index of the graph in `store` (its default graph) to `path`; the entries written."""
    ikg = base_iri + "ontology#"
    resources: dict[str, _Resource] = {}

    def resource(iri: str) -> _Resource:
        if iri not in resources:
            resources[iri] = _Resource(iri)
        return resources[iri]

    values = " ".join(f"<{p}>" for p in TEXT_FIELDS)
    for s, p, o in _rows(
        store,
        f"SELECT ?s ?p ?o WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?o . FILTER(isIRI(?s) && isLiteral(?o)) "
        f'FILTER(STRSTARTS(STR(?s), "{base_iri}id/")) }}',
        ("s", "p", "o"),
    ):
        item = resource(_value(s))
        field_name = TEXT_FIELDS[_value(p)]
        language = _language(o)
        item.texts.append((field_name, language, _value(o)))
        if field_name in ("label", "title") and _value(p) != SKOS + "altLabel":
            item.labels.setdefault(language or "sv", _value(o))
    for s, class_term in _rows(
        store,
        f'SELECT ?s ?c WHERE {{ ?s a ?c . FILTER(STRSTARTS(STR(?s), "{base_iri}id/")) }}',
        ("s", "c"),
    ):
        if _value(s) in resources:
            resources[_value(s)].classes.add(_value(class_term).removeprefix(ikg))
    quotes: list[tuple[str, str, str, str, str]] = []  # (origin, language, quote, kind, target)
    for origin_term, quote, kind_term, target_term, class_term in _rows(
        store,
        f"""SELECT ?origin ?quote ?kind ?target ?class WHERE {{
              {{ ?origin <{ikg}citation> ?e }} UNION {{ ?origin <{ikg}alignment> ?e }}
              ?e <{ikg}quote> ?quote .
              OPTIONAL {{ ?e <{ikg}citationKind> ?kind }}
              OPTIONAL {{ ?e <{ikg}target> ?target }}
              OPTIONAL {{ ?e a ?class }}
              FILTER(isIRI(?origin)) }}""",
        ("origin", "quote", "kind", "target", "class"),
    ):
        kind_name = _value(kind_term).removeprefix(ikg) or _value(class_term).removeprefix(ikg)
        quotes.append(
            (
                _value(origin_term),
                _language(quote),
                _value(quote),
                QUOTE_KINDS.get(kind_name, ""),
                _value(target_term),
            )
        )
    for origin, *_ in quotes:
        resource(origin)
    for item in resources.values():
        for cls, kind in CLASS_KINDS:
            if cls in item.classes:
                item.kind = kind
                break
        else:
            if "http://www.w3.org/2004/02/skos/core#Concept" in item.classes:
                item.kind = "concept"
    county_labels = {
        _value(c): _value(label)
        for c, label in _rows(
            store,
            f"SELECT ?c ?l WHERE {{ ?c a <{ikg}County> ; <{SKOS}prefLabel> ?l }}",
            ("c", "l"),
        )
    }

    def label(iri: str, language: str) -> str:
        item = resources.get(iri)
        if item is None:
            return ""
        return item.labels.get(language) or item.labels.get("sv") or next(iter(item.labels.values()), "")

    # Vocabulary: every stem of the index's texts, the ground compounds are split against.
    vocabulary: set[str] = set()
    all_texts = [(lang, text) for item in resources.values() for _, lang, text in item.texts]
    all_texts += [(lang, text) for _, lang, text, _, _ in quotes]
    for language, text in all_texts:
        for match in words(text):
            word = match.group().lower()
            if len(word) >= MIN_PART and not word.isdigit():
                vocabulary.add(stem(word, "en" if language == "en" else "sv"))
    frozen = frozenset(vocabulary)

    def context(iri: str) -> dict[str, str]:
        rest = iri[len(base_iri) :].split("/")  # id, kind, ...
        found = {
            "document": "",
            "document_type": "",
            "municipality": "",
            "municipality_code": "",
            "framework": "",
        }
        if len(rest) >= 4 and rest[1] == "document":
            found["document"] = base_iri + "/".join(rest[:4])
            found["municipality_code"] = rest[2]
        elif len(rest) >= 3 and rest[1] == "municipality":
            found["municipality_code"] = rest[2]
        elif len(rest) >= 3 and rest[1] == "framework":
            found["framework"] = base_iri + "/".join(rest[:3])
        elif len(rest) >= 3 and rest[1] == "county":
            found["county"] = rest[2]
        if found["document"] in resources:
            classes = resources[found["document"]].classes
            found["document_type"] = next((c for c in DOCUMENT_CLASSES if c in classes), "")
        code = found["municipality_code"]
        if code:
            found["municipality"] = f"{base_iri}id/municipality/{code}"
        county = found.get("county") or (code[:2] if code else "")
        found["county"] = county
        found["county_label"] = county_labels.get(f"{base_iri}id/county/{county}", "") if county else ""
        return found

    rows: list[tuple[object, ...]] = []

    def add(item: _Resource, field_name: str, language: str, text: str, quote_kind: str, target: str) -> None:
        where = context(item.iri)
        rows.append(
            (
                item.iri,
                field_name,
                language,
                text,
                item.kind,
                label(item.iri, "sv"),
                label(item.iri, "en"),
                where["document"],
                label(where["document"], "sv"),
                label(where["document"], "en"),
                where["document_type"],
                where["municipality"],
                where["municipality_code"],
                label(where["municipality"], "sv"),
                where["county"],
                where["county_label"],
                where["framework"],
                label(where["framework"], "sv"),
                label(where["framework"], "en"),
                quote_kind,
                target,
                label(target, "sv"),
                label(target, "en"),
            )
        )

    for item in resources.values():
        for field_name, language, text in dict.fromkeys(item.texts):
            add(item, field_name, language, text, "", "")
    for origin, language, text, quote_kind, target in quotes:
        add(resources[origin], "quote", language, text, quote_kind, target)

    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    try:
        connection.executescript(SCHEMA)
        connection.executemany(
            "INSERT INTO entries (iri, field, lang, text, kind, label_sv, label_en, document, "
            "document_label_sv, document_label_en, document_type, municipality, municipality_code, "
            "municipality_label, county, county_label, framework, framework_label_sv, framework_label_en, "
            "quote_kind, target, target_label_sv, target_label_en) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        analysed = []
        for rowid, language, text in connection.execute("SELECT id, lang, text FROM entries"):
            stems, parts = analyse(text, language, frozen)
            analysed.append((rowid, " ".join(stems), " ".join(parts)))
        connection.executemany("INSERT INTO entry_text (rowid, stems, parts) VALUES (?, ?, ?)", analysed)
        connection.executemany("INSERT INTO vocabulary (stem) VALUES (?)", ((s,) for s in sorted(frozen)))
        connection.execute("INSERT INTO info (key, value) VALUES ('base_iri', ?)", (base_iri,))
        connection.execute("INSERT INTO entry_text (entry_text) VALUES ('optimize')")
        connection.commit()
    finally:
        connection.close()
    return len(rows)


# ------------------------------------------------------------------------------------------ searching


@dataclass(frozen=True)
class SearchFilters:
    municipality: str = ""  # kommunkod
    county: str = ""  # länskod
    kinds: tuple[str, ...] = ()
    document_type: str = ""


def make_filters(
    municipality: str | None = None,
    county: str | None = None,
    kinds: Iterable[str] | None = None,
    document_type: str | None = None,
) -> SearchFilters:
    """Check filters as a user gives them: a kommunkod (or a municipality IRI), a länskod (or a county
    IRI), kind names (resource kinds or the quote kinds explicit, paraphrase, thematic) and a document
    type; SearchInputError naming what is wrong."""
    code = (municipality or "").strip().rstrip("/").rsplit("/", 1)[-1]
    if code and not re.fullmatch(r"\d{4}", code):
        raise SearchInputError(f"{municipality!r} is not a municipality: give its four-digit kommunkod")
    county_code = (county or "").strip().rstrip("/").rsplit("/", 1)[-1]
    if county_code and not re.fullmatch(r"\d{2}", county_code):
        raise SearchInputError(f"{county!r} is not a county: give its two-digit länskod")
    chosen = []
    allowed = list(KINDS) + list(dict.fromkeys(QUOTE_KINDS.values()))
    for kind in kinds or ():
        for part in kind.split(","):
            name = part.strip().lower()
            if not name:
                continue
            if name not in allowed:
                raise SearchInputError(f"unknown kind {part!r}: use one of {', '.join(allowed)}")
            chosen.append(name)
    doc_type = ""
    if document_type:
        wanted = document_type.rsplit("#", 1)[-1].strip().lower()
        matches = [t for t in DOCUMENT_CLASSES if t.lower() == wanted]
        if not matches:
            raise SearchInputError(
                f"unknown document type {document_type!r}: use one of {', '.join(DOCUMENT_CLASSES)}"
            )
        doc_type = matches[0]
    return SearchFilters(code, county_code, tuple(dict.fromkeys(chosen)), doc_type)


@dataclass
class Hit:
    """One resource found: what it is, where it belongs, and the best snippet."""

    iri: str
    kind: str
    label_sv: str
    label_en: str
    score: float
    field: str
    lang: str
    snippet: list[tuple[str, bool]]  # text pieces, True where a query word was found
    document: str
    document_label_sv: str
    document_label_en: str
    document_type: str
    municipality: str
    municipality_code: str
    municipality_label: str
    county: str
    county_label: str
    framework: str
    framework_label_sv: str
    framework_label_en: str
    quote_kind: str
    target: str
    target_label_sv: str
    target_label_en: str

    def label(self, language: str) -> str:
        return (self.label_en if language == "en" else self.label_sv) or self.label_sv or self.label_en

    @property
    def highlighted(self) -> str:
        """The snippet with each found word between ⟦ and ⟧ (for CSV and JSON readers)."""
        return "".join(f"⟦{text}⟧" if found else text for text, found in self.snippet)


@dataclass
class SearchResult:
    query: str
    terms: list[QueryTerm]
    total: int
    page: int
    per_page: int
    hits: list[Hit]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


class SearchIndex:
    """A read-only connection to a build's index (one per call: sqlite3 connections stay in their thread)."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise SearchUnavailable(f"no search index in {path.parent}: run `integration-kg build`")
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True)
        connection.row_factory = sqlite3.Row
        return connection

    @staticmethod
    @lru_cache(maxsize=4)
    def _vocabulary(path: str, mtime: float) -> frozenset[str]:
        connection = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        try:
            return frozenset(row[0] for row in connection.execute("SELECT stem FROM vocabulary"))
        finally:
            connection.close()

    def vocabulary(self) -> frozenset[str]:
        return self._vocabulary(str(self.path), self.path.stat().st_mtime)

    def facets(self) -> dict[str, list[tuple[str, str]]]:
        """The municipalities and counties the index holds documents of, for filter menus: (code, label)."""
        connection = self._connect()
        try:
            municipalities = connection.execute(
                "SELECT DISTINCT municipality_code, municipality_label FROM entries "
                "WHERE municipality_code != '' AND document != '' ORDER BY municipality_label"
            ).fetchall()
            counties = connection.execute(
                "SELECT DISTINCT county, county_label FROM entries WHERE county != '' AND document != '' "
                "ORDER BY county"
            ).fetchall()
        finally:
            connection.close()
        return {
            "municipalities": [(code, label or code) for code, label in dict(municipalities).items()],
            "counties": [(code, label or code) for code, label in dict(counties).items()],
        }

    def search(
        self, q: str, filters: SearchFilters | None = None, page: int = 1, per_page: int = 20
    ) -> SearchResult:
        """Resources whose texts hold every word of `q` (in some form), best first, one page of them."""
        if page < 1 or per_page < 1 or per_page > 200:
            raise SearchInputError("page must be at least 1 and per_page between 1 and 200")
        filters = filters or SearchFilters()
        vocabulary = self.vocabulary()
        terms = parse_query(q, vocabulary)
        expression = " AND ".join(term.expression() for term in terms)
        where, parameters = ["entry_text MATCH ?"], [expression]
        if filters.municipality:
            where.append("e.municipality_code = ?")
            parameters.append(filters.municipality)
        if filters.county:
            where.append("e.county = ?")
            parameters.append(filters.county)
        if filters.document_type:
            where.append("e.document_type = ?")
            parameters.append(filters.document_type)
        resource_kinds = [k for k in filters.kinds if k in KINDS]
        quote_kinds = [k for k in filters.kinds if k not in KINDS]
        if resource_kinds or quote_kinds:
            either = []
            if resource_kinds:
                either.append(f"e.kind IN ({', '.join('?' * len(resource_kinds))})")
                parameters.extend(resource_kinds)
            if quote_kinds:
                either.append(f"e.quote_kind IN ({', '.join('?' * len(quote_kinds))})")
                parameters.extend(quote_kinds)
            where.append("(" + " OR ".join(either) + ")")
        sql = (
            "SELECT e.*, bm25(entry_text, 10.0, 4.0) AS rank FROM entry_text "
            "JOIN entries e ON e.id = entry_text.rowid WHERE " + " AND ".join(where) + f" LIMIT {MAX_HITS}"
        )
        connection = self._connect()
        try:
            rows = connection.execute(sql, parameters).fetchall()
        finally:
            connection.close()
        best: dict[str, tuple[float, sqlite3.Row]] = {}
        for row in rows:
            score = -float(row["rank"]) * FIELD_WEIGHT.get(row["field"], 1.0)
            if row["iri"] not in best or score > best[row["iri"]][0]:
                best[row["iri"]] = (score, row)
        ranked = sorted(best.values(), key=lambda pair: (-pair[0], pair[1]["iri"]))
        chosen = ranked[(page - 1) * per_page : page * per_page]
        hits = [self._hit(row, score, terms, vocabulary) for score, row in chosen]
        return SearchResult(q, terms, len(ranked), page, per_page, hits)

    @staticmethod
    def _hit(row: sqlite3.Row, score: float, terms: list[QueryTerm], vocabulary: frozenset[str]) -> Hit:
        names = [
            "iri", "kind", "label_sv", "label_en", "document", "document_label_sv", "document_label_en",
            "document_type", "municipality", "municipality_code", "municipality_label", "county",
            "county_label", "framework", "framework_label_sv", "framework_label_en", "quote_kind", "target",
            "target_label_sv", "target_label_en",
        ]  # fmt: skip
        return Hit(
            score=round(score, 4),
            field=row["field"],
            lang=row["lang"],
            snippet=snippet(row["text"], terms, vocabulary),
            **{name: row[name] for name in names},
        )


def snippet(text: str, terms: Sequence[QueryTerm], vocabulary: frozenset[str]) -> list[tuple[str, bool]]:
    """The text (cut to about SNIPPET_CHARS around the first word found) in pieces, found words marked."""
    found = [m for m in words(text) if any(term.matches(m.group(), vocabulary) for term in terms)]
    start, end = 0, len(text)
    if len(text) > SNIPPET_CHARS:
        centre = found[0].start() if found else 0
        start = max(0, centre - SNIPPET_CHARS // 3)
        end = min(len(text), start + SNIPPET_CHARS)
        while start > 0 and not text[start - 1].isspace():
            start += 1
        while end < len(text) and not text[end].isspace():
            end -= 1
    pieces: list[tuple[str, bool]] = [("… ", False)] if start > 0 else []
    cursor = start
    for match in found:
        if match.start() < start or match.end() > end:
            continue
        if match.start() > cursor:
            pieces.append((text[cursor : match.start()], False))
        pieces.append((match.group(), True))
        cursor = match.end()
    if cursor < end:
        pieces.append((text[cursor:end], False))
    if end < len(text):
        pieces.append((" …", False))
    return pieces


@dataclass
class DocumentHits:
    """The hits in one document (or in a resource outside any document: `key` empty)."""

    key: str
    heading: str
    hits: list[Hit] = field(default_factory=list)


@dataclass
class HitGroup:
    """The hits under one municipality or framework (`key` empty for the rest), by document."""

    key: str
    heading: str
    documents: dict[str, DocumentHits] = field(default_factory=dict)


def group_hits(hits: Sequence[Hit], language: str) -> list[HitGroup]:
    """Hits grouped by municipality (or framework) and then by document, in the order of their best hit."""
    groups: dict[str, HitGroup] = {}
    other = ("Ramverk och övrigt", "Frameworks and other")
    for hit in hits:
        if hit.municipality:
            key, heading = hit.municipality, hit.municipality_label or hit.municipality_code
        elif hit.framework:
            key = hit.framework
            heading = (
                hit.framework_label_en if language == "en" else hit.framework_label_sv
            ) or hit.framework
        else:
            key, heading = "", other[1] if language == "en" else other[0]
        group = groups.setdefault(key, HitGroup(key, heading))
        doc_key = hit.document or ""
        doc_heading = (
            hit.document_label_en if language == "en" else hit.document_label_sv
        ) or hit.document_label_sv
        group.documents.setdefault(doc_key, DocumentHits(doc_key, doc_heading)).hits.append(hit)
    return list(groups.values())


def index_path(store_path: Path) -> Path:
    return store_path / INDEX_FILE
