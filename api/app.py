"""The FastAPI application factory (``uvicorn api.app:create_app --factory``).

The composition root: the API routers, the web pages (``web.pages``) and their static files.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware

from api import docs, openapi, problems
from api.cors import PublicCORS
from api.headers import SecurityHeaders
from api.middleware import RequestContext, configure_logging
from api.ogc import routes as ogc
from api.routes import admin, applications, auth, match, proposals, stats, system
from spacemap import __version__
from spacemap.config import get_settings
from spacemap.i18n import _
from web import assets, pages
from web.basemaps import tile_origins

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
    problems.install(app)
    # Outermost last: request context, security headers, CORS, then compression.
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES, compresslevel=6)
    app.add_middleware(PublicCORS, origins=settings.cors_origins.split(","))
    app.add_middleware(SecurityHeaders, image_origins=tile_origins(settings))
    app.add_middleware(RequestContext)
    for module in (system, ogc, docs, auth, match, applications, proposals, stats, admin):
        app.include_router(module.router)
    app.include_router(pages.router)
    assets.check_installed()
    app.mount("/static/vendor", StaticFiles(directory=assets.VENDOR_DIR), name="vendor")
    app.mount("/static", StaticFiles(directory=assets.STATIC_DIR), name="static")
    openapi.install(app)
    return app
