"""The OGC API – Features routes: conformance, collections, items, one item, downloads.

Every route refuses parameters it does not declare (``params.known_parameters``) and answers bad
values with 400 problems; links are absolute from the public base URL (``api.public``).
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from api.caching import cache_headers, etag_for, not_modified
from api.deps import ReadSession
from api.ogc.params import (
    MAX_TEXT,
    CollectionDep,
    Format,
    download_query,
    feature_query,
    known_parameters,
    parse_format,
)
from api.openapi import doc
from api.problems import Problem
from api.public import base_url
from spacemap.catalog import export, queries
from spacemap.catalog.collections import COLLECTIONS, Collection
from spacemap.catalog.queries import FeatureQuery
from spacemap.catalog.temporal import GREGORIAN, extent_interval
from spacemap.i18n import _

router = APIRouter(tags=["OGC API – Features"], dependencies=[Depends(known_parameters)])

GEOJSON = "application/geo+json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
READ_ONLY = {"Allow": "GET, HEAD, OPTIONS"}


def _extent(session: ReadSession, c: Collection, version: str) -> dict[str, Any]:
    bbox = queries.extent(session, c, version)
    out: dict[str, Any] = {"spatial": {"bbox": [bbox or [-180, -90, 180, 90]], "crs": CRS84}}
    period = queries.period(session, c, version)
    if period is not None:
        out["temporal"] = {"interval": [extent_interval(*period)], "trs": GREGORIAN}
    return out


def _collection_doc(request: Request, session: ReadSession, c: Collection) -> dict[str, Any]:
    base = base_url(request)
    version = queries.versions(session, c.tables)
    return {
        "id": c.id,
        "title": c.title,
        "description": str(c.description),
        "itemType": "feature",
        "crs": [CRS84],
        "extent": _extent(session, c, version),
        "links": [
            {"rel": "self", "type": "application/json", "href": f"{base}/collections/{c.id}"},
            {"rel": "items", "type": GEOJSON, "href": f"{base}/collections/{c.id}/items",
             "title": str(_("%(title)s (GeoJSON)", title=c.title))},
            *({"rel": "enclosure", "type": mime,
               "title": str(_("Download (%(format)s)", format=fmt)),
               "href": f"{base}/collections/{c.id}/download?format={fmt}"}
              for fmt, (mime, _suffix) in export.FORMATS.items()),
        ],
    }  # fmt: skip


@router.get("/conformance", summary=doc(_("Conformance classes")))
def conformance(f: Format = None) -> dict[str, list[str]]:
    parse_format(f)
    return {"conformsTo": CONFORMANCE}


@router.get("/collections", summary=doc(_("Feature collections")))
def collections(request: Request, session: ReadSession, f: Format = None) -> dict[str, Any]:
    parse_format(f)
    base = base_url(request)
    return {
        "links": [{"rel": "self", "type": "application/json", "href": f"{base}/collections"}],
        "collections": [_collection_doc(request, session, c) for c in COLLECTIONS.values()],
    }


@router.get("/collections/{collectionId}", summary=doc(_("One collection")))
def collection(request: Request, session: ReadSession, c: CollectionDep, f: Format = None) -> dict:
    parse_format(f)
    return _collection_doc(request, session, c)


def canonical_query(request: Request, **replace: object) -> str:
    """The request's parameters in one order (sorted), so equal queries have equal links and
    ETags however the client ordered them."""
    params = {k: v for k, v in request.query_params.multi_items() if k not in replace}
    params.update({k: str(v) for k, v in replace.items()})
    return urlencode(sorted(params.items()))


def prev_offset(offset: int, limit: int, matched: int) -> int | None:
    """The page before this one: past the end, the last page that has features (on the same
    step as the client's own offsets), never another empty page."""
    if offset == 0 or matched == 0:
        return None
    if offset >= matched:
        steps = -(-(offset - matched + 1) // limit)  # pages back to the last non-empty one
        return max(0, offset - steps * limit)
    return max(0, offset - limit)


def _page_links(request: Request, q: FeatureQuery, returned: int, matched: int) -> list[dict]:
    assert q.limit is not None
    collection = f"{base_url(request)}/collections/{q.collection.id}"

    def href(**page: int) -> str:
        return f"{collection}/items?{canonical_query(request, **page)}"

    links = [
        {"rel": "self", "type": GEOJSON, "href": href()},
        {"rel": "collection", "type": "application/json", "href": collection},
    ]
    if q.offset + returned < matched:
        nxt = href(limit=q.limit, offset=q.offset + q.limit)
        links.append({"rel": "next", "type": GEOJSON, "href": nxt})
    before = prev_offset(q.offset, q.limit, matched)
    if before is not None:
        links.append({"rel": "prev", "type": GEOJSON, "href": href(limit=q.limit, offset=before)})
    return links


@router.get(
    "/collections/{collectionId}/items",
    summary=doc(_("Features, paged")),
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}}, 304: {"description": "Not modified"}},
)
def items(
    request: Request,
    session: ReadSession,
    q: Annotated[FeatureQuery, Depends(feature_query)],
) -> Response:
    version = queries.versions(session, q.collection.tables)
    etag = etag_for("items", version, base_url(request), q.collection.id, canonical_query(request))
    cached = not_modified(request, etag)
    if cached is not None:
        return cached
    matched = queries.number_matched(session, q, version)
    returned, features = queries.page(session, q)
    head = json.dumps(
        {
            "type": "FeatureCollection",
            "numberMatched": matched,
            "numberReturned": returned,
            "links": _page_links(request, q, returned, matched),
        },
        ensure_ascii=False,
    )
    body = f'{head[:-1]}, "features": {features}}}'
    return Response(body, media_type=GEOJSON, headers=cache_headers(etag))


@router.get(
    "/collections/{collectionId}/items/{featureId}",
    summary=doc(_("One feature")),
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}}, 304: {"description": "Not modified"}},
)
def item(
    request: Request,
    session: ReadSession,
    c: CollectionDep,
    feature_id: Annotated[str, Path(alias="featureId")],
    f: Format = None,
) -> Response:
    parse_format(f)
    version = queries.versions(session, c.tables)
    etag = etag_for("item", c.id, feature_id, version, base_url(request))
    cached = not_modified(request, etag)
    if cached is not None:
        return cached
    # No identifier is longer than 64 characters: a longer one names no feature (404, not 422).
    feature = queries.item(session, c, feature_id) if len(feature_id) <= MAX_TEXT else None
    if feature is None:
        raise Problem(404, _("%(collection)s has no feature %(id)s",
                             collection=c.id, id=repr(feature_id[:80])),
                      field="featureId")  # fmt: skip
    body = f'{feature[:-1]}, "links": {json.dumps(_item_links(request, c, feature_id))}}}'
    return Response(body, media_type=GEOJSON, headers=cache_headers(etag))


def _item_links(request: Request, c: Collection, feature_id: str) -> list[dict[str, str]]:
    base = f"{base_url(request)}/collections/{c.id}"
    return [
        {"rel": "self", "type": GEOJSON, "href": f"{base}/items/{quote(feature_id)}"},
        {"rel": "collection", "type": "application/json", "href": base},
    ]


@router.get(
    "/collections/{collectionId}/download",
    summary=doc(_("Download a collection or a filtered view (CSV, GeoJSON, GeoPackage)")),
    description=doc(
        _("Every feature matching the filters, bbox and datetime (no paging), as a file.")
    ),
    response_class=Response,
    responses={200: {"content": {m: {} for m, _suffix in export.FORMATS.values()}}},
)
def download(
    session: ReadSession,
    q: Annotated[FeatureQuery, Depends(download_query)],
    format: Annotated[str | None, Query(description="File format: csv, geojson or gpkg")] = None,
) -> Response:
    fmt = parse_format(format, tuple(export.FORMATS), "format") or "csv"
    mime, suffix = export.FORMATS[fmt]
    content = export.export(session, q, fmt)
    filename = f"spacemap-{q.collection.id}.{suffix}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(content, media_type=mime, headers=headers)


@router.options("/collections", include_in_schema=False)
@router.options("/collections/{collectionId}", include_in_schema=False)
@router.options("/collections/{collectionId}/items", include_in_schema=False)
@router.options("/collections/{collectionId}/items/{featureId}", include_in_schema=False)
def options() -> Response:
    """Read-only: QGIS asks before offering to edit, and must not be told it can."""
    return Response(status_code=204, headers=READ_ONLY)
