"""Helpers every table module uses: upsert by natural key, EWKT points, id lookups, counts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from spacemap.models import Base

_CHUNK = 2000  # rows per statement: stays well under PostgreSQL's 65,535 bind parameters


def point_ewkt(lng: float, lat: float) -> str:
    return f"SRID=4326;POINT({lng!r} {lat!r})"


def upsert(
    session: Session, model: type[Base], rows: Sequence[dict[str, Any]], key: list[str]
) -> int:
    """Insert rows, updating every given column of rows whose natural ``key`` already exists."""
    if not rows:
        return 0
    table = model.__table__
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        stmt = pg_insert(table).values(list(chunk))
        update = {name: stmt.excluded[name] for name in chunk[0] if name not in key}
        if update:
            stmt = stmt.on_conflict_do_update(index_elements=key, set_=update)
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=key)
        session.execute(stmt)
    return len(rows)


def id_map(session: Session, model: type[Base], key: str) -> dict[Any, int]:
    column = getattr(model, key)
    return {k: i for k, i in session.execute(select(column, model.id))}  # type: ignore[attr-defined]


def provenance_counts(session: Session, models: Iterable[type[Base]]) -> dict[str, dict[str, int]]:
    """Per table: rows, and how many are estimates or synthetic (the honesty summary)."""
    out: dict[str, dict[str, int]] = {}
    for model in models:
        rows, estimated, synthetic = session.execute(
            select(
                func.count(),
                func.count().filter(model.is_estimate),  # type: ignore[attr-defined]
                func.count().filter(model.is_synthetic),  # type: ignore[attr-defined]
            ).select_from(model)
        ).one()
        out[model.__tablename__] = {"rows": rows, "estimated": estimated, "synthetic": synthetic}
    return out
