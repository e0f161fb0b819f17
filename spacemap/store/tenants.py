"""SQL for ``tenants``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from spacemap.models import Tenant
from spacemap.store.common import upsert


def upsert_tenants(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    return upsert(session, Tenant, rows, ["name"])


def delete_synthetic_except(session: Session, keep_names: set[str]) -> int:
    names = session.scalars(select(Tenant.name).where(Tenant.is_synthetic.is_(True))).all()
    stale = [n for n in names if n not in keep_names]
    if stale:
        session.execute(delete(Tenant).where(Tenant.name.in_(stale)))
    return len(stale)
