"""Area (片区) polygons, since the documents name areas but publish no boundaries.

What the plans say each area contains is mostly place names: 福田保税区 and 皇岗口岸 for the
Loop, 香蜜湖, 华强, 梅林, 车公庙, 八卦岭, 安托山. The bundled data locates places by their metro
stations and locates the carriers the plans put in each area. So an area part is drawn as the
ground those anchors serve (``sources/area_anchors.csv`` names each station and why):

1. Voronoi cells over *every* station near Futian and every carrier, so a station the plans do
   not give to an area (景田, 石厦, 红岭 …) keeps its own ground instead of an area swallowing it;
2. each anchor's cell cut to a catchment disc of radius ``R`` — the median spacing of the part's
   stations, kept between 500 and 1,000 m (dense Huaqiangbei gets a small radius, Antuoshan a
   large one) — and the part is the union of its anchors' pieces;
3. a 150 m closing fills the slivers between neighbouring pieces, the result is clipped to the
   district boundary (so the Loop runs to the Shenzhen River), and no part may take ground from
   another part's cells.

All in CGCS2000 / 3-degree GK zone 38 (EPSG:4547), in metres. ``R`` is the part's
``boundary_error_m``: how far the drawn edge may lie from the area's real one. ``boundary_quality``
says how the anchors were chosen: ``named`` (every station bears a name the plans use for the
area), ``partly_named`` (some do), ``chosen`` (the plans name no place; the stations are ours).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

METRIC_CRS = "EPSG:4547"
RADIUS_BOUNDS_M = (500.0, 1000.0)
CLOSING_M = 150.0

METHOD = (
    "估算：以规划点名的地点（车站）与所含载体为锚点，取各锚点的泰森多边形（含所有未划入片区的车站）"
    "与服务半径圆之交集并合，裁剪至福田区界 / estimate: the ground the part's named stations and "
    "carriers serve — each anchor's Voronoi cell (every other station keeps its own) cut to a "
    "catchment radius, joined and clipped to the district boundary (EPSG:4547)"
)


@dataclass(frozen=True)
class PartShape:
    geometry: BaseGeometry  # WGS84
    boundary_error_m: float
    boundary_quality: str


def _radius(points: list[shapely.Point]) -> float:
    """Median distance from each station anchor to its nearest other one, within the bounds."""
    lo, hi = RADIUS_BOUNDS_M
    if len(points) < 2:
        return hi
    coords = np.array([(p.x, p.y) for p in points])
    d = np.hypot(*(coords[:, None, :] - coords[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(d, np.inf)
    return float(np.clip(np.median(d.min(axis=1)), lo, hi))


def _quality(bases: list[str]) -> str:
    named = sum(b == "named" for b in bases)
    if named == len(bases):
        return "named"
    return "partly_named" if named else "chosen"


def part_polygons(
    anchors: gpd.GeoDataFrame, others: gpd.GeoSeries, district: BaseGeometry
) -> dict[str, PartShape]:
    """``anchors``: WGS84 points with ``part_code``, ``kind`` (station|carrier) and ``basis``
    (named|chosen; carriers count as named); ``others``: WGS84 stations no part claims."""
    pts = anchors.to_crs(METRIC_CRS).reset_index(drop=True)
    rest = others.to_crs(METRIC_CRS)
    boundary = gpd.GeoSeries([district], crs="EPSG:4326").to_crs(METRIC_CRS).iloc[0]
    seeds: list[tuple[str | None, shapely.Point]] = []
    seen: set[tuple[float, float]] = set()
    for code, geom in [*zip(pts.part_code, pts.geometry, strict=True), *((None, g) for g in rest)]:
        key = (round(geom.x, 3), round(geom.y, 3))
        if key not in seen:  # Voronoi needs distinct points; the first claim wins
            seen.add(key)
            seeds.append((code, geom))
    envelope = boundary.buffer(5000).envelope
    cells = list(  # ordered: cell i belongs to seed i
        shapely.get_parts(
            shapely.voronoi_polygons(
                shapely.MultiPoint([g for _, g in seeds]), extend_to=envelope, ordered=True
            )
        )
    )
    raw: dict[str, BaseGeometry] = {}
    meta: dict[str, tuple[float, str]] = {}
    for code, group in pts.groupby("part_code", sort=True):
        stations = [g for g, k in zip(group.geometry, group.kind, strict=True) if k == "station"]
        radius = _radius(stations)
        pieces = [
            cells[i].intersection(geom.buffer(radius))
            for i, (c, geom) in enumerate(seeds)
            if c == code
        ]
        raw[str(code)] = shapely.union_all(pieces)
        bases = [b for b, k in zip(group.basis, group.kind, strict=True) if k == "station"]
        meta[str(code)] = (round(radius, -1), _quality(bases))
    result: dict[str, PartShape] = {}
    taken: list[BaseGeometry] = []
    for code in sorted(raw):
        closed = raw[code].buffer(CLOSING_M).buffer(-CLOSING_M).union(raw[code])
        others_raw = [g for c, g in raw.items() if c != code]
        shape = closed.intersection(boundary).difference(shapely.union_all(others_raw + taken))
        taken.append(shape)
        wgs = gpd.GeoSeries([shape], crs=METRIC_CRS).to_crs("EPSG:4326").iloc[0]
        result[code] = PartShape(wgs, *meta[code])
    return result


def boundary_table() -> str:
    """Each area part's anchors, radius and quality as geodata/README.md shows them (a test
    keeps the two the same), from the built parts and ``sources/area_anchors.csv``."""
    import csv
    import json

    from geodata import built_path, sources_path

    with sources_path("area_anchors.csv").open(encoding="utf-8", newline="") as f:
        anchors = list(csv.DictReader(f))
    parts = json.loads(built_path("area_parts.geojson").read_text(encoding="utf-8"))
    lines = [
        "| part | area | zone | stations the plans name | stations we chose | radius | quality |",
        "| --- | --- | --- | --- | --- | ---: | --- |",
    ]
    for feature in parts["features"]:
        p = feature["properties"]
        mine = [a for a in anchors if a["part_code"] == p["code"]]
        named = "、".join(a["station"] for a in mine if a["basis"] == "named") or "—"
        chosen = "、".join(a["station"] for a in mine if a["basis"] == "chosen") or "—"
        lines.append(
            f"| {p['name_zh']} `{p['code']}` | {p['area_code']} | {p['zone_code']} | {named} | "
            f"{chosen} | {p['boundary_error_m']:.0f} m | {p['boundary_quality']} |"
        )
    return "\n".join(lines)
