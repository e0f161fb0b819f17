"""Reasons a person can read, chosen by the model.

Each feature's contribution comes from ``models.contributions`` (ablation against the typical
training value); the three largest positive contributions become reasons, each worded with the
number behind it. The wording is a template, the choice and order are the model's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
from pydantic import BaseModel

from matching.profile import CompanyProfile
from spacemap.i18n import Msg, Names, _
from spacemap.taxonomy import sectors
from spacemap.vocab import PARK_TYPES, STAGES


class Reason(BaseModel):
    feature: str
    contribution: float  # score points this feature adds against a typical candidate
    text: str  # in the reader's language


Text = Callable[[Mapping[str, Any], CompanyProfile], Msg]


def _industry(row: Mapping[str, Any], p: CompanyProfile) -> Msg:
    return _("The park focuses on your sector (%(sector)s).", sector=Names(*sectors()[p.industry]))


def _rent(row: Mapping[str, Any], p: CompanyProfile) -> Msg:
    return _(
        "Rent %(rent).0f CNY/m²/month, %(pct).0f%% under budget.",
        rent=row["rent_ratio"] * p.max_rent_cny_m2_month,
        pct=100 * (1 - row["rent_ratio"]),
    )


def _area(row: Mapping[str, Any], p: CompanyProfile) -> Msg:
    return _(
        "%(free).0f m² free for your %(low).0f–%(high).0f m² need.",
        free=row.get("available_m2", row["area_ratio"] * p.max_area_m2),  # the unit's own
        low=p.min_area_m2, high=p.max_area_m2,
    )  # fmt: skip


def _stage(row: Mapping[str, Any], p: CompanyProfile) -> Msg:
    return _(
        "A %(park_type)s suits a %(stage)s company.",
        park_type=Names(*PARK_TYPES[row["park_type"]]),
        stage=Names(*STAGES[p.stage]),
    )


TEXTS: dict[str, Text] = {
    "industry_exact": _industry,
    "industry_related": lambda r, p: _("The park focuses on a related sector."),
    "area_lead": lambda r, p: _("Your sector is a lead industry of this area."),
    "area_ratio": _area,
    "rent_ratio": _rent,
    "metro_m": lambda r, p: _("%(m).0f m to a metro station.", m=r["metro_m"]),
    "border_m_hk": lambda r, p: _(
        "%(km).1f km to a Hong Kong border crossing.", km=r["border_m_hk"] / 1000
    ),
    "peers_500m": lambda r, p: _("%(n).0f same-industry firms within 500 m.", n=r["peers_500m"]),
    "peers_1km": lambda r, p: _("%(n).0f same-industry firms within 1 km.", n=r["peers_1km"]),
    "stage_type_fit": _stage,
    "park_occupancy": lambda r, p: _("The park is %(pct).0f%% let.", pct=100 * r["park_occupancy"]),
    "is_low_cost": lambda r, p: _("Low-cost industrial space."),
    "subsidy_rate": lambda r, p: _(
        "Eligible for a %(pct).0f%% rent subsidy (an assumed rate).", pct=100 * r["subsidy_rate"]
    ),
    "preferred_area": lambda r, p: _("In an area you prefer."),
    "programme_fit": lambda r, p: _("Offers an incubation or acceleration programme."),
}


# A reason must be true of the unit: these features only speak when the unit has the property.
_CLAIMS_PRESENCE = {
    "industry_exact", "industry_related", "area_lead", "is_low_cost", "preferred_area",
    "programme_fit", "subsidy_rate",
}  # fmt: skip


def _truthful(name: str, value: float) -> bool:
    if pd.isna(value):
        return False
    if name in _CLAIMS_PRESENCE:
        return value > 0
    if name == "rent_ratio":
        return value < 1
    return True


def top_reasons(
    features: Mapping[str, float],
    contributions: Mapping[str, float],
    context: Mapping[str, Any],
    profile: CompanyProfile,
    k: int = 3,
) -> list[Reason]:
    """The ``k`` features that add most to this unit's score, worded with their values.

    ``context`` supplies what the wording needs beyond the features (the park type)."""
    row = {**context, **features}
    ranked = sorted(
        (
            (float(value), name)
            for name, value in contributions.items()
            if value > 1e-9 and _truthful(name, features[name])
        ),
        key=lambda item: -item[0],
    )
    reasons = []
    for value, name in ranked[:k]:
        text = str(TEXTS[name](row, profile))
        reasons.append(Reason(feature=name, contribution=round(value, 2), text=text))
    return reasons
