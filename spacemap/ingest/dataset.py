"""Load the bundled Futian dataset (``geodata/built``) into PostGIS, in one transaction.

Idempotent: rows are upserted by natural key, generated rows the dataset no longer contains are
removed, and a load of the same dataset twice leaves the same counts. After writing, the loader
re-reads what it wrote and checks the invariants the documents impose; any failure rolls back.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd
from sqlalchemy.orm import Session

from geodata import built_path
from spacemap import models
from spacemap.store import (
    areas,
    audit,
    districts,
    indicators,
    industries,
    loads,
    parks,
    stations,
    tenants,
    units,
)
from spacemap.store.common import point_ewkt, provenance_counts

Progress = Callable[[str], None]

TABLES: list[type[models.Base]] = [
    models.District, models.Zone, models.Area, models.AreaPart, models.Industry,
    models.IndustryRelation, models.AreaWhitelist, models.Park, models.ParkIndustry,
    models.Station, models.SpaceUnit, models.Tenant, models.Indicator, models.IndicatorValue,
]  # fmt: skip


class DatasetInvalid(RuntimeError):
    """The data written breaks an invariant the documents impose; nothing was kept."""


@dataclass(frozen=True)
class LoadResult:
    skipped: bool
    sha256: str
    counts: dict[str, dict[str, int]]


def dataset_sha256() -> str:
    """Identity of the bundled dataset: the hash of its manifest (which hashes every file)."""
    return hashlib.sha256(built_path("manifest.json").read_bytes()).hexdigest()


def _features(name: str) -> list[dict[str, Any]]:
    frame = gpd.read_file(built_path(name))
    records = frame.drop(columns="geometry").astype(object).where(frame.notna(), None)
    rows = records.to_dict(orient="records")
    for row, geom in zip(rows, frame.geometry, strict=True):
        row["geom"] = f"SRID=4326;{geom.wkt}"
    return rows


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(built_path(name), dtype=str, keep_default_na=False, encoding="utf-8")


def _flag(value: str) -> bool:
    """CSV booleans as pandas writes them (True/False) or as people type them (true/false)."""
    if value.lower() not in ("true", "false"):
        raise ValueError(f"not a boolean: {value!r}")
    return value.lower() == "true"


def _pick(row: dict[str, Any], *names: str) -> dict[str, Any]:
    return {n: row[n] for n in names}


PROVENANCE = ("source", "is_estimate", "is_synthetic")


def _load_geography(session: Session) -> dict[str, int]:
    districts.upsert_districts(
        session,
        [_pick(r, "adcode", "name_zh", "name_en", "is_futian", "geom", *PROVENANCE)
         for r in _features("districts.geojson")],
    )  # fmt: skip
    zone_ids = areas.upsert_zones(
        session,
        [_pick(r, "code", "name_zh", "name_en", "description_zh", "description_en", "geom",
               *PROVENANCE) for r in _features("zones.geojson")],
    )  # fmt: skip
    area_rows = []
    for r in _features("areas.geojson"):
        row = _pick(r, "code", "name_zh", "name_en", "positioning_zh", "positioning_en",
                    "geom_method", "boundary_error_m", "boundary_quality", "geom",
                    *PROVENANCE)  # fmt: skip
        row["zone_id"] = zone_ids[r["zone_code"]]
        area_rows.append(row)
    area_ids = areas.upsert_areas(session, area_rows)
    part_rows = []
    for r in _features("area_parts.geojson"):
        row = _pick(r, "code", "name_zh", "name_en", "note_zh", "anchors", "boundary_error_m",
                    "boundary_quality", "geom_method", "geom", *PROVENANCE)  # fmt: skip
        row["area_id"] = area_ids[r["area_code"]]
        row["zone_id"] = zone_ids[r["zone_code"]]
        part_rows.append(row)
    areas.replace_area_parts(session, part_rows)
    return area_ids


def _load_taxonomy(session: Session, area_ids: dict[str, int]) -> None:
    ind = _csv("industries.csv")
    industries.upsert_industries(
        session,
        [{
            "code": r.code, "parent_code": r.parent_code or None, "name_zh": r.name_zh,
            "name_en": r.name_en, "is_group": _flag(r.is_group), "source": r.source,
            "is_estimate": _flag(r.is_estimate), "is_synthetic": _flag(r.is_synthetic),
        } for r in ind.itertuples()],
    )  # fmt: skip
    rel = _csv("industry_relations.csv")
    industries.upsert_relations(
        session,
        [{"code_a": r.code_a, "code_b": r.code_b, "source": r.source,
          "is_estimate": _flag(r.is_estimate), "is_synthetic": _flag(r.is_synthetic)}
         for r in rel.itertuples()],
    )  # fmt: skip
    wl = _csv("area_whitelist.csv")
    areas.replace_whitelist(
        session,
        [{"area_id": area_ids[r.area_code], "industry_code": r.industry_code,
          "is_lead": _flag(r.is_lead), "wording": r.wording, "source": r.source,
          "is_estimate": _flag(r.is_estimate), "is_synthetic": _flag(r.is_synthetic)}
         for r in wl.itertuples()],
    )  # fmt: skip


PARK_COLUMNS = (
    "code", "name_zh", "name_en", "area_is_estimate", "park_type", "status", "operator", "address",
    "land_area_m2", "floor_area_m2", "low_cost_area_m2", "space_is_estimate", "documented_firms",
    "figures_zh", "figures_en", "location_error_m", "geom", *PROVENANCE,
)  # fmt: skip


def _load_parks(session: Session, area_ids: dict[str, int]) -> dict[str, int]:
    features = _features("parks.geojson")
    rows = []
    for r in features:
        row = _pick(r, *PARK_COLUMNS)
        row["area_id"] = area_ids[r["area_code"]]
        row["operator"] = row["operator"] or None
        row["address"] = row["address"] or None
        row["documented_firms"] = (
            None if row["documented_firms"] is None else int(row["documented_firms"])
        )
        rows.append(row)
    park_ids = parks.upsert_parks(session, rows)
    focus = [
        {"park_id": park_ids[r.park_code], "industry_code": r.industry_code,
         "is_whitelist": False, "basis": r.basis, "quote": r.quote, "reason_zh": r.reason_zh,
         "reason_en": r.reason_en, "source": r.source, "is_estimate": _flag(r.is_estimate),
         "is_synthetic": _flag(r.is_synthetic)}
        for r in _csv("park_industries.csv").itertuples()
    ]  # fmt: skip
    parks.replace_park_industries(session, [park_ids[r["code"]] for r in features], focus)
    return park_ids


def _load_stations(session: Session) -> None:
    rows = []
    for r in _features("stations.geojson"):
        row = _pick(r, "name_zh", "name_en", "in_futian", "geom", *PROVENANCE)
        row["lines"] = r["lines"].split(";")
        rows.append(row)
    stations.upsert_stations(session, rows)


def _load_units_and_tenants(session: Session, park_ids: dict[str, int]) -> None:
    u = _csv("space_units.csv")
    unit_rows = [{
        "code": r.code, "park_id": park_ids[r.park_code], "floor": int(r.floor),
        "capacity_m2": float(r.capacity_m2), "available_m2": float(r.available_m2),
        "rent_cny_m2_month": float(r.rent_cny_m2_month), "is_low_cost": _flag(r.is_low_cost),
        "features": [f for f in r.features.split(";") if f],
        "available_from": r.available_from, "geom": point_ewkt(float(r.lng), float(r.lat)),
        "source": r.source, "is_estimate": _flag(r.is_estimate),
        "is_synthetic": _flag(r.is_synthetic),
    } for r in u.itertuples()]  # fmt: skip
    # Space the bureau approved through spacemap stays let: the dataset's free area is reduced
    # by it where the dataset does not count it, with an audit entry per unit.
    reconciled = units.reconcile_with_approvals(session, unit_rows)
    units.delete_synthetic_except(session, set(u["code"]))
    unit_ids = units.upsert_units(session, unit_rows)
    for change in reconciled:
        audit.record_reconciled(session, audit.SYSTEM, change, "spacemap load", unit_ids)
    t = _csv("tenants.csv")
    tenant_rows = [{
        "name": r.name, "park_id": park_ids[r.park_code],
        "unit_id": unit_ids[r.unit_code] if r.unit_code else None,
        "industry_code": r.industry_code, "stage": r.stage, "status": r.status,
        "programme": r.programme or None,
        "headcount": int(float(r.headcount)) if r.headcount else None,
        "occupied_m2": float(r.occupied_m2) if r.occupied_m2 else None,
        "is_legacy": _flag(r.is_legacy), "source": r.source, "is_estimate": _flag(r.is_estimate),
        "is_synthetic": _flag(r.is_synthetic),
    } for r in t.itertuples()]  # fmt: skip
    tenants.delete_synthetic_except(session, set(t["name"]))
    tenants.upsert_tenants(session, tenant_rows)


def _load_indicators(session: Session) -> None:
    ind = _csv("indicators.csv")
    vals = _csv("indicator_values.csv")
    indicators.replace_indicators(
        session,
        [{"code": r.code, "name_zh": r.name_zh, "name_en": r.name_en, "unit": r.unit,
          "measurable": r.measurable, "measure_zh": r.measure_zh, "measure_en": r.measure_en,
          "source": r.source, "is_estimate": _flag(r.is_estimate),
          "is_synthetic": _flag(r.is_synthetic)} for r in ind.itertuples()],
        [{"indicator_code": r.indicator_code, "year": int(r.year), "as_of": r.as_of,
          "kind": r.kind, "value": float(r.value), "qualifier": r.qualifier,
          "as_written": r.as_written, "scale": float(r.scale), "citation": r.citation,
          "quote": r.quote, "note_zh": r.note_zh, "note_en": r.note_en, "source": r.source,
          "is_estimate": _flag(r.is_estimate), "is_synthetic": _flag(r.is_synthetic)}
         for r in vals.itertuples()],
    )  # fmt: skip


def check_invariants(session: Session) -> list[str]:
    """What the documents promise about the data, checked against the database itself."""
    problems = []
    listed = json.loads(built_path("manifest.json").read_text(encoding="utf-8"))
    listed_space = listed["listed_space_by_park"]
    for code, total in units.capacity_by_park(session).items():
        limit = listed_space.get(code, {}).get("listed_m2")
        if limit is not None and total > float(limit) + 0.5:
            problems.append(f"park {code}: units total {total:.0f} m² > stated {limit:.0f} m²")
    area_km2 = districts.futian_area_km2(session)
    if abs(area_km2 - 78.66) / 78.66 > 0.03:
        problems.append(f"Futian area {area_km2:.2f} km² is not within 3% of 78.66 km²")
    outside = districts.points_in_futian(session, *parks.park_points(session))
    if not outside.all():
        problems.append(f"{int((~outside).sum())} parks lie outside Futian")
    return problems


def load_dataset(
    session: Session, force: bool = True, progress: Progress | None = None
) -> LoadResult:
    """Write the bundled dataset in ``session``'s transaction; the caller commits."""
    say = progress or (lambda _msg: None)
    sha = dataset_sha256()
    if not force and loads.last_loaded_sha256(session) == sha:
        return LoadResult(True, sha, provenance_counts(session, TABLES))
    units.lock_for_bulk_write(session)
    say("districts, zones, areas / 行政区、轴翼、片区")
    area_ids = _load_geography(session)
    say("industries and whitelists / 产业分类与正面清单")
    _load_taxonomy(session, area_ids)
    say("parks / 园区载体")
    park_ids = _load_parks(session, area_ids)
    say("metro stations / 地铁站")
    _load_stations(session)
    say("space units and tenants / 空间单元与在园企业")
    _load_units_and_tenants(session, park_ids)
    say("plan indicators / 规划指标")
    _load_indicators(session)
    session.flush()
    say("checking invariants / 校验")
    problems = check_invariants(session)
    if problems:
        raise DatasetInvalid("; ".join(problems))
    counts = provenance_counts(session, TABLES)
    loads.record_load(session, sha, {t: c["rows"] for t, c in counts.items()})
    return LoadResult(False, sha, counts)
