"""Signing in and out: an HttpOnly, SameSite=Strict cookie holding an API token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from spacemap import signin
from spacemap.i18n import _
from spacemap.signin import Client
from web.pages.common import (
    COOKIE,
    DB,
    PageActor,
    page_router,
    render,
    safe_next,
    set_session_cookie,
)

router = page_router()

# ---------------------------------------------------------------- sign-in


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, actor: PageActor, next: str = "/") -> HTMLResponse:
    return render(
        request,
        "login.html",
        actor,
        next=safe_next(next),
        error=None,
        title=_("Sign in"),
    )


@router.post("/login", response_model=None)
def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    client = Client(request.client.host if request.client else "unknown")
    try:
        signed = signin.sign_in(username, password, client)
    except signin.Throttled as exc:
        refused = render(
            request, "login.html", None, next=safe_next(next), title=_("Sign in"),
            error=_("Too many failed sign-ins; try again in %(s)d seconds.", s=exc.retry_after_s),
        )  # fmt: skip
        refused.status_code = 429
        refused.headers["Retry-After"] = str(exc.retry_after_s)
        return refused
    if signed is None:
        return render(
            request,
            "login.html",
            None,
            next=safe_next(next),
            error=_("Wrong username or password."),
            title=_("Sign in"),
        )
    reply = RedirectResponse(safe_next(next), status_code=303)
    set_session_cookie(reply, request, signed.token)
    return reply


@router.post("/logout")
def logout(request: Request, session: DB, actor: PageActor) -> RedirectResponse:
    token = request.cookies.get(COOKIE)
    if token and actor is not None:
        client = Client(request.client.host if request.client else "unknown")
        signin.sign_out(session, actor, token, client)
    reply = RedirectResponse("/", status_code=303)
    reply.delete_cookie(COOKIE)
    return reply
