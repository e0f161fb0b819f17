"""Query parameters of the feature routes, parsed once and reused (bbox, limit, filters).

Bad values are 400 problems naming the parameter, as OGC API – Features asks; so is a parameter
the collection does not know (``/req/core/query-param-unknown``).
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request

from api.problems import Problem
from spacemap.catalog.collections import COLLECTIONS, Collection, collection_filters
from spacemap.catalog.queries import DEFAULT_LIMIT, MAX_LIMIT, FeatureQuery
from spacemap.text import check_plain

COMMON = {"limit", "offset", "bbox", "f"}


def collection(collection_id: Annotated[str, Path(alias="collectionId")]) -> Collection:
    found = COLLECTIONS.get(collection_id)
    if found is None:
        raise Problem(
            404,
            f"没有集合 {collection_id!r} / no collection {collection_id!r}; "
            f"known: {', '.join(COLLECTIONS)}",
            field="collectionId",
        )
    return found


CollectionDep = Annotated[Collection, Depends(collection)]


def parse_bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    """``minLon,minLat,maxLon,maxLat`` (or six numbers with heights, which are ignored)."""
    if raw is None:
        return None
    parts = raw.split(",")
    if len(parts) not in (4, 6):
        raise Problem(400, "bbox 需要 4 或 6 个数 / bbox needs 4 or 6 numbers", field="bbox")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise Problem(400, f"bbox 不是数字 / bbox is not numeric: {raw!r}", field="bbox") from None
    if not all(math.isfinite(v) for v in values):
        raise Problem(400, "bbox 含非有限数 / bbox has a non-finite number", field="bbox")
    if len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    minx, miny, maxx, maxy = values
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180):
        detail = "经度须在 -180..180 / longitude must be within -180..180 (lon,lat order)"
        raise Problem(400, detail, field="bbox")
    if not (-90 <= miny <= 90 and -90 <= maxy <= 90):
        detail = "纬度须在 -90..90 / latitude must be within -90..90 (lon,lat order)"
        raise Problem(400, detail, field="bbox")
    if miny > maxy:
        raise Problem(400, "bbox 南边界大于北边界 / bbox minLat > maxLat", field="bbox")
    return (minx, miny, maxx, maxy)


Limit = Annotated[
    int,
    Query(
        ge=1,
        description=f"每页要素数 / features per page (default {DEFAULT_LIMIT}, at most {MAX_LIMIT};"
        " larger values are served as the maximum)",
    ),
]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="跳过的要素数 / features to skip")]
Bbox = Annotated[
    str | None,
    Query(
        description="minLon,minLat,maxLon,maxLat (WGS84 / CRS84)",
        examples=["114.02,22.51,114.09,22.58"],
    ),
]


def _reject_unknown(request: Request, allowed: set[str]) -> None:
    for name in request.query_params:
        if name not in allowed:
            raise Problem(
                400,
                f"未知参数 {name!r} / unknown parameter {name!r}; allowed: "
                f"{', '.join(sorted(allowed))}",
                field=name,
            )


def _coerce(name: str, kind: type, raw: str) -> Any:
    if kind is bool:
        if raw.lower() in ("true", "1", "yes"):
            return True
        if raw.lower() in ("false", "0", "no"):
            return False
        raise Problem(400, f"{name} 须为 true/false / {name} must be true or false", field=name)
    if kind is float:
        try:
            value = float(raw)
        except ValueError:
            raise Problem(400, f"{name} 须为数字 / {name} must be a number", field=name) from None
        if not math.isfinite(value) or value < 0:
            raise Problem(400, f"{name} 须为非负数 / {name} must be ≥ 0", field=name)
        return value
    if not raw or len(raw) > 64:
        raise Problem(400, f"{name} 长度须为 1–64 / {name} must have 1–64 characters", field=name)
    try:
        return check_plain(raw)
    except ValueError as exc:
        raise Problem(400, f"{name}: {exc}", field=name) from None


def feature_query(
    request: Request,
    c: CollectionDep,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
    bbox: Bbox = None,
) -> FeatureQuery:
    filters = collection_filters(c)
    _reject_unknown(request, COMMON | set(filters))
    return FeatureQuery(c, parse_bbox(bbox), _filters(request, c), min(limit, MAX_LIMIT), offset)


def _filters(request: Request, c: Collection) -> dict[str, Any]:
    return {
        name: _coerce(name, f.kind, request.query_params[name])
        for name, f in collection_filters(c).items()
        if name in request.query_params
    }


def download_query(request: Request, c: CollectionDep, bbox: Bbox = None) -> FeatureQuery:
    """Like ``feature_query`` without paging: a download is every matched feature."""
    filters = collection_filters(c)
    _reject_unknown(request, {"bbox", "format"} | set(filters))
    return FeatureQuery(c, parse_bbox(bbox), _filters(request, c), None, 0)
