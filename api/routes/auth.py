"""Sign-in: exchange a username and password for a bearer token (OAuth2 password flow)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from api.deps import DbSession
from api.problems import Problem
from api.security import AnyUser, oauth2
from spacemap.store import users

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


@router.post("/token", response_model=Token, summary="登录 / Sign in (get a bearer token)")
def token(session: DbSession, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    user = users.authenticate(session, form.username, form.password)
    if user is None:
        raise Problem(
            401,
            "用户名或密码错误 / wrong username or password",
            field="password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    value, expires = users.issue_token(session, user)
    return Token(access_token=value, expires_at=expires, role=user.role)


@router.get("/me", response_model=Me, summary="当前用户 / Who am I")
def me(actor: AnyUser) -> Me:
    return Me(username=actor.username, role=actor.role, company_name=actor.company_name)


@router.post("/logout", status_code=204, summary="注销令牌 / Revoke this token")
def logout(
    session: DbSession, actor: AnyUser, bearer: Annotated[str | None, Depends(oauth2)]
) -> None:
    if bearer:
        users.revoke_token(session, bearer)
