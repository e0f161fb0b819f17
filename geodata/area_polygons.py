"""Area (片区) polygons, since the documents name areas but publish no boundaries.

Method, reproducible and deliberately simple: each area is anchored by its parks and the metro
stations the documents place in it. Its polygon is

    (convex hull of its anchors, buffered by BUFFER_M) ∩ (its anchors' Voronoi cells) ∩ Futian

computed in CGCS2000 / 3-degree GK zone 38 (EPSG:4547), in metres. The Voronoi term keeps areas
from overlapping: ground between two areas goes to the nearer anchor. Every polygon is an estimate.
"""

from __future__ import annotations

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

METRIC_CRS = "EPSG:4547"
BUFFER_M = 600.0

METHOD = (
    f"估算：片区内园区与地铁站锚点凸包外扩{BUFFER_M:.0f}米，"
    "与锚点Voronoi分区求交并裁剪至福田区界 / "
    f"estimate: convex hull of the area's parks and metro stations buffered {BUFFER_M:.0f} m, "
    "intersected with the anchors' Voronoi cells, clipped to the district boundary (EPSG:4547)"
)


def area_polygons(anchors: gpd.GeoDataFrame, district: BaseGeometry) -> dict[str, BaseGeometry]:
    """``anchors``: WGS84 points with an ``area_code`` column. Returns WGS84 (multi)polygons."""
    pts = anchors.to_crs(METRIC_CRS)
    boundary = gpd.GeoSeries([district], crs="EPSG:4326").to_crs(METRIC_CRS).iloc[0]
    envelope = boundary.buffer(5000).envelope
    cells = shapely.voronoi_polygons(shapely.MultiPoint(list(pts.geometry)), extend_to=envelope)
    cell_list = list(shapely.get_parts(cells))
    owner = []
    for cell in cell_list:  # each Voronoi cell contains exactly one anchor
        inside = pts[pts.geometry.within(cell) | pts.geometry.touches(cell)]
        owner.append(inside.iloc[0]["area_code"] if len(inside) else None)
    result: dict[str, BaseGeometry] = {}
    for code, group in pts.groupby("area_code", sort=True):
        hull = shapely.MultiPoint(list(group.geometry)).convex_hull.buffer(BUFFER_M)
        voronoi = shapely.union_all([c for c, o in zip(cell_list, owner, strict=True) if o == code])
        shape = hull.intersection(voronoi).intersection(boundary)
        result[str(code)] = gpd.GeoSeries([shape], crs=METRIC_CRS).to_crs("EPSG:4326").iloc[0]
    return result
