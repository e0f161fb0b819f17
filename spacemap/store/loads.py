"""SQL for ``dataset_loads``."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from spacemap.models import DatasetLoad


def record_load(session: Session, sha256: str, counts: dict[str, int]) -> None:
    session.add(DatasetLoad(dataset_sha256=sha256, counts=counts))


def last_loaded_sha256(session: Session) -> str | None:
    return session.scalars(
        select(DatasetLoad.dataset_sha256).order_by(DatasetLoad.id.desc()).limit(1)
    ).first()
