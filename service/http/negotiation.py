"""Content negotiation for every route: one rule, on werkzeug's Accept parsing and matching.

werkzeug parses the header (q-values, ordering by specificity) and matches a media range against an offer;
this module adds the service's own rule on top, written once:

- each offer takes the q of the most specific range that matches it (RFC 9110 §12.5.1), so
  `text/turtle;q=0, */*` refuses Turtle and accepts the rest;
- the offer with the highest q wins, and a tie goes to the earlier offer: the caller lists its preference
  first (werkzeug's own `best_match` would prefer the offer named more specifically instead);
- parameters of a range (`text/turtle; charset=utf-8`) are ignored: every offer is a bare media type;
- a missing or empty Accept accepts anything.

`choose_format` adds `format=` (which wins over Accept when it names an offer) and the 406 message.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol, TypeVar

from fastapi import HTTPException
from starlette.requests import Request
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header


class FormatChoice(Protocol):
    """What a format offers to be chosen by (service.formats.RdfFormat and the SPARQL results formats)."""

    @property
    def name(self) -> str: ...
    @property
    def media_type(self) -> str: ...
    @property
    def suffix(self) -> str: ...
    @property
    def aliases(self) -> tuple[str, ...]: ...


F = TypeVar("F", bound=FormatChoice)


class NoAcceptableFormat(Exception):
    """Neither `format=` nor Accept names a format that can be produced; the message lists the offers."""


def accepted(accept: str) -> MIMEAccept:
    """The client's media ranges, parameters dropped."""
    ranges = parse_accept_header(accept, MIMEAccept)
    return MIMEAccept((media_range.split(";", 1)[0].strip(), q) for media_range, q in ranges)


def preferred_media_type(accept: str | None, offers: Sequence[str]) -> str | None:
    """The offered media type the client prefers most, or None when it accepts none of them."""
    if not accept or not accept.strip():
        return offers[0] if offers else None
    return _preferred(accept, tuple(offers))


@lru_cache(maxsize=1024)
def _preferred(accept: str, offers: tuple[str, ...]) -> str | None:
    """`preferred_media_type` of a header that is there. Kept for the next request: clients send the same
    few headers over and over, and every /id/ lookup negotiates, so each pair is worked out once (the
    cache is bounded; a result depends on nothing else)."""
    ranges = accepted(accept)
    chosen, best = None, 0.0
    for offer in offers:
        q = ranges.quality(offer)
        if q > best:
            chosen, best = offer, q
    return chosen


def prefers(accept: str | None, wanted: str, over: Sequence[str]) -> bool:
    """Whether the client prefers `wanted` to every one of `over` (and accepts it at all)."""
    return preferred_media_type(accept, [wanted, *over]) == wanted


def format_values(*values: str | None) -> list[str]:
    """The `format=` values of a request, in order, each comma list split into its members."""
    return [part.strip() for value in values if value for part in value.split(",") if part.strip()]


def acceptable_format(offers: Sequence[F], accept: str | None, asked: Sequence[str] = ()) -> F | None:
    """The offer the rule of `choose_format` picks, or None when there is none.

    1. The first `format=` value (all of them, in request order, comma lists split) that names an
       offered format, by name, media type, suffix or alias, wins.
    2. Otherwise Accept decides (see the module): a `format=` value that cannot be served never wins over
       an Accept header that can be met, and one that cannot be served with no Accept, or only `*/*`,
       gets nothing (it asked for something explicit that cannot be given).
    """
    for value in asked:
        wanted = value.strip().lower()
        for fmt in offers:
            if wanted in (fmt.name, fmt.media_type, fmt.suffix.lstrip(".")) or wanted in fmt.aliases:
                return fmt
    if asked and not _explicit(accept):
        return None
    media: list[tuple[str, F]] = [(f.media_type, f) for f in offers]
    media += [(alias, f) for f in offers for alias in f.aliases if "/" in alias]
    chosen = preferred_media_type(accept, [m for m, _ in media])
    return next((f for m, f in media if m == chosen), None)


def choose_format(
    offers: Sequence[F], accept: str | None, asked: Sequence[str] = (), what: str = "this resource"
) -> F:
    """The one rule every endpoint negotiates by (`acceptable_format`); NoAcceptableFormat when nothing
    can be given, whose message names what was asked and lists every format offered."""
    chosen = acceptable_format(offers, accept, asked)
    if chosen is not None:
        return chosen
    listed = ", ".join(f"{f.media_type} (format={f.name})" for f in offers)
    if asked:
        problem = f"format={','.join(asked)!r} is not available"
        if _explicit(accept):
            problem += f" and none of the accepted media types ({accept}) can be produced"
    else:
        problem = f"none of the accepted media types ({accept}) can be produced"
    raise NoAcceptableFormat(f"{problem} for {what}; available: {listed}")


def _explicit(accept: str | None) -> bool:
    """Whether an Accept header asks for something in particular (not absent, empty or `*/*`)."""
    return bool(accept and accept.strip() and accept.strip() != "*/*")


def negotiated(
    request: Request, offers: Sequence[F], *, vary: str = "Accept", what: str = "this resource"
) -> F:
    """`choose_format` over the request's `format=` values and Accept; 406 (with Vary) naming the offers."""
    try:
        return choose_format(
            offers,
            request.headers.get("accept"),
            format_values(*request.query_params.getlist("format")),
            what,
        )
    except NoAcceptableFormat as error:
        raise HTTPException(406, str(error), headers={"Vary": vary}) from None
