"""Signing in and out: an HttpOnly, SameSite=Strict cookie holding an API token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from spacemap.i18n import _
from spacemap.store import users
from web.pages.common import (
    COOKIE,
    DB,
    PageActor,
    page_router,
    render,
    safe_next,
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
    session: DB,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    user = users.authenticate(session, username, password)
    if user is None:
        return render(
            request,
            "login.html",
            None,
            next=safe_next(next),
            error=_("Wrong username or password."),
            title=_("Sign in"),
        )
    token, _expires = users.issue_token(session, user)
    reply = RedirectResponse(safe_next(next), status_code=303)
    reply.set_cookie(COOKIE, token, httponly=True, samesite="strict", max_age=12 * 3600)
    return reply


@router.post("/logout")
def logout(request: Request, session: DB) -> RedirectResponse:
    token = request.cookies.get(COOKIE)
    if token:
        users.revoke_token(session, token)
    reply = RedirectResponse("/", status_code=303)
    reply.delete_cookie(COOKIE)
    return reply
