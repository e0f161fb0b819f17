"""SQL for the planners' statistics page: floor space, occupancy, applications over time, time to
decision, and how placements sit with each area's whitelist.

One query per figure, each returning the rows the page charts and tabulates, so the page, its CSV
downloads and the tests' independent SQL compare like with like. Space figures come from the
space units (synthetic today, and flagged); placements are approved applications and the tenants
recorded in the parks.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

# Per area (and its zone): capacity, let, free, and the low-cost part, from the units.
FLOOR_SPACE = """
SELECT z.code AS zone, z.name_zh AS zone_name_zh, z.name_en AS zone_name_en,
       ar.code AS area, ar.name_zh, ar.name_en,
       count(u.id) AS units,
       COALESCE(sum(u.capacity_m2), 0) AS capacity_m2,
       COALESCE(sum(u.capacity_m2 - u.available_m2), 0) AS let_m2,
       COALESCE(sum(u.available_m2), 0) AS free_m2,
       COALESCE(sum(u.capacity_m2) FILTER (WHERE u.is_low_cost), 0) AS low_cost_m2,
       COALESCE(sum(u.available_m2) FILTER (WHERE u.is_low_cost), 0) AS low_cost_free_m2,
       COALESCE(bool_or(u.is_synthetic), false) AS synthetic
FROM areas ar JOIN zones z ON z.id = ar.zone_id
LEFT JOIN parks p ON p.area_id = ar.id LEFT JOIN space_units u ON u.park_id = p.id
GROUP BY z.code, z.name_zh, z.name_en, ar.code, ar.name_zh, ar.name_en
ORDER BY z.code, ar.code
"""

# Per area, from the parks' unit totals (kept by a trigger): cheap at any number of units.
AREA_SPACE = """
SELECT ar.code AS area, z.name_zh AS zone_name_zh, z.name_en AS zone_name_en,
       COALESCE(sum(p.units_capacity_m2), 0) AS capacity_m2,
       COALESCE(sum(p.units_available_m2), 0) AS available_m2,
       EXISTS (SELECT 1 FROM space_units u JOIN parks q ON q.id = u.park_id
               WHERE q.area_id = ar.id AND u.is_synthetic) AS units_synthetic
FROM areas ar JOIN zones z ON z.id = ar.zone_id LEFT JOIN parks p ON p.area_id = ar.id
GROUP BY ar.id, ar.code, z.name_zh, z.name_en
ORDER BY ar.code
"""

# Applications filed and decided per calendar month (Asia/Shanghai, the bureau's calendar).
APPLICATIONS_BY_MONTH = """
WITH filed AS (
  SELECT date_trunc('month', created_at AT TIME ZONE 'Asia/Shanghai')::date AS month,
         count(*) AS filed
  FROM applications GROUP BY 1
), decided AS (
  SELECT date_trunc('month', decided_at AT TIME ZONE 'Asia/Shanghai')::date AS month,
         count(*) FILTER (WHERE status = 'approved') AS approved,
         count(*) FILTER (WHERE status = 'rejected') AS rejected
  FROM applications WHERE decided_at IS NOT NULL GROUP BY 1
)
SELECT COALESCE(f.month, d.month) AS month, COALESCE(f.filed, 0) AS filed,
       COALESCE(d.approved, 0) AS approved, COALESCE(d.rejected, 0) AS rejected
FROM filed f FULL JOIN decided d ON d.month = f.month
ORDER BY 1
"""

# Days from filing to the final decision (approved or rejected), per month of decision.
TIME_TO_DECISION = """
SELECT date_trunc('month', decided_at AT TIME ZONE 'Asia/Shanghai')::date AS month,
       count(*) AS decided,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS median_days,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY days) AS p90_days,
       max(days) AS max_days
FROM (SELECT decided_at, extract(epoch FROM decided_at - created_at) / 86400.0 AS days
      FROM applications
      WHERE decided_at IS NOT NULL AND status IN ('approved', 'rejected')) d
GROUP BY 1 ORDER BY 1
"""

# Per area: placements (approved applications; tenants in place) and how many of them are in a
# sector on the area's whitelist in force (spacemap_whitelist, the rule the bureau enforces).
WHITELIST_FIT = """
WITH placed AS (
  SELECT p.area_id, 'approved' AS kind, a.industry_code
  FROM applications a JOIN space_units u ON u.id = a.unit_id JOIN parks p ON p.id = u.park_id
  WHERE a.status = 'approved'
  UNION ALL
  SELECT p.area_id, 'tenant', t.industry_code
  FROM tenants t JOIN parks p ON p.id = t.park_id
)
SELECT ar.code AS area, ar.name_zh, ar.name_en,
       count(*) FILTER (WHERE pl.kind = 'approved') AS approved,
       count(*) FILTER (WHERE pl.kind = 'approved' AND w.industry_code IS NOT NULL)
         AS approved_on_list,
       count(*) FILTER (WHERE pl.kind = 'tenant') AS tenants,
       count(*) FILTER (WHERE pl.kind = 'tenant' AND w.industry_code IS NOT NULL)
         AS tenants_on_list
FROM areas ar
LEFT JOIN placed pl ON pl.area_id = ar.id
LEFT JOIN spacemap_whitelist() w ON w.area_id = ar.id AND w.industry_code = pl.industry_code
GROUP BY ar.code, ar.name_zh, ar.name_en
ORDER BY ar.code
"""

# What the dataset documents of incubation space (the measurable side of the plans' targets).
DOCUMENTED_INCUBATION = """
SELECT count(*) AS carriers,
       COALESCE(sum(COALESCE(low_cost_area_m2, floor_area_m2)), 0) AS documented_m2,
       count(*) FILTER (WHERE space_is_estimate) AS estimated
FROM parks WHERE park_type IN ('incubator', 'accelerator', 'maker_space')
"""


def _rows(session: Session, sql: str) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in session.execute(text(sql))]


def area_space(session: Session) -> list[dict[str, Any]]:
    return _rows(session, AREA_SPACE)


def floor_space(session: Session) -> list[dict[str, Any]]:
    return _rows(session, FLOOR_SPACE)


def applications_by_month(session: Session) -> list[dict[str, Any]]:
    return _rows(session, APPLICATIONS_BY_MONTH)


def time_to_decision(session: Session) -> list[dict[str, Any]]:
    return _rows(session, TIME_TO_DECISION)


def whitelist_fit(session: Session) -> list[dict[str, Any]]:
    return _rows(session, WHITELIST_FIT)


def documented_incubation(session: Session) -> dict[str, Any]:
    return dict(session.execute(text(DOCUMENTED_INCUBATION)).one()._mapping)
