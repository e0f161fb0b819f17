"""SQL that pages a collection. PostgreSQL builds the GeoJSON; Python only splices text.

Each page is one statement whose result is the ``features`` array as JSON text, built with
``json_build_object`` and ``json_agg`` over the page's rows — no geometry is parsed in Python.
``numberMatched`` is an exact ``count(*)``, cached per collection and filter until the data
version of any table the collection reads changes (``data_versions``, bumped by triggers).

Polygons leave the database with counter-clockwise exterior rings and clockwise holes — the
right-hand rule of RFC 7946 §3.1.6 — whatever order they were stored in (``ST_ForcePolygonCCW``,
a no-op for points), so pages, single features and every download agree.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from spacemap.catalog.collections import Collection, filter_sql
from spacemap.catalog.temporal import Interval
from spacemap.lru import LRU

MAX_LIMIT = 10_000
DEFAULT_LIMIT = 100
COORD_DECIMALS = 7  # ~1 cm at Futian's latitude
GEOMETRY = "ST_ForcePolygonCCW(t.geom)"  # RFC 7946's winding, for every output


@dataclass(frozen=True)
class FeatureQuery:
    collection: Collection
    bbox: tuple[float, float, float, float] | None = None
    filters: dict[str, Any] = field(default_factory=dict)
    limit: int | None = DEFAULT_LIMIT  # None: every matched row (downloads)
    offset: int = 0
    interval: Interval | None = None  # ``datetime``: only collections with a time property

    def key(self) -> str:
        """Everything that selects the matched set (not the page), as a stable string."""
        interval = None if self.interval is None else self.interval.key()
        return json.dumps([self.collection.id, self.bbox, sorted(self.filters.items()), interval])


def _where(q: FeatureQuery) -> tuple[str, dict[str, Any]]:
    clauses, params = ["true"], dict(q.filters)
    for name in q.filters:
        clauses.append(f"({filter_sql(q.collection, name)})")
    if q.bbox is not None:
        minx, miny, maxx, maxy = q.bbox
        params.update(miny=miny, maxy=maxy)
        if minx <= maxx:
            params.update(minx=minx, maxx=maxx)
            clauses.append(
                "ST_Intersects(t.geom, ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326))"
            )
        else:  # crosses the antimeridian (OGC API Features allows it)
            params.update(minx=minx, maxx=maxx)
            clauses.append(
                "(ST_Intersects(t.geom, ST_MakeEnvelope(:minx, :miny, 180, :maxy, 4326)) OR "
                "ST_Intersects(t.geom, ST_MakeEnvelope(-180, :miny, :maxx, :maxy, 4326)))"
            )
    time_sql = q.collection.time_sql
    if q.interval is not None and time_sql is not None:
        # A feature's day intersects the interval if it lies between the local days of its
        # ends. Collections without a time property match every datetime (/req/core/fc-time-
        # response: features without temporal information are not filtered out).
        first, last = q.interval.days()
        if first is not None:
            clauses.append(f"{time_sql} >= :t_first")
            params["t_first"] = first
        if last is not None:
            clauses.append(f"{time_sql} <= :t_last")
            params["t_last"] = last
    return " AND ".join(clauses), params


def _properties_json(c: Collection) -> str:
    pairs = ", ".join(f"'{name}', {expr}" for name, expr in c.all_properties)
    return f"json_build_object({pairs})"


def page_sql(c: Collection, where: str) -> str:
    return f"""
WITH page AS (
  SELECT t.id AS _ord, {c.id_sql} AS _id, {GEOMETRY} AS _geom, {_properties_json(c)} AS _props
  FROM {c.from_sql} WHERE {where} ORDER BY t.id LIMIT :limit OFFSET :offset
)
SELECT count(*), COALESCE(json_agg(json_build_object(
  'type', 'Feature', 'id', _id, 'geometry', ST_AsGeoJSON(_geom, {COORD_DECIMALS})::json,
  'properties', _props) ORDER BY _ord), '[]')::text
FROM page"""


def page(session: Session, q: FeatureQuery) -> tuple[int, str]:
    """(numberReturned, the features array as JSON text)."""
    where, params = _where(q)
    returned, features = session.execute(
        text(page_sql(q.collection, where)), {**params, "limit": q.limit, "offset": q.offset}
    ).one()
    return int(returned), features


def item(session: Session, c: Collection, item_id: str) -> str | None:
    """One feature as GeoJSON text, or None."""
    sql = f"""
SELECT json_build_object('type', 'Feature', 'id', {c.id_sql},
  'geometry', ST_AsGeoJSON({GEOMETRY}, {COORD_DECIMALS})::json, 'properties', {_properties_json(c)}
)::text FROM {c.from_sql} WHERE {c.id_sql} = :item_id"""
    return session.execute(text(sql), {"item_id": item_id}).scalar()


def rows(session: Session, q: FeatureQuery) -> tuple[list[str], list[tuple]]:
    """Every matched row (no paging) with its geometry as WKB, for downloads."""
    c = q.collection
    where, params = _where(q)
    columns = ", ".join(f'{expr} AS "{name}"' for name, expr in c.all_properties)
    sql = (
        f"SELECT {c.id_sql} AS id, {columns}, ST_AsBinary({GEOMETRY}) AS geometry "
        f"FROM {c.from_sql} WHERE {where} ORDER BY t.id"
    )
    result = session.execute(text(sql), params)
    return list(result.keys()), [tuple(r) for r in result]


VERSIONS = """
SELECT v.table_name,
       v.version + (SELECT count(*) FROM data_changes c WHERE c.table_name = v.table_name)
FROM data_versions v WHERE v.table_name = ANY(:t)
UNION ALL SELECT 'day', CAST(to_char(current_date, 'YYYYMMDD') AS bigint)
ORDER BY 1
"""


def versions(session: Session, tables: tuple[str, ...]) -> str:
    """The data version of a set of tables, as one opaque string: the number of committed
    write statements on each (migration 0006_lead), so it changes exactly when data does — and
    the day, since a whitelist change dated tomorrow changes what is in force at midnight."""
    found = session.execute(text(VERSIONS), {"t": list(tables)}).all()
    return ".".join(f"{name}:{version}" for name, version in found)


_counts = LRU()
_extents = LRU(64)
_periods = LRU(64)


def number_matched(session: Session, q: FeatureQuery, version: str) -> int:
    """Exact count, computed once per filter and data version."""
    key = hashlib.sha256(f"{q.key()}|{version}".encode()).hexdigest()
    cached = _counts.get(key)
    if cached is not None:
        return cached
    where, params = _where(q)
    n = int(
        session.execute(
            text(f"SELECT count(*) FROM {q.collection.from_sql} WHERE {where}"), params
        ).scalar_one()
    )
    _counts.put(key, n)
    return n


def extent(session: Session, c: Collection, version: str) -> list[float] | None:
    """[minx, miny, maxx, maxy] of the whole collection, cached per data version."""
    key = f"{c.id}|{version}"
    cached = _extents.get(key)
    if cached is not None:
        return cached
    box = session.execute(
        text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
            f"FROM (SELECT ST_Extent(t.geom) AS e FROM {c.table} t) s"
        )
    ).one()
    value = None if box[0] is None else [round(float(v), 6) for v in box]
    _extents.put(key, value)
    return value


def period(session: Session, c: Collection, version: str) -> tuple[date, date] | None:
    """The first and last day of the collection's time property, cached per data version."""
    if c.time_sql is None:
        return None
    key = f"{c.id}|{version}"
    cached = _periods.get(key)
    if cached is not None:
        return cached
    first, last = session.execute(
        text(f"SELECT min({c.time_sql}), max({c.time_sql}) FROM {c.from_sql}")
    ).one()
    value = None if first is None else (first, last)
    _periods.put(key, value)
    return value
