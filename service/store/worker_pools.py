"""The service's worker processes and what shares them out: one set per app, shared by every build it serves.

- `queries`: the processes that run users' SPARQL queries (service/store/worker_tasks.py), `lanes` deciding
  which queries may take which of them, `query_threads` bounding the threads that wait for them;
- `checker`: the processes that check queries before they run (service/store/query_check.py);
- `validators`: the process that validates posted RDF (/validate): its own pool, so validations never hold
  up queries, and queries never hold up validations.

Processes start on first use (or when `start` warms the checkers) and stop at `close`.
"""

from __future__ import annotations

from .query_check import QueryChecker
from .query_lanes import QueryLanes
from .query_workers import QueryWorkers, ThreadLimiter

QUERY_WAITING_THREADS = 16
"""Threads that may wait for a query worker at once (their own pool, never the one that serves pages)."""


class WorkerPools:
    """Every pool of worker processes of one service (see the module docstring)."""

    def __init__(self, query_workers: int = 1) -> None:
        self.queries = QueryWorkers(query_workers)
        self.lanes = QueryLanes(self.queries.size)
        self.query_threads = ThreadLimiter(QUERY_WAITING_THREADS)
        self.checker = QueryChecker()
        self.validators = QueryWorkers(1, role="validation")

    def close(self) -> None:
        """Stop every worker process (the service does when it stops)."""
        self.queries.close()
        self.checker.close()
        self.validators.close()
