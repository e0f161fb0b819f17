"""SQL for ``space_units``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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


def lock_for_bulk_write(session: Session) -> None:
    """Before a load or an import writes many units: take the unit and park tables (in the order
    every writer takes their rows: units, then parks), so a bulk write waits for approvals in
    flight and they wait for it, instead of deadlocking row by row (``spacemap.review``)."""
    session.execute(text("LOCK TABLE space_units, parks IN SHARE ROW EXCLUSIVE MODE"))


@dataclass(frozen=True)
class Reconciled:
    """A unit whose register figure could not be stored as given: the bureau approved space in
    it through spacemap that the register does not account for."""

    code: str
    register_m2: float
    approved_m2: float
    stored_m2: float


def approved_by_code(session: Session, codes: Sequence[str]) -> dict[str, float]:
    rows = session.execute(
        text(
            "SELECT u.code, sum(a.requested_m2) FROM space_units u JOIN applications a "
            "ON a.unit_id = u.id WHERE a.status = 'approved' AND u.code = ANY(:codes) "
            "GROUP BY u.code"
        ),
        {"codes": list(codes)},
    )
    return {code: float(total) for code, total in rows}


def reconcile_with_approvals(
    session: Session,
    rows: Sequence[dict[str, Any]],
    approved: Mapping[str, float] | None = None,
) -> list[Reconciled]:
    """Free area from a register (a load or an import) against what spacemap has approved.

    What is free can never exceed capacity minus the approved area (the ledger trigger refuses
    it): a register that does not know of our approvals is reduced to that, and each such unit
    is returned so the caller can audit what changed and why. A register that already counts
    them (free ≤ capacity − approved) is stored as it says. ``approved``: ``approved_by_code``
    for these rows, if the caller already has it (under the bulk-write lock it cannot change)."""
    if approved is None:
        approved = approved_by_code(session, [r["code"] for r in rows])
    out = []
    for row in rows:
        taken = approved.get(row["code"], 0.0)
        room = max(0.0, round(float(row["capacity_m2"]) - taken, 2))
        if taken and float(row["available_m2"]) > room:
            out.append(Reconciled(row["code"], float(row["available_m2"]), taken, room))
            row["available_m2"] = room
    return out


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
