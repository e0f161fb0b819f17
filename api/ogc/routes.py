"""The OGC API – Features routes: conformance, collections, items, one item, downloads."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from api.caching import cache_headers, etag_for, not_modified
from api.deps import ReadSession
from api.ogc.params import CollectionDep, download_query, feature_query
from api.problems import Problem
from spacemap.catalog import export, queries
from spacemap.catalog.collections import COLLECTIONS, Collection
from spacemap.catalog.queries import FeatureQuery

router = APIRouter(tags=["OGC API – Features"])

GEOJSON = "application/geo+json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
READ_ONLY = {"Allow": "GET, HEAD, OPTIONS"}
Format = Annotated[Literal["json", "geojson"] | None, Query(description="响应格式 / format")]


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _collection_doc(request: Request, session: ReadSession, c: Collection) -> dict[str, Any]:
    base = base_url(request)
    version = queries.versions(session, c.tables)
    bbox = queries.extent(session, c, version)
    return {
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "itemType": "feature",
        "crs": [CRS84],
        "extent": {"spatial": {"bbox": [bbox or [-180, -90, 180, 90]], "crs": CRS84}},
        "links": [
            {"rel": "self", "type": "application/json", "href": f"{base}/collections/{c.id}"},
            {"rel": "items", "type": GEOJSON, "href": f"{base}/collections/{c.id}/items",
             "title": f"{c.title} (GeoJSON)"},
            *({"rel": "enclosure", "type": mime, "title": f"下载 / download ({fmt})",
               "href": f"{base}/collections/{c.id}/download?format={fmt}"}
              for fmt, (mime, _) in export.FORMATS.items()),
        ],
    }  # fmt: skip


@router.get("/conformance", summary="符合的标准 / Conformance classes")
def conformance() -> dict[str, list[str]]:
    return {"conformsTo": CONFORMANCE}


@router.get("/collections", summary="要素集合 / Feature collections")
def collections(request: Request, session: ReadSession, f: Format = None) -> dict[str, Any]:
    base = base_url(request)
    return {
        "links": [{"rel": "self", "type": "application/json", "href": f"{base}/collections"}],
        "collections": [_collection_doc(request, session, c) for c in COLLECTIONS.values()],
    }


@router.get("/collections/{collectionId}", summary="一个要素集合 / One collection")
def collection(request: Request, session: ReadSession, c: CollectionDep, f: Format = None) -> dict:
    return _collection_doc(request, session, c)


def _page_links(request: Request, q: FeatureQuery, returned: int, matched: int) -> list[dict]:
    base = f"{base_url(request)}/collections/{q.collection.id}/items"
    params = dict(request.query_params)

    def href(offset: int) -> str:
        return f"{base}?{urlencode({**params, 'limit': q.limit, 'offset': offset})}"

    links = [
        {"rel": "self", "type": GEOJSON, "href": str(request.url)},
        {"rel": "collection", "type": "application/json",
         "href": f"{base_url(request)}/collections/{q.collection.id}"},
    ]  # fmt: skip
    assert q.limit is not None
    if q.offset + returned < matched:
        links.append({"rel": "next", "type": GEOJSON, "href": href(q.offset + q.limit)})
    if q.offset > 0:
        links.append({"rel": "prev", "type": GEOJSON, "href": href(max(0, q.offset - q.limit))})
    return links


@router.get(
    "/collections/{collectionId}/items",
    summary="要素（分页）/ Features, paged",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}}, 304: {"description": "Not modified"}},
)
def items(
    request: Request,
    session: ReadSession,
    q: Annotated[FeatureQuery, Depends(feature_query)],
    f: Format = None,
) -> Response:
    version = queries.versions(session, q.collection.tables)
    etag = etag_for("items", version, str(request.url.query))
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
    summary="单个要素 / One feature",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}}, 304: {"description": "Not modified"}},
)
def item(
    request: Request,
    session: ReadSession,
    c: CollectionDep,
    feature_id: Annotated[str, Path(alias="featureId", max_length=64)],
    f: Format = None,
) -> Response:
    version = queries.versions(session, c.tables)
    etag = etag_for("item", c.id, feature_id, version)
    cached = not_modified(request, etag)
    if cached is not None:
        return cached
    feature = queries.item(session, c, feature_id)
    if feature is None:
        raise Problem(404, f"{c.id} 中没有 {feature_id!r} / no {feature_id!r} in {c.id}",
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
    summary="下载（CSV / GeoJSON / GeoPackage）/ Download a collection or filtered view",
    description="Every feature matching the filters and bbox (no paging), as a file.",
    response_class=Response,
    responses={200: {"content": {m: {} for m, _ in export.FORMATS.values()}}},
)
def download(
    session: ReadSession,
    q: Annotated[FeatureQuery, Depends(download_query)],
    format: Annotated[Literal["csv", "geojson", "gpkg"], Query(description="文件格式")] = "csv",
) -> Response:
    mime, suffix = export.FORMATS[format]
    content = export.export(session, q, format)
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
