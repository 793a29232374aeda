"""Several uvicorn workers over one read-only embedded store: `integration-kg serve --workers 2`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pyoxigraph as ox

from service.build import BuildResult


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_several_processes_open_the_store_read_only_at_once(built: BuildResult) -> None:
    path = built.store_path / "oxigraph"
    code = (
        "import sys, pyoxigraph as ox; s = ox.Store.read_only(sys.argv[1]); "
        "print(len(list(s.quads_for_pattern(None, None, None, None))))"
    )
    runs = [
        subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    here = ox.Store.read_only(str(path))
    counts = {int(p.communicate(timeout=60)[0]) for p in runs}
    assert counts == {len(list(here.quads_for_pattern(None, None, None, None)))}


def test_serve_with_two_workers_answers(built: BuildResult) -> None:
    port = free_port()
    store_dir = built.store_path.parent.parent
    root = Path(__file__).resolve().parent.parent
    env = {
        **os.environ,
        "INTEGRATION_KG_STORE_DIR": str(store_dir),
        "INTEGRATION_KG_DATA_DIR": str(root / "data"),
        "INTEGRATION_KG_ONTOLOGY_DIR": str(root / "ontology"),
        "INTEGRATION_KG_SHAPES_DIR": str(root / "shapes"),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--port", str(port), "--workers", "2"],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        answers = []
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            while time.monotonic() < deadline and len(answers) < 20:
                try:
                    response = client.get("/healthz")
                except httpx.TransportError:
                    time.sleep(0.3)
                    continue
                assert response.status_code == 200, response.text
                answers.append(response.json()["build"])
        assert len(answers) == 20, "the service did not answer within a minute"
        assert set(answers) == {built.info.build_id}
        children = subprocess.run(
            ["pgrep", "-P", str(server.pid)], capture_output=True, text=True
        ).stdout.split()
        assert len(children) >= 2, f"expected two worker processes under uvicorn, found {children}"
    finally:
        server.terminate()
        try:
            server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
