#!/usr/bin/env python3
"""SHACL engines compared on the project's shapes: are their results pyshacl's, and how long do they take?

    .venv/bin/pip install -e '.[bench,validation-engines]'
    .venv/bin/python bench/validation_bench.py                      # corpus, then 100 and 1 000 municipalities
    .venv/bin/python bench/validation_bench.py --scales 100 --timeout 300 --engines engine pyshacl-turbo

Engines: pyshacl (the reference), the project's engine (service.validation.validate_graph, which hands
shapes or data it does not implement to pyshacl), and the fast engines on PyPI: pyshacl-turbo, pyshifty,
shacl-rust and pyrudof. pyshacl-turbo-inlined is pyshacl-turbo on the shapes with one query rewritten
(see path_inlined), since it refuses the shapes as they are. pyshifty, shacl-rust and pyrudof have no
RDFS inference with an ontology graph: they get the data with the ontology mixed in and closed under
RDFS the way pyshacl does it (owlrl with pyshacl's CustomRDFSSemantics), and that closure counts in
their time.

- Corpus: tests/shape_cases (valid.ttl and every case applied to it) with shapes/integration.ttl, the
  ontology and RDFS inference, as the build validates; and the project's catalogue (built from data/)
  against each DCAT-AP set of shapes/dcat-ap-se, without inference, as catalog.validate_catalog checks
  it. An input agrees when the engine's results, as a set of (focus node, path, constraint component,
  source shape) with blank nodes as one token, equal pyshacl's and so does the verdict (conforms: no
  result of severity Violation, the project's rule). An engine that raises on an input disagrees.
- Scales: bench/scale_data.py's tree, every data file and the ontology in one graph, validated whole
  against shapes/integration.ttl. Each engine runs in a child process with --timeout seconds; the time
  is the validation's wall clock from data already in memory (an rdflib graph; for the project's engine
  and pyshacl-turbo the pyoxigraph store the build has anyway). An engine over the limit at one scale is
  not run at the next.

Times are wall-clock, with the CPU time of all the child's threads beside (less sensitive to whatever
else the machine is doing; an engine on two threads can use more CPU than wall-clock).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import owlrl
import pyoxigraph as ox
from pyshacl import validate as pyshacl_validate
from pyshacl.inference import CustomRDFSSemantics
from rdflib import BNode, Graph, Literal
from rdflib.namespace import RDF, SH
from rdflib.term import Node
from rdflib.util import from_n3

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.datafiles import discover, parse_file  # noqa: E402
from service.settings import Settings  # noqa: E402
from service.validation import (  # noqa: E402
    compile_shapes,
    ontology_graph,
    shapes_graph,
    validate_graph,
    validate_store,
)

ENGINES = ("pyshacl", "engine", "pyshacl-turbo", "pyshacl-turbo-inlined", "pyshifty", "shacl-rust", "pyrudof")
CASES = ROOT / "tests" / "shape_cases"
CASE = "https://w3id.org/integration-kg/test/shape-case#"

ResultKey = tuple[str, str | None, str, str]
Validator = Callable[[Graph, Graph, Graph | None], tuple[bool, set[ResultKey]]]


# --- each engine: (data, shapes, ontology or None for no inference) → (conforms, result keys)


def _term(node: Node | None) -> str | None:
    if node is None:
        return None
    return "_:b" if isinstance(node, BNode) else str(node)


def keys_of(report: Graph) -> tuple[bool, set[ResultKey]]:
    keys: set[ResultKey] = set()
    violation = False
    for result in report.subjects(RDF.type, SH.ValidationResult):
        violation |= report.value(result, SH.resultSeverity) == SH.Violation
        keys.add(
            (
                str(_term(report.value(result, SH.focusNode))),
                _term(report.value(result, SH.resultPath)),
                str(_term(report.value(result, SH.sourceConstraintComponent))),
                str(_term(report.value(result, SH.sourceShape))),
            )
        )
    return not violation, keys


def rdfs_closed(data: Graph, ontology: Graph | None) -> Graph:
    """The data with the ontology mixed in, closed under RDFS as pyshacl closes it, less the triples
    with a literal subject that owlrl adds (not RDF: the other engines refuse them)."""
    closed = Graph()
    closed += data
    if ontology is not None:
        closed += ontology
        owlrl.DeductiveClosure(CustomRDFSSemantics).expand(closed)
        for triple in [t for t in closed if isinstance(t[0], Literal)]:
            closed.remove(triple)
    return closed


def run_pyshacl(data: Graph, shapes: Graph, ontology: Graph | None) -> tuple[bool, set[ResultKey]]:
    _, report, _ = pyshacl_validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none" if ontology is None else "rdfs",
        advanced=True,
        allow_warnings=True,
    )
    return keys_of(report)


def run_engine(data: Graph, shapes: Graph, ontology: Graph | None) -> tuple[bool, set[ResultKey]]:
    """validate_graph always entails RDFS: without an ontology, over the data's own statements."""
    return keys_of(validate_graph(data, shapes=shapes, ontology=ontology or Graph()).graph)


def run_turbo(data: Graph, shapes: Graph, ontology: Graph | None) -> tuple[bool, set[ResultKey]]:
    import pyshacl_turbo

    _, report, _ = pyshacl_turbo.validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none" if ontology is None else "rdfs",
        advanced=True,
        allow_warnings=True,
    )
    return keys_of(report)


def path_inlined(shapes: Graph) -> Graph:
    """The shapes with `($PATH)+` in ikgsh:ReachesClassConstraintComponent's query replaced by the one
    path it is used with (dcterms:isPartOf): pyshacl-turbo 0.6.5 does not parse $PATH under a path
    operator. A measurement aid only: the component then no longer works for any other path."""
    inlined = Graph()
    for s, p, o in shapes:
        if p == SH.select and "($PATH)+" in str(o):
            o = Literal(str(o).replace("($PATH)+", "<http://purl.org/dc/terms/isPartOf>+"))
        inlined.add((s, p, o))
    return inlined


def run_turbo_inlined(data: Graph, shapes: Graph, ontology: Graph | None) -> tuple[bool, set[ResultKey]]:
    return run_turbo(data, path_inlined(shapes), ontology)


def run_shifty(data: Graph, shapes: Graph, ontology: Graph | None) -> tuple[bool, set[ResultKey]]:
    import shifty

    _, report, _ = shifty.validate(rdfs_closed(data, ontology), shapes)
    return keys_of(report)


def run_shacl_rust(data: Graph, shapes: Graph, ontology: Graph | None) -> tuple[bool, set[ResultKey]]:
    import shacl_rust

    answer = shacl_rust.validate(
        rdfs_closed(data, ontology).serialize(format="nt"),
        shapes.serialize(format="nt"),
        data_format="nt",
        shapes_format="nt",
    )

    def term(text: str | None) -> str | None:
        return None if text is None else _term(from_n3(text))

    keys = {
        (
            str(term(r.get("focusNode"))),
            term(r.get("resultPath")),
            str(term(r.get("sourceConstraintComponent"))),
            str(term(r.get("sourceShape"))),
        )
        for r in answer["results"]
    }
    violation = any(r.get("severity") == f"<{SH.Violation}>" for r in answer["results"])
    return not violation, keys


def run_pyrudof(data: Graph, shapes: Graph, ontology: Graph | None) -> tuple[bool, set[ResultKey]]:
    import pyrudof

    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    rudof.read_data(rdfs_closed(data, ontology).serialize(format="turtle"))
    rudof.read_shacl(shapes.serialize(format="turtle"))
    rudof.validate_shacl()
    report = rudof.serialize_shacl_validation_results(format=pyrudof.ResultShaclValidationFormat.Turtle)
    return keys_of(Graph().parse(data=report, format="turtle"))


VALIDATORS: dict[str, Validator] = {
    "pyshacl": run_pyshacl,
    "engine": run_engine,
    "pyshacl-turbo": run_turbo,
    "pyshacl-turbo-inlined": run_turbo_inlined,
    "pyshifty": run_shifty,
    "shacl-rust": run_shacl_rust,
    "pyrudof": run_pyrudof,
}


# --- the corpus


def shape_cases() -> list[tuple[str, Graph]]:
    """valid.ttl, and each case of tests/shape_cases/*.trig applied to it (see tests/test_shapes.py)."""
    from rdflib import Dataset, URIRef

    valid = Graph().parse(CASES / "valid.ttl", format="turtle")
    inputs = [("valid.ttl", valid)]
    for path in sorted(CASES.glob("*.trig")):
        dataset = Dataset().parse(path, format="trig")
        cases = dataset.default_graph
        for node in sorted(cases.subjects(RDF.type, URIRef(CASE + "Case"))):
            data = Graph()
            data += valid
            for part, add in (("remove", False), ("add", True)):
                name = cases.value(node, URIRef(CASE + part))
                for triple in dataset.graph(name) if name is not None else ():
                    (data.add if add else data.remove)(triple)
            inputs.append((f"{path.stem}:{str(node).rsplit('#', 1)[-1]}", data))
    return inputs


def project_catalogue() -> Graph:
    """The catalogue the service publishes for a build of data/ (built into a temporary folder)."""
    from fastapi.testclient import TestClient

    from service.app import create_app
    from service.build import build

    settings = replace(Settings(), store_dir=Path(tempfile.mkdtemp(prefix="ikg-catalogue-")))
    build(settings)
    with TestClient(create_app(settings)) as client:
        response = client.get("/catalog", headers={"Accept": "text/turtle"})
        response.raise_for_status()
        return Graph().parse(data=response.text, format="turtle")


def compare_on_corpus(engines: list[str]) -> dict[str, tuple[int, int, list[str]]]:
    """engine → (inputs agreeing with pyshacl, inputs, names of the first few disagreeing)."""
    from service.catalog import DCAT_SHAPE_SETS, dcat_shapes

    settings = Settings()
    shapes, ontology = shapes_graph(settings.shapes_dir), ontology_graph(settings.ontology_dir)
    inputs: list[tuple[str, Graph, Graph, Graph | None]] = [
        (name, data, shapes, ontology) for name, data in shape_cases()
    ]
    catalogue = project_catalogue()
    inputs += [
        (f"catalogue: {name}", catalogue, dcat_shapes(settings.shapes_dir, files), None)
        for name, files in DCAT_SHAPE_SETS.items()
    ]
    reference = {name: run_pyshacl(data, s, o) for name, data, s, o in inputs}
    outcome: dict[str, tuple[int, int, list[str]]] = {}
    for engine in engines:
        agree, differing = 0, []
        for name, data, s, o in inputs:
            try:
                same = VALIDATORS[engine](data, s, o) == reference[name]
            except Exception as error:  # an engine that refuses an input disagrees on it
                same = False
                name = f"{name} ({type(error).__name__})"
            agree += same
            if not same:
                differing.append(name)
        outcome[engine] = (agree, len(inputs), differing)
        print(f"  {engine}: {agree}/{len(inputs)} as pyshacl; differing: {differing[:6]}", flush=True)
    return outcome


# --- the scales


def tree_ntriples(tree: Path) -> Path:
    """Every data file and the ontology of a scale_data.py tree, in one N-Triples file beside it."""
    out = tree / "union.nt"
    if not out.exists():
        settings = Settings(
            data_dir=tree / "data", ontology_dir=tree / "ontology", shapes_dir=tree / "shapes"
        )
        store = ox.Store()
        store.bulk_extend(
            ox.Quad(q.subject, q.predicate, q.object)
            for f in discover(settings)
            for q in parse_file(f, settings)
        )
        store.dump(str(out), ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    return out


def time_one(engine: str, tree: Path) -> dict[str, float | int]:
    """One engine on one tree, in this process: wall-clock and CPU seconds (all threads), results."""
    settings = Settings(data_dir=tree / "data", ontology_dir=tree / "ontology", shapes_dir=tree / "shapes")
    shapes, ontology = shapes_graph(settings.shapes_dir), ontology_graph(settings.ontology_dir)
    union = tree_ntriples(tree)
    if engine in ("engine", "pyshacl-turbo", "pyshacl-turbo-inlined"):
        store = ox.Store()
        store.bulk_load(path=str(union), format=ox.RdfFormat.N_TRIPLES)
        start, cpu = time.perf_counter(), time.process_time()
        if engine == "engine":
            results = len(validate_store(store, compile_shapes(shapes), ontology).results)
        else:
            import pyshacl_turbo

            _, report, _ = pyshacl_turbo.validate(
                store,
                shacl_graph=shapes if engine == "pyshacl-turbo" else path_inlined(shapes),
                ont_graph=ontology,
                inference="rdfs",
                advanced=True,
                allow_warnings=True,
            )
            results = len(keys_of(report)[1])
        return {
            "seconds": time.perf_counter() - start,
            "cpu": time.process_time() - cpu,
            "results": results,
        }
    data = Graph().parse(union, format="nt")
    start, cpu = time.perf_counter(), time.process_time()
    _, keys = VALIDATORS[engine](data, shapes, ontology)
    return {
        "seconds": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
        "results": len(keys),
    }


def time_scales(engines: list[str], scales: list[int], timeout: float) -> dict[str, dict[int, str]]:
    cells: dict[str, dict[int, str]] = {engine: {} for engine in engines}
    for scale in scales:
        tree = Path(tempfile.gettempdir()) / f"ikg-validation-{scale}"
        if not (tree / "data").exists():
            subprocess.run(
                [
                    sys.executable,
                    str(ROOT / "bench" / "scale_data.py"),
                    "--municipalities",
                    str(scale),
                    "--out",
                    str(tree),
                ],
                check=True,
            )
        tree_ntriples(tree)
        for engine in engines:
            if any(cell.startswith(">") or cell.startswith("failed") for cell in cells[engine].values()):
                cells[engine][scale] = "not run"
                continue
            try:
                child = subprocess.run(
                    [sys.executable, __file__, "--time-one", engine, "--tree", str(tree)],
                    capture_output=True,
                    text=True,
                    timeout=timeout,
                )
            except subprocess.TimeoutExpired:
                cells[engine][scale] = f"> {timeout:.0f} s"
            else:
                if child.returncode:
                    last = (child.stderr.strip().splitlines() or ["?"])[-1]
                    cells[engine][scale] = f"failed: {last[:60]}"
                else:
                    figures = json.loads(child.stdout.strip().splitlines()[-1])
                    cells[engine][scale] = (
                        f"{figures['seconds']:.1f} s ({figures['cpu']:.1f} s CPU; {figures['results']} results)"
                    )
            print(f"  {engine} at {scale}: {cells[engine][scale]}", flush=True)
    return cells


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--scales", nargs="*", type=int, default=[100, 1000], help="municipalities")
    parser.add_argument("--timeout", type=float, default=600, help="seconds one engine may take at one scale")
    parser.add_argument("--skip-corpus", action="store_true")
    parser.add_argument("--time-one", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--tree", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.time_one:
        print(json.dumps(time_one(args.time_one, args.tree)))
        return 0
    corpus = {} if args.skip_corpus else compare_on_corpus(args.engines)
    times = time_scales(args.engines, args.scales, args.timeout)
    heading = ["engine", "same as pyshacl on the corpus"] + [f"{s} municipalities" for s in args.scales]
    print("\n| " + " | ".join(heading) + " |\n|" + " --- |" * len(heading))
    for engine in args.engines:
        if engine in corpus:
            agree, total, _ = corpus[engine]
            same = "yes" if agree == total else f"no: {total - agree} of {total} inputs differ"
        else:
            same = "not compared"
        print(f"| {engine} | {same} | " + " | ".join(times[engine].get(s, "") for s in args.scales) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
