"""SQL for ``audit_log``: append and read. There is deliberately no update or delete here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from spacemap.models import AuditEntry


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, or the system (a CLI command run on the server)."""

    id: int | None
    username: str
    role: str
    company_name: str | None = None


SYSTEM = Actor(id=None, username="system", role="admin")


def record(
    session: Session,
    actor: Actor,
    entity: str,
    entity_id: object,
    action: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
    application_id: int | None = None,
    unit_id: int | None = None,
) -> None:
    session.add(
        AuditEntry(
            actor_id=actor.id,
            actor=actor.username,
            actor_role=actor.role,
            entity=entity,
            entity_id=str(entity_id),
            action=action,
            before=before,
            after=after,
            reason=reason,
            application_id=application_id,
            unit_id=unit_id,
        )
    )


def record_reconciled(
    session: Session, actor: Actor, change: Any, source: str, unit_ids: dict[str, int]
) -> None:
    """A unit's free area stored lower than its register said, because of approvals."""
    record(
        session, actor, "unit", change.code, "reconcile", unit_id=unit_ids[change.code],
        before={"register_available_m2": change.register_m2},
        after={"available_m2": change.stored_m2, "approved_m2": change.approved_m2},
        reason=f"{source}: register {change.register_m2:g} m² free − {change.approved_m2:g} m² "
        "approved through spacemap",
    )  # fmt: skip


def for_application(session: Session, application_id: int) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.application_id == application_id)
            .order_by(AuditEntry.id)
        )
    )


def for_unit(session: Session, unit_id: int) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.unit_id == unit_id).order_by(AuditEntry.id)
        )
    )
