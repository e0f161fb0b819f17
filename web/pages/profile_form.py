"""The search form ↔ a company profile ↔ a URL.

A search is a GET URL that encodes the whole profile (``/search?industry=ic&min_area_m2=120…``):
it can be bookmarked, shared, and carried through signing in (``login_redirect`` keeps the
query). The form shows what was typed, so a refused value comes back as typed with the reason;
bounds come from ``CompanyProfile`` itself, so the page and the API refuse the same input.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from pydantic import ValidationError

from matching.profile import CompanyProfile, PolicyFlags, Preferences
from spacemap.i18n import Msg, _
from spacemap.taxonomy import area_codes, sectors
from spacemap.vocab import STAGES, UNIT_FEATURES, ZONE_CODES
from web.pages.forms import FieldError, errors_of, limits, number
from web.pages.text import exact

TEXT_FIELDS = ("name", "industry", "stage", "headcount", "min_area_m2", "max_area_m2",
               "max_rent_cny_m2_month", "move_in_by")  # fmt: skip
LIST_FIELDS = ("secondary_industries", "required_features", "areas", "zones")
PREFERENCES = ("near_hk_border", "near_metro", "wants_programme")
FLAGS = ("national_high_tech", "high_growth", "leading_firm", "futian_talent")
NUMBERS = ("headcount", "min_area_m2", "max_area_m2", "max_rent_cny_m2_month")

LABELS: dict[str, Msg] = {
    "name": _("Company name"),
    "industry": _("Sector"),
    "secondary_industries": _("Other sectors you work in"),
    "stage": _("Stage"),
    "headcount": _("Headcount"),
    "min_area_m2": _("Smallest floor space (m²)"),
    "max_area_m2": _("Largest floor space (m²)"),
    "max_rent_cny_m2_month": _("Budget (CNY/m²/month)"),
    "move_in_by": _("Move in by"),
    "required_features": _("Facilities you need"),
    "areas": _("Preferred areas"),
    "zones": _("Preferred zones"),
    "near_hk_border": _("Near the Hong Kong border"),
    "near_metro": _("Near a metro station"),
    "wants_programme": _("An incubation or acceleration programme"),
    "national_high_tech": _("National high-tech enterprise"),
    "high_growth": _("High-growth enterprise"),
    "leading_firm": _("Leading enterprise"),
    "futian_talent": _("Futian talent programme"),
}

DEFAULTS: dict[str, Any] = {
    "name": "",
    "industry": "ai",
    "stage": "startup",
    "headcount": "20",
    "min_area_m2": "100",
    "max_area_m2": "300",
    "max_rent_cny_m2_month": "150",
    "move_in_by": "",
    **{name: [] for name in LIST_FIELDS},
    **{name: False for name in (*PREFERENCES, *FLAGS)},
}
TRUE = {"1", "on", "true", "yes"}


def bounds() -> dict[str, dict[str, Any]]:
    """The HTML bounds of the numeric inputs, from the profile model."""
    return {name: limits(CompanyProfile, name) for name in NUMBERS}


@dataclass
class ProfileForm:
    values: dict[str, Any]
    profile: CompanyProfile | None = None
    errors: list[FieldError] = field(default_factory=list)

    @property
    def query(self) -> str:
        """The canonical search URL's query for this profile ('' when there is none)."""
        return urlencode(query_pairs(self.profile)) if self.profile else ""


def submitted(params: Mapping[str, Any]) -> bool:
    """Whether a URL carries a search (the form always sends the sector)."""
    return "industry" in params


def blank(company_name: str | None = None) -> ProfileForm:
    return ProfileForm(values={**DEFAULTS, "name": company_name or ""})


def _values(params: Any) -> dict[str, Any]:
    values = dict(DEFAULTS)
    for name in TEXT_FIELDS:
        if name in params:
            values[name] = str(params.get(name, "")).strip()
    for name in LIST_FIELDS:
        values[name] = [str(v) for v in params.getlist(name)]
    for name in (*PREFERENCES, *FLAGS):
        values[name] = str(params.get(name, "")).lower() in TRUE
    return values


def _own_checks(values: dict[str, Any]) -> tuple[list[FieldError], dict[str, Any]]:
    """What the profile model would refuse in words of its own (codes, the area range), said in
    the page's language and naming the field; and the values with those fields set aside, so
    the model still reports every other error at once."""
    errors, rest = [], dict(values)

    def refuse(name: str, reason: Msg, stand_in: Any) -> None:
        errors.append(FieldError(name, str(LABELS[name]), str(reason)))
        rest[name] = stand_in

    if values["industry"] not in sectors():
        refuse("industry", _("is not one of the choices"), DEFAULTS["industry"])
    if any(code not in sectors() for code in values["secondary_industries"]):
        refuse("secondary_industries", _("is not one of the choices"), [])
    if any(code not in area_codes() for code in values["areas"]):
        refuse("areas", _("is not one of the choices"), [])
    try:
        low, high = float(values["min_area_m2"]), float(values["max_area_m2"])
    except ValueError:
        return errors, rest
    if low > high:
        refuse("min_area_m2", _("must not be more than the largest floor space (%(high)s m²)",
                                high=number(high)), values["max_area_m2"])  # fmt: skip
    return errors, rest


def _profile(v: dict[str, Any]) -> CompanyProfile:
    return CompanyProfile(
        name=v["name"],
        industry=v["industry"],
        secondary_industries=v["secondary_industries"],
        stage=v["stage"],
        headcount=v["headcount"],
        min_area_m2=v["min_area_m2"],
        max_area_m2=v["max_area_m2"],
        max_rent_cny_m2_month=v["max_rent_cny_m2_month"],
        required_features=v["required_features"],
        move_in_by=v["move_in_by"] or None,
        preferences=Preferences(
            **{name: v[name] for name in PREFERENCES}, areas=v["areas"], zones=v["zones"]
        ),
        flags=PolicyFlags(**{name: v[name] for name in FLAGS}),
    )


def parse(params: Any) -> ProfileForm:
    """A search URL's (or form's) values as a profile, or every reason it is not one."""
    values = _values(params)
    errors, rest = _own_checks(values)
    said = {e.field for e in errors}
    try:
        profile = _profile(rest)
    except ValidationError as exc:
        errors += [e for e in errors_of(exc, LABELS) if e.field not in said]
        profile = None
    if errors:
        return ProfileForm(values=values, errors=errors)
    return ProfileForm(values=values, profile=profile)


def query_pairs(profile: CompanyProfile) -> list[tuple[str, str]]:
    """The profile as URL parameters: what ``parse`` reads back into the same profile."""
    pairs: list[tuple[str, str]] = [
        ("name", profile.name),
        ("industry", profile.industry),
        ("stage", profile.stage),
        ("headcount", str(profile.headcount)),
        ("min_area_m2", exact(profile.min_area_m2)),
        ("max_area_m2", exact(profile.max_area_m2)),
        ("max_rent_cny_m2_month", exact(profile.max_rent_cny_m2_month)),
    ]
    if profile.move_in_by:
        pairs.append(("move_in_by", profile.move_in_by.isoformat()))
    pairs += [("secondary_industries", c) for c in profile.secondary_industries]
    pairs += [("required_features", c) for c in profile.required_features]
    pairs += [("areas", c) for c in profile.preferences.areas]
    pairs += [("zones", c) for c in profile.preferences.zones]
    pairs += [(name, "1") for name in PREFERENCES if getattr(profile.preferences, name)]
    pairs += [(name, "1") for name in FLAGS if getattr(profile.flags, name)]
    return pairs


def choices() -> dict[str, Any]:
    """The closed lists the form offers (codes; the template names them in its language)."""
    return {
        "sectors": sectors(),
        "stages": STAGES,
        "features": UNIT_FEATURES,
        "zone_codes": ZONE_CODES,
        "today": dt.date.today().isoformat(),
    }
