"""What a result says about a place, shared by single units and combinations of units."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from spacemap.i18n import Names


class Location(BaseModel):
    lng: float
    lat: float
    is_estimate: bool
    error_m: float | None


def location(row: Mapping[str, Any]) -> Location:
    err = row.get("location_error_m")
    return Location(
        lng=float(row["lng"]),
        lat=float(row["lat"]),
        is_estimate=bool(row.get("is_estimate", True)),
        error_m=None if err is None or pd.isna(err) else float(err),
    )


def names(row: Mapping[str, Any]) -> dict[str, Any]:
    """Where a unit is, with each name in the reader's language."""
    return {
        "park_code": row["park_code"],
        "park_name": Names(row["park_name_zh"], row["park_name_en"]).render(),
        "park_name_zh": row["park_name_zh"],
        "park_name_en": row["park_name_en"],
        "area_code": row["area_code"],
        "area_name": Names(row["area_name_zh"], row["area_name_en"]).render(),
        "zone_code": row["zone_code"],
        "zone_name": Names(row["zone_name_zh"], row["zone_name_en"]).render(),
        "floor": None if row["floor"] is None or pd.isna(row["floor"]) else int(row["floor"]),
    }


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a small frame as dicts of Python values (``to_dict`` costs ~1 ms a call)."""
    columns = [frame[c].tolist() for c in frame.columns]
    return [dict(zip(frame.columns, values, strict=True)) for values in zip(*columns, strict=True)]


def fit_percentiles(scores: np.ndarray) -> np.ndarray:
    """Per score, the percentage of the *other* scores strictly below it (100 for the best, 0 for
    the worst; equal scores share a figure; a lone candidate is 100)."""
    n = len(scores)
    if n <= 1:
        return np.full(n, 100.0)
    rounded = np.round(scores, 9)
    below = np.searchsorted(np.sort(rounded), rounded, side="left")
    return 100.0 * below / (n - 1)
