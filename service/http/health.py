"""GET /healthz: liveness and the loaded graph's size."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from ..store import GraphStore
from .deps import get_store

router = APIRouter()


@router.get("/healthz", summary="Liveness and the loaded graph's size")
def healthz(store: GraphStore = Depends(get_store)) -> dict[str, object]:
    info = store.info
    return {
        "status": "ok",
        "build": info.build_id,
        "built_at": info.built_at,
        "triples": info.triples,
        "graphs": len(info.graphs),
    }
