"""The researchers' named SPARQL queries run on the built store and agree with the trace."""

from __future__ import annotations

from pathlib import Path

import pytest

from service import trace as tr
from service.settings import Settings
from service.store import open_store

RESEARCH = Path(tr.__file__).parent / "queries" / "research"
FW = "https://w3id.org/integration-kg/id/framework/"


def run(settings: Settings, name: str) -> list[dict[str, str]]:
    rows = open_store(settings).select((RESEARCH / f"{name}.rq").read_text(encoding="utf-8"))
    return [{k: str(v) for k, v in row.items()} for row in rows]


@pytest.mark.parametrize("path", sorted(RESEARCH.glob("*.rq")), ids=lambda p: p.stem)
def test_each_query_has_a_title_and_runs(path: Path, settings: Settings) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# Title: ") and len(lines[0]) > 12 and lines[1].startswith("# ")
    open_store(settings).select(path.read_text(encoding="utf-8"))


def test_principles_by_municipalities_agree_with_the_matrix(settings: Settings) -> None:
    store = open_store(settings)
    m = tr.matrix(store, settings, ["eu-cbp-2004"])
    rows = run(settings, "principles-by-municipalities")
    assert len(rows) == 11
    for row in rows:
        cells = [m.cell(r.iri, row["principle"]) for r in m.rows]
        assert int(row["municipalities"]) == sum(1 for c in cells if c.total), row["notation"]
        assert int(row["citingMunicipalities"]) == sum(1 for c in cells if c.citations), row["notation"]
        assert int(row["aligningMunicipalities"]) == sum(1 for c in cells if c.alignments), row["notation"]
    by_notation = {r["notation"]: r for r in rows}
    assert int(by_notation["1"]["municipalities"]) == 4  # Mölndal, Kalmar, Trollhättan, Vansbro
    assert int(by_notation["1"]["citingMunicipalities"]) == 1  # only Mölndal names it
    assert (
        int(by_notation["1"]["aligningMunicipalities"]) == 3
    )  # Kalmar, Trollhättan and Vansbro share its aim
    assert [int(r["municipalities"]) for r in rows] == sorted(
        (int(r["municipalities"]) for r in rows), reverse=True
    )


def test_coverage_agrees_with_never_mentioned(settings: Settings) -> None:
    store = open_store(settings)
    for row in run(settings, "municipalities-by-coverage"):
        drawn = tr.drawn_on(store, settings, row["kommunkod"])
        # absent = never mentioned (whole texts read) + not concluded (excerpts, or no document at all)
        absent = len(drawn.never_mentioned) + len(drawn.not_concluded)
        assert int(row["drawnOn"]) == 11 - absent, row["label"]
        cbp = {c.iri for c in tr.catalogue(store, settings).concepts(FW + "eu-cbp-2004")}
        cited = {t for t, paths in drawn.paths.items() if any(not p.is_alignment for p in paths)}
        aligned = {t for t, paths in drawn.paths.items() if any(p.is_alignment for p in paths)}
        assert int(row["principles"]) == len(cited & cbp), row["label"]
        assert int(row["alignedPrinciples"]) == len(aligned & cbp), row["label"]


def test_explicit_versus_implicit(settings: Settings) -> None:
    rows = {r["label"]: r for r in run(settings, "explicit-versus-implicit")}
    assert int(rows["Mölndal"]["explicit"]) > 0
    for name in ("Kalmar", "Trollhättan"):
        assert int(rows[name]["explicit"]) == 0 and int(rows[name]["implicit"]) > 0
    # Vårgårda names no principle or goal and restates none: alignments only, no citation of a framework
    assert int(rows["Vårgårda"]["citations"]) == 0 and int(rows["Vårgårda"]["alignments"]) > 0
    for row in rows.values():
        assert int(row["implicit"]) == int(row["paraphrase"])
        assert int(row["citations"]) == int(row["explicit"]) + int(row["paraphrase"])
        assert int(row["alignments"]) == int(row["thematic"])


def test_validity_ended(settings: Settings) -> None:
    """Vårgårda's strategy: "Dokumentet gäller till och med: 2023-12-11"."""
    rows = run(settings, "validity-ended")
    assert "https://w3id.org/integration-kg/id/document/1442/strategi-for-integration" in {
        r["document"] for r in rows
    }
    assert all(r["validUntil"] < "2100" for r in rows)


@pytest.mark.parametrize("path", sorted(RESEARCH.glob("*.rq")), ids=lambda p: p.stem)
def test_each_example_returns_rows_on_the_real_data(path: Path, settings: Settings) -> None:
    """The query page offers these as examples: each must show something."""
    assert open_store(settings).select(path.read_text(encoding="utf-8")), path.stem


def test_chain_rows_are_real_chains(settings: Settings) -> None:
    """Every row's part cites a national goal (checked against the trace); where the row names an EU
    principle that the national goal cites or aligns with, the trace reaches it from the part through
    that national goal, and an alignment row says so."""
    store = open_store(settings)
    rows = run(settings, "chain-action-goal-national-eu")
    assert rows
    for row in rows:
        national = tr.trace(store, settings, row["nationalGoal"])
        assert any(p.origin == row["goal"] for p in national.paths), row["goal"]
        if not row.get("principle"):
            continue
        assert row["nationalRelation"].rsplit("#", 1)[-1] in ("cites", "alignsWith")
        answer = tr.trace(store, settings, row["principle"])
        assert any(
            p.origin == row["goal"]
            and [s.to for s in p.steps][-2:] == [row["nationalGoal"], row["principle"]]
            for p in answer.paths
        )
