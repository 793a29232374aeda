"""Where one request's CPU goes: the service process, its query workers, and the client, over real HTTP.

    .venv/bin/python bench/request_cpu.py /tmp/bench-1000/scale-1000 ../shared/bench/queries/cites-principle.rq

TREE is a project tree with its builds in TREE/var, as `bench/run.py --keep` leaves them (or give
--store-dir). The script starts one uvicorn worker with that tree's settings, the SPARQL result cache off
(every request is a cold query) and any --set, waits for its copies of the graph in memory, sends the
query --requests times from --concurrency clients (SPARQL JSON), and prints the throughput and the CPU
time (user + system, from /proc, counted in clock ticks of 10 ms: send enough requests) each process spent
per request. On a machine whose cores are all busy, the sum per request bounds the throughput: cores ÷
CPU per request. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.served_tree import KeptTree, add_tree_arguments, service_processes, serving  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


async def send_all(url: str, query: str, requests: int, concurrency: int) -> tuple[int, str]:
    """Send the query `requests` times from `concurrency` clients: how many failed, and the first failure."""
    remaining = iter(range(requests))
    failures = 0
    first_failure = ""

    async def client_loop(client: httpx.AsyncClient) -> None:
        nonlocal failures, first_failure
        for _ in remaining:
            response = await client.post(
                url, data={"query": query}, headers={"Accept": "application/sparql-results+json"}
            )
            body = await response.aread()
            if response.status_code != 200:
                failures += 1
                first_failure = (
                    first_failure or f"{response.status_code}: {body.decode(errors='replace')[:300]}"
                )

    async with httpx.AsyncClient(timeout=120) as client:
        await asyncio.gather(*(client_loop(client) for _ in range(concurrency)))
    return failures, first_failure


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_tree_arguments(parser)
    parser.add_argument("query", type=Path, help="a .rq file")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    kept = KeptTree.from_arguments(args)
    query = args.query.read_text(encoding="utf-8")
    with serving(kept, {"INTEGRATION_KG_QUERY_CACHE_BYTES": "0"}) as served:
        url = served.server.url + "/sparql"
        warm_failures, failure = asyncio.run(send_all(url, query, args.concurrency * 2, args.concurrency))
        if warm_failures:  # the warm-up also has every query worker run the query once
            print(f"the query failed {warm_failures} times before measuring ({failure})", file=sys.stderr)
            return 1
        processes = service_processes(served.server.process.pid)
        before = {pid: cpu_seconds(pid) for _, pid in processes}
        client_before = time.process_time()
        started = time.perf_counter()
        failures, failure = asyncio.run(send_all(url, query, args.requests, args.concurrency))
        elapsed = time.perf_counter() - started
        client_cpu = time.process_time() - client_before
        spent = {pid: cpu_seconds(pid) - before[pid] for _, pid in processes}
    per_request = {name: spent[pid] * 1000 / args.requests for name, pid in processes}
    per_request["client (this script)"] = client_cpu * 1000 / args.requests
    total = sum(per_request.values())
    cores = os.cpu_count() or 1
    print(
        f"{args.query.name} on {kept.tree}: {args.requests} requests, {args.concurrency} clients, result cache off, "
        f"{failures} failed" + (f" (the first: {failure})" if failures else "")
    )
    print(f"  {args.requests / elapsed:.1f} req/s; CPU per request:")
    for name, milliseconds in per_request.items():
        print(f"  {name:<22} {milliseconds:8.1f} ms")
    print(
        f"  {'all':<22} {total:8.1f} ms  (at most {cores} cores ÷ {total:.1f} ms = {cores * 1000 / total:.1f} req/s)"
    )
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
