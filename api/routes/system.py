"""Landing page and health: what a person, a script or QGIS sees first."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from api.openapi import doc
from api.problems import MEDIA_TYPE, Problem
from api.public import base_url
from spacemap import __version__
from spacemap.database import get_engine, get_read_engine, server_versions
from spacemap.i18n import _
from spacemap.routing import has_standby, snapshot

router = APIRouter()

RETRY_AFTER_S = 10  # a restarting PostgreSQL is usually back within seconds


class Health(BaseModel):
    status: str = Field(description=doc(_("ok, or degraded: a database server cannot be reached")))
    version: str
    postgresql: str
    postgis: str
    primary: str = Field(description=doc(_("ok or unreachable (writes answer 503 meanwhile)")))
    standby: str | None = Field(
        description=doc(_("ok, unreachable, or null when no standby is configured"))
    )


def _probe(engine: Engine) -> dict[str, str] | None:
    """The server's versions, or None if it does not answer (for a probe, any error is that)."""
    try:
        return server_versions(snapshot(engine))  # the standby's pool serves only snapshots
    except DBAPIError:
        return None


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
def health() -> Health:
    """200 with the versions while PostgreSQL answers — ``degraded`` when one of primary and
    standby does not (reads still work then: keep the instance in the load balancer); 503 (with
    ``Retry-After``) when neither does, so ``docker compose`` or a balancer takes it out."""
    primary = _probe(get_engine())
    standby = _probe(get_read_engine()) if has_standby() else None
    versions = primary or standby
    if versions is None:
        raise Problem(
            503,
            _("The database is not answering; try again in %(seconds)d seconds",
              seconds=RETRY_AFTER_S),
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )  # fmt: skip
    standby_state = ("ok" if standby else "unreachable") if has_standby() else None
    states = {"primary": "ok" if primary else "unreachable", "standby": standby_state}
    status = "ok" if "unreachable" not in states.values() else "degraded"
    return Health(status=status, version=__version__, **versions, **states)


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
