#!/usr/bin/env python3
"""The scale benchmark: build the synthetic graph at each scale and serve it under HTTP load from wrk.

For each scale (municipalities of ../shared/bench/gen.py, made buildable by bench/scale_data.py):

1. build from scratch (wall time, peak RSS of the largest build process, store size on disk), then
   again after changing one municipality's file (an incremental build);
2. start, on loopback, (a) integration-kg as it runs by default ("ikg"), (b) the same with its SPARQL
   result cache off ("ikg, cold": what a first or distinct query costs), (c) rdflib-endpoint over the
   same triples, (d) a bare Starlette app returning a fixed Turtle body (the HTTP ceiling); wait until each
   has loaded what it loads in the background and is idle;
3. drive each case with wrk (bench/load.py; one thread, --connections keep-alive connections, a run of
   --seconds), --runs times, and report medians:
   - IRI lookups, first renderings: GET /id/… as Turtle, each IRI once, on a server that has never been
     asked for it (the IRIs of the subjects under /id/ in a seeded shuffle, a disjoint slice per run);
   - IRI lookups, repeated: a further disjoint set of --repeated-iris IRIs, each requested once to warm
     the page cache, then walked again and again;
   - the bare app, in turns with the lookup runs, over the same paths;
   - every query of ../shared/bench/queries/ over POST /sparql (SPARQL JSON; every server returns whole
     results: INTEGRATION_KG_MAX_RESULTS is raised) on ikg, ikg cold and rdflib-endpoint, after one
     unmeasured request on each integration-kg server (a query shape's first run decides which workers
     may take it); between runs the server is let go idle, so a slow query a run left behind does not
     weigh on the next.

Prints the ratios measured in the same run: repeated lookups / bare, first renderings / bare, and each
cold query on ikg / rdflib-endpoint, with the load average of the machine (it may be shared: the ratios
compare, the absolute figures do not). Timings hold for this machine and this run only; nothing here is
a test.

    .venv/bin/python bench/run.py                                # 290 and 1 000 municipalities
    .venv/bin/python bench/run.py --scales 1000 --keep --work /tmp/bench-1000
    .venv/bin/python bench/run.py --scales 1000 --reuse --work /tmp/bench-1000 --skip-queries
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402
import servers  # noqa: E402
from scale_data import SHARED_BENCH, generate, write_tree  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/integration-kg/"
SERVER_ENV_KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
BENCH_MAX_RESULTS = "1000000"
"""The public default (10 000 rows) would refuse the trace matrix's 27 816 rows at 1 000 municipalities with
a 400, which rdflib-endpoint answers in full: the servers measured here return whole results."""
WHOLE_GRAPH_DUMP = Path("dumps") / "integration-kg.nt.gz"
"""A build's N-Triples dump of its whole graph, relative to the build folder (published with every build)."""
TURTLE = {"Accept": "text/turtle"}
SPARQL_JSON = {
    "Accept": "application/sparql-results+json",
    "Content-Type": "application/x-www-form-urlencoded",
}
FIRST = "IRI lookup, first rendering"
REPEATED = "IRI lookup, repeated"
IKG, COLD, RDFLIB, BARE = "ikg", "ikg, cold", "rdflib-endpoint", "bare Starlette"
NOT_RESEARCH = {"lookup"}
"""Queries of ../shared/bench/queries/ that are not research queries: lookup.rq is an IRI lookup as SPARQL."""
COLD_TARGET = 20.0
"""Issue 27's target for cold research queries, in multiples of rdflib-endpoint's throughput."""


@dataclass
class ScaleReport:
    scale: int
    triples: int = 0
    build_seconds: float | None = None
    build_peak_mb: float | None = None
    incremental_seconds: float | None = None
    store_mb: float = 0.0
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    cases: dict[str, dict[str, load.Figures]] = field(default_factory=dict)
    """case → server → medians."""
    commands: dict[str, str] = field(default_factory=dict)
    """case → one of its wrk command lines (the environment bench/walk.lua reads left out)."""
    notes: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------------------
# Building
# ------------------------------------------------------------------------------------------------


def settings_env(tree: Path, store_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in SERVER_ENV_KEEP}
    env.update(
        PYTHONPATH=str(ROOT),
        INTEGRATION_KG_DATA_DIR=str(tree / "data"),
        INTEGRATION_KG_ONTOLOGY_DIR=str(tree / "ontology"),
        INTEGRATION_KG_SHAPES_DIR=str(tree / "shapes"),
        INTEGRATION_KG_STORE_DIR=str(store_dir),
        INTEGRATION_KG_MAX_RESULTS=BENCH_MAX_RESULTS,
    )
    env.update(extra or {})
    return env


def run_build(env: dict[str, str], log: Path) -> tuple[float, float]:
    """`integration-kg build` in a child process: wall seconds and the peak RSS (MB) of the largest
    process of the build (the build and its validation workers: wait4's usage covers the child and the
    children it waited for; getrusage(RUSAGE_CHILDREN) would carry an earlier, larger build's peak)."""
    started = time.perf_counter()
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "build"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"the build failed; see {log}")
    return seconds, usage.ru_maxrss / 1024


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def build_scale(
    scale: int, tree: Path, env: dict[str, str], log: Path, report: ScaleReport, args: argparse.Namespace
) -> None:
    print(f"[{scale}] writing the synthetic data/ tree to {tree}", file=sys.stderr)
    write_tree(generate(scale, bench_dir=args.bench_dir), tree)
    print(f"[{scale}] full build", file=sys.stderr)
    report.build_seconds, report.build_peak_mb = run_build(env, log)
    municipalities = sorted((tree / "data" / "municipalities").glob("*.ttl"))
    changed = municipalities[len(municipalities) // 2]  # reaches that municipality's documents file too
    changed.write_text(changed.read_text(encoding="utf-8") + "\n# edited by bench/run.py\n", encoding="utf-8")
    print(f"[{scale}] incremental build after changing {changed.name}", file=sys.stderr)
    report.incremental_seconds, peak = run_build(env, log)
    report.build_peak_mb = max(report.build_peak_mb, peak)


# ------------------------------------------------------------------------------------------------
# Measuring
# ------------------------------------------------------------------------------------------------


def lookup_paths(dump: Path, seed: int) -> list[str]:
    """The path of every subject under {BASE}id/ in the build's whole-graph dump, shuffled with `seed`
    (so that every slice holds the same mix of documents, parts, citations …)."""
    with gzip.open(dump, "rb") as stream:
        subjects = {
            triple.subject.value
            # pyoxigraph's stub wants IO[bytes], which a GzipFile is in all but name.
            for triple in ox.parse(cast(IO[bytes], stream), format=ox.RdfFormat.N_TRIPLES)
            if isinstance(triple.subject, ox.NamedNode) and triple.subject.value.startswith(BASE + "id/")
        }
    paths = sorted("/" + iri[len(BASE) :] for iri in subjects)
    random.Random(seed).shuffle(paths)
    return paths


def warm(url: str, paths: list[str]) -> int:
    """GET each path once, one after the other (the page cache's warm-up); the number that failed."""
    failed = 0
    for path in paths:
        request = urllib.request.Request(url + urllib.parse.quote(path, safe="/:#?=&%"), headers=TURTLE)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                response.read()
        except OSError:
            failed += 1
    return failed


def query_body(query: str) -> str:
    return urllib.parse.urlencode({"query": query})


def ask_once(server: servers.Server, query: str) -> None:
    request = urllib.request.Request(
        server.url + "/sparql", data=query_body(query).encode(), headers=SPARQL_JSON, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            response.read()
    except OSError as error:
        print(f"  the unmeasured first request on {server.name} failed: {error}", file=sys.stderr)


def measure_lookups(
    report: ScaleReport, ikg: servers.Server, bare: servers.Server, paths: list[str], args: argparse.Namespace
) -> None:
    """First renderings and repeated lookups on `ikg`, each run beside a run of the bare app."""
    repeated, rest = paths[: args.repeated_iris], paths[args.repeated_iris :]
    slice_size = len(rest) // args.runs
    if slice_size < 1:
        raise RuntimeError(
            f"{len(paths)} IRIs are too few for {args.runs} runs and {args.repeated_iris} repeated ones"
        )
    options = {"connections": args.connections, "seconds": args.seconds, "headers": TURTLE}
    report.commands[FIRST] = shlex.join(load.wrk_command(ikg.url, timeout=60, **options))
    firsts, repeats, bares = [], [], []
    for run in range(args.runs):
        print(
            f"[{report.scale}] lookups, run {run + 1}: bare Starlette, then first renderings", file=sys.stderr
        )
        bares.append(load.run(bare.url, paths=repeated, **options))
        firsts.append(load.run(ikg.url, paths=rest[run * slice_size : (run + 1) * slice_size], **options))
        if firsts[-1].wraps:
            report.notes.append(
                f"first renderings, run {run + 1}: its {slice_size} IRIs ran out ({firsts[-1].wraps} times); "
                "lower --seconds or raise the scale: some of its lookups were repeats"
            )
    print(f"[{report.scale}] warming {len(repeated)} pages", file=sys.stderr)
    if failed := warm(ikg.url, repeated):
        report.notes.append(f"{failed} of the {len(repeated)} repeated IRIs failed at warm-up")
    for run in range(args.runs):
        print(
            f"[{report.scale}] lookups, run {run + 1}: bare Starlette, then repeated lookups", file=sys.stderr
        )
        bares.append(load.run(bare.url, paths=repeated, **options))
        repeats.append(load.run(ikg.url, paths=repeated, **options))
    report.cases[FIRST] = {IKG: load.medians(firsts), BARE: load.medians(bares)}
    report.cases[REPEATED] = {IKG: load.medians(repeats), BARE: load.medians(bares)}
    for case in (FIRST, REPEATED):
        print(
            f"  {case}: {report.cases[case][IKG].rps:.0f} req/s, bare {report.cases[case][BARE].rps:.0f}",
            file=sys.stderr,
        )


def measure_queries(
    report: ScaleReport, by_name: dict[str, servers.Server], queries: dict[str, str], args: argparse.Namespace
) -> None:
    options = {"connections": args.query_connections, "seconds": args.query_seconds, "headers": SPARQL_JSON}
    for name, query in queries.items():
        case = f"query {name}"
        report.cases[case] = {}
        for server_name, server in by_name.items():
            print(f"[{report.scale}] {case} on {server_name}", file=sys.stderr)
            if server_name != RDFLIB:
                ask_once(server, query)
            runs = []
            for _ in range(args.runs):
                server.wait_idle(args.idle_timeout)
                runs.append(
                    load.run(
                        server.url + "/sparql", body=query_body(query), timeout=args.query_timeout, **options
                    )
                )
            report.cases[case][server_name] = load.medians(runs)
            print(f"  {report.cases[case][server_name].rps:.1f} req/s", file=sys.stderr)
            report.commands.setdefault(
                "query",
                shlex.join(load.wrk_command(server.url + "/sparql", timeout=args.query_timeout, **options)),
            )


def bench_scale(scale: int, work: Path, args: argparse.Namespace) -> ScaleReport:
    report = ScaleReport(scale)
    tree = work / f"scale-{scale}"
    log = work / f"scale-{scale}.log"
    store_dir = tree / "var"
    env = settings_env(tree, store_dir)
    if args.reuse and (store_dir / "current").exists():
        print(f"[{scale}] serving the tree and store already in {tree} (--reuse: no builds)", file=sys.stderr)
    else:
        build_scale(scale, tree, env, log, report, args)
    current = (store_dir / "current").resolve()
    report.store_mb = folder_mb(current)
    report.triples = json.loads((current / "manifest.json").read_text(encoding="utf-8"))["triples"]
    dump = current / WHOLE_GRAPH_DUMP
    paths = lookup_paths(dump, args.seed)
    queries = {
        p.stem: p.read_text(encoding="utf-8")
        for p in sorted((args.bench_dir / "queries").glob("*.rq"))
        if not args.queries or p.stem in args.queries.split(",")
    }
    started: list[servers.Server] = []
    try:
        bare = servers.bare_asgi(env, log)
        started.append(bare)
        ikg = servers.integration_kg(IKG, env, log)
        started.append(ikg)
        by_name = {IKG: ikg}
        if not args.skip_queries:
            by_name[COLD] = servers.integration_kg(
                COLD, {**env, "INTEGRATION_KG_QUERY_CACHE_BYTES": "0"}, log
            )
            started.append(by_name[COLD])
            if not args.skip_rdflib:
                by_name[RDFLIB] = servers.rdflib_endpoint(dump, env, log)
                started.append(by_name[RDFLIB])
        print(f"[{scale}] waiting for {len(started)} servers to load and go idle", file=sys.stderr)
        for server in started:
            server.wait_ready(args.start_timeout)
        report.load_before = os.getloadavg()
        if not args.skip_lookups:
            measure_lookups(report, ikg, bare, paths, args)
        if not args.skip_queries:
            measure_queries(report, by_name, queries, args)
        report.load_after = os.getloadavg()
    finally:
        for server in started:
            server.stop()
        if not args.keep:
            shutil.rmtree(tree, ignore_errors=True)
    return report


# ------------------------------------------------------------------------------------------------
# The report
# ------------------------------------------------------------------------------------------------


def ratio_text(case: str, server: str, by_server: dict[str, load.Figures], seconds: int) -> str:
    figures = by_server[server]
    if case in (FIRST, REPEATED) and server == IKG and BARE in by_server:
        return f"{figures.rps / by_server[BARE].rps:.0%} of bare Starlette"
    if case.startswith("query") and server in (IKG, COLD) and RDFLIB in by_server:
        reference = by_server[RDFLIB]
        if reference.requests == 0:  # not one answer in any run: its throughput is below 1 per run
            return f"≥ {figures.rps * seconds:.0f}× rdflib-endpoint (it answered none in {seconds} s)"
        return f"{figures.rps / reference.rps:.1f}× rdflib-endpoint"
    return ""


def print_report(reports: list[ScaleReport], args: argparse.Namespace) -> None:
    python = (
        os.path.relpath(sys.executable, ROOT) if Path(sys.executable).is_relative_to(ROOT) else sys.executable
    )
    print(f"\n$ {shlex.join([python, *sys.argv])}")
    print(
        f"wrk -t1, {args.connections} connections for lookups ({args.seconds} s a run), "
        f"{args.query_connections} for queries ({args.query_seconds} s a run); medians of {args.runs} runs\n"
    )
    print(
        f"{'municipalities':>14} {'triples':>10} {'full build s':>13} {'incremental s':>14} {'peak RSS MB':>12} {'build MB':>9}"
    )
    for r in reports:

        def number(value: float | None, spec: str) -> str:
            return "—" if value is None else format(value, spec)

        print(
            f"{r.scale:>14} {r.triples:>10} {number(r.build_seconds, '.1f'):>13} {number(r.incremental_seconds, '.1f'):>14} "
            f"{number(r.build_peak_mb, '.0f'):>12} {r.store_mb:>9.0f}"
        )
    for r in reports:
        print(
            f"\n{r.scale} municipalities — load average {r.load_before[0]:.2f} {r.load_before[1]:.2f} "
            f"{r.load_before[2]:.2f} before, {r.load_after[0]:.2f} {r.load_after[1]:.2f} {r.load_after[2]:.2f} after"
        )
        print(f"  {'case':<30} {'server':<16} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'fail':>5}  ratio")
        for case, by_server in r.cases.items():
            seconds = args.query_seconds if case.startswith("query") else args.seconds
            for server, f in by_server.items():
                print(
                    f"  {case[:30]:<30} {server:<16} {f.rps:>8.1f} {f.p50_ms:>8.1f} {f.p99_ms:>8.1f} {f.failures:>5}  "
                    f"{ratio_text(case, server, by_server, seconds)}"
                )
        print("  targets (issue 27):")
        for case, target in ((REPEATED, 0.70), (FIRST, 0.25)):
            if case in r.cases:
                share = r.cases[case][IKG].rps / r.cases[case][BARE].rps
                print(
                    f"    {case} / bare Starlette: {share:.0%} (≥ {target:.0%}: {'met' if share >= target else 'not met'})"
                )
        for case, by_server in r.cases.items():
            name = case.removeprefix("query ")
            if case.startswith("query") and name not in NOT_RESEARCH and {COLD, RDFLIB} <= by_server.keys():
                ratio = ratio_text(case, COLD, by_server, args.query_seconds)
                bound = by_server[COLD].rps * (
                    args.query_seconds if by_server[RDFLIB].requests == 0 else 1 / by_server[RDFLIB].rps
                )
                met = (
                    "met"
                    if bound >= COLD_TARGET
                    else "not met"
                    if by_server[RDFLIB].requests
                    else "not known"
                )
                print(f"    cold {name}: {ratio} (≥ {COLD_TARGET:g}×: {met})")
        for case, command in r.commands.items():
            print(f"  wrk for {case}: {command}")
        for note in r.notes:
            print(f"  note: {note}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", default="290,1000", help="comma-separated numbers of municipalities")
    parser.add_argument("--runs", type=int, default=3, help="runs per case; the table shows medians")
    parser.add_argument("--seconds", type=int, default=10, help="seconds a lookup run lasts")
    parser.add_argument("--connections", type=int, default=10, help="wrk's connections for lookups")
    parser.add_argument("--repeated-iris", type=int, default=1000, help="IRIs the repeated lookups walk")
    parser.add_argument("--query-seconds", type=int, default=10, help="seconds a query run lasts")
    parser.add_argument("--query-connections", type=int, default=4, help="wrk's connections for queries")
    parser.add_argument("--query-timeout", type=int, default=120, help="seconds wrk waits for one answer")
    parser.add_argument(
        "--idle-timeout", type=float, default=300, help="seconds to wait for a server to go idle"
    )
    parser.add_argument(
        "--start-timeout", type=float, default=1800, help="seconds a server may take to start"
    )
    parser.add_argument("--seed", type=int, default=27, help="the shuffle of the lookup IRIs")
    parser.add_argument("--queries", default="", help="comma-separated query names (default: every query)")
    parser.add_argument("--skip-lookups", action="store_true", help="measure the queries only")
    parser.add_argument("--skip-queries", action="store_true", help="measure the IRI lookups only")
    parser.add_argument("--skip-rdflib", action="store_true", help="no rdflib-endpoint (no query ratios)")
    parser.add_argument("--keep", action="store_true", help="keep the data trees, builds and logs")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --work: serve the trees and builds a previous --keep run left there (no builds; implies --keep)",
    )
    parser.add_argument("--work", type=Path, default=None, help="working folder (default: a temporary one)")
    parser.add_argument("--bench-dir", type=Path, default=SHARED_BENCH)
    args = parser.parse_args()
    if args.reuse:
        args.keep = True  # what a run reuses is what the next run reuses too: never delete it
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed: run scripts/install-bench-deps.sh (make bench does)")
    if not args.skip_queries and not sorted((args.bench_dir / "queries").glob("*.rq")):
        parser.error(
            f"no queries in {args.bench_dir / 'queries'}: give --bench-dir (../shared/bench beside the project)"
        )
    scales = [int(s) for s in args.scales.split(",") if s.strip()]
    work = args.work or Path(tempfile.mkdtemp(prefix="ikg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    reports = [bench_scale(scale, work, args) for scale in scales]
    print_report(reports, args)
    if not args.keep and args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
