"""`spacemap import parks|units FILE`: the bureau replacing estimates with its own registers.

All or nothing. Every field of every row is checked on its own (types, ranges, vocabularies),
then the coordinates, then what only the database knows (industries, parks, inside Futian,
names already taken) — also for rows that already have a problem, so one pass lists them all. If
there is any, nothing is written and the caller gets the list (ImportRejected). Otherwise the
whole file is written in the caller's transaction, with an audit entry saying who and what.
"""

from __future__ import annotations

import difflib
import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy.orm import Session

from spacemap.i18n import _
from spacemap.ingest.issues import ImportRejected, Issue
from spacemap.ingest.readers import Limits, RawTable, is_geographic, read_records, to_wgs84
from spacemap.ingest.records import REQUIRED_COLUMNS, ParkRecord, UnitRecord, build, parse_row
from spacemap.store import areas, audit, districts, industries, parks, units
from spacemap.store.audit import Actor
from spacemap.store.common import point_ewkt

Kind = Literal["parks", "units"]
MODELS: dict[str, type[BaseModel]] = {"parks": ParkRecord, "units": UnitRecord}


@dataclass(frozen=True)
class ImportResult:
    kind: Kind
    rows: int
    created: int
    updated: int
    ignored_columns: list[str]
    # Units whose free area was stored lower than the file said: the bureau approved space in
    # them through spacemap that the register does not count (each audited on the unit).
    reconciled: list[units.Reconciled] = field(default_factory=list)


@dataclass
class Row:
    """One data row as far as it could be read: the fields that passed, and where it failed."""

    number: int
    values: dict[str, Any]
    failed: set[str] = field(default_factory=set)
    lng: float | None = None  # WGS84, when the coordinates are good
    lat: float | None = None


def _nearest(value: str, choices: Iterable[str]) -> str | None:
    near = difflib.get_close_matches(value, sorted(choices), n=1, cutoff=0.6)
    return near[0] if near else None


# -- coordinates ------------------------------------------------------------------------------


def _number(text: str | None) -> float | str | None:
    """The coordinate as a float, None when absent, or "bad"/"infinite" when unusable."""
    if text is None or not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        return "bad"
    return value if math.isfinite(value) else "infinite"


def _read_coordinates(
    kind: Kind, rows: list[Row], raw: list[dict[str, str]], table: RawTable, issues: list[Issue]
) -> None:
    """Parse, range-check (in a geographic datum, noticing swapped columns) and convert to WGS84
    each row's lng/lat; a row that fails gets an issue and no position."""
    geographic = is_geographic(table.datum)
    good: list[tuple[Row, float, float]] = []
    for row, rec in zip(rows, raw, strict=True):
        if row.number in table.bad_rows:
            continue
        x, y = _number(rec.get("lng")), _number(rec.get("lat"))
        if x is None and y is None and kind == "units":
            continue  # the park's location
        problems = []
        for name, value in (("lng", x), ("lat", y)):
            if value is None:
                problems.append(
                    (
                        name,
                        _("required, but the cell is empty")
                        if kind == "parks"
                        else _("give both lng and lat, or neither (the park's location)"),
                    )
                )
            elif value == "bad":
                problems.append((name, _("must be a number, not '%(value)s'", value=rec[name])))
            elif value == "infinite":
                problems.append(
                    (name, _("must be a finite number, not %(value)s", value=rec[name]))
                )
        if not problems and geographic:
            assert isinstance(x, float) and isinstance(y, float)
            if not (-180 <= x <= 180 and -90 <= y <= 90):
                if -90 <= x <= 90 and -180 <= y <= 180:
                    problems.append(("lng/lat", _swapped(rec["lng"], rec["lat"])))
                else:
                    if not -180 <= x <= 180:
                        problems.append(("lng", _("must be between -180 and 180, not %(value)s",
                                                  value=rec["lng"])))  # fmt: skip
                    if not -90 <= y <= 90:
                        problems.append(("lat", _("must be between -90 and 90, not %(value)s",
                                                  value=rec["lat"])))  # fmt: skip
        if problems:
            issues.extend(Issue(row.number, f, m) for f, m in problems)
            row.failed.update(f for f, _m in problems)
            continue
        good.append((row, x, y))  # type: ignore[arg-type]
    if not good:
        return
    xs, ys = to_wgs84([g[1] for g in good], [g[2] for g in good], table.datum)
    for (row, _x, _y), lng, lat in zip(good, xs, ys, strict=True):
        if math.isfinite(lng) and math.isfinite(lat) and abs(lng) <= 180 and abs(lat) <= 90:
            row.lng, row.lat = lng, lat
        else:
            issues.append(
                Issue(
                    row.number,
                    "lng/lat",
                    _(
                        "these coordinates do not convert to a place on Earth from %(crs)s",
                        crs=str(table.datum),
                    ),
                )
            )
            row.failed.add("lng/lat")


def _swapped(lng: str, lat: str) -> Any:
    return _(
        "lng %(lng)s and lat %(lat)s look swapped: in Futian the longitude (lng) is about "
        "114.0 and the latitude (lat) about 22.5",
        lng=lng,
        lat=lat,
    )


def _outside_futian(session: Session, rows: list[Row], table: RawTable) -> list[Issue]:
    located = [r for r in rows if r.lng is not None and r.lat is not None]
    inside = districts.points_in_futian(session, [r.lng for r in located], [r.lat for r in located])
    outside = [r for r, ok in zip(located, inside, strict=True) if not ok]
    if not outside:
        return []
    swapped_inside = [False] * len(outside)
    if is_geographic(table.datum):  # would the point be in Futian the other way round?
        swapped_inside = list(
            districts.points_in_futian(session, [r.lat for r in outside], [r.lng for r in outside])
        )
    issues = []
    for row, swapped in zip(outside, swapped_inside, strict=True):
        message = (
            _swapped(f"{row.lng:.6f}", f"{row.lat:.6f}")
            if swapped
            else _(
                "the point (%(lng)s, %(lat)s) is outside Futian",
                lng=f"{row.lng:.6f}",
                lat=f"{row.lat:.6f}",
            )
        )
        issues.append(Issue(row.number, "lng/lat", message))
        row.failed.add("lng/lat")
    return issues


# -- checks against the database -------------------------------------------------------------


def _duplicates(values: list[tuple[int, str]], field_name: str) -> list[Issue]:
    first: dict[str, int] = {}
    issues = []
    for row, value in values:
        if value in first:
            issues.append(
                Issue(
                    row,
                    field_name,
                    _("'%(value)s' is already in row %(first)s", value=value, first=first[value]),
                )
            )
        else:
            first[value] = row
    return issues


def _unknown_industries(rows: list[Row], known: set[str]) -> list[Issue]:
    issues = []
    for row in rows:
        for code in row.values.get("industries", []):
            if code in known:
                continue
            near = _nearest(code, known)
            message = (
                _("unknown industry '%(code)s'; did you mean '%(near)s'?", code=code, near=near)
                if near
                else _("unknown industry '%(code)s'", code=code)
            )
            issues.append(Issue(row.number, "industries", message))
    return issues


def _park_code(values: dict[str, Any]) -> str:
    if values.get("code"):
        return values["code"]
    digest = hashlib.sha1(values["name_zh"].encode("utf-8")).hexdigest()[:10]
    return f"park-{digest}"


def _check_parks(session: Session, rows: list[Row]) -> tuple[list[Issue], dict]:
    named = [r for r in rows if "name_zh" in r.values]
    issues = _duplicates([(r.number, r.values["name_zh"]) for r in named], "name_zh")
    # Only codes the user wrote can clash: a generated code follows a name reported above.
    issues += _duplicates(
        [(r.number, r.values["code"]) for r in rows if r.values.get("code")], "code"
    )
    issues += _unknown_industries(rows, industries.sector_codes(session))
    area_ids = areas.area_ids(session)
    located = [r for r in rows if r.lng is not None]
    found = areas.areas_containing(session, [r.lng for r in located], [r.lat for r in located])
    spatial = {r.number: code for r, code in zip(located, found, strict=True)}
    resolved: dict[int, str] = {}
    for row in rows:
        given = row.values.get("area_code")
        if given is not None and given not in area_ids:
            near = _nearest(given, area_ids)
            issues.append(
                Issue(
                    row.number,
                    "area_code",
                    _(
                        "unknown area '%(code)s'; known: %(known)s",
                        code=given,
                        known=", ".join(sorted(area_ids)),
                    )
                    if not near
                    else _(
                        "unknown area '%(code)s'; did you mean '%(near)s'?", code=given, near=near
                    ),
                )
            )
        elif (
            given is None
            and row.number in spatial
            and spatial[row.number] is None
            and ("lng/lat" not in row.failed)
        ):
            issues.append(
                Issue(
                    row.number,
                    "area_code",
                    _("the point is in none of the eight areas; give area_code"),
                )
            )
        elif given or spatial.get(row.number):
            resolved[row.number] = given or spatial[row.number]
    existing = {code: name for name, code in parks.park_codes_by_name(session).items()}
    for row in named:
        code = row.values.get("code")
        owner = existing.get(code) if code else None
        if owner is not None and owner != row.values["name_zh"]:
            issues.append(
                Issue(
                    row.number,
                    "code",
                    _("code '%(code)s' belongs to the park '%(park)s'", code=code, park=owner),
                )
            )
    return issues, {
        "area_ids": area_ids,
        "area_of_row": resolved,
        "existing_names": set(existing.values()),
    }


def _check_units(session: Session, rows: list[Row]) -> tuple[list[Issue], dict]:
    coded = [r for r in rows if "code" in r.values]
    issues = _duplicates([(r.number, r.values["code"]) for r in coded], "code")
    # A register cannot take back space already approved: capacity must hold it (the free area
    # is reconciled when written; a smaller capacity is the file's error, the ledger refuses it).
    approved = units.approved_by_code(session, [r.values["code"] for r in coded])
    for row in coded:
        taken, capacity = approved.get(row.values["code"], 0.0), row.values.get("capacity_m2")
        if taken and isinstance(capacity, (int, float)) and capacity + 0.01 < taken:
            issues.append(
                Issue(
                    row.number,
                    "capacity_m2",
                    _(
                        "capacity %(capacity)s m² is less than the %(approved)s m² already "
                        "approved in unit %(code)s",
                        capacity=f"{capacity:g}",
                        approved=f"{taken:g}",
                        code=row.values["code"],
                    ),
                )
            )
    keys = parks.park_keys(session)
    for row in rows:
        park = row.values.get("park")
        if park is not None and park not in keys:
            near = _nearest(park, keys)
            issues.append(
                Issue(
                    row.number,
                    "park",
                    _("unknown park '%(park)s'; did you mean '%(near)s'?", park=park, near=near)
                    if near
                    else _("unknown park '%(park)s'", park=park),
                )
            )
    return issues, {"park_keys": keys, "approved": approved}


# -- writing ----------------------------------------------------------------------------------


def _write_parks(
    session: Session, rows: list[tuple[Row, ParkRecord]], ctx: dict, source: str, actor: Actor
) -> tuple[int, int, list[units.Reconciled]]:
    park_rows = []
    for row, rec in rows:
        park_rows.append(
            {
                "code": _park_code(row.values),
                "name_zh": rec.name_zh,
                "name_en": rec.name_en or rec.name_zh,
                "area_id": ctx["area_ids"][ctx["area_of_row"][row.number]],
                "area_is_estimate": rec.area_code is None,
                "park_type": rec.park_type,
                "operator": rec.operator,
                "address": rec.address,
                "land_area_m2": rec.land_area_m2,
                "floor_area_m2": rec.floor_area_m2,
                "low_cost_area_m2": rec.low_cost_area_m2,
                "space_is_estimate": False,
                "documented_firms": rec.documented_firms,
                "figures_zh": "",
                "figures_en": "",
                "location_error_m": rec.location_error_m,
                "geom": point_ewkt(row.lng, row.lat),
                "source": rec.source or source,
                "is_estimate": rec.is_estimate,
                "is_synthetic": False,
            }
        )
    ids = parks.upsert_parks(session, park_rows)
    focus = [
        {
            "park_id": ids[_park_code(row.values)],
            "industry_code": code,
            "is_whitelist": rec.industries_are_whitelist,
            "source": rec.source or source,
            "is_estimate": False,
            "is_synthetic": False,
        }
        for row, rec in rows
        for code in dict.fromkeys(rec.industries)
    ]
    parks.replace_park_industries(session, [ids[_park_code(r.values)] for r, _p in rows], focus)
    updated = sum(1 for _r, rec in rows if rec.name_zh in ctx["existing_names"])
    return len(rows) - updated, updated, []


def _write_units(
    session: Session, rows: list[tuple[Row, UnitRecord]], ctx: dict, source: str, actor: Actor
) -> tuple[int, int, list[units.Reconciled]]:
    existing = units.unit_codes(session)
    park_geom = parks.park_locations(session)
    unit_rows = []
    for row, rec in rows:
        park_id = ctx["park_keys"][rec.park][0]
        own = row.lng is not None and row.lat is not None
        unit_rows.append(
            {
                "code": rec.code,
                "park_id": park_id,
                "floor": rec.floor,
                "capacity_m2": rec.capacity_m2,
                "available_m2": rec.available_m2,
                "rent_cny_m2_month": rec.rent_cny_m2_month,
                "is_low_cost": rec.is_low_cost,
                "features": sorted(set(rec.features)),
                "available_from": rec.available_from,
                "geom": point_ewkt(row.lng, row.lat) if own else park_geom[park_id][0],
                "source": rec.source or source,
                "is_estimate": rec.is_estimate or (not own and park_geom[park_id][1]),
                "is_synthetic": False,
            }
        )
    # The register's free area, less what spacemap approved since, as the load does.
    reconciled = units.reconcile_with_approvals(session, unit_rows, ctx["approved"])
    ids = units.upsert_units(session, unit_rows)
    for change in reconciled:
        audit.record_reconciled(session, actor, change, source, ids)
    updated = sum(1 for _r, rec in rows if rec.code in existing)
    return len(rows) - updated, updated, reconciled


_CHECKS = {"parks": _check_parks, "units": _check_units}
_WRITERS = {"parks": _write_parks, "units": _write_units}


def import_file(
    session: Session,
    kind: Kind,
    path: Path,
    crs: str | None = None,
    encoding: str = "utf-8",
    *,
    actor: Actor = audit.SYSTEM,
    name: str | None = None,
    limits: Limits | None = None,
) -> ImportResult:
    """Validate ``path`` whole; raise ImportRejected listing every issue, else write it all and
    record who imported what (``name``: the file's name as the user knows it)."""
    model = MODELS[kind]
    table = read_records(path, crs, encoding, limits or Limits.from_settings())
    issues = list(table.issues)
    if not any(i.row is None for i in issues):
        missing = [c for c in REQUIRED_COLUMNS[kind] if c not in table.columns]
        issues += [
            Issue(None, c, _("the column '%(column)s' is missing", column=c)) for c in missing
        ]
        if not table.records and not missing:
            issues.append(Issue(None, "(file)", _("the file has no data rows")))
    if any(i.row is None for i in issues):
        raise ImportRejected(issues)
    # Approvals wait for the import and it for them, so the approved area it reconciles
    # against cannot change underneath it (the lock order every writer keeps).
    units.lock_for_bulk_write(session)
    rows = []
    for number, raw in enumerate(table.records, 1):
        if number in table.bad_rows and not raw:
            rows.append(Row(number, {}, {"(row)"}))
            continue
        values, problems = parse_row(model, raw)
        issues += [Issue(number, f, m) for f, m in problems]
        rows.append(Row(number, values, {f for f, _m in problems}))
    _read_coordinates(kind, rows, table.records, table, issues)
    readable = [r for r in rows if "(row)" not in r.failed]
    issues += _outside_futian(session, readable, table)
    db_issues, ctx = _CHECKS[kind](session, readable)
    issues += db_issues
    if issues:
        raise ImportRejected(issues)
    shown = name or path.name
    records = [(r, build(model, {**r.values, "lng": r.lng, "lat": r.lat})) for r in rows]
    created, updated, reconciled = _WRITERS[kind](session, records, ctx, f"import: {shown}", actor)
    known = set(model.model_fields)
    ignored = [c for c in table.columns if c not in known]
    audit.record(
        session,
        actor,
        "dataset",
        f"import:{kind}",
        "import",
        reason=shown,
        after={
            "file": shown,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "crs": crs or "file",
            "rows": len(records),
            "created": created,
            "updated": updated,
            "reconciled": [c.code for c in reconciled],
        },
    )
    return ImportResult(kind, len(records), created, updated, ignored, reconciled)
