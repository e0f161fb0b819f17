"""Landing page and health: what a person, a script or QGIS sees first."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from api.deps import DbSession
from spacemap import __version__
from spacemap.database import server_versions

router = APIRouter()

TITLE_ZH = "福田区产业空间地图"
TITLE_EN = "Futian industrial-space map"


class Health(BaseModel):
    status: str
    version: str
    postgresql: str
    postgis: str


@router.get(
    "/health", response_model=Health, summary="服务与数据库状态 / Service and database health"
)
def health(session: DbSession) -> Health:
    versions = server_versions(session.get_bind())  # type: ignore[arg-type]
    return Health(status="ok", version=__version__, **versions)


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
