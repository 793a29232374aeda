"""A private Virtuoso Open Source 7 on loopback for the remote-store tests, started once per session.

scripts/virtuoso.sh does the work (install when missing, its own database and ini in a temporary
folder, free loopback ports, a random dba password). Outside CI a machine without Virtuoso that
cannot install it skips these tests, saying why; in CI (CI=true) it is an error: the remote back
end must be tested for real there.

Import the fixture into a test module with `from tests.conftest_virtuoso import virtuoso`.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from service.settings import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "scripts" / "virtuoso.sh"


@dataclass(frozen=True)
class Virtuoso:
    """A running instance: its folder and the INTEGRATION_KG_* settings that point at it."""

    directory: Path
    env: dict[str, str]

    @property
    def settings_env(self) -> dict[str, str]:
        return {k: v for k, v in self.env.items() if k.startswith("INTEGRATION_KG_")}

    @property
    def query_url(self) -> str:
        return self.env["INTEGRATION_KG_REMOTE_QUERY_URL"]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def start_virtuoso(directory: Path) -> Virtuoso:
    """Install when missing, start, and read the assignments the script prints."""
    subprocess.run(["bash", str(SCRIPT), "install"], check=True, timeout=900)
    out = subprocess.run(
        ["bash", str(SCRIPT), "start", str(directory)],
        check=True,
        timeout=180,
        capture_output=True,
        text=True,
    )
    env = dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)
    return Virtuoso(directory=directory, env=env)


def stop_virtuoso(directory: Path) -> None:
    subprocess.run(["bash", str(SCRIPT), "stop", str(directory)], check=False, timeout=120)


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    directory = tmp_path_factory.mktemp("virtuoso")
    try:
        instance = start_virtuoso(directory)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
        detail = getattr(error, "stderr", None) or ""
        message = f"Virtuoso could not be installed or started: {error} {detail}".strip()
        stop_virtuoso(directory)
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(f"SKIPPED FOR LACK OF VIRTUOSO (this would fail in CI): {message}")
    try:
        yield instance
    finally:
        stop_virtuoso(directory)
