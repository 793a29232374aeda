"""The service's one negotiation rule and its one reading of conditional requests, on real headers parsed by
werkzeug (service/http/negotiation.py, service/http/conditional.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from starlette.requests import Request

from service.formats import HTML, JSON_LD, N_TRIPLES, PAGE_FORMATS, RDF_XML, TURTLE
from service.http.conditional import client_is_current, entity_tag
from service.http.negotiation import NoAcceptableFormat, choose_format, preferred_media_type


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, HTML),  # no Accept: the first offer
        ("", HTML),
        ("*/*", HTML),
        ("text/turtle", TURTLE),
        ("text/turtle; charset=utf-8", TURTLE),  # a range's parameters are ignored
        ("TEXT/Turtle", TURTLE),
        ("text/turtle;q=0, */*", HTML),  # the most specific range gives an offer its q: Turtle is refused
        ("text/turtle;q=0.5, application/ld+json", JSON_LD),
        ("application/json", JSON_LD),  # an alias counts as its format
        ("text/plain", N_TRIPLES),
        ("application/xml;q=0.9, text/html;q=0.8", RDF_XML),
        ("text/turtle, application/rdf+xml", TURTLE),  # a tie goes to the server's earlier offer
        ("application/rdf+xml, text/turtle", TURTLE),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", HTML),  # a browser
        ("text/*;q=0.5, text/turtle;q=0.4", HTML),  # text/html gets text/*'s 0.5, Turtle its own 0.4
    ],
)
def test_accept_picks_by_q_then_by_the_servers_order(accept: str | None, chosen: object) -> None:
    assert choose_format(PAGE_FORMATS, accept) is chosen


def test_format_parameter_first_then_accept_else_a_message_listing_the_offers() -> None:
    assert choose_format(PAGE_FORMATS, "text/html", ["nope", "ttl"]) is TURTLE
    assert choose_format(PAGE_FORMATS, "text/html", ["nope"]) is HTML  # a met Accept beats a bad format=
    with pytest.raises(NoAcceptableFormat, match=r"format='nope' is not available .*available: text/html"):
        choose_format(PAGE_FORMATS, "*/*", ["nope"])
    with pytest.raises(NoAcceptableFormat, match=r"none of the accepted media types \(image/png\)"):
        choose_format(PAGE_FORMATS, "image/png")
    assert preferred_media_type("image/png, text/csv;q=0.1", ["text/csv", "application/json"]) == "text/csv"
    assert preferred_media_type("image/png", ["text/csv"]) is None


def request_with(**headers: str) -> Request:
    raw = [(name.replace("_", "-").lower().encode(), value.encode()) for name, value in headers.items()]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": raw, "query_string": b""})


def test_if_none_match_weakly_then_if_modified_since() -> None:
    etag = entity_tag("build", "iri", "turtle")
    built = datetime(2026, 12, 7, 12, 0, 0, 500_000, tzinfo=UTC)
    assert client_is_current(request_with(if_none_match=etag), etag)
    assert client_is_current(request_with(if_none_match=f'"other", W/{etag}'), etag)
    assert client_is_current(request_with(if_none_match="*"), etag)
    assert not client_is_current(request_with(if_none_match='"other"'), etag)
    assert not client_is_current(request_with(), etag, built)
    assert client_is_current(request_with(if_modified_since="Mon, 07 Dec 2026 12:00:00 GMT"), etag, built)
    assert not client_is_current(request_with(if_modified_since="Mon, 07 Dec 2026 11:59:59 GMT"), etag, built)
    assert not client_is_current(request_with(if_modified_since="not a date"), etag, built)
    # If-None-Match decides when it is there: a stale tag is not current whatever the date says
    stale = request_with(if_none_match='"other"', if_modified_since="Mon, 07 Dec 2026 13:00:00 GMT")
    assert not client_is_current(stale, etag, built)
