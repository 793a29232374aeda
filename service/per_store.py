"""Caches of what is derived from one build's store, that go when the store goes.

`functools.lru_cache` keyed on a store keeps that store alive for as long as its entries stay in the
cache: after a new build the previous store (its RocksDB handle, its copy in memory) would never be freed.
`per_store` keeps one small LRU per store object, held by a weak reference: when a build has been swapped
out and no request uses its store any more, the store and its entries are freed together. Cached values
must not refer to the store themselves (they are graphs, bytes, counts).
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


def per_store(maxsize: int) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Decorate `function(store, *args)` (args hashable) with an LRU of maxsize entries per store."""

    def decorate(function: Callable[..., T]) -> Callable[..., T]:
        caches: weakref.WeakKeyDictionary[Any, OrderedDict[tuple[Hashable, ...], T]] = (
            weakref.WeakKeyDictionary()
        )
        lock = threading.Lock()

        @functools.wraps(function)
        def cached(store: Any, *args: Hashable) -> T:
            with lock:
                cache = caches.get(store)
                if cache is None:
                    cache = caches[store] = OrderedDict()
                elif args in cache:
                    cache.move_to_end(args)
                    return cache[args]
            value = function(store, *args)
            with lock:
                cache[args] = value
                while len(cache) > maxsize:
                    cache.popitem(last=False)
            return value

        def cache_clear() -> None:
            with lock:
                caches.clear()

        cached.cache_clear = cache_clear  # type: ignore[attr-defined]
        cached.stores = lambda: len(caches)  # type: ignore[attr-defined]
        return cached

    return decorate
