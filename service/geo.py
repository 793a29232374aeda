"""Sweden's municipalities and counties from the committed tables in data/geo/, as triples.

The graph holds all 290 municipalities and 21 counties whether or not a document of theirs is in it,
so that coverage can be told against the whole country. They come from two CSV files the build
reads like any data file (each into its own named graph, {base}graph/geo/municipalities and
{base}graph/geo/counties), not from 290 hand-written Turtle files:

* data/geo/municipalities.csv: `kommunkod,name,county,source,wikidata,wikidata_source` →
  `mun:{kommunkod} a ikg:Municipality ; dcterms:identifier ; skos:prefLabel @sv ; ikg:county ;
  prov:wasDerivedFrom {source}` and, only where a Wikidata item was confirmed from a public source,
  `owl:sameAs` it (with that source as `rdfs:seeAlso`);
* data/geo/counties.csv: `lanskod,name,source` → `{base}id/county/{länskod} a ikg:County ;
  dcterms:identifier ; skos:prefLabel @sv ; prov:wasDerivedFrom {source}`.

A hand-written file in data/municipalities/ adds what a municipality's documents need (its bodies,
the names it uses for itself as skos:altLabel); the Swedish skos:prefLabel comes from here only.
Errors name the file and line, like a Turtle parse error.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from pathlib import Path

import pyoxigraph as ox

from .settings import DEFAULT_BASE_IRI

IKG = DEFAULT_BASE_IRI + "ontology#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
IDENTIFIER = ox.NamedNode("http://purl.org/dc/terms/identifier")
PREF_LABEL = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
DERIVED_FROM = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
SAME_AS = ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs")
SEE_ALSO = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso")
COUNTY = ox.NamedNode(IKG + "county")

KOMMUNKOD = re.compile(r"[0-9]{4}")
LANSKOD = re.compile(r"[0-9]{2}")
WIKIDATA = re.compile(r"Q[0-9]+")
ADDRESS = re.compile(r"https?://[^\s<>\"{}|\\^`]+")

MUNICIPALITIES_TABLE = "geo/municipalities.csv"
COUNTIES_TABLE = "geo/counties.csv"
BOUNDARIES_FILE = "geo/municipalities.geojson"


class TableError(ValueError):
    """A row of a table that cannot become triples; `line` is the file's line (1 = the header)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def municipality_iri(code: str, base_iri: str = DEFAULT_BASE_IRI) -> str:
    return f"{base_iri}id/municipality/{code}"


def county_iri(code: str, base_iri: str = DEFAULT_BASE_IRI) -> str:
    return f"{base_iri}id/county/{code}"


def _rows(text: str, columns: tuple[str, ...]) -> Iterable[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = tuple(reader.fieldnames or ())
    missing = [c for c in columns if c not in header]
    if missing:
        raise TableError(
            f"the header lacks the column(s) {', '.join(missing)}: expected {','.join(columns)}", 1
        )
    for row in reader:
        if None in row or any(value is None for value in row.values()):
            raise TableError(f"the row has not {len(header)} fields", reader.line_num)
        yield reader.line_num, {key: (value or "").strip() for key, value in row.items()}


def _sources(text: str, line: int) -> list[ox.NamedNode]:
    addresses = text.split()
    if not addresses:
        raise TableError("the row names no source (the source column is empty)", line)
    for address in addresses:
        if not ADDRESS.fullmatch(address):
            raise TableError(f"{address!r} in the source column is not an http(s) address", line)
    return [ox.NamedNode(a) for a in addresses]


def municipality_triples(text: str) -> list[ox.Triple]:
    """The triples of data/geo/municipalities.csv (IRIs under the default base, as data files are)."""
    out: list[ox.Triple] = []
    seen: dict[str, int] = {}
    for line, row in _rows(text, ("kommunkod", "name", "county", "source")):
        code, name, county = row["kommunkod"], row["name"], row["county"]
        if not KOMMUNKOD.fullmatch(code):
            raise TableError(f"kommunkod {code!r} is not four digits", line)
        if code in seen:
            raise TableError(f"kommunkod {code} is on line {seen[code]} already", line)
        seen[code] = line
        if not name:
            raise TableError(f"municipality {code} has no name", line)
        if not LANSKOD.fullmatch(county):
            raise TableError(f"county {county!r} of municipality {code} is not a two-digit länskod", line)
        if not code.startswith(county):
            raise TableError(f"kommunkod {code} does not begin with its county's code {county}", line)
        subject = ox.NamedNode(municipality_iri(code))
        out += [
            ox.Triple(subject, RDF_TYPE, ox.NamedNode(IKG + "Municipality")),
            ox.Triple(subject, IDENTIFIER, ox.Literal(code)),
            ox.Triple(subject, PREF_LABEL, ox.Literal(name, language="sv")),
            ox.Triple(subject, COUNTY, ox.NamedNode(county_iri(county))),
        ]
        out += [ox.Triple(subject, DERIVED_FROM, s) for s in _sources(row["source"], line)]
        item, item_source = row.get("wikidata", ""), row.get("wikidata_source", "")
        if item:
            if not WIKIDATA.fullmatch(item):
                raise TableError(
                    f"wikidata {item!r} of municipality {code} is not an item id like Q503111", line
                )
            if not item_source:
                raise TableError(
                    f"the Wikidata item of municipality {code} has no wikidata_source: "
                    "say where it was confirmed",
                    line,
                )
            out.append(ox.Triple(subject, SAME_AS, ox.NamedNode(f"http://www.wikidata.org/entity/{item}")))
            out += [ox.Triple(subject, SEE_ALSO, s) for s in _sources(item_source, line)]
        elif item_source:
            raise TableError(f"municipality {code} has a wikidata_source but no wikidata item", line)
    return out


def county_triples(text: str) -> list[ox.Triple]:
    """The triples of data/geo/counties.csv."""
    out: list[ox.Triple] = []
    seen: dict[str, int] = {}
    for line, row in _rows(text, ("lanskod", "name", "source")):
        code, name = row["lanskod"], row["name"]
        if not LANSKOD.fullmatch(code):
            raise TableError(f"länskod {code!r} is not two digits", line)
        if code in seen:
            raise TableError(f"länskod {code} is on line {seen[code]} already", line)
        seen[code] = line
        if not name:
            raise TableError(f"county {code} has no name", line)
        subject = ox.NamedNode(county_iri(code))
        out += [
            ox.Triple(subject, RDF_TYPE, ox.NamedNode(IKG + "County")),
            ox.Triple(subject, IDENTIFIER, ox.Literal(code)),
            ox.Triple(subject, PREF_LABEL, ox.Literal(name, language="sv")),
        ]
        out += [ox.Triple(subject, DERIVED_FROM, s) for s in _sources(row["source"], line)]
    return out


TABLES: dict[str, Callable[[str], list[ox.Triple]]] = {
    MUNICIPALITIES_TABLE: municipality_triples,
    COUNTIES_TABLE: county_triples,
}
"""The tables under data/ that the build turns into triples, by path relative to data/."""


def table_name(path: Path) -> str | None:
    """The table a file is, by its last two path parts (a table may be read from a copy elsewhere)."""
    name = "/".join(path.parts[-2:])
    return name if name in TABLES else None


def table_triples(data_dir: Path) -> list[ox.Triple]:
    """The triples of every table present under data_dir (all municipalities and counties), as the
    build makes them: for code and tests that read data files one by one instead of a build."""
    out: list[ox.Triple] = []
    for name, convert in TABLES.items():
        path = data_dir / name
        if path.is_file():
            out += convert(path.read_text(encoding="utf-8"))
    return out
