"""Landing page and health: what a person, a script or QGIS sees first."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError

from api.deps import DbSession
from api.openapi import doc
from api.problems import MEDIA_TYPE, Problem
from api.public import base_url
from spacemap import __version__
from spacemap.database import server_versions
from spacemap.i18n import _

router = APIRouter()

RETRY_AFTER_S = 10  # a restarting PostgreSQL is usually back within seconds


class Health(BaseModel):
    status: str
    version: str
    postgresql: str
    postgis: str


@router.get(
    "/health",
    response_model=Health,
    summary=doc(_("Service and database health")),
    description=doc(_("200 with the versions while PostgreSQL answers; 503 with Retry-After "
                      "while it does not")),
    responses={503: {"description": doc(_("The database is not answering")),
                     "content": {MEDIA_TYPE: {}}, "headers": {"Retry-After": {
                         "description": doc(_("Seconds to wait")),
                         "schema": {"type": "integer"}}}}},
)  # fmt: skip
def health(session: DbSession) -> Health:
    """200 with the versions while PostgreSQL answers; 503 (with ``Retry-After``) when not, so a
    load balancer or ``docker compose`` takes the instance out instead of seeing a 500."""
    try:
        versions = server_versions(session.get_bind())  # type: ignore[arg-type]
    except DBAPIError:
        raise Problem(
            503,
            _("The database is not answering; try again in %(seconds)d seconds",
              seconds=RETRY_AFTER_S),
            headers={"Retry-After": str(RETRY_AFTER_S)},
        ) from None  # fmt: skip
    return Health(status="ok", version=__version__, **versions)


def landing_document(request: Request) -> dict[str, Any]:
    """The OGC API landing page (JSON): what QGIS, GDAL and scripts read first."""
    base = base_url(request)
    return {
        "title": str(_("Futian industrial-space map")),
        "description": str(_("Futian industrial space and company matching")),
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
