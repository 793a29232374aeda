"""The HTTP servers the benchmark measures, each a child process on a free loopback port: integration-kg
under uvicorn, rdflib-endpoint over the same triples, and a bare Starlette app (the HTTP ceiling).

A server is measured only once it is idle: integration-kg loads copies of the graph into memory in the
background after it answers /healthz, and measuring while those loads keep the cores busy would measure
the loads. Idle is read from /proc (the CPU time of the server and every process under it), so nothing
here depends on what the service logs or how it is built inside. Linux only.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BARE_STARLETTE = textwrap.dedent("""
    import sys, uvicorn
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route
    BODY = b"<https://w3id.org/integration-kg/id/x> <https://w3id.org/integration-kg/ontology#p> \\"x\\" .\\n" * 20
    async def page(request):
        return Response(BODY, media_type="text/turtle")
    app = Starlette(routes=[Route("/{path:path}", page)])
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
""")
"""A Starlette app (what FastAPI is built on) answering every path with a fixed Turtle body of the size of a
small page: routing, but no negotiation, store or rendering behind it."""

RDFLIB_ENDPOINT = textwrap.dedent("""
    # The reference gets rdflib's fastest layout: one Graph with the whole graph (the build's default
    # graph, as integration-kg queries it), parsed from the build's N-Triples dump.
    import gzip, sys, uvicorn
    from rdflib import Graph
    from rdflib_endpoint import SparqlEndpoint
    graph = Graph()
    with gzip.open(sys.argv[1], "rb") as dump:
        graph.parse(dump, format="nt")
    app = SparqlEndpoint(graph=graph, path="/sparql", cors_enabled=True)
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
""")
"""rdflib-endpoint serving a build's whole-graph N-Triples dump (argv: the dump, the port)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(url: str, timeout: float) -> None:
    """Return once `url` answers at all (any status), or raise RuntimeError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:g} s")


def process_tree(pid: int) -> list[int]:
    """`pid` and every process under it (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending.extend(children.get(current, []))
    return tree


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of the processes (those that have ended count 0)."""
    ticks = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


class Server:
    """A child process serving HTTP on a free loopback port, started by the constructor."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], ready_path: str, log: Path) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env
        self.ready_path = ready_path
        self._log = log.open("ab")
        self.process = subprocess.Popen(
            [a.replace("{port}", str(self.port)) for a in args],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float) -> None:
        """Wait until it answers, then until it and its processes are idle (see the module's docstring)."""
        try:
            wait_for(self.url + self.ready_path, timeout)
        except RuntimeError:
            self.stop()
            raise
        self.wait_idle(timeout)

    def wait_idle(self, timeout: float, window: float = 2.0, busy_fraction: float = 0.05) -> bool:
        """Wait until the server's processes together use under `busy_fraction` of one core over `window`
        seconds (True), or until `timeout` (False): between runs, what a run left running (a slow query
        the client gave up on) finishes before the next run starts."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}")
            pids = process_tree(self.process.pid)
            before = cpu_seconds(pids)
            time.sleep(window)
            if cpu_seconds(pids) - before < busy_fraction * window:
                return True
        print(f"  {self.name} still busy after {timeout:g} s; measuring anyway", file=sys.stderr)
        return False

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def integration_kg(name: str, env: dict[str, str], log: Path) -> Server:
    """integration-kg as `make serve` runs it: one uvicorn worker over the app factory."""
    args = [
        sys.executable,
        "-m",
        "uvicorn",
        "service.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--log-level",
        "warning",
    ]
    return Server(name, args, env, "/healthz", log)


def bare_asgi(env: dict[str, str], log: Path) -> Server:
    return Server("bare Starlette", [sys.executable, "-c", BARE_STARLETTE, "{port}"], env, "/", log)


def rdflib_endpoint(dump: Path, env: dict[str, str], log: Path) -> Server:
    return Server(
        "rdflib-endpoint", [sys.executable, "-c", RDFLIB_ENDPOINT, str(dump), "{port}"], env, "/sparql", log
    )
