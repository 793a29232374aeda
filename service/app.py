"""The app factory: settings in, a FastAPI app out, with one router per HTTP surface.

Routers are thin: they parse the request, call the domain, and render the answer.
"""

from __future__ import annotations

import logging
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
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import __version__
from .http import catalog as catalog_http
from .http import health
from .http import resources as resources_http
from .http import search as search_http
from .http import sources as sources_http
from .http import sparql as sparql_http
from .http import trace as trace_http
from .http import validate as validate_http
from .http.lookup_cache import PAGES, LookupFastPath
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
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.store = CurrentStore(settings)
    app.state.query_results = sparql_http.QueryResults(settings.query_cache_bytes)
    install_error_handlers(app)
    # Added first, so it runs inside CORS and the body limit: /id/… lookups skip routing and dependencies.
    PAGES.max_bytes = settings.page_cache_bytes
    app.add_middleware(
        LookupFastPath,
        answer=resources_http.cached_lookup,
        render_bounded=resources_http.bounded_lookup,
        render=resources_http.rendered_lookup,
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
        allow_headers=["Accept", "Content-Type", "If-None-Match", "If-Modified-Since"],
        expose_headers=["ETag", "Last-Modified", "Content-Location", "Vary", "X-Conforms"],
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.mount("/static/api-docs", StaticFiles(directory=SWAGGER_UI_DIR), name="api-docs-assets")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_api_docs(app)
    app.include_router(health.router)
    app.include_router(catalog_http.router)
    app.include_router(trace_http.router)
    app.include_router(search_http.router)
    app.include_router(sparql_http.router)
    app.include_router(validate_http.router)
    app.include_router(sources_http.router)
    app.include_router(resources_http.router)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.store.start()  # the query workers open the current build (and load its copy in memory) now
    yield
    app.state.store.close()  # stop the query worker processes
    close_checkers()


# ------------------------------------------------------------------------------------------------
# Errors: every one names the problem, as JSON or plain text; never a stack trace
# ------------------------------------------------------------------------------------------------


def error_response(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    """JSON `{"status", "error"}` for clients that ask for JSON, plain text for everyone else."""
    accept = request.headers.get("accept", "")
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
