"""What a person meets on the command line: no traceback ever (closed pipes, library warnings, bad input),
--version, help with defaults and examples, warnings for unknown municipalities, refused updates, the
build's warnings printed, Swedish reports in Swedish, and the search subcommand. Real subprocesses where
the shell's behaviour matters (a pipe closed by `head`)."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from service import __version__
from service.cli import EXAMPLES, main, make_parser
from service.settings import PROJECT_ROOT, Settings

CLI = [sys.executable, "-m", "service.cli"]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> dict[str, str]:
    for key in list(os.environ):
        if key.startswith("INTEGRATION_KG_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("INTEGRATION_KG_STORE_DIR", str(settings.store_dir))
    return {**os.environ, "INTEGRATION_KG_STORE_DIR": str(settings.store_dir)}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def shell(command: str, environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        capture_output=True,
        text=True,
        env=environment,
        cwd=PROJECT_ROOT,
        timeout=300,
    )


def test_a_closed_pipe_ends_quietly(env: dict[str, str]) -> None:
    cli = " ".join(CLI)
    done = shell(f"{cli} trace --matrix --format csv | head -1", env)
    assert done.stderr == "" and done.returncode == 0, done.stderr
    assert done.stdout.startswith("municipality,kommunkod")
    # a long answer cut after one line, from a program that writes in many pieces
    done = shell(f"{cli} query 'SELECT ?s ?p ?o WHERE {{ ?s ?p ?o }}' --format csv | head -2", env)
    assert done.stderr == "" and done.returncode == 0, done.stderr


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.strip() == f"integration-kg {__version__}"


def test_every_subcommand_shows_defaults_and_an_example() -> None:
    parser, subparsers = make_parser()
    assert set(subparsers) == set(EXAMPLES)
    for name, sub in subparsers.items():
        text = sub.format_help()
        assert "example" in text and f"integration-kg {name}" in text, name
    assert "(default: eu-cbp-2004)" in subparsers["trace"].format_help()
    assert "(default: 8000)" in subparsers["serve"].format_help()
    assert "(default: None)" not in subparsers["trace"].format_help()


def test_an_unknown_option_names_its_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["trace", "--bogus"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "integration-kg trace: error: unrecognized arguments: --bogus" in err


def test_unknown_municipality_is_warned_about(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "trace", "--municipality", "9999", "1")
    assert code == 0 and "0 paths" in out
    assert err.strip() == "warning: no municipality with kommunkod 9999 in the graph"
    code, out, err = run(capsys, "trace", "--municipality", "1481", "1")
    assert code == 0 and "warning" not in err


def test_log_records_follow_the_setting_moved_by_v_and_q(
    env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """-q hides a warning on the side, as INTEGRATION_KG_LOG_LEVEL=error does; -v moves that back to
    warnings; the answer is the same each time; an unknown level is bad usage."""
    warning = "warning: no municipality with kommunkod 9999 in the graph"
    code, out, err = run(capsys, "-q", "trace", "--municipality", "9999", "1")
    assert code == 0 and "0 paths" in out and err == ""
    monkeypatch.setenv("INTEGRATION_KG_LOG_LEVEL", "error")
    code, out, err = run(capsys, "trace", "--municipality", "9999", "1")
    assert code == 0 and "0 paths" in out and err == ""
    code, out, err = run(capsys, "-v", "trace", "--municipality", "9999", "1")
    assert code == 0 and "0 paths" in out and err.strip() == warning
    monkeypatch.setenv("INTEGRATION_KG_LOG_LEVEL", "loud")
    code, out, err = run(capsys, "trace", "1")
    assert code == 2 and out == "" and "INTEGRATION_KG_LOG_LEVEL must be one of debug, info" in err


def test_updates_are_refused_as_updates(env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    for update in ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "DELETE WHERE { ?s ?p ?o }", "CLEAR ALL"):
        code, out, err = run(capsys, "query", update)
        assert code == 2 and out == "" and err.startswith("updates are not allowed"), err
    code, _, err = run(capsys, "query", "SELEKT * WHERE { ?s ?p ?o }")
    assert code == 2 and "does not parse" in err


def test_missing_draft_source_is_named_once(env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "draft", "missing.txt", "--municipality", "1481")
    assert code == 2 and err.strip() == "missing.txt: no such file"


ILL_TYPED = """@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ikg: <https://w3id.org/integration-kg/ontology#> .
<https://w3id.org/integration-kg/id/document/1481/x> a ikg:Strategy ; dcterms:title "X"@sv ;
    dcterms:issued "2021-13-45"^^xsd:date ;
    dcterms:publisher <https://w3id.org/integration-kg/id/municipality/1481> .
"""


def test_validate_shows_no_library_traceback_and_speaks_swedish(env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(ILL_TYPED, encoding="utf-8")
    done = subprocess.run(
        [*CLI, "validate", "--lang", "sv", str(bad)], capture_output=True, text=True, env=env
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout and done.stderr == "", done.stderr
    assert "uppfyller inte formerna" in done.stdout and "fel" in done.stdout
    assert "does not conform" not in done.stdout and "violation" not in done.stdout.lower()
    assert "Fel [dcterms:issued]" in done.stdout and "värde: 2021-13-45" in done.stdout
    missing = subprocess.run(
        [*CLI, "validate", "--lang", "sv", "/no/such.ttl"], capture_output=True, text=True, env=env
    )
    assert missing.returncode == 2 and "ingen sådan fil" in missing.stderr


def test_the_build_prints_its_warnings(project_copy: Path, tmp_path: Path) -> None:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("INTEGRATION_KG_")},
        "INTEGRATION_KG_STORE_DIR": str(tmp_path / "var"),
        "INTEGRATION_KG_DATA_DIR": str(project_copy / "data"),
        "INTEGRATION_KG_ONTOLOGY_DIR": str(project_copy / "ontology"),
        "INTEGRATION_KG_SHAPES_DIR": str(project_copy / "shapes"),
    }
    done = subprocess.run([*CLI, "build"], capture_output=True, text=True, env=environment, timeout=300)
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "Warning" in line]
    counted = next(line for line in done.stderr.splitlines() if "warning(s)" in line)
    assert warnings and counted.split(", ")[-1].split()[0] == str(len(warnings))
    assert "Writing the search index" in done.stderr and "Traceback" not in done.stderr


def test_search_subcommand(env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "search", "språkkunskaper", "--format", "csv")
    assert code == 0 and err == ""
    rows = list(csv.DictReader(io.StringIO(out)))
    assert any(r["iri"].endswith("/id/document/1466/integrationspolicy/grundsyn") for r in rows)
    assert any("⟦språket⟧" in r["snippet"] for r in rows)
    code, out, _ = run(capsys, "search", "integration", "--municipality", "1481")
    assert code == 0 and "results for 'integration'" in out and "Mölndal" in out
    code, _, err = run(capsys, "search", "()")
    assert code == 2 and "give a word" in err
    code, _, err = run(capsys, "search", "språk", "--kind", "poem")
    assert code == 2 and "unknown kind" in err
    code, _, err = run(capsys, "search", "språk", "--municipality", "9999")
    assert code == 0 and "warning: no municipality with kommunkod 9999" in err
