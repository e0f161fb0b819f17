"""Downloads of a collection or a filtered view: CSV, GeoJSON, GeoPackage.

CSV is written with a UTF-8 byte-order mark so Excel shows the Chinese names, and carries the
geometry as WKT; list properties (features, industries, lines) are joined with ``;`` in CSV and
GeoPackage, which have no list type, and lists of records (a park's industry_tags, an area's
parts) are written as JSON text.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from sqlalchemy.orm import Session

from spacemap.catalog.queries import FeatureQuery, page, rows

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "geojson": ("application/geo+json", "geojson"),
    "gpkg": ("application/geopackage+sqlite3", "gpkg"),
}


def frame(session: Session, q: FeatureQuery) -> gpd.GeoDataFrame:
    columns, data = rows(session, q)
    df = pd.DataFrame(data, columns=columns)
    geometry = shapely.from_wkb(df.pop("geometry").map(bytes).to_numpy())
    return gpd.GeoDataFrame(df, geometry=geometry, crs="EPSG:4326")


def _flat(value: object) -> object:
    if isinstance(value, list):
        if any(isinstance(v, dict) for v in value):
            return json.dumps(value, ensure_ascii=False)
        return ";".join(map(str, value))
    return value


def _flatten(df: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = df.copy()
    for name in out.columns:
        if name != "geometry" and out[name].map(lambda v: isinstance(v, list)).any():
            out[name] = out[name].map(_flat)
    return out


def export(session: Session, q: FeatureQuery, fmt: str) -> bytes:
    """The matched rows of ``q`` (every page) in ``fmt``."""
    if fmt == "geojson":  # built in PostGIS, like the item pages
        _, features = page(session, replace(q, limit=None, offset=0))
        return ('{"type":"FeatureCollection","features":' + features + "}").encode()
    df = frame(session, q)
    if fmt == "csv":
        flat = pd.DataFrame(_flatten(df).drop(columns="geometry"))
        flat["geometry_wkt"] = shapely.to_wkt(df.geometry.to_numpy(), rounding_precision=7)
        return flat.to_csv(index=False).encode("utf-8-sig")
    if fmt == "gpkg":
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{q.collection.id}.gpkg"
            _flatten(df).to_file(path, driver="GPKG", layer=q.collection.id.replace("-", "_"))
            return path.read_bytes()
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
