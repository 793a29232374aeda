"""Lanes: which user queries may take which query workers, so heavy work never takes every worker."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from .query_workers import QueryWorkers
from .seam import QueryTimeout, StoreBusy, WorkerOutOfMemory
from .worker_tasks import execute_query

FAST_SECONDS = 0.5
"""A query shape whose last run took longer than this (or ran out of time or memory) is heavy."""


class QueryLanes:
    """Which queries may take which workers, so that light work is never starved by heavy work.

    Queries are known by their shape (CheckedQuery.shape: the query without its IRIs, literals and
    comments). A shape whose last run finished within FAST_SECONDS is light, and its queries may take any
    free worker: the fast lane. Every other query (a shape that was slow, ran out of time or memory, or has
    not been seen yet, or a light shape with a run now going on past FAST_SECONDS) is in the general lane,
    which holds at most `size - 1` workers at once, so at least one worker is always left to light work.
    A client that sends the same heavy query again and again, or varies only its constants, stays in the
    general lane; a new kind of query waits there once, then runs in the fast lane if it was fast.
    """

    def __init__(self, size: int, remembered: int = 4096) -> None:
        self.general_lane = threading.BoundedSemaphore(max(1, size - 1))
        self._fast: OrderedDict[str, bool] = OrderedDict()
        self._running: dict[str, list[float]] = {}
        self._remembered = remembered
        self._lock = threading.Lock()

    def is_light(self, shape: str) -> bool:
        """Whether queries of this shape may take the fast lane now."""
        with self._lock:
            if not self._fast.get(shape, False):
                return False
            started = self._running.get(shape, ())
            return not any(time.monotonic() - t > FAST_SECONDS for t in started)

    def record(self, shape: str, seconds: float | None) -> None:
        """How long a run of this shape took (None: it was stopped, past its time or memory)."""
        with self._lock:
            self._fast[shape] = seconds is not None and seconds <= FAST_SECONDS
            self._fast.move_to_end(shape)
            while len(self._fast) > self._remembered:
                self._fast.popitem(last=False)

    def run(self, workers: QueryWorkers, shape: str, kwargs: Mapping[str, Any], deadline: float) -> Any:
        """Run execute_query in a worker within its lane; blocking (call it from a thread)."""
        general = not self.is_light(shape)
        if general and not self.general_lane.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise StoreBusy(
                "the workers for new or slow queries are busy with other slow queries; try again shortly",
                status=503,
            )
        started = time.monotonic()
        with self._lock:
            self._running.setdefault(shape, []).append(started)
        try:
            result = workers.run(execute_query, kwargs, deadline)
        except (QueryTimeout, WorkerOutOfMemory):
            self.record(shape, None)
            raise
        finally:
            with self._lock:
                runs = self._running[shape]
                runs.remove(started)
                if not runs:
                    del self._running[shape]
            if general:
                self.general_lane.release()
        self.record(shape, time.monotonic() - started)
        return result
