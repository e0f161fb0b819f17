"""Sign-in: exchange a username and password for a bearer token (OAuth2 password flow)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from api.deps import DbSession
from api.problems import Problem
from api.security import SESSION_COOKIE, AnyUser, oauth2
from spacemap import signin
from spacemap.i18n import _
from spacemap.signin import Client

router = APIRouter(prefix="/api", tags=["认证 / Authentication"])


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: dt.datetime
    role: str


class Me(BaseModel):
    username: str
    role: str
    company_name: str | None


def client_of(request: Request) -> Client:
    return Client(request.client.host if request.client else "unknown")


@router.post("/token", response_model=Token, summary="登录 / Sign in (get a bearer token)")
def token(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    """Wrong passwords are throttled: more than a few for an account, or many from one
    address, within a quarter hour answer 429 with Retry-After."""
    try:
        signed = signin.sign_in(form.username, form.password, client_of(request))
    except signin.Throttled as exc:
        raise Problem(
            429,
            _("Too many failed sign-ins; try again in %(s)d seconds.", s=exc.retry_after_s),
            field="password",
            headers={"Retry-After": str(exc.retry_after_s)},
        ) from exc
    if signed is None:
        raise Problem(
            401,
            _("Wrong username or password."),
            field="password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Token(access_token=signed.token, expires_at=signed.expires, role=signed.role)


@router.get("/me", response_model=Me, summary="当前用户 / Who am I")
def me(actor: AnyUser) -> Me:
    return Me(username=actor.username, role=actor.role, company_name=actor.company_name)


@router.post("/logout", status_code=204, summary="注销令牌 / Revoke this token")
def logout(
    request: Request,
    session: DbSession,
    actor: AnyUser,
    bearer: Annotated[str | None, Depends(oauth2)],
) -> None:
    """Revokes the token this request signed in with: the bearer token, or the pages' cookie."""
    used = bearer or request.cookies.get(SESSION_COOKIE)
    if used:
        signin.sign_out(session, actor, used, client_of(request))
