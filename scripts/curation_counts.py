"""How much of `integration-kg draft`'s output survived curation: one row per curated document.

Usage:
    python scripts/curation_counts.py PAIRS.tsv > docs/curation.csv

PAIRS.tsv has one line per document: the draft's Turtle file and the curated data/documents file,
tab-separated. The drafts are kept outside the repository (they are made from other people's page
texts, which the project does not hold), so the CSV in docs/ is the record.

What is counted (a "statement"):
- every triple of the draft and of the curated file, except what necessarily differs and is not a
  fact about the document: the source node (the draft's ikg:SourceText, the curated
  ikg:ReferencedSource), dcterms:source, and the evidence nodes with the ikg:citation /
  ikg:alignment links to them;
- every link (ikg:cites or ikg:alignsWith) counted once, as (subject, target, kind), the kind being
  the evidence's ikg:citationKind or "alignment".
The draft's document IRI is renamed to the curated one first (the drafter names the document after
the title it found), so a corrected title counts as changed, not as removed and added.
Per subject and predicate, values in both are kept; of the rest, as many as pair up are changed,
the draft's others removed and the curated file's others added. A link is kept when subject, target
and kind agree, changed when only the kind differs, removed or added otherwise.
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF
from rdflib.term import Node

BASE = "https://w3id.org/integration-kg/"
IKG = Namespace(BASE + "ontology#")
DOC = BASE + "id/document/"

Triple = tuple[Node, Node, Node]


def _document(graph: Graph) -> URIRef:
    """The document the file is about: the subject of dcterms:source under id/document/."""
    for s in graph.subjects(DCTERMS.source, None):
        if isinstance(s, URIRef) and str(s).startswith(DOC):
            return s
    raise ValueError("no document with dcterms:source")


def _statements(
    graph: Graph, rename: tuple[str, str] | None = None
) -> tuple[set[Triple], dict[tuple[Node, Node], str]]:
    """(plain triples, links {(subject, target): kind}) as counted, with the document renamed."""

    def r(term: Node) -> Node:
        if rename and isinstance(term, URIRef):
            old, new = rename
            if str(term) == old or str(term).startswith(old + "/"):
                return URIRef(new + str(term)[len(old) :])
        return term

    sources = set(graph.subjects(RDF.type, IKG.SourceText)) | set(
        graph.subjects(RDF.type, IKG.ReferencedSource)
    )
    evidence = set(graph.objects(None, IKG.citation)) | set(graph.objects(None, IKG.alignment))
    evidence |= set(graph.subjects(RDF.type, IKG.Citation)) | set(graph.subjects(RDF.type, IKG.Alignment))
    links: dict[tuple[Node, Node], str] = {}
    for link, prop in ((IKG.cites, IKG.citation), (IKG.alignsWith, IKG.alignment)):
        for s, target in graph.subject_objects(link):
            kind = "alignment"
            if prop == IKG.citation:
                kind = "unknown"
                for ev in graph.objects(s, IKG.citation):
                    if graph.value(ev, IKG.target) == target:
                        kind = str(graph.value(ev, IKG.citationKind)).rsplit("#", 1)[-1]
            links[(r(s), r(target))] = kind
    plain = {
        (r(s), p, r(o))
        for s, p, o in graph
        if s not in sources
        and s not in evidence
        and p not in (DCTERMS.source, IKG.citation, IKG.alignment, IKG.cites, IKG.alignsWith)
    }
    return plain, links


def count(draft: Graph, final: Graph) -> dict[str, int]:
    """kept, changed, removed and added statements between a draft and its curated file."""
    rename = (str(_document(draft)), str(_document(final)))
    d_plain, d_links = _statements(draft, rename)
    f_plain, f_links = _statements(final)
    by_key: dict[tuple[Node, Node], tuple[set[Node], set[Node]]] = defaultdict(lambda: (set(), set()))
    for s, p, o in d_plain:
        by_key[(s, p)][0].add(o)
    for s, p, o in f_plain:
        by_key[(s, p)][1].add(o)
    totals = {"kept": 0, "changed": 0, "removed": 0, "added": 0}
    for d_values, f_values in by_key.values():
        totals["kept"] += len(d_values & f_values)
        only_d, only_f = len(d_values - f_values), len(f_values - d_values)
        paired = min(only_d, only_f)
        totals["changed"] += paired
        totals["removed"] += only_d - paired
        totals["added"] += only_f - paired
    for key in d_links.keys() | f_links.keys():
        if key not in f_links:
            totals["removed"] += 1
        elif key not in d_links:
            totals["added"] += 1
        elif d_links[key] == f_links[key]:
            totals["kept"] += 1
        else:
            totals["changed"] += 1
    return totals


def row(draft_file: Path, final_file: Path) -> dict[str, str]:
    """One CSV row: the curated file, where its source was read, the kommunkod and the counts."""
    draft = Graph().parse(draft_file, format="turtle")
    final = Graph().parse(final_file, format="turtle")
    doc = _document(final)
    source = final.value(doc, DCTERMS.source)
    address = final.value(source, IKG.readAt)
    code = final.value(doc, DCTERMS.publisher)
    counts = count(draft, final)
    return {
        "file": f"data/documents/{final_file.name}",
        "address": str(address),
        "kommunkod": str(code).rsplit("/", 1)[-1] if code is not None else "",
        **{k: str(v) for k, v in counts.items()},
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    pairs = [
        line.split("\t") for line in Path(argv[1]).read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    fields = ["file", "address", "kommunkod", "kept", "changed", "removed", "added"]
    writer = csv.DictWriter(sys.stdout, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    rows = [row(Path(d), Path(f)) for d, f in pairs]
    for r in sorted(rows, key=lambda r: r["file"]):
        writer.writerow(r)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
