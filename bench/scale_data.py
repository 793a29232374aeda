#!/usr/bin/env python3
"""A synthetic data/ tree at any scale, for benchmarks only: ../shared/bench/gen.py's graph made buildable.

gen.py writes one N-Triples graph that follows the core vocabulary. The build wants a data/ tree that
passes the project's shapes and quote check, so this script:

- keeps the project's real ontology/, shapes/, data/frameworks/, data/agents.ttl, data/catalog.ttl
  and data/sources/frameworks.md (gen.py's own framework triples are dropped: they restate the real
  frameworks with different labels; its targets are mapped onto the real concepts, `…/1997` → `…/1997-1`);
- writes one file per synthetic municipality under data/municipalities/ and one file per municipality
  with all its documents under data/documents/ (`{code}.ttl`);
- gives each document a source text (data/sources/{code}-dokument-{n}.txt) that holds its title, its
  parts' labels and its quotes verbatim, and points the citations at it (`prov:wasDerivedFrom`), with
  `prov:wasAttributedTo agent:curators` and `dcterms:language` sv;
- drops a second citation of the same target by the same goal (gen.py draws targets with repetition;
  the shapes allow one piece of evidence per link);
- with more than 9 000 municipalities, writes gen.py's six-digit codes as four digits (0000–9999), as
  the shapes want SCB's four-digit form.

Every synthetic resource carries `rdfs:comment "Synthetic benchmark data …"` and every source text says
in its first line that it is synthetic. The tree is written where you say (a temporary folder by
default), never into the project's data/.

    .venv/bin/python bench/scale_data.py --municipalities 1000 --out /tmp/ikg-1000
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
SHARED_BENCH = ROOT.parent / "shared" / "bench"
BASE = "https://w3id.org/integration-kg/"
IKG = BASE + "ontology#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_COMMENT = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
SKOS_PREFLABEL = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
CITATION_KIND = IKG + "citationKind"
EXPLICIT_CITATION = IKG + "ExplicitCitation"
THEMATIC_ALIGNMENT = IKG + "ThematicAlignment"
ALIGNMENT_REASON = ox.Literal("Synthetic: the goal pursues the target's aim in other words.", language="en")
SYNTHETIC = ox.Literal(
    "Synthetic benchmark data (bench/scale_data.py over ../shared/bench/gen.py); "
    "not a real municipality or document.",
    language="en",
)
SWEDISH = ox.NamedNode("http://id.loc.gov/vocabulary/iso639-1/sv")
CURATORS = ox.NamedNode(BASE + "id/agent/curators")
TARGET_MAP = {
    BASE + "id/framework/se-integration-policy/1997": BASE + "id/framework/se-integration-policy/1997-1"
}
PREFIXES = {
    "ikg": IKG,
    "fw": BASE + "id/framework/",
    "mun": BASE + "id/municipality/",
    "doc": BASE + "id/document/",
    "src": BASE + "id/source/",
    "agent": BASE + "id/agent/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": DCT,
    "prov": PROV,
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def generate(municipalities: int, seed: int = 2004, bench_dir: Path = SHARED_BENCH) -> bytes:
    """gen.py's N-Triples at this scale."""
    return subprocess.run(
        [
            sys.executable,
            str(bench_dir / "gen.py"),
            "--municipalities",
            str(municipalities),
            "--seed",
            str(seed),
        ],
        check=True,
        capture_output=True,
    ).stdout


def _code_of(iri: str, kind: str) -> str | None:
    prefix = f"{BASE}id/{kind}/"
    if not iri.startswith(prefix):
        return None
    code = iri[len(prefix) :].split("/", 1)[0]
    return code


def _four_digits(code: str) -> str:
    return code if len(code) == 4 else f"{int(code) % 10000:04d}"


def _move(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """Targets onto the real concepts; six-digit municipality codes onto four digits."""
    if not isinstance(term, ox.NamedNode):
        if isinstance(term, ox.Literal) and len(term.value) == 6 and term.value.isdigit():
            return ox.Literal(_four_digits(term.value))
        return term
    value = TARGET_MAP.get(term.value, term.value)
    for kind in ("municipality", "document"):
        code = _code_of(value, kind)
        if code is not None and len(code) != 4:
            prefix = f"{BASE}id/{kind}/"
            value = prefix + _four_digits(code) + value[len(prefix) + len(code) :]
    return ox.NamedNode(value)


def write_tree(ntriples: bytes, out: Path, *, root: Path = ROOT) -> dict[str, int]:
    """Write ontology/, shapes/ and data/ under `out`; return counts (municipalities, documents, files)."""
    if (
        out.resolve() == root.resolve()
        or (root / "data").resolve() in (out / "data").resolve().parents
        or (out / "data").resolve() == (root / "data").resolve()
    ):
        raise SystemExit("refusing to write synthetic data into the project's own data/")
    for folder in ("ontology", "shapes"):
        shutil.copytree(root / folder, out / folder, dirs_exist_ok=True)
    data = out / "data"
    shutil.copytree(root / "data" / "frameworks", data / "frameworks", dirs_exist_ok=True)
    (data / "sources").mkdir(parents=True, exist_ok=True)
    (data / "municipalities").mkdir(exist_ok=True)
    (data / "documents").mkdir(exist_ok=True)
    for name in ("agents.ttl", "catalog.ttl"):
        shutil.copy2(root / "data" / name, data / name)
    shutil.copy2(root / "data" / "sources" / "frameworks.md", data / "sources" / "frameworks.md")
    (data / "geo").mkdir(exist_ok=True)
    shutil.copy2(root / "data" / "geo" / "counties.csv", data / "geo" / "counties.csv")
    counties = _county_codes(data / "geo" / "counties.csv")

    municipality_triples: dict[str, list[ox.Triple]] = defaultdict(list)
    document_triples: dict[str, list[ox.Triple]] = defaultdict(list)
    for triple in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES):
        subject = triple.subject.value
        if _code_of(subject, "framework") is not None:
            continue  # the real frameworks replace gen.py's
        triple = ox.Triple(_move(triple.subject), triple.predicate, _move(triple.object))
        subject = triple.subject.value
        if (code := _code_of(subject, "municipality")) is not None:
            municipality_triples[code].append(triple)
        elif (code := _code_of(subject, "document")) is not None:
            document_triples[code].append(triple)
        else:
            raise ValueError(f"unexpected subject in gen.py's output: {subject}")

    names = _framework_names(data / "frameworks")
    documents = 0
    for code, triples in municipality_triples.items():
        mun = ox.NamedNode(f"{BASE}id/municipality/{code}")
        triples.append(ox.Triple(mun, RDFS_COMMENT, SYNTHETIC))
        triples.append(ox.Triple(mun, ox.NamedNode(IKG + "county"), _county(code, counties)))
        _write_turtle(data / "municipalities" / f"{code}.ttl", triples, f"Synthetic municipality {code}")
    for code, triples in document_triples.items():
        documents += _write_documents(data, code, triples, names)
    return {
        "municipalities": len(municipality_triples),
        "documents": documents,
        "files": len(municipality_triples) + len(document_triples),
    }


def _county_codes(table: Path) -> list[str]:
    with table.open(encoding="utf-8", newline="") as rows:
        return [row["lanskod"] for row in csv.DictReader(rows)]


def _county(code: str, counties: list[str]) -> ox.NamedNode:
    """The county a synthetic municipality lies in: the one its code's first two digits name, as SCB's
    codes do, or (where no county has those digits) one chosen by the code."""
    county = code[:2] if code[:2] in counties else counties[int(code) % len(counties)]
    return ox.NamedNode(f"{BASE}id/county/{county}")


def _framework_names(frameworks: Path) -> dict[str, str]:
    """Each framework concept's preferred label (the Swedish one where it has several)."""
    names: dict[str, str] = {}
    for path in sorted(frameworks.glob("*.ttl")):
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            label = triple.object
            if triple.predicate == SKOS_PREFLABEL and isinstance(label, ox.Literal):
                subject = triple.subject.value
                if subject not in names or label.language == "sv":
                    names[subject] = label.value
    return names


def _write_documents(data: Path, code: str, triples: list[ox.Triple], names: dict[str, str]) -> int:
    """One municipality's documents: source texts, the citations' provenance, one Turtle file. An
    explicit citation's quote ends with its target's name in brackets, as the build's check wants an
    explicit citation to name what it cites."""
    by_subject: dict[str, list[ox.Triple]] = defaultdict(list)
    for t in triples:
        by_subject[t.subject.value].append(t)
    doc_prefix = f"{BASE}id/document/{code}/"
    documents = sorted({s[len(doc_prefix) :].split("/", 1)[0] for s in by_subject})
    out: list[ox.Triple] = []
    texts: dict[str, list[str]] = {d: [] for d in documents}
    # Drop a repeated (goal, target) citation: the goal's ikg:cites is a set, its evidence must be one.
    dropped: set[str] = set()
    seen_targets: dict[str, set[str]] = defaultdict(set)
    explicit_targets: dict[str, str] = {}
    alignments: set[str] = set()
    aligned: set[tuple[str, str]] = set()  # (goal, target) of the alignments
    for subject in sorted(by_subject):
        for t in by_subject[subject]:
            if t.predicate.value == IKG + "citation":
                citation = t.object.value
                target = next(
                    x.object.value for x in by_subject[citation] if x.predicate.value == IKG + "target"
                )
                if target in seen_targets[subject]:
                    dropped.add(citation)
                    continue
                seen_targets[subject].add(target)
                kinds = {x.object.value for x in by_subject[citation] if x.predicate.value == CITATION_KIND}
                if EXPLICIT_CITATION in kinds:
                    explicit_targets[citation] = target
                elif THEMATIC_ALIGNMENT in kinds:
                    alignments.add(citation)
                    aligned.add((subject, target))
    for subject in sorted(by_subject):
        if subject in dropped:
            continue
        slug = subject[len(doc_prefix) :].split("/", 1)[0]
        source = ox.NamedNode(f"{BASE}id/source/{code}/{slug}")
        node = ox.NamedNode(subject)
        for t in by_subject[subject]:
            if t.predicate.value == IKG + "citation" and t.object.value in dropped:
                continue
            if t.predicate.value == PROV + "wasDerivedFrom":
                t = ox.Triple(t.subject, t.predicate, source)
            t = _as_alignment(t, alignments, aligned)
            if t is None:
                continue
            if t.predicate.value == IKG + "quote" and subject in explicit_targets:
                name = names[explicit_targets[subject]]
                t = ox.Triple(
                    t.subject,
                    t.predicate,
                    ox.Literal(f"{t.object.value} ({name})", language=t.object.language),
                )
            out.append(t)
            if t.predicate.value in (DCT + "title", SKOS_PREFLABEL.value, IKG + "quote"):
                texts[slug].append(t.object.value)
        if subject == doc_prefix + slug:  # the document itself
            out += [
                ox.Triple(node, ox.NamedNode(DCT + "source"), source),
                ox.Triple(node, ox.NamedNode(DCT + "language"), SWEDISH),
                ox.Triple(node, RDFS_COMMENT, SYNTHETIC),
            ]
        if any(t.predicate == RDF_TYPE and t.object.value == IKG + "Citation" for t in by_subject[subject]):
            out.append(ox.Triple(node, ox.NamedNode(PROV + "wasAttributedTo"), CURATORS))
        if subject in alignments:
            out.append(ox.Triple(node, RDFS_COMMENT, ALIGNMENT_REASON))
    for slug in documents:
        source = ox.NamedNode(f"{BASE}id/source/{code}/{slug}")
        file_name = f"{code}-{slug}.txt"
        out += [
            ox.Triple(source, RDF_TYPE, ox.NamedNode(IKG + "SourceText")),
            ox.Triple(
                source,
                ox.NamedNode(DCT + "title"),
                ox.Literal(f"Syntetisk källtext {code}/{slug}", language="sv"),
            ),
            ox.Triple(source, ox.NamedNode(DCT + "publisher"), ox.NamedNode(f"{BASE}id/municipality/{code}")),
            ox.Triple(source, ox.NamedNode(IKG + "textFile"), ox.Literal(file_name)),
            ox.Triple(source, ox.NamedNode(DCT + "format"), ox.Literal("text/plain")),
            ox.Triple(source, RDFS_COMMENT, SYNTHETIC),
        ]
        lines = ["SYNTETISK TEXT för prestandamätning (bench/scale_data.py); inget verkligt dokument.", ""]
        lines += list(dict.fromkeys(texts[slug]))
        (data / "sources" / file_name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    _write_turtle(data / "documents" / f"{code}.ttl", out, f"Synthetic documents of municipality {code}")
    return len(documents)


def _as_alignment(t: ox.Triple, alignments: set[str], aligned: set[tuple[str, str]]) -> ox.Triple | None:
    """gen.py's "thematic alignment" citations as the model has them now: an ikg:Alignment linked by
    ikg:alignment, the goal ikg:alignsWith its target; no citation kind (None: drop the triple)."""
    subject, predicate, value = t.subject.value, t.predicate.value, t.object.value
    if subject in alignments:
        if predicate == CITATION_KIND:
            return None
        if t.predicate == RDF_TYPE:
            return ox.Triple(t.subject, RDF_TYPE, ox.NamedNode(IKG + "Alignment"))
    elif predicate == IKG + "citation" and value in alignments:
        return ox.Triple(t.subject, ox.NamedNode(IKG + "alignment"), t.object)
    elif predicate == IKG + "cites" and (subject, value) in aligned:
        return ox.Triple(t.subject, ox.NamedNode(IKG + "alignsWith"), t.object)
    return t


def _write_turtle(path: Path, triples: list[ox.Triple], title: str) -> None:
    body = ox.serialize(
        sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object))),
        format=ox.RdfFormat.TURTLE,
        prefixes=PREFIXES,
    )
    path.write_bytes(f"# {title}: SYNTHETIC benchmark data written by bench/scale_data.py.\n".encode() + body)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--municipalities", type=int, default=100)
    parser.add_argument("--seed", type=int, default=2004)
    parser.add_argument(
        "--out", type=Path, default=None, help="folder to write into (default: a new temporary one)"
    )
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix=f"ikg-scale-{args.municipalities}-"))
    counts = write_tree(generate(args.municipalities, args.seed), out)
    print(
        f"{out}: {counts['municipalities']} municipalities, {counts['documents']} documents, "
        f"{counts['files']} data files (synthetic)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
