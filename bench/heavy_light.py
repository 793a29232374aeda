"""Light work next to heavy work: do small queries and page lookups keep answering while one client sends a
heavy query every second?

Starts the service on a loopback port over a built store (--store-dir, default ./var), then runs two phases
of --seconds each: 16 light clients alone, then the same 16 with one heavy client. Light clients send, one
after the other, a small SPARQL query about a resource (its text made new each time by a comment, so no
answer comes from the answer cache: every one runs in a query worker) or a lookup of a resource page. The
heavy client starts a query every second (a self-join of the whole graph with a string filter, also new
each time) without waiting for the last one. Prints p50/p99 latency and the answers by status, per kind
and phase.

Bounded: at most --seconds × 2 of load, loopback only, one service started and stopped. The machine may
be shared: the figures are for comparing the two phases, not absolute.

    $ .venv/bin/python bench/heavy_light.py --store-dir var --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
LIGHT_CLIENTS = 16
SMALL = "SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }} LIMIT 20 # {nonce}"
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE {{ ?a ?b ?c . ?d ?e ?f FILTER(STR(?c) < STR(?f)) }} # {nonce}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_service(store_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "INTEGRATION_KG_STORE_DIR": str(store_dir.resolve())}
    command = [sys.executable, "-m", "uvicorn", "service.app:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    return subprocess.Popen(command, cwd=ROOT, env=env)


async def wait_until_up(client: httpx.AsyncClient) -> None:
    for _ in range(300):
        try:
            if (await client.get("/healthz")).status_code == 200:
                await asyncio.sleep(3)  # the workers load their copies of the graph
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.1)
    raise SystemExit("the service did not start")


async def resources(client: httpx.AsyncClient, base: str) -> list[str]:
    query = f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), '{base}id/')) }} LIMIT 200"
    answer = await client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    answer.raise_for_status()
    return answer.text.splitlines()[1:]


Record = tuple[str, float, int]  # kind, seconds, status
MESSAGES: dict[tuple[str, int], str] = {}
"""The first answer's text for each kind and status other than 200 (what the errors say)."""


async def light_client(
    client: httpx.AsyncClient, iris: list[str], base: str, until: float, records: list[Record]
) -> None:
    counter = itertools.count()
    while time.monotonic() < until:
        iri = random.choice(iris)
        started = time.monotonic()
        if next(counter) % 2:
            kind = "small query"
            query = SMALL.format(iri=iri, nonce=random.random())
            request = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
        else:
            kind = "lookup"
            request = client.get("/" + iri[len(base) :], headers={"Accept": "text/turtle"})
        try:
            answer = await request
            status = answer.status_code
            if status != 200:
                MESSAGES.setdefault((kind, status), answer.text.strip()[:160])
        except httpx.HTTPError:
            status = 0
        records.append((kind, time.monotonic() - started, status))


async def heavy_client(client: httpx.AsyncClient, until: float, records: list[Record]) -> None:
    async def one() -> None:
        started = time.monotonic()
        try:
            query = HEAVY.format(nonce=random.random())
            answer = await client.get("/sparql", params={"query": query})
            status = answer.status_code
            if status != 200:
                MESSAGES.setdefault(("heavy query", status), answer.text.strip()[:160])
        except httpx.HTTPError:
            status = 0
        records.append(("heavy query", time.monotonic() - started, status))

    tasks = []
    while time.monotonic() < until:
        tasks.append(asyncio.create_task(one()))
        await asyncio.sleep(1.0)
    await asyncio.gather(*tasks)


async def phase(url: str, iris: list[str], base: str, seconds: float, heavy: bool) -> list[Record]:
    records: list[Record] = []
    until = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=LIGHT_CLIENTS + 32)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        jobs = [light_client(client, iris, base, until, records) for _ in range(LIGHT_CLIENTS)]
        if heavy:
            jobs.append(heavy_client(client, until, records))
        await asyncio.gather(*jobs)
    return records


def report(title: str, records: list[Record]) -> None:
    print(f"\n{title}")
    by_kind: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        by_kind[record[0]].append(record)
    for kind, rows in sorted(by_kind.items()):
        times = sorted(seconds for _, seconds, status in rows if status == 200)
        statuses = Counter(status for _, _, status in rows)
        if times:
            p50 = statistics.median(times) * 1000
            p99 = times[min(len(times) - 1, int(len(times) * 0.99))] * 1000
            figures = f"p50 {p50:7.1f} ms  p99 {p99:7.1f} ms"
        else:
            figures = "no answer with 200"
        counts = ", ".join(f"{status or 'failed'}: {n}" for status, n in sorted(statuses.items()))
        print(f"  {kind:<12} {len(rows):6d} requests  {figures}  ({counts})")


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store-dir", type=Path, default=ROOT / "var", help="a built store folder")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase (at most 120)")
    args = parser.parse_args()
    seconds = min(args.seconds, 120.0)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    service = start_service(args.store_dir, port)
    try:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            await wait_until_up(client)
            base = (await client.get("/healthz")).json().get("base_iri", "https://w3id.org/integration-kg/")
            iris = await resources(client, base)
        if not iris:
            raise SystemExit("no resources found to look up")
        report(
            f"{LIGHT_CLIENTS} light clients alone, {seconds:.0f} s",
            await phase(url, iris, base, seconds, False),
        )
        report(
            f"{LIGHT_CLIENTS} light clients and one heavy query a second, {seconds:.0f} s",
            await phase(url, iris, base, seconds, True),
        )
        for (kind, status), message in sorted(MESSAGES.items()):
            print(f"  {kind} {status}: {message}")
    finally:
        service.terminate()
        service.wait(timeout=30)


if __name__ == "__main__":
    asyncio.run(main())
