"""Who is calling: bearer tokens (OAuth2 password flow) resolved to an ``Actor`` with one role.

Routes state the roles they admit with ``require(...)``; a missing or bad token is 401 with
``WWW-Authenticate: Bearer``, a valid token with the wrong role is 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from api.deps import DbSession
from api.problems import Problem
from spacemap.routing import with_standby_fallback
from spacemap.store import users
from spacemap.store.audit import Actor

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/token", auto_error=False)


SESSION_COOKIE = "spacemap_token"  # set by the web pages' sign-in (web.pages.account)
PAGE_HEADER = "x-requested-with"  # the pages' scripts send it; other sites cannot (no CORS)


def current_actor(
    request: Request, session: DbSession, token: Annotated[str | None, Depends(oauth2)]
) -> Actor | None:
    """The bearer token's user; for the pages' own scripts, the sign-in cookie's.

    The cookie counts only with ``X-Requested-With: spacemap``: a cross-site form cannot set
    that header and the API allows no cross-origin requests, so the cookie cannot be ridden."""
    if not token and request.headers.get(PAGE_HEADER) == "spacemap":
        token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    user = with_standby_fallback(session, lambda s: users.user_for_token(s, token))
    if user is None:
        raise Problem(
            401,
            "令牌无效或已过期 / token invalid or expired",
            field="Authorization",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return Actor(id=user.id, username=user.username, role=user.role, company_name=user.company_name)


MaybeActor = Annotated[Actor | None, Depends(current_actor)]


def require(*roles: str) -> Callable[[Actor | None], Actor]:
    def dependency(actor: MaybeActor) -> Actor:
        if actor is None:
            raise Problem(
                401,
                "需要登录 / sign-in required",
                field="Authorization",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if actor.role not in roles:
            raise Problem(
                403,
                f"角色 {actor.role} 无权访问 / role {actor.role} may not do this "
                f"(allowed: {', '.join(roles)})",
            )
        return actor

    return dependency


AnyUser = Annotated[Actor, Depends(require("company", "reviewer", "planner", "admin"))]
Company = Annotated[Actor, Depends(require("company"))]
Reviewer = Annotated[Actor, Depends(require("reviewer"))]
CompanyOrReviewer = Annotated[Actor, Depends(require("company", "reviewer"))]
AuditReader = Annotated[Actor, Depends(require("reviewer", "admin"))]
StatsReader = Annotated[Actor, Depends(require("reviewer", "planner", "admin"))]
Admin = Annotated[Actor, Depends(require("admin"))]
