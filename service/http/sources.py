"""GET /sources/{name}: the source texts the quotes come from, as the current build published them."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import FileResponse

from ..build import SOURCES_FOLDER
from ..settings import Settings
from ..store import GraphStore, current_store_path
from .conditional import client_is_current, entity_tag
from .deps import get_settings, get_store

router = APIRouter()

MEDIA_TYPES = {".txt": "text/plain; charset=utf-8", ".md": "text/markdown; charset=utf-8"}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@router.api_route(
    "/sources/{name}",
    methods=["GET", "HEAD"],
    summary="A source text, exactly as received",
    response_class=Response,
)
def source_text(
    name: str,
    request: Request,
    settings: Settings = Depends(get_settings),
    store: GraphStore = Depends(get_store),
) -> Response:
    store_path = current_store_path(settings)
    path = store_path / SOURCES_FOLDER / name if store_path is not None and _NAME.match(name) else None
    if path is None or path.suffix not in MEDIA_TYPES or not path.is_file():
        raise HTTPException(status_code=404, detail=f"no source text named {name!r}")
    etag = entity_tag(store.info.build_id, "source", name)
    if client_is_current(request, etag):
        return Response(status_code=304, headers={"ETag": etag})
    return FileResponse(
        path,
        media_type=MEDIA_TYPES[path.suffix],
        headers={"ETag": etag, "Cache-Control": "public, max-age=3600"},
    )
