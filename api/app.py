"""The FastAPI application factory (``uvicorn api.app:create_app --factory``).

The composition root: the API routers, the web pages (``web.pages``) and their static files.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api import openapi, problems
from api.consistency import ReadYourWrites
from api.csrf import SameOriginWrites
from api.deps import DbSession
from api.headers import SecurityHeaders
from api.middleware import RequestContext, configure_logging
from api.ogc import routes as ogc
from api.routes import admin, applications, auth, match, proposals, stats, system
from spacemap import __version__
from spacemap.config import get_settings
from spacemap.routing import LSN_COOKIE, read_scope
from web import assets, pages
from web.basemaps import tile_origins
from web.pages import errors as page_errors
from web.pages.common import SignInRequired

DESCRIPTION = """
福田区产业空间地图与企业匹配服务 / Futian industrial-space map and company matching.

- **OGC API – Features** (`/collections/...`): zones, areas, parks, space units, stations — for
  QGIS, browsers and scripts. Public, read-only, with ETags.
- **Matching** (`POST /api/match`): a company profile in, ranked feasible sites out.
- **Applications and review** (`/api/applications`, `/api/proposals`): sign in first
  (`POST /api/token`, then the *Authorize* button).
- **Statistics** (`/api/stats`) for planners; **administration** (`/api/users`, `/api/imports`).

Errors are RFC 9457 `application/problem+json` with the field and the reason.
Estimated and synthetic data carry `is_estimate` / `is_synthetic` flags everywhere.
"""


def create_app() -> FastAPI:
    configure_logging()
    app = FastAPI(
        title="spacemap — 福田区产业空间地图 / Futian industrial-space map",
        version=__version__,
        description=DESCRIPTION,
    )
    problems.install(app, pages=page_errors)
    app.add_exception_handler(SignInRequired, page_errors.sign_in)  # type: ignore[arg-type]
    app.add_middleware(SameOriginWrites)
    app.add_middleware(ReadYourWrites)
    app.add_middleware(SecurityHeaders, image_origins=tile_origins(get_settings()))
    app.add_middleware(RequestContext)
    for module in (system, ogc, auth, match, applications, proposals, stats, admin):
        app.include_router(module.router)
    app.include_router(pages.router)
    app.add_api_route(
        "/", landing, methods=["GET"], response_model=None, summary="Landing page / 着陆页"
    )
    assets.check_installed()
    app.mount("/static/vendor", StaticFiles(directory=assets.VENDOR_DIR), name="vendor")
    app.mount("/static", StaticFiles(directory=assets.STATIC_DIR), name="static")
    openapi.install(app)
    return app


def landing(
    request: Request,
    session: DbSession,
    f: str | None = None,
    basemap: str | None = None,
    measure: str = "available_m2",
) -> dict | HTMLResponse:
    """One address, two readers: OGC clients get the landing document (JSON), browsers the zone
    map. ``f=json``/``f=html`` decides; otherwise whether the client accepts HTML."""
    accepts_html = "text/html" in request.headers.get("accept", "")
    if (f == "json") if f is not None else not accepts_html:
        return system.landing_document(request)
    actor = pages.page_actor(request, session)
    with read_scope(request.cookies.get(LSN_COOKIE)) as reads:  # the map: the standby's data
        return pages.zone_page(request, reads, actor, basemap, measure)
