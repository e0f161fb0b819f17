"""Errors on pages are pages: the status, what went wrong and where to go, in the reader's
language — the app's problem handlers call ``render`` for routes that answer with HTML."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from spacemap.i18n import Msg, _
from web.pages.common import SignInRequired, login_redirect, page_actor_or_none, render

TITLES = {
    400: _("The request could not be understood"),
    401: _("Please sign in"),
    403: _("Not for this account"),
    404: _("Not found"),
    409: _("That cannot be done now"),
    413: _("Too large"),
    422: _("Please check what you entered"),
    429: _("Too many attempts"),
    500: _("Something went wrong on our side"),
    503: _("Busy — please try again"),
}
API_PREFIXES = ("/api/", "/collections", "/conformance", "/openapi", "/static/", "/docs", "/redoc")


def is_page(request: Request) -> bool:
    """Whether this request should get an HTML error: a page route, or a browser asking for a
    page that does not exist."""
    route = request.scope.get("route")
    if route is not None:
        return bool(getattr(route, "renders_html", False))
    path = request.url.path
    return "text/html" in request.headers.get("accept", "") and not path.startswith(API_PREFIXES)


def render_error(
    request: Request,
    status: int,
    detail: str | Msg,
    headers: dict[str, str] | None = None,
    errors: list[tuple[str, str]] | None = None,
) -> Response:
    title = TITLES.get(status, _("Error"))
    reply: HTMLResponse = render(
        request,
        "error.html",
        page_actor_or_none(request),
        title=title,
        status=status,
        detail=detail,
        errors=errors or [],
    )
    reply.status_code = status
    for key, value in (headers or {}).items():
        if key.lower() != "www-authenticate":
            reply.headers[key] = value
    return reply


def sign_in(request: Request, exc: SignInRequired) -> RedirectResponse:
    return login_redirect(request)
