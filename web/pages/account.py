"""Signing in and out (an HttpOnly, SameSite=Strict cookie holding an API token), and a company
registering itself (``spacemap.registration``: searching at once, applying once confirmed)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from spacemap import registration, signin
from spacemap.i18n import Msg, _
from spacemap.models import User
from spacemap.registration import Registration
from spacemap.review import ReviewError
from spacemap.signin import Client
from spacemap.store import users
from web.pages.common import (
    COOKIE,
    DB,
    PageActor,
    page_router,
    render,
    safe_next,
    set_session_cookie,
)
from web.pages.forms import FieldError, errors_of, limits

router = page_router()

# ---------------------------------------------------------------- sign-in


def _signed_in(request: Request, session: DB, user: User, target: str) -> RedirectResponse:
    token, _expires = users.issue_token_for(session, user.id)
    reply = RedirectResponse(safe_next(target), status_code=303)
    set_session_cookie(reply, request, token)
    return reply


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, actor: PageActor, next: str = "/") -> HTMLResponse:
    target = safe_next(next)
    return render(request, "login.html", actor, next=target, next_after_sign_in=target,
                  error=None, username="", title=_("Sign in"))  # fmt: skip


@router.post("/login", response_model=None)
def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form(max_length=4000)] = "/",
) -> Response:
    client = Client(request.client.host if request.client else "unknown")
    try:
        signed = signin.sign_in(username, password, client)
    except signin.Throttled as exc:
        refused = render(
            request, "login.html", None, next=safe_next(next), next_after_sign_in=safe_next(next),
            username=username, title=_("Sign in"),
            error=_("Too many failed sign-ins; try again in %(s)d seconds.", s=exc.retry_after_s),
        )  # fmt: skip
        refused.status_code = 429
        refused.headers["Retry-After"] = str(exc.retry_after_s)
        return refused
    if signed is None:
        return render(request, "login.html", None, next=safe_next(next),
                      next_after_sign_in=safe_next(next), username=username,
                      error=_("Wrong username or password."), title=_("Sign in"))  # fmt: skip
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


# ---------------------------------------------------------------- a company registers itself

LABELS: dict[str, Msg] = {
    "company_name": _("Company name"),
    "credit_code": _("Unified social credit code"),
    "contact_name": _("Contact person"),
    "contact_phone": _("Contact phone"),
    "contact_email": _("Contact e-mail"),
    "username": _("Username"),
    "password": _("Password"),
    "password_again": _("Password again"),
}
FIELDS = ("company_name", "credit_code", "contact_name", "contact_phone", "contact_email",
          "username")  # fmt: skip


def _register_page(
    request: Request,
    actor: PageActor,
    values: dict[str, str],
    target: str,
    errors: list[FieldError] | None = None,
    status: int = 200,
) -> HTMLResponse:
    reply = render(request, "register.html", actor, values=values, errors=errors or [],
                   labels=LABELS, next=target, next_after_sign_in=target,
                   bounds={name: limits(Registration, name) for name in (*FIELDS, "password")},
                   title=_("Register your company"))  # fmt: skip
    reply.status_code = status
    return reply


@router.get("/register", response_class=HTMLResponse)
def register_form(request: Request, actor: PageActor, next: str = "/search") -> HTMLResponse:
    return _register_page(request, actor, {name: "" for name in FIELDS}, safe_next(next))


@router.post("/register", response_model=None)
async def register(request: Request, session: DB, actor: PageActor) -> Response:
    """Register, then sign in at once and go back (by default to the search)."""
    raw = await request.form()
    values = {name: str(raw.get(name, ""))[:400] for name in FIELDS}
    password, again = str(raw.get("password", ""))[:400], str(raw.get("password_again", ""))[:400]
    target = safe_next(str(raw.get("next", "/search"))[:4000])
    if password != again:
        errors = [FieldError("password_again", str(LABELS["password_again"]),
                             str(_("does not match the password")))]  # fmt: skip
        return _register_page(request, actor, values, target, errors, 422)
    try:
        details = Registration(**values, password=password)
    except ValidationError as exc:
        errors = errors_of(exc, LABELS, whole_form="contact_phone")
        return _register_page(request, actor, values, target, errors, 422)
    client = Client(request.client.host if request.client else "unknown")
    try:
        user = registration.register(session, details, client)
    except signin.Throttled as exc:
        errors = [FieldError("username", str(LABELS["username"]),
                             str(_("Too many registrations from here; try again in %(s)d seconds.",
                                   s=exc.retry_after_s)))]  # fmt: skip
        return _register_page(request, actor, values, target, errors, 429)
    except ReviewError as exc:
        field = exc.field or "username"
        errors = [FieldError(field, str(LABELS.get(field, LABELS["username"])), str(exc.message))]
        return _register_page(request, actor, values, target, errors, 409)
    return _signed_in(request, session, user, target)
