"""GDAL — the library behind QGIS, ArcGIS Pro's OGC reader and most GIS scripts — reads the
service with its own OAPIF driver (Debian's ``gdal-bin``, installed by ``make test``), and what
it gets agrees with the database: every feature of every collection, and a bbox filter.

GDAL is given the landing page (it fails on ``/collections``) and ``-oo PAGE_SIZE=1000``, the
two things README tells users, so the test also proves the instructions.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from spacemap.catalog.collections import COLLECTIONS

OGRINFO, OGR2OGR = shutil.which("ogrinfo"), shutil.which("ogr2ogr")
BOX = (114.04, 22.50, 114.07, 22.54)  # 河套 and the southern centre


def _gdal(*args: str) -> str:
    assert OGRINFO and OGR2OGR, "gdal-bin missing: `make test` installs it (make gdal)"
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _fetch(server: str, collection: str, tmp_path: Path, *extra: str) -> list[dict]:
    out = tmp_path / f"{collection}.geojson"
    _gdal(str(OGR2OGR), "-f", "GeoJSON", str(out), f"OAPIF:{server}/", collection,
          "-oo", "PAGE_SIZE=1000", *extra)  # fmt: skip
    return json.loads(out.read_text(encoding="utf-8"))["features"]


def _count(engine: Engine, table: str, where: str = "true") -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table} t WHERE {where}")).scalar_one()


def test_ogrinfo_lists_every_collection_from_the_landing_page(server: str) -> None:
    listing = _gdal(str(OGRINFO), "-ro", "-q", f"OAPIF:{server}/")
    for collection in COLLECTIONS:
        assert f": {collection} (" in listing


@pytest.mark.parametrize("collection", list(COLLECTIONS))
def test_ogr2ogr_copies_every_feature(
    server: str, engine: Engine, tmp_path: Path, collection: str
) -> None:
    features = _fetch(server, collection, tmp_path)
    ids = [f["properties"]["id"] for f in features]
    assert len(ids) == len(set(ids)) == _count(engine, COLLECTIONS[collection].table)


@pytest.mark.parametrize("collection", ["space-units", "areas"])
def test_a_bbox_filter_matches_postgis(
    server: str, engine: Engine, tmp_path: Path, collection: str
) -> None:
    features = _fetch(server, collection, tmp_path, "-spat", *map(str, BOX))
    inside = f"ST_Intersects(t.geom, ST_MakeEnvelope({', '.join(map(str, BOX))}, 4326))"
    expected = _count(engine, COLLECTIONS[collection].table, inside)
    assert 0 < len(features) == expected < _count(engine, COLLECTIONS[collection].table)
