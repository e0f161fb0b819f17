"""SQL for ``districts``: the boundary that decides what is 'in Futian'."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from spacemap.models import District
from spacemap.store.common import upsert


def upsert_districts(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    return upsert(session, District, rows, ["adcode"])


def points_in_futian(session: Session, lng: Sequence[float], lat: Sequence[float]) -> np.ndarray:
    """One query for all points: True where the point lies inside Futian's boundary."""
    if len(lng) == 0:
        return np.zeros(0, dtype=bool)
    rows = session.execute(
        text(
            "SELECT p.i, ST_Covers(d.geom, ST_SetSRID(ST_MakePoint(p.x, p.y), 4326)) "
            "FROM unnest(CAST(:x AS float8[]), CAST(:y AS float8[])) WITH ORDINALITY AS p(x, y, i) "
            "CROSS JOIN (SELECT geom FROM districts WHERE is_futian) d ORDER BY p.i"
        ),
        {"x": list(map(float, lng)), "y": list(map(float, lat))},
    ).all()
    if not rows:
        raise LookupError("Futian's boundary is not loaded; run `spacemap load` first")
    return np.array([bool(r[1]) for r in rows])


def futian_area_km2(session: Session) -> float:
    return float(
        session.execute(
            text("SELECT ST_Area(geom::geography) / 1e6 FROM districts WHERE is_futian")
        ).scalar_one()
    )
