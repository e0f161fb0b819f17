"""All SQL matching runs, in one place.

``CANDIDATES`` is the hot path: one round trip returns every feasible unit with the columns and
spatial features the ranker needs. Hard constraints are evaluated in the database, so an infeasible
unit can never reach the ranker; ``NEAR_MISSES`` evaluates the same constraints the other way round
and returns the closest failures with every check's outcome, so each can be explained.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree
from sqlalchemy import text
from sqlalchemy.orm import Session

from matching.policy import SUBSIDY_CAP, SUBSIDY_LEAD_INDUSTRY, status_bonus
from matching.profile import CompanyProfile

# Per area: the first of the company's sectors on its whitelist, and whether it is a lead sector.
_AREA_FIT = """
area_fit AS MATERIALIZED (
  SELECT a.id AS area_id, a.code AS area_code, z.code AS zone_code,
         (SELECT w.industry_code FROM area_whitelist w
           WHERE w.area_id = a.id AND w.industry_code = ANY(:industries)
           ORDER BY array_position(CAST(:industries AS varchar[]), w.industry_code) LIMIT 1)
           AS matched_industry,
         EXISTS (SELECT 1 FROM area_whitelist w WHERE w.area_id = a.id AND w.is_lead
                   AND w.industry_code = ANY(:industries)) AS is_lead
  FROM areas a JOIN zones z ON z.id = a.zone_id
)"""

# Per park, once (not per unit): its own whitelist (if it has one) and its focus sectors.
_PARK_FIT = """
park_fit AS MATERIALIZED (
  SELECT p.id AS park_id,
         (NOT bool_or(COALESCE(pi.is_whitelist, false))
          OR bool_or(pi.is_whitelist AND pi.industry_code = ANY(:industries))) AS park_ok,
         COALESCE(bool_or(pi.industry_code = :industry), false) AS focus_exact,
         COALESCE(bool_or(pi.industry_code = ANY(CAST(:related AS varchar[]))), false)
           AS focus_related
  FROM parks p LEFT JOIN park_industries pi ON pi.park_id = p.id
  GROUP BY p.id
)"""

SUBSIDY_SQL = (
    f"CASE WHEN u.is_low_cost THEN LEAST({SUBSIDY_CAP}, "
    f"{SUBSIDY_LEAD_INDUSTRY} * af.is_lead::int + :status_bonus) ELSE 0 END"
)

# ``:as_of_placement`` evaluates a historical placement: the unit's whole capacity counts as free.
_CHECKS = f"""
  (af.matched_industry IS NOT NULL AND pf.park_ok) AS whitelist_ok,
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
  u.is_estimate, u.is_synthetic, p.location_error_m, pf.focus_exact, pf.focus_related,
  ST_X(u.geom) AS lng, ST_Y(u.geom) AS lat, u.x_m, u.y_m, u.metro_m, u.border_m,
  1 - p.units_available_m2 / NULLIF(p.units_capacity_m2, 0) AS park_occupancy"""

# Distances (metro, border crossing, planar x/y) and park occupancy are columns kept by triggers
# (migration 0004): the query reads them instead of recomputing them per request.
CANDIDATES = f"""
WITH {_AREA_FIT}, {_PARK_FIT}
  SELECT {_UNIT_COLUMNS}
  FROM space_units u JOIN parks p ON p.id = u.park_id JOIN area_fit af ON af.area_id = p.area_id
  JOIN park_fit pf ON pf.park_id = p.id
  WHERE af.matched_industry IS NOT NULL AND pf.park_ok
    AND (CASE WHEN :as_of_placement THEN u.capacity_m2 ELSE u.available_m2 END) >= :min_area
    AND u.features @> CAST(:required AS varchar[])
    AND u.rent_cny_m2_month * (1 - {SUBSIDY_SQL}) <= :budget
    AND (:as_of_placement OR (u.available_m2 > 0 AND (CAST(:move_in_by AS date) IS NULL
         OR u.available_from <= CAST(:move_in_by AS date))))
  ORDER BY u.code
"""

# Every unit with the outcome of each hard check; NEAR_MISSES and UNIT_CHECKS select from it.
_CHECKED = f"""
WITH {_AREA_FIT}, {_PARK_FIT},
checked AS (
  SELECT u.id AS unit_id, u.code AS unit_code, p.code AS park_code, p.name_zh AS park_name_zh,
         p.name_en AS park_name_en, af.area_code, u.available_m2, u.rent_cny_m2_month,
         u.rent_cny_m2_month * (1 - {SUBSIDY_SQL}) AS effective_rent, u.features,
         u.available_from, ST_X(u.geom) AS lng, ST_Y(u.geom) AS lat, u.is_estimate,
         p.location_error_m, {_CHECKS}
  FROM space_units u JOIN parks p ON p.id = u.park_id JOIN area_fit af ON af.area_id = p.area_id
  JOIN park_fit pf ON pf.park_id = p.id
  WHERE CAST(:unit_code AS varchar) IS NULL OR u.code = CAST(:unit_code AS varchar)
)"""

NEAR_MISSES = f"""{_CHECKED}
SELECT *, (NOT whitelist_ok)::int + (NOT area_ok)::int + (NOT features_ok)::int
          + (NOT rent_ok)::int + (NOT available_ok)::int AS failed
FROM checked
WHERE NOT (whitelist_ok AND area_ok AND features_ok AND rent_ok AND available_ok)
ORDER BY failed,
         GREATEST(0, :min_area - available_m2) / :min_area
           + GREATEST(0, effective_rent - :budget) / :budget,
         unit_code
LIMIT :limit
"""

# One unit's checks, for an application (the unit the company chose, feasible or not).
UNIT_CHECKS = f"""{_CHECKED}
SELECT * FROM checked
"""

# Where firms of a sector already are, in metres (EPSG:4547), for the agglomeration counts.
PEERS = """
SELECT COALESCE(tu.x_m, ST_X(ST_Transform(tp.geom, 4547))) AS x_m,
       COALESCE(tu.y_m, ST_Y(ST_Transform(tp.geom, 4547))) AS y_m
FROM tenants t JOIN parks tp ON tp.id = t.park_id LEFT JOIN space_units tu ON tu.id = t.unit_id
WHERE t.industry_code = :industry
"""

# Companies already in units: the training placements (see training.py).
PLACEMENTS = """
SELECT t.id AS placement_id, t.name, t.industry_code, t.stage, t.headcount,
       COALESCE(t.occupied_m2, u.capacity_m2) AS occupied_m2, t.is_synthetic,
       u.id AS unit_id, u.rent_cny_m2_month, u.features, u.is_low_cost,
       p.park_type, a.code AS area_code
FROM tenants t JOIN space_units u ON u.id = t.unit_id JOIN parks p ON p.id = u.park_id
JOIN areas a ON a.id = p.area_id
WHERE t.status = 'in_unit'
ORDER BY t.name
"""

# Allocations the bureau approved, with the profile the company filed (see training.py).
APPROVALS = """
SELECT a.id AS placement_id, a.company_name AS name, a.profile, a.unit_id
FROM applications a WHERE a.status = 'approved'
ORDER BY a.id
"""

RELATED = """
SELECT code_b FROM industry_relations WHERE code_a = :industry
UNION SELECT code_a FROM industry_relations WHERE code_b = :industry
"""


def search_params(
    session: Session, profile: CompanyProfile, as_of_placement: bool = False
) -> dict[str, Any]:
    """The bind parameters of CANDIDATES, NEAR_MISSES and PEERS for one profile."""
    return {
        "industries": profile.industries,
        "industry": profile.industry,
        "related": related_industries(session, profile.industry),
        "min_area": float(profile.min_area_m2),
        "required": sorted(profile.required_features),
        "budget": float(profile.max_rent_cny_m2_month),
        "move_in_by": profile.move_in_by,
        "status_bonus": status_bonus(profile),
        "as_of_placement": as_of_placement,
    }


def related_industries(session: Session, industry: str) -> list[str]:
    return sorted(session.scalars(text(RELATED), {"industry": industry}))


def _frame(session: Session, sql: str, params: dict) -> pd.DataFrame:
    """Run ``sql`` on the session's connection and build the frame from the driver's plain
    tuples: for thousands of rows, SQLAlchemy's Row objects cost more than the query."""
    compiled = text(sql).compile(dialect=session.get_bind().dialect)
    cursor = session.connection().connection.cursor(binary=True)
    try:
        cursor.execute(compiled.string, compiled.construct_params(params))
        columns = [d.name for d in cursor.description]
        return pd.DataFrame.from_records(cursor.fetchall(), columns=columns)
    finally:
        cursor.close()


def fetch_candidates(session: Session, params: dict) -> pd.DataFrame:
    """Feasible units with their columns, distances and same-sector peer counts."""
    frame = _frame(session, CANDIDATES, params)
    peers = _frame(session, PEERS, params).to_numpy(dtype=float).reshape(-1, 2)
    here = frame[["x_m", "y_m"]].to_numpy(dtype=float)
    frame["peers_500m"], frame["peers_1km"] = count_within(here, peers, (500.0, 1000.0))
    return frame


def count_within(points: np.ndarray, others: np.ndarray, radii: tuple[float, ...]) -> list:
    """For each point, how many ``others`` lie within each radius (metres, planar EPSG:4547).

    A KD-tree radius query: O((n + m) log m), where a per-location SQL subquery was O(n × m).
    """
    if len(points) == 0 or len(others) == 0:
        return [np.zeros(len(points), dtype=int) for _ in radii]
    tree = cKDTree(others)
    return [tree.query_ball_point(points, r, return_length=True) for r in radii]


def fetch_near_misses(session: Session, params: dict, limit: int) -> pd.DataFrame:
    result = session.execute(text(NEAR_MISSES), {**params, "limit": limit, "unit_code": None})
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def fetch_unit_checks(session: Session, params: dict, unit_code: str) -> pd.Series | None:
    result = session.execute(text(UNIT_CHECKS), {**params, "unit_code": unit_code})
    rows = result.fetchall()
    return pd.Series(rows[0], index=list(result.keys())) if rows else None
