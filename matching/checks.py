"""The hard checks' outcomes in words, for a near miss and for a filed application alike.

The outcomes come from SQL (``queries``: one expression per rule, shared by the candidate query,
the near misses and the application checks); this module only says what each outcome means for
the company, with the numbers behind it, in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from matching.profile import CompanyProfile
from matching.queries import CHECK_NAMES
from spacemap.i18n import Joined, Msg, Names, _
from spacemap.vocab import UNIT_FEATURES

PASSED: dict[str, Msg] = {
    "whitelist": _("The sector is on this area's whitelist."),
    "area": _("Enough free floor space."),
    "features": _("Has every required feature."),
    "rent": _("Rent after subsidy within budget."),
    "available": _("Available in time."),
}


class Check(BaseModel):
    """One hard check, worded for the reader (``message`` is rendered in their language)."""

    check: str
    passed: bool
    message: str


def failure(name: str, row: Mapping[str, Any], profile: CompanyProfile, need_m2: float) -> Msg:
    """Why ``row`` (a unit's outcomes, from ``queries``) fails check ``name`` for this company."""
    if name == "whitelist":
        return _("The sector is not on this area's whitelist.")
    if name == "area":
        return _(
            "Only %(available)g m² free < %(need)g m² needed.",
            available=float(row["available_m2"]),
            need=need_m2,
        )
    if name == "features":
        missing = sorted(set(profile.required_features) - set(row["features"]))
        return _("Lacks: %(features)s.", features=_feature_list(missing))
    if name == "rent":
        return _(
            "Rent after subsidy %(rent).0f > budget %(budget).0f CNY/m²/month.",
            rent=float(row["effective_rent"]),
            budget=profile.max_rent_cny_m2_month,
        )
    if float(row["available_m2"]) <= 0:
        return _("Fully let.")
    return _("Free from %(date)s, after your move-in date.", date=str(row["available_from"]))


def _feature_list(codes: list[str]) -> Joined:
    return Joined(tuple(Names(*UNIT_FEATURES[c]) for c in codes))


def outcomes(row: Mapping[str, Any], profile: CompanyProfile, need_m2: float) -> list[Check]:
    """Every hard check of one unit for one company, passed or not, worded."""
    return [
        Check(
            check=name,
            passed=bool(row[f"{name}_ok"]),
            message=str(
                PASSED[name] if row[f"{name}_ok"] else failure(name, row, profile, need_m2)
            ),
        )
        for name in CHECK_NAMES
    ]
