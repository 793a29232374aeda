#!/usr/bin/env python3
"""Which embedded store? rdflib's own SPARQL engine against pyoxigraph on the shared bench workload.

Generates the synthetic graph with ../shared/bench/gen.py, loads it into each engine, and runs every
query in ../shared/bench/queries/ several times. Prints medians and the ratio rdflib / pyoxigraph
measured in the same run (timings are for this machine and this run only).

    .venv/bin/python bench/store_choice.py --municipalities 100 --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

SHARED_BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench"


def timed(action) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def generate(municipalities: int, folder: Path) -> Path:
    path = folder / f"bench-{municipalities}.nt"
    with path.open("w", encoding="utf-8") as out:
        subprocess.run(
            [sys.executable, str(SHARED_BENCH / "gen.py"), "--municipalities", str(municipalities)],
            stdout=out,
            check=True,
        )
    return path


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--municipalities", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5, help="runs per query; the median is reported")
    parser.add_argument("--bench-dir", type=Path, default=SHARED_BENCH)
    args = parser.parse_args()

    queries = {
        p.stem: p.read_text(encoding="utf-8") for p in sorted((args.bench_dir / "queries").glob("*.rq"))
    }
    with tempfile.TemporaryDirectory() as tmp:
        print(f"Generating {args.municipalities} municipalities …", file=sys.stderr)
        path = generate(args.municipalities, Path(tmp))
        data = path.read_bytes()

        rdflib_load, graph = timed(lambda: Graph().parse(data=data, format="nt"))
        oxi_load, store = timed(lambda: _oxigraph(data))
        triples = len(graph)
        print(f"\n{triples} triples, {len(queries)} queries, median of {args.repeat} runs\n")
        print(f"{'step':<20}{'rdflib 7 (s)':>14}{'pyoxigraph (s)':>16}{'ratio':>10}")
        print(f"{'load':<20}{rdflib_load:>14.3f}{oxi_load:>16.3f}{rdflib_load / oxi_load:>9.0f}×")
        for name, query in queries.items():
            rdflib_times, oxi_times = [], []
            rdflib_rows = oxi_rows = 0
            for _ in range(args.repeat):
                seconds, rows = timed(lambda: len(list(graph.query(query))))
                rdflib_times.append(seconds)
                rdflib_rows = rows
                seconds, rows = timed(lambda: len(list(store.query(query, use_default_graph_as_union=True))))
                oxi_times.append(seconds)
                oxi_rows = rows
            r, o = statistics.median(rdflib_times), statistics.median(oxi_times)
            same = "" if rdflib_rows == oxi_rows else f"  (rows differ: {rdflib_rows} vs {oxi_rows})"
            print(f"{name:<20}{r:>14.4f}{o:>16.4f}{r / o:>9.0f}×{same}")
    return 0


def _oxigraph(data: bytes) -> ox.Store:
    store = ox.Store()
    store.bulk_extend(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
    return store


if __name__ == "__main__":
    sys.exit(main())
