"""bench/query_cost.py runs on a real build and reports the query's rows and each part of its cost."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from service.build import BuildResult
from service.settings import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "bench" / "query_cost.py"
LABELS = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?s ?label WHERE { ?s skos:prefLabel ?label }"""
PARTS = (
    "evaluate, count rows in Python",
    "evaluate, write TSV",
    "evaluate, write SPARQL JSON",
    "the same, rows bounded",
    "TSV to SPARQL JSON",
)


@pytest.mark.parametrize("where", ["in memory", "on disk"])
def test_it_reports_the_rows_and_every_part_of_the_cost(
    built: BuildResult, tmp_path: Path, where: str
) -> None:
    query = tmp_path / "labels.rq"
    query.write_text(LABELS, encoding="utf-8")
    options = ["--disk"] if where == "on disk" else []
    run = subprocess.run(
        [sys.executable, str(SCRIPT), str(built.store_path), str(query), "--repeat", "2", *options],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    store = ox.Store.read_only(str(built.store_path / "oxigraph"))
    rows = sum(1 for _ in store.query(LABELS))
    assert rows > 0
    assert f"labels.rq: {rows} rows" in run.stdout and f"on the store {where}" in run.stdout
    for part in PARTS:
        assert re.search(rf"^  {re.escape(part)} +\d+\.\d ms$", run.stdout, re.MULTILINE), run.stdout
