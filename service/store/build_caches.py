"""Caches of what is derived from one build, owned by that build's store and dropped when it closes.

A cache keyed on a store object (`functools.lru_cache`, a module-level dict) keeps the store alive for as
long as its entries stay, and a swapped-out build (its RocksDB handle, its page reader) is never freed.
Here every store holds its own `BuildCaches`: the layers above hang their caches on it (`store.caches`),
and when the build is swapped out and its last request has finished, closing the store clears them all.
Cached values must not refer to the store itself (they are graphs, bytes, counts).
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Concatenate, Generic, ParamSpec, Protocol, TypeVar

V = TypeVar("V")
P = ParamSpec("P")


class LruCache(Generic[V]):
    """At most maxsize values by key, the least recently used dropped first; safe between threads."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._values: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._values)

    def get_or_compute(self, key: Hashable, compute: Callable[[], V]) -> V:
        """The value kept under key, else compute() kept (computed outside the lock: two threads may
        compute the same value once each; the graph is immutable per build, so both are the same)."""
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = compute()
        with self._lock:
            self._values[key] = value
            while len(self._values) > self.maxsize:
                self._values.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


class BuildCaches:
    """The caches hung on one build: one LruCache per owner (a function, a name), made on first use."""

    def __init__(self) -> None:
        self._caches: dict[Hashable, LruCache[Any]] = {}
        self._lock = threading.Lock()
        self._closed = False

    def lru(self, owner: Hashable, maxsize: int) -> LruCache[Any]:
        """The cache of `owner` on this build (maxsize is taken from its first use)."""
        with self._lock:
            cache = self._caches.get(owner)
            if cache is None:
                cache = self._caches[owner] = LruCache(maxsize if not self._closed else 0)
            return cache

    def __len__(self) -> int:
        """How many values are kept over all caches."""
        with self._lock:
            return sum(len(cache) for cache in self._caches.values())

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Drop every value: the build is no longer served."""
        with self._lock:
            self._closed = True
            caches, self._caches = list(self._caches.values()), {}
        for cache in caches:
            cache.clear()


class HasBuildCaches(Protocol):
    @property
    def caches(self) -> BuildCaches: ...


S = TypeVar("S", bound=HasBuildCaches)


def per_build(
    maxsize: int,
) -> Callable[[Callable[Concatenate[S, P], V]], Callable[Concatenate[S, P], V]]:
    """Decorate `function(store, *args, **kwargs)` (all hashable) to keep up to maxsize answers on the
    store's own caches (`store.caches`), so they go when the build goes."""

    def decorate(function: Callable[Concatenate[S, P], V]) -> Callable[Concatenate[S, P], V]:
        @functools.wraps(function)
        def cached(store: S, /, *args: P.args, **kwargs: P.kwargs) -> V:
            cache: LruCache[V] = store.caches.lru(function, maxsize)
            key = (args, tuple(sorted(kwargs.items())))
            return cache.get_or_compute(key, lambda: function(store, *args, **kwargs))

        return cached

    return decorate
