"""A build swapped out is released: once no request uses its store, the store (its RocksDB handle, its copy in
memory, what was cached from it) is freed, so a service that rebuilds daily does not grow."""

from __future__ import annotations

import gc
import os
import shutil
import weakref
from pathlib import Path

from conftest import project_settings
from fastapi.testclient import TestClient

from service.app import create_app
from service.build import build
from service.progress import Progress
from service.settings import Settings


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def use_everything(client: TestClient) -> None:
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


def test_rebuilds_under_a_running_app_release_the_old_stores(settings: Settings, tmp_path: Path) -> None:
    shutil.copytree(settings.store_dir, tmp_path / "var", symlinks=True)
    mine = project_settings(tmp_path / "var")
    released: list[weakref.ref[object]] = []
    files: list[int] = []
    with TestClient(create_app(mine)) as client:
        current = client.app.state.store  # type: ignore[attr-defined]
        for _ in range(4):
            use_everything(client)
            store = current.get()
            released.append(weakref.ref(store))
            del store
            build(mine, Progress(steps=8, quiet=True))
            use_everything(client)  # the new build is served
            gc.collect()
            files.append(open_files())
        alive = [ref for ref in released if ref() is not None]
        assert not alive, f"{len(alive)} of {len(released)} swapped-out stores are still alive"
        assert current.get().info.build_id != ""
    assert files[-1] <= files[1], f"open files grew over the rebuilds: {files}"
