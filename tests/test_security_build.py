"""Builds fail safe: a folder is a build only once its manifest is written (last); a build killed mid-way
leaves a partial folder that the next build removes; pruning never removes the current or the newest
complete build; a full disk or an unwritable folder is one clear line and exit 1, the served store
untouched."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from conftest import project_settings

from service.build import KEEP_BUILDS, build, is_complete
from service.progress import Progress
from service.settings import PROJECT_ROOT, Settings
from service.store import current_store_path


def copy_of_store(settings: Settings, target: Path) -> Settings:
    """A private copy of the session's store folder (its current link kept relative)."""
    shutil.copytree(settings.store_dir, target, symlinks=True)
    return project_settings(target)


def cli_build(store_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", "build", "--quiet"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "INTEGRATION_KG_STORE_DIR": str(store_dir)},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_partial_folder_is_removed_and_good_builds_are_kept(settings: Settings, tmp_path: Path) -> None:
    mine = copy_of_store(settings, tmp_path / "var")
    served = current_store_path(mine)
    assert served is not None
    partial = mine.store_dir / "stores" / "99991231T235959999999Z-partial"  # newest by name
    (partial / "oxigraph").mkdir(parents=True)
    (partial / "oxigraph" / "CURRENT").write_text("half a store")
    assert not is_complete(partial)

    result = build(mine, Progress(steps=8, quiet=True))

    assert not partial.exists()
    assert current_store_path(mine) == result.store_path
    assert served.exists(), "the previous complete build is kept"
    folders = sorted((mine.store_dir / "stores").iterdir())
    assert all(is_complete(folder) for folder in folders)
    assert len(folders) == KEEP_BUILDS


def test_a_build_killed_mid_way_leaves_nothing_the_next_build_keeps(
    settings: Settings, tmp_path: Path
) -> None:
    mine = copy_of_store(settings, tmp_path / "var")
    served = current_store_path(mine)
    stores = mine.store_dir / "stores"
    before = set(stores.iterdir())
    process = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "build", "--quiet"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "INTEGRATION_KG_STORE_DIR": str(mine.store_dir)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while not (set(stores.iterdir()) - before) and process.poll() is None:
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    new = set(stores.iterdir()) - before
    assert current_store_path(mine) == served, "the served build is untouched"
    if new:  # killed before the manifest: a partial folder, which is not a build
        assert not any(is_complete(folder) for folder in new) or current_store_path(mine) == served
    result = cli_build(mine.store_dir)
    assert result.returncode == 0, result.stderr
    assert all(is_complete(folder) for folder in stores.iterdir())
    assert served is not None and served.exists()


def _mount_tmpfs(where: Path, size: str) -> bool:
    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)]).returncode == 0


def test_a_full_disk_is_one_line_and_exit_1(settings: Settings, tmp_path: Path) -> None:
    disk = tmp_path / f"tiny-{uuid.uuid4().hex[:8]}"
    if not _mount_tmpfs(disk, "8m"):
        pytest.skip("mounting a small tmpfs needs root")
    try:
        mine = copy_of_store(settings, disk / "var")
        room = os.statvfs(disk)
        with open(disk / "filler", "wb") as filler:  # the disk full but for a few kilobytes
            filler.write(b"\0" * max(0, room.f_bavail * room.f_frsize - 16 * 1024))
        served = current_store_path(mine)
        manifest = (served / "manifest.json").read_bytes() if served else b""
        result = cli_build(mine.store_dir)
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr
        last = result.stderr.strip().splitlines()[-1]
        assert "No space left on device" in last and "unchanged" in last, result.stderr
        assert current_store_path(mine) == served
        assert served is not None and (served / "manifest.json").read_bytes() == manifest
        assert [f for f in (mine.store_dir / "stores").iterdir()] == [served], "no partial folder is left"
    finally:
        subprocess.run(["umount", str(disk)])


def test_an_unwritable_store_folder_is_one_line_and_exit_1(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the store folder should be")
    result = cli_build(blocker / "var")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("integration-kg build: cannot write the new build"), result.stderr
