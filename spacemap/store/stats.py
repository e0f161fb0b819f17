"""SQL for the planners' statistics: space per zone and area, by industry, against the plan."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

INCUBATION_TYPES = ("incubator", "accelerator", "maker_space")

# Per area: parks and units, capacity, available and occupied m² (capacity − available).
AREAS = """
SELECT z.code AS zone, z.name_zh AS zone_name_zh, z.name_en AS zone_name_en,
       ar.code AS area, ar.name_zh, ar.name_en,
       count(DISTINCT p.id) AS parks, count(u.id) AS units,
       COALESCE(sum(u.capacity_m2), 0) AS capacity_m2,
       COALESCE(sum(u.available_m2), 0) AS available_m2,
       COALESCE(bool_or(u.is_synthetic), false) AS units_synthetic
FROM areas ar JOIN zones z ON z.id = ar.zone_id
LEFT JOIN parks p ON p.area_id = ar.id LEFT JOIN space_units u ON u.park_id = p.id
GROUP BY z.code, z.name_zh, z.name_en, ar.code, ar.name_zh, ar.name_en
ORDER BY z.code, ar.code
"""

# Per area and sector: tenants in place (and their floor space), and approved applications.
BY_INDUSTRY = """
WITH tenant_rows AS (
  SELECT ar.code AS area, t.industry_code, count(*) AS tenants,
         COALESCE(sum(t.occupied_m2), 0) AS tenant_m2, bool_or(t.is_synthetic) AS synthetic
  FROM tenants t JOIN parks p ON p.id = t.park_id JOIN areas ar ON ar.id = p.area_id
  GROUP BY ar.code, t.industry_code
), approved AS (
  SELECT ar.code AS area, a.industry_code, count(*) AS approvals, sum(a.requested_m2) AS m2
  FROM applications a JOIN space_units u ON u.id = a.unit_id JOIN parks p ON p.id = u.park_id
  JOIN areas ar ON ar.id = p.area_id WHERE a.status = 'approved'
  GROUP BY ar.code, a.industry_code
)
SELECT COALESCE(t.area, ap.area) AS area, COALESCE(t.industry_code, ap.industry_code) AS industry,
       i.name_zh, i.name_en, COALESCE(t.tenants, 0) AS tenants,
       COALESCE(t.tenant_m2, 0) AS tenant_m2, COALESCE(t.synthetic, false) AS tenants_synthetic,
       COALESCE(ap.approvals, 0) AS approvals, COALESCE(ap.m2, 0) AS approved_m2
FROM tenant_rows t FULL JOIN approved ap ON ap.area = t.area AND ap.industry_code = t.industry_code
JOIN industries i ON i.code = COALESCE(t.industry_code, ap.industry_code)
ORDER BY 1, 2
"""

INCUBATION = """
SELECT count(*) AS carriers, count(floor_area_m2) + count(low_cost_area_m2)
         - count(floor_area_m2 * low_cost_area_m2) AS with_figures,
       COALESCE(sum(COALESCE(low_cost_area_m2, floor_area_m2)), 0) AS documented_m2
FROM parks WHERE park_type IN ('incubator', 'accelerator', 'maker_space')
"""


def areas(session: Session) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in session.execute(text(AREAS))]


def by_industry(session: Session) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in session.execute(text(BY_INDUSTRY))]


def incubation(session: Session) -> dict[str, Any]:
    return dict(session.execute(text(INCUBATION)).one()._mapping)
