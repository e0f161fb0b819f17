"""The pages people use: the zone map, company search, the bureau's review desk.

Server-rendered (Jinja2) with the Folium maps embedded in the page (header, html and script parts
of the figure), not iframes. Signing in sets an HttpOnly, SameSite=Strict cookie holding a bearer
token from the same token table the API uses; form posts call the same domain functions as the
API (``matching.checks``, ``spacemap.review``, ``matching.batch``). Route handlers are plain
functions, so FastAPI runs them (and the map building) in its thread pool, off the event loop.
"""

from __future__ import annotations

from fastapi import APIRouter

from web.pages import account, company, data, language, review, search, whitelists, zone
from web.pages.common import page_actor
from web.pages.zone import zone_page

router = APIRouter(include_in_schema=False)
# /review/whitelists before /review/{application_id}
for module in (zone, account, language, search, company, whitelists, review, data):
    router.include_router(module.router)

__all__ = ["page_actor", "router", "zone_page"]
