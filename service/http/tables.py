"""Tabular answers of the trace and coverage APIs: the format a client asked for (`format=` first,
then Accept, through the one negotiation module) and a CSV download."""

from __future__ import annotations

import csv
import io

from fastapi import HTTPException
from fastapi.responses import Response
from starlette.requests import Request

from .negotiation import preferred_media_type

CSV_TYPE = "text/csv; charset=utf-8"


def choose_table_format(request: Request, fmt: str | None, offers: dict[str, str]) -> str:
    """The format asked for by `format=` or else by Accept (offers: media type → name)."""
    if fmt:
        wanted = fmt.strip().lower()
        aliases = {"json-ld": "jsonld", "ld+json": "jsonld", "ttl": "turtle", "text/csv": "csv"}
        wanted = aliases.get(wanted, wanted)
        if wanted not in offers.values():
            raise HTTPException(
                status_code=400,
                detail=f"unknown format {fmt!r}: use one of {', '.join(sorted(set(offers.values())))}",
            )
        return wanted
    chosen = preferred_media_type(request.headers.get("accept"), list(offers))
    if chosen is None:
        raise HTTPException(status_code=406, detail="acceptable: " + ", ".join(offers))
    return offers[chosen]


def csv_response(header: tuple[str, ...], records: list[dict[str, str]], filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(header), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(records)
    return Response(
        buffer.getvalue(),
        media_type=CSV_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Vary": "Accept"},
    )
