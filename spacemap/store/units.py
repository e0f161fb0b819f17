"""SQL for ``space_units``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from spacemap.models import Application, SpaceUnit
from spacemap.store.common import id_map, upsert


def upsert_units(session: Session, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    upsert(session, SpaceUnit, rows, ["code"])
    return id_map(session, SpaceUnit, "code")


def unit_codes(session: Session) -> set[str]:
    return set(id_map(session, SpaceUnit, "code"))


def codes_with_approvals(session: Session) -> set[str]:
    return set(
        session.scalars(
            text(
                "SELECT DISTINCT u.code FROM space_units u JOIN applications a "
                "ON a.unit_id = u.id WHERE a.status = 'approved'"
            )
        )
    )


def available_by_code(session: Session, codes: set[str]) -> dict[str, float]:
    rows = session.execute(
        select(SpaceUnit.code, SpaceUnit.available_m2).where(SpaceUnit.code.in_(list(codes)))
    )
    return {code: float(available) for code, available in rows}


def delete_synthetic_except(session: Session, keep_codes: set[str]) -> int:
    """Drop generated units a newer dataset no longer has; imported real units are kept, and so
    are units someone has applied for (the applications and the audit log refer to them)."""
    synthetic = session.scalars(
        select(SpaceUnit.code).where(
            SpaceUnit.is_synthetic.is_(True),
            ~SpaceUnit.id.in_(select(Application.unit_id)),
        )
    )
    stale = [c for c in synthetic if c not in keep_codes]
    if stale:
        session.execute(delete(SpaceUnit).where(SpaceUnit.code.in_(stale)))
    return len(stale)


def capacity_by_park(session: Session) -> dict[str, float]:
    rows = session.execute(
        text(
            "SELECT p.code, COALESCE(SUM(u.capacity_m2), 0) FROM parks p "
            "LEFT JOIN space_units u ON u.park_id = p.id GROUP BY p.code"
        )
    )
    return {code: float(total) for code, total in rows}


def unit_points(session: Session, codes: list[str]) -> dict[str, tuple[float, float]]:
    """Unit code → (lng, lat) for just these units (a map of a few, not a scan of all)."""
    rows = session.execute(
        text("SELECT code, ST_X(geom), ST_Y(geom) FROM space_units WHERE code = ANY(:codes)"),
        {"codes": list(codes)},
    )
    return {code: (float(x), float(y)) for code, x, y in rows}


def unit_markers(session: Session) -> list[tuple[str, float, float, float, bool]]:
    """(code, lng, lat, available m², synthetic?) of every unit, ordered by id: what a map
    marker needs and nothing more."""
    rows = session.execute(
        text(
            "SELECT code, ST_X(geom), ST_Y(geom), available_m2, is_synthetic "
            "FROM space_units ORDER BY id"
        )
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]
