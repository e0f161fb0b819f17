"""The OpenAPI document, adjusted where FastAPI's generated one falls short of OGC clients.

QGIS reads ``components.parameters.limit.schema.{default,maximum}`` to choose its page size, and
reads each collection's simple filters from a literal ``/collections/<id>/items`` path whose
parameters are ``style: form, explode: false``. FastAPI inlines parameters on one templated
path, so the items path is rewritten here: one path per collection, parameters by reference.
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from spacemap.catalog.collections import COLLECTIONS, collection_filters
from spacemap.catalog.queries import DEFAULT_LIMIT, MAX_LIMIT

ITEMS = "/collections/{collectionId}/items"
_TYPES = {str: "string", float: "number", bool: "boolean"}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "style": "form", "explode": False,
            "schema": schema, "description": description}  # fmt: skip


COMPONENT_PARAMETERS = {
    "limit": _query(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        f"每页要素数 / features per page (default {DEFAULT_LIMIT}, max {MAX_LIMIT})",
    ),
    "offset": _query(
        "offset",
        {"type": "integer", "minimum": 0, "maximum": 10_000_000, "default": 0},
        "跳过的要素数 / features to skip (follow the next link instead of computing it)",
    ),
    "bbox": _query(
        "bbox",
        {"type": "array", "minItems": 4, "maxItems": 6,
         "items": {"type": "number", "minimum": -180, "maximum": 180}},
        "minLon,minLat,maxLon,maxLat in WGS84 (CRS84), lon/lat order",
    ),
}  # fmt: skip


def _items_operation(template: dict[str, Any], collection_id: str) -> dict[str, Any]:
    c = COLLECTIONS[collection_id]
    op = copy.deepcopy(template)
    op["operationId"] = f"get_{collection_id.replace('-', '_')}_items"
    op["summary"] = f"{c.title} — 要素 / features"
    op["description"] = c.description
    kept = [
        {**p, "style": "form", "explode": False}
        for p in op.get("parameters", [])
        if p.get("name") == "f"
    ]
    op["parameters"] = [
        {"$ref": "#/components/parameters/limit"},
        {"$ref": "#/components/parameters/offset"},
        {"$ref": "#/components/parameters/bbox"},
        *kept,
        *(_query(name, {"type": _TYPES[f.kind], **({"maxLength": 64} if f.kind is str else
                                                   {"minimum": 0} if f.kind is float else {})},
                 f"{f.zh} / {f.en}")
          for name, f in collection_filters(c).items()),
    ]  # fmt: skip
    return op


def _enum_collection_ids(paths: dict[str, Any]) -> None:
    for item in paths.values():
        for op in item.values():
            for p in op.get("parameters", []):
                if p.get("name") == "collectionId" and p.get("in") == "path":
                    p["schema"] = {"type": "string", "enum": list(COLLECTIONS)}


def build(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    schema.setdefault("info", {})["contact"] = {"name": "spacemap / 福田区科技创新局"}
    schema.setdefault("components", {})["parameters"] = COMPONENT_PARAMETERS
    paths = schema["paths"]
    template = paths.pop(ITEMS)["get"]
    for collection_id in COLLECTIONS:
        paths[f"/collections/{collection_id}/items"] = {
            "get": _items_operation(template, collection_id)
        }
    _enum_collection_ids(paths)
    return schema


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
