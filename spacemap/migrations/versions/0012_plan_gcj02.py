"""GCJ-02 in the database, so vector tiles can be cut for a Chinese basemap

Data stays WGS84. A map drawn over AutoNavi (GCJ-02) tiles needs every overlay shifted the same
way (``spacemap.coords.wgs84_to_gcj02``); the zone map's vector tiles are cut in PostGIS, so the
forward transform lives here too, as the same formula:

- ``spacemap_gcj02_dlng/dlat(lng, lat)``: the shift in degrees, zero outside China's box;
- ``spacemap_gcj02(geometry)``: a point or (multi)polygon moved vertex by vertex.

Revision ID: 0012_plan
Revises: 0011_cli
"""

from __future__ import annotations

from alembic import op

revision = "0012_plan"
down_revision = "0011_cli"
branch_labels = None
depends_on = None

# One expression each, no FROM: PostgreSQL inlines them into a tile query over many points.
_X, _Y = "(lng - 105.0)", "(lat - 35.0)"
_MAGIC = "(1.0 - 0.00669342162296594323 * sin(radians(lat)) ^ 2)"
_OUTSIDE = "lng < 72.004 OR lng > 137.8347 OR lat < 0.8293 OR lat > 55.8271"
_DLAT = (
    f"(-100.0 + 2.0 * {_X} + 3.0 * {_Y} + 0.2 * {_Y} * {_Y} + 0.1 * {_X} * {_Y}"
    f" + 0.2 * sqrt(abs({_X}))"
    f" + (20.0 * sin(6.0 * {_X} * pi()) + 20.0 * sin(2.0 * {_X} * pi())) * 2.0 / 3.0"
    f" + (20.0 * sin({_Y} * pi()) + 40.0 * sin({_Y} / 3.0 * pi())) * 2.0 / 3.0"
    f" + (160.0 * sin({_Y} / 12.0 * pi()) + 320.0 * sin({_Y} * pi() / 30.0)) * 2.0 / 3.0)"
)
_DLNG = (
    f"(300.0 + {_X} + 2.0 * {_Y} + 0.1 * {_X} * {_X} + 0.1 * {_X} * {_Y}"
    f" + 0.1 * sqrt(abs({_X}))"
    f" + (20.0 * sin(6.0 * {_X} * pi()) + 20.0 * sin(2.0 * {_X} * pi())) * 2.0 / 3.0"
    f" + (20.0 * sin({_X} * pi()) + 40.0 * sin({_X} / 3.0 * pi())) * 2.0 / 3.0"
    f" + (150.0 * sin({_X} / 12.0 * pi()) + 300.0 * sin({_X} / 30.0 * pi())) * 2.0 / 3.0)"
)
DLNG = f"""
CREATE FUNCTION spacemap_gcj02_dlng(lng double precision, lat double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN {_OUTSIDE} THEN 0.0
    ELSE ({_DLNG} * 180.0) / (6378245.0 / sqrt({_MAGIC}) * cos(radians(lat)) * pi()) END
$$
"""
DLAT = f"""
CREATE FUNCTION spacemap_gcj02_dlat(lng double precision, lat double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN {_OUTSIDE} THEN 0.0
    ELSE ({_DLAT} * 180.0) / ((6378245.0 * (1.0 - 0.00669342162296594323))
                              / ({_MAGIC} * sqrt({_MAGIC})) * pi()) END
$$
"""

POINT = """
CREATE FUNCTION spacemap_gcj02_point(lng double precision, lat double precision)
RETURNS geometry LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT ST_SetSRID(ST_MakePoint(lng + spacemap_gcj02_dlng(lng, lat),
                                 lat + spacemap_gcj02_dlat(lng, lat)), 4326)
$$
"""

# Points directly; polygons ring by ring (ST_BuildArea turns inner rings back into holes).
GEOMETRY = """
CREATE FUNCTION spacemap_gcj02(g geometry) RETURNS geometry
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN GeometryType(g) = 'POINT' THEN spacemap_gcj02_point(ST_X(g), ST_Y(g))
  ELSE (SELECT ST_SetSRID(ST_Multi(ST_BuildArea(ST_Collect(ring))), 4326) FROM (
          SELECT ST_MakeLine(spacemap_gcj02_point(ST_X(d.geom), ST_Y(d.geom))
                             ORDER BY d.path[3]) AS ring
          FROM ST_DumpPoints(ST_Multi(g)) d GROUP BY d.path[1], d.path[2]) rings)
  END
$$
"""


def upgrade() -> None:
    op.execute(DLNG)
    op.execute(DLAT)
    op.execute(POINT)
    op.execute(GEOMETRY)


def downgrade() -> None:
    op.execute("DROP FUNCTION spacemap_gcj02(geometry)")
    op.execute("DROP FUNCTION spacemap_gcj02_point(double precision, double precision)")
    op.execute("DROP FUNCTION spacemap_gcj02_dlat(double precision, double precision)")
    op.execute("DROP FUNCTION spacemap_gcj02_dlng(double precision, double precision)")
