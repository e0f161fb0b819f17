"""What to change when a search finds little: computed from the units, never canned.

For each need a company can relax — the budget, one required feature, the minimum area, the
move-in date — the units that fail only that need say by how much it must move: the smallest
change that lets ``TARGET`` of them in, and how many it lets in. Areas the plans position for the
company's sector but that list no free space are named too (安托山 for new energy).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from matching.profile import CompanyProfile
from matching.queries import fetch_advice, fetch_empty_areas
from spacemap.i18n import Msg, Names, _, ngettext
from spacemap.taxonomy import sectors
from spacemap.vocab import UNIT_FEATURES

TARGET = 5  # a change is sized to admit this many units (fewer when fewer exist)


class Relaxation(BaseModel):
    check: str = Field(description="the check it relaxes: rent | features | area | available")
    field: str = Field(description="the profile field to change")
    value: float | str | None = Field(
        description="the new value: budget (CNY/m²/month), minimum area (m²), move-in date, or "
        "the feature code to drop"
    )
    units: int = Field(description="units that become feasible with this change alone")
    text: str


class EmptyArea(BaseModel):
    area_code: str
    area_name: str
    positioning: str
    sector: str
    text: str


class Advice(BaseModel):
    headline: str
    relaxations: list[Relaxation] = Field(description="most units admitted first")
    empty_areas: list[EmptyArea]


def _budget(rents: list[float], profile: CompanyProfile) -> Relaxation | None:
    if not rents:
        return None
    budget = float(math.ceil(rents[min(TARGET, len(rents)) - 1]))
    n = sum(r <= budget for r in rents)
    return Relaxation(
        check="rent", field="max_rent_cny_m2_month", value=budget, units=n,
        text=str(ngettext("Raise the budget to %(budget).0f CNY/m²/month: %(n)d more unit.",
                          "Raise the budget to %(budget).0f CNY/m²/month: %(n)d more units.",
                          n, budget=budget)),
    )  # fmt: skip


def _area(areas: list[float], profile: CompanyProfile) -> Relaxation | None:
    if not areas:
        return None
    low = float(math.floor(areas[min(TARGET, len(areas)) - 1]))
    if low < 1:
        return None
    n = sum(a >= low for a in areas)
    return Relaxation(
        check="area", field="min_area_m2", value=low, units=n,
        text=str(ngettext("Lower the minimum area to %(area).0f m²: %(n)d more unit.",
                          "Lower the minimum area to %(area).0f m²: %(n)d more units.",
                          n, area=low)),
    )  # fmt: skip


def _date(dates: list[dt.date], profile: CompanyProfile) -> Relaxation | None:
    if not dates:
        return None
    day = dates[min(TARGET, len(dates)) - 1]
    n = sum(d <= day for d in dates)
    return Relaxation(
        check="available", field="move_in_by", value=day.isoformat(), units=n,
        text=str(ngettext("Move in from %(date)s instead: %(n)d more unit.",
                          "Move in from %(date)s instead: %(n)d more units.",
                          n, date=day.isoformat())),
    )  # fmt: skip


def _drop(code: str, n: int) -> Relaxation:
    return Relaxation(
        check="features", field="required_features", value=code, units=n,
        text=str(ngettext("Drop %(feature)s: %(n)d more unit.",
                          "Drop %(feature)s: %(n)d more units.",
                          n, feature=Names(*UNIT_FEATURES[code]))),
    )  # fmt: skip


def _drops(counts: dict[str, int]) -> list[Relaxation]:
    return [_drop(code, n) for code, n in sorted(counts.items()) if n > 0]


def _empty_area(row: dict[str, Any]) -> EmptyArea:
    name = Names(row["name_zh"], row["name_en"])
    positioning = Names(row["positioning_zh"], row["positioning_en"])
    sector = Names(*sectors()[row["sector"]])
    text = _(
        "%(area)s is positioned for %(sector)s (%(positioning)s) but lists no free space yet.",
        area=name, sector=sector, positioning=positioning,
    )  # fmt: skip
    return EmptyArea(
        area_code=row["code"], area_name=name.render(), positioning=positioning.render(),
        sector=row["sector"], text=str(text),
    )  # fmt: skip


def advise(
    session: Session, profile: CompanyProfile, params: dict[str, Any], feasible: int
) -> Advice:
    """Advice for a search that found ``feasible`` units (``params``: its search parameters)."""
    row = fetch_advice(session, params, keep=200)
    found = [
        _budget(list(row["rents"]), profile),
        *_drops({k: int(v) for k, v in row["drop_feature"].items()}),
        _area(list(row["areas"]), profile),
        _date(list(row["dates"]), profile),
    ]
    relaxations = sorted((r for r in found if r is not None), key=lambda r: (-r.units, r.check))
    headline: Msg
    if feasible:
        headline = ngettext("Only %(n)d unit meets every need.",
                            "Only %(n)d units meet every need.", feasible)  # fmt: skip
    elif int(row["admitted_units"]) == 0:
        headline = _("No area's whitelist admits your sectors in a park with units.")
    else:
        headline = _("No unit meets every need.")
    if relaxations:
        headline = _("%(headline)s Best change: %(change)s", headline=headline,
                     change=relaxations[0].text)  # fmt: skip
    return Advice(
        headline=str(headline),
        relaxations=relaxations,
        empty_areas=[_empty_area(r) for r in fetch_empty_areas(session, profile.industries)],
    )
