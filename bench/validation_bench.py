#!/usr/bin/env python3
"""SHACL validation at scale: pyshacl per documents unit (as the build used to validate) against the
engine in service/shacl.py on the whole store, and on one file's resources (an incremental build).

    .venv/bin/python bench/validation_bench.py --tree /tmp/ikg-1000
    .venv/bin/python bench/validation_bench.py --municipalities 100      # generates a tree first

- pyshacl: a sample of documents files, each validated as the build did before the engine: an rdflib
  graph of the file, the ontology, frameworks and agents, and the municipality file(s) it names,
  pyshacl with the ontology graph, RDFS inference, SHACL-AF and allow_warnings, results filtered to
  the file's subjects. The median unit time times the number of documents files estimates a build.
- engine, whole graph: every data file and the ontology in one in-memory pyoxigraph store (the union
  in the default graph, as a full build loads it), validate_store, repeated; median.
- engine, focus: validate_store with focus_nodes = the subjects of one documents file; median over
  the sampled files.
- peak memory: resource.getrusage's ru_maxrss after the engine runs, and after pyshacl's.

Timings are wall-clock on whatever else the machine is doing; run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.datafiles import DataFile, discover, parse_file  # noqa: E402
from service.rdfterms import graph_of  # noqa: E402
from service.settings import Settings  # noqa: E402
from service.shacl import compile_shapes, validate_store  # noqa: E402
from service.validation import ontology_graph, shapes_graph, validate_graph_with_pyshacl  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(action):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    value = action()
    return time.perf_counter() - start, value


def timed_cpu(action):  # type: ignore[no-untyped-def]
    """Wall-clock and CPU seconds (all threads; less sensitive to other load than the wall clock)."""
    cpu = cpu_seconds()
    seconds, value = timed(action)
    return seconds, cpu_seconds() - cpu, value


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--tree", type=Path, help="a tree from bench/scale_data.py (data/, ontology/, shapes/)"
    )
    parser.add_argument(
        "--municipalities", type=int, help="generate a tree of this many municipalities first"
    )
    parser.add_argument(
        "--sample", type=int, default=3, help="documents files to validate with pyshacl and with focus"
    )
    parser.add_argument("--repeat", type=int, default=3, help="whole-graph engine runs")
    parser.add_argument("--skip-pyshacl", action="store_true", help="engine only")
    args = parser.parse_args()
    tree = args.tree
    if args.municipalities:
        tree = tree or Path(tempfile.mkdtemp(prefix=f"ikg-{args.municipalities}-"))
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "scale_data.py"),
                "--municipalities",
                str(args.municipalities),
                "--out",
                str(tree),
            ],
            check=True,
        )
    if tree is None:
        parser.error("give --tree or --municipalities")

    settings = Settings(data_dir=tree / "data", ontology_dir=tree / "ontology", shapes_dir=tree / "shapes")
    shapes = shapes_graph(settings.shapes_dir)
    ontology = ontology_graph(settings.ontology_dir)
    load_seconds, quads_by_file = timed(lambda: {f: parse_file(f, settings) for f in discover(settings)})
    triples = sum(len(q) for q in quads_by_file.values())
    documents = sorted((f for f in quads_by_file if f.role == "documents"), key=lambda f: f.path)
    step = max(1, len(documents) // args.sample)
    sample = documents[::step][: args.sample]
    print(
        f"tree {tree}: {len(quads_by_file)} files, {len(documents)} documents files, {triples} triples "
        f"(parsed in {load_seconds:.1f} s)"
    )

    compile_seconds, compiled = timed(lambda: compile_shapes(shapes))
    store = ox.Store()
    store_seconds, _ = timed(
        lambda: store.bulk_extend(
            ox.Quad(q.subject, q.predicate, q.object) for quads in quads_by_file.values() for q in quads
        )
    )
    print(
        f"compile_shapes {compile_seconds:.2f} s; store loaded in {store_seconds:.1f} s "
        f"({len(store)} quads, peak RSS {peak_rss_mb():.0f} MB)"
    )

    rss_before = peak_rss_mb()
    whole, whole_cpu = [], []
    for _ in range(args.repeat):
        seconds, cpu, report = timed_cpu(lambda: validate_store(store, compiled, ontology))
        whole.append(seconds)
        whole_cpu.append(cpu)
        print(
            f"  engine, whole graph: {seconds:.2f} s ({cpu:.1f} s CPU), {len(report.results)} results "
            f"({len(report.violations)} violations)"
        )
    focus_times = []
    for data_file in sample:
        focus = sorted(
            {q.subject.value for q in quads_by_file[data_file] if isinstance(q.subject, ox.NamedNode)}
        )
        seconds, report = timed(lambda: validate_store(store, compiled, ontology, focus_nodes=focus))
        focus_times.append(seconds)
        print(
            f"  engine, focus on {data_file.path.name} ({len(focus)} resources): {seconds:.2f} s, "
            f"{len(report.results)} results"
        )
    engine_peak = peak_rss_mb()

    print(
        f"engine: whole graph median {statistics.median(whole):.2f} s ({statistics.median(whole_cpu):.1f} s CPU), "
        f"one file median {statistics.median(focus_times):.2f} s, peak RSS {engine_peak:.0f} MB "
        f"({engine_peak - rss_before:+.0f} MB over the loaded store and parsed files)"
    )
    if args.skip_pyshacl:
        return 0

    context = [f for f in quads_by_file if f.role in ("ontology", "frameworks", "data")]
    municipalities = {f.path.stem: f for f in quads_by_file if f.role == "municipalities"}
    unit_times = []
    for data_file in sample:
        files = (
            context + [data_file] + municipality_files(data_file, quads_by_file[data_file], municipalities)
        )
        data = Graph()
        for f in files:
            graph_of(quads_by_file[f], data)
        focus = sorted(
            {
                URIRef(s.value)
                for s in (q.subject for q in quads_by_file[data_file])
                if isinstance(s, ox.NamedNode)
            }
        )
        seconds, report = timed(
            lambda: validate_graph_with_pyshacl(data, shapes=shapes, ontology=ontology, focus_nodes=focus)
        )
        unit_times.append(seconds)
        print(
            f"  pyshacl unit {data_file.path.name} ({len(data)} triples): {seconds:.2f} s, "
            f"{len(report.results)} results"
        )
    unit = statistics.median(unit_times)
    estimate = unit * len(documents)
    print(
        f"pyshacl: median unit {unit:.2f} s × {len(documents)} documents files ≈ {estimate:.0f} s "
        f"(one process; the build used two), peak RSS {peak_rss_mb():.0f} MB"
    )
    print(
        f"ratio: pyshacl estimate / engine whole graph ≈ {estimate / statistics.median(whole):.0f}×; "
        f"pyshacl unit / engine focus ≈ {unit / statistics.median(focus_times):.0f}×"
    )
    return 0


def municipality_files(
    documents: DataFile, quads: list[ox.Quad], municipalities: dict[str, DataFile]
) -> list[DataFile]:
    """The municipality files a documents file names (by the municipality IRIs it mentions)."""
    codes = {
        t.value.split("/id/municipality/", 1)[1].split("/")[0]
        for q in quads
        for t in (q.subject, q.object)
        if isinstance(t, ox.NamedNode) and "/id/municipality/" in t.value
    } | {documents.path.stem}
    return [municipalities[c] for c in sorted(codes) if c in municipalities]


if __name__ == "__main__":
    sys.exit(main())
