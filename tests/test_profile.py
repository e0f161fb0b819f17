"""A company's profile is checked at the edge, with messages that name the field and the fix."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from matching.profile import CompanyProfile
from spacemap.i18n import use_locale

BASE = {
    "name": "测试企业", "industry": "ic", "stage": "startup", "headcount": 10,
    "min_area_m2": 100, "max_area_m2": 200, "max_rent_cny_m2_month": 120,
}  # fmt: skip


def errors(**changes: object) -> list[tuple[str, str]]:
    """The messages in English, the language the assertions are written in (the default is
    Chinese; without this the result depended on which test last set the language)."""
    with use_locale("en"), pytest.raises(ValidationError) as info:
        CompanyProfile.model_validate({**BASE, **changes})
    return [(".".join(map(str, e["loc"])), e["msg"]) for e in info.value.errors()]


def test_a_valid_profile_lists_primary_then_secondary_sectors() -> None:
    profile = CompanyProfile.model_validate({**BASE, "secondary_industries": ["ai", "ic"]})
    assert profile.industries == ["ic", "ai"]


def test_min_area_above_max_is_refused() -> None:
    [(_, msg)] = errors(min_area_m2=300)
    assert "min_area_m2 (300) must not exceed max_area_m2 (200)" in msg


def test_unknown_industry_suggests_the_near_miss() -> None:
    [(field, msg)] = errors(industry="fintec")
    assert field == "industry" and "did you mean 'fintech'" in msg


@pytest.mark.parametrize("field", ["headcount", "min_area_m2", "max_rent_cny_m2_month"])
@pytest.mark.parametrize("value", [-5, 0, 0.5])
def test_numbers_must_be_at_least_one(field: str, value: float) -> None:
    found = errors(**{field: value})
    assert found[0][0] == field
    assert "greater than or equal to 1" in found[0][1] or "valid integer" in found[0][1]


def test_names_refuse_control_characters() -> None:
    found = errors(name="bad\x00name")
    assert found[0][0] == "name" and "control characters" in found[0][1]


def test_unknown_feature_area_and_stage() -> None:
    assert errors(required_features=["sauna"])[0][0] == "required_features.0"
    [(field, msg)] = errors(preferences={"areas": ["hetaoo"]})
    assert field == "preferences.areas" and "did you mean 'hetao'" in msg
    assert errors(stage="unicorn")[0][0] == "stage"


def test_unexpected_fields_are_refused_not_ignored() -> None:
    assert errors(budget=100)[0][0] == "budget"
