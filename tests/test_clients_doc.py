"""docs/clients.md's Python examples run as written against a real uvicorn on loopback (only the
address is the live server's)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from live_server import Live, run_server

from service.settings import PROJECT_ROOT, Settings

DOC = PROJECT_ROOT / "docs" / "clients.md"
EXAMPLES = [
    (section.splitlines()[0].strip(), code)
    for section in DOC.read_text(encoding="utf-8").split("\n## ")[1:]
    for code in re.findall(r"^```python\n(.*?)^```$", section, re.M | re.S)
]


@pytest.fixture(scope="module")
def live(settings: Settings) -> Iterator[Live]:
    with run_server(settings) as server:
        yield server


def test_the_doc_has_the_python_examples() -> None:
    assert [title for title, _ in EXAMPLES] == ["SPARQLWrapper", "rdflib", "pyld (JSON-LD)"]


@pytest.mark.parametrize(("title", "code"), EXAMPLES, ids=[title for title, _ in EXAMPLES])
def test_python_example_runs(live: Live, title: str, code: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert "http://127.0.0.1:8000" in code, title
    exec(compile(code.replace("http://127.0.0.1:8000", live.url), f"docs/clients.md: {title}", "exec"), {})
    assert capsys.readouterr().out.strip(), "the example prints what it found"
