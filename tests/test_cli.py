"""The command line: exit codes, readable output, and error messages that name the problem."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from service.cli import main
from service.settings import PROJECT_ROOT

CBP1 = "https://w3id.org/integration-kg/id/framework/eu-cbp-2004/1"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, settings) -> None:
    """Point the CLI at the session's built store through the environment, as a user would."""
    for key in list(__import__("os").environ):
        if key.startswith("INTEGRATION_KG_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("INTEGRATION_KG_STORE_DIR", str(settings.store_dir))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_query_table_for_a_person(env, capsys) -> None:
    code, out, _ = run(
        capsys,
        "query",
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        "SELECT ?n WHERE { <%s> skos:notation ?n }" % CBP1,
    )
    assert code == 0
    assert out.splitlines()[0].strip() == "n"
    assert "1" in out and "(1 row)" in out


@pytest.mark.parametrize("fmt", ["json", "csv", "tsv"])
def test_query_formats_for_programs(env, capsys, fmt: str) -> None:
    code, out, _ = run(
        capsys,
        "query",
        "--format",
        fmt,
        "SELECT ?m WHERE { ?m a <https://w3id.org/integration-kg/ontology#Municipality> }",
    )
    assert code == 0
    if fmt == "json":
        bindings = json.loads(out)["results"]["bindings"]
        values = {b["m"]["value"] for b in bindings}
    else:
        rows = list(csv.reader(io.StringIO(out), delimiter="," if fmt == "csv" else "\t"))
        assert rows[0] == ["m"]
        values = {r[0] for r in rows[1:]}
    assert len(values) == 290  # every municipality, from data/geo/


def test_query_construct_as_turtle(env, capsys) -> None:
    code, out, _ = run(
        capsys, "query", "--format", "ttl", "CONSTRUCT { <%s> ?p ?o } WHERE { <%s> ?p ?o }" % (CBP1, CBP1)
    )
    assert code == 0
    from rdflib import Graph

    assert len(Graph().parse(data=out, format="turtle")) > 3


def test_query_from_file(env, capsys, tmp_path: Path) -> None:
    query = tmp_path / "q.rq"
    query.write_text("ASK { ?s ?p ?o }", encoding="utf-8")
    code, out, _ = run(capsys, "query", f"@{query}")
    assert code == 0 and out.strip() == "true"


def test_query_syntax_error_says_where(env, capsys) -> None:
    code, _, err = run(capsys, "query", "SELECT ?s WHERE { ?s ?p }")
    assert code == 2
    assert "does not parse" in err and re.search(r"1:\d+", err)


def test_query_missing_file(env, capsys) -> None:
    code, _, err = run(capsys, "query", "@/nonexistent.rq")
    assert code == 2 and "no such file" in err


def test_validate_conforming_file(env, capsys) -> None:
    path = sorted((PROJECT_ROOT / "data" / "documents").glob("*.ttl"))[0]
    code, out, _ = run(capsys, "validate", str(path))
    assert code == 0, out
    assert "conforms" in out


def test_validate_reports_parse_error_with_line_and_column(env, capsys, tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\n\nex:a ex:b \"unterminated .\n", encoding="utf-8")
    code, out, _ = run(capsys, "validate", str(bad))
    assert code == 1
    assert re.search(r"bad\.ttl:3:\d+", out), out


def test_validate_reports_violation_in_plain_words(env, capsys, tmp_path: Path) -> None:
    bad = tmp_path / "doc.ttl"
    bad.write_text(
        "@prefix ikg: <https://w3id.org/integration-kg/ontology#> .\n"
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        "<https://w3id.org/integration-kg/id/document/1481/utkast> a ikg:Strategy ;\n"
        "    dcterms:publisher <https://w3id.org/integration-kg/id/municipality/1481> .\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "validate", str(bad))
    assert code == 1
    assert "does not conform" in out and "document/1481/utkast" in out and "dcterms:title" in out


def test_validate_missing_file_is_a_usage_error(env, capsys) -> None:
    code, _, err = run(capsys, "validate", "/no/such/file.ttl")
    assert code == 2 and "no such file" in err


def test_build_failure_exit_code_and_report(capsys, project_copy: Path, tmp_path: Path, monkeypatch) -> None:
    path = sorted((project_copy / "data" / "documents").glob("*.ttl"))[0]
    path.write_text(path.read_text(encoding="utf-8") + "\n<oops> .\n", encoding="utf-8")
    code, _, err = run(
        capsys,
        "--data-dir",
        str(project_copy / "data"),
        "--store-dir",
        str(tmp_path / "var"),
        "build",
        "--quiet",
    )
    assert code == 1
    assert path.name in err and "unchanged" in err


def test_help_lists_settings(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "INTEGRATION_KG_BASE_IRI" in out and "INTEGRATION_KG_QUERY_TIMEOUT" in out


def test_settings_round_trip_through_the_environment(tmp_path: Path) -> None:
    """`serve` hands its options to the server's workers as INTEGRATION_KG_* variables."""
    from service.settings import Settings

    chosen = Settings.from_env(
        environ={},
        store_dir=tmp_path / "var",
        base_iri="http://example.org/kg/",
        query_timeout=2.5,
        max_results=7,
    )
    assert Settings.from_env(environ=chosen.to_environ()) == chosen


def test_a_public_build_refuses_placeholder_publisher_values(
    capsys, project_copy: Path, tmp_path: Path, monkeypatch
) -> None:
    """The shipped publisher.toml holds placeholders: a local build says so in one line and builds; a
    public build refuses in one line with its own exit code; a filled-in file passes."""
    for key in list(__import__("os").environ):
        if key.startswith("INTEGRATION_KG_"):
            monkeypatch.delenv(key)
    common = ["--data-dir", str(project_copy / "data"), "--store-dir", str(tmp_path / "var")]
    code, _, err = run(capsys, *common, "build", "--quiet", "--public")
    assert code == 3
    assert len(err.strip().splitlines()) == 1 and "contact.email integration-kg@example.org" in err
    assert not (tmp_path / "var").exists()
    code, out, err = run(capsys, *common, "build", "--quiet")
    assert code == 0 and "Build " in out
    warnings = [line for line in err.splitlines() if "placeholder" in line]
    assert len(warnings) == 1 and warnings[0].startswith("warning: local build")
    filled = tmp_path / "publisher.toml"
    text = (PROJECT_ROOT / "publisher.toml").read_text(encoding="utf-8")
    filled.write_text(
        text.replace("https://example.org/integration-kg", "https://integration.kg.se/").replace(
            "integration-kg@example.org", "kontakt@integration.kg.se"
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("INTEGRATION_KG_PUBLISHER_FILE", str(filled))
    code, out, err = run(capsys, *common, "build", "--quiet", "--public")
    assert code == 0 and "placeholder" not in err
    filled.write_text(text.replace('type = "NonProfitOrganisation"', 'type = "Charity"'), encoding="utf-8")
    code, _, err = run(capsys, *common, "build", "--quiet", "--public")
    assert code == 2 and "Charity" in err and "ADMS" in err
