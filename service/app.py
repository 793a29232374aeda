"""The app factory: settings in, a FastAPI app out, with one router per HTTP surface.

Routers are thin: they parse the request, call the domain, and render the answer.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import __version__
from .http import catalog as catalog_http
from .http import coverage as coverage_http
from .http import health
from .http import resources as resources_http
from .http import search as search_http
from .http import sources as sources_http
from .http import sparql as sparql_http
from .http import trace as trace_http
from .http import validate as validate_http
from .http.cached_pages import CachedPages
from .http.deps import TEMPLATES, page_language, public_root
from .http.negotiation import preferred_media_type
from .settings import Settings
from .sparql import close_checkers
from .store import CurrentStore, QueryError

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).resolve().parent / "static"
SWAGGER_UI_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
"""Swagger UI's script, style sheet and icon as the fastapi-offline package ships them: /api/docs works
without any other host."""


def install_api_docs(app: FastAPI) -> None:
    """GET /api/docs: Swagger UI over /api/openapi.json, every asset from this service."""

    @app.get("/api/docs", include_in_schema=False)
    async def api_docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}/api/openapi.json",
            title="integration-kg · API",
            swagger_js_url=f"{root}/static/api-docs/swagger-ui-bundle.js",
            swagger_css_url=f"{root}/static/api-docs/swagger-ui.css",
            swagger_favicon_url=f"{root}/static/api-docs/favicon.png",
        )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    app = FastAPI(
        title="integration-kg",
        version=__version__,
        description="An open knowledge graph of integration policy, published as Linked Data.",
        docs_url=None,  # served below from the package's own copy of Swagger UI, never a CDN
        redoc_url=None,
        openapi_url="/api/openapi.json",
        swagger_ui_oauth2_redirect_url=None,  # no OAuth here; its page would be one more inline script
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.store = CurrentStore(settings)
    app.state.query_results = sparql_http.QueryResults(settings.query_cache_bytes)
    app.state.validation_slots = validate_http.ValidationSlots()
    install_error_handlers(app)
    app.add_middleware(CachedPages)  # added first: inside CORS, the body limit and the security headers
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
        allow_headers=["Accept", "Content-Type", "If-None-Match", "If-Modified-Since"],
        expose_headers=["ETag", "Last-Modified", "Content-Location", "Vary", "X-Conforms"],
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders, docs_path="/api/docs")
    app.add_middleware(HeadAsGet)  # outermost: HEAD is answered as GET without its body, on every route
    app.mount("/static/api-docs", StaticFiles(directory=SWAGGER_UI_DIR), name="api-docs-assets")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_api_docs(app)
    app.include_router(health.router)
    app.include_router(catalog_http.router)
    app.include_router(trace_http.router)
    app.include_router(coverage_http.router)
    app.include_router(search_http.router)
    app.include_router(sparql_http.router)
    app.include_router(validate_http.router)
    app.include_router(sources_http.router)
    app.include_router(resources_http.router)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.store.start()  # the query workers open the current build (and load its copy in memory) now
    # The query checkers start now too, and load their parser, in the background: started on the first
    # query instead, they spent most of its CHECK_SECONDS starting, and a loaded machine's first query
    # was refused as "too complex to parse".
    threading.Thread(target=warm_checkers, name="warm-checkers", daemon=True).start()
    yield
    app.state.store.close()  # stop the query worker processes
    close_checkers()


def warm_checkers() -> None:
    """Start the query checker processes and have each parse a query once (loading the parser)."""
    from .sparql import check_query, checkers

    try:
        checkers().broadcast(check_query, {"query": "ASK {}"}, time.monotonic() + 60)
    except Exception as error:  # a failed warm-up only means the first query starts them
        logging.getLogger(__name__).warning("the query checkers did not start ahead: %s", error)


# ------------------------------------------------------------------------------------------------
# Errors: every one names the problem, as JSON or plain text; never a stack trace
# ------------------------------------------------------------------------------------------------


def error_response(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    """JSON `{"status", "error"}` for clients that ask for JSON, an HTML page for browsers (Accept
    prefers text/html), plain text for everyone else."""
    accept = request.headers.get("accept", "")
    offers = ["text/plain", "application/json", "text/html"]
    if preferred_media_type(accept, offers) == "text/html" and accept.strip():
        html = TEMPLATES.get_template("error.html").render(
            root=public_root(request, request.app.state.settings),
            lang=page_language(request),
            status=status,
            message=message,
        )
        return HTMLResponse(html, status_code=status, headers=headers)
    if "json" in accept and "text/plain" not in accept and "text/html" not in accept:
        return JSONResponse({"status": status, "error": message}, status_code=status, headers=headers)
    return PlainTextResponse(message + "\n", status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code == 304:
            return Response(status_code=304)
        message = error.detail if isinstance(error.detail, str) else str(error.detail)
        if error.status_code == 404 and message == "Not Found":
            message = f"nothing at {request.url.path}"
        if error.status_code == 405 and message == "Method Not Allowed":
            message = f"{request.method} is not allowed on {request.url.path}"
        return error_response(request, error.status_code, message, dict(error.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in error.errors()
        )
        return error_response(request, 400, f"bad request: {problems}")

    @app.exception_handler(QueryError)
    async def query_error(request: Request, error: QueryError) -> Response:
        return error_response(request, error.status, error.message)

    @app.exception_handler(BodyTooLarge)
    async def body_too_large(request: Request, error: BodyTooLarge) -> Response:
        return error_response(request, 413, str(error))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
        return error_response(request, 500, "internal error: the request was not completed")


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    """Refuse request bodies over max_bytes: at once by Content-Length, or as soon as a stream passes it."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = f"the request body is larger than the limit of {self.max_bytes} bytes"
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_large = int(value) > self.max_bytes
                except ValueError:
                    too_large = False
                if too_large:
                    response = PlainTextResponse(
                        message + "\n", status_code=413, headers={"Connection": "close"}
                    )
                    await response(scope, receive, send)
                    return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            incoming = await receive()
            if incoming["type"] == "http.request":
                received += len(incoming.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(message)
            return incoming

        await self.app(scope, limited_receive, send)


# ------------------------------------------------------------------------------------------------
# HEAD on every GET route; security headers on every response
# ------------------------------------------------------------------------------------------------


class HeadAsGet:
    """HEAD is answered as the same GET would be, headers and status, without the body: on every route,
    whatever framework made it (FastAPI's routes answer only the methods they name)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # the rest follows; HEAD sends none of it
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
"""The policy of every HTML page: scripts, styles, images and requests only from the service itself (the
pages hold no inline script or style), never framed by another site."""

DOCS_POLICY = (
    "default-src 'self'; script-src 'self' {hashes}; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
"""The policy of /api/docs: Swagger UI (served from this service) starts with one inline script, which is
allowed by its hash and nothing else."""

_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


class SecurityHeaders:
    """Every response: `X-Content-Type-Options: nosniff` and `Referrer-Policy`. HTML responses besides: the
    Content-Security-Policy (CONTENT_SECURITY_POLICY), and `X-Frame-Options: DENY` for browsers that do not
    read frame-ancestors."""

    def __init__(self, app: ASGIApp, docs_path: str) -> None:
        self.app, self.docs_path = app, docs_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope.get("path") == self.docs_path
        held: list[Message] = []

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
                if headers.get("content-type", "").startswith("text/html"):
                    headers["X-Frame-Options"] = "DENY"
                    if docs:  # its policy names its inline script's hash: wait for the body
                        held.append(message)
                        return
                    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
            elif held:
                body = message.get("body", b"")
                hashes = " ".join(
                    "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
                    for script in _INLINE_SCRIPT.findall(body)
                )
                start = held.pop()
                MutableHeaders(scope=start)["Content-Security-Policy"] = DOCS_POLICY.format(hashes=hashes)
                await send(start)
            await send(message)

        await self.app(scope, receive, with_headers)
