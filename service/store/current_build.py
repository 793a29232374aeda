"""The build the service serves, and its owner: opened as a whole, swapped as a whole, closed as a whole.

`open_store` opens the configured back end over one build folder. `CurrentBuild` is what the service holds:
the build var/current points at, as a `ServedBuild` (its open store, with the store's BuildInfo and every
cache derived from it). Each request takes the current build (`acquire`) and gives it back when it has
finished (`release`); when a new build replaces the link, the next request opens it, and the old one is
closed once its last request has given it back, so a request in flight during a rebuild finishes on the
build it started with and a service that rebuilds daily does not grow.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..settings import Settings
from .embedded import EmbeddedStore
from .remote import RemoteStore
from .seam import GraphStore, StoreUnavailable, current_store_path
from .worker_pools import WorkerPools


def open_store(
    settings: Settings,
    path: Path | None = None,
    *,
    pools: WorkerPools | None = None,
) -> GraphStore:
    """The configured back end over a build folder (default: the current build). pools: the processes that
    run user queries."""
    if settings.store_backend not in ("embedded", "remote"):
        raise StoreUnavailable(f"unknown store back end {settings.store_backend!r} (embedded or remote)")
    path = path or current_store_path(settings)
    if path is None:
        raise StoreUnavailable("no store has been built yet: run `integration-kg build`")
    if settings.store_backend == "remote":
        return RemoteStore(settings, path, pools)
    return EmbeddedStore(path, pools, memory_triples=settings.query_memory_triples)


class ServedBuild:
    """One build as the service serves it: its open store and the requests now using it.

    Retired (a newer build has replaced it), it is closed as soon as no request uses it any more.
    """

    def __init__(self, store: GraphStore, path: Path) -> None:
        self.store = store
        self.path = path
        self._requests = 0
        self._retired = False
        self._lock = threading.Lock()

    @property
    def requests(self) -> int:
        """Requests that have acquired this build and not yet released it."""
        return self._requests

    @property
    def retired(self) -> bool:
        return self._retired

    @property
    def closed(self) -> bool:
        return self.store.closed

    def enter(self) -> None:
        with self._lock:
            self._requests += 1

    def leave(self) -> None:
        with self._lock:
            self._requests -= 1
            close = self._retired and self._requests == 0
        if close:
            self.store.close()

    def retire(self) -> None:
        """No new request gets this build; it is closed now, or when its last request leaves."""
        with self._lock:
            self._retired = True
            close = self._requests == 0
        if close:
            self.store.close()


def _link_stamp(link: Path) -> tuple[int, int, int] | None:
    """What tells one var/current link from the next: its device, inode and change time (None: no link)."""
    try:
        found = os.lstat(link)
    except OSError:
        return None
    return (found.st_dev, found.st_ino, found.st_ctime_ns)


class CurrentBuild:
    """The build var/current points at, reopened as a whole when a new build has replaced the link.

    Every request asks (`acquire`); the usual answer costs one lstat of var/current: a new build replaces
    the link (build_store.swap_current), which changes its inode. The graph is immutable per build:
    everything derived from it is kept on its store's caches (`store.caches`) and goes with it.
    """

    def __init__(self, settings: Settings, pools: WorkerPools) -> None:
        self.settings = settings
        self.pools = pools
        self._lock = threading.Lock()
        self._served: ServedBuild | None = None
        self._link_stamp: tuple[int, int, int] | None = None
        self._serving = False

    def start(self) -> None:
        """From the service's start on, each build it opens is opened in the query workers at once (in a
        background thread), not at their first query."""
        self._serving = True
        try:
            self.acquire().leave()
        except StoreUnavailable:
            pass

    def acquire(self) -> ServedBuild:
        """The current build, counted as in use until `leave()` (StoreUnavailable before the first build)."""
        stamp = _link_stamp(self.settings.current_store)
        with self._lock:
            served = self._served
            if served is None or stamp is None or stamp != self._link_stamp:
                served = self._open(stamp)
            served.enter()
            return served

    @contextmanager
    def using(self) -> Iterator[GraphStore]:
        """The current build's store for the length of a `with` block."""
        served = self.acquire()
        try:
            yield served.store
        finally:
            served.leave()

    def _open(self, stamp: tuple[int, int, int] | None) -> ServedBuild:
        """Open the build var/current points at now (under the lock), retiring the one served so far."""
        path = current_store_path(self.settings)
        if path is None:
            raise StoreUnavailable("no store has been built yet: run `integration-kg build`")
        previous = self._served
        if previous is not None and previous.path == path:
            self._link_stamp = stamp
            return previous
        store = open_store(self.settings, path, pools=self.pools)
        served = self._served = ServedBuild(store, path)
        self._link_stamp = stamp
        if previous is not None:
            previous.retire()
        if self._serving and isinstance(store, EmbeddedStore):
            threading.Thread(
                target=store.prepare_workers, daemon=True, name="integration-kg prepare query workers"
            ).start()
        return served

    @property
    def served(self) -> ServedBuild | None:
        """The build served now (None before the first request)."""
        return self._served

    def close(self) -> None:
        """Retire the build served now (the service does when it stops)."""
        with self._lock:
            served, self._served = self._served, None
        if served is not None:
            served.retire()
