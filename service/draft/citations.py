"""Suggested citations of principles and goals, each with a verbatim quote and a confidence.

Three recognisers, strongest first:

- explicit: the text names a framework (the names in lexicon/frameworks.toml and the frameworks'
  own labels). The target is the framework, or one of its concepts when the text picks one out:
  by number ("grundprincip 1", "delmål 10.2"), by ordinal right after the name ("… principer …
  den första av dessa"), or by quoting or restating that concept's wording in the same sentence.
- paraphrase: a sentence or list item restates a concept's official wording (skos:definition)
  without naming it: a high weighted overlap of stems (compounds split) with the wording, with
  rare words weighing more than common ones (weights from the wordings themselves).
- thematic alignment: a weaker overlap on the wording's distinctive words, or a generic name
  ("mänskliga rättigheter") that names the subject but not the instrument.

When several versions of a national goal fit the wording equally well, the one in force at the
document's date wins (ikg:inForceFrom, else the year of its notation; dcterms:replaces orders
versions without a date).
"""

from __future__ import annotations

import math
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from .metadata import DateValue, find_date
from .structure import Part, Structure
from .text import LEXICON_DIR, WORD, Block, Compounds, fold, lexicon, sentences, stem, stopwords

IKG = Namespace("https://w3id.org/integration-kg/ontology#")

EXPLICIT, PARAPHRASE, THEMATIC = "ExplicitCitation", "Paraphrase", "ThematicAlignment"

# thresholds on the weighted overlap score (0..1), see _similarity
PARAPHRASE_MIN = 0.62
THEMATIC_MIN = 0.40
MIN_SHARED = 3  # content stems a paraphrase must share with the wording
MIN_SHARED_THEMATIC = 2
MIN_RUN = 3  # consecutive content words restating the wording make a paraphrase even at a lower overlap


@dataclass
class Concept:
    iri: str
    scheme: str
    notation: str
    cls: str
    label_sv: str
    definitions: list[str]
    start: str | None  # ISO date the version came into force, when known
    replaces: set[str] = field(default_factory=set)


# Swedish endings after a name's last word: definite, plural and genitive forms
# ("grundprinciper" → "grundprinciperna", "barnkonvention" → "barnkonventionens", "mål" → "målen")
INFLECTION = r"(?:e?n|e?t|na|a|er|ar|or|erna|arna|orna|ernas|arnas|ornas|ens|ets|nas|s)?\b"


class Name(NamedTuple):
    """A pattern naming a framework; `unless` (when set) is a pattern that, found in the same
    sentence, means the text names another instrument ("etableringslagen (2017:584)")."""

    pattern: re.Pattern[str]
    iri: str
    kind: str
    unless: re.Pattern[str] | None = None


@dataclass
class Catalogue:
    """The frameworks graph, read once: frameworks, their names, concepts and wordings."""

    frameworks: dict[str, str]  # IRI → Swedish label
    names: list[Name]  # pattern, framework IRI, kind
    numbered: dict[str, re.Pattern[str]]  # framework IRI → pattern picking a concept by number
    concepts: dict[str, Concept]
    weights: dict[str, float]
    by_scheme: dict[str, list[Concept]]
    triad_goals: set[str] = field(default_factory=set)  # goals worded as rights, obligations, opportunities


@dataclass
class Suggestion:
    citing: Part | None  # None: the document itself
    target: str
    kind: str
    confidence: float
    quote: str
    start: int
    end: int
    reason: str
    unit: tuple[int, int] = (0, 0)  # the sentence or item the suggestion comes from


def _lang(graph: Graph, subject: URIRef, predicate: URIRef, lang: str) -> list[str]:
    return [
        str(o) for o in graph.objects(subject, predicate) if isinstance(o, Literal) and o.language == lang
    ]


def load_catalogue(graph: Graph, base: str = "https://w3id.org/integration-kg/") -> Catalogue:
    fw_base = base + "id/framework/"
    frameworks: dict[str, str] = {}
    for subject in set(graph.subjects(RDF.type, IKG.Framework)) | set(graph.objects(None, SKOS.inScheme)):
        if isinstance(subject, URIRef):
            labels = _lang(graph, subject, SKOS.prefLabel, "sv") or [str(subject)]
            frameworks[str(subject)] = labels[0]
    with (LEXICON_DIR / "frameworks.toml").open("rb") as handle:
        names_lexicon: dict[str, Any] = tomllib.load(handle)
    for entry in names_lexicon.get("framework", []):
        # a framework of the shared vocabulary that data/frameworks/ may not hold yet
        frameworks.setdefault(fw_base + entry["target"], entry["label"])
    names: list[Name] = []
    for entry in names_lexicon["name"]:
        iri = fw_base + entry["target"]
        if iri not in frameworks:
            continue
        unless = re.compile(entry["unless"], re.IGNORECASE) if "unless" in entry else None
        for pattern in entry["patterns"]:
            names.append(
                Name(re.compile(r"\b" + pattern + INFLECTION, re.IGNORECASE), iri, entry["kind"], unless)
            )
    labels_of: dict[str, set[str]] = {
        iri: {
            fold(label)
            for label in _lang(graph, URIRef(iri), SKOS.prefLabel, "sv")
            + _lang(graph, URIRef(iri), SKOS.altLabel, "sv")
            + _lang(graph, URIRef(iri), SKOS.prefLabel, "en")
        }
        for iri in frameworks
    }
    owners = Counter(label.lower() for names_of_one in labels_of.values() for label in names_of_one)
    for iri, names_of_one in labels_of.items():
        for label in sorted(names_of_one):
            # a name two frameworks share ("Etableringslagen" for the 2010 and the 2017 act) names
            # neither for sure: the lexicon's patterns decide it
            if len(label) >= 12 and owners[label.lower()] == 1:
                names.append(
                    Name(re.compile(r"\b" + re.escape(label) + INFLECTION, re.IGNORECASE), iri, "explicit")
                )
    numbered = {
        fw_base + slug: re.compile(pattern, re.IGNORECASE)
        for slug, pattern in names_lexicon.get("numbered", {}).items()
    }
    concepts: dict[str, Concept] = {}
    for concept, scheme in graph.subject_objects(SKOS.inScheme):
        if not isinstance(concept, URIRef):
            continue
        iri = str(concept)
        notation = next((str(n) for n in graph.objects(concept, SKOS.notation)), iri.rsplit("/", 1)[-1])
        cls = next((str(c).rsplit("#", 1)[-1] for c in graph.objects(concept, RDF.type)), "Concept")
        start_literal = next(iter(graph.objects(concept, IKG.inForceFrom)), None) or next(
            iter(graph.objects(concept, DCTERMS.issued)), None
        )
        start = DateValue(str(start_literal), "date").sort_key() if start_literal is not None else None
        if start is None:
            year = re.match(r"^((?:19|20)\d\d)(?:-|$)", notation)
            start = f"{year.group(1)}-01-01" if year else None
        elif len(str(start_literal)) == 4:
            start = f"{start_literal}-01-01"
        elif len(str(start_literal)) == 7:
            start = f"{start_literal}-01"
        definitions = [
            d.replace("[…]", "").replace("[...]", "").strip()
            for d in _lang(graph, concept, SKOS.definition, "sv")
        ]
        concepts[iri] = Concept(
            iri,
            str(scheme),
            notation,
            cls,
            (_lang(graph, concept, SKOS.prefLabel, "sv") or [notation])[0],
            definitions,
            start,
            {str(r) for r in graph.objects(concept, DCTERMS.replaces)},
        )
    # stem weights: rarer among the wordings → weighs more (inverse document frequency)
    documents = [set(_stems(d)) for c in concepts.values() for d in c.definitions]
    df = Counter(s for doc in documents for s in doc)
    n = max(len(documents), 1)
    weights = {s: 1.0 + math.log(n / count) for s, count in df.items()}
    by_scheme: dict[str, list[Concept]] = {}
    for known in concepts.values():
        by_scheme.setdefault(known.scheme, []).append(known)
    triad_goals = {
        iri
        for iri, c in concepts.items()
        if len(_triad(" ".join(c.definitions))) >= 2 and c.cls == "NationalGoal"
    }
    return Catalogue(frameworks, names, numbered, concepts, weights, by_scheme, triad_goals)


def _stems(text: str, compounds: Compounds | None = None) -> list[str]:
    stop = stopwords()
    out: list[str] = []
    for match in WORD.finditer(text):
        token = match.group(0).lower().split(":", 1)[0]
        if token in stop or token.isdigit():
            continue
        out.append(stem(token))
        if compounds is not None:
            parts = compounds.split(token)
            if parts:
                out.extend(stem(p) for p in parts if p not in stop)
    return out


@dataclass
class _Token:
    stems: list[str]
    start: int
    end: int


def _tokens(text: str, start: int, end: int, compounds: Compounds) -> list[_Token]:
    stop = stopwords()
    out: list[_Token] = []
    for match in WORD.finditer(text, start, end):
        token = match.group(0).lower().split(":", 1)[0]
        if token in stop or token.isdigit():
            continue
        stems = [stem(token)]
        parts = compounds.split(token)
        if parts:
            stems.extend(stem(p) for p in parts if p not in stop)
        out.append(_Token(stems, match.start(), match.end()))
    return out


def _similarity(
    unit: list[_Token], definition: list[str], weights: dict[str, float]
) -> tuple[float, int, list[_Token]]:
    """Weighted share of the wording's stems that the unit contains, the number of shared stems,
    and the unit's tokens that matched (for the quote)."""
    wanted = set(definition)
    if not wanted:
        return 0.0, 0, []
    total = sum(weights.get(s, 1.0) for s in wanted)
    found: set[str] = set()
    matched: list[_Token] = []
    for token in unit:
        hit = wanted.intersection(token.stems)
        if hit:
            found |= hit
            matched.append(token)
    score = sum(weights.get(s, 1.0) for s in found) / total
    return score, len(found), matched


def _longest_run(unit: list[_Token], definition: list[str]) -> int:
    """The longest run of consecutive content words of the unit that all occur in the wording
    ("samma rättigheter, skyldigheter och möjligheter" restates a phrase even in another order)."""
    wanted = set(definition)
    best = current = 0
    for token in unit:
        current = current + 1 if wanted.intersection(token.stems) else 0
        best = max(best, current)
    return best


def _segments(definition: str) -> list[str]:
    """The wording, each of its sentences, and each comma-separated clause of at least five
    content words (a list item often restates one clause of a long wording)."""
    out = [definition]
    sentences_ = [p.strip() for p in re.split(r"(?<=[.;])\s+", definition) if len(p.split()) >= 4]
    if len(sentences_) > 1:
        out.extend(sentences_)
    for sentence in sentences_ or [definition]:
        clauses = [c.strip() for c in sentence.split(",")]
        if len(clauses) > 1:
            out.extend(c for c in clauses if len(_stems(c)) >= 5)
    return out


def _in_force(catalogue: Catalogue, scheme: str, on: str | None) -> set[str]:
    """The concepts of a scheme in force on a date: started by then and not replaced by then."""
    concepts = catalogue.by_scheme.get(scheme, [])
    if on is None:
        replaced = {r for c in concepts for r in c.replaces}
        return {c.iri for c in concepts if c.iri not in replaced}
    started = {c.iri for c in concepts if c.start is not None and c.start <= on}
    replaced = {r for c in concepts if c.iri in started for r in c.replaces}
    return started - replaced


@dataclass
class _Unit:
    start: int
    end: int
    block_index: int


def _units(text: str, layout: list[Block]) -> list[_Unit]:
    out: list[_Unit] = []
    for index, block in enumerate(layout):
        if block.kind in ("paragraph", "bullet", "heading"):
            for s, e in sentences(text, block.start, block.end):
                out.append(_Unit(s, e, index))
    return out


def owner_of(structure: Structure, start: int, end: int) -> Part | None:
    """The smallest part whose span holds the span (None: the document)."""
    best: Part | None = None
    for part in structure.all_parts():
        if part.start <= start and end <= part.end + 1:
            if best is None or (part.end - part.start) < (best.end - best.start):
                best = part
    return best


def _quote(text: str, start: int, end: int) -> str:
    return fold(text[start:end]).rstrip()


def suggest(
    text: str,
    layout: list[Block],
    structure: Structure,
    compounds: Compounds,
    catalogue: Catalogue,
    document_date: DateValue | None,
) -> tuple[list[Suggestion], list[str]]:
    """All suggestions, one per (citing node, target): the strongest kind, then the highest confidence."""
    on = document_date.sort_key() if document_date is not None else None
    notes: list[str] = []
    raw: list[Suggestion] = []
    definition_stems = {
        iri: [_stems(segment, compounds) for d in concept.definitions for segment in _segments(d)]
        for iri, concept in catalogue.concepts.items()
    }
    for unit in _units(text, layout):
        first = len(raw)
        sentence = text[unit.start : unit.end]
        owner = owner_of(structure, unit.start, unit.end)
        tokens = _tokens(text, unit.start, unit.end, compounds)
        wording_matches = _wording_matches(tokens, definition_stems, catalogue)
        named = _named(sentence, catalogue)
        named_schemes = {iri for iri, kind, _ in named if kind == "explicit"}
        for iri, kind, match in named:
            if kind == "thematic":
                if any(i == iri for i, k, _ in named if k == "explicit"):
                    continue
                s, e = unit.start + match.start(), unit.start + match.end()
                raw.append(
                    Suggestion(
                        owner,
                        iri,
                        THEMATIC,
                        0.5,
                        _quote(text, s, e),
                        s,
                        e,
                        f"names the subject («{match.group(0)}») but not the instrument",
                    )
                )
                continue
            raw.append(
                Suggestion(
                    owner,
                    iri,
                    EXPLICIT,
                    0.9,
                    _quote(text, unit.start, unit.end),
                    unit.start,
                    unit.end,
                    f"names the framework: «{match.group(0)}»",
                )
            )
            picked = _picked_by_number_or_ordinal(sentence, match, iri, catalogue)
            if picked:
                raw.append(
                    Suggestion(
                        owner,
                        picked,
                        EXPLICIT,
                        0.9,
                        _quote(text, unit.start, unit.end),
                        unit.start,
                        unit.end,
                        f"names {catalogue.concepts[picked].label_sv}",
                    )
                )
        triad = _triad(sentence)
        restated = len(triad) >= 2 and _EQUAL.search(sentence) is not None and not _other_equality(sentence)
        if restated:
            listed = {m[0] for m in wording_matches}
            for goal in catalogue.triad_goals - listed:
                if catalogue.concepts[goal].scheme not in named_schemes:
                    wording_matches.append((goal, THEMATIC_MIN, MIN_SHARED, [], 0))
        for concept_iri, score, shared, matched, run in wording_matches:
            concept = catalogue.concepts[concept_iri]
            s, e = (matched[0].start, matched[-1].end) if matched else (unit.start, unit.end)
            if concept_iri in catalogue.triad_goals and concept.scheme not in named_schemes:
                # a goal worded as rights, obligations and opportunities: restated only by a
                # sentence that names two of them as equal or the same for all ("samma möjligheter
                # och skyldigheter"); equal worth regardless of background alone is a shared aim
                if restated and not ((score >= PARAPHRASE_MIN and shared >= MIN_SHARED) or run >= MIN_RUN):
                    run = MIN_RUN
                elif not restated:
                    if _other_equality(sentence):
                        continue  # gender equality or non-discrimination: not even a shared aim
                    score, run = min(score, PARAPHRASE_MIN - 0.01), 0
            if concept.scheme in named_schemes and score >= THEMATIC_MIN and shared >= MIN_SHARED:
                raw.append(
                    Suggestion(
                        owner,
                        concept_iri,
                        EXPLICIT,
                        round(min(0.95, 0.6 + 0.35 * score), 2),
                        _quote(text, unit.start, unit.end),
                        unit.start,
                        unit.end,
                        f"names {catalogue.frameworks.get(concept.scheme, concept.scheme)} and restates the wording of {concept.label_sv} (overlap {score:.2f})",
                    )
                )
            elif (score >= PARAPHRASE_MIN and shared >= MIN_SHARED) or run >= MIN_RUN:
                raw.append(
                    Suggestion(
                        owner,
                        concept_iri,
                        PARAPHRASE,
                        round(min(0.9, 0.4 + 0.5 * score), 2),
                        _quote(text, s, e),
                        s,
                        e,
                        f"restates the wording of {concept.label_sv} (overlap {score:.2f})",
                    )
                )
            elif score >= THEMATIC_MIN and shared >= MIN_SHARED_THEMATIC:
                raw.append(
                    Suggestion(
                        owner,
                        concept_iri,
                        THEMATIC,
                        round(0.15 + 0.5 * score, 2),
                        _quote(text, s, e),
                        s,
                        e,
                        f"shares distinctive words with {concept.label_sv} (overlap {score:.2f})",
                    )
                )
        for suggestion in raw[first:]:
            suggestion.unit = (unit.start, unit.end)
    return _drop_other_versions(
        _resolve_versions(_best_per_target(raw), catalogue, on, notes), catalogue
    ), notes


_TRIAD = {"rättighet": "rights", "skyldighet": "obligations", "möjlighet": "opportunities"}
_EQUAL = re.compile(r"\b(?:lika|samma|likvärdiga|jämlika)\b", re.IGNORECASE)


# equality framed by sex or by the grounds of discrimination ("oavsett kön, …, sexuell läggning
# och ålder") is gender equality or non-discrimination, not the integration goal, unless the
# sentence also speaks of background, origin or those who came from abroad
_GENDER = re.compile(r"\bkön\b|\bkönsidentitet\w*|\bkönsöverskridande\b|\bjämställd\w*", re.IGNORECASE)
_GROUNDS = {
    "kön": r"\bkön\b",
    "identitet": r"\bkönsidentitet\w*|\bkönsöverskridande\b",
    "etnicitet": r"\betnisk\s+tillhörighet\b",
    "religion": r"\breligion\w*|\btrosuppfattning\w*",
    "funktion": r"\bfunktionsnedsättning\w*|\bfunktionsvariation\w*|\bfunktionshinder\w*",
    "läggning": r"\bsexuell\w*\s+läggning\b",
    "ålder": r"\bålder\b",
}
_INTEGRATION_FRAME = re.compile(
    r"\bbakgrund\w*|\bursprung\w*|\butrikes\s*födda\b|\binvandr\w*|\bnyanländ\w*|\bnyanlända\b|"
    r"\bintegration\w*|\bföd(?:d|da)\s+(?:i\s+)?(?:ett\s+)?annat\s+land",
    re.IGNORECASE,
)


def _other_equality(sentence: str) -> bool:
    """Whether a sentence's equal rights and opportunities are those of gender equality or of
    non-discrimination rather than of integration (see _GENDER)."""
    if _INTEGRATION_FRAME.search(sentence):
        return False
    grounds = sum(1 for pattern in _GROUNDS.values() if re.search(pattern, sentence, re.IGNORECASE))
    return _GENDER.search(sentence) is not None or grounds >= 3


def _triad(sentence: str) -> set[str]:
    """Which of rights, obligations and opportunities a sentence names."""
    lower = fold(sentence).lower()
    return {name for word, name in _TRIAD.items() if word in lower}


def _wording_matches(
    tokens: list[_Token], definition_stems: dict[str, list[list[str]]], catalogue: Catalogue
) -> list[tuple[str, float, int, list[_Token], int]]:
    """Per concept: best overlap score, shared stems, matched tokens, longest restated run."""
    out: list[tuple[str, float, int, list[_Token], int]] = []
    for iri, segments in definition_stems.items():
        best: tuple[float, int, list[_Token]] = (0.0, 0, [])
        run = 0
        for segment in segments:
            result = _similarity(tokens, segment, catalogue.weights)
            if result[0] > best[0]:
                best = result
            run = max(run, _longest_run(tokens, segment))
        if best[0] >= THEMATIC_MIN:
            out.append((iri, *best, run))
    return out


def _named(sentence: str, catalogue: Catalogue) -> list[tuple[str, str, re.Match[str]]]:
    found: dict[tuple[str, str], re.Match[str]] = {}
    for pattern, iri, kind, unless in catalogue.names:
        match = pattern.search(sentence)
        if match and unless is not None and unless.search(sentence):
            continue
        if match and (iri, kind) not in found:
            found[(iri, kind)] = match
    return [(iri, kind, match) for (iri, kind), match in found.items()]


def _picked_by_number_or_ordinal(
    sentence: str, name: re.Match[str], framework: str, catalogue: Catalogue
) -> str | None:
    concepts = {c.notation: c.iri for c in catalogue.by_scheme.get(framework, [])}
    pattern = catalogue.numbered.get(framework)
    if pattern is not None:
        match = pattern.search(sentence)
        if match and match["n"] in concepts:
            return concepts[match["n"]]
    after = sentence[name.end() : name.end() + 80].lower()
    ordinals = lexicon()["ordinals"]
    match = re.search(r"\b(?:den|det|de)\s+(" + "|".join(ordinals) + r")\b", after)
    if match:
        number = str(ordinals[match.group(1)])
        return concepts.get(number)
    return None


_KIND_RANK = {EXPLICIT: 3, PARAPHRASE: 2, THEMATIC: 1}


def _best_per_target(raw: list[Suggestion]) -> list[Suggestion]:
    best: dict[tuple[int, str], Suggestion] = {}
    for suggestion in raw:
        key = (id(suggestion.citing), suggestion.target)
        current = best.get(key)
        if current is None or (_KIND_RANK[suggestion.kind], suggestion.confidence) > (
            _KIND_RANK[current.kind],
            current.confidence,
        ):
            best[key] = suggestion
    return sorted(best.values(), key=lambda s: (s.start, s.target))


def _resolve_versions(
    suggestions: list[Suggestion], catalogue: Catalogue, on: str | None, notes: list[str]
) -> list[Suggestion]:
    """Among versions of one goal suggested for the same span with the same kind, keep those in
    force at the document's date when any is; a version whose wording fits better stays."""
    groups: dict[tuple[int, int, int, str, str], list[Suggestion]] = {}
    for s in suggestions:
        concept = catalogue.concepts.get(s.target)
        if concept is None:
            continue
        groups.setdefault((id(s.citing), s.unit[0], s.unit[1], s.kind, concept.scheme), []).append(s)
    dropped: set[int] = set()
    for (_, _, _, _, scheme), group in groups.items():
        if len(group) < 2:
            continue
        top = max(s.confidence for s in group)
        close = [
            s
            for s in group
            if s.confidence >= top - 0.02
            or any(_same_wording(catalogue, s.target, t.target) for t in group if t.confidence >= top - 0.02)
        ]
        in_force = _in_force(catalogue, scheme, on)
        latest = [
            s for s in close if not any(s.target in catalogue.concepts[t.target].replaces for t in close)
        ]
        preferred = [s for s in close if s.target in in_force] or latest or close
        keep = {id(s) for s in preferred[:1]} if len(preferred) else set()
        for s in group:
            if id(s) not in keep:
                dropped.add(id(s))
        if preferred and len(close) > 1:
            notes.append(
                f"several versions fit «{preferred[0].quote[:60]}»; chose {preferred[0].target.rsplit('/', 1)[-1]} (in force at the document's date or best wording)"
            )
    return [s for s in suggestions if id(s) not in dropped]


def _drop_other_versions(suggestions: list[Suggestion], catalogue: Catalogue) -> list[Suggestion]:
    """A part that cites or restates one version of a goal is not also aligned with another
    version of the same goal (the same wording, or one replacing the other): one goal, one link."""
    strong: dict[tuple[int, str], set[str]] = {}
    for s in suggestions:
        concept = catalogue.concepts.get(s.target)
        if concept is not None and s.kind in (EXPLICIT, PARAPHRASE):
            strong.setdefault((id(s.citing), concept.scheme), set()).add(s.target)

    def other_version(target: str, cited: str) -> bool:
        a, b = catalogue.concepts[target], catalogue.concepts[cited]
        return target != cited and (
            _same_wording(catalogue, target, cited) or target in b.replaces or cited in a.replaces
        )

    out: list[Suggestion] = []
    for s in suggestions:
        concept = catalogue.concepts.get(s.target)
        if (
            s.kind == THEMATIC
            and concept is not None
            and any(other_version(s.target, c) for c in strong.get((id(s.citing), concept.scheme), ()))
        ):
            continue
        out.append(s)
    return out


def _same_wording(catalogue: Catalogue, a: str, b: str) -> bool:
    """Two versions with the same wording, one perhaps a copy cut short ("… etnisk och ku […]")."""
    if a == b:
        return True
    wa = [fold(d).lower() for d in catalogue.concepts[a].definitions]
    wb = [fold(d).lower() for d in catalogue.concepts[b].definitions]
    for x in wa:
        for y in wb:
            shorter, longer = sorted((x, y), key=len)
            cut = shorter.rsplit(" ", 1)[0] if shorter != longer else shorter  # drop a word cut in half
            if len(cut) >= 20 and longer.startswith(cut):
                return True
    return False


def document_date(
    issued: DateValue | None, modified: DateValue | None, reviewed: DateValue | None
) -> DateValue | None:
    """The date that decides which version of a goal was in force: adoption, else revision, else review."""
    return issued or modified or reviewed


__all__ = ["Catalogue", "Suggestion", "load_catalogue", "suggest", "document_date", "find_date", "owner_of"]
