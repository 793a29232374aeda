#!/usr/bin/env python3
"""Write data/geo/ from the reference GeoJSON of Sweden's municipalities (Open Knowledge Sweden).

`python scripts/geo_reference.py [REFERENCE_FOLDER]` (default ../shared/reference/geo) writes:

* data/geo/municipalities.csv: kommunkod, name and county code of all 290 municipalities, from the
  GeoJSON's `id`, `kom_namn` and `lan_code`; the Wikidata columns of an existing file are kept;
* data/geo/counties.csv: länskod and name of the 21 counties: the codes from the municipalities'
  `lan_code`, the names (the reference file gives them without "län") from COUNTY_NAMES below;
* data/geo/municipalities.geojson: the boundaries, coordinates rounded to 3 decimals (about 100 m,
  far below what a map of Sweden on a screen shows) and repeated points dropped, so the committed
  file stays small. The build never needs the reference folder: a clone has what it needs.

Run it again only when the reference data changes; the files it writes are committed.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "geo"
OKFSE = "https://github.com/okfse/sweden-geojson"
SJBRG = (
    "https://github.com/sjbrg/swedish-geodata/blob/967319129a6a3e8494316421fb64cf5d140714a3/data/counties.csv"
)

# The official county names, from sjbrg/swedish-geodata data/counties.csv (CC0 1.0), commit 9673191:
# the reference GeoJSON names a county without "län" ("Västra Götaland"), which is not its name.
COUNTY_NAMES: dict[str, str] = {
    "01": "Stockholms län",
    "03": "Uppsala län",
    "04": "Södermanlands län",
    "05": "Östergötlands län",
    "06": "Jönköpings län",
    "07": "Kronobergs län",
    "08": "Kalmar län",
    "09": "Gotlands län",
    "10": "Blekinge län",
    "12": "Skåne län",
    "13": "Hallands län",
    "14": "Västra Götalands län",
    "17": "Värmlands län",
    "18": "Örebro län",
    "19": "Västmanlands län",
    "20": "Dalarnas län",
    "21": "Gävleborgs län",
    "22": "Västernorrlands län",
    "23": "Jämtlands län",
    "24": "Västerbottens län",
    "25": "Norrbottens län",
}
MUNICIPALITY_COLUMNS = ("kommunkod", "name", "county", "source", "wikidata", "wikidata_source")
COUNTY_COLUMNS = ("lanskod", "name", "source")


def rounded_ring(ring: list[list[float]]) -> list[list[float]]:
    out: list[list[float]] = []
    for lon, lat in ring:
        point = [round(lon, 3), round(lat, 3)]
        if not out or out[-1] != point:
            out.append(point)
    if out[0] != out[-1]:
        out.append(out[0])
    return out


def main(reference: Path) -> None:
    features = json.loads((reference / "swedish_municipalities.geojson").read_text(encoding="utf-8"))[
        "features"
    ]
    OUT.mkdir(parents=True, exist_ok=True)
    known: dict[str, dict[str, str]] = {}
    existing = OUT / "municipalities.csv"
    if existing.exists():
        with existing.open(encoding="utf-8", newline="") as handle:
            known = {row["kommunkod"]: row for row in csv.DictReader(handle)}
    rows, shapes = [], []
    for feature in sorted(features, key=lambda f: f["properties"]["id"]):
        props = feature["properties"]
        code, name, county = props["id"], props["kom_namn"], props["lan_code"]
        assert len(code) == 4 and code.isdigit() and code[:2] == county, props
        before = known.get(code, {})
        rows.append(
            {
                "kommunkod": code,
                "name": name,
                "county": county,
                "source": OKFSE,
                "wikidata": before.get("wikidata", ""),
                "wikidata_source": before.get("wikidata_source", ""),
            }
        )
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        simplified = [[rounded_ring(ring) for ring in polygon] for polygon in polygons]
        shapes.append(
            {
                "type": "Feature",
                "properties": {"kommunkod": code, "name": name, "county": county},
                "geometry": {"type": "MultiPolygon", "coordinates": simplified},
            }
        )
    with existing.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=MUNICIPALITY_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    counties = sorted({row["county"] for row in rows})
    assert set(counties) == set(COUNTY_NAMES), counties
    with (OUT / "counties.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COUNTY_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for code in counties:
            writer.writerow({"lanskod": code, "name": COUNTY_NAMES[code], "source": f"{OKFSE} {SJBRG}"})
    collection = {"type": "FeatureCollection", "features": shapes}
    text = "\n".join(
        ['{"type":"FeatureCollection","features":[']
        + [
            json.dumps(f, ensure_ascii=False, separators=(",", ":")) + ("," if i < len(shapes) - 1 else "")
            for i, f in enumerate(collection["features"])
        ]
        + ["]}"]
    )
    (OUT / "municipalities.geojson").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "reference" / "geo")
