"""Applications and the bureau's review: file, list, decide, respond, withdraw, audit trail."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path as FsPath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query
from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.deps import DbSession
from api.problems import Problem
from api.security import AuditReader, Company, CompanyOrReviewer, Reviewer
from matching.applications import ApplicationPage, ApplicationView, reader, with_service
from matching.profile import CompanyProfile
from spacemap.i18n import _
from spacemap.store import applications as store
from spacemap.store import audit
from spacemap.store.audit import Actor
from spacemap.text import PlainText
from spacemap.vocab import APPLICATION_STATUSES

router = APIRouter(prefix="/api", tags=["申请与审核 / Applications and review"])

EXAMPLE_PROFILE = FsPath(__file__).resolve().parents[2] / "examples" / "ai-chip-startup.json"

Status = Literal[tuple(APPLICATION_STATUSES)]  # type: ignore[valid-type]


class NewApplication(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "unit_code": "quantum_academy-0016",
                    "area_m2": 200,
                    "profile": json.loads(EXAMPLE_PROFILE.read_text(encoding="utf-8")),
                    "message": "计划明年一季度入驻 / plan to move in next quarter",
                }
            ]
        },
    )

    unit_code: PlainText = Field(
        min_length=1, max_length=64, description="空间单元代码 / unit code"
    )
    area_m2: float = Field(ge=1, le=1_000_000, description="申请面积 / floor space applied for, m²")
    profile: CompanyProfile
    message: PlainText | None = Field(
        None, max_length=2000, description="附言 / note to the reviewer"
    )

    @model_validator(mode="after")
    def _within_need(self) -> NewApplication:
        p = self.profile
        if not p.min_area_m2 <= self.area_m2 <= p.max_area_m2:
            raise ValueError(
                _(
                    "area_m2 (%(area)g) must lie within the profile's need %(low)g–%(high)g m²",
                    area=self.area_m2,
                    low=p.min_area_m2,
                    high=p.max_area_m2,
                ).render()
            )
        return self


class Decision(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reason": "符合片区正面清单，材料齐全 / on the whitelist"}]
        },
    )

    reason: PlainText = Field(min_length=1, max_length=2000, description="理由 / reason (required)")


class Withdrawal(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: PlainText | None = Field(None, max_length=2000)


class AuditView(BaseModel):
    id: int
    at: dt.datetime
    actor: str
    actor_role: str
    entity: str
    entity_id: str
    action: str
    application_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None


ApplicationId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post(
    "/applications", status_code=201, response_model=ApplicationView, summary="Apply / 申请空间"
)
def apply(
    session: DbSession, actor: Company, body: Annotated[NewApplication, Body()]
) -> ApplicationView:
    """File an application for one unit. Every automatic check is recorded with it; an
    application that fails a check is still filed (the reviewer sees why) but cannot be approved
    until it passes."""
    app_id = with_service(
        actor, lambda s: s.file(body.profile, body.unit_code, body.area_m2, body.message), session
    )
    return reader(session, actor).get(app_id)


@router.get("/applications", response_model=ApplicationPage, summary="Queue / 申请队列")
def queue(
    session: DbSession,
    actor: CompanyOrReviewer,
    area: Annotated[str | None, Query(max_length=32)] = None,
    industry: Annotated[str | None, Query(max_length=32)] = None,
    status: Status | None = None,
    min_age_days: Annotated[float | None, Query(ge=0, le=36500, allow_inf_nan=False)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ApplicationPage:
    """Reviewers see every application, oldest first; a company sees only its own. Checks and
    conflicts are evaluated on today's data."""
    f = store.QueueFilter(area, industry, status, min_age_days, None, limit, offset)
    return reader(session, actor).queue(f)


@router.get("/applications/{application_id}", response_model=ApplicationView,
            summary="One application / 一份申请")  # fmt: skip
def one(
    session: DbSession, actor: CompanyOrReviewer, application_id: ApplicationId
) -> ApplicationView:
    return reader(session, actor).get(application_id)


def _decide(
    session: DbSession, actor: Actor, application_id: int, action: str, reason: str | None
) -> ApplicationView:
    with_service(actor, lambda s: s.act(application_id, action, reason), session)
    return reader(session, actor).get(application_id)


@router.post("/applications/{application_id}/approve", response_model=ApplicationView,
             summary="Approve (takes the floor space) / 批准")  # fmt: skip
def approve(
    session: DbSession, actor: Reviewer, application_id: ApplicationId, body: Decision
) -> ApplicationView:
    """Re-runs the automatic checks, then takes the requested area from the unit in the same
    transaction, under a row lock: concurrent approvals can never overbook a unit."""
    return _decide(session, actor, application_id, "approve", body.reason)


@router.post("/applications/{application_id}/reject", response_model=ApplicationView,
             summary="Reject / 驳回")  # fmt: skip
def reject(
    session: DbSession, actor: Reviewer, application_id: ApplicationId, body: Decision
) -> ApplicationView:
    return _decide(session, actor, application_id, "reject", body.reason)


@router.post("/applications/{application_id}/request-info", response_model=ApplicationView,
             summary="Ask for more information / 要求补充材料")  # fmt: skip
def request_info(
    session: DbSession, actor: Reviewer, application_id: ApplicationId, body: Decision
) -> ApplicationView:
    return _decide(session, actor, application_id, "request_info", body.reason)


@router.post("/applications/{application_id}/respond", response_model=ApplicationView,
             summary="Answer a request for information / 补充材料")  # fmt: skip
def respond(
    session: DbSession, actor: Company, application_id: ApplicationId, body: Decision
) -> ApplicationView:
    return _decide(session, actor, application_id, "respond", body.reason)


@router.post("/applications/{application_id}/withdraw", response_model=ApplicationView,
             summary="Withdraw (frees approved space once) / 撤回")  # fmt: skip
def withdraw(
    session: DbSession, actor: Company, application_id: ApplicationId, body: Withdrawal
) -> ApplicationView:
    return _decide(session, actor, application_id, "withdraw", body.reason)


def _audit_views(entries: list) -> list[AuditView]:
    return [AuditView.model_validate(e, from_attributes=True) for e in entries]


@router.get("/applications/{application_id}/audit", response_model=list[AuditView],
            summary="申请审计记录 / Audit trail of an application")  # fmt: skip
def application_audit(
    session: DbSession, actor: AuditReader, application_id: ApplicationId
) -> list[AuditView]:
    reader(session, actor).get(application_id)  # 404 if missing
    return _audit_views(audit.for_application(session, application_id))


@router.get("/units/{unit_code}/audit", response_model=list[AuditView],
            summary="空间单元审计记录 / Audit trail of a unit")  # fmt: skip
def unit_audit(
    session: DbSession, actor: AuditReader, unit_code: Annotated[str, Path(max_length=64)]
) -> list[AuditView]:
    unit = store.unit_by_code(session, unit_code)
    if unit is None:
        raise Problem(404, _("Unit %(code)s not found.", code=unit_code), field="unit_code")
    return _audit_views(audit.for_unit(session, unit.id))
