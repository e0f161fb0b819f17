"""Landing page and health: what a person, a script or QGIS sees first."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from spacemap import __version__
from spacemap.database import get_engine, get_read_engine, server_versions
from spacemap.routing import Unavailable, has_standby, snapshot, unreachable

router = APIRouter()

TITLE_ZH = "福田区产业空间地图"
TITLE_EN = "Futian industrial-space map"


class Health(BaseModel):
    status: str = Field(description="ok, or degraded: a database server cannot be reached")
    version: str
    postgresql: str
    postgis: str
    primary: str = Field(description="ok | unreachable (writes answer 503 meanwhile)")
    standby: str | None = Field(description="ok | unreachable | null (none configured)")


def _probe(engine: Engine) -> dict[str, str] | None:
    try:
        return server_versions(snapshot(engine))  # the standby's pool serves only those
    except DBAPIError as exc:
        if not unreachable(exc):
            raise
        return None


@router.get(
    "/health", response_model=Health, summary="服务与数据库状态 / Service and database health"
)
def health() -> Health:
    """200 while the service can answer (``degraded`` when one database server is down, as
    reads then still work), 503 when neither server can be reached."""
    primary = _probe(get_engine())
    standby = _probe(get_read_engine()) if has_standby() else None
    versions = primary or standby
    if versions is None:
        raise Unavailable()
    standby_state = ("ok" if standby else "unreachable") if has_standby() else None
    states = {"primary": "ok" if primary else "unreachable", "standby": standby_state}
    status = "ok" if "unreachable" not in states.values() else "degraded"
    return Health(status=status, version=__version__, **versions, **states)


def landing_document(request: Request) -> dict[str, Any]:
    """The OGC API landing page (JSON): what QGIS, GDAL and scripts read first."""
    base = str(request.base_url).rstrip("/")
    return {
        "title": f"{TITLE_ZH} / {TITLE_EN}",
        "description": "福田区产业空间与企业匹配 / Futian industrial space and company matching",
        "links": [
            {"rel": "self", "type": "application/json", "href": f"{base}/?f=json"},
            {
                "rel": "service-desc",
                "type": "application/vnd.oai.openapi+json;version=3.0",
                "href": f"{base}/openapi.json",
            },
            {"rel": "service-doc", "type": "text/html", "href": f"{base}/docs"},
            {"rel": "conformance", "type": "application/json", "href": f"{base}/conformance"},
            {
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/conformance",
                "type": "application/json",
                "href": f"{base}/conformance",
            },
            {"rel": "data", "type": "application/json", "href": f"{base}/collections"},
            {
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/data",
                "type": "application/json",
                "href": f"{base}/collections",
            },
            {"rel": "status", "type": "application/json", "href": f"{base}/health"},
        ],
    }
