"""Shared by the pages: templates, sessions, the signed-in actor, embedding a Folium map."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import folium
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from sqlalchemy.orm import Session

from spacemap import i18n
from spacemap.config import get_settings
from spacemap.database import request_session
from spacemap.store import users
from spacemap.store.audit import Actor
from spacemap.vocab import ROLES
from web import assets
from web.basemaps import Basemap, available

templates = Jinja2Templates(directory=str(Path(__file__).parent.parent / "templates"))
# Jinja's i18n extension with our catalog: `{{ _("Sign in") }}` and `{% trans %}` in templates,
# translated into the request's language (a context variable the middleware sets).
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_gettext_callables(  # type: ignore[attr-defined]
    i18n.gettext, i18n.ngettext_now, newstyle=True
)
templates.env.globals.update(label=i18n.label, roles=ROLES)

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)")


def with_nonce(fragment: str, nonce: str) -> Markup:
    """Give the inline ``<script>`` tags of a (trusted, generated) fragment this request's CSP
    nonce: map parts are cached across requests, the nonce is not."""
    return Markup(_INLINE_SCRIPT.sub(f'<script nonce="{nonce}"', fragment))


templates.env.filters["with_nonce"] = with_nonce
COOKIE = "spacemap_token"  # also read by api.security for the pages' scripts
ZONE_TABLES = (
    "districts",
    "zones",
    "areas",
    "area_parts",
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
    locale = i18n.current_locale()
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    base = {
        "actor": actor,
        "map": None,
        "lang": locale,
        "html_lang": i18n.HTML_LANG[locale],
        "here": here,
        "csp_nonce": getattr(request.state, "csp_nonce", ""),
    }
    if "title" not in context:  # pages not yet moved to the catalog (title_zh/title_en)
        context["title"] = context.get("title_zh" if locale == "zh" else "title_en", "")
    return templates.TemplateResponse(request, name, {**base, **context})


def login_redirect(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)


def safe_next(target: str) -> str:
    """Only a path on this site (never ``//evil`` or ``https://evil``) after sign-in or a switch."""
    ok = target.startswith("/") and not target.startswith("//") and "\\" not in target
    return target if ok else "/"
