"""The science bureau's review workflow: file, decide, respond, withdraw — each one transaction.

Concurrency: a decision locks the application row, then the unit row (always in that order, and
in id order when several are taken at once, so two decisions can wait but never deadlock). The
unit's available area is re-read under the lock, so concurrent approvals serialise and can never
overbook it; the CHECK ``0 <= available_m2`` is the last line of defence. Every change writes an
audit entry in the same transaction, so the log has it exactly when the database does.

The automatic checks (whitelist, area, features, budget) are computed by ``matching`` and passed
in; this module only knows the rules of the workflow itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from spacemap.models import Application, SpaceUnit
from spacemap.store import applications as store
from spacemap.store import audit
from spacemap.store.audit import Actor


class ReviewError(Exception):
    """A refused action; ``field`` names what was wrong (RFC 9457 problem ``field``)."""

    kind = "conflict"

    def __init__(self, zh: str, en: str, field: str | None = None) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en, self.field = zh, en, field


class NotFound(ReviewError):
    kind = "not_found"


class Forbidden(ReviewError):
    kind = "forbidden"


class Conflict(ReviewError):
    kind = "conflict"


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    needs_reason: bool


TRANSITIONS: dict[str, Transition] = {
    "approve": Transition(frozenset({"pending", "needs_info"}), "approved",
                          frozenset({"reviewer"}), True),
    "reject": Transition(frozenset({"pending", "needs_info"}), "rejected",
                         frozenset({"reviewer"}), True),
    "request_info": Transition(frozenset({"pending"}), "needs_info", frozenset({"reviewer"}), True),
    "respond": Transition(frozenset({"needs_info"}), "pending", frozenset({"company"}), True),
    "withdraw": Transition(frozenset({"pending", "needs_info", "approved"}), "withdrawn",
                           frozenset({"company"}), False),
}  # fmt: skip


def _snapshot(app: Application) -> dict[str, Any]:
    return {"status": app.status, "requested_m2": app.requested_m2, "score": app.score}


def _unit_snapshot(unit: SpaceUnit) -> dict[str, Any]:
    return {"available_m2": unit.available_m2, "capacity_m2": unit.capacity_m2}


def submit(
    session: Session,
    actor: Actor,
    unit_code: str,
    requested_m2: float,
    profile: dict[str, Any],
    industry_code: str,
    score: float | None,
    model: str,
    checks: list[dict[str, Any]],
    message: str | None = None,
) -> Application:
    """File an application. One open application per company and unit (also a unique index)."""
    if actor.role != "company" or actor.id is None or actor.company_name is None:
        raise Forbidden("只有企业账户可以申请", "only company accounts can apply")
    unit = store.unit_by_code(session, unit_code)
    if unit is None:
        raise NotFound(f"空间单元 {unit_code} 不存在", f"unit {unit_code} not found", "unit_code")
    duplicate = store.open_duplicate(session, actor.id, unit.id)
    if duplicate is not None:
        raise Conflict(
            f"已有待审核申请 #{duplicate}（同一单元）",
            f"you already have open application #{duplicate} for this unit",
            "unit_code",
        )
    all_checks = [*checks, {"check": "duplicate", "passed": True,
                            "zh": "无重复申请", "en": "no other open application"}]  # fmt: skip
    try:
        with session.begin_nested():
            app = store.insert(
                session,
                company_id=actor.id,
                unit_id=unit.id,
                company_name=actor.company_name,
                industry_code=industry_code,
                requested_m2=requested_m2,
                profile=profile,
                score=score,
                model=model,
                checks=all_checks,
                checks_passed=all(c["passed"] for c in all_checks),
                status="pending",
                message=message,
            )
    except IntegrityError as exc:  # a concurrent duplicate won the race
        raise Conflict(
            "已有待审核申请（同一单元）", "you already have an open application for this unit",
            "unit_code",
        ) from exc  # fmt: skip
    audit.record(session, actor, "application", app.id, "submit", after=_snapshot(app),
                 application_id=app.id, unit_id=unit.id)  # fmt: skip
    return app


def _authorise(actor: Actor, app: Application, action: str) -> Transition:
    rule = TRANSITIONS[action]
    if actor.role not in rule.roles:
        raise Forbidden(f"角色 {actor.role} 不能 {action}", f"role {actor.role} may not {action}")
    if actor.role == "company" and app.company_id != actor.id:
        raise Forbidden("只能操作本企业的申请", "you may only act on your own applications")
    if app.status not in rule.sources:
        raise Conflict(
            f"申请当前状态为 {app.status}，不能 {action}",
            f"application is {app.status}; cannot {action}",
            "status",
        )
    return rule


def decide(
    session: Session,
    actor: Actor,
    application_id: int,
    action: str,
    reason: str | None,
    checks: list[dict[str, Any]] | None = None,
) -> Application:
    """Apply one workflow action. ``checks`` (fresh automatic checks) are required to approve."""
    if action not in TRANSITIONS:
        raise Conflict(f"未知操作 {action}", f"unknown action {action}", "action")
    app = store.lock(session, application_id)
    if app is None:
        raise NotFound(f"申请 #{application_id} 不存在", f"application {application_id} not found")
    rule = _authorise(actor, app, action)
    reason = (reason or "").strip() or None
    if rule.needs_reason and reason is None:
        raise Conflict("必须填写理由", f"a reason is required to {action}", "reason")
    before = _snapshot(app)
    values: dict[str, Any] = {}
    if action == "approve":
        values = _take_space(session, actor, app, checks, reason)
    elif action == "withdraw" and app.status == "approved":
        _free_space(session, actor, app, reason)
    if actor.role == "reviewer":
        values.update(decision_reason=reason, decided_by=actor.id)
    else:
        values.update(message=reason)
    store.set_status(session, app, rule.target, **values)
    audit.record(session, actor, "application", app.id, action, before=before,
                 after=_snapshot(app), reason=reason, application_id=app.id,
                 unit_id=app.unit_id)  # fmt: skip
    return app


def _take_space(
    session: Session,
    actor: Actor,
    app: Application,
    checks: list[dict[str, Any]] | None,
    reason: str | None,
) -> dict[str, Any]:
    if checks is None:
        raise Conflict("批准前须重新检查", "fresh automatic checks are required to approve")
    failed = [c for c in checks if not c["passed"] and c["check"] != "area"]
    if failed:
        raise Conflict(
            "自动检查未通过：" + "；".join(c["zh"] for c in failed),
            "automatic checks failed: " + "; ".join(c["en"] for c in failed),
            failed[0]["check"],
        )

    def take(unit: SpaceUnit) -> float:
        if unit.available_m2 < app.requested_m2:
            raise Conflict(
                f"可用 {unit.available_m2:.0f} m² < 申请 {app.requested_m2:.0f} m²",
                f"available {unit.available_m2:.0f} m² < requested {app.requested_m2:.0f} m²",
                "requested_m2",
            )
        return unit.available_m2 - app.requested_m2

    _change_space(session, actor, app, "allocate", reason, take)
    # matching's checks, plus the duplicate check made when the application was filed
    return {"checks": [*checks, *(c for c in app.checks if c["check"] == "duplicate")]}


def _free_space(session: Session, actor: Actor, app: Application, reason: str | None) -> None:
    def give_back(unit: SpaceUnit) -> float:
        return min(unit.capacity_m2, unit.available_m2 + app.requested_m2)

    _change_space(session, actor, app, "release", reason, give_back)


def _change_space(
    session: Session,
    actor: Actor,
    app: Application,
    action: str,
    reason: str | None,
    new_available: Callable[[SpaceUnit], float],
) -> None:
    """Under the unit's row lock: read its free area afresh, change it, audit the change."""
    unit = store.lock_unit(session, app.unit_id)
    session.refresh(unit)
    before = _unit_snapshot(unit)
    store.set_available(session, unit.id, round(new_available(unit), 2))
    session.refresh(unit)
    audit.record(session, actor, "unit", unit.code, action, before=before,
                 after=_unit_snapshot(unit), reason=reason, application_id=app.id,
                 unit_id=unit.id)  # fmt: skip
