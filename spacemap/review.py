"""The science bureau's review workflow: who may move an application from which status to which,
and what an approval or a withdrawal does to the unit's free area — each one transaction.

Locks are always taken in one order, so writers wait for each other but never deadlock:
applications (in id order) → units (in id order) → parks (the totals trigger); bulk writers
(``spacemap load``, imports) first lock the ``space_units`` and ``parks`` tables, in that order
(``store.units.lock_for_bulk_write``). The unit's free area is re-read under its lock, so
concurrent approvals serialise and can never overbook it, and the database's ledger trigger
(migration 0006_lead) refuses any write that would. Every change writes an audit entry in the same
transaction, so the log has it exactly when the database does.

The automatic checks (whitelist, area, features, budget, timing) are matching's, evaluated by the
application service on today's data and passed in; this module knows only the workflow's rules.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from spacemap.i18n import Msg, Names, _
from spacemap.models import Application, SpaceUnit
from spacemap.store import applications as store
from spacemap.store import audit
from spacemap.store.audit import Actor
from spacemap.vocab import APPLICATION_STATUSES


class ReviewError(Exception):
    """A refused action; ``field`` names what was wrong (RFC 9457 problem ``field``)."""

    kind = "conflict"

    def __init__(self, message: Msg, field: str | None = None) -> None:
        super().__init__(message.render("en"))
        self.message, self.field = message, field


class NotFound(ReviewError):
    kind = "not_found"


class Forbidden(ReviewError):
    kind = "forbidden"


class Conflict(ReviewError):
    kind = "conflict"


def not_found(application_id: int) -> NotFound:
    """The same answer for a missing application and one the actor may not see (no probing)."""
    return NotFound(_("Application #%(id)d not found.", id=application_id))


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

ACTION_NAMES: dict[str, Msg] = {
    "approve": _("approve"),
    "reject": _("reject"),
    "request_info": _("ask for more information"),
    "respond": _("answer the request for information"),
    "withdraw": _("withdraw"),
}


def allowed_actions(actor: Actor, application: Any) -> list[str]:
    """What this actor may do to this application now (the buttons a page shows)."""
    return [
        name
        for name, rule in TRANSITIONS.items()
        if actor.role in rule.roles
        and application.status in rule.sources
        and (actor.role != "company" or application.company_id == actor.id)
    ]


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
        raise Forbidden(_("Only company accounts can apply."))
    unit = store.unit_by_code(session, unit_code)
    if unit is None:
        raise NotFound(_("Unit %(code)s not found.", code=unit_code), "unit_code")
    duplicate = store.open_duplicate(session, actor.id, unit.id)
    if duplicate is not None:
        raise Conflict(
            _("You already have open application #%(id)d for this unit.", id=duplicate),
            "unit_code",
        )
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
                checks=checks,
                checks_passed=all(c["passed"] for c in checks),
                status="pending",
                message=message,
            )
    except IntegrityError as exc:  # a concurrent duplicate won the race
        raise Conflict(
            _("You already have an open application for this unit."), "unit_code"
        ) from exc
    audit.record(session, actor, "application", app.id, "submit", after=_snapshot(app),
                 application_id=app.id, unit_id=unit.id, reason=message)  # fmt: skip
    return app


def _authorise(actor: Actor, app: Application, action: str) -> Transition:
    rule = TRANSITIONS[action]
    if actor.role == "company" and app.company_id != actor.id:
        raise not_found(app.id)
    if actor.role not in rule.roles:
        raise Forbidden(
            _("Your role may not %(action)s applications.", action=ACTION_NAMES[action])
        )
    if app.status not in rule.sources:
        raise Conflict(
            _(
                "The application is %(status)s; it cannot be changed by '%(action)s'.",
                status=status_name(app.status),
                action=ACTION_NAMES[action],
            ),
            "status",
        )
    return rule


def status_name(status: str) -> Names:
    return Names(*APPLICATION_STATUSES[status])


def decide(
    session: Session,
    actor: Actor,
    application_id: int,
    action: str,
    reason: str | None,
    checks: list[dict[str, Any]] | None = None,
    locked: Application | None = None,
) -> Application:
    """Apply one workflow action. ``checks`` (today's automatic checks) are required to approve.

    ``locked``: the application, already locked by a caller that locks several in id order."""
    if action not in TRANSITIONS:
        raise Conflict(_("Unknown action %(action)s.", action=action), "action")
    app = locked or store.lock(session, application_id)
    if app is None:
        raise not_found(application_id)
    rule = _authorise(actor, app, action)
    reason = (reason or "").strip() or None
    if rule.needs_reason and reason is None:
        raise Conflict(_("A reason is required to %(action)s.", action=ACTION_NAMES[action]),
                       "reason")  # fmt: skip
    before = _snapshot(app)
    values: dict[str, Any] = {}
    # The ledger (free + approved <= capacity) holds after every statement: an approval takes
    # the space before the status says approved; a withdrawal says so before it gives space back.
    if action == "approve":
        values = _take_space(session, actor, app, checks, reason)
    releases = action == "withdraw" and app.status == "approved"
    if actor.role == "reviewer":
        values.update(decision_reason=reason, decided_by=actor.id, decided=True,
                      whitelist_version=store.whitelist_version_for(session, app.id))  # fmt: skip
    else:
        values.update(message=reason)
    store.set_status(session, app, rule.target, **values)
    if releases:
        _free_space(session, actor, app, reason)
    audit.record(session, actor, "application", app.id, action, before=before,
                 after=_snapshot(app), reason=reason, application_id=app.id,
                 unit_id=app.unit_id)  # fmt: skip
    return app


def decide_many(
    session: Session,
    actor: Actor,
    decisions: Sequence[tuple[int, str, str | None, list[dict[str, Any]] | None]],
) -> list[Application]:
    """Several decisions in one transaction: applications locked in id order, then their units
    in id order, then each decided — the lock order every writer keeps."""
    ids = sorted(d[0] for d in decisions)
    locked = {a.id: a for a in store.lock_many(session, ids)}
    store.lock_units(session, sorted({a.unit_id for a in locked.values()}))
    out = []
    for application_id, action, reason, checks in sorted(decisions):
        if application_id not in locked:
            raise not_found(application_id)
        out.append(decide(session, actor, application_id, action, reason, checks,
                          locked=locked[application_id]))  # fmt: skip
    return out


def _take_space(
    session: Session,
    actor: Actor,
    app: Application,
    checks: list[dict[str, Any]] | None,
    reason: str | None,
) -> dict[str, Any]:
    if checks is None:
        raise Conflict(_("Today's automatic checks are required to approve."))
    failed = [c for c in checks if not c["passed"] and c["check"] != "area"]
    if failed:
        raise Conflict(
            _(
                "Automatic checks failed: %(checks)s",
                checks=" ".join(c["message"] for c in failed),
            ),
            failed[0]["check"],
        )

    def take(unit: SpaceUnit) -> float:
        if unit.available_m2 < app.requested_m2:
            raise Conflict(
                _(
                    "Only %(available)g m² free < %(requested)g m² requested.",
                    available=unit.available_m2,
                    requested=app.requested_m2,
                ),
                "requested_m2",
            )
        return unit.available_m2 - app.requested_m2

    _change_space(session, actor, app, "allocate", reason, take)
    return {"checks": checks}


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
