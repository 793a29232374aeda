"""HTTP load with wrk: one run of one case against one server, and the medians of several runs.

wrk (C, one thread, keep-alive connections) drives a bare ASGI app several times faster than a Python
client does on the same machine, so the service, not the client, is what a run measures. bench/walk.lua
makes wrk walk a list of distinct paths, each once in order, which is what lets a run measure first
renderings: give it more paths than it can send in the run (a run that ran out says so: `wraps`).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import statistics
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

WALK = Path(__file__).resolve().parent / "walk.lua"


@dataclass(frozen=True)
class Figures:
    """One run (or the medians of several): throughput, latency, and what went wrong."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    failures: int
    """Responses of 400 and above, plus connect, read, write errors and timeouts."""
    wraps: int
    """Times the path list ran out and was walked again (0: every path was requested at most once)."""


def wrk_command(
    url: str, *, connections: int, seconds: int, timeout: int, headers: dict[str, str]
) -> list[str]:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", f"--timeout={timeout}s", "-s", str(WALK)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    return command + [url]


def run(
    url: str,
    *,
    connections: int,
    seconds: int,
    headers: dict[str, str],
    paths: list[str] | None = None,
    body: str | None = None,
    timeout: int = 60,
) -> Figures:
    """One wrk run of `seconds` against `url`: GET each of `paths` in order (or the URL's path), or POST
    `body` (form-encoded by the caller) to the URL."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: run scripts/install-bench-deps.sh (make bench does)")
    with tempfile.TemporaryDirectory(prefix="ikg-wrk-") as folder:
        env = {**os.environ, "IKG_OUT": str(Path(folder) / "figures.json")}
        if paths:
            (Path(folder) / "paths").write_text("\n".join(paths) + "\n", encoding="utf-8")
            env["IKG_PATHS"] = str(Path(folder) / "paths")
        if body is not None:
            (Path(folder) / "body").write_text(body, encoding="utf-8")
            env["IKG_BODY_FILE"] = str(Path(folder) / "body")
        command = wrk_command(url, connections=connections, seconds=seconds, timeout=timeout, headers=headers)
        finished = subprocess.run(command, env=env, capture_output=True, text=True)
        if finished.returncode != 0:
            raise RuntimeError(f"{shlex.join(command)} failed: {finished.stderr.strip()}")
        figures = json.loads((Path(folder) / "figures.json").read_text(encoding="utf-8"))
    errors = figures["errors"]
    requests = figures["requests"]
    return Figures(
        rps=requests / (figures["duration_us"] / 1e6),
        p50_ms=figures["latency_us"]["p50"] / 1000 if requests else float("nan"),
        p99_ms=figures["latency_us"]["p99"] / 1000 if requests else float("nan"),
        requests=requests,
        failures=sum(errors.values()),
        wraps=figures["wraps"],
    )


def medians(runs: list[Figures]) -> Figures:
    """The median of each figure over the runs (latencies over the runs that had an answer); failures,
    requests and wraps summed."""
    answered = [r for r in runs if r.requests] or runs
    return Figures(
        rps=statistics.median(r.rps for r in runs),
        p50_ms=statistics.median(r.p50_ms for r in answered),
        p99_ms=statistics.median(r.p99_ms for r in answered),
        requests=sum(r.requests for r in runs),
        failures=sum(r.failures for r in runs),
        wraps=sum(r.wraps for r in runs),
    )
