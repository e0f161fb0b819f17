"""SQL for the planners' statistics: space per zone and area, and by industry.

The plans' indicators (targets and actuals, and what the service can measure of them) are in
``spacemap.store.indicators``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

# Per area: parks and units, capacity, available and occupied m² (capacity − available); the
# area's zone is that of its main part, ``zones`` every zone its parts lie in.
AREAS = """
SELECT z.code AS zone, z.name_zh AS zone_name_zh, z.name_en AS zone_name_en,
       ar.code AS area, ar.name_zh, ar.name_en,
       (SELECT array_agg(DISTINCT pz.code ORDER BY pz.code) FROM area_parts ap
         JOIN zones pz ON pz.id = ap.zone_id WHERE ap.area_id = ar.id) AS zones,
       count(DISTINCT p.id) AS parks, count(u.id) AS units,
       COALESCE(sum(u.capacity_m2), 0) AS capacity_m2,
       COALESCE(sum(u.available_m2), 0) AS available_m2,
       COALESCE(bool_or(u.is_synthetic), false) AS units_synthetic
FROM areas ar JOIN zones z ON z.id = ar.zone_id
LEFT JOIN parks p ON p.area_id = ar.id LEFT JOIN space_units u ON u.park_id = p.id
GROUP BY z.code, z.name_zh, z.name_en, ar.id, ar.code, ar.name_zh, ar.name_en
ORDER BY z.code, ar.code
"""

# Per area and sector: tenants in place (and their floor space), and approved applications.
BY_INDUSTRY = """
WITH tenant_rows AS (
  SELECT ar.code AS area, t.industry_code, count(*) AS tenants,
         count(*) FILTER (WHERE t.is_legacy) AS legacy_tenants,
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
       COALESCE(t.legacy_tenants, 0) AS legacy_tenants,
       COALESCE(t.tenant_m2, 0) AS tenant_m2, COALESCE(t.synthetic, false) AS tenants_synthetic,
       COALESCE(ap.approvals, 0) AS approvals, COALESCE(ap.m2, 0) AS approved_m2
FROM tenant_rows t FULL JOIN approved ap ON ap.area = t.area AND ap.industry_code = t.industry_code
JOIN industries i ON i.code = COALESCE(t.industry_code, ap.industry_code)
ORDER BY 1, 2
"""


def areas(session: Session) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in session.execute(text(AREAS))]


def by_industry(session: Session) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in session.execute(text(BY_INDUSTRY))]
