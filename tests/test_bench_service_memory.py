"""bench/service_memory.py serves a real build, waits for the copies its settings make, and reports memory."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from service.build import BuildResult
from service.settings import PROJECT_ROOT, Settings

SCRIPT = PROJECT_ROOT / "bench" / "service_memory.py"


@pytest.mark.parametrize(
    ("settings", "readers"),
    [
        ([], ["query worker", "query worker"]),
        (["--set", "INTEGRATION_KG_QUERY_MEMORY_TRIPLES=0"], []),
    ],
)
def test_it_reports_each_process_once_every_copy_has_loaded(
    built: BuildResult, settings: list[str], readers: list[str]
) -> None:
    store_dir = built.store_path.parent.parent
    assert Settings.from_env(environ={}).query_workers == 2
    run = subprocess.run(
        [sys.executable, str(SCRIPT), str(PROJECT_ROOT), "--store-dir", str(store_dir), *settings],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    assert f"copies of the graph in memory: {len(readers)} of {len(readers)} loaded" in run.stdout, run.stdout
    loaded = re.findall(r"; ([\w ]+) ([\d,]+) triples in [\d.]+ s", run.stdout)
    assert sorted(reader for reader, _ in loaded) == sorted(readers)
    assert all(int(triples.replace(",", "")) == built.info.triples for _, triples in loaded)
    rows = re.findall(
        r"^  (service|(?:query|checker|validation) worker \d) +\d+ +(\d+) +(\d+)$", run.stdout, re.MULTILINE
    )
    names = [name for name, _, _ in rows]
    assert names[:3] == ["service", "query worker 1", "query worker 2"], run.stdout
    assert names[3:] == ["checker worker 1", "checker worker 2"], (
        run.stdout
    )  # the processes that check queries
    assert all(0 < int(resident) <= int(peak) for _, resident, peak in rows)
    total = int(re.search(r"^  all +(\d+)$", run.stdout, re.MULTILINE).group(1))  # type: ignore[union-attr]
    assert abs(total - sum(int(resident) for _, resident, _ in rows)) <= len(rows)


def test_it_says_when_there_is_no_build(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, str(SCRIPT), str(PROJECT_ROOT), "--store-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1 and "no build in" in run.stderr


def test_a_setting_that_is_not_one_is_refused_by_name() -> None:
    run = subprocess.run(
        [sys.executable, str(SCRIPT), str(PROJECT_ROOT), "--set", "QUERY_MEMORY_TRIPLES=0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (
        run.returncode == 2
        and "expected INTEGRATION_KG_<NAME>=<value>, got 'QUERY_MEMORY_TRIPLES=0'" in run.stderr
    )
