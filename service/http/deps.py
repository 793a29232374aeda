"""FastAPI dependencies shared by the routers: the settings and the current store."""

from __future__ import annotations

from fastapi import HTTPException, Request

from ..settings import Settings
from ..store import GraphStore, StoreUnavailable


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request) -> GraphStore:
    """The store of the last good build; 503 when none has been built (or the back end is down)."""
    try:
        return request.app.state.store.get()
    except StoreUnavailable as error:
        raise HTTPException(status_code=503, detail=str(error)) from None
