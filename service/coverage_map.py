"""A map of Sweden's 290 municipalities as SVG, drawn by the service itself from data/geo/.

No tile server, no network, no JavaScript: the boundaries (data/geo/municipalities.geojson, from
Valmyndigheten via Open Knowledge Sweden) are projected once per process with a transverse Mercator
projection on 15° E (the meridian of SWEREF 99 TM, so Sweden looks as on Swedish maps) and turned
into integer SVG path data; each request only chooses colours and titles. Every municipality is one
`<path>` inside a link to its page, with a `<title>` (name, figures) that browsers show on hover;
the legend is part of the picture.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from .geo import BOUNDARIES_FILE

HEIGHT = 1000  # SVG units of the map's height; the width follows Sweden's shape
MARGIN = 10
CENTRAL_MERIDIAN = 15.0
CREDIT = "Boundaries: Valmyndigheten via Open Knowledge Sweden"


@dataclass(frozen=True)
class Shape:
    kommunkod: str
    name: str
    county: str
    d: str  # SVG path data


@dataclass(frozen=True)
class Shapes:
    width: int
    height: int
    shapes: tuple[Shape, ...]


def _project(lon: float, lat: float) -> tuple[float, float]:
    """Spherical transverse Mercator on the central meridian (x east, y north, in radians of arc)."""
    lam, phi = math.radians(lon - CENTRAL_MERIDIAN), math.radians(lat)
    b = math.cos(phi) * math.sin(lam)
    x = 0.5 * math.log((1 + b) / (1 - b))
    y = math.atan2(math.tan(phi), math.cos(lam))
    return x, y


def _path_data(rings: Sequence[Sequence[tuple[float, float]]]) -> str:
    """Rings of SVG points as compact path data: absolute first point, then relative integer moves."""
    parts: list[str] = []
    for ring in rings:
        points: list[tuple[int, int]] = []
        for x, y in ring:
            point = (round(x), round(y))
            if not points or points[-1] != point:
                points.append(point)
        if len(points) > 1 and points[0] == points[-1]:
            points.pop()
        if len(points) < 3:
            continue
        text = [f"M{points[0][0]} {points[0][1]}l"]
        moves = []
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
            moves.append(f"{x1 - x0} {y1 - y0}")
        text.append(" ".join(moves))
        parts.append("".join(text) + "z")
    return "".join(parts)


def load_shapes(path: Path) -> Shapes:
    """The municipalities' outlines from a GeoJSON FeatureCollection (properties kommunkod, name,
    county), projected and scaled to HEIGHT."""
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    projected: list[tuple[dict[str, str], list[list[tuple[float, float]]]]] = []
    for feature in features:
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        rings = [[_project(lon, lat) for lon, lat in ring] for polygon in polygons for ring in polygon]
        projected.append((feature["properties"], rings))
    xs = [x for _, rings in projected for ring in rings for x, _ in ring]
    ys = [y for _, rings in projected for ring in rings for _, y in ring]
    scale = (HEIGHT - 2 * MARGIN) / (max(ys) - min(ys))
    width = math.ceil((max(xs) - min(xs)) * scale) + 2 * MARGIN
    left, top = min(xs), max(ys)
    shapes = []
    for props, rings in projected:
        screen = [
            [((x - left) * scale + MARGIN, (top - y) * scale + MARGIN) for x, y in ring] for ring in rings
        ]
        shapes.append(
            Shape(str(props["kommunkod"]), str(props["name"]), str(props["county"]), _path_data(screen))
        )
    return Shapes(width, HEIGHT, tuple(sorted(shapes, key=lambda s: s.kommunkod)))


def shapes_for(data_dir: Path) -> Shapes:
    """The shapes of data/geo/ (read again when the file changes)."""
    path = data_dir / BOUNDARIES_FILE
    return _shapes_of_file(str(path), path.stat().st_mtime)


@lru_cache(maxsize=1)
def _shapes_of_file(path: str, mtime: float) -> Shapes:
    return load_shapes(Path(path))


@dataclass(frozen=True)
class Area:
    """What one municipality shows: its fill, category key, title text and link."""

    fill: str
    category: str
    title: str
    href: str


@dataclass(frozen=True)
class LegendEntry:
    key: str
    colour: str
    label: str  # "svenska · English": the Swedish first, the English below it
    count: int


def render(
    shapes: Shapes,
    areas: Mapping[str, Area],
    legend: Sequence[LegendEntry],
    *,
    title: str,
    element_id: str = "coverage-map",
) -> str:
    """The map as a standalone SVG document (also valid inline in HTML): one linked path per
    municipality, the legend to the right, the credit for the boundaries at the bottom."""
    legend_width = 600
    width, height = shapes.width + legend_width, shapes.height
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id={quoteattr(element_id)} class="coverage-map" '
        f'viewBox="0 0 {width} {height}" width="{width // 2}" height="{height // 2}" role="img" '
        f'aria-labelledby="{element_id}-title" font-family="sans-serif" font-size="18">',
        f'<title id="{element_id}-title">{escape(title)}</title>',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        '<g class="municipalities" stroke="#ffffff" stroke-width="0.8" stroke-linejoin="round">',
    ]
    for shape in shapes.shapes:
        area = areas.get(shape.kommunkod) or Area("#dddddd", "", f"{shape.name} ({shape.kommunkod})", "")
        path = (
            f'<path d="{shape.d}" fill="{area.fill}" data-kommunkod="{shape.kommunkod}" '
            f'data-category="{escape(area.category)}"><title>{escape(area.title)}</title></path>'
        )
        if area.href:
            out.append(f"<a href={quoteattr(area.href)}>{path}</a>")
        else:
            out.append(path)
    out.append("</g>")
    x = shapes.width + 20
    out.append(f'<g class="legend" data-legend="true" transform="translate({x} 40)">')
    for i, entry in enumerate(legend):
        y = i * 52
        swedish, _, english = entry.label.partition(" · ")
        out.append(
            f'<g data-category="{escape(entry.key)}"><rect x="0" y="{y}" width="24" height="24" '
            f'fill="{entry.colour}" stroke="#777777"/>'
            f'<text x="32" y="{y + 18}">{escape(swedish)} ({entry.count})</text>'
            + (
                f'<text x="32" y="{y + 38}" font-size="15" fill="#555555">{escape(english)}</text>'
                if english
                else ""
            )
            + "</g>"
        )
    out.append("</g>")
    out.append(f'<text x="{x}" y="{height - 20}" font-size="16" fill="#555555">{escape(CREDIT)}</text>')
    out.append("</svg>")
    return "\n".join(out)
