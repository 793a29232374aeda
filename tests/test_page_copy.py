"""Pages read from a copy in memory (INTEGRATION_KG_PAGE_MEMORY_TRIPLES) are the pages read from disk."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import project_settings
from fastapi.testclient import TestClient
from test_worker_store import damaged_copy

from service.app import create_app
from service.build import BuildResult
from service.settings import Settings
from service.store import EmbeddedStore

COPY_TIMEOUT = 120


def resources(store: EmbeddedStore) -> list[str]:
    """Every IRI of the build that has a page: subjects and objects under {base}id/."""
    prefix = store.info.base_iri + "id/"
    found = set()
    for quad in store.oxigraph.quads_for_pattern(None, None, None, ox.DefaultGraph()):
        for term in (quad.subject, quad.object):
            if isinstance(term, ox.NamedNode) and term.value.startswith(prefix):
                found.add(term.value)
    return sorted(found)


@pytest.fixture(scope="module")
def copied(built: BuildResult) -> EmbeddedStore:
    store = EmbeddedStore(built.store_path, page_memory_triples=10_000_000)
    assert store.page_copy is not None
    store.page_copy.join(COPY_TIMEOUT)
    assert store.pages_in_memory
    return store


def test_every_page_reads_the_same_from_the_copy(built: BuildResult, copied: EmbeddedStore) -> None:
    on_disk = EmbeddedStore(built.store_path)
    assert not on_disk.pages_in_memory and on_disk.page_copy is None
    iris = resources(on_disk)
    assert len(iris) > 100
    blank = 0
    for iri in iris:
        for page in (1, 2):
            expected = on_disk.index.read_page(iri, page, 5)  # type: ignore[union-attr]
            assert copied.index.read_page(iri, page, 5) == expected, (iri, page)  # type: ignore[union-attr]
            if expected is not None:
                blank += any(isinstance(t.object, ox.BlankNode) for t in expected.triples)
    assert blank, "no page holds a blank node: the labels the copy keeps are not checked"


def test_no_copy_above_the_configured_size(built: BuildResult) -> None:
    triples = EmbeddedStore(built.store_path).info.triples
    for limit in (0, triples - 1):
        store = EmbeddedStore(built.store_path, page_memory_triples=limit)
        assert store.page_copy is None and not store.pages_in_memory


def test_a_damaged_dump_leaves_the_pages_on_disk(
    built: BuildResult, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    store = EmbeddedStore(damaged_copy(built, tmp_path, "a triple short"), page_memory_triples=10_000_000)
    assert store.page_copy is not None
    store.page_copy.join(COPY_TIMEOUT)
    assert not store.pages_in_memory
    assert "integration-kg page reader: no copy in memory" in capfd.readouterr().err
    assert store.index.read_page(store.info.base_iri + "id/framework/eu-cbp-2004/1", 1, 5) is not None  # type: ignore[union-attr]


@pytest.mark.parametrize("suffix", [".ttl", ".nt", ".rdf", ".jsonld", ".html"])
def test_the_service_answers_byte_for_byte_the_same_with_the_copy(settings: Settings, suffix: str) -> None:
    paths = ["id/framework/eu-cbp-2004/1", "id/document/1481/integrationsstrategi", "id/agent/curators"]
    answers = []
    for page_memory_triples in (0, 10_000_000):
        app = create_app(
            project_settings(settings.store_dir, page_memory_triples=page_memory_triples, page_cache_bytes=0)
        )
        with TestClient(app) as client:
            served = app.state.builds.served
            assert served is not None
            store = served.store
            if page_memory_triples:
                store.page_copy.join(COPY_TIMEOUT)
                assert store.pages_in_memory
            responses = [client.get(f"/{path}{suffix}") for path in paths]
        assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
        answers.append([(r.content, r.headers["etag"]) for r in responses])
    assert answers[0] == answers[1]
