"""HTTP benchmark: integration-kg's service against rdflib-endpoint serving the same data, side by side.

Measures requests per second and latency percentiles for IRI lookups (ours: GET /id/… as Turtle;
rdflib-endpoint: the nearest equivalent, DESCRIBE <iri> as Turtle) and for the researchers' queries
(service/queries/research/*.rq, SPARQL JSON). Both servers run under uvicorn on loopback, one worker
process each, over the current build (`integration-kg build` first).

    .venv/bin/python bench/http_bench.py [--requests 200] [--concurrency 4]

This is a script, not a test: it prints a table and the medians' ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.settings import Settings  # noqa: E402
from service.store import open_store  # noqa: E402

RDFLIB_ENDPOINT = textwrap.dedent("""
    # The reference gets rdflib's fastest layout: one Graph with the union of the named graphs (the
    # store's default graph), as integration-kg queries its materialised default graph.
    import sys, uvicorn, pyoxigraph as ox
    from rdflib_endpoint import SparqlEndpoint
    from service.rdfterms import graph_of
    store = ox.Store.read_only(sys.argv[1])
    graph = graph_of(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    app = SparqlEndpoint(graph=graph, path="/sparql", cors_enabled=True)
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
""")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


async def measure(requests: list[httpx.Request], concurrency: int) -> dict[str, float]:
    """Send the requests (cycling) with `concurrency` clients; latency percentiles in ms and requests/s."""
    latencies: list[float] = []
    failures = 0
    queue: asyncio.Queue[httpx.Request] = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal failures
        while not queue.empty():
            request = queue.get_nowait()
            started = time.perf_counter()
            response = await client.send(request)
            await response.aread()
            latencies.append((time.perf_counter() - started) * 1000)
            failures += response.status_code >= 400

    async with httpx.AsyncClient(timeout=120) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()

    def percentile(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]

    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies),
        "p95": percentile(95),
        "p99": percentile(99),
        "failures": failures,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=200, help="requests per case and server")
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()

    settings = Settings.from_env()
    store = open_store(settings)
    base = settings.base_iri
    iris = [
        str(r["s"])
        for r in store.select(
            f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), '{base}id/')) }} ORDER BY ?s"
        )
    ]
    research = sorted((ROOT / "service" / "queries" / "research").glob("*.rq"))

    ours_port, theirs_port = free_port(), free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ours = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "service.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(ours_port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    theirs = subprocess.Popen(
        [sys.executable, "-c", RDFLIB_ENDPOINT, str(store.path / "oxigraph"), str(theirs_port)],
        cwd=ROOT,
        env=env,
    )
    ours_url, theirs_url = f"http://127.0.0.1:{ours_port}", f"http://127.0.0.1:{theirs_port}"
    try:
        wait_for(ours_url + "/healthz")
        wait_for(theirs_url + "/sparql")
        cases: list[tuple[str, list[httpx.Request], list[httpx.Request]]] = []
        lookups = [iris[i % len(iris)] for i in range(args.requests)]
        cases.append(
            (
                "IRI lookup (Turtle)",
                [
                    httpx.Request("GET", ours_url + "/" + iri[len(base) :], headers={"Accept": "text/turtle"})
                    for iri in lookups
                ],
                [
                    httpx.Request(
                        "GET",
                        theirs_url + "/sparql",
                        params={"query": f"DESCRIBE <{iri}>"},
                        headers={"Accept": "text/turtle"},
                    )
                    for iri in lookups
                ],
            )
        )
        for path in research:
            query = path.read_text(encoding="utf-8")
            count = max(10, args.requests // 5)
            accept = {"Accept": "application/sparql-results+json"}
            cases.append(
                (
                    f"query {path.stem}",
                    [httpx.Request("POST", ours_url + "/sparql", data={"query": query}, headers=accept)]
                    * count,
                    [httpx.Request("POST", theirs_url + "/sparql", data={"query": query}, headers=accept)]
                    * count,
                )
            )
        print(f"{len(iris)} resources, {store.info.triples} triples; {args.concurrency} concurrent clients\n")
        print(
            f"{'case':<48} {'server':<16} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'fail':>5}"
        )
        ratios = []
        for name, ours_requests, theirs_requests in cases:
            for requests in (ours_requests, theirs_requests):
                asyncio.run(measure(requests[:3], 1))  # warm up
            a = asyncio.run(measure(ours_requests, args.concurrency))
            b = asyncio.run(measure(theirs_requests, args.concurrency))
            for server, r in (("integration-kg", a), ("rdflib-endpoint", b)):
                print(
                    f"{name[:48]:<48} {server:<16} {r['rps']:>8.1f} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['p99']:>8.1f} {int(r['failures']):>5}"
                )
            ratios.append((name, b["p50"] / a["p50"], a["rps"] / b["rps"]))
        print("\nrdflib-endpoint p50 / integration-kg p50, and integration-kg req/s / rdflib-endpoint req/s:")
        for name, latency_ratio, rps_ratio in ratios:
            print(f"  {name[:48]:<48} median latency ×{latency_ratio:.1f}  throughput ×{rps_ratio:.1f}")
    finally:
        for process in (ours, theirs):
            process.terminate()
            process.wait(timeout=15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
