"""SQL for ``proposals``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from spacemap.models import Proposal


def insert(session: Session, **values: Any) -> Proposal:
    proposal = Proposal(**values)
    session.add(proposal)
    session.flush()
    return proposal


def get(session: Session, proposal_id: int) -> Proposal | None:
    return session.get(Proposal, proposal_id)


def lock(session: Session, proposal_id: int) -> Proposal | None:
    return session.scalars(
        select(Proposal).where(Proposal.id == proposal_id).with_for_update()
    ).first()


def mark(session: Session, proposal: Proposal, status: str, user_id: int | None) -> None:
    session.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id)
        .values(status=status, decided_by=user_id, decided_at=func.now())
    )
    session.refresh(proposal)


def latest(session: Session, limit: int = 20) -> list[Proposal]:
    return list(session.scalars(select(Proposal).order_by(Proposal.id.desc()).limit(limit)))
