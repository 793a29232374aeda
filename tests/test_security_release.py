"""A build swapped out is released as a whole: a request in flight during the rebuild keeps its build open
and finishes on it; once no request uses it, its store (the RocksDB handle, the page reader, every cache
derived from it) is closed and freed, so a service that rebuilds daily does not grow."""

from __future__ import annotations

import gc
import os
import shutil
import socket
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from conftest import project_settings
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.app import create_app
from service.build import build
from service.progress import Progress
from service.settings import Settings
from service.store import CurrentBuild, ServedBuild, StoreUnavailable
from service.store.embedded import EmbeddedStore

WAIT = 60.0
"""How long a wait for the server may last before the test gives up (a bound, not a timed assertion)."""


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def files_open_under(folder: Path) -> int:
    """This process's open file descriptors on files inside folder (a store's RocksDB files)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        count += target.startswith(str(folder.resolve()) + "/")
    return count


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.02)


def use_everything(client: TestClient | httpx.Client) -> None:
    """Requests that fill every cache derived from the current store."""
    for path in (
        "/",
        "/id/framework/eu-cbp-2004/1",
        "/id/framework/eu-cbp-2004/1?format=ttl",
        "/ontology",
        "/ontology.ttl",
        "/catalog",
        "/trace",
        "/api/trace?framework=eu-cbp-2004&notation=1",
        "/healthz",
    ):
        assert client.get(path).status_code == 200, path
    answer = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
    assert answer.status_code == 200, answer.text


def builds_of(app: FastAPI) -> CurrentBuild:
    builds: CurrentBuild = app.state.builds
    return builds


def served_now(app: FastAPI) -> ServedBuild:
    served = builds_of(app).served
    assert served is not None
    return served


@contextmanager
def live(app: FastAPI) -> Iterator[tuple[str, int]]:
    """The app under a real uvicorn in this process on a loopback port (its lifespan runs)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, "the server to start")
    try:
        yield "127.0.0.1", port
    finally:
        server.should_exit = True
        thread.join(timeout=WAIT)


def test_a_request_in_flight_during_a_rebuild_keeps_its_build_and_then_closes_it(
    settings: Settings, tmp_path: Path
) -> None:
    shutil.copytree(settings.store_dir, tmp_path / "var", symlinks=True)
    mine = project_settings(tmp_path / "var")
    app = create_app(mine)
    query = b"SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    with live(app) as (host, port), httpx.Client(base_url=f"http://{host}:{port}", timeout=WAIT) as client:
        use_everything(client)
        old = served_now(app)
        assert isinstance(old.store, EmbeddedStore)
        assert len(old.store.caches) > 0 and files_open_under(old.path) > 0
        # A query whose body has not all arrived: the route holds the build (get_store) and waits for the rest.
        in_flight = socket.create_connection((host, port))
        in_flight.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
            b"Content-Type: application/sparql-query\r\nAccept: text/csv\r\n"
            b"Content-Length: " + str(len(query)).encode() + b"\r\n\r\n" + query[:10]
        )
        wait_until(lambda: old.requests == 1, "the request to take the build")

        build(mine, Progress(steps=8, quiet=True))
        assert client.get("/healthz").json()["build"] != old.store.info.build_id  # the new build is served
        assert served_now(app) is not old
        assert old.retired and not old.closed, "the build was closed under a request that uses it"
        assert old.store.ask("ASK { ?s ?p ?o }")

        in_flight.sendall(query[10:])
        answer = b""
        while chunk := in_flight.recv(65536):
            answer += chunk
        in_flight.close()
        assert answer.startswith(b"HTTP/1.1 200"), answer[:300]
        assert answer.split(b"\r\n\r\n", 1)[1].splitlines()[0].strip() == b"n"

        wait_until(lambda: old.requests == 0, "the request to give the build back")
        assert old.closed
        assert len(old.store.caches) == 0 and old.store.caches.closed
        assert files_open_under(old.path) == 0, "the old build's RocksDB files are still open"
        try:
            old.store.ask("ASK { ?s ?p ?o }")
        except StoreUnavailable:
            pass
        else:
            raise AssertionError("a closed build still answered")
        use_everything(client)  # and the new one serves everything


def test_rebuilds_under_a_running_app_release_the_old_stores(settings: Settings, tmp_path: Path) -> None:
    shutil.copytree(settings.store_dir, tmp_path / "var", symlinks=True)
    mine = project_settings(tmp_path / "var")
    released: list[weakref.ref[object]] = []
    files: list[int] = []
    app = create_app(mine)
    with TestClient(app) as client:
        for _ in range(4):
            use_everything(client)
            served = served_now(app)
            released.append(weakref.ref(served.store))
            del served
            build(mine, Progress(steps=8, quiet=True))
            use_everything(client)  # the new build is served
            gc.collect()
            files.append(open_files())
        alive = [ref for ref in released if ref() is not None]
        assert not alive, f"{len(alive)} of {len(released)} swapped-out stores are still alive"
        assert served_now(app).store.info.build_id != ""
    assert files[-1] <= files[1], f"open files grew over the rebuilds: {files}"
