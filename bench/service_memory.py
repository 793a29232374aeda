"""How much memory the service holds: one uvicorn worker over a build, once its copies of the graph are loaded.

    .venv/bin/python bench/service_memory.py /tmp/bench-1000/scale-1000
    .venv/bin/python bench/service_memory.py /tmp/bench-10000/scale-10000 --set INTEGRATION_KG_QUERY_MEMORY_TRIPLES=20000000

TREE is a project tree (data/, ontology/, shapes/) with its builds in TREE/var, as `bench/run.py --keep`
leaves them (or give --store-dir). The script starts `uvicorn service.app:create_app --factory` on a free
loopback port with that tree's settings and any --set, waits until every copy of the graph in memory that
those settings make has loaded (the query workers' copies: service/store/memory_copy.py), and
prints each process's resident memory (VmRSS) and its peak (VmHWM) from /proc, with how long each copy
took to load. No request is made: the page and result caches (INTEGRATION_KG_PAGE_CACHE_BYTES,
INTEGRATION_KG_QUERY_CACHE_BYTES) come on top, up to their bounds. Linux only. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.served_tree import KeptTree, add_tree_arguments, service_processes, serving  # noqa: E402

COPY_LOG_LINE = re.compile(
    r"integration-kg (?P<reader>[\w ]+): (?P<triples>\d+) triples in memory \((?P<seconds>[\d.]+) s\)"
)


@dataclass(frozen=True)
class ProcessMemory:
    name: str
    pid: int
    resident_mib: float
    peak_mib: float


def status_mib(pid: int, field: str) -> float:
    """A memory line of /proc/<pid>/status (VmRSS, VmHWM) in MiB."""
    match = re.search(rf"^{field}:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.MULTILINE)
    return int(match.group(1)) / 1024 if match else 0.0


def measure(pid: int) -> list[ProcessMemory]:
    return [
        ProcessMemory(name, p, status_mib(p, "VmRSS"), status_mib(p, "VmHWM"))
        for name, p in service_processes(pid)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_tree_arguments(parser)
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for the copies")
    args = parser.parse_args()
    kept = KeptTree.from_arguments(args)
    with serving(kept, timeout=args.timeout) as served:
        processes = measure(served.server.process.pid)
        loads = [
            m.groupdict()
            for m in COPY_LOG_LINE.finditer(served.log.read_text(encoding="utf-8", errors="replace"))
        ]
    settings = " ".join(f"{key}={value}" for key, value in kept.settings.items()) or "the defaults"
    print(f"integration-kg service memory: {kept.tree}, one uvicorn worker, {settings}")
    print(
        f"  copies of the graph in memory: {len(loads)} of {served.copies} loaded"
        + "".join(
            f"; {load['reader']} {int(load['triples']):,} triples in {load['seconds']} s" for load in loads
        )
    )
    print(f"  {'process':<16} {'pid':>8} {'VmRSS MiB':>10} {'VmHWM MiB':>10}")
    for process in processes:
        print(
            f"  {process.name:<16} {process.pid:>8} {process.resident_mib:>10.0f} {process.peak_mib:>10.0f}"
        )
    print(f"  {'all':<16} {'':>8} {sum(p.resident_mib for p in processes):>10.0f}")
    return 0 if len(loads) >= served.copies else 1


if __name__ == "__main__":
    sys.exit(main())
