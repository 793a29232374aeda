"""Scoring the drafter against the curated data: precision and recall by category.

For each source text data/sources/{kommunkod}-{slug}.txt the drafter runs on the text; its draft
is compared with the curated document of that source (see MATCHING_RULES).
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Hashable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, SKOS

from . import draft_document, read_source_text
from .rdf import DEFAULT_BASE
from .text import fold

MATCHING_RULES = """\
Matching rules
  document   the curated document of a source text is the one with dcterms:source → the source
             whose ikg:textFile is the file; when a source has several (a web page about a strategy
             and the strategy), the one whose IRI is doc:{kommunkod}/{slug of the file name}
  metadata   one item per (field, value) of the document: kind (its ikg class), title, issued,
             modified, last reviewed, valid until, diarienummer, version, adopted by, revision
             responsibility, responsible office, responsible post, applies to. Dates must agree in
             value and datatype; bodies by IRI; texts folded and compared without case
  structure  parts that are dcterms:isPartOf the document (at any depth), matched by their
             skos:prefLabel@sv folded, without case and final punctuation ("label"); "label+class"
             also needs the same class
  citations  the citations derived from the source whose citing resource is the document or one
             of its parts, matched as (target, kind) pairs per document, whatever part cites them;
             a cited document of the municipality matches by IRI, or by its Swedish label
             (skos:prefLabel or dcterms:title, folded, without case and final punctuation) when the
             slugs differ; scored per kind (explicit, paraphrase, thematic), for explicit+paraphrase
             together (frameworks and the municipality's other documents), and for
             explicit+paraphrase citations of frameworks, principles and goals only
  totals     micro-averaged over the documents: P = matched / drafted, R = matched / curated
"""

IKG = Namespace(DEFAULT_BASE + "ontology#")
PART_CLASSES = {"FocusArea", "Factor", "Goal", "Direction", "Action", "Purpose", "DocumentPart"}
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
METADATA = [
    ("title", DCTERMS.title),
    ("issued", DCTERMS.issued),
    ("modified", DCTERMS.modified),
    ("lastReviewed", IKG.lastReviewed),
    ("validUntil", IKG.validUntil),
    ("identifier", DCTERMS.identifier),
    ("version", OWL.versionInfo),
    ("adoptedBy", IKG.adoptedBy),
    ("revisionResponsibility", IKG.revisionResponsibility),
    ("responsibleOffice", IKG.responsibleOffice),
    ("responsiblePost", IKG.responsiblePost),
    ("appliesTo", IKG.appliesTo),
]
KIND_NAMES = {"ExplicitCitation": "explicit", "Paraphrase": "paraphrase", "ThematicAlignment": "thematic"}


@dataclass
class Tally:
    """Counts for one category: how many items the drafter drafted, how many the truth (the curated
    data, or an evaluation corpus's hand-written truth) holds, and how many of them agree.
    Precision and recall are None when there is nothing to divide by."""

    drafted: int = 0
    truth: int = 0
    matched: int = 0

    def add(self, drafted: AbstractSet[Hashable], truth: AbstractSet[Hashable]) -> None:
        """Count two sets of comparable items, matched by equality."""
        self.count(len(drafted), len(truth), len(drafted & truth))

    def count(self, drafted: int, truth: int, matched: int) -> None:
        """Count items matched by some other rule (such as one-to-one label matching)."""
        self.drafted += drafted
        self.truth += truth
        self.matched += matched

    def merge(self, other: Tally) -> None:
        """Add another tally's counts: totals are micro-averaged."""
        self.count(other.drafted, other.truth, other.matched)

    @property
    def precision(self) -> float | None:
        return self.matched / self.drafted if self.drafted else None

    @property
    def recall(self) -> float | None:
        return self.matched / self.truth if self.truth else None


@dataclass
class Result:
    tallies: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    per_document: list[tuple[str, dict[str, Tally]]] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)


def _norm(value: object) -> object:
    if isinstance(value, Literal):
        if value.datatype is not None:
            return (str(value), str(value.datatype))
        return fold(str(value)).lower().rstrip(".;: ")
    return str(value)


def _local(iri: object) -> str:
    return str(iri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _metadata(graph: Graph, document: URIRef) -> set[tuple[str, object]]:
    items: set[tuple[str, object]] = set()
    for cls in graph.objects(document, RDF.type):
        if _local(cls) in DOC_CLASSES:
            items.add(("kind", _local(cls)))
    for name, predicate in METADATA:
        for value in graph.objects(document, predicate):
            if isinstance(value, Literal) and value.language not in (None, "sv"):
                continue
            items.add((name, _norm(value)))
    return items


def _parts(graph: Graph, document: URIRef) -> list[URIRef]:
    found: list[URIRef] = []
    frontier = [document]
    while frontier:
        parent = frontier.pop()
        for child in graph.subjects(DCTERMS.isPartOf, parent):
            if isinstance(child, URIRef) and child not in found:
                found.append(child)
                frontier.append(child)
    return found


def _structure(graph: Graph, document: URIRef) -> tuple[set[object], set[object]]:
    labels: set[object] = set()
    labelled: set[object] = set()
    for part in _parts(graph, document):
        classes = {_local(c) for c in graph.objects(part, RDF.type)} & PART_CLASSES
        for label in graph.objects(part, SKOS.prefLabel):
            if isinstance(label, Literal) and label.language == "sv":
                key = _norm(Literal(str(label)))
                labels.add(key)
                labelled.update((key, cls) for cls in classes)
    return labels, labelled


def _citations(graph: Graph, document: URIRef, source: URIRef | None) -> set[tuple[str, str]]:
    """(target, kind) of the citations and alignments derived from the source; an ikg:Alignment
    (ikg:alignsWith) counts as thematic, as a citation of kind ikg:ThematicAlignment did."""
    citing = [document, *_parts(graph, document)]
    pairs: set[tuple[str, str]] = set()
    derived = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")
    for node in citing:
        for predicate in (IKG.citation, IKG.alignment):
            for evidence in graph.objects(node, predicate):
                if source is not None and (evidence, derived, source) not in graph:
                    continue
                kinds = [
                    KIND_NAMES.get(_local(k), _local(k)) for k in graph.objects(evidence, IKG.citationKind)
                ]
                if predicate == IKG.alignment:
                    kinds = ["thematic"]
                for target in graph.objects(evidence, IKG.target):
                    for kind in kinds:
                        pairs.add((str(target), kind))
    return pairs


def _labels(graph: Graph, node: URIRef) -> set[object]:
    return {
        _norm(Literal(str(label)))
        for predicate in (SKOS.prefLabel, DCTERMS.title)
        for label in graph.objects(node, predicate)
        if isinstance(label, Literal) and label.language == "sv"
    }


def _same_documents(
    drafted: set[tuple[str, str]],
    draft: Graph,
    curated_pairs: set[tuple[str, str]],
    curated: Graph,
    base: str,
) -> set[tuple[str, str]]:
    """Drafted citations of municipal documents, with a target the curators named by another slug
    but the same label, rewritten to the curated IRI (see MATCHING_RULES)."""
    doc_base = f"{base}id/document/"
    curated_targets = {target for target, _ in curated_pairs if target.startswith(doc_base)}
    by_label: dict[tuple[str, object], str] = {}
    for target in curated_targets:
        municipality = target[len(doc_base) :].split("/", 1)[0]
        for label in _labels(curated, URIRef(target)):
            by_label[(municipality, label)] = target
    out: set[tuple[str, str]] = set()
    for target, kind in drafted:
        if target.startswith(doc_base) and target not in curated_targets:
            municipality = target[len(doc_base) :].split("/", 1)[0]
            target = next(
                (
                    by_label[(municipality, label)]
                    for label in _labels(draft, URIRef(target))
                    if (municipality, label) in by_label
                ),
                target,
            )
        out.add((target, kind))
    return out


def curated_document(
    curated: Graph, file_name: str, base: str = DEFAULT_BASE
) -> tuple[URIRef, URIRef] | None:
    """The curated document and source of a source text file (see MATCHING_RULES)."""
    sources = list(curated.subjects(IKG.textFile, Literal(file_name)))
    if not sources:
        return None
    source = URIRef(str(sources[0]))
    documents = [d for d in curated.subjects(DCTERMS.source, source) if isinstance(d, URIRef)]
    if not documents:
        return None
    stem = Path(file_name).stem
    wanted = URIRef(f"{base}id/document/{stem[:4]}/{stem[5:]}")
    document = wanted if wanted in documents else sorted(documents)[0]
    return document, source


def evaluate(data_dir: Path, *, base: str = DEFAULT_BASE) -> Result:
    curated = Graph()
    for path in sorted((data_dir / "documents").glob("*.ttl")):
        curated.parse(path)
    frameworks = Graph()
    for path in sorted((data_dir / "frameworks").glob("*.ttl")):
        frameworks.parse(path)
    municipalities = Graph()
    for path in sorted((data_dir / "municipalities").glob("*.ttl")):
        municipalities.parse(path)
    result = Result()
    for path in sorted((data_dir / "sources").glob("*.txt")):
        found = curated_document(curated, path.name, base)
        if found is None:
            result.misses.append(f"{path.name}: no curated document")
            continue
        gold_document, gold_source = found
        draft = draft_document(
            read_source_text(path),
            path.name[:4],
            frameworks=frameworks,
            municipalities=municipalities,
            source_name=path.name,
            base=base,
        )
        drafted_document = URIRef(draft.document)
        tallies: dict[str, Tally] = defaultdict(Tally)

        gold_meta, drafted_meta = _metadata(curated, gold_document), _metadata(draft.graph, drafted_document)
        tallies["metadata"].add(drafted_meta, gold_meta)
        for name in ["kind"] + [n for n, _ in METADATA]:
            tallies[f"  {name}"].add(
                {m for m in drafted_meta if m[0] == name}, {m for m in gold_meta if m[0] == name}
            )
        for item in sorted(map(str, gold_meta - drafted_meta)):
            result.misses.append(f"{path.name}: metadata missed {item}")
        for item in sorted(map(str, drafted_meta - gold_meta)):
            result.misses.append(f"{path.name}: metadata not curated {item}")

        gold_labels, gold_labelled = _structure(curated, gold_document)
        drafted_labels, drafted_labelled = _structure(draft.graph, drafted_document)
        tallies["structure (label)"].add(drafted_labels, gold_labels)
        tallies["structure (label+class)"].add(drafted_labelled, gold_labelled)
        for item in sorted(map(str, gold_labels - drafted_labels)):
            result.misses.append(f"{path.name}: part missed {item[:90]}")
        for item in sorted(map(str, drafted_labels - gold_labels)):
            result.misses.append(f"{path.name}: part not curated {item[:90]}")

        gold_citations = _citations(curated, gold_document, gold_source)
        drafted_citations = _same_documents(
            _citations(draft.graph, drafted_document, None), draft.graph, gold_citations, curated, base
        )
        for kind in ("explicit", "paraphrase", "thematic"):
            tallies[f"citations {kind}"].add(
                {c for c in drafted_citations if c[1] == kind}, {c for c in gold_citations if c[1] == kind}
            )
        core = ("explicit", "paraphrase")
        tallies["citations explicit+paraphrase"].add(
            {c for c in drafted_citations if c[1] in core}, {c for c in gold_citations if c[1] in core}
        )
        fw = f"{base}id/framework/"
        tallies["citations of frameworks expl.+para."].add(
            {c for c in drafted_citations if c[1] in core and c[0].startswith(fw)},
            {c for c in gold_citations if c[1] in core and c[0].startswith(fw)},
        )
        tallies["citations all kinds"].add(drafted_citations, gold_citations)
        tallies["citations target only"].add(
            {c[0] for c in drafted_citations}, {c[0] for c in gold_citations}
        )
        for target, kind in sorted(gold_citations - drafted_citations):
            result.misses.append(f"{path.name}: citation missed {target.split('/id/')[-1]} ({kind})")
        for target, kind in sorted(drafted_citations - gold_citations):
            result.misses.append(f"{path.name}: citation not curated {target.split('/id/')[-1]} ({kind})")

        for name, tally in tallies.items():
            result.tallies[name].merge(tally)
        result.per_document.append((path.name, tallies))
    return result


def _fmt(value: float | None) -> str:
    return "   –" if value is None else f"{value:.2f}"


def table(result: Result) -> str:
    lines = [f"{'category':34} {'drafted':>7} {'curated':>7} {'matched':>7} {'P':>5} {'R':>5}"]
    for name, tally in result.tallies.items():
        lines.append(
            f"{name:34} {tally.drafted:7d} {tally.truth:7d} {tally.matched:7d} {_fmt(tally.precision):>5} {_fmt(tally.recall):>5}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Score the drafter against the curated documents in data/.")
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(__file__).resolve().parents[2] / "data",
        help="the data folder (default: the project's data/)",
    )
    parser.add_argument(
        "--details",
        action="store_true",
        help="list every miss and every suggestion the curators did not make",
    )
    args = parser.parse_args(argv)
    result = evaluate(args.data)
    print(MATCHING_RULES)
    print(table(result))
    if args.details:
        print("\nPer document")
        for name, tallies in result.per_document:
            print(
                f"  {name}: "
                + ", ".join(
                    f"{k.strip()} {t.matched}/{t.truth} (of {t.drafted})"
                    for k, t in tallies.items()
                    if not k.startswith("  ")
                )
            )
        print("\nDifferences")
        for miss in result.misses:
            print("  " + miss)
    return 0


if __name__ == "__main__":
    sys.exit(main())
