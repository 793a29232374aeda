"""No input stalls the service or takes its memory: pathological queries and bodies get a 4xx while /healthz
keeps answering, a memory-hungry query gets 503 naming the limit and the service goes on, RDF 1.2 input is
a 4xx, and no error names a Python type."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator

import httpx
import pytest
from live_server import Live, run_server

from service.settings import Settings
from service.sparql import MAX_QUERY_BYTES

WORKER_MEMORY = 256 * 1024 * 1024


@pytest.fixture(scope="module")
def live(settings: Settings) -> Iterator[Live]:
    with run_server(
        settings,
        INTEGRATION_KG_QUERY_TIMEOUT="60",
        INTEGRATION_KG_QUERY_WORKERS="2",
        INTEGRATION_KG_WORKER_MEMORY=str(WORKER_MEMORY),
    ) as server:
        yield server


def post_query(live: Live, text: str) -> httpx.Response:
    return httpx.post(
        live.url + "/sparql",
        content=text.encode("utf-8"),
        headers={"Content-Type": "application/sparql-query"},
        timeout=120,
    )


def while_running(requests: list[Callable[[], httpx.Response]], live: Live) -> list[httpx.Response]:
    """Start the requests, ask /healthz while they run (it must answer), then return their answers."""
    answers: list[httpx.Response | None] = [None] * len(requests)

    def run(index: int) -> None:
        answers[index] = requests[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    health = httpx.get(live.url + "/healthz", timeout=60)
    assert health.status_code == 200
    for thread in threads:
        thread.join()
    assert all(answer is not None for answer in answers)
    return [answer for answer in answers if answer is not None]


ESCAPES = 'SELECT * WHERE { ?s ?p ?o FILTER(?o = "' + '\\"' * 30_000 + '") }'
OPEN_ESCAPES = 'SELECT * WHERE { FILTER(?x = "' + '\\"' * 30_000
NESTED_GROUPS = "SELECT * WHERE " + "{" * 30_000 + "?s ?p ?o" + "}" * 30_000
NESTED_PARENTHESES = "SELECT * WHERE { FILTER(" + "(" * 30_000 + "1" + ")" * 30_000 + ") }"
MEGABYTE_OF_ESCAPES = 'SELECT * WHERE { FILTER(?x = "' + '\\"' * 480_000


def test_pathological_queries_get_a_4xx_while_the_service_answers(live: Live) -> None:
    texts = [OPEN_ESCAPES, NESTED_GROUPS, NESTED_PARENTHESES, MEGABYTE_OF_ESCAPES, ESCAPES]
    answers = [while_running([lambda text=text: post_query(live, text)], live)[0] for text in texts]
    for text, answer in zip(texts[:-1], answers, strict=False):
        assert 400 <= answer.status_code < 500, (text[:40], answer.status_code, answer.text)
    assert "nests" in answers[1].text and "nests" in answers[2].text
    assert answers[-1].status_code == 200, answers[-1].text  # well-formed, if odd: it is simply answered


def test_a_query_past_the_size_limit_is_refused_naming_it(live: Live) -> None:
    text = "SELECT * WHERE { ?s ?p ?o } # " + "x" * MAX_QUERY_BYTES
    for answer in (
        post_query(live, text),
        httpx.post(live.url + "/sparql", data={"query": text}, timeout=60),
    ):
        assert answer.status_code == 413, answer.text
        assert str(MAX_QUERY_BYTES) in answer.text


def test_the_deep_json_ld_bomb_is_refused_before_it_is_read(live: Live) -> None:
    bomb = '{"@id": "urn:a", "urn:p": ' + '{"urn:p": ' * 17_000 + "1" + "}" * 17_000 + "}"
    answers = while_running(
        [
            lambda: httpx.post(
                live.url + "/validate",
                content=bomb,
                headers={"Content-Type": "application/ld+json"},
                timeout=120,
            )
        ],
        live,
    )
    assert answers[0].status_code == 400, answers[0].text
    assert "64" in answers[0].text and "deep" in answers[0].text


def test_a_memory_hungry_query_gets_503_and_the_service_goes_on(live: Live) -> None:
    hungry = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i LIMIT 5"
    answer = post_query(live, hungry)
    assert answer.status_code == 503, answer.text
    assert "INTEGRATION_KG_WORKER_MEMORY" in answer.text and "256 MiB" in answer.text
    assert httpx.get(live.url + "/healthz", timeout=60).status_code == 200
    small = post_query(live, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert small.status_code == 200, small.text


@pytest.mark.parametrize(
    "query",
    [
        'CONSTRUCT { <urn:a> <urn:p> "x"@en--rtl } WHERE {}',
        'CONSTRUCT { <urn:a> a "lit" } WHERE {}',
        'CONSTRUCT { ?s a "lit" } WHERE { ?s ?p ?o } LIMIT 3',
        "CONSTRUCT { <urn:a> <urn:p> <<( <urn:a> <urn:b> <urn:c> )>> } WHERE {}",
        "CONSTRUCT { << <urn:a> <urn:b> <urn:c> >> <urn:p> 1 } WHERE {}",
    ],
)
def test_construct_as_json_ld_that_cannot_be_written_is_a_4xx(live: Live, query: str) -> None:
    answer = httpx.get(
        live.url + "/sparql",
        params={"query": query},
        headers={"Accept": "application/ld+json"},
        timeout=60,
    )
    assert 400 <= answer.status_code < 500, answer.text


@pytest.mark.parametrize(
    "data",
    [
        "<urn:a> <urn:p> <<( <urn:a> <urn:b> <urn:c> )>> .",
        '<urn:a> <urn:p> "x"@en--rtl .',
        "<< <urn:a> <urn:b> <urn:c> ~ _:r >> <urn:p> 1 .",
        "<urn:a> <urn:b> <urn:c> {| <urn:p> 1 |} .",
    ],
)
def test_validate_refuses_rdf_1_2_with_a_400(live: Live, data: str) -> None:
    answer = httpx.post(
        live.url + "/validate", content=data, headers={"Content-Type": "text/turtle"}, timeout=60
    )
    assert answer.status_code == 400, answer.text
    assert "RDF 1.2" in answer.text


PYTHON_TYPES = re.compile(
    r"\b(Traceback|[A-Z][A-Za-z]*(Error|Exception)|KeyboardInterrupt|StopIteration|"
    r"ParseResults|CompValue|NoneType|pyld|pyparsing|rdflib\.)\b"
)


def test_no_error_names_a_python_type(live: Live) -> None:
    bad = [
        ("GET", "/sparql", {"params": {"query": "SELECT * WHERE { ?x ?y }"}}),
        ("GET", "/sparql", {"params": {"query": "SELECT * WHERE { FILTER(1/0 = ?x) } GROUP BY"}}),
        ("GET", "/sparql", {"params": {"query": 'SELECT * WHERE { BIND("\\uZZZZ" AS ?x) }'}}),
        ("GET", "/sparql", {"params": {"query": "SELECT * WHERE { ?s ?p 1e }"}}),
        ("GET", "/sparql", {"params": {"query": "PREFIX : <not an iri> SELECT * {}"}}),
        ("GET", "/sparql", {"params": {"query": NESTED_GROUPS[:2000] + "}" * 10}}),
        ("GET", "/sparql", {"params": {"query": "ASK {}", "default-graph-uri": "nope"}}),
        ("GET", "/sparql", {"params": {"query": "ASK {}"}, "headers": {"Accept": "image/png"}}),
        (
            "POST",
            "/sparql",
            {"content": b"\xff\xfe", "headers": {"Content-Type": "application/sparql-query"}},
        ),
        ("POST", "/validate", {"content": "{", "headers": {"Content-Type": "application/ld+json"}}),
        ("POST", "/validate", {"content": "<a> <b>", "headers": {"Content-Type": "text/turtle"}}),
        ("POST", "/validate", {"content": b"\xff", "headers": {"Content-Type": "text/turtle"}}),
        ("GET", "/id/nothing/here", {}),
        ("GET", "/api/trace", {"params": {"principle": "x" * 300}}),
        ("GET", "/api/trace/matrix", {"params": {"municipality": "<>"}}),
        ("PUT", "/sparql", {}),
    ]
    for method, path, kwargs in bad:
        for accept in ("application/json", "text/plain"):
            headers = {"Accept": accept, **kwargs.get("headers", {})}  # type: ignore[dict-item]
            options = {k: v for k, v in kwargs.items() if k != "headers"}
            answer = httpx.request(method, live.url + path, headers=headers, timeout=60, **options)  # type: ignore[arg-type]
            assert answer.status_code >= 400, (method, path, answer.text)
            assert answer.status_code != 500, (method, path, answer.text)
            assert not PYTHON_TYPES.search(answer.text), (method, path, answer.text)


def test_a_validation_past_the_pools_bound_gets_503_naming_it(settings: Settings) -> None:
    """With every place of /validate's pool taken, the next post is answered 503 at once, and says why."""
    import anyio

    from service.app import create_app
    from service.http import validate as validate_http

    app = create_app(settings)

    async def post_while_the_pool_is_full() -> httpx.Response:
        limiter = app.state.validation_slots.limiter()
        holders = [object() for _ in range(int(limiter.total_tokens))]
        for holder in holders:
            await limiter.acquire_on_behalf_of(holder)
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                return await client.post(
                    "/validate", content=b"<urn:a> <urn:b> <urn:c> .", headers={"Content-Type": "text/turtle"}
                )
        finally:
            for holder in holders:
                limiter.release_on_behalf_of(holder)

    response = anyio.run(post_while_the_pool_is_full)
    assert response.status_code == 503, response.text
    assert f"at most {validate_http.VALIDATIONS_WAITING} validations" in response.text
