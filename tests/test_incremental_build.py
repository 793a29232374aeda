"""Incremental builds: an unchanged file is not validated again, a changed one is, and the reports
are those of a build from scratch."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from service.build import BuildFailed, BuildResult, build
from service.progress import Progress
from tests.conftest import project_settings


class Recorder(Progress):
    """Progress that keeps the detail lines."""

    def __init__(self) -> None:
        super().__init__(steps=7, quiet=True)
        self.lines: list[str] = []

    def detail(self, text: str) -> None:
        self.lines.append(text)

    def unchanged(self) -> tuple[int, int]:
        line = next(l for l in self.lines if "units unchanged" in l)
        match = re.match(r"(\d+) of (\d+) units unchanged", line)
        assert match, line
        return int(match.group(1)), int(match.group(2))


def run(settings) -> tuple[BuildResult, Recorder]:
    recorder = Recorder()
    return build(settings, recorder), recorder


def texts(result: BuildResult) -> dict[str, str]:
    return {label: report.text() for label, report in result.reports.items()}


def test_unchanged_files_are_not_validated_again(project_copy: Path, tmp_path: Path) -> None:
    settings = project_settings(tmp_path / "var", root=project_copy)
    first, progress = run(settings)
    hit, total = progress.unchanged()
    assert hit == 0 and total == len(first.reports) > 2

    second, progress = run(settings)
    assert progress.unchanged() == (total, total)
    assert texts(second) == texts(first)
    assert second.shapes_checked == first.shapes_checked

    document = sorted((project_copy / "data" / "documents").glob("*.ttl"))[0]
    document.write_text(document.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    third, progress = run(settings)
    assert progress.unchanged() == (total - 1, total)
    assert any(document.name in line for line in progress.lines)
    assert texts(third) == texts(first)


def revalidated(progress: Recorder) -> set[str]:
    """The labels of the units a build validated (not taken from the cache)."""
    return {m.group(1) for line in progress.lines if (m := re.match(r"\d+/\d+ (\S+)", line))}


def test_a_context_or_shapes_change_validates_what_depends_on_it_again(project_copy: Path, tmp_path: Path) -> None:
    settings = project_settings(tmp_path / "var", root=project_copy)
    _, progress = run(settings)
    _, total = progress.unchanged()
    # Shapes, ontology and the context every unit shares (frameworks, agents): everything again.
    for edited in (project_copy / "shapes" / "integration.ttl", sorted((project_copy / "ontology").glob("*.ttl"))[0],
                   sorted((project_copy / "data" / "frameworks").glob("*.ttl"))[0], project_copy / "data" / "agents.ttl"):
        edited.write_text(edited.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
        _, progress = run(settings)
        assert progress.unchanged() == (0, total), edited
    # A municipality file: the context unit and the documents that reference the municipality, no others.
    municipality = project_copy / "data" / "municipalities" / "kalmar.ttl"
    municipality.write_text(municipality.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    _, progress = run(settings)
    assert revalidated(progress) == {"context", "data/documents/kalmar-integration.ttl"}
    assert progress.unchanged() == (total - 2, total)


def test_a_document_is_validated_with_the_municipality_files_it_references(project_copy: Path) -> None:
    from service.build import referenced_context
    from service.datafiles import discover, parse_file

    settings = project_settings(project_copy / "var", root=project_copy)
    quads = {f: parse_file(f, settings) for f in discover(settings) if f.role != "ontology"}
    needs = {f.path.name: [m.path.name for m in context] for f, context in referenced_context(quads).items()}
    assert needs["kalmar-integration.ttl"] == ["kalmar.ttl"]
    assert needs["molndal-integrationsstrategi.ttl"] == ["molndal.ttl"]
    assert len(needs) == len(list((project_copy / "data" / "documents").glob("*.ttl")))


def test_a_broken_file_fails_with_the_report_of_a_build_from_scratch(project_copy: Path, tmp_path: Path) -> None:
    cached = project_settings(tmp_path / "cached", root=project_copy)
    run(cached)
    document = sorted((project_copy / "data" / "documents").glob("*.ttl"))[0]
    # A document with nothing but its kind: no title, no publisher, no source.
    document.write_text(document.read_text(encoding="utf-8") + "\n<https://w3id.org/integration-kg/id/document/0880/"
                        "utan-titel> a <https://w3id.org/integration-kg/ontology#Strategy> .\n", encoding="utf-8")
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
