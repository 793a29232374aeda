"""Caches bounded by the bytes they hold, for answers that are kept per build.

The graph is immutable per build, so anything rendered from it never goes stale: `SizedLRU` keeps any
values with a size under any hashable keys, `BytesLRU` holds bytes (the /sparql route's answers,
service.http.sparql.QueryKey, first field the build id), and `PageCache` holds rendered /id/… pages
(PageKey: IRI, format, language, public root, page, page size; RenderedPage: the body and its Link header),
one per build (service.http.resources.page_cache).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, NamedTuple, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class PageKey(NamedTuple):
    build_id: str
    base_iri: str
    iri: str
    format: str
    language: str
    root: str
    page: int = 1
    per_page: int = 100


class RenderedPage(NamedTuple):
    """One representation of one page of a resource: its body, and its Link header (pages; "" for none)."""

    body: bytes
    link: str = ""


class SizedLRU(Generic[K, V]):
    """A thread-safe LRU map from keys to values, bounded by the total size of what it holds.

    An entry costs `value_bytes(value)` plus `key_bytes(key)`
    (nothing by default: keys that are a few short strings; a key holding user input of any length,
    such as a query text, should be charged). A bound of 0 keeps nothing.
    """

    def __init__(
        self,
        max_bytes: int,
        *,
        value_bytes: Callable[[V], int],
        key_bytes: Callable[[K], int] | None = None,
    ) -> None:
        self.max_bytes = max_bytes
        self._key_bytes = key_bytes or (lambda key: 0)
        self._value_bytes = value_bytes
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: K) -> V | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[0]

    def put(self, key: K, body: V) -> None:
        """Keep body under key, evicting the least recently used entries; one larger than the bound is not kept."""
        cost = self._value_bytes(body) + self._key_bytes(key)
        if cost > self.max_bytes or self.max_bytes <= 0:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= old[1]
            self._entries[key] = (body, cost)
            self._size += cost
            while self._size > self.max_bytes:
                _, (_, evicted_cost) = self._entries.popitem(last=False)
                self._size -= evicted_cost

    def get_or_render(self, key: K, render: Callable[[], V]) -> V:
        """The cached bytes, or render them now and keep them (two racing misses render twice; both give equal bytes)."""
        body = self.get(key)
        if body is None:
            body = render()
            self.put(key, body)
        return body

    @property
    def size(self) -> int:
        """What the entries cost, in bytes (never more than max_bytes)."""
        return self._size

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0


class BytesLRU(SizedLRU[K, bytes]):
    """A SizedLRU of bytes, each costing its length."""

    def __init__(self, max_bytes: int, *, key_bytes: Callable[[K], int] | None = None) -> None:
        super().__init__(max_bytes, value_bytes=len, key_bytes=key_bytes)


class PageCache(SizedLRU[PageKey, RenderedPage]):
    """Rendered representations of /id/… resources, each costing its body and its Link header."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(max_bytes, value_bytes=lambda page: len(page.body) + len(page.link))
