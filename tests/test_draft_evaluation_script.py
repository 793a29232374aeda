"""scripts/evaluate_drafter.py on a corpus written for the test: it scores per text and in total,
lists misses and false positives, names a missing text, and never scores an alignment as a citation."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "evaluate_drafter", ROOT / "scripts" / "evaluate_drafter.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["evaluate_drafter"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


TEXT = (
    "Integration\n\n"
    "Kommunen har tre fokusområden:\n• Arbete\n• Boende\n• Språk\n\n"
    "Arbetet utgår från barnkonventionen och bygger på respekt för mänskliga rättigheter.\n\n"
    "Sidan senast granskad 2023-01-17\n"
)
TRUTH = """address = "https://example.org/integration"
kommunkod = "9999"
municipality = "Exempelby"
read_on = "2026-12-07"

[metadata]
kind = "InformationPage"
title = "Integration"
lastReviewed = "2023-01-17"
issued = "2020-01-01"

[[part]]
kind = "FocusArea"
label = "Arbete"

[[part]]
kind = "FocusArea"
label = "Boende"

[[part]]
kind = "Goal"
label = "Språk"

[[citation]]
target = "crc-1989"
kind = "explicit"

[[alignment]]
target = "udhr-1948"
"""


def corpus(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "corpus" / "truth").mkdir(parents=True)
    (tmp_path / "texts").mkdir()
    (tmp_path / "corpus" / "split.toml").write_text(
        'date = "2026-12-07"\ndev = ["9999-sida"]\ntest = ["9999-saknas"]\n', encoding="utf-8"
    )
    (tmp_path / "corpus" / "truth" / "9999-sida.toml").write_text(TRUTH, encoding="utf-8")
    (tmp_path / "corpus" / "truth" / "9999-saknas.toml").write_text(
        TRUTH.replace("example.org/integration", "example.org/saknas"), encoding="utf-8"
    )
    (tmp_path / "texts" / "9999-sida.txt").write_text(TEXT, encoding="utf-8")
    return tmp_path / "corpus", tmp_path / "texts"


def test_scores_lists_differences_and_names_missing_texts(script, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    corpus_dir, texts = corpus(tmp_path)
    assert script.main(["--corpus", str(corpus_dir), "--texts", str(texts), "--details"]) == 0
    out = capsys.readouterr().out
    # metadata: kind, title and lastReviewed found; the issued date the text does not give is missed
    assert "metadata missed: issued = 2020-01-01" in out
    # structure: two focus areas right; "Språk" drafted as a focus area is a miss and a false positive
    assert "structure missed: Goal «Språk»" in out and "structure not in truth: FocusArea «Språk»" in out
    row = next(line for line in out.splitlines() if line.strip().startswith("9999-sida"))
    # matched/truth (drafted) for metadata, structure, citations, thematic
    assert row.split()[1:] == ["3/4", "(3)", "2/3", "(3)", "1/1", "(1)", "1/1", "(1)"]
    assert (
        "MISSING TEXTS (1)" in out and "9999-saknas.txt (read it again at https://example.org/saknas)" in out
    )


def test_an_alignment_is_never_scored_as_a_citation(script, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from rdflib import Graph

    frameworks = Graph()
    for path in sorted((ROOT / "data" / "frameworks").glob("*.ttl")):
        frameworks.parse(path)
    import tomllib

    result = script.evaluate_one("9999-sida", TEXT, tomllib.loads(TRUTH), frameworks, Graph())
    assert result.tallies["citations"].matched == 1 and result.tallies["citations"].drafted == 1
    assert result.tallies["thematic"].matched == 1
    assert not any("udhr" in line for line in result.false_positives)
