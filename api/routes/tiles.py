"""Vector tiles (Mapbox Vector Tile 2.1) from PostGIS: one tile endpoint per layer.

``/tiles/{layer}/{z}/{x}/{y}.mvt`` is the XYZ template QGIS ("Vector Tiles" → new generic
connection), GDAL's MVT driver, MapLibre or Leaflet.VectorGrid read; ``/tiles/{layer}.json`` is
its TileJSON 3.0 document and ``/tiles`` lists the layers. See docs/TILES.md.

Caching: every tile carries an ETag from the data version of the tables its layer reads, so a
client revalidates in one primary-key lookup. A URL that names the current version (``?v=``, as
the zone map's do) may be kept for a year: when the data changes the map asks for new URLs.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from api.caching import etag_for, not_modified
from api.deps import ReadSession
from api.problems import Problem
from api.public import base_url
from spacemap.catalog import tiles
from spacemap.catalog.collections import COLLECTIONS
from spacemap.catalog.queries import extent, versions
from spacemap.i18n import _

router = APIRouter(tags=["矢量瓦片 / Vector tiles"])

MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, no-cache"
MAP_MAX_ZOOM = 18  # what TileJSON advertises; deeper tiles are cut too (up to MAX_ZOOM)


def _layer(name: str) -> tiles.TileLayer:
    layer = tiles.LAYERS.get(name)
    if layer is None:
        raise Problem(
            404,
            _("No tile layer named %(name)s; the layers are: %(names)s.", name=name,
              names=", ".join(tiles.LAYERS)),
            field="layer",
        )  # fmt: skip
    return layer


@router.get(
    "/tiles/{layer}/{z}/{x}/{y}.mvt",
    summary="矢量瓦片 / A vector tile (MVT)",
    response_class=Response,
    responses={200: {"content": {MEDIA_TYPE: {}}}, 304: {"description": "Not modified"}},
)
def get_tile(
    request: Request,
    session: ReadSession,
    layer: Annotated[str, Path(description="areas, parks, units or low-cost")],
    z: Annotated[int, Path(ge=0, le=tiles.MAX_ZOOM)],
    x: Annotated[int, Path(ge=0)],
    y: Annotated[int, Path(ge=0)],
    datum: Annotated[
        str, Query(description="wgs84 (default), or gcj02 to overlay a GCJ-02 basemap")
    ] = "wgs84",
    v: Annotated[str | None, Query(description="data version the URL was made for")] = None,
) -> Response:
    chosen = _layer(layer)
    try:
        tiles.check(z, x, y, datum)
    except tiles.TileError as exc:
        raise Problem(400, exc.reason, field=exc.field) from None
    if v is not None:
        # A tile cut for the version the URL names is that version's tile for good: no query.
        hit = tiles.cached(chosen, z, x, y, datum, v)
        if hit is not None:
            etag = etag_for("tile", chosen.id, datum, str(z), str(x), str(y), v)
            headers = {"ETag": etag, "Cache-Control": IMMUTABLE, "X-Data-Version": v}
            if not_modified(request, etag) is not None:
                return Response(status_code=304, headers=headers)
            return Response(hit, media_type=MEDIA_TYPE, headers=headers)
    version = tiles.version(session, chosen)
    etag = etag_for("tile", chosen.id, datum, str(z), str(x), str(y), version)
    cache = IMMUTABLE if v == version else REVALIDATE
    unchanged = not_modified(request, etag)
    if unchanged is not None:
        unchanged.headers["Cache-Control"] = cache
        return unchanged
    data = tiles.tile(session, chosen, z, x, y, datum, version)
    return Response(
        data,
        media_type=MEDIA_TYPE,
        headers={"ETag": etag, "Cache-Control": cache, "X-Data-Version": version},
    )


def tilejson(request: Request, session: Any, layer: tiles.TileLayer) -> dict[str, Any]:
    """TileJSON 3.0: the URL template, zooms, bounds and the layer's fields."""
    base = base_url(request)
    collection = {"units": "space-units", "low-cost": "space-units"}.get(layer.id, layer.id)
    box = None
    if collection in COLLECTIONS:
        c = COLLECTIONS[collection]
        box = extent(session, c, versions(session, c.tables))
    return {
        "tilejson": "3.0.0",
        "name": f"{layer.title_zh} / {layer.title_en}",
        "description": layer.description,
        "scheme": "xyz",
        "tiles": [f"{base}/tiles/{layer.id}/{{z}}/{{x}}/{{y}}.mvt"],
        "minzoom": 0,
        "maxzoom": MAP_MAX_ZOOM,
        "bounds": box or [-180, -85.0511, 180, 85.0511],
        "center": [114.045, 22.545, 13],
        "attribution": "spacemap — Futian District; estimated and synthetic values flagged",
        "vector_layers": [
            {
                "id": layer.id,
                "description": layer.description,
                "minzoom": 0,
                "maxzoom": MAP_MAX_ZOOM,
                "fields": layer.fields,
            }
        ],
    }


@router.get("/tiles/{layer}.json", summary="TileJSON 图层说明 / TileJSON of one layer")
def get_tilejson(request: Request, session: ReadSession, layer: str) -> dict[str, Any]:
    return tilejson(request, session, _layer(layer))


@router.get("/tiles", summary="矢量瓦片图层 / The vector tile layers")
def list_layers(request: Request) -> dict[str, Any]:
    base = base_url(request)
    return {
        "layers": [
            {
                "id": layer.id,
                "title": f"{layer.title_zh} / {layer.title_en}",
                "description": layer.description,
                "tiles": f"{base}/tiles/{layer.id}/{{z}}/{{x}}/{{y}}.mvt",
                "tilejson": f"{base}/tiles/{layer.id}.json",
            }
            for layer in tiles.LAYERS.values()
        ]
    }
