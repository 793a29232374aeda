"""The build: succeeds on data/, fails naming the file and the problem, and never replaces a good store."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import project_settings

from service.build import BUILD_STEPS, BuildFailed, BuildResult, build, needs_build
from service.progress import Progress
from service.store import current_store_path, open_store

QUIET = Progress(steps=BUILD_STEPS, quiet=True)


def first_document_file(root: Path) -> Path:
    """The first document file whose source text is held (the build checks its quotes against it)."""
    files = sorted((root / "data" / "documents").glob("*.ttl"))
    return next(p for p in files if "ikg:textFile" in p.read_text(encoding="utf-8"))


def test_build_loads_every_file_into_its_named_graph(built: BuildResult) -> None:
    graphs = built.info.graphs
    base = built.info.base_iri
    assert base + "graph/ontology" in graphs
    assert any(g.startswith(base + "graph/frameworks/") for g in graphs)
    assert any(g.startswith(base + "graph/municipalities/") for g in graphs)
    assert any(g.startswith(base + "graph/documents/") for g in graphs)
    assert built.info.triples > 500
    assert "graphs" in built.summary() and "triples" in built.summary()


def test_union_default_graph_is_queryable(built: BuildResult) -> None:
    store = open_store(project_settings(built.store_path.parent.parent))
    rows = store.select(
        "PREFIX ikg: <https://w3id.org/integration-kg/ontology#> "
        "SELECT (COUNT(*) AS ?n) WHERE { ?c a ikg:Citation }"
    )
    assert int(rows[0]["n"]) > 10


def test_unchanged_inputs_need_no_build(settings) -> None:
    assert not needs_build(settings)


def build_then_break(root: Path, tmp_path: Path, breaker) -> tuple[BuildFailed, Path, Path]:
    """Build a good store, break the data with `breaker`, rebuild; the failure and both store paths."""
    settings = project_settings(tmp_path / "var", root=root)
    good = build(settings, QUIET).store_path
    breaker(root)
    with pytest.raises(BuildFailed) as failure:
        build(settings, QUIET)
    return failure.value, good, current_store_path(settings)


def test_parse_error_names_file_line_and_column(project_copy: Path, tmp_path: Path) -> None:
    def breaker(root: Path) -> None:
        path = first_document_file(root)
        lines = path.read_text(encoding="utf-8").splitlines()
        lines.insert(3, "this is not turtle")
        path.write_text("\n".join(lines), encoding="utf-8")

    failure, good, current = build_then_break(project_copy, tmp_path, breaker)
    assert first_document_file(project_copy).name in failure.report
    assert re.search(r"\.ttl:4:\d+", failure.report), failure.report
    assert current == good


def test_altered_quote_fails_and_keeps_the_old_store(project_copy: Path, tmp_path: Path) -> None:
    def breaker(root: Path) -> None:
        path = first_document_file(root)
        text = path.read_text(encoding="utf-8")
        text = re.sub(r'(ikg:quote\s+")', r"\1INTE I KÄLLAN ", text, count=1)
        path.write_text(text, encoding="utf-8")

    failure, good, current = build_then_break(project_copy, tmp_path, breaker)
    assert "not found verbatim" in failure.report
    assert "INTE I KÄLLAN" in failure.report
    assert current == good


def test_missing_source_text_fails(project_copy: Path, tmp_path: Path) -> None:
    def breaker(root: Path) -> None:
        for path in (root / "data" / "sources").glob("*.txt"):
            path.unlink()
            break

    failure, good, current = build_then_break(project_copy, tmp_path, breaker)
    assert "is missing" in failure.report
    assert current == good


def test_shape_violation_names_the_file_and_the_rule(project_copy: Path, tmp_path: Path) -> None:
    def breaker(root: Path) -> None:
        path = first_document_file(root)
        text = path.read_text(encoding="utf-8")
        # the document's own title is the one with an English one beside it: drop its Swedish title
        text, n = re.subn(r'(dcterms:title\s+)"[^"]*"@sv\s*,\s*', r"\1", text, count=1)
        assert n == 1
        path.write_text(text, encoding="utf-8")

    failure, good, current = build_then_break(project_copy, tmp_path, breaker)
    assert "does not conform" in failure.report
    assert first_document_file(project_copy).name in failure.report
    assert "title" in failure.report
    assert current == good


def test_rebuild_after_fix_replaces_the_store(project_copy: Path, tmp_path: Path) -> None:
    settings = project_settings(tmp_path / "var", root=project_copy)
    first = build(settings, QUIET).store_path
    second = build(settings, QUIET).store_path
    assert first != second
    assert current_store_path(settings) == second
    assert open_store(settings).info.build_id == second.name


def test_other_base_iri_rewrites_identifiers(project_copy: Path, tmp_path: Path) -> None:
    settings = project_settings(tmp_path / "var", root=project_copy, base_iri="http://example.org/kg/")
    build(settings, QUIET)
    store = open_store(settings)
    assert store.ask("ASK { ?s a <http://example.org/kg/ontology#Municipality> }")
    assert not store.ask("ASK { ?s ?p ?o FILTER(STRSTARTS(STR(?s), 'https://w3id.org/integration-kg/')) }")


def test_the_default_graph_holds_exactly_the_union_of_the_named_graphs(built: BuildResult) -> None:
    import pyoxigraph as ox

    store = ox.Store.read_only(str(built.store_path / "oxigraph"))
    union = {
        q.triple for q in store.quads_for_pattern(None, None, None, None) if q.graph_name != ox.DefaultGraph()
    }
    default = {q.triple for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())}
    assert default == union and len(default) == built.info.triples


def test_build_reports_are_pyshacls_on_the_whole_graph(built: BuildResult, settings) -> None:
    """The build validates with the engine in service/validation/; pyshacl, on every data file at once with the ontology
    and RDFS inference, finds exactly the same results (and they land in the file that describes
    each resource)."""
    from pyshacl import validate
    from rdflib import Graph

    from service.datafiles import discover, parse_file
    from service.rdfterms import graph_of
    from service.validation import ontology_graph, read_results, shapes_graph

    data = Graph()
    for data_file in discover(settings):
        if data_file.role != "ontology":
            data += graph_of(parse_file(data_file, settings))
    _, report, _ = validate(
        data,
        shacl_graph=shapes_graph(settings.shapes_dir),
        ont_graph=ontology_graph(settings.ontology_dir),
        inference="rdfs",
        advanced=True,
        allow_warnings=True,
    )
    oracle = list(read_results(report))
    built_results = [r for report in built.reports.values() for r in report.results]

    def key(r):  # noqa: ANN001, ANN202
        return (
            r.severity,
            r.focus_node,
            r.path or "",
            r.value or "",
            sorted(r.messages.items()),
            r.constraint,
            r.shape,
        )

    assert sorted(map(key, built_results)) == sorted(map(key, oracle))
    assert oracle, "the real data has warnings (Mölndal's Wikidata link), so this compares something"
    # A municipality's results land in the first file that describes it: the generated table.
    table = built.reports["data/geo/municipalities.csv"]
    molndal = [r for r in table.results if r.focus_node.endswith("/municipality/1481")]
    assert table.conforms and [r.severity for r in molndal] == ["Warning"]
