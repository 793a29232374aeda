"""Conditional requests for every route: validators out (ETag, Last-Modified), one reading of them in
(If-None-Match, else If-Modified-Since), by werkzeug's `is_resource_modified` (RFC 9110 §13: weak
comparison for If-None-Match, `*`, dates to the second).

The graph is immutable per build, so a representation's ETag is a hash of the build id and of everything
else its bytes depend on (format, language, public root, page): the same until the next build.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.utils import format_datetime

from starlette.requests import Request
from starlette.responses import Response
from werkzeug.sansio.http import is_resource_modified

from ..store import GraphStore

CACHE_CONTROL = "public, max-age=300"


def entity_tag(*parts: str) -> str:
    """A strong ETag (quoted) for a representation whose bytes depend on exactly these parts."""
    return '"' + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32] + '"'


def client_is_current(request: Request, etag: str, last_modified: datetime | None = None) -> bool:
    """True when the client's copy is this representation (If-None-Match, else If-Modified-Since)."""
    if_none_match = request.headers.get("if-none-match")
    if_modified_since = request.headers.get("if-modified-since")
    if if_none_match is None and if_modified_since is None:
        return False  # an unconditional request: most are
    return not is_resource_modified(
        http_if_none_match=if_none_match,
        http_if_modified_since=if_modified_since,
        etag=etag,
        last_modified=last_modified,
    )


def last_modified(store: GraphStore) -> datetime | None:
    """When the build behind every representation was made (Last-Modified); None when it does not say."""
    try:
        return datetime.fromisoformat(store.info.built_at)
    except ValueError:
        return None


def validated_response(
    request: Request,
    body: bytes,
    media_type: str,
    *,
    etag: str,
    modified: datetime | None = None,
    vary: str | None = None,
    extra_headers: dict[str, str] | None = None,
    cache_control: str = CACHE_CONTROL,
) -> Response:
    """A response with its validators; 304 without a body when the client's copy is current."""
    headers = {"ETag": etag, "Cache-Control": cache_control}
    if modified is not None:
        headers["Last-Modified"] = format_datetime(modified, usegmt=True)
    if vary:
        headers["Vary"] = vary
    headers.update(extra_headers or {})
    if client_is_current(request, etag, modified):
        return Response(status_code=304, headers=headers)
    if media_type.startswith("text/") or media_type == "application/n-triples":
        media_type += "; charset=utf-8"
    return Response(content=body, media_type=media_type, headers=headers)
