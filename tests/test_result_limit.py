"""SELECT results are written by pyoxigraph in the format asked for and bounded while they are written
(service/store/worker_tasks.serialize_solutions): the row limit is exact in every format, even when values look like
the marks that are counted, and the answer is the one pyoxigraph writes."""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox
import pytest

from service.store import ResultTooLarge
from service.store.seam import RESULTS_FORMATS, SPARQL_CSV, SPARQL_JSON, SPARQL_TSV, SPARQL_XML
from service.store.worker_tasks import ROW_MARKS, RowBoundedOutput, TooManyRows, serialize_solutions

STORE = ox.Store()
LOOKALIKES = ['a,{"b"}[{', "<result></result>", "x\ny\r\n", ",{,{,{[{", "plain"]
"""Values that hold each format's row marks (JSON's ",{", XML's element, CSV's line breaks), and "[{"."""
MEDIA_TYPES = [f.media_type for f in RESULTS_FORMATS]


def values_query(values: list[str | None]) -> str:
    rows = " ".join(
        "UNDEF"
        if v is None
        else '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'
        for v in values
    )
    return f"SELECT ?x WHERE {{ VALUES ?x {{ {rows} }} }}"


def counted_evaluation(query: str) -> tuple[Callable[[], object], list[int]]:
    """What execute_query gives serialize_solutions to evaluate the query anew, and how often it did."""
    calls: list[int] = []

    def again() -> object:
        calls.append(1)
        return STORE.query(query)

    return again, calls


def written(query: str, media_type: str, max_results: int) -> tuple[bytes, int]:
    again, calls = counted_evaluation(query)
    solutions = STORE.query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    return serialize_solutions(solutions, media_type, max_results, again), len(calls)


def pyoxigraph_wrote(query: str, media_type: str) -> bytes:
    solutions = STORE.query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    return solutions.serialize(format=ox.QueryResultsFormat.from_media_type(media_type))


def rows_of(answer: bytes, media_type: str) -> list[str | None]:
    parsed = ox.parse_query_results(answer, format=ox.QueryResultsFormat.from_media_type(media_type))
    assert isinstance(parsed, ox.QuerySolutions)
    return [None if s["x"] is None else s["x"].value for s in parsed]  # type: ignore[union-attr]


@pytest.mark.parametrize("media_type", MEDIA_TYPES)
def test_values_that_look_like_rows_do_not_change_the_limit_or_the_answer(media_type: str) -> None:
    query = values_query(LOOKALIKES)
    answer, evaluations = written(query, media_type, max_results=len(LOOKALIKES))
    assert answer == pyoxigraph_wrote(query, media_type)
    if media_type != SPARQL_CSV.media_type:
        assert rows_of(answer, media_type) == LOOKALIKES
    # JSON and CSV counted the look-alikes too, passed the bound, and counted again exactly; XML and TSV did not.
    assert evaluations == (1 if media_type in (SPARQL_JSON.media_type, SPARQL_CSV.media_type) else 0)
    with pytest.raises(ResultTooLarge, match=f"more than {len(LOOKALIKES) - 1} rows"):
        written(query, media_type, max_results=len(LOOKALIKES) - 1)


@pytest.mark.parametrize("media_type", MEDIA_TYPES)
def test_a_long_answer_is_bounded_exactly_across_the_writers_blocks(media_type: str) -> None:
    values: list[str | None] = [
        f"value {n} " + "x" * (n % 97) for n in range(3_000)
    ]  # about 200 KiB: many 8 KiB blocks
    query = values_query(values)
    answer, evaluations = written(query, media_type, max_results=3_000)
    assert answer == pyoxigraph_wrote(query, media_type) and evaluations == 0
    if media_type != SPARQL_CSV.media_type:
        assert rows_of(answer, media_type) == values
    with pytest.raises(ResultTooLarge, match="more than 2999 rows"):
        written(query, media_type, max_results=2_999)


@pytest.mark.parametrize("media_type", MEDIA_TYPES)
def test_rows_without_values_are_rows(media_type: str) -> None:
    query = values_query([None, None, "a"])
    answer, _ = written(query, media_type, max_results=3)
    if media_type != SPARQL_CSV.media_type:
        assert rows_of(answer, media_type) == [None, None, "a"]
    with pytest.raises(ResultTooLarge, match="more than 2 rows"):
        written(query, media_type, max_results=2)


def test_a_mark_split_between_two_writes_is_counted_once() -> None:
    output = RowBoundedOutput(b"<result>", limit=5)
    for piece in (b"<res", b"ult><re", b"sult>", b"<result", b">", b"<", b"r", b"esult>"):
        output.write(piece)
    assert output.getvalue() == b"<result>" * 4 and output.count == 4


def test_the_bound_stops_the_writer_past_its_limit() -> None:
    mark, extra_marks = ROW_MARKS[SPARQL_JSON.media_type]
    output = RowBoundedOutput(mark, limit=2 + extra_marks)  # two rows
    output.write(b'{"results":{"bindings":[{"x":1}')
    output.write(b',{"x":2}')
    with pytest.raises(TooManyRows):
        output.write(b",")
        output.write(b'{"x":3}]}}')
    assert (
        output.count == 2 and output.getvalue() == b'{"results":{"bindings":[{"x":1},{"x":2},'
    )  # the third row is not kept


def test_every_results_format_has_its_marks() -> None:
    assert (
        set(ROW_MARKS)
        == set(MEDIA_TYPES)
        == {SPARQL_JSON.media_type, SPARQL_XML.media_type, SPARQL_CSV.media_type, SPARQL_TSV.media_type}
    )
