"""The FastAPI application factory (``uvicorn api.app:create_app --factory``).

The composition root: the API routers, the web pages (``web.pages``) and their static files.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Query, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware

from api import docs, openapi, problems
from api.consistency import ReadYourWrites
from api.cors import PublicCORS
from api.csrf import SameOriginWrites
from api.deps import DbSession
from api.headers import SecurityHeaders
from api.middleware import RequestContext, configure_logging
from api.ogc import routes as ogc
from api.ogc.params import known_parameters, parse_format
from api.routes import (
    admin,
    applications,
    auth,
    match,
    proposals,
    registrations,
    stats,
    system,
    tiles,
    whitelists,
)
from spacemap import __version__
from spacemap.config import get_settings
from spacemap.i18n import _
from spacemap.routing import LSN_COOKIE, read_scope
from web import assets, pages
from web.basemaps import tile_origins
from web.pages import errors as page_errors
from web.pages.common import SignInRequired

TITLE = openapi.doc(_("spacemap — Futian industrial-space map"))
DESCRIPTION = openapi.doc(
    _(
        "Futian industrial-space map and company matching.\n\n"
        "- **OGC API – Features** (`/collections/...`): zones, areas, parks, space units, "
        "stations — for QGIS, GDAL, browsers and scripts. Public, read-only, with ETags.\n"
        "- **Matching** (`POST /api/match`): a company profile in, ranked feasible sites out.\n"
        "- **Applications and review** (`/api/applications`, `/api/proposals`): sign in first "
        "(`POST /api/token`, then the *Authorize* button).\n"
        "- **Statistics** (`/api/stats`) for planners; **administration** (`/api/users`, "
        "`/api/imports`).\n\n"
        "Errors are RFC 9457 `application/problem+json` with the field and the reason. "
        "Estimated and synthetic data carry `is_estimate` / `is_synthetic` flags everywhere."
    )
)
GZIP_MIN_BYTES = 1024  # smaller answers gain less than the compression costs


def create_app() -> FastAPI:
    configure_logging()
    settings = get_settings()
    app = FastAPI(
        title=TITLE,
        version=__version__,
        description=DESCRIPTION,
        openapi_url=None,  # served by api.openapi (3.0.3, its own media type) and api.docs
        docs_url=None,
        redoc_url=None,
    )
    problems.install(app, pages=page_errors)
    app.add_exception_handler(SignInRequired, page_errors.sign_in)  # type: ignore[arg-type]
    # Outermost last: request context, security headers, CORS, same-origin writes, compression.
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES, compresslevel=6)
    app.add_middleware(SameOriginWrites)
    app.add_middleware(ReadYourWrites)  # with a standby: the writer's WAL position, a cookie
    app.add_middleware(PublicCORS, origins=settings.cors_origins.split(","))
    app.add_middleware(SecurityHeaders, image_origins=tile_origins(settings))
    app.add_middleware(RequestContext)
    for module in (system, ogc, docs, tiles, auth, registrations, match, applications, proposals,
                   whitelists, stats, admin):  # fmt: skip
        app.include_router(module.router)
    app.include_router(pages.router)
    app.add_api_route(
        "/",
        landing,
        methods=["GET"],
        response_model=None,
        summary=openapi.doc(_("Landing page (JSON for clients, the zone map for browsers)")),
    )
    # Browsers ask for /favicon.ico on any page without an icon link (a JSON answer, a file):
    # the same icon the pages link, instead of a 404 in every console.
    app.add_api_route("/favicon.ico", favicon, methods=["GET"], include_in_schema=False)
    assets.check_installed()
    app.mount("/static/vendor", StaticFiles(directory=assets.VENDOR_DIR), name="vendor")
    app.mount("/static", StaticFiles(directory=assets.STATIC_DIR), name="static")
    openapi.install(app)
    return app


def favicon() -> FileResponse:
    return FileResponse(assets.STATIC_DIR / "favicon.svg", media_type="image/svg+xml",
                        headers={"Cache-Control": "public, max-age=86400"})  # fmt: skip


LandingFormat = Annotated[
    str | None, Query(description="json (the OGC landing page) or html (the zone map)")
]
Language = Annotated[str | None, Query(description="zh (default) or en")]


def landing(
    request: Request,
    session: DbSession,
    f: LandingFormat = None,
    basemap: str | None = None,
    measure: str = "available_m2",
    lang: Language = None,
) -> dict | HTMLResponse:
    """One address, two readers: OGC clients get the landing document (JSON), browsers the zone
    map. ``f=json``/``f=html`` decides; otherwise whether the client accepts HTML."""
    if parse_format(f, ("json", "html")) is None:
        f = "html" if "text/html" in request.headers.get("accept", "") else "json"
    if f == "json":
        known_parameters(request)  # the OGC rule; the map page ignores what it does not use
        return system.landing_document(request)
    actor = pages.page_actor(request, session)
    with read_scope(request.cookies.get(LSN_COOKIE)) as reads:  # the map: the standby's data
        return pages.zone_page(request, reads, actor, basemap, measure)
