"""Rendered representations of /id/… resources, kept per build and bounded by bytes, and the ASGI fast path
that answers repeated lookups from them before FastAPI's routing and dependency machinery runs.

The graph is immutable per build, so a representation keyed by (build id, base IRI, IRI, format, language,
public root) never goes stale: a new build brings a new build id and so new keys, and the old pages age out
of the least-recently-used order. The fast path only ever answers from this cache; on a miss (or anything it
cannot decide by itself: a 406, an unknown store) it passes the request on to the FastAPI route, which
renders, stores and answers — so a hit and a miss build their responses with the same function.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import NamedTuple

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ..settings import Settings


class PageKey(NamedTuple):
    build_id: str
    base_iri: str
    iri: str
    format: str
    language: str
    root: str


class PageCache:
    """A thread-safe LRU map from PageKey to rendered bytes, bounded by the total size of the bytes it holds."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._pages: OrderedDict[PageKey, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: PageKey) -> bytes | None:
        with self._lock:
            body = self._pages.get(key)
            if body is None:
                self.misses += 1
                return None
            self._pages.move_to_end(key)
            self.hits += 1
            return body

    def put(self, key: PageKey, body: bytes) -> None:
        """Keep body under key, evicting the least recently used pages; a page larger than the bound is not kept."""
        if len(body) > self.max_bytes:
            return
        with self._lock:
            old = self._pages.pop(key, None)
            if old is not None:
                self._size -= len(old)
            self._pages[key] = body
            self._size += len(body)
            while self._size > self.max_bytes:
                _, evicted = self._pages.popitem(last=False)
                self._size -= len(evicted)

    def get_or_render(self, key: PageKey, render: Callable[[], bytes]) -> bytes:
        """The cached page, or render it now and keep it (two racing misses render twice; both give equal bytes)."""
        body = self.get(key)
        if body is None:
            body = render()
            self.put(key, body)
        return body

    @property
    def size(self) -> int:
        return self._size

    def __len__(self) -> int:
        return len(self._pages)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._size = 0


PAGES = PageCache(Settings().page_cache_bytes)
"""The process's one page cache: shared by the /id/… route (which fills it) and the fast path (which reads
it). The app factory sets its size from the settings (INTEGRATION_KG_PAGE_CACHE_BYTES)."""


class LookupFastPath:
    """ASGI middleware: GET/HEAD /id/… answered from PAGES when `answer` finds the page there, else passed on.

    `answer` is the route module's own hit function (service.http.resources.cached_lookup), so negotiation,
    validators and headers are decided by the same code on a hit as on a miss.
    """

    def __init__(self, app: ASGIApp, answer: Callable[[Request], Response | None]) -> None:
        self.app, self.answer = app, answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and scope["method"] in ("GET", "HEAD") and not scope.get("root_path")
                and scope["path"].startswith("/id/")):
            response = self.answer(Request(scope, receive))
            if response is not None:
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
