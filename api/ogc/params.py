"""Query parameters of the OGC routes, parsed here so every bad value is a 400 naming it.

OGC API – Features answers 400 for an invalid parameter value and for a parameter the operation
does not define (``/req/core/query-param-invalid``, ``/req/core/query-param-unknown``). Routes
declare their parameters as plain optional strings — so FastAPI never answers 422 on its own and
the OpenAPI document lists them — and this module turns each into a value or a problem in the
reader's language. ``known_parameters`` is the one unknown-parameter rule: whatever the route
declares (plus the collection's filters where it takes them) is allowed, anything else is not.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from api.ogc.temporal import parse_datetime
from api.problems import Problem
from spacemap.catalog.collections import COLLECTIONS, Collection, collection_filters
from spacemap.catalog.queries import DEFAULT_LIMIT, MAX_LIMIT, FeatureQuery
from spacemap.catalog.temporal import Interval
from spacemap.i18n import _
from spacemap.text import check_plain

MAX_OFFSET = 10_000_000
MAX_TEXT = 64  # filter values and feature ids: codes and names, never longer
FORMATS = ("json", "geojson")  # both are the same GeoJSON/JSON document


def _names(dependant: Dependant) -> Iterator[str]:
    yield from (p.alias for p in dependant.query_params)
    for sub in dependant.dependencies:
        yield from _names(sub)


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any] | None]:
    yield dependant.call
    for sub in dependant.dependencies:
        yield from _calls(sub)


def reject_unknown(request: Request, allowed: set[str]) -> None:
    for name in request.query_params:
        if name not in allowed:
            raise Problem(
                400,
                _("Unknown parameter %(name)s; this request takes: %(allowed)s",
                  name=repr(name), allowed=", ".join(sorted(allowed))),
                field=name,
            )  # fmt: skip


def known_parameters(
    request: Request,
    lang: Annotated[
        str | None, Query(description="Language of titles and messages: zh (default) or en")
    ] = None,
) -> None:
    """The one rule for every OGC route: parameters it does not declare are refused."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    allowed = set(_names(route.dependant))
    if any(call in TAKES_FILTERS for call in _calls(route.dependant)):
        c = COLLECTIONS.get(request.path_params.get("collectionId", ""))
        if c is not None:
            allowed |= set(collection_filters(c))
    reject_unknown(request, allowed)


def collection(collection_id: Annotated[str, Path(alias="collectionId")]) -> Collection:
    found = COLLECTIONS.get(collection_id)
    if found is None:
        raise Problem(
            404,
            _("There is no collection %(id)s; the collections are: %(known)s",
              id=repr(collection_id), known=", ".join(COLLECTIONS)),
            field="collectionId",
        )  # fmt: skip
    return found


CollectionDep = Annotated[Collection, Depends(collection)]


def parse_bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    """``minLon,minLat,maxLon,maxLat`` (or six numbers with heights, which are ignored)."""
    if raw is None:
        return None
    parts = raw.split(",")
    if len(parts) not in (4, 6):
        raise Problem(400, _("bbox needs 4 or 6 comma-separated numbers"), field="bbox")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise Problem(
            400, _("bbox is not a list of numbers: %(value)s", value=repr(raw)), field="bbox"
        ) from None
    if not all(math.isfinite(v) for v in values):
        raise Problem(400, _("bbox has a number that is not finite"), field="bbox")
    if len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    minx, miny, maxx, maxy = values
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180):
        detail = _("bbox longitudes must be within -180..180 (the order is lon,lat)")
        raise Problem(400, detail, field="bbox")
    if not (-90 <= miny <= 90 and -90 <= maxy <= 90):
        detail = _("bbox latitudes must be within -90..90 (the order is lon,lat)")
        raise Problem(400, detail, field="bbox")
    if miny > maxy:
        raise Problem(400, _("bbox: the southern edge is north of the northern edge"), field="bbox")
    return (minx, miny, maxx, maxy)


def _whole_number(name: str, raw: str, low: int, high: int | None) -> int:
    value = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 12 else None
    if value is None or value < low or (high is not None and value > high):
        if high is None:
            detail = _("%(name)s must be a whole number of at least %(low)d, not %(value)s",
                       name=name, low=low, value=repr(raw))  # fmt: skip
        else:
            detail = _("%(name)s must be a whole number from %(low)d to %(high)d, not %(value)s",
                       name=name, low=low, high=high, value=repr(raw))  # fmt: skip
        raise Problem(400, detail, field=name)
    return value


def parse_limit(raw: str | None) -> int:
    """At least 1; above the maximum is served as the maximum, as the standard allows."""
    return DEFAULT_LIMIT if raw is None else min(_whole_number("limit", raw, 1, None), MAX_LIMIT)


def parse_offset(raw: str | None) -> int:
    return 0 if raw is None else _whole_number("offset", raw, 0, MAX_OFFSET)


def parse_format(
    raw: str | None, formats: tuple[str, ...] = FORMATS, name: str = "f"
) -> str | None:
    if raw is not None and raw not in formats:
        raise Problem(
            400,
            _("%(name)s must be one of %(formats)s, not %(value)s",
              name=name, formats=", ".join(formats), value=repr(raw)),
            field=name,
        )  # fmt: skip
    return raw


def _coerce(name: str, kind: type, raw: str) -> Any:
    if kind is bool:
        if raw.lower() in ("true", "1", "yes"):
            return True
        if raw.lower() in ("false", "0", "no"):
            return False
        raise Problem(400, _("%(name)s must be true or false", name=name), field=name)
    if kind is float:
        try:
            value = float(raw)
        except ValueError:
            raise Problem(400, _("%(name)s must be a number", name=name), field=name) from None
        if not math.isfinite(value) or value < 0:
            raise Problem(400, _("%(name)s must be a number ≥ 0", name=name), field=name)
        return value
    if not raw or len(raw) > MAX_TEXT:
        raise Problem(400, _("%(name)s must have 1 to 64 characters", name=name), field=name)
    try:
        return check_plain(raw)
    except ValueError:
        detail = _("%(name)s must not contain control characters", name=name)
        raise Problem(400, detail, field=name) from None


def _filters(request: Request, c: Collection) -> dict[str, Any]:
    return {
        name: _coerce(name, f.kind, request.query_params[name])
        for name, f in collection_filters(c).items()
        if name in request.query_params
    }


Text = Annotated[str | None, Query()]
Bbox = Annotated[
    str | None,
    Query(description="minLon,minLat,maxLon,maxLat (WGS84 / CRS84)",
          examples=["114.02,22.51,114.09,22.58"]),
]  # fmt: skip
Datetime = Annotated[
    str | None,
    Query(description="An instant or an interval (RFC 3339; `..` or empty for an open end)",
          examples=["2027-03-01", "2027-01-01T00:00:00Z/2027-06-30T00:00:00Z", "../2027-06-30"]),
]  # fmt: skip
Format = Annotated[str | None, Query(description="Response format: json or geojson (the same)")]


def _interval(raw: str | None) -> Interval | None:
    return None if raw is None else parse_datetime(raw)


def feature_query(
    request: Request,
    c: CollectionDep,
    limit: Text = None,
    offset: Text = None,
    bbox: Bbox = None,
    datetime: Datetime = None,
    f: Format = None,
) -> FeatureQuery:
    parse_format(f)
    return FeatureQuery(
        c,
        parse_bbox(bbox),
        _filters(request, c),
        parse_limit(limit),
        parse_offset(offset),
        _interval(datetime),
    )


def download_query(
    request: Request, c: CollectionDep, bbox: Bbox = None, datetime: Datetime = None
) -> FeatureQuery:
    """Like ``feature_query`` without paging: a download is every matched feature."""
    return FeatureQuery(c, parse_bbox(bbox), _filters(request, c), None, 0, _interval(datetime))


TAKES_FILTERS = {feature_query, download_query}
