"""Shared by the pages: templates, sessions, the signed-in actor, embedding a Folium map."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import folium
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from spacemap import i18n, review
from spacemap.config import get_settings
from spacemap.database import request_session
from spacemap.routing import LSN_COOKIE, read_scope, with_standby_fallback
from spacemap.store import users
from spacemap.store.audit import Actor
from spacemap.vocab import AUDIT_ACTIONS, CHECKS, ROLES
from web import assets
from web.basemaps import Basemap, available
from web.pages import text

templates = Jinja2Templates(directory=str(Path(__file__).parent.parent / "templates"))
# Jinja's i18n extension with our catalog: `{{ _("Sign in") }}` and `{% trans %}` in templates,
# translated into the request's language (a context variable the middleware sets).
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_gettext_callables(  # type: ignore[attr-defined]
    i18n.gettext, i18n.ngettext_now, newstyle=True
)
templates.env.globals.update(
    label=i18n.label,
    roles=ROLES,
    check_names={code: i18n.Names(*names) for code, names in CHECKS.items()},
    audit_names={code: i18n.Names(*names) for code, names in AUDIT_ACTIONS.items()},
)

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)")


def with_nonce(fragment: str, nonce: str) -> Markup:
    """Give the inline ``<script>`` tags of a (trusted, generated) fragment this request's CSP
    nonce: map parts are cached across requests, the nonce is not."""
    return Markup(_INLINE_SCRIPT.sub(f'<script nonce="{nonce}"', fragment))


templates.env.filters["with_nonce"] = with_nonce
text.install(templates.env)  # |foreign, |exact, proper(): data's language marked, numbers exact
COOKIE = "spacemap_token"  # also read by api.security for the pages' scripts
ZONE_TABLES = (
    "districts",
    "zones",
    "areas",
    "area_parts",
    "area_whitelist",
    "whitelist_changes",
    "parks",
    "park_industries",
    "space_units",
    "stations",
)


DB = Annotated[Session, Depends(request_session, scope="function")]  # commit, then respond


def read_session(request: Request) -> Iterator[Session]:
    """A read-only snapshot, on the standby when one is configured (``spacemap.routing``)."""
    with read_scope(request.cookies.get(LSN_COOKIE)) as session:
        yield session


ReadDB = Annotated[Session, Depends(read_session)]


class PageRoute(APIRoute):
    """A route that answers with a page: its errors are pages too, in the reader's language
    (``web.pages.errors``), never a problem+json body."""

    renders_html = True


def page_router() -> APIRouter:
    return APIRouter(include_in_schema=False, route_class=PageRoute)


class SignInRequired(Exception):
    """Raised by a page that needs a signed-in user: the answer is the sign-in page."""


def page_actor(request: Request, session: DB) -> Actor | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    user = with_standby_fallback(session, lambda s: users.user_for_token(s, token))
    if user is None:
        return None
    return Actor(id=user.id, username=user.username, role=user.role, company_name=user.company_name)


PageActor = Annotated[Actor | None, Depends(page_actor)]


def page_actor_or_none(request: Request) -> Actor | None:
    """The signed-in user for a page drawn outside a route (an error page); nobody if the
    database cannot say (an error page must not fail in turn)."""
    if not request.cookies.get(COOKIE):
        return None
    try:
        with read_scope() as session:
            return page_actor(request, session)
    except SQLAlchemyError:
        return None


def require_role(*roles: str) -> Any:
    """A page dependency: sign in first (back here afterwards), then the right role or a 403."""

    def dependency(actor: PageActor) -> Actor:
        if actor is None:
            raise SignInRequired()
        if actor.role not in roles:
            raise review.Forbidden(i18n._("This page is for another kind of account."))
        return actor

    return Depends(dependency)


ReviewerPage = Annotated[Actor, require_role("reviewer")]
CompanyPage = Annotated[Actor, require_role("company")]


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


LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
SESSION_HOURS = 12


def set_session_cookie(reply: Response, request: Request, token: str) -> None:
    """The sign-in cookie: HttpOnly, SameSite=Strict, and Secure unless we are on localhost
    (``SPACEMAP_COOKIE_SECURE`` overrides)."""
    mode = get_settings().cookie_secure
    secure = mode == "true" or (mode == "auto" and request.url.hostname not in LOCAL_HOSTS)
    reply.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=secure,
                     max_age=SESSION_HOURS * 3600)  # fmt: skip


def login_redirect(request: Request, target: str | None = None) -> RedirectResponse:
    """To the sign-in page, coming back to ``target`` (default: this very page, query and all,
    so a search survives signing in)."""
    here = target or request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(here, safe='')}", status_code=303)


def safe_next(target: str) -> str:
    """Only a path on this site (never ``//evil`` or ``https://evil``) after sign-in or a switch."""
    ok = target.startswith("/") and not target.startswith("//") and "\\" not in target
    return target if ok else "/"
