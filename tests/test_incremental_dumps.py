"""Incremental builds at scale: unchanged files are not parsed again, the dumps are assembled from
per-graph gzip members (the unchanged graphs' copied from the previous build) and are the bytes a
build from scratch writes, and the quote check reaches the quotes whose source text changed."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from service.build import BuildFailed, BuildResult, build
from service.dumps import (
    DUMPS_FOLDER,
    DUMPS_MANIFEST,
    FORMATS,
    PIECES_INDEX,
    WHOLE_GRAPH,
    file_name,
    read_manifest,
)
from tests.conftest import project_settings
from tests.test_incremental_build import Recorder, edit, run

IKG = "https://w3id.org/integration-kg/ontology#"


def parsed_line(recorder: Recorder) -> str:
    """What the parsing step reported."""
    return next(line for line in recorder.lines if " parsed, " in line)


def dump_bytes(result: BuildResult) -> dict[str, bytes]:
    folder = result.store_path / DUMPS_FOLDER
    return {name: (folder / name).read_bytes() for name in read_manifest(result.store_path)["files"]}


def store_triples(result: BuildResult) -> set[ox.Triple]:
    store = ox.Store.read_only(str(result.store_path / "oxigraph"))
    return {q.triple for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())}


def store_quads(result: BuildResult) -> set[ox.Quad]:
    store = ox.Store.read_only(str(result.store_path / "oxigraph"))
    return {q for q in store.quads_for_pattern(None, None, None, None) if q.graph_name != ox.DefaultGraph()}


def test_an_incremental_build_writes_the_dumps_of_a_build_from_scratch(
    project_copy: Path, tmp_path: Path
) -> None:
    settings = project_settings(tmp_path / "var", root=project_copy)
    first, _ = run(settings)
    files = len(first.info.manifest["files"])  # type: ignore[arg-type]
    # One municipality gains a triple that the generated table states too: the whole-graph N-Triples repeat it.
    municipality = project_copy / "data" / "municipalities" / "molndal.ttl"
    shared = (
        f"<https://w3id.org/integration-kg/id/municipality/1466> "
        f"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{IKG}Municipality> ."
    )
    edit(municipality, "\n" + shared + "\n")
    patched, progress = run(settings)
    assert progress.patched()
    # Only the changed file was parsed: the step reports it and the triples of that one file.
    line = parsed_line(progress)
    assert line.startswith("1 file parsed, ") and f"; {files - 1} unchanged and skipped" in line, line
    molndal = ox.NamedNode("https://w3id.org/integration-kg/graph/municipalities/molndal")
    own_triples = len(
        list(
            ox.Store.read_only(str(patched.store_path / "oxigraph")).quads_for_pattern(
                None, None, None, molndal
            )
        )
    )
    assert re.match(rf"1 file parsed, {own_triples} triples;", line), line
    dumps = read_manifest(patched.store_path)
    assert dumps["reused_graphs"] == len(patched.info.graphs) - 1

    fresh, fresh_progress = run(project_settings(tmp_path / "fresh", root=project_copy))
    assert not fresh_progress.patched()
    assert read_manifest(fresh.store_path)["reused_graphs"] == 0
    assert dump_bytes(patched) == dump_bytes(fresh)
    assert {n: f["sha256"] for n, f in dumps["files"].items()} == {
        n: f["sha256"] for n, f in read_manifest(fresh.store_path)["files"].items()
    }
    assert {s: (d["triples"], d["quads"]) for s, d in dumps["datasets"].items()} == {
        s: (d["triples"], d["quads"]) for s, d in read_manifest(fresh.store_path)["datasets"].items()
    }
    assert patched.info.graphs == fresh.info.graphs and patched.info.triples == fresh.info.triples

    # The whole graph's statement counts are the store's distinct triples, though the N-Triples repeat one.
    whole = dumps["datasets"][WHOLE_GRAPH]
    assert whole["triples"] == patched.info.triples and whole["quads"] == sum(patched.info.graphs.values())
    lines = gzip.decompress(
        (patched.store_path / DUMPS_FOLDER / f"{WHOLE_GRAPH}.nt.gz").read_bytes()
    ).splitlines()
    assert dumps["files"][f"{WHOLE_GRAPH}.nt.gz"]["statements"] == patched.info.triples == len(set(lines))
    assert lines.count(shared.encode()) == 2  # the generated table of all municipalities, and molndal.ttl


def test_the_assembled_dumps_parse_and_hold_the_graph(built: BuildResult) -> None:
    """Each whole-graph dump, a series of gzip members, decompresses (Python's gzip) to one document
    that pyoxigraph (and rdflib, for JSON-LD) parses into exactly the store's graph."""
    folder = built.store_path / DUMPS_FOLDER
    triples, quads = store_triples(built), store_quads(built)
    for fmt in FORMATS:
        data = (folder / file_name(WHOLE_GRAPH, fmt)).read_bytes()
        assert data.count(b"\x1f\x8b\x08") >= len(built.info.graphs), "one gzip member per graph"
        text = gzip.decompress(data)
        parsed = list(ox.parse(text, format=fmt.rdf_format))
        if fmt.keeps_graphs:
            assert set(parsed) == quads, fmt.key
        else:
            assert {q.triple for q in parsed} == triples, fmt.key
    document = json.loads(gzip.decompress((folder / f"{WHOLE_GRAPH}.jsonld.gz").read_bytes()))
    assert set(document) == {"@context", "@graph"} and document["@context"]["ikg"] == IKG
    by_rdflib = Graph().parse(data=json.dumps(document), format="json-ld")
    from_store = Graph().parse(
        data=gzip.decompress((folder / f"{WHOLE_GRAPH}.nt.gz").read_bytes()), format="nt"
    )
    assert len(by_rdflib) == len(triples) and isomorphic(by_rdflib, from_store)
    # A dataset's dumps are made of its graphs' pieces, and parse as well.
    manifest = json.loads((folder / DUMPS_MANIFEST).read_text(encoding="utf-8"))
    for slug, dataset in manifest["datasets"].items():
        if dataset["kind"] == "graph":
            continue
        expected = {q for q in quads if q.graph_name.value in dataset["graphs"]}
        nq = set(
            ox.parse(gzip.decompress((folder / f"{slug}.nq.gz").read_bytes()), format=ox.RdfFormat.N_QUADS)
        )
        assert nq == expected, slug
        for key in ("ttl", "nt"):
            parsed = ox.parse(
                gzip.decompress((folder / f"{slug}.{key}.gz").read_bytes()),
                format=ox.RdfFormat.TURTLE if key == "ttl" else ox.RdfFormat.N_TRIPLES,
            )
            assert {q.triple for q in parsed} == {q.triple for q in expected}, (slug, key)
        ld = Dataset().parse(
            data=gzip.decompress((folder / f"{slug}.jsonld.gz").read_bytes()), format="json-ld"
        )
        assert len(set(ld.triples((None, None, None)))) == dataset["triples"], slug


def test_without_the_previous_pieces_unchanged_files_are_parsed_again(
    project_copy: Path, tmp_path: Path
) -> None:
    """A previous build that kept no pieces (written by an older build, or its index lost): the
    unchanged files are parsed for their dumps, which are still those of a build from scratch."""
    settings = project_settings(tmp_path / "var", root=project_copy)
    first, _ = run(settings)
    (first.store_path / DUMPS_FOLDER / PIECES_INDEX).unlink()
    edit(project_copy / "data" / "municipalities" / "kalmar.ttl")
    patched, progress = run(settings)
    files = len(patched.info.manifest["files"])  # type: ignore[arg-type]
    assert progress.patched() and parsed_line(progress).startswith(f"{files} files parsed, ")
    assert f"{files - 1} unchanged files parsed for their dumps" in parsed_line(progress)
    fresh, _ = run(project_settings(tmp_path / "fresh", root=project_copy))
    assert dump_bytes(patched) == dump_bytes(fresh)


def test_a_changed_source_text_rechecks_the_quotes_of_unchanged_files(
    project_copy: Path, tmp_path: Path
) -> None:
    settings = project_settings(tmp_path / "var", root=project_copy)
    first, _ = run(settings)
    text = project_copy / "data" / "sources" / "0880-integration.txt"
    quote = "respekt för mänskliga rättigheter"
    original = text.read_text(encoding="utf-8")
    assert quote in original
    # A harmless change to the text: the build checks that text's quotes again, and they still pass.
    text.write_text(original + "\n(tillägg)\n", encoding="utf-8")
    second, progress = run(settings)
    assert progress.patched()
    # The build publishes the new text; the unchanged ones are the previous build's files.
    published = second.store_path / "sources"
    assert (published / text.name).read_text(encoding="utf-8") == original + "\n(tillägg)\n"
    assert not (published / text.name).samefile(first.store_path / "sources" / text.name)
    unchanged = project_copy / "data" / "sources" / "1481-integrationsstrategi.txt"
    assert (published / unchanged.name).samefile(first.store_path / "sources" / unchanged.name)
    rechecked = next(line for line in progress.lines if "checked again" in line)
    assert int(re.search(r"checked again \((\d+)\)", rechecked).group(1)) > 0  # type: ignore[union-attr]
    # The quote's words gone from the text: kalmar-integration.ttl did not change, and the build fails.
    text.write_text(original.replace(quote, "respekt för andra"), encoding="utf-8")
    with pytest.raises(BuildFailed) as failed:
        build(settings, Recorder())
    assert "quote not found verbatim in data/sources/0880-integration.txt" in failed.value.report
    assert quote in failed.value.report
    with pytest.raises(BuildFailed) as from_scratch:
        build(project_settings(tmp_path / "fresh", root=project_copy), Recorder())
    assert from_scratch.value.report == failed.value.report
