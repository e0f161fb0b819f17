"""SQL for ``zones``, ``areas``, ``area_parts`` and ``area_whitelist`` (the 正面清单)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from spacemap.models import Area, AreaPart, AreaWhitelist, Zone
from spacemap.store.common import id_map, upsert


def upsert_zones(session: Session, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    upsert(session, Zone, rows, ["code"])
    return id_map(session, Zone, "code")


def upsert_areas(session: Session, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    upsert(session, Area, rows, ["code"])
    return id_map(session, Area, "code")


def replace_area_parts(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """The dataset owns the parts: parts it no longer lists are removed."""
    keep = [r["code"] for r in rows]
    session.execute(
        text("DELETE FROM area_parts WHERE NOT (code = ANY(CAST(:keep AS varchar[])))"),
        {"keep": keep},
    )
    return upsert(session, AreaPart, rows, ["code"])


def area_ids(session: Session) -> dict[str, int]:
    return id_map(session, Area, "code")


def replace_whitelist(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """The dataset owns the whitelist: rows it no longer lists are removed."""
    keep = {(r["area_id"], r["industry_code"]) for r in rows}
    for area_id, code in session.execute(text("SELECT area_id, industry_code FROM area_whitelist")):
        if (area_id, code) not in keep:
            session.execute(
                text("DELETE FROM area_whitelist WHERE area_id = :a AND industry_code = :c"),
                {"a": area_id, "c": code},
            )
    return upsert(session, AreaWhitelist, rows, ["area_id", "industry_code"])


def areas_containing(
    session: Session, lng: Sequence[float], lat: Sequence[float]
) -> list[str | None]:
    """The area code each point falls in (None outside every area), in one query."""
    rows = session.execute(
        text(
            "SELECT p.i, (SELECT a.code FROM areas a WHERE ST_Covers(a.geom, "
            "ST_SetSRID(ST_MakePoint(p.x, p.y), 4326)) LIMIT 1) "
            "FROM unnest(CAST(:x AS float8[]), CAST(:y AS float8[])) WITH ORDINALITY AS p(x, y, i) "
            "ORDER BY p.i"
        ),
        {"x": list(map(float, lng)), "y": list(map(float, lat))},
    ).all()
    return [r[1] for r in rows]


def area_names(session: Session) -> dict[str, tuple[str, str]]:
    """Area code → (中文名, English name), for pick lists."""
    rows = session.execute(text("SELECT code, name_zh, name_en FROM areas ORDER BY code"))
    return {code: (zh, en) for code, zh, en in rows}
