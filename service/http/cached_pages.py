"""The one layer in front of the routes: GET/HEAD /id/… answered from the current build's page cache.

A page the build has rendered is bytes, and it proves its IRI and page number are of this build, so its
answer needs no routing, no dependencies and no query: `service.http.resources.cached_answer` (the same
function, negotiation and validators as the /id/ route's) gives it, or None. On None (a page not rendered
yet, an error to word, no build) the request goes on to the app unchanged, and the /id/ route renders the
page into the cache. Nothing here renders, queries or raises.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ..settings import Settings
from ..store import GraphStore, StoreUnavailable
from .resources import cached_answer, page_cache

ID_PREFIX = "/id/"


class CachedPages:
    """ASGI middleware: answers a GET/HEAD /id/… whose page is in its build's page cache, else passes it on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in ("GET", "HEAD")
            and not scope.get("root_path")
            and scope["path"].startswith(ID_PREFIX)
        ):
            answer = self.cached(Request(scope, receive))
            if answer is not None:
                await answer(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    def cached(request: Request) -> Response | None:
        """The cached answer, or None (the route answers: no page yet, an error to word, no build)."""
        settings: Settings = request.app.state.settings
        try:
            store: GraphStore = request.app.state.store.get()
        except StoreUnavailable:  # no build: the route's dependency words the 503
            return None
        path = request.scope["path"][len(ID_PREFIX) :]
        return cached_answer(request, path, settings, store, page_cache(store, settings))
