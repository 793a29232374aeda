"""Answers kept per build and bounded by bytes, and the ASGI fast path that answers /id/… lookups before
FastAPI's routing and dependency machinery runs.

The graph is immutable per build, so anything rendered from it and keyed by the build id never goes stale:
a new build brings a new build id and so new keys, and the old entries age out of the least-recently-used
order. `SizedLRU` is that cache for any hashable key (a NamedTuple whose first field is the build id) and
any value with a size; `BytesLRU` holds bytes. `PAGES` holds rendered /id/… pages (PageKey: build id, base
IRI, IRI, format, language, public root, page, page size; RenderedPage: the body and its Link header), and the /sparql
route keeps its answers in a BytesLRU (service.http.sparql.QueryKey).

The fast path answers a hit from PAGES on the event loop. A miss it renders with the route's own function
(which stores the page in PAGES): on the event loop too when the page is bounded work (read from the store's
indexes within service.describe_index.BOUNDED_WORK statements, written by pyoxigraph: a few milliseconds at
most, less than a thread costs), else in a worker thread. Anything it cannot answer (a 400, 404 or 406, no
store) goes on to the FastAPI route, which words the error; so every answer is built by the same code.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, NamedTuple, TypeVar

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ..describe import NotBounded
from ..settings import Settings

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

    An entry costs `value_bytes(value)` (the length of the value by default) plus `key_bytes(key)`
    (nothing by default: keys that are a few short strings; a key holding user input of any length,
    such as a query text, should be charged). A bound of 0 keeps nothing.
    """

    def __init__(
        self,
        max_bytes: int,
        *,
        key_bytes: Callable[[K], int] | None = None,
        value_bytes: Callable[[V], int] = len,
    ) -> None:  # type: ignore[assignment]
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
    """A SizedLRU of bytes."""


class PageCache(SizedLRU[PageKey, RenderedPage]):
    """Rendered representations of /id/… resources, each costing its body and its Link header."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(max_bytes, value_bytes=lambda page: len(page.body) + len(page.link))


PAGES = PageCache(Settings().page_cache_bytes)
"""The process's one page cache: shared by the /id/… route (which fills it) and the fast path (which reads
it). The app factory sets its size from the settings (INTEGRATION_KG_PAGE_CACHE_BYTES)."""


class LookupFastPath:
    """ASGI middleware: GET/HEAD /id/… answered before FastAPI's routing and dependencies.

    `answer` finds a page already rendered (on the event loop: it never queries); on a miss `render_bounded`
    renders it on the event loop if that is bounded work (else it raises NotBounded), and `render` renders it
    in a worker thread. All three are the route module's own functions (service.http.resources.cached_lookup,
    bounded_lookup and rendered_lookup), so negotiation, validators and headers are decided by the same code
    as the route's. When one gives None (an error the route words, say) the request goes on to the app.
    """

    def __init__(
        self,
        app: ASGIApp,
        answer: Callable[[Request], Response | None],
        render_bounded: Callable[[Request], Response | None],
        render: Callable[[Request], Response | None],
    ) -> None:
        self.app, self.answer, self.render_bounded, self.render = app, answer, render_bounded, render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in ("GET", "HEAD")
            and not scope.get("root_path")
            and scope["path"].startswith("/id/")
        ):
            request = Request(scope, receive)
            response = self.answer(request)
            if response is None:
                try:
                    response = self.render_bounded(request)
                except NotBounded:
                    response = await anyio.to_thread.run_sync(self.render, request)
            if response is not None:
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
