"""All SQL matching runs, in one place.

``CANDIDATES`` is the hot path: one round trip returns every feasible unit with the columns and
spatial features the ranker needs. Hard constraints are evaluated in the database, so an infeasible
unit can never reach the ranker; ``NEAR_MISSES`` evaluates the same constraints the other way round
and returns the closest failures with every check's outcome, so each can be explained.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree
from sqlalchemy import text
from sqlalchemy.orm import Session

from matching.columns import Kind, fetch_columns
from matching.policy import SUBSIDY_CAP, SUBSIDY_LEAD_INDUSTRY, status_bonus
from matching.profile import CompanyProfile
from spacemap.vocab import PARK_TYPES

# Each hard rule is stated once, as SQL over a unit ``u`` and its park's facts ``pf``, and used by
# the candidate query (feasible units), the near misses and the checks of filed applications. The
# request's inputs are bind parameters for a search and columns for a set of applications (``r``):
# ``_rules`` takes the expression for each. The whitelist rule itself (the area's list in force and
# the park's own list) is the database's ``spacemap_admits`` (migration 0006_lead), which the
# OGC catalog's ``industry`` filter calls too, so the three cannot disagree.
CHECK_NAMES = ("whitelist", "area", "features", "rent", "available")


def _park_facts(r: Mapping[str, str], where: str = "") -> str:
    """Per park (not per unit): the first of the company's sectors the park admits, whether it
    is a lead sector of the area, the park's fields, and the low-cost subsidy it would carry."""
    return f"""
  SELECT p.id AS park_id, p.park_type, a.code AS area_code, z.code AS zone_code,
         adm.sector AS matched_industry, adm.sector IS NOT NULL AS whitelist_ok,
         COALESCE(ld.is_lead, false) AS is_lead,
         COALESCE(pl.focus_exact, false) AS focus_exact,
         COALESCE(pl.focus_related, false) AS focus_related,
         CAST(LEAST({SUBSIDY_CAP}, {SUBSIDY_LEAD_INDUSTRY} * COALESCE(ld.is_lead, false)::int
              + {r["status_bonus"]}) AS double precision) AS low_cost_subsidy,
         1 - p.units_available_m2 / NULLIF(p.units_capacity_m2, 0) AS park_occupancy
  FROM parks p JOIN areas a ON a.id = p.area_id JOIN zones z ON z.id = a.zone_id
  LEFT JOIN LATERAL (
    SELECT s.sector FROM unnest(CAST({r["industries"]} AS varchar[])) WITH ORDINALITY
      AS s(sector, i)
    WHERE spacemap_admits(p.id, s.sector) ORDER BY s.i LIMIT 1) adm ON true
  LEFT JOIN LATERAL (
    SELECT bool_or(spacemap_area_leads(p.area_id, s)) AS is_lead
    FROM unnest(CAST({r["industries"]} AS varchar[])) s) ld ON true
  LEFT JOIN LATERAL (
    SELECT bool_or(pi.industry_code = {r["industry"]}) AS focus_exact,
           bool_or(pi.industry_code IN (
             SELECT code_b FROM industry_relations WHERE code_a = {r["industry"]}
             UNION SELECT code_a FROM industry_relations WHERE code_b = {r["industry"]}))
             AS focus_related
    FROM park_industries pi WHERE pi.park_id = p.id) pl ON true
  {where}"""


def _rules(r: Mapping[str, str]) -> dict[str, str]:
    """Each hard rule as a boolean SQL expression (``as_of_placement``: a historical placement,
    judged with the unit's whole capacity free and no move-in date)."""
    free = f"(CASE WHEN {r['as_of_placement']} THEN u.capacity_m2 ELSE u.available_m2 END)"
    return {
        "whitelist": "pf.whitelist_ok",
        "area": f"{free} >= {r['min_area']}",
        "features": f"u.features @> CAST({r['required']} AS varchar[])",
        "rent": f"u.rent_cny_m2_month * (1 - {SUBSIDY_SQL}) <= {r['budget']}",
        "available": f"({r['as_of_placement']} OR (u.available_m2 > 0 AND "
        f"(CAST({r['move_in_by']} AS date) IS NULL "
        f"OR u.available_from <= CAST({r['move_in_by']} AS date))))",
    }


SUBSIDY_SQL = "CASE WHEN u.is_low_cost THEN pf.low_cost_subsidy ELSE 0 END"

# A search: the request is one profile's bind parameters (``search_params``).
_SEARCH = {
    name: f":{name}"
    for name in ("industries", "industry", "status_bonus", "min_area", "required", "budget",
                 "move_in_by", "as_of_placement")
}  # fmt: skip
_SEARCH_RULES = _rules(_SEARCH)
_FEASIBLE = " AND ".join(f"({_SEARCH_RULES[c]})" for c in CHECK_NAMES)
_OUTCOMES = ",\n  ".join(f"{_SEARCH_RULES[c]} AS {c}_ok" for c in CHECK_NAMES)
_FITS = f"park_fit AS MATERIALIZED ({_park_facts(_SEARCH)})"

# What the ranker reads per feasible unit: numbers, flags and the unit's code (ties break on it).
# The park type travels as its position in ``:park_types``; whether the unit is in an area or zone
# the company prefers is answered here. What a person reads (names, codes, features, dates,
# position) comes from UNIT_DETAILS for the few units shown, so a search of thousands of
# candidates does not send text it would throw away.
_RANKER_COLUMNS = f"""
  u.id AS unit_id, u.code AS unit_code,
  array_position(CAST(:park_types AS varchar[]), pf.park_type) - 1 AS park_type_index,
  (pf.area_code = ANY(CAST(:areas AS varchar[])) OR pf.zone_code = ANY(CAST(:zones AS varchar[])))
    AS in_preferred_area,
  pf.is_lead, pf.focus_exact, pf.focus_related,
  CASE WHEN :as_of_placement THEN u.capacity_m2 ELSE u.available_m2 END AS available_m2,
  u.rent_cny_m2_month, u.is_low_cost, {SUBSIDY_SQL} AS subsidy_rate, u.x_m, u.y_m, u.metro_m,
  u.border_m, pf.park_occupancy"""

# Distances (metro, border crossing, planar x/y) and park occupancy are columns kept by triggers
# (migration 0004): the query reads them instead of recomputing them per request. Rows come in
# no particular order: ranking breaks ties by unit code, and training sorts before it samples.
CANDIDATES = f"""
WITH {_FITS}
  SELECT {_RANKER_COLUMNS}
  FROM space_units u JOIN park_fit pf ON pf.park_id = u.park_id
  WHERE {_FEASIBLE}
"""

# What a person reads about a unit (names, position, features, dates), joined in for the few
# units a result shows.
_DISPLAY = """
  p.code AS park_code, p.name_zh AS park_name_zh, p.name_en AS park_name_en, p.park_type,
  a.code AS area_code, z.code AS zone_code, u.capacity_m2, u.rent_cny_m2_month,
  u.features, u.available_from, u.is_estimate, u.is_synthetic, p.location_error_m,
  ST_X(u.geom) AS lng, ST_Y(u.geom) AS lat"""
_DISPLAY_JOINS = (
    "JOIN parks p ON p.id = u.park_id JOIN areas a ON a.id = p.area_id "
    "JOIN zones z ON z.id = a.zone_id"
)

UNIT_DETAILS = f"""
SELECT u.id AS unit_id, {_DISPLAY},
       (SELECT s.sector FROM unnest(CAST(:industries AS varchar[])) WITH ORDINALITY AS s(sector, i)
        WHERE spacemap_admits(p.id, s.sector) ORDER BY s.i LIMIT 1) AS matched_industry
FROM space_units u {_DISPLAY_JOINS}
WHERE u.id = ANY(:ids)
"""

# Every unit with the outcome of each hard check; NEAR_MISSES selects from it. Only what the
# checks and their ordering need: names, positions and arrays are joined in (_DISPLAY) for the
# few units a result shows, not computed for every unit before a LIMIT.
_CHECKED = f"""
WITH {_FITS},
checked AS (
  SELECT u.id AS unit_id, u.code AS unit_code, u.available_m2,
         u.rent_cny_m2_month * (1 - {SUBSIDY_SQL}) AS effective_rent, pf.matched_industry,
         {_OUTCOMES}
  FROM space_units u JOIN park_fit pf ON pf.park_id = u.park_id
  OFFSET 0  -- a fence: each check is evaluated once per unit, not again in every use below
)"""

# Closest to feasible first: fewest failed checks, then the smallest shortfall in area and rent.
NEAR_MISSES = f"""{_CHECKED},
nearest AS (
  SELECT *, (NOT whitelist_ok)::int + (NOT area_ok)::int + (NOT features_ok)::int
            + (NOT rent_ok)::int + (NOT available_ok)::int AS failed,
         GREATEST(0, :min_area - available_m2) / :min_area
           + GREATEST(0, effective_rent - :budget) / :budget AS shortfall
  FROM checked
  WHERE NOT (whitelist_ok AND area_ok AND features_ok AND rent_ok AND available_ok)
  ORDER BY failed, shortfall, unit_code
  LIMIT :limit
)
SELECT c.*, {_DISPLAY}
FROM nearest c JOIN space_units u ON u.id = c.unit_id {_DISPLAY_JOINS}
ORDER BY c.failed, c.shortfall, c.unit_code
"""

# Filed applications: the same rules, each application's request read from a JSON array of
# records (``application_requests``), so a queue of any length is checked in one statement.
_APPLICATION = {
    "industries": "r.industries", "industry": "r.industry", "status_bonus": "r.status_bonus",
    "min_area": "r.min_area", "required": "r.required", "budget": "r.budget",
    "move_in_by": "r.move_in_by", "as_of_placement": "false",
}  # fmt: skip
_APPLICATION_RULES = _rules(_APPLICATION)
APPLICATION_CHECKS = f"""
WITH r AS (
  SELECT * FROM jsonb_to_recordset(CAST(:requests AS jsonb)) AS r(
    application_id int, unit_id int, industries varchar[], industry varchar,
    status_bonus double precision, min_area double precision, required varchar[],
    budget double precision, move_in_by date)
)
SELECT r.application_id, u.code AS unit_code, u.available_m2, u.capacity_m2, u.features,
       u.available_from, u.rent_cny_m2_month * (1 - {SUBSIDY_SQL}) AS effective_rent,
       pf.matched_industry, pf.area_code,
       {",".join(f"{_APPLICATION_RULES[c]} AS {c}_ok" for c in CHECK_NAMES)}
FROM r JOIN space_units u ON u.id = r.unit_id
JOIN LATERAL ({_park_facts(_APPLICATION, "WHERE p.id = u.park_id")}) pf ON true
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


def search_params(profile: CompanyProfile, as_of_placement: bool = False) -> dict[str, Any]:
    """The bind parameters of CANDIDATES, NEAR_MISSES and PEERS for one profile."""
    return {
        "industries": profile.industries,
        "industry": profile.industry,
        "min_area": float(profile.min_area_m2),
        "required": sorted(profile.required_features),
        "budget": float(profile.max_rent_cny_m2_month),
        "move_in_by": profile.move_in_by,
        "status_bonus": status_bonus(profile),
        "as_of_placement": as_of_placement,
        "park_types": list(PARK_TYPES),
        "areas": sorted(profile.preferences.areas),
        "zones": sorted(profile.preferences.zones),
    }


# The columns CANDIDATES and PEERS return, with their kinds (see columns.fetch_columns).
CANDIDATE_COLUMNS: dict[str, Kind] = {
    "unit_id": "int", "unit_code": "text", "park_type_index": "int", "in_preferred_area": "bool",
    "is_lead": "bool", "focus_exact": "bool", "focus_related": "bool", "available_m2": "float",
    "rent_cny_m2_month": "float", "is_low_cost": "bool", "subsidy_rate": "float",
    "x_m": "float", "y_m": "float", "metro_m": "float", "border_m": "float",
    "park_occupancy": "float",
}  # fmt: skip
PEER_COLUMNS: dict[str, Kind] = {"x_m": "float", "y_m": "float"}


def fetch_candidates(session: Session, params: dict) -> pd.DataFrame:
    """Feasible units with their columns, distances and same-sector peer counts."""
    frame = pd.DataFrame(fetch_columns(session, CANDIDATES, params, CANDIDATE_COLUMNS))
    peers = fetch_columns(session, PEERS, params, PEER_COLUMNS)
    here = frame[["x_m", "y_m"]].to_numpy(dtype=float)
    others = np.column_stack([peers["x_m"], peers["y_m"]])
    frame["peers_500m"], frame["peers_1km"] = count_within(here, others, (500.0, 1000.0))
    return frame


def count_within(points: np.ndarray, others: np.ndarray, radii: tuple[float, ...]) -> list:
    """For each point, how many ``others`` lie within each radius (metres, planar EPSG:4547).

    KD-trees on both sides give every pair within the largest radius in one pass, instead of a
    per-location SQL subquery (O(n × m)). Each distinct location is counted once: units in one
    building share their park's point.
    """
    if len(points) == 0 or len(others) == 0:
        return [np.zeros(len(points), dtype=int) for _ in radii]
    where, which = np.unique(points[:, 0] + 1j * points[:, 1], return_inverse=True)
    here = cKDTree(np.column_stack([where.real, where.imag]))
    pairs = here.sparse_distance_matrix(cKDTree(others), max(radii), output_type="ndarray")
    return [np.bincount(pairs["i"][pairs["v"] <= r], minlength=len(where))[which] for r in radii]


def fetch_unit_details(
    session: Session, unit_ids: list[int], industries: list[str] | None = None
) -> dict[int, dict[str, Any]]:
    """Display columns of the given units, by unit id; ``matched_industry`` is the first of
    ``industries`` on the unit's area whitelist (None without ``industries``)."""
    params = {"ids": unit_ids, "industries": industries or []}
    rows = session.execute(text(UNIT_DETAILS), params).mappings()
    return {row["unit_id"]: dict(row) for row in rows}


def fetch_near_misses(session: Session, params: dict, limit: int) -> pd.DataFrame:
    result = session.execute(text(NEAR_MISSES), {**params, "limit": limit, "unit_code": None})
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def application_request(
    application_id: int, unit_id: int, profile: CompanyProfile, requested_m2: float
) -> dict[str, Any]:
    """One filed application as a record of ``APPLICATION_CHECKS``: the profile's search
    parameters, with the area applied for standing in for the profile's minimum."""
    p = search_params(profile)
    return {
        "application_id": application_id,
        "unit_id": unit_id,
        "industries": p["industries"],
        "industry": p["industry"],
        "status_bonus": p["status_bonus"],
        "min_area": float(requested_m2),
        "required": p["required"],
        "budget": p["budget"],
        "move_in_by": p["move_in_by"].isoformat() if p["move_in_by"] else None,
    }


def fetch_application_checks(
    session: Session, requests: list[dict[str, Any]]
) -> dict[int, dict[str, Any]]:
    """Each application's check outcomes on today's data, by application id."""
    if not requests:
        return {}
    rows = session.execute(text(APPLICATION_CHECKS), {"requests": json.dumps(requests)})
    return {row["application_id"]: dict(row) for row in rows.mappings()}
