"""Where a cold query's time goes in a query worker: evaluation, and each way of writing its answer.

    .venv/bin/python bench/query_cost.py /tmp/bench-1000/scale-1000/var/current \
        ../shared/bench/queries/cites-principle.rq

Runs the query on the build's store as a query worker does (service/store/worker_store.py): on a copy in memory
loaded from the build's whole-graph dump, or with --disk on the store on disk. Prints the median of
--repeat runs for: evaluating and counting the rows in Python, evaluating and writing TSV, evaluating and
writing SPARQL JSON, the same with its rows bounded while they are written (what the service does:
service/sparql.serialize_solutions, with a limit of a million rows), and turning the TSV into SPARQL JSON
(what the service does when the bound is passed). In-process, no HTTP: medians, not a test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import BENCH_MAX_RESULTS  # noqa: E402  (the row limit the benchmark's services run with)
from service.store import BuildInfo  # noqa: E402
from service.store.memory_copy import load_copy  # noqa: E402
from service.store.seam import OXIGRAPH_FOLDER, SPARQL_JSON  # noqa: E402
from service.store.worker_tasks import serialize_solutions  # noqa: E402


def median_ms(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path, help="a build's folder (var/current of a data tree)")
    parser.add_argument("query", type=Path, help="a .rq file (a SELECT)")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--disk", action="store_true", help="query the store on disk, not a copy in memory")
    args = parser.parse_args()
    store_path = args.store.resolve()
    copy = None if args.disk else load_copy(store_path, BuildInfo.read(store_path).triples, reader="bench")
    if copy is None and not args.disk:
        return 1
    store = copy if copy is not None else ox.Store.read_only(str(store_path / OXIGRAPH_FOLDER))
    query = args.query.read_text(encoding="utf-8")
    rows = sum(1 for _ in store.query(query))  # type: ignore[union-attr]
    tsv = store.query(query).serialize(format=ox.QueryResultsFormat.TSV)  # type: ignore[union-attr]
    figures = {
        "evaluate, count rows in Python": lambda: sum(1 for _ in store.query(query)),  # type: ignore[union-attr]
        "evaluate, write TSV": lambda: store.query(query).serialize(format=ox.QueryResultsFormat.TSV),  # type: ignore[union-attr]
        "evaluate, write SPARQL JSON": lambda: store.query(query).serialize(
            format=ox.QueryResultsFormat.JSON
        ),  # type: ignore[union-attr]
        "the same, rows bounded": lambda: serialize_solutions(
            store.query(query),
            SPARQL_JSON.media_type,  # type: ignore[union-attr,arg-type]
            int(BENCH_MAX_RESULTS),
            again=lambda: store.query(query),
        ),  # type: ignore[union-attr]
        "TSV to SPARQL JSON": lambda: ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV).serialize(
            format=ox.QueryResultsFormat.JSON
        ),
    }
    print(
        f"{args.query.name}: {rows} rows, {len(tsv or b'')} bytes of TSV, on the store "
        f"{'on disk' if args.disk else 'in memory'}; medians of {args.repeat}"
    )
    for label, run in figures.items():
        print(f"  {label:<32} {median_ms(run, args.repeat):8.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
