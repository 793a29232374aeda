"""Incremental builds: the next build starts from a copy of the current store, replaces the graphs
of the files that changed, validates again only what a change can reach, and ends with the store,
the reports and the dumps of a build from scratch."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from service.build import BUILD_STEPS, BuildFailed, BuildResult, build
from service.progress import Progress
from tests.conftest import project_settings


class Recorder(Progress):
    """Progress that keeps what each step reported."""

    def __init__(self) -> None:
        super().__init__(steps=BUILD_STEPS, quiet=True)
        self.lines: list[str] = []

    def detail(self, text: str) -> None:
        self.lines.append(text)

    def done(self, text: str = "") -> None:
        self.lines.append(text)
        super().done(text)

    def revalidated(self) -> int | None:
        """How many files the build validated again; None for a full validation."""
        line = next(l for l in self.lines if "to validate again" in l or l.startswith("every file"))
        match = re.match(r"(\d+) of \d+ files to validate again", line)
        return int(match.group(1)) if match else None

    def patched(self) -> bool:
        return any("changed and" in line and "removed since build" in line for line in self.lines)


def run(settings) -> tuple[BuildResult, Recorder]:
    recorder = Recorder()
    return build(settings, recorder), recorder


def texts(result: BuildResult) -> dict[str, str]:
    return {label: report.text() for label, report in result.reports.items()}


def store_content(result: BuildResult) -> set[tuple[str, str, str, str]]:
    store = ox.Store.read_only(str(result.store_path / "oxigraph"))
    return {
        (str(q.subject), str(q.predicate), str(q.object), str(q.graph_name))
        for q in store.quads_for_pattern(None, None, None, None)
    }


def edit(path: Path, addition: str = "\n# edited\n") -> None:
    path.write_text(path.read_text(encoding="utf-8") + addition, encoding="utf-8")


def test_an_unchanged_or_edited_file_is_not_validated_again(project_copy: Path, tmp_path: Path) -> None:
    settings = project_settings(tmp_path / "var", root=project_copy)
    first, progress = run(settings)
    assert progress.revalidated() is None and not progress.patched()

    second, progress = run(settings)
    assert progress.patched() and progress.revalidated() == 0
    assert texts(second) == texts(first)
    assert second.shapes_checked == first.shapes_checked

    edit(project_copy / "data" / "documents" / "vargarda-strategi-for-integration.ttl")
    third, progress = run(settings)
    assert progress.revalidated() == 1
    assert texts(third) == texts(first)


def test_a_municipality_change_reaches_the_documents_that_link_to_it(
    project_copy: Path, tmp_path: Path
) -> None:
    settings = project_settings(tmp_path / "var", root=project_copy)
    run(settings)
    edit(project_copy / "data" / "municipalities" / "kalmar.ttl")
    _, progress = run(settings)
    # kalmar.ttl, kalmar-integration.ttl and the generated table of all municipalities (which
    # describes mun:0880 too), but not every file that table reaches
    assert progress.revalidated() == 3


def test_shapes_ontology_or_shared_context_changes_validate_everything(
    project_copy: Path, tmp_path: Path
) -> None:
    settings = project_settings(tmp_path / "var", root=project_copy)
    run(settings)
    for edited in (
        project_copy / "shapes" / "integration.ttl",
        sorted((project_copy / "ontology").glob("*.ttl"))[0],
    ):
        edit(edited)
        _, progress = run(settings)
        assert not progress.patched() and progress.revalidated() is None, edited
    # Every citation names the curators: a change to agents.ttl reaches every documents file.
    edit(project_copy / "data" / "agents.ttl")
    _, progress = run(settings)
    assert progress.patched() and progress.revalidated() is None


def test_the_patched_store_is_the_store_of_a_build_from_scratch(project_copy: Path, tmp_path: Path) -> None:
    settings = project_settings(tmp_path / "var", root=project_copy)
    run(settings)
    documents = project_copy / "data" / "documents"
    # a triple changed, a file removed, a file added, a triple both in a changed and an unchanged file
    path = documents / "kalmar-integration.ttl"
    path.write_text(path.read_text(encoding="utf-8").replace("Kalmar", "Kalmar ", 1), encoding="utf-8")
    removed = documents / "herrljunga-integrationspolicy.ttl"
    (documents / "tillagd.ttl").write_text(removed.read_text(encoding="utf-8"), encoding="utf-8")
    removed.unlink()
    edit(
        project_copy / "data" / "municipalities" / "molndal.ttl",
        "\n<https://w3id.org/integration-kg/id/municipality/1466> a "
        "<https://w3id.org/integration-kg/ontology#Municipality> .\n",
    )
    patched, progress = run(settings)
    assert progress.patched()
    fresh, _ = run(project_settings(tmp_path / "fresh", root=project_copy))
    assert store_content(patched) == store_content(fresh)
    assert texts(patched) == texts(fresh)
    assert patched.info.triples == fresh.info.triples and patched.info.graphs == fresh.info.graphs


def test_a_broken_file_fails_with_the_report_of_a_build_from_scratch(
    project_copy: Path, tmp_path: Path
) -> None:
    cached = project_settings(tmp_path / "cached", root=project_copy)
    run(cached)
    document = sorted((project_copy / "data" / "documents").glob("*.ttl"))[0]
    # A document with nothing but its kind: no title, no publisher, no source.
    document.write_text(
        document.read_text(encoding="utf-8") + "\n<https://w3id.org/integration-kg/id/document/0880/"
        "utan-titel> a <https://w3id.org/integration-kg/ontology#Strategy> .\n",
        encoding="utf-8",
    )
    with pytest.raises(BuildFailed) as with_cache:
        build(cached, Recorder())
    with pytest.raises(BuildFailed) as from_scratch:
        build(project_settings(tmp_path / "fresh", root=project_copy), Recorder())
    assert with_cache.value.report == from_scratch.value.report
    assert document.name in with_cache.value.report and "utan-titel" in with_cache.value.report


def test_unchanged_datasets_reuse_the_previous_dumps(project_copy: Path, tmp_path: Path) -> None:
    import json

    from service.dumps import DUMPS_FOLDER, DUMPS_MANIFEST, read_manifest

    settings = project_settings(tmp_path / "var", root=project_copy)
    first, _ = run(settings)
    before = read_manifest(first.store_path)
    assert before["reused_datasets"] == 0
    document = project_copy / "data" / "documents" / "kalmar-integration.ttl"
    document.write_text(document.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    second, _ = run(settings)
    after = json.loads((second.store_path / DUMPS_FOLDER / DUMPS_MANIFEST).read_text(encoding="utf-8"))
    changed = {"integration-kg", "municipality-0880"}
    assert after["reused_datasets"] == len(after["datasets"]) - len(changed)
    assert after["datasets"].keys() == before["datasets"].keys()
    for name, figures in after["files"].items():
        old, new = first.store_path / DUMPS_FOLDER / name, second.store_path / DUMPS_FOLDER / name
        assert new.read_bytes()[:2] == b"\x1f\x8b" and new.stat().st_size == figures["bytes"]
        if figures["dataset"] in changed:
            assert not new.samefile(old)
        else:
            assert new.samefile(old) and figures == before["files"][name]
    # The reused files are the bytes a fresh build writes.
    fresh = build(project_settings(tmp_path / "fresh", root=project_copy), Recorder())
    for name, figures in after["files"].items():
        assert read_manifest(fresh.store_path)["files"][name]["sha256"] == figures["sha256"]
