"""bench/load.py drives wrk with bench/walk.lua: each path of a walk reaches the server once (what makes a
run of first renderings first), a list that runs out is said to, bodies are posted, failures counted.

A real wrk against a real uvicorn app on loopback that writes down every request it receives."""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from service.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow

RECORDING_APP = textwrap.dedent("""
    import sys, uvicorn
    record = open(sys.argv[2], "a", buffering=1)
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        record.write(f"{scope['method']} {scope['path']} {body.decode()}\\n")
        status = 404 if scope["path"].startswith("/missing") else 200
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
""")


@pytest.fixture(scope="module")
def bench_modules() -> Iterator[tuple[ModuleType, ModuleType]]:
    sys.path.insert(0, str(PROJECT_ROOT / "bench"))
    try:
        yield importlib.import_module("load"), importlib.import_module("servers")
    finally:
        sys.path.remove(str(PROJECT_ROOT / "bench"))


@pytest.fixture
def recorder(bench_modules: tuple[ModuleType, ModuleType], tmp_path: Path) -> Iterator[tuple[str, Path]]:
    _, servers = bench_modules
    record = tmp_path / "requests.txt"
    server = servers.Server(
        "recorder",
        [sys.executable, "-c", RECORDING_APP, "{port}", str(record)],
        {"PATH": "/usr/bin:/bin"},
        "/ready",
        tmp_path / "server.log",
    )
    try:
        server.wait_ready(timeout=60)
        yield server.url, record
    finally:
        server.stop()


def received(record: Path) -> list[tuple[str, str, str]]:
    lines = [line.split(" ", 2) for line in record.read_text(encoding="utf-8").splitlines()]
    return [(method, path, body) for method, path, body in lines if path != "/ready"]


def test_a_walk_asks_for_each_path_once_in_order(
    bench_modules: tuple[ModuleType, ModuleType], recorder: tuple[str, Path]
) -> None:
    load, _ = bench_modules
    url, record = recorder
    paths = [f"/id/resource-{n}" for n in range(500_000)]
    figures = load.run(url, connections=4, seconds=1, headers={"Accept": "text/turtle"}, paths=paths)
    seen = [path for _, path, _ in received(record)]
    assert figures.wraps == 0
    assert 0 < figures.requests <= len(seen)
    assert len(set(seen)) == len(seen), "a path of the walk reached the server twice"
    # wrk's check of the script before the run takes the first path (bench/walk.lua).
    assert set(seen) == set(paths[1 : len(seen) + 1]), "the walk skipped a path"
    assert figures.failures == 0


def test_a_list_that_runs_out_is_walked_again_and_says_so(
    bench_modules: tuple[ModuleType, ModuleType], recorder: tuple[str, Path]
) -> None:
    load, _ = bench_modules
    url, record = recorder
    figures = load.run(url, connections=2, seconds=1, headers={}, paths=["/a", "/b", "/c"])
    seen = [path for _, path, _ in received(record)]
    assert figures.wraps > 0
    assert set(seen) == {"/a", "/b", "/c"}
    assert len(seen) > 3


def test_a_body_is_posted_to_the_url_and_failures_are_counted(
    bench_modules: tuple[ModuleType, ModuleType], recorder: tuple[str, Path]
) -> None:
    load, _ = bench_modules
    url, record = recorder
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    posted = load.run(url + "/sparql", connections=2, seconds=1, headers=form, body="query=ASK%7B%7D")
    missing = load.run(url + "/missing", connections=2, seconds=1, headers={})
    requests = received(record)
    assert ("POST", "/sparql", "query=ASK%7B%7D") in requests
    assert {(m, p, b) for m, p, b in requests if p == "/sparql"} == {("POST", "/sparql", "query=ASK%7B%7D")}
    assert posted.failures == 0 < posted.requests
    assert missing.failures == missing.requests > 0
