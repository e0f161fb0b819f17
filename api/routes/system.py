"""Landing page and health: what a person, a script or QGIS sees first."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError

from api.deps import DbSession
from api.ogc.params import known_parameters, parse_format
from api.openapi import doc
from api.problems import MEDIA_TYPE, Problem
from api.public import base_url
from spacemap import __version__
from spacemap.database import server_versions
from spacemap.i18n import _
from web.pages import page_actor, zone_page

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


def _landing(request: Request) -> dict[str, Any]:
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


def _wants_json(request: Request, f: str | None) -> bool:
    if parse_format(f, ("json", "html")) is not None:
        return f == "json"
    accept = request.headers.get("accept", "")
    return "text/html" not in accept


LandingFormat = Annotated[
    str | None, Query(description="json (the OGC landing page) or html (the zone map)")
]


@router.get("/", summary=doc(_("Landing page (JSON for clients, the zone map for browsers)")),
            response_model=None)  # fmt: skip
def landing(
    request: Request,
    session: DbSession,
    f: LandingFormat = None,
    lang: Annotated[str | None, Query(description="zh (default) or en")] = None,
) -> dict | HTMLResponse:
    if _wants_json(request, f):
        known_parameters(request)  # the OGC rule; the map page ignores what it does not use
        return _landing(request)
    return zone_page(request, session, page_actor(request, session))
