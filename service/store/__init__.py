"""The store: opens and reads what a build wrote; of the project it imports only the base (settings, rdfterms).

- `seam`: the GraphStore Protocol, its errors, BuildInfo, results and what a build folder holds;
- `embedded` (with `index_reader`, `memory_copy`) and `remote`: the two back ends;
- `query_workers`, `query_check`, `query_lanes`, `worker_tasks`, `worker_store`, `sandbox`, `worker_pools`:
  user queries checked and run in sandboxed worker processes;
- `build_caches`: what the layers above derive from one build, dropped with it;
- `current_build`: opening a build, and the build the service serves now, swapped and closed as a whole.

The names most callers need are imported here.
"""

from .current_build import CurrentBuild, ServedBuild, open_store
from .embedded import EmbeddedStore
from .seam import (
    BuildInfo,
    GraphStore,
    PageTriples,
    QueryDataset,
    QueryError,
    QueryRefused,
    QueryResult,
    QuerySyntaxError,
    QueryTimeout,
    ResultTooLarge,
    Row,
    SelectResult,
    StoreBusy,
    StoreUnavailable,
    current_store_path,
)

__all__ = [
    "BuildInfo",
    "CurrentBuild",
    "EmbeddedStore",
    "GraphStore",
    "PageTriples",
    "QueryDataset",
    "QueryError",
    "QueryRefused",
    "QueryResult",
    "QuerySyntaxError",
    "QueryTimeout",
    "ResultTooLarge",
    "Row",
    "SelectResult",
    "ServedBuild",
    "StoreBusy",
    "StoreUnavailable",
    "current_store_path",
    "open_store",
]
