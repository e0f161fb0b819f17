"""All SQL matching runs, in one place.

``CANDIDATES`` is the hot path: one round trip returns every feasible unit with the columns and
spatial features the ranker needs. Hard constraints are evaluated in the database, so an infeasible
unit can never reach the ranker; ``NEAR_MISSES`` evaluates the same constraints the other way round
and returns the closest failures with every check's outcome, so each can be explained.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import text
from sqlalchemy.orm import Session

from matching.policy import BORDER_CROSSINGS, SUBSIDY_CAP, SUBSIDY_LEAD_INDUSTRY

# Per area: the first of the company's sectors on its whitelist, and whether it is a lead sector.
_AREA_FIT = """
area_fit AS (
  SELECT a.id AS area_id, a.code AS area_code, z.code AS zone_code,
         (SELECT w.industry_code FROM area_whitelist w
           WHERE w.area_id = a.id AND w.industry_code = ANY(:industries)
           ORDER BY array_position(CAST(:industries AS varchar[]), w.industry_code) LIMIT 1)
           AS matched_industry,
         EXISTS (SELECT 1 FROM area_whitelist w WHERE w.area_id = a.id AND w.is_lead
                   AND w.industry_code = ANY(:industries)) AS is_lead
  FROM areas a JOIN zones z ON z.id = a.zone_id
)"""

# A park with its own whitelist admits only those sectors.
_PARK_OK = """
  (NOT EXISTS (SELECT 1 FROM park_industries pi WHERE pi.park_id = p.id AND pi.is_whitelist)
   OR EXISTS (SELECT 1 FROM park_industries pi WHERE pi.park_id = p.id AND pi.is_whitelist
                AND pi.industry_code = ANY(:industries)))"""

SUBSIDY_SQL = (
    f"CASE WHEN u.is_low_cost THEN LEAST({SUBSIDY_CAP}, "
    f"{SUBSIDY_LEAD_INDUSTRY} * af.is_lead::int + :status_bonus) ELSE 0 END"
)

# ``:as_of_placement`` evaluates a historical placement: the unit's whole capacity counts as free.
_CHECKS = f"""
  (af.matched_industry IS NOT NULL AND {_PARK_OK}) AS whitelist_ok,
  (CASE WHEN :as_of_placement THEN u.capacity_m2 ELSE u.available_m2 END) >= :min_area AS area_ok,
  u.features @> CAST(:required AS varchar[]) AS features_ok,
  u.rent_cny_m2_month * (1 - {SUBSIDY_SQL}) <= :budget AS rent_ok,
  (:as_of_placement OR (u.available_m2 > 0 AND
     (CAST(:move_in_by AS date) IS NULL OR u.available_from <= CAST(:move_in_by AS date))))
     AS available_ok"""

_UNIT_COLUMNS = f"""
  u.id AS unit_id, u.code AS unit_code, u.park_id, p.code AS park_code, p.name_zh AS park_name_zh,
  p.name_en AS park_name_en, p.park_type, af.area_code, af.zone_code, af.matched_industry,
  af.is_lead, u.capacity_m2,
  CASE WHEN :as_of_placement THEN u.capacity_m2 ELSE u.available_m2 END AS available_m2,
  u.rent_cny_m2_month, u.is_low_cost, u.features, u.available_from, {SUBSIDY_SQL} AS subsidy_rate,
  u.is_estimate, u.is_synthetic, p.location_error_m, u.geom,
  EXISTS (SELECT 1 FROM park_industries pi WHERE pi.park_id = p.id
            AND pi.industry_code = :industry) AS focus_exact,
  EXISTS (SELECT 1 FROM park_industries pi WHERE pi.park_id = p.id
            AND pi.industry_code = ANY(CAST(:related AS varchar[]))) AS focus_related"""

CANDIDATES = f"""
WITH {_AREA_FIT},
feasible AS (
  SELECT {_UNIT_COLUMNS}
  FROM space_units u JOIN parks p ON p.id = u.park_id JOIN area_fit af ON af.area_id = p.area_id
  WHERE af.matched_industry IS NOT NULL AND {_PARK_OK}
    AND (CASE WHEN :as_of_placement THEN u.capacity_m2 ELSE u.available_m2 END) >= :min_area
    AND u.features @> CAST(:required AS varchar[])
    AND u.rent_cny_m2_month * (1 - {SUBSIDY_SQL}) <= :budget
    AND (:as_of_placement OR (u.available_m2 > 0 AND (CAST(:move_in_by AS date) IS NULL
         OR u.available_from <= CAST(:move_in_by AS date))))
),
locations AS (SELECT DISTINCT geom FROM feasible),
peers AS (  -- where firms of the company's sector already are
  SELECT COALESCE(tu.geom, tp.geom)::geography AS g
  FROM tenants t JOIN parks tp ON tp.id = t.park_id LEFT JOIN space_units tu ON tu.id = t.unit_id
  WHERE t.industry_code = :industry
),
crossings AS (SELECT geom FROM stations WHERE name_zh = ANY(CAST(:crossings AS varchar[]))),
context AS (
  SELECT l.geom,
    (SELECT ST_Distance(s.geom::geography, l.geom::geography) FROM stations s
      ORDER BY s.geom <-> l.geom LIMIT 1) AS metro_m,
    (SELECT min(ST_Distance(c.geom::geography, l.geom::geography)) FROM crossings c) AS border_m,
    (SELECT count(*) FROM peers WHERE ST_DWithin(peers.g, l.geom::geography, 500)) AS peers_500m,
    (SELECT count(*) FROM peers WHERE ST_DWithin(peers.g, l.geom::geography, 1000)) AS peers_1km
  FROM locations l
),
occupancy AS (
  SELECT park_id, 1 - sum(available_m2) / sum(capacity_m2) AS park_occupancy
  FROM space_units WHERE park_id IN (SELECT DISTINCT park_id FROM feasible) GROUP BY park_id
)
SELECT f.*, ST_X(f.geom) AS lng, ST_Y(f.geom) AS lat, c.metro_m, c.border_m, c.peers_500m,
       c.peers_1km, o.park_occupancy
FROM feasible f JOIN context c ON c.geom = f.geom JOIN occupancy o ON o.park_id = f.park_id
ORDER BY f.unit_id
"""

NEAR_MISSES = f"""
WITH {_AREA_FIT},
checked AS (
  SELECT u.id AS unit_id, u.code AS unit_code, p.code AS park_code, p.name_zh AS park_name_zh,
         p.name_en AS park_name_en, af.area_code, u.available_m2, u.rent_cny_m2_month,
         u.rent_cny_m2_month * (1 - {SUBSIDY_SQL}) AS effective_rent, u.features,
         u.available_from, ST_X(u.geom) AS lng, ST_Y(u.geom) AS lat, {_CHECKS}
  FROM space_units u JOIN parks p ON p.id = u.park_id JOIN area_fit af ON af.area_id = p.area_id
)
SELECT *, (NOT whitelist_ok)::int + (NOT area_ok)::int + (NOT features_ok)::int
          + (NOT rent_ok)::int + (NOT available_ok)::int AS failed
FROM checked
WHERE NOT (whitelist_ok AND area_ok AND features_ok AND rent_ok AND available_ok)
ORDER BY failed,
         GREATEST(0, :min_area - available_m2) / :min_area
           + GREATEST(0, effective_rent - :budget) / :budget,
         unit_id
LIMIT :limit
"""

RELATED = """
SELECT code_b FROM industry_relations WHERE code_a = :industry
UNION SELECT code_a FROM industry_relations WHERE code_b = :industry
"""


def candidate_params(
    profile: Any, status_bonus: float, related: list[str], as_of_placement: bool
) -> dict:
    return {
        "industries": profile.industries,
        "industry": profile.industry,
        "related": related,
        "min_area": float(profile.min_area_m2),
        "required": sorted(profile.required_features),
        "budget": float(profile.max_rent_cny_m2_month),
        "move_in_by": profile.move_in_by,
        "status_bonus": status_bonus,
        "as_of_placement": as_of_placement,
        "crossings": list(BORDER_CROSSINGS),
    }


def related_industries(session: Session, industry: str) -> list[str]:
    return sorted(session.scalars(text(RELATED), {"industry": industry}))


def fetch_candidates(session: Session, params: dict) -> pd.DataFrame:
    result = session.execute(text(CANDIDATES), params)
    frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    return frame.drop(columns=["geom"])


def fetch_near_misses(session: Session, params: dict, limit: int) -> pd.DataFrame:
    result = session.execute(text(NEAR_MISSES), {**params, "limit": limit})
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))
