"""Mapbox vector tiles cut by PostGIS (``ST_AsMVT``): one layer per tile set, web-mercator XYZ.

The zone map draws areas, parks and space units from these tiles so its page weighs the same at
a thousand units or a million: a tile holds at most one symbol per grid cell (``cell_size``,
32 or 64 screen pixels of the ``TILE_PIXELS``-wide tiles the map draws), with the count and floor
space of what the cell holds. Points are projected
with the mercator formula in SQL rather than ``ST_Transform`` per row, and only rows inside the
tile's envelope (by the GiST index on ``geom``) are read.

``datum='gcj02'`` cuts the same tiles for a GCJ-02 basemap (AutoNavi): geometries are moved by
``spacemap_gcj02`` (migration 0010_plan) before they are cut; the stored data stays WGS84.

Tiles are cached in memory per layer, datum, tile and data version (``catalog.queries.versions``
over the tables the layer reads), so a change to the data is a new key, never a stale tile.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from spacemap.catalog.queries import versions
from spacemap.i18n import Msg, _

EXTENT = 4096  # tile units per tile side (the MVT default)
BUFFER = 256  # tile units beyond each edge, so symbols crossing an edge are drawn whole
# The map draws each tile this many pixels wide (TILE_PIXELS / 256 zooms up from the usual 256),
# so a screen needs few requests.
TILE_PIXELS = 1024
ZOOM_OFFSET = (TILE_PIXELS // 256).bit_length() - 1
NEAR_ZOOM = 12  # tile zooms from here on show streets: point layers use their finer grid


MAX_ZOOM = 22
CELL_MAX_ZOOM = MAX_ZOOM + 8  # cells of the deepest tiles (cell_zoom is at most 8)
DATUMS = ("wgs84", "gcj02")
# The envelope is widened by this much (degrees) before the datum shift, which moves Futian
# ~600 m: a row just outside the WGS84 envelope can land inside the shifted one.
_DATUM_MARGIN = {"wgs84": 0.0, "gcj02": 0.01}
_GEOM = {"wgs84": "{g}", "gcj02": "spacemap_gcj02({g})"}


@dataclass(frozen=True)
class TileLayer:
    id: str
    title_zh: str
    title_en: str
    description: str
    tables: tuple[str, ...]  # whose data versions stamp its tiles
    fields: dict[str, str]  # property → type, for TileJSON's vector_layers
    sql: str  # {geom}: the layer's geometry expression in the tile's datum
    geometry: str = "point"  # point | polygon
    # Screen pixels of a point layer's grid cell: over a city, and once streets show.
    cell_pixels: tuple[int, int] = (64, 32)

    def cell_size(self, z: int) -> int:
        """The grid at tile zoom ``z`` in tile units (a power of two dividing EXTENT)."""
        far, near = self.cell_pixels
        return EXTENT * (near if z >= NEAR_ZOOM else far) // TILE_PIXELS

    def cell_zoom(self, z: int) -> int:
        """A cell of a tile at zoom ``z`` is exactly the tile (z + cell_zoom(z), cx, cy)."""
        return (EXTENT // self.cell_size(z)).bit_length() - 1

    def statement(self, datum: str) -> str:
        return (
            self.sql.replace("{geom}", _GEOM[datum].format(g="t.geom"))
            .replace("{lng}", _LNG[datum])
            .replace("{lat}", _LAT[datum])
        )


# The tile's envelope in mercator metres and, widened, in WGS84 for the index.
_ENVELOPE = f"""
env AS (
  SELECT ST_XMin(e) AS x0, ST_YMax(e) AS y1, (ST_XMax(e) - ST_XMin(e)) / {EXTENT} AS res, e,
         ST_Expand(ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => {BUFFER / EXTENT}), 4326),
                   :margin) AS g
  FROM (SELECT ST_TileEnvelope(:z, :x, :y) AS e) t
)"""

# A point's longitude and latitude in the tile's datum, then its position in tile units
# (spherical mercator). The datum shift is computed once per row (a materialised step).
_LNG = {"wgs84": "x0", "gcj02": "x0 + spacemap_gcj02_dlng(x0, y0)"}
_LAT = {"wgs84": "y0", "gcj02": "y0 + spacemap_gcj02_dlat(x0, y0)"}
_TX = "((lng * 20037508.342789244 / 180.0) - env.x0) / env.res"
_TY = "(env.y1 - ln(tan(radians(90.0 + lat) / 2.0)) * 6378137.0) / env.res"


def _points(columns: str, source: str, aggregates: str, name: str, where: str = "true") -> str:
    """Rows of ``source`` inside the tile, one feature per occupied grid cell."""
    return f"""
WITH {_ENVELOPE},
p0 AS (SELECT ST_X(t.geom) AS x0, ST_Y(t.geom) AS y0, {columns}
       FROM {source}, env WHERE t.geom && env.g AND {where}),
p AS MATERIALIZED (SELECT {{lng}} AS lng, {{lat}} AS lat, p0.* FROM p0),
px AS MATERIALIZED (SELECT {_TX} AS tx, {_TY} AS ty, p.* FROM p, env),
cells AS (
  SELECT ST_MakePoint(round(avg(tx)), round(avg(ty))) AS geom, count(*) AS n, {aggregates}
  FROM px
  WHERE tx BETWEEN -{BUFFER} AND {EXTENT + BUFFER} AND ty BETWEEN -{BUFFER} AND {EXTENT + BUFFER}
  GROUP BY floor(tx / :cell), floor(ty / :cell)
)
SELECT ST_AsMVT(cells, '{name}', {EXTENT}, 'geom') FROM cells"""


# A cell is exactly the tile (z + cell_zoom(z), cx, cy), which names it ("cell") so a client can
# ask what is in it (``cell_units``).
UNIT_AGGREGATES = f"""
  round(sum(capacity_m2))::float8 AS capacity_m2,
  round(sum(available_m2))::float8 AS free_m2,
  count(*) FILTER (WHERE is_low_cost) AS low_cost,
  round(COALESCE(sum(available_m2) FILTER (WHERE is_low_cost), 0))::float8 AS low_cost_free_m2,
  bool_or(is_synthetic) AS synthetic,
  (:z + :cell_zoom) || '/' || (:x * ({EXTENT} / :cell) + floor(min(tx) / :cell))::bigint || '/'
    || (:y * ({EXTENT} / :cell) + floor(min(ty) / :cell))::bigint AS cell"""

_UNIT_COLUMNS = "t.code, t.capacity_m2, t.available_m2, t.is_low_cost, t.is_synthetic"

UNITS = TileLayer(
    id="units",
    title_zh="可租空间单元",
    title_en="Rentable space units",
    description="Space units aggregated per grid cell: count, capacity and free m², "
    "low-cost units; 'cell' is the z/x/y tile the cell covers.",
    tables=("space_units",),
    fields={
        "n": "Number",
        "capacity_m2": "Number",
        "free_m2": "Number",
        "low_cost": "Number",
        "low_cost_free_m2": "Number",
        "synthetic": "Boolean",
        "cell": "String",
    },
    sql=_points(_UNIT_COLUMNS, "space_units t", UNIT_AGGREGATES, "units"),
)

LOW_COST = TileLayer(
    id="low-cost",
    title_zh="低成本产业空间",
    title_en="Low-cost industrial space",
    description="Low-cost space units only (the plans' 低成本产业空间), aggregated like units.",
    tables=("space_units",),
    fields=UNITS.fields,
    sql=_points(_UNIT_COLUMNS, "space_units t", UNIT_AGGREGATES, "low-cost", "t.is_low_cost"),
)

PARKS = TileLayer(
    id="parks",
    title_zh="园区与孵化载体",
    title_en="Parks and incubators",
    description="Parks by type; a cell holding several parks carries their count and the most "
    "common type among them.",
    tables=("parks", "space_units"),
    fields={
        "n": "Number",
        "code": "String",
        "name_zh": "String",
        "name_en": "String",
        "park_type": "String",
        "is_estimate": "Boolean",
        "location_error_m": "Number",
        "low_cost_area_m2": "Number",
    },
    sql=_points(
        "t.code, t.name_zh, t.name_en, t.park_type, t.is_estimate, t.location_error_m, "
        "t.low_cost_area_m2",
        "parks t",
        """CASE WHEN count(*) = 1 THEN min(code) END AS code,
  CASE WHEN count(*) = 1 THEN min(name_zh) END AS name_zh,
  CASE WHEN count(*) = 1 THEN min(name_en) END AS name_en,
  mode() WITHIN GROUP (ORDER BY park_type) AS park_type,
  bool_or(is_estimate) AS is_estimate, max(location_error_m) AS location_error_m,
  sum(low_cost_area_m2)::float8 AS low_cost_area_m2""",
        "parks",
    ),
    cell_pixels=(32, 16),  # parks are few and each matters: a finer grid than units
)

# Areas with their floor space: occupancy is NULL ("no data") where no unit is recorded.
AREAS = TileLayer(
    id="areas",
    title_zh="八大片区",
    title_en="The eight areas",
    description="Area polygons with capacity, free and let m² and occupancy (null: no data).",
    tables=("areas", "zones", "parks", "space_units"),
    fields={
        "code": "String",
        "zone": "String",
        "name_zh": "String",
        "name_en": "String",
        "capacity_m2": "Number",
        "free_m2": "Number",
        "occupancy_pct": "Number",
        "is_estimate": "Boolean",
    },
    geometry="polygon",
    sql=f"""
WITH {_ENVELOPE},
space AS (
  SELECT p.area_id, sum(p.units_capacity_m2) AS cap, sum(p.units_available_m2) AS free
  FROM parks p GROUP BY p.area_id
),
f AS (
  SELECT ST_AsMVTGeom(ST_Transform({{geom}}, 3857), env.e, {EXTENT}, {BUFFER}, true) AS geom,
         t.code, z.code AS zone, t.name_zh, t.name_en,
         round(COALESCE(s.cap, 0))::float8 AS capacity_m2,
         round(COALESCE(s.free, 0))::float8 AS free_m2,
         CASE WHEN s.cap > 0 THEN round((100 * (s.cap - s.free) / s.cap)::numeric, 1)::float8 END
           AS occupancy_pct,
         t.is_estimate
  FROM areas t JOIN zones z ON z.id = t.zone_id LEFT JOIN space s ON s.area_id = t.id, env
  WHERE t.geom && env.g
)
SELECT ST_AsMVT(f, 'areas', {EXTENT}, 'geom') FROM f WHERE geom IS NOT NULL""",
)

LAYERS: dict[str, TileLayer] = {layer.id: layer for layer in (AREAS, PARKS, UNITS, LOW_COST)}


class TileError(ValueError):
    """A tile address or option that does not exist: the field and the reason."""

    def __init__(self, field: str, reason: Msg) -> None:
        super().__init__(str(reason))
        self.field, self.reason = field, reason


def check(z: int, x: int, y: int, datum: str, max_zoom: int = MAX_ZOOM) -> None:
    """A tile address must exist at its zoom; the datum must be one we cut."""
    if not 0 <= z <= max_zoom:
        raise TileError("z", _("The zoom must be between 0 and %(max)d.", max=max_zoom))
    last = (1 << z) - 1
    for field, value in (("x", x), ("y", y)):
        if not 0 <= value <= last:
            raise TileError(
                field,
                _("%(field)s must be between 0 and %(last)d at zoom %(z)d.", field=field,
                  last=last, z=z),
            )  # fmt: skip
    if datum not in DATUMS:
        raise TileError("datum", _("The datum must be one of: %(names)s.", names=", ".join(DATUMS)))


class _TileCache:
    """An LRU of tile bytes bounded by total size (uvicorn serves from a thread pool)."""

    def __init__(self, max_bytes: int = 64 << 20) -> None:
        self._data: OrderedDict[tuple, bytes] = OrderedDict()
        self._bytes = 0
        self._max = max_bytes
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            tile = self._data.get(key)
            if tile is not None:
                self._data.move_to_end(key)
            return tile

    def put(self, key: tuple, tile: bytes) -> None:
        with self._lock:
            if key in self._data:
                return
            self._data[key] = tile
            self._bytes += len(tile)
            while self._bytes > self._max and self._data:
                _, old = self._data.popitem(last=False)
                self._bytes -= len(old)


_cache = _TileCache()


def version(session: Session, layer: TileLayer) -> str:
    """The data version the layer's tiles are cut from (changes whenever its tables do), as a
    short token for tile URLs (``?v=``) and ETags."""
    stamp = f"{layer.id}|{layer.sql}|{versions(session, layer.tables)}"
    return hashlib.sha256(stamp.encode()).hexdigest()[:16]


def cached(layer: TileLayer, z: int, x: int, y: int, datum: str, data_version: str) -> bytes | None:
    """A tile already cut for this data version, without asking the database anything."""
    return _cache.get((layer.id, datum, z, x, y, data_version))


def tile(
    session: Session, layer: TileLayer, z: int, x: int, y: int, datum: str, data_version: str
) -> bytes:
    """The tile's MVT bytes (empty when nothing is in it), from the cache when it can be.
    ``data_version`` must be the current one (``version``): the tile is kept under it."""
    check(z, x, y, datum)
    key = (layer.id, datum, z, x, y, data_version)
    hit = _cache.get(key)
    if hit is not None:
        return hit
    params = {"z": z, "x": x, "y": y, "margin": _DATUM_MARGIN[datum],
              "cell": layer.cell_size(z), "cell_zoom": layer.cell_zoom(z)}  # fmt: skip
    data = session.execute(text(layer.statement(datum)), params).scalar()
    out = bytes(data or b"")
    _cache.put(key, out)
    return out


CELL_UNITS = """
SELECT t.code, p.name_zh, p.name_en, t.floor, t.capacity_m2, t.available_m2,
       t.rent_cny_m2_month, t.is_low_cost, t.is_synthetic, count(*) OVER () AS total
FROM space_units t JOIN parks p ON p.id = t.park_id,
     (SELECT ST_TileEnvelope(:z, :x, :y) AS e) env
WHERE t.geom && ST_Expand(ST_Transform(env.e, 4326), :margin) AND {where}
  AND ST_Intersects(ST_Transform({geom}, 3857), env.e)
ORDER BY t.available_m2 DESC, t.code LIMIT :limit"""


def cell_units(
    session: Session, z: int, x: int, y: int, datum: str, low_cost: bool, limit: int = 100
) -> list[dict]:
    """The units in one cell of a point layer (the tile ``z/x/y`` its ``cell`` names), most
    free space first; each row carries ``total``, the number in the cell."""
    check(z, x, y, datum, CELL_MAX_ZOOM)
    sql = CELL_UNITS.replace("{geom}", _GEOM[datum].format(g="t.geom")).replace(
        "{where}", "t.is_low_cost" if low_cost else "true"
    )
    params = {"z": z, "x": x, "y": y, "margin": _DATUM_MARGIN[datum], "limit": limit}
    return [dict(r._mapping) for r in session.execute(text(sql), params)]
