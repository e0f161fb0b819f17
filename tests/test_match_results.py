"""What a company reads in a match: every field it fills changes something it sees, the fit
reads as fit, the ranker obeys monotone facts, and pages page through one diverse order."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from matching import artifact
from matching.features import build_features
from matching.match import MatchResult, fit_percentiles, match
from matching.models import RuleModel
from matching.profile import CompanyProfile, PolicyFlags, Preferences
from matching.queries import fetch_candidates, search_params
from spacemap.i18n import use_locale

BASE = CompanyProfile(
    name="字段测试（合成）", industry="ai", stage="startup", headcount=20, min_area_m2=100,
    max_area_m2=300, max_rent_cny_m2_month=150,
)  # fmt: skip


def run(session: Session, model_dir: Path, profile: CompanyProfile, **kw: Any) -> MatchResult:
    with use_locale("en"):
        return match(session, profile, model_dir, **{"limit": 20, "per_park": 0, **kw})


def changed(profile: CompanyProfile, **update: Any) -> CompanyProfile:
    """``profile`` with some fields (``preferences__near_metro`` for nested ones) changed."""
    nested: dict[str, dict[str, Any]] = {}
    flat = {}
    for key, value in update.items():
        if "__" in key:
            outer, inner = key.split("__")
            nested.setdefault(outer, {})[inner] = value
        else:
            flat[key] = value
    for outer, values in nested.items():
        flat[outer] = getattr(profile, outer).model_copy(update=values)
    return CompanyProfile.model_validate({**profile.model_dump(), **flat})


def codes(result: MatchResult) -> list[str]:
    return [s.unit_code for s in result.sites]


def mean_of(result: MatchResult, session: Session, column: str) -> float:
    """A unit column's mean over the sites, weighted as a reader's attention is (1/log2(1+rank),
    as in NDCG): what comes first counts most."""
    from sqlalchemy import text

    rows = session.execute(
        text(f"SELECT code, {column} FROM space_units WHERE code = ANY(:c)"), {"c": codes(result)}
    ).all()
    value = dict(rows)
    weights = 1 / np.log2(2 + np.arange(len(result.sites)))
    return float(np.average([value[c] for c in codes(result)], weights=weights))


# Each field a company fills → what it changes that the company sees. A field added to the
# profile without a line here fails test_every_profile_field_has_a_visible_effect.
def _name(s, m):
    r = run(s, m, changed(BASE, name="另一家企业（合成）"))
    assert r.company == "另一家企业（合成）"


def _industry(s, m):
    quantum = run(s, m, changed(BASE, industry="quantum"), limit=100)
    assert {x.area_code for x in quantum.sites} == {"hetao"}
    assert {x.area_code for x in run(s, m, BASE, limit=100).sites} != {"hetao"}


def _secondary(s, m):
    alone = changed(BASE, industry="quantum")
    both = changed(alone, secondary_industries=["ai"])
    assert run(s, m, both).feasible_count > run(s, m, alone).feasible_count


def _stage(s, m):
    seed, mature = run(s, m, changed(BASE, stage="seed")), run(s, m, changed(BASE, stage="mature"))
    assert codes(seed) != codes(mature)


def _headcount(s, m):
    few, many = run(s, m, BASE), run(s, m, changed(BASE, headcount=40))
    assert [x.unit_code for x in few.sites] == [x.unit_code for x in many.sites]
    for a, b in zip(few.sites, many.sites, strict=True):
        assert a.m2_per_person == round(a.apply_m2 / 20, 1) and b.m2_per_person == round(
            b.apply_m2 / 40, 1
        )


def _min_area(s, m):
    assert run(s, m, changed(BASE, min_area_m2=250)).feasible_count < run(s, m, BASE).feasible_count


def _max_area(s, m):
    small, large = run(s, m, BASE), run(s, m, changed(BASE, max_area_m2=1000))
    assert codes(small) != codes(large)
    assert max(x.apply_m2 for x in large.sites) > 300 >= max(x.apply_m2 for x in small.sites)


def _budget(s, m):
    assert (
        run(s, m, changed(BASE, max_rent_cny_m2_month=60)).feasible_count
        < run(s, m, BASE).feasible_count
    )


def _features(s, m):
    lab = run(s, m, changed(BASE, required_features=["server_room"]))
    assert lab.feasible_count < run(s, m, BASE).feasible_count
    assert all("server_room" in x.features for x in lab.sites)


def _move_in(s, m):
    soon = run(s, m, changed(BASE, move_in_by=dt.date(2026, 12, 31)))
    assert soon.feasible_count < run(s, m, BASE).feasible_count
    assert all(x.available_from <= dt.date(2026, 12, 31) for x in soon.sites)


def _near_metro(s, m):
    near = run(s, m, changed(BASE, preferences__near_metro=True))
    plain = run(s, m, BASE)
    assert codes(near) != codes(plain)
    assert mean_of(near, s, "metro_m") < mean_of(plain, s, "metro_m")


def _near_border(s, m):
    near = run(s, m, changed(BASE, preferences__near_hk_border=True))
    plain = run(s, m, BASE)
    assert mean_of(near, s, "border_m") < mean_of(plain, s, "border_m")


def _areas(s, m):
    pref = run(s, m, changed(BASE, preferences__areas=["chegongmiao"]))
    plain = run(s, m, BASE)
    in_area = lambda r: sum(x.area_code == "chegongmiao" for x in r.sites)  # noqa: E731
    assert in_area(pref) > in_area(plain)


def _zones(s, m):
    pref = run(s, m, changed(BASE, preferences__zones=["west_wing"]))
    plain = run(s, m, BASE)
    in_zone = lambda r: sum(x.zone_code == "west_wing" for x in r.sites)  # noqa: E731
    assert in_zone(pref) > in_zone(plain)
    assert [x.zone_code for x in pref.sites[: in_zone(pref)]] == ["west_wing"] * in_zone(pref)


def _programme(s, m):
    grown = changed(BASE, stage="growth")  # a start-up's list is all incubators anyway
    pref = run(s, m, changed(grown, preferences__wants_programme=True))
    plain = run(s, m, grown)
    programmes = ("incubator", "accelerator", "maker_space")
    count = lambda r: sum(x.park_type in programmes for x in r.sites)  # noqa: E731
    assert count(pref) > count(plain)


def _flag(flag: str, bonus: float):
    def check(s, m):
        # ip_services is on 华强-上步's whitelist but not a lead industry there: its low-cost
        # units carry no subsidy unless a status earns one.
        base = changed(BASE, industry="ip_services", max_rent_cny_m2_month=300)
        plain = {x.unit_code: x for x in run(s, m, base, limit=100).sites}
        flagged = run(s, m, changed(base, **{f"flags__{flag}": True}), limit=100).sites
        low_cost = [x for x in flagged if x.is_low_cost and x.area_code == "huaqiang"]
        assert low_cost
        for x in low_cost:
            before = plain.get(x.unit_code)
            assert x.subsidy_rate == pytest.approx(bonus)
            if before is not None:
                assert x.effective_rent_cny_m2_month < before.effective_rent_cny_m2_month

    return check


FIELD_EFFECTS = {
    "name": _name,
    "industry": _industry,
    "secondary_industries": _secondary,
    "stage": _stage,
    "headcount": _headcount,
    "min_area_m2": _min_area,
    "max_area_m2": _max_area,
    "max_rent_cny_m2_month": _budget,
    "required_features": _features,
    "move_in_by": _move_in,
    "preferences.near_metro": _near_metro,
    "preferences.near_hk_border": _near_border,
    "preferences.areas": _areas,
    "preferences.zones": _zones,
    "preferences.wants_programme": _programme,
    "flags.national_high_tech": _flag("national_high_tech", 0.10),
    "flags.high_growth": _flag("high_growth", 0.10),
    "flags.leading_firm": _flag("leading_firm", 0.10),
    "flags.futian_talent": _flag("futian_talent", 0.05),
}


def test_every_profile_field_has_a_visible_effect() -> None:
    fields = set()
    for name, info in CompanyProfile.model_fields.items():
        sub = info.annotation
        if sub in (Preferences, PolicyFlags):
            fields |= {f"{name}.{inner}" for inner in sub.model_fields}
        else:
            fields.add(name)
    assert fields == set(FIELD_EFFECTS)


@pytest.mark.parametrize("field", sorted(FIELD_EFFECTS))
@pytest.mark.parametrize("model", ["rule", "ranker"])
def test_field_changes_what_the_company_sees(
    session: Session, trained: Path, tmp_path: Path, field: str, model: str
) -> None:
    FIELD_EFFECTS[field](session, trained if model == "ranker" else tmp_path / "none")


# ---------------------------------------------------------------- fit and monotone facts


def test_fit_is_the_percentile_among_the_feasible_units(session: Session, trained: Path) -> None:
    full = run(session, trained, BASE, limit=100)
    assert full.sites[0].fit == 100.0
    fits = [s.fit for s in full.sites]
    assert fits == sorted(fits, reverse=True) and all(0 <= f <= 100 for f in fits)
    assert fit_percentiles(np.array([3.0, 1.0, 1.0, 2.0])).tolist() == [100.0, 0.0, 0.0, 200 / 3]
    assert fit_percentiles(np.array([7.0])).tolist() == [100.0]
    with use_locale("en"):
        meaning = match(session, BASE, trained).model
    assert "percentile" in meaning.fit_meaning and "probability" in meaning.score_meaning


WANTS_ALL = changed(
    BASE, preferences__near_metro=True, preferences__near_hk_border=True, max_rent_cny_m2_month=250
)
BETTER = {  # one fact made better, all else equal
    "cheaper": lambda row, f: row.update(rent_cny_m2_month=row["rent_cny_m2_month"] * f),
    "closer_to_metro": lambda row, f: row.update(metro_m=row["metro_m"] * f),
    "closer_to_border": lambda row, f: row.update(border_m=row["border_m"] * f),
    "park_focused_on_sector": lambda row, f: row.update(focus_exact=True),
}


@pytest.fixture(scope="module")
def candidates(engine) -> pd.DataFrame:
    from spacemap.database import session_scope

    with session_scope(engine) as session:
        return fetch_candidates(session, search_params(WANTS_ALL))


@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(which=st.integers(0, 10_000), fact=st.sampled_from(sorted(BETTER)),
       factor=st.floats(0.0, 0.99), model=st.sampled_from(["rule", "ranker"]))  # fmt: skip
def test_a_better_fact_never_scores_lower(
    candidates: pd.DataFrame, trained: Path, which: int, fact: str, factor: float, model: str
) -> None:
    row = candidates.iloc[which % len(candidates)].to_dict()
    better = dict(row)
    BETTER[fact](better, factor)
    pair = pd.DataFrame([row, better])
    scorer = RuleModel() if model == "rule" else artifact.load(trained).model  # type: ignore[union-attr]
    before, after = scorer.score_0_100(build_features(pair, WANTS_ALL))
    assert after >= before - 1e-9, (fact, factor, row["unit_code"])


# ---------------------------------------------------------------- pages and diversity


def test_pages_walk_one_order_without_gaps_or_repeats(session: Session, trained: Path) -> None:
    whole = run(session, trained, BASE, limit=10_000, per_park=3, near_miss_limit=0)
    seen, offset = [], 0
    while offset is not None:
        page = run(session, trained, BASE, limit=70, offset=offset, per_park=3, near_miss_limit=0)
        assert [s.rank for s in page.sites] == list(range(offset + 1, offset + 1 + len(page.sites)))
        seen += codes(page)
        offset = page.next_offset
    assert seen == codes(whole) and len(set(seen)) == whole.feasible_count


def test_the_first_page_spans_parks_unless_asked_not_to(session: Session, trained: Path) -> None:
    diverse = run(session, trained, BASE, limit=10, per_park=3)
    plain = run(session, trained, BASE, limit=10, per_park=0)
    assert max(Counter(s.park_code for s in diverse.sites).values()) <= 3
    assert max(Counter(s.park_code for s in plain.sites).values()) > 3
    assert [s.score for s in plain.sites] == sorted((s.score for s in plain.sites), reverse=True)


def test_results_carry_area_zone_names_and_the_move_in_date(
    session: Session, trained: Path
) -> None:
    with use_locale("zh"):
        zh = match(session, BASE, trained)
    with use_locale("en"):
        en = match(session, BASE, trained)
    site_zh, site_en = zh.sites[0], en.sites[0]
    assert site_zh.area_name != site_en.area_name and site_zh.zone_name != site_en.zone_name
    assert site_zh.available_from == site_en.available_from
    assert site_zh.apply_m2 == min(site_zh.available_m2, BASE.max_area_m2)
    for miss in en.near_misses:
        assert miss.available_m2 >= 0 and miss.effective_rent_cny_m2_month > 0 and miss.area_name


def test_api_pages_and_diversity(client, trained: Path) -> None:
    body = BASE.model_dump(mode="json")
    first = client.post("/api/match?limit=5&per_park=0&near_misses=0", json=body).json()
    second = client.post(f"/api/match?limit=5&per_park=0&offset={first['next_offset']}",
                         json=body).json()  # fmt: skip
    both = client.post("/api/match?limit=10&per_park=0&near_misses=0", json=body).json()
    assert [s["unit_code"] for s in first["sites"] + second["sites"]] == [
        s["unit_code"] for s in both["sites"]
    ]
    assert second["sites"][0]["rank"] == 6
    bad = client.post("/api/match?per_park=-1", json=body)
    assert bad.status_code == 422 and "per_park" in bad.text


# ---------------------------------------------------------------- advice when little is found

SCARCE = changed(BASE, required_features=["clean_room"], max_rent_cny_m2_month=80,
                 move_in_by=dt.date(2027, 3, 1))  # fmt: skip
NEW_ENERGY = changed(BASE, industry="new_energy")


def relaxed(profile: CompanyProfile, field: str, value: Any) -> CompanyProfile:
    if field == "required_features":
        return changed(profile, required_features=[f for f in profile.required_features
                                                   if f != value])  # fmt: skip
    return changed(profile, **{field: value})


def test_advice_says_what_to_relax_and_each_change_admits_what_it_says(
    session: Session, trained: Path
) -> None:
    result = run(session, trained, SCARCE)
    advice = result.advice
    assert advice is not None and advice.relaxations
    assert {r.check for r in advice.relaxations} >= {"rent", "features"}
    for r in advice.relaxations:
        after = run(session, trained, relaxed(SCARCE, r.field, r.value), near_miss_limit=0)
        assert after.feasible_count == result.feasible_count + r.units, r
        assert f"{r.units} more unit" in r.text
    budget = next(r for r in advice.relaxations if r.check == "rent")
    assert f"{budget.value:.0f} CNY/m²/month" in budget.text and budget.value > 80
    n = result.feasible_count
    assert advice.headline.startswith(f"Only {n} unit" if n else "No unit meets every need")


def test_an_area_positioned_for_the_sector_without_space_is_named(
    session: Session, trained: Path
) -> None:
    with use_locale("zh"):
        advice = match(session, NEW_ENERGY, trained).advice
    assert advice is not None
    assert "正面清单" in advice.headline  # no area admits new energy where units are listed
    [antuoshan] = advice.empty_areas
    assert antuoshan.area_code == "antuoshan" and "安托山" in antuoshan.text
    assert "新能源" in antuoshan.text
    plenty = run(session, trained, BASE)
    assert plenty.feasible_count >= plenty.limit and plenty.advice is None
