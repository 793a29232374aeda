"""The app factory: settings in, a FastAPI app out, with one router per HTTP surface.

Routers are thin: they parse the request, call the domain, and render the answer.
"""

from __future__ import annotations

from fastapi import FastAPI

from . import __version__
from .http import catalog as catalog_http
from .http import health
from .http import trace as trace_http
from .settings import Settings
from .store import CurrentStore


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    app = FastAPI(
        title="integration-kg",
        version=__version__,
        description="An open knowledge graph of integration policy, published as Linked Data.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.settings = settings
    app.state.store = CurrentStore(settings)
    app.include_router(health.router)
    app.include_router(catalog_http.router)
    app.include_router(trace_http.router)
    return app
