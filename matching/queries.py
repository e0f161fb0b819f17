"""All SQL matching runs, in one place.

``CANDIDATES`` is the hot path: one round trip returns every feasible unit with the columns and
spatial features the ranker needs. Hard constraints are evaluated in the database, so an infeasible
unit can never reach the ranker; ``NEAR_MISSES`` evaluates the same constraints the other way round
and returns the closest failures with every check's outcome, so each can be explained.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from typing import Any, cast

import numpy as np
import pandas as pd
from sqlalchemy import text
from sqlalchemy.orm import Session

from matching.columns import Kind, fetch_columns, fetch_rows, send_columns, send_rows
from matching.policy import SUBSIDY_CAP, SUBSIDY_LEAD_INDUSTRY, status_bonus
from matching.profile import CompanyProfile
from spacemap.catalog.queries import versions
from spacemap.lru import LRU
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
    judged with the unit's whole capacity free and no move-in date; ``held``, when given: the
    area an approved application already holds in the unit, which is free *for it*)."""
    own = f"(u.available_m2 + {r['held']})" if "held" in r else "u.available_m2"
    free = f"(CASE WHEN {r['as_of_placement']} THEN u.capacity_m2 ELSE {own} END)"
    return {
        "whitelist": "pf.whitelist_ok",
        "area": f"{free} >= {r['min_area']}",
        "features": f"u.features @> CAST({r['required']} AS varchar[])",
        "rent": f"u.rent_cny_m2_month * (1 - {SUBSIDY_SQL}) <= {r['budget']}",
        "available": f"({r['as_of_placement']} OR ({own} > 0 AND "
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

# A search's park facts are computed once (``PARK_FACTS``, the rule above) and handed to every
# unit query of the request as one array literal per column (``with_park_facts``), so
# ``spacemap_admits`` runs once per park and request, not once per query — and not at all while
# the parks and lists are unchanged.
PARK_FACTS = _park_facts(_SEARCH)
PARK_FACT_COLUMNS: dict[str, Kind] = {
    "park_id": "int", "park_type": "text", "area_code": "text", "zone_code": "text",
    "matched_industry": "text", "whitelist_ok": "bool", "is_lead": "bool",
    "focus_exact": "bool", "focus_related": "bool", "low_cost_subsidy": "float",
    "park_occupancy": "float",
}  # fmt: skip
_PF_TYPES = {"int": "int", "text": "varchar", "bool": "boolean", "float": "float8"}
_FITS = "park_fit AS (SELECT * FROM unnest({}) AS pf({}))".format(
    ", ".join(f"CAST(:pf_{c} AS {_PF_TYPES[k]}[])" for c, k in PARK_FACT_COLUMNS.items()),
    ", ".join(PARK_FACT_COLUMNS),
)
# How a unit query joins its park's facts. ``+ 0`` keeps the planner from walking the units of
# each park by index: when the facts were JSON it guessed 50 parks, and at 1M units chose
# 16,569 index scans (0.9 s) over one join of the units it filtered first. It sees the arrays'
# length now; the hint stays so a misestimate elsewhere cannot bring that plan back.
_PF_JOIN = "JOIN park_fit pf ON pf.park_id = u.park_id + 0"
# What the park facts depend on: a change to any of these tables changes their data version.
# (``whitelist_changes``: the bureau's dated amendments, which ``spacemap_whitelist`` applies.)
PARK_FACT_TABLES = ("areas", "area_whitelist", "industry_relations", "park_industries", "parks",
                    "whitelist_changes", "zones")  # fmt: skip

# What the ranker reads per feasible unit: numbers, flags and the unit's code (ties break on it).
# The park type travels as its position in ``:park_types``; whether the unit is in an area or zone
# the company prefers is answered here. What a person reads (names, codes, features, dates,
# position) comes from UNIT_DETAILS for the few units shown, so a search of thousands of
# candidates does not send text it would throw away.
_RANKER_COLUMNS = f"""
  u.id AS unit_id, u.code AS unit_code, pf.park_id,
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
  FROM space_units u {_PF_JOIN}
  WHERE {_FEASIBLE}
"""

# Units that could share a company's need: every rule but the area passes, and the unit alone is
# too small; only parks whose such units together reach the minimum (see ``combine``). The
# ranker's columns, plus the floor (combinations prefer one floor).
_NOT_AREA = " AND ".join(f"({_SEARCH_RULES[c]})" for c in CHECK_NAMES if c != "area")
COMBINABLE = f"""
WITH {_FITS},
small AS (
  SELECT {_RANKER_COLUMNS}, u.floor
  FROM space_units u {_PF_JOIN}
  WHERE {_NOT_AREA} AND u.available_m2 < :min_area
)
SELECT * FROM small
WHERE park_id IN (SELECT park_id FROM small GROUP BY park_id HAVING sum(available_m2) >= :min_area)
"""

# What a person reads about a unit (names, position, features, dates), joined in for the few
# units a result shows.
_DISPLAY = """
  p.code AS park_code, p.name_zh AS park_name_zh, p.name_en AS park_name_en, p.park_type,
  a.code AS area_code, a.name_zh AS area_name_zh, a.name_en AS area_name_en,
  z.code AS zone_code, z.name_zh AS zone_name_zh, z.name_en AS zone_name_en, u.floor,
  u.capacity_m2, u.rent_cny_m2_month,
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
  FROM space_units u {_PF_JOIN}
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

# The best a near miss can be is one failed check and no shortfall: the one failure is the
# whitelist, a feature or the date, while area and rent pass. Those tie on (failed, shortfall)
# and so come in unit code order: the first ``:limit`` of them among the first ``:window`` units
# by code (an index walk) are the first overall. Only when the window holds fewer does
# NEAR_MISSES check and rank every unit.
_R = _SEARCH_RULES
NEAR_MISSES_FIRST = f"""
WITH {_FITS},
nearest AS (
  SELECT u.id AS unit_id, u.code AS unit_code, u.available_m2,
         u.rent_cny_m2_month * (1 - {SUBSIDY_SQL}) AS effective_rent, pf.matched_industry,
         {_OUTCOMES}, 1 AS failed, 0.0 AS shortfall
  FROM (SELECT * FROM space_units ORDER BY code LIMIT :window) u
  {_PF_JOIN}
  WHERE ({_R["area"]}) AND ({_R["rent"]})
    AND (NOT ({_R["whitelist"]}))::int + (NOT ({_R["features"]}))::int
        + (NOT ({_R["available"]}))::int = 1
  ORDER BY u.code
  LIMIT :limit
)
SELECT c.*, {_DISPLAY}
FROM nearest c JOIN space_units u ON u.id = c.unit_id {_DISPLAY_JOINS}
ORDER BY c.unit_code
"""

# What to relax, computed: for each check that a need can relax (budget, a required feature,
# the minimum area, the move-in date), the units that fail that check alone, with the value that
# would let each in. Arrays are cut at :keep (enough to pick a value and count what it admits).
ADVICE = f"""
WITH {_FITS},
checked AS (
  SELECT u.available_m2, u.available_from, u.features AS features_arr,
         u.rent_cny_m2_month * (1 - {SUBSIDY_SQL}) AS effective_rent, {_OUTCOMES}
  FROM space_units u {_PF_JOIN}
  OFFSET 0  -- a fence: each check is evaluated once per unit
),
single AS (
  SELECT *, whitelist_ok AND area_ok AND features_ok AND available_ok AND NOT rent_ok AS rent,
         whitelist_ok AND features_ok AND rent_ok AND available_ok AND NOT area_ok
           AND available_m2 > 0 AS area,
         whitelist_ok AND area_ok AND features_ok AND rent_ok AND NOT available_ok
           AND available_m2 > 0 AS available,
         whitelist_ok AND area_ok AND rent_ok AND available_ok AND NOT features_ok AS features
  FROM checked
)
SELECT (SELECT COALESCE((array_agg(effective_rent ORDER BY effective_rent))[1:CAST(:keep AS int)],
                        '{{}}') FROM single WHERE rent) AS rents,
       (SELECT count(*) FROM single WHERE rent) AS rent_units,
       (SELECT COALESCE((array_agg(available_m2 ORDER BY available_m2 DESC))[1:CAST(:keep AS int)],
                        '{{}}') FROM single WHERE area) AS areas,
       (SELECT count(*) FROM single WHERE area) AS area_units,
       (SELECT COALESCE((array_agg(available_from ORDER BY available_from))[1:CAST(:keep AS int)],
                        '{{}}') FROM single WHERE available) AS dates,
       (SELECT count(*) FROM single WHERE available) AS date_units,
       (SELECT COALESCE(jsonb_object_agg(f.code, f.n), '{{}}') FROM (
          SELECT r.code, count(*) AS n
          FROM single o CROSS JOIN unnest(CAST(:required AS varchar[])) AS r(code)
          WHERE o.features AND o.features_arr @> array_remove(CAST(:required AS varchar[]), r.code)
          GROUP BY r.code) f) AS drop_feature,
       (SELECT count(*) FROM single WHERE whitelist_ok) AS admitted_units
"""

# Areas positioned for one of the company's sectors (a lead industry of theirs) that have no free
# space at all: worth saying, since the plans point such a company there.
EMPTY_AREAS = """
SELECT a.code, a.name_zh, a.name_en, a.positioning_zh, a.positioning_en,
       (array_agg(w.industry_code ORDER BY array_position(CAST(:industries AS varchar[]),
                                                          w.industry_code)))[1] AS sector
FROM areas a JOIN spacemap_whitelist() w ON w.area_id = a.id
WHERE w.is_lead AND w.industry_code = ANY(CAST(:industries AS varchar[]))
  AND NOT EXISTS (SELECT 1 FROM parks p JOIN space_units u ON u.park_id = p.id
                  WHERE p.area_id = a.id AND u.available_m2 > 0)
GROUP BY a.id ORDER BY a.code
"""

# Filed applications: the same rules, each application's request read from a JSON array of
# records (``application_requests``), so a queue of any length is checked in one statement.
_APPLICATION = {
    "industries": "r.industries", "industry": "r.industry", "status_bonus": "r.status_bonus",
    "min_area": "r.min_area", "required": "r.required", "budget": "r.budget",
    "move_in_by": "r.move_in_by", "as_of_placement": "false", "held": "r.held_m2",
}  # fmt: skip
_APPLICATION_RULES = _rules(_APPLICATION)
APPLICATION_CHECKS = f"""
WITH r AS (
  SELECT * FROM jsonb_to_recordset(CAST(:requests AS jsonb)) AS r(
    application_id int, unit_id int, industries varchar[], industry varchar,
    status_bonus double precision, min_area double precision, required varchar[],
    budget double precision, move_in_by date, held_m2 double precision)
)
SELECT r.application_id, u.code AS unit_code, u.available_m2 + r.held_m2 AS available_m2,
       u.capacity_m2, u.features,
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
       u.id AS unit_id, u.rent_cny_m2_month, u.features, u.is_low_cost, u.metro_m,
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
    "unit_id": "int", "unit_code": "text", "park_id": "int", "park_type_index": "int",
    "in_preferred_area": "bool",
    "is_lead": "bool", "focus_exact": "bool", "focus_related": "bool", "available_m2": "float",
    "rent_cny_m2_month": "float", "is_low_cost": "bool", "subsidy_rate": "float",
    "x_m": "float", "y_m": "float", "metro_m": "float", "border_m": "float",
    "park_occupancy": "float",
}  # fmt: skip
PEER_COLUMNS: dict[str, Kind] = {"x_m": "float", "y_m": "float"}


_park_facts_seen = LRU(256)


def with_park_facts(session: Session, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` and the park facts of its sectors (``pf_<column>``, one array literal per
    column), which every unit query of a search reads. Computed by ``PARK_FACTS`` once per sector
    list, status and data version of the tables they come from (the version counts committed
    writes, so a cached copy is exactly what the query would return now). Text, written once:
    bound as lists, eleven arrays of thousands of values cost more per query than the query
    itself, and as one JSON document the server spent ~5 ms per query parsing it (arrays: ~1)."""
    if "pf_park_id" in params:
        return params
    key = (tuple(params["industries"]), params["industry"], params["status_bonus"],
           dt.date.today(), versions(session, PARK_FACT_TABLES))  # fmt: skip
    facts = _park_facts_seen.get(key)
    if facts is None:
        columns = fetch_columns(session, PARK_FACTS, params, PARK_FACT_COLUMNS)
        facts = {f"pf_{name}": array_literal(values) for name, values in columns.items()}
        _park_facts_seen.put(key, facts)
    return {**params, **facts}


def array_literal(values: np.ndarray) -> str:
    """A column as PostgreSQL's array text: NaN (a missing number) and None become NULL, text
    is quoted and escaped, floats keep every digit (``repr``)."""
    if values.dtype.kind == "f":
        items = ["NULL" if np.isnan(v) else repr(float(v)) for v in values]
    elif values.dtype.kind == "b":
        items = ["t" if v else "f" for v in values]
    elif values.dtype.kind in "iu":
        items = [str(int(v)) for v in values]
    else:
        items = ["NULL" if v is None else _quoted(str(v)) for v in values]
    return "{" + ",".join(items) + "}"


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def fetch_candidates(session: Session, params: dict) -> pd.DataFrame:
    """Feasible units with their columns, distances and same-sector peer counts."""
    params = with_park_facts(session, params)
    units = send_columns(session, CANDIDATES, params, CANDIDATE_COLUMNS)
    peers = send_columns(session, PEERS, params, PEER_COLUMNS)  # in a pipeline: one round trip
    frame = pd.DataFrame(units())
    _add_peer_counts(frame, peers())
    return frame


def fetch_combinable(session: Session, params: dict) -> pd.DataFrame:
    """COMBINABLE's units, with the candidates' columns and their floor (NaN when unknown)."""
    params = with_park_facts(session, params)
    columns = {**CANDIDATE_COLUMNS, "floor": cast(Kind, "float")}
    return pd.DataFrame(fetch_columns(session, COMBINABLE, params, columns))


def add_peers(session: Session, params: dict, frame: pd.DataFrame) -> None:
    """Same-sector firms within 500 m and 1 km of each row's planar position."""
    _add_peer_counts(frame, fetch_columns(session, PEERS, params, PEER_COLUMNS))


def _add_peer_counts(frame: pd.DataFrame, peers: dict[str, np.ndarray]) -> None:
    here = frame[["x_m", "y_m"]].to_numpy(dtype=float)
    others = np.column_stack([peers["x_m"], peers["y_m"]])
    frame["peers_500m"], frame["peers_1km"] = count_within(here, others, (500.0, 1000.0))


def count_within(points: np.ndarray, others: np.ndarray, radii: tuple[float, ...]) -> list:
    """For each point, how many ``others`` lie within each radius (metres, planar EPSG:4547).

    Each distinct location is counted once: units in one building share their park's point.
    Few pairs (the Futian data, a one-off `spacemap match`) are measured directly; many go
    through KD-trees on both sides, which give every pair within the largest radius in one pass
    instead of a per-location SQL subquery (O(n × m)) — and cost importing scipy.spatial
    (~0.3 s), which a one-off command should not pay for a few hundred pairs.
    """
    if len(points) == 0 or len(others) == 0:
        return [np.zeros(len(points), dtype=int) for _ in radii]
    where, which = np.unique(points[:, 0] + 1j * points[:, 1], return_inverse=True)
    if len(where) * len(others) <= DIRECT_PAIRS:
        apart = np.hypot(where.real[:, None] - others[:, 0], where.imag[:, None] - others[:, 1])
        return [np.count_nonzero(apart <= r, axis=1)[which] for r in radii]
    from scipy.spatial import cKDTree

    here = cKDTree(np.column_stack([where.real, where.imag]))
    pairs = here.sparse_distance_matrix(cKDTree(others), max(radii), output_type="ndarray")
    return [np.bincount(pairs["i"][pairs["v"] <= r], minlength=len(where))[which] for r in radii]


DIRECT_PAIRS = 200_000  # up to this many location × peer pairs, distances are measured directly


def send_unit_details(
    session: Session, unit_ids: list[int], industries: list[str] | None = None
) -> Callable[[], dict[int, dict[str, Any]]]:
    """Ask for the display columns of the given units; the returned function reads them, by unit
    id. ``matched_industry`` is the first of ``industries`` on the unit's area whitelist (None
    without ``industries``)."""
    rows = send_rows(session, UNIT_DETAILS, {"ids": unit_ids, "industries": industries or []})
    return lambda: {row["unit_id"]: row for row in rows()}


def fetch_unit_details(
    session: Session, unit_ids: list[int], industries: list[str] | None = None
) -> dict[int, dict[str, Any]]:
    """Display columns of the given units, by unit id (see ``send_unit_details``)."""
    return send_unit_details(session, unit_ids, industries)()


NEAR_WINDOW = 2000  # units walked in code order before NEAR_MISSES checks them all


def send_near_misses(
    session: Session, params: dict, limit: int
) -> Callable[[], list[dict[str, Any]]]:
    """Ask for the ``limit`` infeasible units closest to feasible, in NEAR_MISSES' order; the
    returned function reads them. NEAR_MISSES_FIRST answers alone when there are enough of the
    best kind; otherwise NEAR_MISSES checks and ranks every unit."""
    params = {**with_park_facts(session, params), "limit": limit, "window": NEAR_WINDOW}
    first = send_rows(session, NEAR_MISSES_FIRST, params)

    def rows() -> list[dict[str, Any]]:
        found = first()
        return found if len(found) >= limit else fetch_rows(session, NEAR_MISSES, params)

    return rows


def fetch_near_misses(session: Session, params: dict, limit: int) -> list[dict[str, Any]]:
    """The ``limit`` infeasible units closest to feasible (see ``send_near_misses``)."""
    return send_near_misses(session, params, limit)()


def fetch_advice(session: Session, params: dict[str, Any], keep: int) -> dict[str, Any]:
    """ADVICE's one row: per relaxable check, the values that would admit the units failing
    only it (``keep`` smallest changes first) and how many such units there are."""
    params = {**with_park_facts(session, params), "keep": keep}
    return fetch_rows(session, ADVICE, params)[0]


def fetch_empty_areas(session: Session, industries: list[str]) -> list[dict[str, Any]]:
    return fetch_rows(session, EMPTY_AREAS, {"industries": industries})


def application_request(
    application_id: int,
    unit_id: int,
    profile: CompanyProfile,
    requested_m2: float,
    held_m2: float = 0.0,
) -> dict[str, Any]:
    """One filed application as a record of ``APPLICATION_CHECKS``: the profile's search
    parameters, with the area applied for standing in for the profile's minimum. ``held_m2``:
    what it already holds in the unit (an approved application: all of it), so checking it
    again does not count its own allocation against it."""
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
        "held_m2": float(held_m2),
    }


def fetch_application_checks(
    session: Session, requests: list[dict[str, Any]]
) -> dict[int, dict[str, Any]]:
    """Each application's check outcomes on today's data, by application id."""
    if not requests:
        return {}
    rows = session.execute(text(APPLICATION_CHECKS), {"requests": json.dumps(requests)})
    return {row["application_id"]: dict(row) for row in rows.mappings()}
