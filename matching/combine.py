"""Sites of several units: a need bigger than any free unit, met by free units of one park.

Per park, among the units that pass every rule but the area (``queries.COMBINABLE``), the fewest
floors first, then the narrowest span of floors, then the fewest units: the largest units of a
window of floors until their free area reaches the minimum. The company takes each unit whole
except the last, cut so the site stays within its maximum. A combination is scored by the same
model as a unit — as one site with the total area and the area-weighted rent — and explained the
same way, with a line that says which units make it up.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from matching.explain import Reason, top_reasons
from matching.features import build_features
from matching.models import contributions
from matching.profile import CompanyProfile
from matching.queries import add_peers, fetch_combinable, fetch_unit_details
from matching.sites import Location, fit_percentiles, location, names, records
from spacemap.i18n import Msg, Names, ngettext
from spacemap.vocab import PARK_TYPES

MAX_UNITS = 6  # more pieces than this is not one site a company would take


class CombinedUnit(BaseModel):
    unit_code: str
    floor: int | None
    available_m2: float
    apply_m2: float = Field(description="the part of the unit the company takes (whole but one)")
    rent_cny_m2_month: float
    effective_rent_cny_m2_month: float
    features: list[str]
    available_from: dt.date
    is_synthetic: bool


class Combination(BaseModel):
    """Several units of one park offered, ranked and applied for as one site."""

    rank: int
    fit: float = Field(description="percentile among the single units and combinations feasible")
    score: float = Field(description="the model's score of the site as a whole")
    summary: str = Field(description="which units make the site up, in the reader's language")
    park_code: str
    park_name: str
    park_name_zh: str
    park_name_en: str
    park_type: str
    park_type_name: str
    area_code: str
    area_name: str
    zone_code: str
    zone_name: str
    floors: list[int | None]
    same_floor: bool
    total_m2: float = Field(description="the area applied for: the sum of the units' apply_m2")
    effective_rent_cny_m2_month: float = Field(description="area-weighted, after subsidy")
    available_from: dt.date = Field(description="move-in date: when the last unit is free")
    m2_per_person: float
    is_synthetic: bool
    location: Location
    units: list[CombinedUnit]
    reasons: list[Reason]


@dataclass(frozen=True)
class Pick:
    rows: list[int]  # positions in the combinable frame, largest unit first
    takes: list[float]  # m² taken of each
    key: tuple[int, float, int]  # floors, span of floors, units: smaller is better


def _floor(value: float) -> float:
    return -1.0 if value is None or math.isnan(value) else float(value)


def pick_in_park(units: pd.DataFrame, min_m2: float, max_m2: float) -> Pick | None:
    """The best combination of ``units`` (one park's) reaching ``min_m2``, or None."""
    floors = np.array([_floor(f) for f in units["floor"]])
    levels = np.unique(floors)
    best: Pick | None = None
    for i, low in enumerate(levels):
        for j in range(i, len(levels)):
            inside = np.flatnonzero((floors >= low) & (floors <= levels[j]))
            area = units["available_m2"].to_numpy()[inside]
            codes = units["unit_code"].to_numpy()[inside]
            order = inside[np.lexsort((codes, -area))]
            total = np.cumsum(units["available_m2"].to_numpy()[order])
            k = int(np.searchsorted(total, min_m2 - 1e-9)) + 1
            if k > len(order):
                continue  # not enough yet: widen the window
            if k > MAX_UNITS:
                continue  # too many pieces: a wider window may hold bigger units
            key = (j - i + 1, float(levels[j] - low), k)
            if best is None or key < best.key:
                chosen = order[:k].tolist()
                best = Pick(chosen, _takes(units, chosen, max_m2), key)
            break  # a wider window from this floor only adds floors
    return best if best is not None and sum(best.takes) >= min_m2 - 1e-9 else None


def _takes(units: pd.DataFrame, rows: list[int], max_m2: float) -> list[float]:
    free = [float(units["available_m2"].iloc[r]) for r in rows]
    before_last = sum(free[:-1])
    last = min(free[-1], math.floor((max_m2 - before_last) * 100) / 100)
    return [*free[:-1], last]


def _site_row(units: pd.DataFrame, pick: Pick) -> dict[str, Any]:
    """The combination as one candidate row: the park's columns, the total area taken and the
    area-weighted rent and subsidy (what the model scores)."""
    part = units.iloc[pick.rows]
    weights = np.array(pick.takes)
    row = part.iloc[0].to_dict()
    row.update(
        unit_code="+".join(part["unit_code"]),
        available_m2=float(weights.sum()),
        rent_cny_m2_month=float(np.average(part["rent_cny_m2_month"], weights=weights)),
        subsidy_rate=float(np.average(part["subsidy_rate"], weights=weights)),
        is_low_cost=bool(part["is_low_cost"].all()),
        metro_m=float(part["metro_m"].min()),
        border_m=float(part["border_m"].min()),
    )
    return row


def _summary(floors: list[int | None], n: int, total: float) -> Msg:
    known = sorted({f for f in floors if f is not None})
    if len(known) == 1 and None not in floors:
        return ngettext("%(n)d unit on floor %(floor)d, %(total).0f m² together.",
                        "%(n)d units on floor %(floor)d, %(total).0f m² together.",
                        n, floor=known[0], total=total)  # fmt: skip
    if known:
        return ngettext("%(n)d unit on floors %(low)d–%(high)d, %(total).0f m² together.",
                        "%(n)d units on floors %(low)d–%(high)d, %(total).0f m² together.",
                        n, low=known[0], high=known[-1], total=total)  # fmt: skip
    return ngettext("%(n)d unit, %(total).0f m² together.",
                    "%(n)d units, %(total).0f m² together.", n, total=total)  # fmt: skip


def combinations(
    session: Session,
    profile: CompanyProfile,
    model: object,
    params: dict[str, Any],
    single_scores: np.ndarray,
    limit: int,
) -> list[Combination]:
    """The ``limit`` best combinations, one per park, best score first."""
    units = fetch_combinable(session, params)
    if units.empty or limit <= 0:
        return []
    picks = []
    for _park, group in units.groupby("park_id", sort=True):
        found = pick_in_park(group.reset_index(drop=True), profile.min_area_m2,
                             profile.max_area_m2)  # fmt: skip
        if found is not None:  # positions in the park's rows → positions in ``units``
            picks.append(Pick([int(group.index[r]) for r in found.rows], found.takes, found.key))
    if not picks:
        return []
    sites = pd.DataFrame([_site_row(units, p) for p in picks])
    add_peers(session, params, sites)
    X = build_features(sites, profile)
    scores = model.score_0_100(X)  # type: ignore[attr-defined]
    order = np.lexsort((sites["unit_code"].to_numpy(), -np.round(scores, 9)))[:limit]
    pool = np.concatenate([single_scores, scores])
    fits = fit_percentiles(pool)[len(single_scores) :]
    reference = getattr(model, "reference_", None)
    if reference is None:
        reference = X.median(numeric_only=True)
    contrib = contributions(model, X.iloc[order], reference)
    ids = [int(units["unit_id"].iloc[r]) for i in order for r in picks[i].rows]
    details = fetch_unit_details(session, ids, profile.industries)
    return [
        _combination(rank, picks[i], units, details, float(scores[i]), float(fits[i]),
                     top_reasons(x, w, sites.iloc[i].to_dict() | _park_row(units, picks[i],
                                                                           details), profile),
                     profile)
        for rank, (i, x, w) in enumerate(
            zip(order, records(X.iloc[order]), records(contrib), strict=True), start=1
        )
    ]  # fmt: skip


def _park_row(units: pd.DataFrame, pick: Pick, details: Mapping[int, dict]) -> dict[str, Any]:
    return details[int(units["unit_id"].iloc[pick.rows[0]])]


def _combination(
    rank: int,
    pick: Pick,
    units: pd.DataFrame,
    details: Mapping[int, dict[str, Any]],
    score: float,
    fit: float,
    reasons: list[Reason],
    profile: CompanyProfile,
) -> Combination:
    parts = []
    for r, take in zip(pick.rows, pick.takes, strict=True):
        unit = units.iloc[r]
        d = details[int(unit["unit_id"])]
        rent, subsidy = float(unit["rent_cny_m2_month"]), float(unit["subsidy_rate"])
        parts.append(CombinedUnit(
            unit_code=unit["unit_code"], floor=d["floor"], available_m2=float(unit["available_m2"]),
            apply_m2=take, rent_cny_m2_month=rent,
            effective_rent_cny_m2_month=round(rent * (1 - subsidy), 1),
            features=list(d["features"]), available_from=d["available_from"],
            is_synthetic=bool(d["is_synthetic"]),
        ))  # fmt: skip
    first = details[int(units["unit_id"].iloc[pick.rows[0]])]
    total = float(sum(pick.takes))
    floors = [p.floor for p in parts]
    weights = np.array(pick.takes)
    return Combination(
        rank=rank, fit=round(fit, 1), score=round(score, 1),
        summary=str(_summary(floors, len(parts), total)),
        **{k: v for k, v in names(first).items() if k != "floor"}, park_type=first["park_type"],
        park_type_name=Names(*PARK_TYPES[first["park_type"]]).render(),
        floors=floors, same_floor=len(set(floors)) == 1, total_m2=round(total, 2),
        effective_rent_cny_m2_month=round(float(np.average(
            [p.effective_rent_cny_m2_month for p in parts], weights=weights)), 1),
        available_from=max(p.available_from for p in parts),
        m2_per_person=round(total / profile.headcount, 1),
        is_synthetic=any(p.is_synthetic for p in parts), location=location(first),
        units=parts, reasons=reasons,
    )  # fmt: skip
