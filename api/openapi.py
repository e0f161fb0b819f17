"""The OpenAPI document: OpenAPI 3.0.3 (what ``conf/oas30`` promises), for OGC clients too.

FastAPI writes OpenAPI 3.1; the landing page's ``service-desc`` and the ``oas30`` conformance
class promise 3.0. ``to_oas30`` transforms the generated document (``anyOf [.., null]`` →
``nullable``, ``examples`` → ``example``, ``const`` → ``enum``, file uploads → ``format: binary``,
``$ref`` with siblings → ``allOf``), and ``tests/test_openapi.py`` validates the result as 3.0.3.

What QGIS needs is kept: it reads ``components.parameters.limit.schema.{default,maximum}`` to
choose its page size, and each collection's simple filters from a literal
``/collections/<id>/items`` path whose parameters are ``style: form, explode: false``. FastAPI
inlines parameters on one templated path, so the items path is rewritten here: one path per
collection, the common parameters by reference.

Every OGC operation documents its 400 and 404 ``application/problem+json`` answers (and none
answers 422). The texts are the catalog's: the document is served in the reader's language.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse

from api.ogc.params import FORMATS, MAX_OFFSET, MAX_TEXT
from api.problems import MEDIA_TYPE as PROBLEM
from spacemap.catalog.collections import COLLECTIONS, collection_filters
from spacemap.catalog.queries import DEFAULT_LIMIT, MAX_LIMIT
from spacemap.i18n import Msg, Names, _, current_locale, translations

VERSION = "3.0.3"
MEDIA_TYPE = "application/vnd.oai.openapi+json;version=3.0"  # what service-desc promises
ITEMS = "/collections/{collectionId}/items"
_TYPES = {str: "string", float: "number", bool: "boolean"}


def doc(text: Msg) -> str:
    """An OpenAPI text (a route's summary or description) marked for the catalog: written in
    English where it is declared, translated when the document is served."""
    return text.msgid


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "style": "form", "explode": False,
            "schema": schema, "description": description}  # fmt: skip


COMPONENT_PARAMETERS = {
    "limit": _query(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        doc(_("Features per page (larger values are served as the maximum)")),
    ),
    "offset": _query(
        "offset",
        {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
        doc(_("Features to skip (follow the next link instead of computing it)")),
    ),
    "bbox": _query(
        "bbox",
        {
            "type": "array",
            "minItems": 4,
            "maxItems": 6,
            "items": {"type": "number", "minimum": -180, "maximum": 180},
        },
        doc(_("minLon,minLat,maxLon,maxLat in WGS84 (CRS84), lon/lat order")),
    ),
    "datetime": _query(
        "datetime",
        {"type": "string", "example": "2027-01-01/2027-06-30"},
        doc(
            _(
                "An RFC 3339 instant or interval (open ends: .. or empty); a bare date is that "
                "day in Futian. Collections without a time property match every datetime."
            )
        ),
    ),
    "lang": _query(
        "lang",
        {"type": "string", "enum": ["zh", "en"]},
        doc(_("Language of titles and messages: zh (default) or en")),
    ),
    "f": _query(
        "f",
        {"type": "string", "enum": list(FORMATS)},
        doc(_("Response format: json or geojson (the same document)")),
    ),
}

PROBLEM_SCHEMA = {
    "type": "object",
    "description": doc(_("RFC 9457 problem details: what went wrong and which field")),
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "field": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}
_PROBLEM_CONTENT = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
OGC_RESPONSES = {
    "400": {"description": doc(_("A parameter is unknown or has an invalid value")),
            "content": _PROBLEM_CONTENT},
    "404": {"description": doc(_("No such collection or feature")), "content": _PROBLEM_CONTENT},
}  # fmt: skip


# --- OpenAPI 3.1 → 3.0.3 ------------------------------------------------------------------

_NULL = {"type": "null"}
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SCHEMA_MAPS = ("properties",)
_SCHEMA_ONE = ("items", "additionalProperties", "not")


def schema30(schema: Any) -> Any:
    """One JSON Schema (2020-12 flavoured, as FastAPI writes it) as an OpenAPI 3.0 schema."""
    if not isinstance(schema, dict):
        return schema
    out = {k: v for k, v in schema.items()}
    for key in _SCHEMA_LISTS:
        if key in out:
            out[key] = [schema30(s) for s in out[key]]
    for key in _SCHEMA_MAPS:
        if key in out:
            out[key] = {name: schema30(s) for name, s in out[key].items()}
    for key in _SCHEMA_ONE:
        if isinstance(out.get(key), dict):
            out[key] = schema30(out[key])
    for key in ("anyOf", "oneOf"):
        options = out.get(key)
        if options and _NULL in options:
            rest = [s for s in options if s != _NULL]
            out.pop(key)
            out["nullable"] = True
            if len(rest) == 1 and "$ref" in rest[0]:
                out["allOf"] = rest
            elif len(rest) == 1:
                out = {**rest[0], **out}
            elif rest:
                out[key] = rest
    if isinstance(out.get("type"), list):
        types = [t for t in out.pop("type") if t != "null"]
        if len(types) < len(schema["type"]):
            out["nullable"] = True
        if len(types) == 1:
            out["type"] = types[0]
        elif types:
            out["anyOf"] = [{"type": t} for t in types]
    if "const" in out:
        out["enum"] = [out.pop("const")]
    if "examples" in out:
        examples = out.pop("examples")
        if isinstance(examples, list) and examples:
            out.setdefault("example", examples[0])
    for bound, plain in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(out.get(bound), int | float) and not isinstance(out[bound], bool):
            out[plain] = out.pop(bound)
            out[bound] = True
    if "contentMediaType" in out or "contentEncoding" in out:
        out.pop("contentMediaType", None)
        out.pop("contentEncoding", None)
        out["format"] = "binary"
    if "$ref" in out and len(out) > 1:  # 3.0 ignores a $ref's siblings: keep them meaningful
        out = {**{k: v for k, v in out.items() if k != "$ref"}, "allOf": [{"$ref": out["$ref"]}]}
    return out


def _media30(content: dict[str, Any]) -> None:
    for media in content.values():
        if "schema" in media:
            media["schema"] = schema30(media["schema"])


def to_oas30(document: dict[str, Any]) -> dict[str, Any]:
    """The document as OpenAPI 3.0.3 (a new dict; the input is left as it was)."""
    out = copy.deepcopy(document)
    out["openapi"] = VERSION
    out["info"].pop("summary", None)
    out.pop("webhooks", None)
    out.pop("jsonSchemaDialect", None)
    components = out.setdefault("components", {})
    components["schemas"] = {n: schema30(s) for n, s in components.get("schemas", {}).items()}
    for param in components.get("parameters", {}).values():
        param["schema"] = schema30(param.get("schema"))
    for item in out["paths"].values():
        for operation in item.values():
            for param in operation.get("parameters", []):
                if "schema" in param:
                    param["schema"] = schema30(param["schema"])
            if "requestBody" in operation:
                _media30(operation["requestBody"].get("content", {}))
            for response in operation.get("responses", {}).values():
                _media30(response.get("content", {}))
                for header in response.get("headers", {}).values():
                    header["schema"] = schema30(header.get("schema", {"type": "string"}))
    return out


# --- the OGC operations -------------------------------------------------------------------


def is_ogc(path: str) -> bool:
    return path == "/" or path == "/conformance" or path.startswith("/collections")


def _by_reference(parameters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The common OGC parameters as references to their one declaration."""
    out = []
    for p in parameters:
        name = p.get("name")
        if p.get("in") == "query" and name in COMPONENT_PARAMETERS:
            out.append({"$ref": f"#/components/parameters/{name}"})
        else:
            out.append(p)
    return out


def _items_operation(template: dict[str, Any], collection_id: str) -> dict[str, Any]:
    c = COLLECTIONS[collection_id]
    op = copy.deepcopy(template)
    op["operationId"] = f"get_{collection_id.replace('-', '_')}_items"
    op["summary"] = str(_("%(title)s — features", title=c.title))
    op["description"] = str(c.description)
    common = [p for p in op.get("parameters", []) if p.get("in") == "query"]
    op["parameters"] = [
        *_by_reference(common),
        *(_query(name, {"type": _TYPES[f.kind], **({"maxLength": MAX_TEXT} if f.kind is str
                                                   else {"minimum": 0} if f.kind is float else {})},
                 Names(f.zh, f.en).render())
          for name, f in collection_filters(c).items()),
    ]  # fmt: skip
    return op


def _ogc_operations(paths: dict[str, Any]) -> None:
    for path, item in paths.items():
        if not is_ogc(path):
            continue
        for operation in item.values():
            params = operation.get("parameters", [])
            for p in params:
                if p.get("name") == "collectionId" and p.get("in") == "path":
                    p["schema"] = {"type": "string", "enum": list(COLLECTIONS)}
                if path == "/" and p.get("name") == "f":
                    p["schema"] = {"type": "string", "enum": ["json", "html"]}
            if path != "/":
                operation["parameters"] = _by_reference(params)
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            responses.update(copy.deepcopy(OGC_RESPONSES))


def _problem_contents(paths: dict[str, Any]) -> None:
    """Every problem+json answer (503 from /health, …) points at the Problem schema."""
    for item in paths.values():
        for operation in item.values():
            for response in operation.get("responses", {}).values():
                media = response.get("content", {}).get(PROBLEM)
                if media is not None and not media.get("schema"):
                    media["schema"] = {"$ref": "#/components/schemas/Problem"}


def _drop_unused_schemas(document: dict[str, Any]) -> None:
    """FastAPI's 422 schemas are gone from the OGC operations; drop them if nobody uses them."""
    schemas = document["components"]["schemas"]
    while True:
        text = repr(document["paths"]) + repr(document["components"]["schemas"])
        unused = [n for n in schemas if f"#/components/schemas/{n}'" not in text]
        if not unused:
            return
        for name in unused:
            schemas.pop(name)


def _translate(node: Any, gettext: Callable[[str], str]) -> Any:
    """Summaries, descriptions and titles in the reader's language (catalog msgids only)."""
    if isinstance(node, dict):
        return {
            k: gettext(v) if k in ("summary", "description", "title") and isinstance(v, str)
            else _translate(v, gettext)
            for k, v in node.items()
        }  # fmt: skip
    if isinstance(node, list):
        return [_translate(v, gettext) for v in node]
    return node


def build(app: FastAPI) -> dict[str, Any]:
    """The document in the current language (``spacemap.i18n``)."""
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    schema["info"]["contact"] = {"name": "spacemap"}
    components = schema.setdefault("components", {})
    components["parameters"] = copy.deepcopy(COMPONENT_PARAMETERS)
    components.setdefault("schemas", {})["Problem"] = copy.deepcopy(PROBLEM_SCHEMA)
    paths = schema["paths"]
    template = paths.pop(ITEMS)["get"]
    for collection_id in COLLECTIONS:
        paths[f"/collections/{collection_id}/items"] = {
            "get": _items_operation(template, collection_id)
        }
    _ogc_operations(paths)
    _problem_contents(paths)
    _drop_unused_schemas(schema)
    translated = _translate(schema, translations(current_locale()).gettext)
    return to_oas30(translated)


def install(app: FastAPI, url: str = "/openapi.json") -> None:
    """Serve the document (one per language, built once) with the type the landing page states."""
    documents: dict[str, dict[str, Any]] = {}

    def openapi() -> dict[str, Any]:
        locale = current_locale()
        if locale not in documents:
            documents[locale] = build(app)
        return documents[locale]

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get(url, include_in_schema=False)
    def openapi_document(request: Request) -> JSONResponse:
        return JSONResponse(openapi(), media_type=MEDIA_TYPE)
