"""The real app under a real uvicorn on loopback, for the tests that speak HTTP to it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
from pyld import jsonld
from rdflib import Graph

from service.settings import PROJECT_ROOT, Settings
from service.store import EmbeddedStore


@dataclass
class Live:
    url: str
    settings: Settings
    store: EmbeddedStore
    process: subprocess.Popen[bytes]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def run_server(settings: Settings, **env: str) -> Iterator[Live]:
    """The real app under uvicorn on a loopback port, over the session's build of the real data."""
    port = free_port()
    environment = {
        **os.environ,
        "INTEGRATION_KG_STORE_DIR": str(settings.store_dir),
        "INTEGRATION_KG_DATA_DIR": str(settings.data_dir),
        "INTEGRATION_KG_ONTOLOGY_DIR": str(settings.ontology_dir),
        "INTEGRATION_KG_SHAPES_DIR": str(settings.shapes_dir),
        "INTEGRATION_KG_PUBLIC_URL": "",
        **env,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "service.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=PROJECT_ROOT,
        env=environment,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the service did not start")
        # Ready means answering queries too: the query checkers start on the first query, and on a
        # loaded machine starting them (and loading their parser) can take most of the time a check may
        # take (service.store.query_check.CHECK_SECONDS), so the first query may be refused as too complex.
        for _ in range(120):
            try:
                if httpx.get(url + "/sparql", params={"query": "ASK {}"}, timeout=30).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        store = EmbeddedStore(settings.current_store.resolve())
        yield Live(url, settings, store, process)
    finally:
        process.terminate()
        process.wait(timeout=15)


def context_loader(live: Live):
    """A pyld document loader that serves only our own context and refuses every other URL."""
    context = json.loads((PROJECT_ROOT / "ontology" / "context.jsonld").read_text(encoding="utf-8"))

    def load(url: str, options: object = None) -> dict[str, object]:
        if url == live.url + "/context.jsonld":
            return {"contextUrl": None, "documentUrl": url, "document": context}
        raise jsonld.JsonLdError(f"refusing to fetch {url}", "loading document failed")

    return load


def expand_to_graph(document: object, live: Live) -> Graph:
    nquads = jsonld.to_rdf(
        document, {"format": "application/n-quads", "documentLoader": context_loader(live)}
    )
    return Graph().parse(data=nquads, format="nt")


class Listener:
    """A TCP listener on loopback that records every connection made to it."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self._stop = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self._stop = True
        self._thread.join()
        self.socket.close()
