"""Worker processes: a fixed pool of fresh, sandboxed Python processes that run one task at a time.

User queries, the safety check of queries and the validation of posted data each run in such a pool
(service/store/worker_pools.py says which): a task past its deadline or its memory limit has its worker
killed and replaced, so the work really stops, and every worker runs under a seccomp filter that denies it
network sockets and under a memory limit (service/store/sandbox.py). A task is a module-level function,
named by module and name, called with keyword arguments; its QueryError comes back as the same class.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import logging
import os
import queue
import socket
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import anyio
import rdflib.plugins.sparql.parser  # noqa: F401  (loaded before a worker's memory limit is measured)

from .sandbox import WORKER_MEMORY_DEFAULT, MemoryLimit, describe_bytes, enter_sandbox
from .seam import (
    QueryError,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    ResultTooLarge,
    StoreBusy,
    WorkerOutOfMemory,
)
from .worker_store import OpenedBuild

log = logging.getLogger(__name__)

PARSER_RECURSION = 6000
"""Python's recursion limit in a worker process: rdflib's parser recurses a few dozen frames per nesting
level, so this allows about 100 levels of groups, parentheses or lists; deeper is a 400."""


class ThreadLimiter:
    """How many threads may wait for one pool at once: one anyio limiter per event loop (a test client runs
    a loop of its own), so threads waiting for queries never take the ones that serve pages."""

    def __init__(self, total: int) -> None:
        self.total = total
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def current(self) -> anyio.CapacityLimiter:
        """The limiter of the running event loop (call it on the loop)."""
        loop = asyncio.get_running_loop()
        with self._lock:
            limiter = self._by_loop.get(loop)
            if limiter is None:
                limiter = self._by_loop[loop] = anyio.CapacityLimiter(self.total)
            return limiter


def _worker_main(connection: Connection, memory: MemoryLimit | None = None) -> None:
    """The worker loop: receive (function, kwargs), call it, send back ("ok", value) or ("error", …).

    The loop holds the build this process has open (OpenedBuild) and hands it to every task that takes an
    `opened` argument (the query tasks, service/store/worker_tasks.py), so it stays open between tasks."""
    opened = OpenedBuild(memory)
    while True:
        try:
            function_path, kwargs = connection.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        try:
            module_name, _, name = function_path.partition(":")
            function = getattr(importlib.import_module(module_name), name)
            if "opened" in inspect.signature(function).parameters:
                kwargs = {**kwargs, "opened": opened}
            reply: tuple[Any, ...] = ("ok", function(**kwargs))
        except QueryError as error:
            reply = ("error", type(error).__name__, error.message, error.status, error.line, error.column)
        except MemoryError:
            reply = ("error", "WorkerOutOfMemory", "", 503, None, None)
        except RecursionError:
            reply = (
                "error",
                "QuerySyntaxError",
                "the input nests more deeply than this service reads",
                400,
                None,
                None,
            )
        except Exception:  # the worker must survive anything a task raises; the reason goes to the log
            log.exception("a worker task failed: %s", function_path)
            reply = (
                "error",
                "QueryError",
                "the request could not be completed (an internal error)",
                500,
                None,
                None,
            )
        try:
            connection.send(reply)
        except (OSError, ValueError):
            return


# ------------------------------------------------------------------------------------------------
# The pool (this part runs in the service)
# ------------------------------------------------------------------------------------------------


_ERRORS: dict[str, type[QueryError]] = {
    cls.__name__: cls
    for cls in (
        QueryError,
        QuerySyntaxError,
        QueryTimeout,
        ResultTooLarge,
        StoreBusy,
        QueryRefused,
        WorkerOutOfMemory,
    )
}


def _memory_budget() -> int:
    """INTEGRATION_KG_WORKER_MEMORY (bytes; 0: no limit), else WORKER_MEMORY_DEFAULT."""
    raw = os.environ.get("INTEGRATION_KG_WORKER_MEMORY", "").strip()
    return int(raw) if raw else WORKER_MEMORY_DEFAULT


_WORKER_COMMAND = (
    "import sys; from service.store.query_workers import worker_process_main; "
    "worker_process_main(int(sys.argv[1]), int(sys.argv[2]))"
)


def worker_process_main(fd: int, memory_budget: int) -> None:
    """Entry point of a worker process: import what tasks use, enter the sandbox (no network, bounded
    memory: service/store/sandbox.py), then serve tasks over the socket inherited as file descriptor fd."""
    sys.setrecursionlimit(PARSER_RECURSION)
    memory = enter_sandbox(memory_budget)
    _worker_main(Connection(fd), memory)


class _Worker:
    """One worker: a fresh Python process (not a fork of the service) talking over a socket pair."""

    def __init__(self, memory_budget: int, role: str = "query") -> None:
        parent, child = socket.socketpair()
        package_root = str(Path(__file__).resolve().parents[2])
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])),
            "RUST_BACKTRACE": "0",  # an allocation past the memory limit aborts the worker: one line, no trace
        }
        self.process = subprocess.Popen(
            # the role is not read by the worker: it names the process for ps and the bench scripts
            [sys.executable, "-c", _WORKER_COMMAND, str(child.fileno()), str(memory_budget), role],
            pass_fds=[child.fileno()],
            env=env,
            stdin=subprocess.DEVNULL,
            close_fds=True,
        )
        child.close()
        self.connection = Connection(parent.detach())

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=5)
        self.connection.close()


class QueryWorkers:
    """A fixed number of worker processes; each call borrows one, and a call past its deadline kills it.

    Every worker is sandboxed (no network, at most memory_budget bytes beyond its start-up and its copy of
    the graph: service/store/sandbox.py). `role` names the pool in messages (query, checker, validation).
    Blocking: call `run` from a thread (the service does, through anyio), never on the event loop.
    """

    def __init__(self, size: int, *, role: str = "query", memory_budget: int | None = None) -> None:
        self.size = max(1, size)
        self.role = role
        self.memory_budget = _memory_budget() if memory_budget is None else memory_budget
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._started = False
        self._closed = False
        self.busy = 0
        """Calls now holding a worker or waiting for one."""

    @property
    def closed(self) -> bool:
        return self._closed

    def _new_worker(self) -> _Worker:
        return _Worker(self.memory_budget, self.role)

    def start(self) -> None:
        """Start the worker processes now rather than at the first call."""
        self._start()

    def _start(self) -> None:
        with self._lock:
            if not self._started:
                for _ in range(self.size):
                    self._idle.put(self._new_worker())
                self._started = True

    def _out_of_memory(self) -> WorkerOutOfMemory:
        return WorkerOutOfMemory(
            f"the {self.role} needed more memory than a worker may use "
            f"({describe_bytes(self.memory_budget)}, INTEGRATION_KG_WORKER_MEMORY); it was stopped",
            status=503,
        )

    def run(self, function: Callable[..., Any], kwargs: Mapping[str, Any], deadline: float) -> Any:
        """Call a module-level function in a worker; raise QueryTimeout at the deadline (and kill the worker)."""
        if self._closed:
            raise StoreBusy("the service is shutting down", status=503)
        self._start()
        with self._lock:
            self.busy += 1
        try:
            return self._run(function, kwargs, deadline)
        finally:
            with self._lock:
                self.busy -= 1

    def _run(self, function: Callable[..., Any], kwargs: Mapping[str, Any], deadline: float) -> Any:
        try:
            worker = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise StoreBusy(
                f"every {self.role} worker is busy with other requests; try again shortly", status=503
            ) from None
        healthy = False
        try:
            worker.connection.send((f"{function.__module__}:{function.__name__}", dict(kwargs)))
            if not worker.connection.poll(max(0.0, deadline - time.monotonic())):
                raise QueryTimeout(f"the {self.role} ran past the time limit and was stopped", status=503)
            reply = worker.connection.recv()
            healthy = reply[0] == "ok" or reply[1] != "WorkerOutOfMemory"
        except (EOFError, OSError, BrokenPipeError):
            raise self._out_of_memory() from None
        finally:
            if healthy:
                self._idle.put(worker)
            else:  # past its time or memory: a fresh process takes its place
                worker.stop()
                if not self._closed:
                    self._idle.put(self._new_worker())
        if reply[0] == "ok":
            return reply[1]
        _, kind, message, status, line, column = reply
        if kind == "WorkerOutOfMemory":
            raise self._out_of_memory()
        raise _ERRORS.get(kind, QueryError)(message, status=status, line=line, column=column)

    def broadcast(self, function: Callable[..., Any], kwargs: Mapping[str, Any], deadline: float) -> int:
        """Call a module-level function once in every worker that is free before the deadline (a worker
        busy with a query past it is skipped); returns how many answered. For preparing a new build."""
        if self._closed:
            return 0
        self._start()
        borrowed: list[_Worker] = []
        answered = 0
        try:
            for _ in range(self.size):
                try:
                    borrowed.append(self._idle.get(timeout=max(0.0, deadline - time.monotonic())))
                except queue.Empty:
                    break
            task = (f"{function.__module__}:{function.__name__}", dict(kwargs))
            for worker in borrowed:
                worker.connection.send(task)
            for worker in borrowed:
                if worker.connection.poll(max(0.0, deadline - time.monotonic())):
                    answered += worker.connection.recv()[0] == "ok"
                else:  # still busy: replace it rather than leave an unread reply behind
                    worker.stop()
                    borrowed[borrowed.index(worker)] = self._new_worker()
        except (EOFError, OSError):
            pass
        finally:
            for worker in borrowed:
                if self._closed:
                    worker.stop()
                else:
                    self._idle.put(worker)
        return answered

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().stop()
            except queue.Empty:
                break
