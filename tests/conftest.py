"""Shared fixtures: the real project data built once into a temporary store, and copies to break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from service.build import BuildResult, build
from service.progress import Progress
from service.settings import PROJECT_ROOT, Settings


def project_settings(store_dir: Path, root: Path = PROJECT_ROOT, **overrides: object) -> Settings:
    """Settings over a project tree (the real one by default) with the store in store_dir."""
    return Settings.from_env(
        environ={},
        data_dir=root / "data",
        ontology_dir=root / "ontology",
        shapes_dir=root / "shapes",
        store_dir=store_dir,
        **overrides,
    )


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The real data/, ontology/ and shapes/, built once for the whole test session."""
    settings = project_settings(tmp_path_factory.mktemp("store"))
    return build(settings, Progress(steps=7, quiet=True))


@pytest.fixture(scope="session")
def settings(built: BuildResult) -> Settings:
    """Settings whose store is the session's build of the real data."""
    return project_settings(built.store_path.parent.parent)


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A private copy of ontology/, shapes/ and data/ that a test may break."""
    for folder in ("ontology", "shapes", "data"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder)
    return tmp_path


SLOW_MODULES = {
    "test_bench_query_cost",
    "test_bench_request_cpu",
    "test_bench_service_memory",
    "test_shacl_engine",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark tests by what they drive, so `make test-fast` can leave out the heavy ones.

    `browser`: a test that uses a `browser` fixture (headless Chromium); `virtuoso`: one that uses the
    Virtuoso server; `slow`: the benchmark scripts' tests and the engine's differential corpus.
    """
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "browser" in names:
            item.add_marker(pytest.mark.browser)
        if "virtuoso" in names or "remote_built" in names:
            item.add_marker(pytest.mark.virtuoso)
        if item.module is not None and item.module.__name__.rsplit(".", 1)[-1] in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
