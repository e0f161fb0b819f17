"""Shared by the pages: templates, sessions, the signed-in actor, embedding a Folium map."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import folium
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from spacemap.config import get_settings
from spacemap.database import request_session
from spacemap.store import users
from spacemap.store.audit import Actor
from web import assets
from web.basemaps import Basemap, available

templates = Jinja2Templates(directory=str(Path(__file__).parent.parent / "templates"))
COOKIE = "spacemap_token"  # also read by api.security for the pages' scripts
ZONE_TABLES = (
    "districts",
    "zones",
    "areas",
    "area_whitelist",
    "parks",
    "park_industries",
    "space_units",
    "stations",
)


DB = Annotated[Session, Depends(request_session)]


def page_actor(request: Request, session: DB) -> Actor | None:
    token = request.cookies.get(COOKIE)
    user = users.user_for_token(session, token) if token else None
    if user is None:
        return None
    return Actor(id=user.id, username=user.username, role=user.role, company_name=user.company_name)


PageActor = Annotated[Actor | None, Depends(page_actor)]


def map_parts(m: folium.Map) -> dict[str, str]:
    """The figure's three parts, with every asset pointed at the local copies."""
    figure = m.get_root()
    assets.localize(figure)
    figure.render()
    return {
        "header": assets.rewrite_html(figure.header.render()),
        "html": assets.rewrite_html(figure.html.render()),
        "script": assets.rewrite_html(figure.script.render()),
    }


def pick_basemap(key: str | None) -> tuple[Basemap, list[Basemap]]:
    options = available(get_settings())
    chosen = options.get(key or get_settings().basemap) or options["none"]
    return chosen, list(options.values())


def render(request: Request, name: str, actor: Actor | None, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"actor": actor, "map": None, **context})


def login_redirect(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
