"""SQL for ``industries`` and ``industry_relations``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from spacemap.models import Industry, IndustryRelation
from spacemap.store.common import upsert


def upsert_industries(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    return upsert(session, Industry, rows, ["code"])


def upsert_relations(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    return upsert(session, IndustryRelation, rows, ["code_a", "code_b"])


def sector_codes(session: Session) -> set[str]:
    """Codes a company or park may carry (groups excluded)."""
    return set(session.scalars(select(Industry.code).where(Industry.is_group.is_(False))))
