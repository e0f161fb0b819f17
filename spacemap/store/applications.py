"""SQL for ``applications`` and the row locks the review workflow takes on units."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from spacemap.models import Application, SpaceUnit
from spacemap.vocab import OPEN_STATUSES


@dataclass(frozen=True)
class QueueFilter:
    area: str | None = None
    industry: str | None = None
    status: str | None = None
    min_age_days: float | None = None
    company_id: int | None = None
    limit: int = 100
    offset: int = 0


QUEUE = """
SELECT a.id, a.company_id, a.company_name, a.profile, a.industry_code, a.requested_m2, a.score,
       a.model, a.checks AS checks_at_filing, a.checks_passed AS passed_at_filing, a.status,
       a.message, a.decision_reason, a.created_at, a.updated_at, a.decided_at,
       a.whitelist_version,
       d.username AS decided_by_name, u.id AS unit_id, u.code AS unit_code, u.available_m2,
       u.capacity_m2, u.is_synthetic, u.rent_cny_m2_month, p.id AS park_id, p.code AS park_code,
       p.name_zh AS park_name_zh, p.name_en AS park_name_en, p.park_type,
       p.units_capacity_m2 AS park_capacity_m2, p.units_available_m2 AS park_available_m2,
       ar.id AS area_id, ar.code AS area_code, ar.name_zh AS area_name_zh,
       ar.name_en AS area_name_en, z.code AS zone_code,
       extract(epoch FROM now() - a.created_at) / 86400 AS age_days,
       count(*) OVER () AS total
FROM applications a JOIN space_units u ON u.id = a.unit_id JOIN parks p ON p.id = u.park_id
JOIN areas ar ON ar.id = p.area_id JOIN zones z ON z.id = ar.zone_id
LEFT JOIN users d ON d.id = a.decided_by
WHERE (CAST(:area AS text) IS NULL OR ar.code = :area)
  AND (CAST(:industry AS text) IS NULL OR a.industry_code = :industry)
  AND (CAST(:status AS text) IS NULL OR a.status = :status
       OR (:status = 'open' AND a.status IN ('pending', 'needs_info')))
  AND (CAST(:min_age AS float) IS NULL
       OR a.created_at <= now() - make_interval(secs => CAST(:min_age AS float) * 86400))
  AND (CAST(:company AS int) IS NULL OR a.company_id = :company)
  AND (CAST(:ids AS int[]) IS NULL OR a.id = ANY(CAST(:ids AS int[])))
ORDER BY a.created_at, a.id
LIMIT :limit OFFSET :offset
"""


def queue(session: Session, f: QueueFilter, ids: list[int] | None = None) -> list[dict[str, Any]]:
    rows = session.execute(
        text(QUEUE),
        {
            "area": f.area,
            "industry": f.industry,
            "status": f.status,
            "min_age": f.min_age_days,
            "company": f.company_id,
            "ids": ids,
            "limit": f.limit,
            "offset": f.offset,
        },
    )
    return [dict(r._mapping) for r in rows]


def get_row(session: Session, application_id: int) -> dict[str, Any] | None:
    rows = queue(session, QueueFilter(limit=1), ids=[application_id])
    return rows[0] if rows else None


def insert(session: Session, **values: Any) -> Application:
    application = Application(**values)
    session.add(application)
    session.flush()
    return application


def open_duplicate(session: Session, company_id: int, unit_id: int) -> int | None:
    return session.scalar(
        select(Application.id).where(
            Application.company_id == company_id,
            Application.unit_id == unit_id,
            Application.status.in_(OPEN_STATUSES),
        )
    )


def lock(session: Session, application_id: int) -> Application | None:
    """The application row, locked until commit: two reviewers cannot decide it at once."""
    return session.scalars(
        select(Application).where(Application.id == application_id).with_for_update()
    ).first()


def set_status(
    session: Session, application: Application, status: str, decided: bool = False, **values: Any
) -> None:
    if decided:
        values["decided_at"] = func.now()
    session.execute(
        update(Application)
        .where(Application.id == application.id)
        .values(status=status, updated_at=func.now(), **values)
    )
    session.refresh(application)


def unit_by_code(session: Session, code: str) -> SpaceUnit | None:
    return session.scalars(select(SpaceUnit).where(SpaceUnit.code == code)).first()


def lock_unit(session: Session, unit_id: int) -> SpaceUnit:
    """The unit row, locked until commit: every change of its available area is serialised."""
    return session.scalars(select(SpaceUnit).where(SpaceUnit.id == unit_id).with_for_update()).one()


def lock_units(session: Session, unit_ids: list[int]) -> None:
    """Lock several units in id order (after their applications: the one lock order)."""
    session.execute(
        select(SpaceUnit.id).where(SpaceUnit.id.in_(unit_ids)).order_by(SpaceUnit.id)
        .with_for_update()
    )  # fmt: skip


def set_available(session: Session, unit_id: int, available_m2: float) -> None:
    session.execute(
        update(SpaceUnit).where(SpaceUnit.id == unit_id).values(available_m2=available_m2)
    )


# Applications that bear on others: those still open or approved on the same units, and every
# open or approved application of the same companies (conflicts, placements).
RELATED = """
SELECT a.id, a.company_id, a.company_name, a.unit_id, u.code AS unit_code, a.requested_m2,
       a.status, a.created_at, u.available_m2 AS unit_available_m2, p.name_zh AS park_name_zh,
       p.name_en AS park_name_en
FROM applications a JOIN space_units u ON u.id = a.unit_id JOIN parks p ON p.id = u.park_id
WHERE a.status IN ('pending', 'needs_info', 'approved')
  AND (a.unit_id = ANY(:units) OR a.company_id = ANY(:companies))
ORDER BY a.created_at, a.id
"""


def related(session: Session, unit_ids: list[int], company_ids: list[int]) -> list[dict[str, Any]]:
    rows = session.execute(text(RELATED), {"units": unit_ids, "companies": company_ids})
    return [dict(r._mapping) for r in rows]


# Pending applications, with what the batch allocation needs (checks are evaluated by the caller).
PENDING = """
SELECT a.id, a.company_id, a.company_name, a.unit_id, u.code AS unit_code, a.score,
       a.requested_m2, a.profile, p.name_zh AS park_name_zh, p.name_en AS park_name_en,
       ar.code AS area_code,
       COALESCE((a.profile -> 'flags' ->> 'national_high_tech')::boolean, false) AS high_tech,
       EXISTS (SELECT 1 FROM spacemap_whitelist() w WHERE w.area_id = p.area_id AND w.is_lead
                 AND w.industry_code = a.industry_code) AS lead
FROM applications a JOIN space_units u ON u.id = a.unit_id JOIN parks p ON p.id = u.park_id
JOIN areas ar ON ar.id = p.area_id
WHERE a.status = 'pending'
ORDER BY a.id
"""


def pending(session: Session) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in session.execute(text(PENDING))]


def lock_many(session: Session, ids: list[int]) -> list[Application]:
    """Lock several applications in id order, the order every writer takes them in."""
    return list(
        session.scalars(
            select(Application)
            .where(Application.id.in_(ids))
            .order_by(Application.id)
            .with_for_update()
        )
    )


def whitelist_version_for(session: Session, application_id: int) -> int:
    """The version of the application's area's whitelist in force today (see migration 0009)."""
    return int(
        session.execute(
            text(
                "SELECT spacemap_whitelist_version(p.area_id) FROM applications a "
                "JOIN space_units u ON u.id = a.unit_id JOIN parks p ON p.id = u.park_id "
                "WHERE a.id = :id"
            ),
            {"id": application_id},
        ).scalar_one()
    )
