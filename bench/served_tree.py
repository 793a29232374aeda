"""One uvicorn worker serving a tree that `bench/run.py --keep` left: the arguments that name the tree, the
service started over it with every copy of the graph in memory loaded, and its processes.

Shared by the scripts that measure a running service (bench/service_memory.py, bench/request_cpu.py).
Linux only (/proc).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import settings_env  # noqa: E402
from bench.servers import Server, integration_kg  # noqa: E402
from service.settings import Settings  # noqa: E402
from service.store.memory_copy import COPY_LOADED  # noqa: E402
from service.store.worker_store import copies_into_memory  # noqa: E402


def setting(text: str) -> tuple[str, str]:
    """A --set value: KEY=VALUE, the key an INTEGRATION_KG_* setting (argparse reports anything else)."""
    key, equals, value = text.partition("=")
    if not equals or not key.startswith("INTEGRATION_KG_"):
        raise argparse.ArgumentTypeError(f"expected INTEGRATION_KG_<NAME>=<value>, got {text!r}")
    return key, value


def add_tree_arguments(parser: argparse.ArgumentParser) -> None:
    """TREE, --store-dir and --set, the arguments every such script takes."""
    parser.add_argument(
        "tree", type=Path, help="a project tree: data/, ontology/, shapes/ (and var/, its builds)"
    )
    parser.add_argument("--store-dir", type=Path, help="where the tree's builds are (default: TREE/var)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        type=setting,
        metavar="KEY=VALUE",
        help="a setting for the service, e.g. INTEGRATION_KG_QUERY_MEMORY_TRIPLES=0 (repeatable)",
    )


@dataclass(frozen=True)
class KeptTree:
    """A project tree and the folder of its builds, which has a current build."""

    tree: Path
    store_dir: Path
    settings: dict[str, str]
    """The --set settings."""

    @classmethod
    def from_arguments(cls, args: argparse.Namespace) -> KeptTree:
        """The tree the arguments name; exits (status 1) with a message when it has no build."""
        tree = args.tree.resolve()
        store_dir = (args.store_dir or tree / "var").resolve()
        if not (store_dir / "current" / "manifest.json").exists():
            sys.exit(f"no build in {store_dir} (run `integration-kg build` with that tree's settings first)")
        return cls(tree, store_dir, dict(args.set))


@dataclass(frozen=True)
class Serving:
    server: Server
    log: Path
    """What the service and its query workers print."""
    copies: int
    """How many copies of the graph in memory its settings make (all loaded, unless the wait timed out)."""


@contextmanager
def serving(
    kept: KeptTree, settings: dict[str, str] | None = None, timeout: float = 900
) -> Iterator[Serving]:
    """Start one uvicorn worker over the tree with its settings (and `settings`, which the tree's --set
    override), wait until its copies of the graph in memory have loaded, and stop it afterwards."""
    env = settings_env(kept.tree, kept.store_dir, {**(settings or {}), **kept.settings})
    copies = copies_to_load(env, (kept.store_dir / "current").resolve())
    with tempfile.TemporaryDirectory(prefix="ikg-served-") as folder:
        log = Path(folder) / "service.log"
        server = integration_kg("ikg", env, log)
        try:
            server.wait_ready(timeout)
            wait_for_copies(log, copies, timeout=timeout)
            yield Serving(server, log, copies)
        finally:
            server.stop()


def copies_to_load(env: dict[str, str], store_path: Path) -> int:
    """How many copies of the graph in memory a service started with `env` loads: one per query worker
    (INTEGRATION_KG_QUERY_MEMORY_TRIPLES); pages are read from the store on disk."""
    settings = Settings.from_env(env)
    if settings.store_backend != "embedded":
        return 0
    return settings.query_workers if copies_into_memory(store_path, settings.query_memory_triples) else 0


def wait_for_copies(log: Path, expected: int, timeout: float) -> None:
    """Wait until `expected` copies in memory are logged as loaded (or timeout): measuring before then
    measures the cores busy with those loads, not the service."""
    deadline = time.monotonic() + timeout
    while (loaded := log.read_text(encoding="utf-8", errors="replace").count(COPY_LOADED)) < expected:
        if time.monotonic() > deadline:
            print(f"  {loaded} of {expected} copies in memory loaded after {timeout:g} s; measuring anyway")
            return
        time.sleep(1)


def child_pids(pid: int) -> list[int]:
    """The processes whose parent is pid."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return sorted(children)


def worker_role(pid: int) -> str:
    """What a worker process of the service does, from its command line (service/store/query_workers.py names it last):
    "query worker", "checker worker" or "validation worker"."""
    try:
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "query worker"
    role = next((a.decode() for a in reversed(arguments) if a), "query")
    return f"{role} worker" if role in ("checker", "validation") else "query worker"


def service_processes(pid: int) -> list[tuple[str, int]]:
    """The service process and its workers, named as the scripts print them: query workers numbered first,
    then the checkers and the validation worker under their own names."""
    numbered: dict[str, int] = {}
    named = []
    for child in child_pids(pid):
        role = worker_role(child)
        numbered[role] = numbered.get(role, 0) + 1
        named.append((f"{role} {numbered[role]}", child))
    return [("service", pid)] + sorted(
        named, key=lambda item: (item[0] != f"query worker {item[0][-1]}", item[0])
    )
