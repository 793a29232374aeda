"""Every shell example in README.md runs on the real data: each `$ curl …` and `$ .venv/bin/integration-kg …`
line of its fenced code blocks is run against a served build of the real data (the host and port rewritten
to the test server's), and must exit 0 and print something. curl runs with --fail, so a 4xx is a failure."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from live_server import Live, run_server

from service.settings import PROJECT_ROOT, Settings

README = PROJECT_ROOT / "README.md"
MIN_EXAMPLES = 3
HOSTS = re.compile(r"https?://(?:127\.0\.0\.1|localhost):8000")
CLI = ".venv/bin/integration-kg"


def examples(markdown: str) -> list[str]:
    """The `$ curl …` and `$ .venv/bin/integration-kg …` commands of the fenced code blocks, with lines
    continued by a backslash joined."""
    found: list[str] = []
    fenced = False
    pending = ""
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            fenced, pending = not fenced, ""
            continue
        if not fenced:
            continue
        if pending:
            pending += "\n" + line
        elif line.startswith(("$ curl ", f"$ {CLI} ")):
            pending = line[2:]
        else:
            continue
        if pending.endswith("\\"):
            continue
        found.append(pending)
        pending = ""
    return found


def runnable(command: str, url: str) -> str:
    """The command as the test runs it: against the test server, curl failing on an HTTP error, the CLI
    from this interpreter's environment."""
    command = HOSTS.sub(url, command)
    if command.startswith("curl "):
        return "curl --fail --silent --show-error " + command[len("curl ") :]
    script = Path(sys.executable).with_name("integration-kg")
    runner = shlex.quote(str(script)) if script.is_file() else f"{shlex.quote(sys.executable)} -m service.cli"
    return runner + command[len(CLI) :]


README_EXAMPLES = examples(README.read_text(encoding="utf-8")) if README.is_file() else []


@pytest.fixture(scope="module")
def live(settings: Settings) -> Iterator[Live]:
    with run_server(settings) as server:
        yield server


def test_extraction_finds_commands_in_fenced_blocks_only() -> None:
    text = (
        "$ curl http://127.0.0.1:8000/outside\n```sh\n$ curl http://127.0.0.1:8000/a \\\n  -H 'Accept: x'\n"
        "$ ls\n# a comment\n$ .venv/bin/integration-kg trace 1\n```\n"
    )
    assert examples(text) == [
        "curl http://127.0.0.1:8000/a \\\n  -H 'Accept: x'",
        ".venv/bin/integration-kg trace 1",
    ]
    assert runnable("curl http://localhost:8000/x", "http://127.0.0.1:9") == (
        "curl --fail --silent --show-error http://127.0.0.1:9/x"
    )


@pytest.mark.skipif(
    len(README_EXAMPLES) < MIN_EXAMPLES,
    reason=f"README.md has {len(README_EXAMPLES)} `$ curl` / `$ {CLI}` examples in fenced code blocks; "
    f"at least {MIN_EXAMPLES} are expected once the README is rewritten",
)
def test_every_readme_example_runs(live: Live, settings: Settings) -> None:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("INTEGRATION_KG_")},
        "INTEGRATION_KG_STORE_DIR": str(settings.store_dir),
        "INTEGRATION_KG_DATA_DIR": str(settings.data_dir),
        "INTEGRATION_KG_ONTOLOGY_DIR": str(settings.ontology_dir),
        "INTEGRATION_KG_SHAPES_DIR": str(settings.shapes_dir),
    }
    failures = []
    for example in README_EXAMPLES:
        done = subprocess.run(
            ["bash", "-c", runnable(example, live.url)],
            capture_output=True,
            text=True,
            env=environment,
            cwd=PROJECT_ROOT,
            timeout=120,
        )
        if done.returncode != 0 or not done.stdout.strip():
            failures.append(f"{example}\n  exit {done.returncode}: {done.stderr.strip()[:300]}")
    assert not failures, "README examples that fail:\n" + "\n".join(failures)
