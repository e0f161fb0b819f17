"""Features of (company, unit) pairs, computed in bulk from the candidate frame.

Spatial work (metro and border distances, same-sector peers) is done by PostGIS in the candidate
query; everything here is numpy over whole columns — no per-row Python on the hot path. The order
of ``FEATURES`` is part of a trained model's contract: artifacts record it and refuse to load when
it differs from the code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from matching.policy import PROGRAMME_TYPES, STAGE_TYPE_FIT
from matching.profile import CompanyProfile
from spacemap.vocab import PARK_TYPES

FEATURES: tuple[str, ...] = (
    "industry_exact",  # the park lists the company's sector among its fields
    "industry_related",  # ... or a sector related to it in the taxonomy
    "area_lead",  # the sector is a lead industry of the unit's area
    "area_ratio",  # available m² / the company's maximum need
    "rent_ratio",  # rent after subsidy / budget
    "metro_m",  # to the nearest metro station
    "border_m_hk",  # to the nearest HK border crossing; NaN when HK collaboration is not asked for
    "metro_m_wanted",  # metro_m when the company asks to be near a metro station, NaN otherwise
    "peers_500m",  # same-sector firms within 500 m
    "peers_1km",  # ... within 1 km
    "stage_type_fit",  # how well the park type suits the company's stage
    "park_occupancy",  # let share of the park's space
    "is_low_cost",
    "subsidy_rate",
    "preferred_area",  # 1/0 when the company named areas or zones, NaN otherwise
    "programme_fit",  # 1/0 when the company wants a programme, NaN otherwise
    "rule_score",  # the hand-weighted score, so the ranker can start from it
)

# Facts no ranking may contradict, all else equal (+1: more never scores lower, -1: less never
# scores lower): cheaper, closer to a metro station or the border, a park focused on the sector,
# the sector a lead industry, a preferred area, a wanted programme, a subsidy. Handed to
# HistGradientBoosting as ``monotonic_cst``; the rule score obeys them by construction.
MONOTONE: dict[str, int] = {
    "industry_exact": 1,
    "industry_related": 1,
    "area_lead": 1,
    "rent_ratio": -1,
    "metro_m": -1,
    "border_m_hk": -1,
    "metro_m_wanted": -1,
    "subsidy_rate": 1,
    "preferred_area": 1,
    "programme_fit": 1,
    "rule_score": 1,
}

RULE_WEIGHTS: dict[str, float] = {
    "industry": 0.30,
    "area": 0.15,
    "rent": 0.20,
    "metro": 0.10,
    "stage": 0.10,
    "peers": 0.05,
    "preference": 0.10,
}


def _preferred(frame: pd.DataFrame, profile: CompanyProfile) -> np.ndarray:
    prefs = profile.preferences
    if not prefs.areas and not prefs.zones:
        return np.full(len(frame), np.nan)
    return frame["in_preferred_area"].to_numpy(dtype=float)


def _by_park_type(frame: pd.DataFrame, values: dict[str, float], default: float) -> np.ndarray:
    """Per unit, ``values`` of its park type (the query sends the type's position in PARK_TYPES)."""
    table = np.array([values.get(t, default) for t in PARK_TYPES], dtype=float)
    return table[frame["park_type_index"].to_numpy(dtype=int)]


def rule_components(x: pd.DataFrame | dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The hand-weighted rule's parts, each in 0..1, from the other features (plain numpy)."""
    col = {name: np.asarray(x[name], dtype=float) for name in FEATURES if name in x}
    industry = np.maximum.reduce(
        [col["industry_exact"], 0.6 * col["industry_related"], 0.4 * col["area_lead"]]
    )
    area = np.clip(1.0 - np.abs(np.log(np.clip(col["area_ratio"], 1e-6, None))), 0.0, 1.0)
    rent = np.clip(2.0 * (1.0 - col["rent_ratio"]), 0.0, 1.0)  # 50 % under budget scores full
    pref_parts = np.column_stack(
        [col["preferred_area"], col["programme_fit"], np.exp(-col["border_m_hk"] / 3000.0),
         np.exp(-col["metro_m_wanted"] / 800.0)]
    )  # fmt: skip
    stated = ~np.isnan(pref_parts)
    n_stated = stated.sum(axis=1)
    total = np.where(stated, pref_parts, 0.0).sum(axis=1)
    preference = np.where(n_stated > 0, total / np.maximum(n_stated, 1), 0.5)  # 0.5: no preference
    return {
        "industry": industry,
        "area": area,
        "rent": rent,
        "metro": np.exp(-col["metro_m"] / 800.0),
        "stage": col["stage_type_fit"],
        "peers": np.minimum(1.0, col["peers_1km"] / 10.0),
        "preference": preference,
    }


def rule_score(x: pd.DataFrame | dict[str, np.ndarray]) -> np.ndarray:
    parts = rule_components(x)
    return sum(RULE_WEIGHTS[k] * parts[k] for k in RULE_WEIGHTS)


def build_features(candidates: pd.DataFrame, profile: CompanyProfile) -> pd.DataFrame:
    """One row per candidate, columns exactly ``FEATURES``, float64."""
    c = candidates
    n = len(c)
    effective_rent = c["rent_cny_m2_month"].to_numpy(float) * (
        1 - c["subsidy_rate"].to_numpy(float)
    )
    stage_fit = STAGE_TYPE_FIT[profile.stage]
    wants_programme = profile.preferences.wants_programme
    x = {
        "industry_exact": c["focus_exact"].to_numpy(float),
        "industry_related": c["focus_related"].to_numpy(float),
        "area_lead": c["is_lead"].to_numpy(float),
        "area_ratio": c["available_m2"].to_numpy(float) / profile.max_area_m2,
        "rent_ratio": effective_rent / profile.max_rent_cny_m2_month,
        "metro_m": c["metro_m"].to_numpy(float),
        "border_m_hk": c["border_m"].to_numpy(float)
        if profile.preferences.near_hk_border else np.full(n, np.nan),
        "metro_m_wanted": c["metro_m"].to_numpy(float)
        if profile.preferences.near_metro else np.full(n, np.nan),
        "peers_500m": c["peers_500m"].to_numpy(float),
        "peers_1km": c["peers_1km"].to_numpy(float),
        "stage_type_fit": _by_park_type(c, stage_fit, np.nan),
        "park_occupancy": c["park_occupancy"].to_numpy(float),
        "is_low_cost": c["is_low_cost"].to_numpy(float),
        "subsidy_rate": c["subsidy_rate"].to_numpy(float),
        "preferred_area": _preferred(c, profile),
        "programme_fit": _by_park_type(c, dict.fromkeys(PROGRAMME_TYPES, 1.0), 0.0)
        if wants_programme else np.full(n, np.nan),
    }  # fmt: skip
    x["rule_score"] = rule_score(x) if n else np.zeros(0)
    # Aggregates in SQL (sums) are not bit-stable across databases; 9 decimals are far finer than
    # any feature means, and make training reproducible wherever the same data is loaded.
    return pd.DataFrame({name: np.round(x[name], 9) for name in FEATURES}, index=c.index)
