"""bench/request_cpu.py serves a real build over HTTP and reports the CPU each process spends per request."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from service.build import BuildResult
from service.settings import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "bench" / "request_cpu.py"
EVERY_TRIPLE = "SELECT * WHERE { ?s ?p ?o }"
"""Enough work per request that 30 of them take the query workers several of /proc's 10 ms clock ticks."""


def run_script(built: BuildResult, query: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            str(PROJECT_ROOT),
            str(query),
            "--store-dir",
            str(built.store_path.parent.parent),
            "--requests",
            "30",
            "--concurrency",
            "3",
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_it_reports_the_cpu_of_every_process_per_request(built: BuildResult, tmp_path: Path) -> None:
    query = tmp_path / "every-triple.rq"
    query.write_text(EVERY_TRIPLE, encoding="utf-8")
    run = run_script(built, query)
    assert run.returncode == 0, run.stderr
    assert (
        "every-triple.rq on" in run.stdout
        and "30 requests, 3 clients, result cache off, 0 failed" in run.stdout
    )
    assert re.search(r"^  \d+\.\d req/s; CPU per request:$", run.stdout, re.MULTILINE), run.stdout
    parts = dict(
        re.findall(
            r"^  (service|query worker \d|client \(this script\)) +(\d+\.\d) ms$", run.stdout, re.MULTILINE
        )
    )
    assert set(parts) == {"service", "query worker 1", "query worker 2", "client (this script)"}, run.stdout
    assert (
        float(parts["query worker 1"]) + float(parts["query worker 2"]) > 0
    )  # the queries ran in the workers
    total = float(re.search(r"^  all +(\d+\.\d) ms", run.stdout, re.MULTILINE).group(1))  # type: ignore[union-attr]
    assert abs(total - sum(map(float, parts.values()))) < 0.2


def test_a_query_the_service_refuses_is_reported_not_measured(built: BuildResult, tmp_path: Path) -> None:
    query = tmp_path / "broken.rq"
    query.write_text("SELECT ?s WHERE { ?s ", encoding="utf-8")
    run = run_script(built, query)
    assert run.returncode == 1 and "the query failed 6 times before measuring (400: " in run.stderr
    assert "syntax error at line 1" in run.stderr, run.stderr
