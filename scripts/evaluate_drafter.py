#!/usr/bin/env python3
"""Score the drafter on texts it was not written beside: `python scripts/evaluate_drafter.py [--details]`.

The corpus is eval/drafter/: per text its address and hand-written truth (truth/{id}.toml), and the
split into a development and a frozen test set (split.toml). The texts are other people's words
and are not in the repository: they are read from var/eval-texts/{id}.txt (or --texts); a missing
text is named and left out of the figures. `--seeds` scores the five seed texts against the curated
data instead (service/draft/evaluate.py).

This is a benchmark run on purpose, not a test: the figures depend on the corpus.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rdflib import Graph, Literal, URIRef  # noqa: E402
from rdflib.namespace import DCTERMS, OWL, RDF, SKOS  # noqa: E402

from service.draft import draft_document, read_source_text  # noqa: E402
from service.draft.evaluate import Tally  # noqa: E402
from service.draft.evaluate import main as seeds_main  # noqa: E402
from service.draft.rdf import DEFAULT_BASE  # noqa: E402
from service.draft.text import fold  # noqa: E402

RULES = """\
Matching rules (eval/drafter/README.md says how the truth was written)
  metadata   one item per (field, value): kind (the document's ikg class), title, issued, modified,
             lastReviewed, validUntil, identifier, version, adoptedBy, revisionResponsibility,
             responsibleOffice, responsiblePost (the body's slug), appliesTo; texts folded, without
             case and final punctuation; identifiers also without the difference of space, - and /
  structure  parts of the drafted document at any depth (FocusArea, Goal, Direction, Action, Factor,
             Purpose): right class and label (folded, without case and punctuation; a label that holds
             the other and is at least 0.6 of its length also matches), one to one
  citations  explicit + paraphrase as (framework, kind) per document, a concept counted as its
             framework; a drafted quote that is not verbatim in the text is a false positive.
             Citations of the municipality's own documents are not scored (counted apart)
  thematic   drafted alignments (ikg:alignsWith) against the truth's alignments, reported apart
  totals     micro-averaged: P = matched / drafted, R = matched / truth
"""

IKG_NS = DEFAULT_BASE + "ontology#"
FW = DEFAULT_BASE + "id/framework/"
DOC = DEFAULT_BASE + "id/document/"
PART_CLASSES = {"FocusArea", "Goal", "Direction", "Action", "Factor", "Purpose"}
DOC_CLASSES = {
    "Strategy",
    "Policy",
    "Programme",
    "Plan",
    "Guideline",
    "Rules",
    "InformationPage",
    "PolicyDocument",
}
KINDS = {"ExplicitCitation": "explicit", "Paraphrase": "paraphrase"}
FIELDS = {
    "title": DCTERMS.title,
    "issued": DCTERMS.issued,
    "modified": DCTERMS.modified,
    "lastReviewed": URIRef(IKG_NS + "lastReviewed"),
    "validUntil": URIRef(IKG_NS + "validUntil"),
    "identifier": DCTERMS.identifier,
    "version": OWL.versionInfo,
    "adoptedBy": URIRef(IKG_NS + "adoptedBy"),
    "revisionResponsibility": URIRef(IKG_NS + "revisionResponsibility"),
    "responsibleOffice": URIRef(IKG_NS + "responsibleOffice"),
    "responsiblePost": URIRef(IKG_NS + "responsiblePost"),
    "appliesTo": URIRef(IKG_NS + "appliesTo"),
}
CATEGORIES = ("metadata", "structure", "citations", "thematic")


@dataclass
class DocResult:
    id: str
    tallies: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    misses: list[str] = field(default_factory=list)
    false_positives: list[str] = field(default_factory=list)
    own_documents: int = 0


def norm(value: str) -> str:
    return re.sub(r"[\s.,;:!?()\"”“'’]+", " ", fold(value).lower()).strip()


def norm_identifier(value: str) -> str:
    return re.sub(r"[\s/-]+", "-", fold(value).lower()).strip("-")


def local(iri: object) -> str:
    return str(iri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def framework_of(target: str) -> str | None:
    return target[len(FW) :].split("/", 1)[0] if target.startswith(FW) else None


def labels_match(a: str, b: str) -> bool:
    x, y = norm(a), norm(b)
    if x == y:
        return True
    shorter, longer = sorted((x, y), key=len)
    return bool(shorter) and shorter in longer and len(shorter) >= 0.6 * len(longer)


def drafted_metadata(graph: Graph, document: URIRef) -> set[tuple[str, str]]:
    items: set[tuple[str, str]] = set()
    for cls in graph.objects(document, RDF.type):
        if local(cls) in DOC_CLASSES:
            items.add(("kind", local(cls)))
    for name, predicate in FIELDS.items():
        for value in graph.objects(document, predicate):
            if isinstance(value, Literal) and value.language not in (None, "sv"):
                continue
            if isinstance(value, URIRef):
                items.add((name, local(value)))
            elif name == "identifier":
                items.add((name, norm_identifier(str(value))))
            elif value.datatype is not None:
                items.add((name, str(value)))
            else:
                items.add((name, norm(str(value))))
    return items


def truth_metadata(truth: dict) -> set[tuple[str, str]]:
    items: set[tuple[str, str]] = set()
    for name, value in truth.get("metadata", {}).items():
        value = str(value)
        if name == "kind" or name in (
            "adoptedBy",
            "revisionResponsibility",
            "responsibleOffice",
            "responsiblePost",
        ):
            items.add((name, value))
        elif name == "identifier":
            items.add((name, norm_identifier(value)))
        elif name in ("issued", "modified", "lastReviewed", "validUntil"):
            items.add((name, value))
        else:
            items.add((name, norm(value)))
    return items


def drafted_parts(graph: Graph, document: URIRef) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    frontier, seen = [document], {document}
    while frontier:
        parent = frontier.pop()
        for child in graph.subjects(DCTERMS.isPartOf, parent):
            if child in seen:
                continue
            seen.add(child)
            frontier.append(child)
            classes = {local(c) for c in graph.objects(child, RDF.type)} & PART_CLASSES
            label = next(
                (
                    str(x)
                    for x in graph.objects(child, SKOS.prefLabel)
                    if getattr(x, "language", None) == "sv"
                ),
                "",
            )
            for cls in classes:
                found.append((cls, label))
    return found


def match_parts(drafted: list[tuple[str, str]], truth: list[tuple[str, str]]) -> tuple[int, list, list]:
    unmatched_truth = list(truth)
    false_positives = []
    matched = 0
    for cls, label in drafted:
        hit = next((t for t in unmatched_truth if t[0] == cls and labels_match(t[1], label)), None)
        if hit is None:
            false_positives.append((cls, label))
        else:
            unmatched_truth.remove(hit)
            matched += 1
    return matched, unmatched_truth, false_positives


def evaluate_one(doc_id: str, text: str, truth: dict, frameworks: Graph, municipalities: Graph) -> DocResult:
    result = DocResult(doc_id)
    draft = draft_document(
        text,
        truth["kommunkod"],
        frameworks=frameworks,
        municipalities=municipalities,
        source_name=f"{doc_id}.txt",
    )
    document = URIRef(draft.document)

    def score(category: str, drafted: set, wanted: set, show=str) -> None:
        result.tallies[category].add(drafted, wanted)
        result.misses += [f"{category} missed: {show(x)}" for x in sorted(wanted - drafted)]
        result.false_positives += [f"{category} not in truth: {show(x)}" for x in sorted(drafted - wanted)]

    score(
        "metadata",
        drafted_metadata(draft.graph, document),
        truth_metadata(truth),
        lambda x: f"{x[0]} = {x[1]}",
    )

    parts = drafted_parts(draft.graph, document)
    wanted_parts = [(p["kind"], p["label"]) for p in truth.get("part", [])]
    matched, missed, extra = match_parts(parts, wanted_parts)
    result.tallies["structure"].count(len(parts), len(wanted_parts), matched)
    result.misses += [f"structure missed: {c} «{label[:90]}»" for c, label in missed]
    result.false_positives += [f"structure not in truth: {c} «{label[:90]}»" for c, label in extra]

    folded_text = fold(text)
    cited: set[tuple[str, str]] = set()
    aligned: set[str] = set()
    for suggestion in draft.suggestions:
        framework = framework_of(suggestion.target)
        if framework is None:
            result.own_documents += suggestion.target.startswith(DOC)
            continue
        if suggestion.kind == "ThematicAlignment":
            aligned.add(framework)
        elif fold(suggestion.quote) not in folded_text:
            result.false_positives.append(f"citations: quote not verbatim «{suggestion.quote[:80]}»")
            result.tallies["citations"].count(1, 0, 0)
        else:
            cited.add((framework, KINDS[suggestion.kind]))
    wanted_citations = {(c["target"], c["kind"]) for c in truth.get("citation", [])}
    score("citations", cited, wanted_citations, lambda x: f"{x[0]} ({x[1]})")
    wanted_alignments = {a["target"] for a in truth.get("alignment", [])}
    score("thematic", aligned - {t for t, _ in cited}, wanted_alignments)
    return result


def fmt(value: float | None) -> str:
    # three decimals: 0.897 must not read as a target of 0.9 met
    return "    –" if value is None else f"{value:.3f}"


def report(name: str, results: list[DocResult], details: bool) -> dict[str, Tally]:
    totals: dict[str, Tally] = {c: Tally() for c in CATEGORIES}
    print(f"\n{name} set: {len(results)} texts")
    header = "  " + f"{'text':52}" + "".join(f" {c[:9]:>17}" for c in CATEGORIES)
    print(header)
    print("  " + " " * 52 + "".join(f" {'m/t (of d)':>17}" for _ in CATEGORIES))
    for result in results:
        cells = []
        for category in CATEGORIES:
            t = result.tallies[category]
            totals[category].merge(t)
            cells.append(f" {f'{t.matched}/{t.truth} ({t.drafted})':>17}")
        print(f"  {result.id[:52]:52}" + "".join(cells))
    print(
        f"  {'total (micro-averaged)':52}"
        + "".join(f" {f'P {fmt(totals[c].precision)} R {fmt(totals[c].recall)}':>19}" for c in CATEGORIES)
    )
    if details:
        for result in results:
            if result.misses or result.false_positives or result.own_documents:
                print(f"\n  {result.id}")
                for line in result.misses + result.false_positives:
                    print(f"    {line}")
                if result.own_documents:
                    print(
                        f"    (not scored: {result.own_documents} citation(s) of the municipality's own documents)"
                    )
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "eval" / "drafter")
    parser.add_argument(
        "--texts",
        type=Path,
        action="append",
        help="folder of the texts (default var/eval-texts); may be given more than once",
    )
    parser.add_argument("--set", choices=("dev", "test", "both"), default="both")
    parser.add_argument("--details", action="store_true", help="every miss and every false positive")
    parser.add_argument(
        "--seeds", action="store_true", help="score the five seed texts against data/ instead"
    )
    args = parser.parse_args(argv)
    if args.seeds:
        return seeds_main(["--details"] if args.details else [])
    folders = args.texts or [ROOT / "var" / "eval-texts"]
    split = tomllib.loads((args.corpus / "split.toml").read_text(encoding="utf-8"))
    frameworks, municipalities = Graph(), Graph()
    for path in sorted((ROOT / "data" / "frameworks").glob("*.ttl")):
        frameworks.parse(path)
    for path in sorted((ROOT / "data" / "municipalities").glob("*.ttl")):
        municipalities.parse(path)
    print(RULES)
    print(f"split of {split['date']}: {len(split['dev'])} development, {len(split['test'])} test texts")
    missing: list[str] = []
    for name in ("dev", "test") if args.set == "both" else (args.set,):
        results = []
        for doc_id in split[name]:
            truth = tomllib.loads((args.corpus / "truth" / f"{doc_id}.toml").read_text(encoding="utf-8"))
            path = next((f / f"{doc_id}.txt" for f in folders if (f / f"{doc_id}.txt").is_file()), None)
            if path is None:
                missing.append(f"{doc_id}.txt (read it again at {truth['address']})")
                continue
            results.append(evaluate_one(doc_id, read_source_text(path), truth, frameworks, municipalities))
        report({"dev": "Development", "test": "Frozen test"}[name], results, args.details)
    if missing:
        print(f"\nMISSING TEXTS ({len(missing)}), left out of the figures; put them in {folders[0]}:")
        for line in missing:
            print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
