"""Companies register themselves (public); administrators confirm or decline them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from api.deps import DbSession
from api.problems import Problem
from api.routes.auth import client_of
from api.security import Admin
from spacemap import registration
from spacemap.i18n import _
from spacemap.models import User
from spacemap.registration import Registration
from spacemap.signin import Throttled
from spacemap.store import users
from spacemap.text import PlainText

router = APIRouter(prefix="/api", tags=["企业注册 / Company registration"])

Username = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_.-]{2,63}$")]


class RegistrationView(BaseModel):
    username: str
    company_name: str
    credit_code: str
    contact_name: str
    contact_phone: str | None
    contact_email: str | None
    created_at: dt.datetime
    status: Literal["pending", "confirmed", "declined"]
    confirmed_at: dt.datetime | None

    @classmethod
    def of(cls, user: User) -> RegistrationView:
        status = "confirmed" if user.confirmed_at else ("pending" if user.is_active else "declined")
        return cls(
            username=user.username,
            company_name=user.company_name or "",
            credit_code=user.credit_code or "",
            contact_name=user.contact_name or "",
            contact_phone=user.contact_phone,
            contact_email=user.contact_email,
            created_at=user.created_at,
            status=status,
            confirmed_at=user.confirmed_at,
        )


class Declining(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: PlainText = Field(min_length=1, max_length=2000, description="理由 / reason")


@router.post("/register", status_code=201, response_model=RegistrationView,
             summary="企业自助注册 / A company registers itself")  # fmt: skip
def register(request: Request, session: DbSession, body: Registration) -> RegistrationView:
    """Anyone may register a company account with its unified social credit code (GB 32100-2015,
    check character verified) and a contact. It can sign in (`POST /api/token`) and search at
    once, and apply once an administrator has confirmed it. A few registrations an hour per
    client address; more answer 429 with Retry-After."""
    try:
        return RegistrationView.of(registration.register(session, body, client_of(request)))
    except Throttled as exc:
        raise Problem(429, _("Too many registrations from here; try again in %(s)d seconds.",
                             s=exc.retry_after_s),
                      headers={"Retry-After": str(exc.retry_after_s)}) from exc  # fmt: skip


@router.get("/registrations", response_model=list[RegistrationView],
            summary="企业注册列表 / Registrations")  # fmt: skip
def list_registrations(
    session: DbSession,
    actor: Admin,
    status: Annotated[Literal["pending", "all"], Query()] = "pending",
) -> list[RegistrationView]:
    rows = users.registrations(session, pending_only=status == "pending")
    return [RegistrationView.of(u) for u in rows]


@router.post("/registrations/{username}/confirm", response_model=RegistrationView,
             summary="确认企业注册 / Confirm a registration")  # fmt: skip
def confirm(session: DbSession, actor: Admin, username: Username) -> RegistrationView:
    return RegistrationView.of(registration.confirm(session, actor, username))


@router.post("/registrations/{username}/decline", response_model=RegistrationView,
             summary="拒绝企业注册 / Decline a registration")  # fmt: skip
def decline(
    session: DbSession, actor: Admin, username: Username, body: Declining
) -> RegistrationView:
    return RegistrationView.of(registration.decline(session, actor, username, body.reason))
