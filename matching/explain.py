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
from spacemap.taxonomy import sectors
from spacemap.vocab import PARK_TYPES, STAGES


class Reason(BaseModel):
    feature: str
    contribution: float  # score points this feature adds against a typical candidate
    zh: str
    en: str


Text = Callable[[Mapping[str, Any], CompanyProfile], tuple[str, str]]


def _industry(row: Mapping[str, Any], p: CompanyProfile) -> tuple[str, str]:
    zh, en = sectors()[p.industry]
    return f"园区主导方向包含本行业（{zh}）", f"the park focuses on your sector ({en})"


def _rent(row: Mapping[str, Any], p: CompanyProfile) -> tuple[str, str]:
    pct = 100 * (1 - row["rent_ratio"])
    rent = row["rent_ratio"] * p.max_rent_cny_m2_month
    return (
        f"租金 {rent:.0f} 元/m²/月，低于预算 {pct:.0f}%",
        f"rent {rent:.0f} CNY/m²/month, {pct:.0f}% under budget",
    )


def _area(row: Mapping[str, Any], p: CompanyProfile) -> tuple[str, str]:
    # The unit's own figure where the row has it: ratio × need re-derived it with float error.
    avail = row.get("available_m2", row["area_ratio"] * p.max_area_m2)
    need = f"{p.min_area_m2:.0f}–{p.max_area_m2:.0f}"
    return (
        f"可用 {avail:.0f} m²，契合需求 {need} m²",
        f"{avail:.0f} m² free for your {need} m² need",
    )


def _stage(row: Mapping[str, Any], p: CompanyProfile) -> tuple[str, str]:
    t_zh, t_en = PARK_TYPES[row["park_type"]]
    s_zh, s_en = STAGES[p.stage]
    return f"{t_zh}适合{s_zh}企业", f"a {t_en} suits a {s_en} company"


TEXTS: dict[str, Text] = {
    "industry_exact": _industry,
    "industry_related": lambda r, p: (
        "园区方向与本行业相关",
        "the park focuses on a related sector",
    ),
    "area_lead": lambda r, p: (
        "本行业是该片区主导产业",
        "your sector is a lead industry of this area",
    ),
    "area_ratio": _area,
    "rent_ratio": _rent,
    "metro_m": lambda r, p: (
        f"距地铁站 {r['metro_m']:.0f} 米",
        f"{r['metro_m']:.0f} m to a metro station",
    ),
    "border_m_hk": lambda r, p: (
        f"距深港口岸 {r['border_m_hk'] / 1000:.1f} 公里",
        f"{r['border_m_hk'] / 1000:.1f} km to a Hong Kong border crossing",
    ),
    "peers_500m": lambda r, p: (
        f"500 米内同产业企业 {r['peers_500m']:.0f} 家",
        f"{r['peers_500m']:.0f} same-industry firms within 500 m",
    ),
    "peers_1km": lambda r, p: (
        f"1 公里内同产业企业 {r['peers_1km']:.0f} 家",
        f"{r['peers_1km']:.0f} same-industry firms within 1 km",
    ),
    "stage_type_fit": _stage,
    "park_occupancy": lambda r, p: (
        f"园区出租率 {100 * r['park_occupancy']:.0f}%",
        f"the park is {100 * r['park_occupancy']:.0f}% let",
    ),
    "is_low_cost": lambda r, p: ("低成本产业空间", "low-cost industrial space"),
    "subsidy_rate": lambda r, p: (
        f"可享租金补贴 {100 * r['subsidy_rate']:.0f}%（比例为假设值）",
        f"eligible for a {100 * r['subsidy_rate']:.0f}% rent subsidy (assumed rate)",
    ),
    "preferred_area": lambda r, p: ("位于您偏好的片区", "in an area you prefer"),
    "programme_fit": lambda r, p: (
        "提供孵化/加速服务",
        "offers an incubation or acceleration programme",
    ),
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
        zh, en = TEXTS[name](row, profile)
        reasons.append(Reason(feature=name, contribution=round(value, 2), zh=zh, en=en))
    return reasons
