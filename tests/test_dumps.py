"""The dumps the build writes and GET /dumps/: files as stored, media types, cache headers, and
checksums that change only when the data does."""

from __future__ import annotations

import hashlib
import json
import re

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.build import BuildResult
from service.catalog import cached_catalog, schema_org_dataset
from service.datafiles import discover
from service.dumps import (
    DUMPS_FOLDER,
    DUMPS_MANIFEST,
    FORMATS,
    BuildGraphs,
    dataset_parts,
    file_name,
    parts_store,
    write_dumps,
)
from service.settings import Settings
from service.store import open_store


@pytest.fixture(scope="module")
def client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings))


def test_the_build_writes_every_format_of_the_whole_graph(built: BuildResult) -> None:
    folder = built.store_path / DUMPS_FOLDER
    manifest = json.loads((folder / DUMPS_MANIFEST).read_text(encoding="utf-8"))
    for fmt in FORMATS:
        name = file_name("integration-kg", fmt)
        figures = manifest["files"][name]
        data = (folder / name).read_bytes()
        assert len(data) == figures["bytes"]
        assert hashlib.sha256(data).hexdigest() == figures["sha256"]
        assert data[:2] == b"\x1f\x8b"
    whole = manifest["datasets"]["integration-kg"]
    assert whole["triples"] == built.info.triples
    assert whole["quads"] == sum(built.info.graphs.values())


def test_same_data_same_bytes(built: BuildResult, settings: Settings, tmp_path) -> None:  # noqa: ANN001
    """Written again from the same data, every dump has the same checksum (no time stamp in the gzip)."""
    before = json.loads((built.store_path / DUMPS_FOLDER / DUMPS_MANIFEST).read_text(encoding="utf-8"))
    from service.build import graph_hashes, parse_files

    files = discover(settings)
    quads = parse_files(settings, files)  # parsed again: the parser names blank nodes afresh
    copy = tmp_path / "store"
    copy.mkdir()
    store = ox.Store()
    store.bulk_extend(t for triples in quads.values() for t in triples)
    graphs = BuildGraphs(
        graph_hashes(files, {f: f.sha256() for f in files}),
        {g: len(t) for g, t in quads.items()},
        len(store),
        quads,
    )
    again = write_dumps(settings, copy, dataset_parts(parts_store(quads), settings.base_iri, quads), graphs)
    assert {n: f["sha256"] for n, f in again["files"].items()} == {
        n: f["sha256"] for n, f in before["files"].items()
    }
    # the data files did not change, so the modification dates carry over from the current build
    assert {s: d["modified"] for s, d in again["datasets"].items()} == {
        s: d["modified"] for s, d in before["datasets"].items()
    }


def test_dump_download_headers_and_revalidation(client: TestClient, built: BuildResult) -> None:
    name = "integration-kg.ttl.gz"
    response = client.get(f"/dumps/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/gzip"
    assert "content-encoding" not in response.headers
    assert "max-age" in response.headers["cache-control"]
    assert response.headers["last-modified"]
    etag = response.headers["etag"]
    assert etag == '"' + hashlib.sha256(response.content).hexdigest() + '"'
    again = client.get(f"/dumps/{name}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    head = client.head(f"/dumps/{name}")
    assert head.status_code == 200 and int(head.headers["content-length"]) == len(response.content)


def test_unknown_dumps_are_404_and_no_path_escapes(client: TestClient) -> None:
    for path in ("/dumps/nothing.ttl.gz", "/dumps/..%2Fmanifest.json", "/dumps/oxigraph"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Traceback" not in response.text


def test_listing_json_and_html(client: TestClient, built: BuildResult) -> None:
    listing = client.get("/dumps/", headers={"Accept": "application/json"}).json()
    names = {f["name"] for f in listing["files"]}
    assert {file_name("integration-kg", fmt) for fmt in FORMATS} <= names
    assert all(f["url"].startswith("http://testserver/dumps/") for f in listing["files"])
    html = client.get("/dumps/", headers={"Accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html") and "integration-kg.nq.gz" in html.text


def test_schema_org_dataset_markup(settings: Settings, built: BuildResult) -> None:
    catalog = cached_catalog(settings, open_store(settings), built.store_path, "https://data.example.org")
    markup = schema_org_dataset(settings, catalog, "https://data.example.org")
    assert markup["@type"] == "Dataset" and markup["@context"] == "https://schema.org/"
    assert markup["name"] and markup["description"] and markup["license"]
    urls = {d["contentUrl"] for d in markup["distribution"]}
    assert "https://data.example.org/dumps/integration-kg.nq.gz" in urls
    json.dumps(markup)


def test_home_page_carries_the_dataset_markup(client) -> None:
    """Dataset search engines read the schema.org JSON-LD in the home page's head."""
    html = client.get("/", headers={"Accept": "text/html"}).text
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert found, "no JSON-LD block on the home page"
    markup = json.loads(found.group(1))
    assert markup["@type"] == "Dataset"
    assert any(d["contentUrl"].endswith("/dumps/integration-kg.ttl.gz") for d in markup["distribution"])


def test_the_dump_keeps_alignments_apart_from_citations(built: BuildResult) -> None:
    """In the published N-Triples dump, shared aims are ikg:alignsWith with ikg:Alignment evidence,
    never ikg:cites; no ikg:Citation is of the thematic kind; every alignsWith has its alignment."""
    import gzip

    from service.dumps import FORMATS_BY_KEY

    data = gzip.decompress(
        (built.store_path / DUMPS_FOLDER / file_name("integration-kg", FORMATS_BY_KEY["nt"])).read_bytes()
    )
    store = ox.Store()
    store.load(data, format=ox.RdfFormat.N_TRIPLES)
    ikg = "https://w3id.org/integration-kg/ontology#"
    prefix = f"PREFIX ikg: <{ikg}> "
    aligned = list(store.query(prefix + "SELECT ?s ?t WHERE { ?s ikg:alignsWith ?t }"))
    assert len(aligned) >= 20
    assert not bool(
        store.query(prefix + "ASK { ?c a ikg:Citation ; ikg:citationKind ikg:ThematicAlignment }")
    )
    assert not bool(
        store.query(
            prefix
            + "ASK { ?s ikg:alignsWith ?t FILTER NOT EXISTS { ?s ikg:alignment ?a . ?a a ikg:Alignment ; ikg:target ?t } }"
        )
    )
    assert not bool(store.query(prefix + "ASK { ?s ikg:alignsWith ?t . ?s ikg:cites ?t }"))
