"""SQL for ``whitelist_changes`` and the lists in force (the rule functions of migration 0009)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from spacemap.models import WhitelistChange

IN_FORCE = """
SELECT w.industry_code, i.name_zh, i.name_en, w.is_lead, w.source
FROM areas a JOIN spacemap_whitelist(CAST(:on AS date)) w ON w.area_id = a.id
JOIN industries i ON i.code = w.industry_code
WHERE a.code = :area ORDER BY NOT w.is_lead, w.industry_code
"""

HISTORY = """
SELECT c.id, c.industry_code, i.name_zh, i.name_en, c.action, c.is_lead, c.reason, c.citation,
       c.effective_from, c.created_at, u.username AS created_by,
       c.effective_from <= current_date AS in_force
FROM whitelist_changes c JOIN areas a ON a.id = c.area_id
JOIN industries i ON i.code = c.industry_code JOIN users u ON u.id = c.created_by
WHERE a.code = :area ORDER BY c.effective_from DESC, c.id DESC
"""

# Open applications a change of (area, sector) bears on: filed for a unit in the area by a
# company of that sector (its own or a secondary one).
AFFECTED = """
SELECT a.id, a.unit_id FROM applications a JOIN space_units u ON u.id = a.unit_id
JOIN parks p ON p.id = u.park_id
WHERE p.area_id = :area_id AND a.status IN ('pending', 'needs_info')
  AND (a.industry_code = :sector OR a.profile -> 'secondary_industries' ? :sector)
ORDER BY a.id
"""


def in_force(session: Session, area_code: str, on: dt.date | None = None) -> list[dict[str, Any]]:
    """An area's 正面清单 in force on ``on`` (default today): sector, lead or not, its citation."""
    rows = session.execute(text(IN_FORCE), {"area": area_code, "on": on or dt.date.today()})
    return [dict(r._mapping) for r in rows]


def history(session: Session, area_code: str) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in session.execute(text(HISTORY), {"area": area_code})]


def admits(session: Session, area_id: int, sector: str, on: dt.date) -> bool:
    return bool(
        session.execute(
            text("SELECT spacemap_area_admits(:a, CAST(:s AS varchar), :on)"),
            {"a": area_id, "s": sector, "on": on},
        ).scalar_one()
    )


def version(session: Session, area_id: int, on: dt.date | None = None) -> int:
    return int(
        session.execute(
            text("SELECT spacemap_whitelist_version(:a, CAST(:on AS date))"),
            {"a": area_id, "on": on or dt.date.today()},
        ).scalar_one()
    )


def insert(session: Session, **values: Any) -> WhitelistChange:
    change = WhitelistChange(**values)
    session.add(change)
    session.flush()
    return change


def affected_open_applications(
    session: Session, area_id: int, sector: str
) -> list[tuple[int, int]]:
    rows = session.execute(text(AFFECTED), {"area_id": area_id, "sector": sector})
    return [(int(a), int(u)) for a, u in rows]
