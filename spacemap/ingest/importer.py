"""`spacemap import parks|units FILE`: the bureau replacing estimates with its own registers.

All or nothing. Every row is validated (types, ranges, vocabularies, then against the database:
known industries and parks, inside Futian, unique names) and every problem is collected; if there
is any, nothing is written and the caller gets the full list. Otherwise the whole file is written
in the caller's transaction.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from spacemap.ingest.issues import ImportRejected, Issue
from spacemap.ingest.readers import read_records
from spacemap.ingest.records import REQUIRED_COLUMNS, ParkRecord, UnitRecord
from spacemap.store import areas, districts, industries, parks, units
from spacemap.store.common import point_ewkt
from spacemap.taxonomy import suggest

Kind = Literal["parks", "units"]
_FIELD_PREFIX = re.compile(r"^Value error, (\w+(?:/\w+)?): ")


@dataclass(frozen=True)
class ImportResult:
    kind: Kind
    rows: int
    created: int
    updated: int
    ignored_columns: list[str]


def _pydantic_issues(row: int, exc: ValidationError) -> list[Issue]:
    out = []
    for err in exc.errors():
        message = str(err["msg"])
        field = ".".join(str(p) for p in err["loc"]) or "(row)"
        match = _FIELD_PREFIX.match(message)
        if match:  # cross-field checks name their field at the start of the message
            field, message = match.group(1), message[match.end() :]
        if err["type"] == "missing":
            message = "必填 / required value is empty"
        out.append(Issue(row, field, message))
    return out


def _validate_rows(
    records: list[dict[str, Any]], model: type[BaseModel]
) -> tuple[list, list[Issue]]:
    parsed, issues = [], []
    for i, rec in enumerate(records, 1):
        clean = {k: v for k, v in rec.items() if v not in ("", None)}
        try:
            parsed.append((i, model.model_validate(clean)))
        except ValidationError as exc:
            issues.extend(_pydantic_issues(i, exc))
    return parsed, issues


def _duplicates(values: Sequence[tuple[int, str]], field: str) -> list[Issue]:
    first: dict[str, int] = {}
    issues = []
    for row, value in values:
        if value in first:
            issues.append(
                Issue(row, field, f"重复 / duplicate {value!r} (first at row {first[value]})")
            )
        else:
            first[value] = row
    return issues


def _outside_futian(session: Session, rows: Sequence[tuple[int, float, float]]) -> list[Issue]:
    inside = districts.points_in_futian(session, [r[1] for r in rows], [r[2] for r in rows])
    return [
        Issue(row, "lng/lat", f"点位不在福田区内 / point ({lng:.6f}, {lat:.6f}) is outside Futian")
        for (row, lng, lat), ok in zip(rows, inside, strict=True)
        if not ok
    ]


def _unknown_industries(rows: list[tuple[int, ParkRecord]], known: set[str]) -> list[Issue]:
    issues = []
    for row, rec in rows:
        for code in rec.industries:
            if code not in known:
                message = f"未知产业代码 / unknown industry {code!r}{suggest(code, known)}"
                issues.append(Issue(row, "industries", message))
    return issues


def _park_code(rec: ParkRecord) -> str:
    if rec.code:
        return rec.code
    digest = hashlib.sha1(rec.name_zh.encode("utf-8")).hexdigest()[:10]
    return f"park-{digest}"


def _check_parks(session: Session, rows: list[tuple[int, ParkRecord]]) -> tuple[list[Issue], dict]:
    issues = _duplicates([(r, p.name_zh) for r, p in rows], "name_zh")
    issues += _duplicates([(r, _park_code(p)) for r, p in rows], "code")
    issues += _unknown_industries(rows, industries.sector_codes(session))
    outside = _outside_futian(session, [(r, p.lng, p.lat) for r, p in rows])
    issues += outside
    outside_rows = {i.row for i in outside}
    area_ids = areas.area_ids(session)
    found = areas.areas_containing(session, [p.lng for _, p in rows], [p.lat for _, p in rows])
    resolved: dict[int, str] = {}
    for (row, rec), spatial in zip(rows, found, strict=True):
        if rec.area_code is not None and rec.area_code not in area_ids:
            issues.append(Issue(row, "area_code", f"unknown area {rec.area_code!r}; known: "
                                f"{', '.join(sorted(area_ids))}"))  # fmt: skip
        elif rec.area_code is None and spatial is None and row not in outside_rows:
            message = (
                "点位不在任何片区内，请填写 area_code / in none of the eight areas; give area_code"
            )
            issues.append(Issue(row, "area_code", message))
        else:
            resolved[row] = rec.area_code or spatial  # type: ignore[assignment]
    existing = {code: name for name, code in parks.park_codes_by_name(session).items()}
    for row, rec in rows:
        owner = existing.get(_park_code(rec))
        if owner is not None and owner != rec.name_zh:
            issues.append(Issue(row, "code", f"code {_park_code(rec)!r} belongs to park {owner!r}"))
    return issues, {
        "area_ids": area_ids,
        "area_of_row": resolved,
        "existing_names": set(existing.values()),
    }


def _write_parks(
    session: Session, rows: list[tuple[int, ParkRecord]], ctx: dict, source: str
) -> tuple[int, int]:
    park_rows = []
    for row, rec in rows:
        park_rows.append({
            "code": _park_code(rec), "name_zh": rec.name_zh, "name_en": rec.name_en or rec.name_zh,
            "area_id": ctx["area_ids"][ctx["area_of_row"][row]],
            "area_is_estimate": rec.area_code is None, "park_type": rec.park_type,
            "operator": rec.operator, "address": rec.address, "land_area_m2": rec.land_area_m2,
            "floor_area_m2": rec.floor_area_m2, "low_cost_area_m2": rec.low_cost_area_m2,
            "space_is_estimate": False, "documented_firms": rec.documented_firms,
            "figures_zh": "", "figures_en": "", "location_error_m": rec.location_error_m,
            "geom": point_ewkt(rec.lng, rec.lat), "source": rec.source or source,
            "is_estimate": rec.is_estimate, "is_synthetic": False,
        })  # fmt: skip
    ids = parks.upsert_parks(session, park_rows)
    focus = [
        {"park_id": ids[_park_code(rec)], "industry_code": code,
         "is_whitelist": rec.industries_are_whitelist, "source": rec.source or source,
         "is_estimate": False, "is_synthetic": False}
        for _, rec in rows for code in rec.industries
    ]  # fmt: skip
    parks.replace_park_industries(session, [ids[_park_code(r)] for _, r in rows], focus)
    updated = sum(1 for _, r in rows if r.name_zh in ctx["existing_names"])
    return len(rows) - updated, updated


def _check_units(session: Session, rows: list[tuple[int, UnitRecord]]) -> tuple[list[Issue], dict]:
    issues = _duplicates([(r, u.code) for r, u in rows], "code")
    keys = parks.park_keys(session)
    for row, rec in rows:
        if rec.park not in keys:
            hint = suggest(rec.park, keys)
            issues.append(Issue(row, "park", f"未知园区 / unknown park {rec.park!r}{hint}"))
    located = [(r, u.lng, u.lat) for r, u in rows if u.lng is not None and u.lat is not None]
    issues += _outside_futian(session, located)  # type: ignore[arg-type]
    return issues, {"park_keys": keys}


def _write_units(
    session: Session, rows: list[tuple[int, UnitRecord]], ctx: dict, source: str
) -> tuple[int, int]:
    existing = units.unit_codes(session)
    park_geom = parks.park_locations(session)
    unit_rows = []
    for _, rec in rows:
        park_id = ctx["park_keys"][rec.park][0]
        own = rec.lng is not None and rec.lat is not None
        unit_rows.append({
            "code": rec.code, "park_id": park_id, "floor": rec.floor,
            "capacity_m2": rec.capacity_m2, "available_m2": rec.available_m2,
            "rent_cny_m2_month": rec.rent_cny_m2_month, "is_low_cost": rec.is_low_cost,
            "features": sorted(set(rec.features)), "available_from": rec.available_from,
            "geom": point_ewkt(rec.lng, rec.lat) if own else park_geom[park_id][0],
            "source": rec.source or source,
            "is_estimate": rec.is_estimate or (not own and park_geom[park_id][1]),
            "is_synthetic": False,
        })  # fmt: skip
    units.upsert_units(session, unit_rows)
    updated = sum(1 for _, r in rows if r.code in existing)
    return len(rows) - updated, updated


_KINDS = {
    "parks": (ParkRecord, _check_parks, _write_parks),
    "units": (UnitRecord, _check_units, _write_units),
}


def import_file(
    session: Session, kind: Kind, path: Path, crs: str | None = None, encoding: str = "utf-8"
) -> ImportResult:
    """Validate ``path`` whole; raise ImportRejected listing every issue, else write it all."""
    model, check, write = _KINDS[kind]
    table = read_records(path, crs, encoding)
    issues = list(table.issues)
    if table.columns or not issues:
        missing = [c for c in REQUIRED_COLUMNS[kind] if c not in table.columns]
        issues += [Issue(None, c, f"缺少列 / missing column {c!r}") for c in missing]
        if not table.records and not missing:
            issues.append(Issue(None, "(file)", "文件没有数据行 / the file has no data rows"))
    if any(i.row is None for i in issues):
        raise ImportRejected(issues)
    bad_geometry_rows = {i.row for i in issues}
    parsed, row_issues = _validate_rows(table.records, model)
    issues += [
        i for i in row_issues if i.row not in bad_geometry_rows or i.field not in ("lng", "lat")
    ]
    valid = [(r, rec) for r, rec in parsed if r not in bad_geometry_rows]
    db_issues, ctx = check(session, valid)
    issues += db_issues
    if issues:
        raise ImportRejected(sorted(issues, key=lambda i: (i.row or 0, i.field)))
    source = f"import: {path.name}"
    created, updated = write(session, valid, ctx, source)
    known = set(model.model_fields) | {"lng", "lat"}
    ignored = [c for c in table.columns if c not in known]
    return ImportResult(kind, len(valid), created, updated, ignored)
