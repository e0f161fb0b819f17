"""SQL for ``parks`` and ``park_industries``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from spacemap.models import Park, ParkIndustry
from spacemap.store.common import id_map, upsert


def upsert_parks(session: Session, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Upsert by name (what a register identifies a park by); returns code → id."""
    upsert(session, Park, rows, ["name_zh"])
    return id_map(session, Park, "code")


def park_keys(session: Session) -> dict[str, tuple[int, str]]:
    """Both a park's code and its Chinese name → (id, code), for resolving references."""
    out: dict[str, tuple[int, str]] = {}
    for pid, code, name in session.execute(select(Park.id, Park.code, Park.name_zh)):
        out[code] = (pid, code)
        out[name] = (pid, code)
    return out


def park_codes_by_name(session: Session) -> dict[str, str]:
    return {name: code for name, code in session.execute(select(Park.name_zh, Park.code))}


def replace_park_industries(
    session: Session, park_ids: Sequence[int], rows: Sequence[dict[str, Any]]
) -> int:
    """Set the focus sectors of the given parks to exactly ``rows``."""
    session.execute(delete(ParkIndustry).where(ParkIndustry.park_id.in_(list(park_ids))))
    return upsert(session, ParkIndustry, rows, ["park_id", "industry_code"])


def park_points(session: Session) -> tuple[list[float], list[float]]:
    rows = session.execute(select(func.ST_X(Park.geom), func.ST_Y(Park.geom))).all()
    return [r[0] for r in rows], [r[1] for r in rows]


def park_locations(session: Session) -> dict[int, tuple[object, bool]]:
    """Park id → (geometry, is that location an estimate?), for units placed at their park."""
    rows = session.execute(select(Park.id, Park.geom, Park.is_estimate))
    return {pid: (geom, est) for pid, geom, est in rows}


SEARCH = """
SELECT code, name_zh, name_en, park_type, ST_X(geom) AS lng, ST_Y(geom) AS lat
FROM parks, (SELECT lower(:q) AS q) s
WHERE lower(name_zh) LIKE '%' || s.q || '%' OR lower(name_en) LIKE '%' || s.q || '%'
   OR lower(code) LIKE '%' || s.q || '%' OR lower(COALESCE(operator, '')) LIKE '%' || s.q || '%'
ORDER BY (lower(name_zh) LIKE s.q || '%' OR lower(name_en) LIKE s.q || '%'
          OR lower(code) = s.q) DESC,
         least(NULLIF(strpos(lower(name_zh), s.q), 0), NULLIF(strpos(lower(name_en), s.q), 0))
           NULLS LAST, name_zh
LIMIT :limit
"""


def search(session: Session, query: str, limit: int = 8) -> list[dict[str, Any]]:
    """Parks whose Chinese or English name, code or operator contains ``query`` (any case),
    names that start with it first."""
    q = query.strip().replace("\\", "").replace("%", "").replace("_", "\\_")
    if not q:
        return []
    return [dict(r._mapping) for r in session.execute(text(SEARCH), {"q": q, "limit": limit})]
