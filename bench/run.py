#!/usr/bin/env python3
"""The scale benchmark (issue 7): build and serve the synthetic graph at several sizes, in one run.

For each scale (municipalities of ../shared/bench/gen.py, made buildable by bench/scale_data.py):

1. build from scratch: wall time, peak RSS of the largest build process, store size on disk;
2. build again after changing one municipality's file (an incremental build: the municipality's
   documents are validated again too);
3. serve, on loopback, (a) integration-kg on the embedded store, with its SPARQL result cache and
   without it ("cold": what a first or distinct query costs), cold again with its query workers on
   the store on disk instead of their copy in memory ("cold, disk"), and for IRI lookups with its pages
   read the other way than the default does at that size (INTEGRATION_KG_PAGE_MEMORY_TRIPLES: "pages on
   disk" where the default copies the graph into memory for them, "pages in memory" where it does not), (b) integration-kg over Virtuoso
   (scripts/virtuoso.sh; the build loads it with INTEGRATION_KG_STORE_BACKEND=remote), (c)
   rdflib-endpoint over the same quads, (d) a bare ASGI app returning a fixed body (the HTTP ceiling);
4. once every query worker has its copy of the graph in memory (loading them keeps the cores busy),
   measure, with a bounded number of requests at a fixed concurrency and a time cap per case: IRI
   lookups (GET /id/… as Turtle; rdflib-endpoint: DESCRIBE) and every query of ../shared/bench/queries/
   over /sparql (SPARQL JSON; every server returns whole results: INTEGRATION_KG_MAX_RESULTS is raised
   to 1 000 000 here). Each case runs --repeat times; the table shows medians, and ratios
   measured in the same run (lookups against the bare ASGI app, queries against rdflib-endpoint).
   Every run of a case is made with the same servers: with --repeat 1 the lookups are first renderings
   of their pages; with --repeat 3 the median run is one the page cache answers.

Timings hold for this machine and this run only; nothing here is a test.

    .venv/bin/python bench/run.py                          # scales 100 and 1000
    .venv/bin/python bench/run.py --scales 100 --query-requests 100
    .venv/bin/python bench/run.py --with-10000             # adds 10 000 municipalities (long)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from http_bench import RDFLIB_ENDPOINT, free_port, wait_for  # noqa: E402
from scale_data import SHARED_BENCH, generate, write_tree  # noqa: E402

from service.settings import Settings  # noqa: E402
from service.store import worker_store  # noqa: E402
from service.store.embedded import copies_pages_into_memory  # noqa: E402

BARE_ASGI = textwrap.dedent("""
    import sys, uvicorn
    BODY = b"<https://w3id.org/integration-kg/id/x> <https://w3id.org/integration-kg/ontology#p> \\"x\\" .\\n" * 20
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/turtle"), (b"content-length", str(len(BODY)).encode())]})
        await send({"type": "http.response.body", "body": BODY})
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
""")
SERVER_ENV_KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")


@dataclass
class Figures:
    """Medians of one case on one server."""

    rps: float
    p50: float
    p99: float
    failures: int
    requests: int


@dataclass
class ScaleReport:
    scale: int
    triples: int = 0
    build_seconds: float = 0.0
    build_peak_mb: float = 0.0
    incremental_seconds: float = 0.0
    store_mb: float = 0.0
    remote_build_seconds: float | None = None
    cases: dict[str, dict[str, Figures]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------------------
# Building
# ------------------------------------------------------------------------------------------------

# The public default (10 000 rows) would refuse the trace matrix's 27 816 rows at 1 000 municipalities
# with a 400, which rdflib-endpoint answers in full: the servers measured here return whole results.
BENCH_MAX_RESULTS = "1000000"


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
    process of the build (the build and its validation workers: getrusage of waited-for children)."""
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
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(usage.ru_maxrss, children) / 1024


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


# ------------------------------------------------------------------------------------------------
# Load generation
# ------------------------------------------------------------------------------------------------


async def measure(requests: list[httpx.Request], concurrency: int, time_cap: float) -> Figures:
    """Send the requests with `concurrency` clients on one keep-alive pool; stop early at time_cap."""
    latencies: list[float] = []
    failures = 0
    pending = list(reversed(requests))
    deadline = time.perf_counter() + time_cap

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal failures
        while pending and time.perf_counter() < deadline:
            request = pending.pop()
            started = time.perf_counter()
            try:
                response = await client.send(request)
                await response.aread()
                failures += response.status_code >= 400
            except httpx.HTTPError:
                failures += 1
            latencies.append((time.perf_counter() - started) * 1000)

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=max(30.0, time_cap), limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    if not latencies:
        return Figures(0.0, float("nan"), float("nan"), 0, 0)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
    return Figures(len(latencies) / elapsed, statistics.median(latencies), p99, failures, len(latencies))


def median_figures(runs: list[Figures]) -> Figures:
    return Figures(
        statistics.median(r.rps for r in runs),
        statistics.median(r.p50 for r in runs),
        statistics.median(r.p99 for r in runs),
        sum(r.failures for r in runs),
        sum(r.requests for r in runs),
    )


class Server:
    """A child process serving HTTP on a free loopback port."""

    def __init__(
        self,
        name: str,
        args: list[str],
        env: dict[str, str],
        ready_path: str,
        log: Path,
        timeout: float = 900,
    ) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            [a.replace("{port}", str(self.port)) for a in args],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(self.url + ready_path, timeout=timeout)
        except RuntimeError:
            self.stop()
            raise

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


COPY_LOADED = worker_store.COPY_LOADED.encode()


PAGES_IN_MEMORY = "ikg pages in memory"
PAGES_ON_DISK = "ikg pages on disk"
PAGE_COPY_LIMIT = 20_000_000
"""The page copy's limit for "pages in memory": every scale's graph fits (at 10 000, 14 M triples, 4.6 GiB resident: bench/service_memory.py)."""


def copies_to_load(env: dict[str, str], store_path: Path) -> int:
    """How many copies of the graph in memory a service started with `env` will load: one per query worker,
    and one for its pages (INTEGRATION_KG_PAGE_MEMORY_TRIPLES)."""
    settings = Settings.from_env(env)
    if settings.store_backend != "embedded":
        return 0
    workers = (
        settings.query_workers
        if worker_store.copies_into_memory(store_path, settings.query_memory_triples)
        else 0
    )
    return workers + copies_pages_into_memory(store_path, settings.page_memory_triples)


def wait_for_copies(log: Path, expected: int, timeout: float = 900) -> None:
    """Wait until `expected` query workers have logged their copy in memory as loaded (or timeout).

    The services start their workers' copies at once and load them in the background; measuring
    before they are done measures the machine's cores busy with those loads (4 copies of the
    1 000-municipality graph take about 15 s each, on two cores), not the service."""
    deadline = time.monotonic() + timeout
    while (loaded := log.read_bytes().count(COPY_LOADED)) < expected:
        if time.monotonic() > deadline:
            print(
                f"  {loaded} of {expected} query workers have their copy in memory after {timeout:g} s; "
                "measuring anyway",
                file=sys.stderr,
            )
            return
        time.sleep(1)


def uvicorn_args() -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "service.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--log-level",
        "warning",
    ]


# ------------------------------------------------------------------------------------------------
# One scale
# ------------------------------------------------------------------------------------------------


def lookup_iris(store_path: Path, base: str, count: int) -> list[str]:
    """`count` IRIs spread evenly over every subject under {base}id/ (documents, parts, citations …)."""
    import pyoxigraph as ox

    store = ox.Store.read_only(str(store_path / "oxigraph"))
    subjects = sorted(
        {
            q.subject.value
            for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())
            if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(base + "id/")
        }
    )
    del store
    step = max(1, len(subjects) // count)
    return subjects[::step][:count]


def bench_scale(scale: int, work: Path, args: argparse.Namespace) -> ScaleReport:
    report = ScaleReport(scale)
    tree = work / f"scale-{scale}"
    log = work / f"scale-{scale}.log"
    store_dir = tree / "var"
    env = settings_env(tree, store_dir)
    reuse = args.reuse and (store_dir / "current").exists()
    if not reuse:
        print(f"[{scale}] writing the synthetic data/ tree to {tree}", file=sys.stderr)
        write_tree(generate(scale, bench_dir=args.bench_dir), tree)
        print(f"[{scale}] full build", file=sys.stderr)
        report.build_seconds, report.build_peak_mb = run_build(env, log)
    else:
        print(f"[{scale}] serving the tree and store already in {tree} (--reuse: no builds)", file=sys.stderr)
    current = (store_dir / "current").resolve()
    report.store_mb = folder_mb(current / "oxigraph")
    import json

    report.triples = json.loads((current / "manifest.json").read_text(encoding="utf-8"))["triples"]

    if not reuse:
        municipalities = sorted((tree / "data" / "municipalities").glob("*.ttl"))
        changed = municipalities[len(municipalities) // 2]  # reaches that municipality's documents file too
        changed.write_text(
            changed.read_text(encoding="utf-8") + "\n# edited by bench/run.py\n", encoding="utf-8"
        )
        print(f"[{scale}] incremental build after changing {changed.name}", file=sys.stderr)
        report.incremental_seconds, peak = run_build(env, log)
        report.build_peak_mb = max(report.build_peak_mb, peak)
    current = (store_dir / "current").resolve()

    base = "https://w3id.org/integration-kg/"
    iris = lookup_iris(current, base, args.lookup_iris)
    queries = {
        p.stem: p.read_text(encoding="utf-8")
        for p in sorted((args.bench_dir / "queries").glob("*.rq"))
        if not args.queries or p.stem in args.queries.split(",")
    }
    servers: dict[str, Server] = {}
    virtuoso_dir = work / f"virtuoso-{scale}"
    copies = log.read_bytes().count(COPY_LOADED) if log.exists() else 0  # copies loaded before these servers
    try:
        servers["bare ASGI"] = Server("bare ASGI", [sys.executable, "-c", BARE_ASGI, "{port}"], env, "/", log)
        servers["ikg embedded"] = Server("ikg embedded", uvicorn_args(), env, "/healthz", log)
        # The same service with the SPARQL result cache off: what a first (or every distinct) query costs.
        servers["ikg embedded, cold"] = Server(
            "ikg embedded, cold",
            uvicorn_args(),
            {**env, "INTEGRATION_KG_QUERY_CACHE_BYTES": "0"},
            "/healthz",
            log,
        )
        # … and with its query workers reading the store on disk, not a copy in memory (what graphs
        # above INTEGRATION_KG_QUERY_MEMORY_TRIPLES get).
        servers["ikg embedded, cold, disk"] = Server(
            "ikg embedded, cold, disk",
            uvicorn_args(),
            {**env, "INTEGRATION_KG_QUERY_CACHE_BYTES": "0", "INTEGRATION_KG_QUERY_MEMORY_TRIPLES": "0"},
            "/healthz",
            log,
        )
        if not args.skip_lookups:  # the same service, its pages read the other way (lookups only)
            pages_copied = copies_pages_into_memory(current, Settings.from_env(env).page_memory_triples)
            other_pages = PAGES_ON_DISK if pages_copied else PAGES_IN_MEMORY
            limit = 0 if pages_copied else PAGE_COPY_LIMIT
            servers[other_pages] = Server(
                other_pages,
                uvicorn_args(),
                {**env, "INTEGRATION_KG_PAGE_MEMORY_TRIPLES": str(limit)},
                "/healthz",
                log,
            )
        if not args.skip_virtuoso:
            try:
                servers["ikg Virtuoso"] = start_over_virtuoso(
                    tree, virtuoso_dir, env, log, report, reuse=reuse
                )
            except (RuntimeError, subprocess.CalledProcessError, OSError) as error:
                report.notes.append(f"Virtuoso not measured: {error}")
        copies += sum(copies_to_load(s.env, current) for s in servers.values() if s.name != "bare ASGI")
        if not args.skip_rdflib:
            servers["rdflib-endpoint"] = Server(
                "rdflib-endpoint",
                [sys.executable, "-c", RDFLIB_ENDPOINT, str(current / "oxigraph"), "{port}"],
                env,
                "/sparql",
                log,
                timeout=3600,
            )

        print(f"[{scale}] waiting for the query workers' copies of the graph in memory", file=sys.stderr)
        wait_for_copies(log, copies)

        def lookup_requests(server: Server) -> list[httpx.Request]:
            turtle = {"Accept": "text/turtle"}
            if server.name == "bare ASGI":
                return [httpx.Request("GET", server.url + "/id/x", headers=turtle) for _ in iris]
            if server.name == "rdflib-endpoint":
                return [
                    httpx.Request(
                        "POST", server.url + "/sparql", data={"query": f"DESCRIBE <{iri}>"}, headers=turtle
                    )
                    for iri in iris
                ]
            return [httpx.Request("GET", server.url + "/" + iri[len(base) :], headers=turtle) for iri in iris]

        def query_requests(server: Server, query: str) -> list[httpx.Request]:
            accept = {"Accept": "application/sparql-results+json"}
            return [
                httpx.Request("POST", server.url + "/sparql", data={"query": query}, headers=accept)
            ] * args.query_requests

        cases: list[tuple[str, dict[str, list[httpx.Request]]]] = (
            []
            if args.skip_lookups
            else [("IRI lookup", {name: lookup_requests(s) for name, s in servers.items()})]
        )
        for name, query in queries.items():
            if args.lookups_only:
                break
            cases.append(
                (
                    f"query {name}",
                    {
                        n: query_requests(s, query)
                        for n, s in servers.items()
                        if n not in ("bare ASGI", PAGES_IN_MEMORY, PAGES_ON_DISK)
                    },
                )
            )
        for case, by_server in cases:
            report.cases[case] = {}
            for server_name, requests in by_server.items():
                print(f"[{scale}] {case} on {server_name}", file=sys.stderr)
                asyncio.run(measure(requests[:3], 1, args.time_cap))  # warm up (caches, connections)
                runs = [
                    asyncio.run(measure(list(requests), args.concurrency, args.time_cap))
                    for _ in range(args.repeat)
                ]
                report.cases[case][server_name] = median_figures(runs)
    finally:
        for server in servers.values():
            server.stop()
        if (virtuoso_dir / "pid").exists():
            subprocess.run(
                ["bash", str(ROOT / "scripts" / "virtuoso.sh"), "stop", str(virtuoso_dir)], check=False
            )
        if not args.keep:
            shutil.rmtree(tree, ignore_errors=True)
            shutil.rmtree(virtuoso_dir, ignore_errors=True)
    return report


def start_over_virtuoso(
    tree: Path, directory: Path, env: dict[str, str], log: Path, report: ScaleReport, reuse: bool = False
) -> Server:
    """Start a private Virtuoso, build into it (remote back end), serve integration-kg over it. With
    reuse (--reuse) and a build already loaded into that Virtuoso, serve it as it is."""
    started = subprocess.run(
        ["bash", str(ROOT / "scripts" / "virtuoso.sh"), "start", str(directory)],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    remote = {
        k: v
        for k, v in (line.split("=", 1) for line in started.stdout.splitlines() if "=" in line)
        if k.startswith("INTEGRATION_KG_")
    }
    remote_env = {**env, **remote, "INTEGRATION_KG_STORE_DIR": str(tree / "var-remote")}
    if not (reuse and (tree / "var-remote" / "current").exists()):
        seconds, _ = run_build(remote_env, log)
        report.remote_build_seconds = seconds
    return Server("ikg Virtuoso", uvicorn_args(), remote_env, "/healthz", log)


# ------------------------------------------------------------------------------------------------
# The table
# ------------------------------------------------------------------------------------------------


def print_report(reports: list[ScaleReport], args: argparse.Namespace) -> None:
    print(
        f"\nintegration-kg scale benchmark — {args.concurrency} concurrent clients, medians of {args.repeat} runs, "
        f"{args.lookup_iris} lookups / {args.query_requests} queries per run (cap {args.time_cap:g} s)\n"
    )
    print(
        f"{'municipalities':>14} {'triples':>10} {'full build s':>13} {'incremental s':>14} {'peak RSS MB':>12} "
        f"{'store MB':>9} {'Virtuoso load s':>16}"
    )
    for r in reports:
        remote = f"{r.remote_build_seconds:.1f}" if r.remote_build_seconds is not None else "—"
        print(
            f"{r.scale:>14} {r.triples:>10} {r.build_seconds:>13.1f} {r.incremental_seconds:>14.1f} "
            f"{r.build_peak_mb:>12.0f} {r.store_mb:>9.0f} {remote:>16}"
        )
    for r in reports:
        print(f"\n{r.scale} municipalities")
        print(f"  {'case':<26} {'server':<24} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'fail':>5}  ratio")
        for case, by_server in r.cases.items():
            for server, f in by_server.items():
                ratio = ""
                if case == "IRI lookup" and server.startswith("ikg") and "bare ASGI" in by_server:
                    ratio = f"{f.rps / by_server['bare ASGI'].rps:.0%} of bare ASGI"
                elif (
                    case.startswith("query")
                    and server.startswith("ikg")
                    and "rdflib-endpoint" in by_server
                    and by_server["rdflib-endpoint"].rps > 0
                ):
                    ratio = f"{f.rps / by_server['rdflib-endpoint'].rps:.1f}× rdflib-endpoint"
                print(
                    f"  {case[:26]:<26} {server:<24} {f.rps:>8.1f} {f.p50:>8.1f} {f.p99:>8.1f} {f.failures:>5}  {ratio}"
                )
        for note in r.notes:
            print(f"  note: {note}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", default="100,1000", help="comma-separated numbers of municipalities")
    parser.add_argument("--with-10000", action="store_true", help="add 10 000 municipalities (takes long)")
    parser.add_argument("--lookup-iris", type=int, default=200, help="IRI lookups per run")
    parser.add_argument("--query-requests", type=int, default=20, help="requests per query and run")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; medians are reported")
    parser.add_argument("--time-cap", type=float, default=60.0, help="seconds at most per run of a case")
    parser.add_argument("--skip-virtuoso", action="store_true")
    parser.add_argument("--skip-rdflib", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the data trees, stores and logs")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --work: serve the trees, stores and Virtuoso database a previous --keep run left there "
        "(no builds; implies --keep)",
    )
    parser.add_argument("--lookups-only", action="store_true", help="measure IRI lookups, not the queries")
    parser.add_argument("--queries", default="", help="comma-separated query names (default: every query)")
    parser.add_argument(
        "--skip-lookups", action="store_true", help="measure the queries, not the IRI lookups"
    )
    parser.add_argument("--work", type=Path, default=None, help="working folder (default: a temporary one)")
    parser.add_argument("--bench-dir", type=Path, default=SHARED_BENCH)
    args = parser.parse_args()
    if args.reuse:
        args.keep = True  # what a run reuses is what the next run reuses too: never delete it
    if not args.lookups_only and not sorted((args.bench_dir / "queries").glob("*.rq")):
        parser.error(
            f"no queries in {args.bench_dir / 'queries'}: give --bench-dir (../shared/bench beside the project)"
        )
    scales = [int(s) for s in args.scales.split(",") if s.strip()] + ([10_000] if args.with_10000 else [])
    work = args.work or Path(tempfile.mkdtemp(prefix="ikg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    reports = [bench_scale(scale, work, args) for scale in scales]
    print_report(reports, args)
    if not args.keep and args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
