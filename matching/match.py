"""profile → feasible set (SQL) → features → score → explain → result. The one matching path.

Deterministic: the same profile and data give the same ranking (ties broken by unit code, a
natural key, so the order does not depend on the order rows were loaded in).

What a company reads first is the **fit**: the unit's percentile among the units feasible for
its profile (100 = nothing feasible scores higher). The model's own score (a calibrated choice
probability, or the rule score) stays in the details: it is a fixed reference across companies,
but among ten similar options it collapses onto the one that stands out, which reads as nonsense
when every option meets every need.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from matching import artifact
from matching.advice import Advice, advise
from matching.checks import Check, outcomes
from matching.columns import pipelined
from matching.combine import Combination, combinations
from matching.explain import Reason, top_reasons
from matching.features import build_features
from matching.models import RuleModel, contributions
from matching.policy import ASSUMPTION_NOTE
from matching.profile import CompanyProfile
from matching.queries import (
    fetch_candidates,
    fetch_near_misses,
    search_params,
    send_near_misses,
    send_unit_details,
    with_park_facts,
)
from matching.sites import Location, fit_percentiles, location, names, records
from spacemap.i18n import Msg, Names, _
from spacemap.vocab import PARK_TYPES

ModelChoice = Literal["auto", "rule", "ranker"]
MIN_TRAINING_PLACEMENTS = 100  # below this, a trained ranker is not trusted over the rule score
PER_PARK = 3  # units of one park per tier of the list (diversity); 0: plain score order

FIT_MEANING = _(
    "the unit's percentile among the units feasible for your profile (100: none scores higher)"
)


class ModelInfo(BaseModel):
    name: str
    description: str = Field(description="the model that ranked the sites (reader's language)")
    fit_meaning: str = Field(description="what a site's `fit` is")
    score_meaning: str = Field(description="what a site's `score` (the model's own figure) is")
    trained_on: dict[str, int] | None = None
    notes: list[str] = []


class Site(BaseModel):
    rank: int = Field(description="position in the list (1 = first), counting earlier pages")
    fit: float = Field(
        description="0–100: share of the other feasible units this one scores above (the "
        "percentile among the units feasible for the profile); what to show a company"
    )
    score: float = Field(description="the model's own score, 0–100 (see model.score_meaning)")
    unit_code: str
    park_code: str
    park_name: str = Field(description="in the reader's language")
    park_name_zh: str
    park_name_en: str
    park_type: str
    park_type_name: str
    area_code: str
    area_name: str = Field(description="in the reader's language")
    zone_code: str
    zone_name: str = Field(description="in the reader's language")
    floor: int | None
    available_m2: float
    capacity_m2: float
    apply_m2: float = Field(
        description="the area to pre-fill an application with: the free area up to the "
        "profile's maximum, never rounded (an application for it passes the area check)"
    )
    m2_per_person: float = Field(description="apply_m2 per head of the profile's headcount")
    rent_cny_m2_month: float
    effective_rent_cny_m2_month: float
    subsidy_rate: float
    is_low_cost: bool
    features: list[str]
    available_from: dt.date = Field(description="move-in date: the unit is free from then")
    matched_industry: str
    is_synthetic: bool
    location: Location
    reasons: list[Reason]


class NearMiss(BaseModel):
    unit_code: str
    park_code: str
    park_name: str
    park_name_zh: str
    park_name_en: str
    area_code: str
    area_name: str
    zone_code: str
    zone_name: str
    floor: int | None
    available_m2: float
    rent_cny_m2_month: float
    effective_rent_cny_m2_month: float
    available_from: dt.date
    is_synthetic: bool
    failed: list[Check]
    location: Location


class MatchResult(BaseModel):
    company: str
    model: ModelInfo
    feasible_count: int = Field(description="units feasible for the profile, over all pages")
    offset: int = Field(description="how many sites earlier pages hold")
    limit: int
    per_park: int = Field(description="at most this many units of one park per tier (0: none)")
    next_offset: int | None = Field(description="the offset of the next page; None on the last")
    sites: list[Site]
    combinations: list[Combination] = Field(
        description="several free units of one park that together meet the need, each offered "
        "as one site (when fewer units than a page are feasible alone)"
    )
    near_misses: list[NearMiss]
    advice: Advice | None = Field(
        description="what to relax and by how much, when fewer units than a page are feasible"
    )
    notes: list[str]


def choose_model(choice: ModelChoice, model_dir: Path) -> tuple[object, ModelInfo]:
    rule = RuleModel()
    rule_info = ModelInfo(
        name=rule.name,
        description=str(rule.description),
        fit_meaning=str(FIT_MEANING),
        score_meaning=str(rule.score_meaning),
    )
    if choice == "rule":
        return rule, rule_info
    try:
        loaded = artifact.load(model_dir)
    except artifact.ArtifactMismatch as exc:
        if choice == "ranker":
            raise
        note = _("The ranker is unusable (%(why)s): rule score used.", why=str(exc))
        rule_info.notes.append(str(note))
        return rule, rule_info
    if loaded is None or loaded.meta["training"]["placements"] < MIN_TRAINING_PLACEMENTS:
        if choice == "ranker":
            raise artifact.ArtifactMismatch(f"no trained ranker with enough data in {model_dir}")
        rule_info.notes.append(str(_("Not enough training data yet: rule score used.")))
        return rule, rule_info
    t = loaded.meta["training"]
    info = ModelInfo(
        name=loaded.meta["version"],
        description=str(loaded.model.description),
        fit_meaning=str(FIT_MEANING),
        score_meaning=str(loaded.model.score_meaning),
        trained_on={
            k: t[k] for k in ("placements", "synthetic_placements", "real_tenants", "approvals")
        },
    )
    if t["approvals"] == 0:
        info.notes.append(
            str(
                _(
                    "No approved allocations yet: the model learned from tenants "
                    "(%(synthetic)d synthetic, %(real)d real), so rankings are illustrative.",
                    synthetic=t["synthetic_placements"],
                    real=t["real_tenants"],
                )
            )
        )
    return loaded.model, info


def failed_checks(row: Mapping[str, Any], profile: CompanyProfile) -> list[Check]:
    """The checks a near miss fails, worded (the same words a filed application's checks use)."""
    return [c for c in outcomes(row, profile, profile.min_area_m2) if not c.passed]


def _site(
    rank: int,
    row: Mapping[str, Any],
    score: float,
    fit: float,
    reasons: list[Reason],
    profile: CompanyProfile,
) -> Site:
    rent, subsidy = float(row["rent_cny_m2_month"]), float(row["subsidy_rate"])
    available = float(row["available_m2"])
    apply_m2 = min(available, profile.max_area_m2)
    return Site(
        rank=rank,
        fit=round(fit, 1),
        score=round(score, 1),
        unit_code=row["unit_code"],
        **names(row),
        park_type=row["park_type"],
        park_type_name=Names(*PARK_TYPES[row["park_type"]]).render(),
        available_m2=available,
        capacity_m2=float(row["capacity_m2"]),
        apply_m2=apply_m2,
        m2_per_person=round(apply_m2 / profile.headcount, 1),
        rent_cny_m2_month=rent,
        effective_rent_cny_m2_month=round(rent * (1 - subsidy), 1),
        subsidy_rate=subsidy,
        is_low_cost=bool(row["is_low_cost"]),
        features=list(row["features"]),
        available_from=row["available_from"],
        matched_industry=row["matched_industry"],
        is_synthetic=bool(row["is_synthetic"]),
        location=location(row),
        reasons=reasons,
    )


def list_order(
    order: np.ndarray, parks: np.ndarray, per_park: int, preferred: np.ndarray | None = None
) -> np.ndarray:
    """The order results are listed in, from ``order`` (best first): units in a preferred area
    or zone first when the company named any (``preferred``: a stated wish outranks the model),
    and in tiers: each park's best ``per_park`` units first, in score order, then each park's
    next ``per_park``, and so on. The first page so shows the best units of several parks, not
    ten of one, and any offset pages through one stable order. ``per_park`` 0: score order."""
    if len(order) == 0:
        return order
    tier = np.zeros(len(order), dtype=np.int64)
    if per_park > 0:
        ranked_parks = parks[order]
        by_park = np.argsort(ranked_parks, kind="stable")  # score order within each park
        sorted_parks = ranked_parks[by_park]
        starts = np.r_[0, np.flatnonzero(sorted_parks[1:] != sorted_parks[:-1]) + 1]
        within = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
        tier[by_park] = within // per_park
    first = np.zeros(len(order), bool) if preferred is None else preferred[order].astype(bool)
    return order[np.lexsort((np.arange(len(order)), tier, ~first))]


def score_candidates(
    session: Session, profile: CompanyProfile, model: object, params: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray]:
    """Feasible units, their features, scores, and the best-first order (ties by unit code).

    ``params`` is ``queries.search_params(profile)``, computed once per request."""
    cands = fetch_candidates(session, params)
    return (cands, *rank(cands, profile, model))


def rank(
    cands: pd.DataFrame, profile: CompanyProfile, model: object
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The candidates' features, scores, and the best-first order (ties by unit code)."""
    X = build_features(cands, profile)
    scores = model.score_0_100(X) if len(X) else np.zeros(0)  # type: ignore[attr-defined]
    order = np.lexsort((cands["unit_code"].to_numpy(), -np.round(scores, 9)))
    return X, scores, order


def match(
    session: Session,
    profile: CompanyProfile,
    model_dir: Path,
    choice: ModelChoice = "auto",
    limit: int = 10,
    near_miss_limit: int = 5,
    offset: int = 0,
    per_park: int = PER_PARK,
    combination_limit: int = 5,
) -> MatchResult:
    """One page of the feasible sites (``offset``, ``limit``) in the diverse order, and the
    nearest misses."""
    model, info = choose_model(choice, model_dir)
    params = with_park_facts(session, search_params(profile))
    with pipelined(session):
        cands = fetch_candidates(session, params)
        # The server looks for the near misses while Python scores the candidates.
        missed = send_near_misses(session, params, near_miss_limit) if near_miss_limit else _none
        X, scores, order = rank(cands, profile, model)
        stated = bool(profile.preferences.areas or profile.preferences.zones)
        preferred = cands["in_preferred_area"].to_numpy() if stated else None
        listed = list_order(order, cands["park_id"].to_numpy(), per_park, preferred)
        chosen = listed[offset : offset + limit]
        fits = fit_percentiles(scores)
        ranks = list(range(offset + 1, offset + len(chosen) + 1))
        sites = _sites(session, profile, model, cands, X, scores, fits, chosen, ranks)
        near = [near_miss(row, profile) for row in missed()]
    few = len(cands) < limit
    combos = combinations(session, profile, model, params, scores, combination_limit) if few else []
    advice = advise(session, profile, params, len(cands)) if few else None
    notes: list[Msg] = [ASSUMPTION_NOTE] if any(s.subsidy_rate > 0 for s in sites) else []
    if any(s.is_synthetic for s in sites):
        notes.append(_("The units shown are synthetic (generated) data."))
    return MatchResult(
        company=profile.name,
        model=info,
        feasible_count=len(cands),
        offset=offset,
        limit=limit,
        per_park=per_park,
        next_offset=offset + limit if offset + limit < len(cands) else None,
        sites=sites,
        combinations=combos,
        near_misses=near,
        advice=advice,
        notes=[str(n) for n in notes],
    )


def _sites(
    session: Session,
    profile: CompanyProfile,
    model: object,
    cands: pd.DataFrame,
    X: pd.DataFrame,
    scores: np.ndarray,
    fits: np.ndarray,
    chosen: np.ndarray,
    ranks: list[int],
) -> list[Site]:
    """The chosen candidates (row positions) as sites with reasons, numbered ``ranks``."""
    ids = cands["unit_id"].iloc[chosen].tolist()
    details = send_unit_details(session, ids, profile.industries)  # read while Python explains
    reference = getattr(model, "reference_", None)
    if reference is None:
        reference = X.median(numeric_only=True)
    top_x = X.iloc[chosen]
    contrib = contributions(model, top_x, reference) if len(top_x) else pd.DataFrame()
    shown_details = details()
    shown = [row | shown_details[row["unit_id"]] for row in records(cands.iloc[chosen])]
    return [
        _site(rank, row, float(scores[i]), float(fits[i]),
              top_reasons(features, weights, row, profile), profile)
        for rank, i, row, features, weights in zip(
            ranks, chosen, shown, records(top_x), records(contrib), strict=True,
        )
    ]  # fmt: skip


def explain_unit(
    session: Session, profile: CompanyProfile, area_m2: float, unit_code: str, model_dir: Path
) -> tuple[Site | None, int, ModelInfo]:
    """One unit as the matcher sees it for a company asking for ``area_m2`` there: its rank in
    score order, fit, score and reasons among the feasible units (None if infeasible), and how
    many are feasible."""
    model, info = choose_model("auto", model_dir)
    wanted = profile.model_copy(update={"min_area_m2": area_m2})
    cands, X, scores, order = score_candidates(session, wanted, model, search_params(wanted))
    hit = np.flatnonzero(cands["unit_code"].to_numpy() == unit_code)
    if not len(hit):
        return None, len(cands), info
    rank = int(np.flatnonzero(order == hit[0])[0]) + 1
    fits = fit_percentiles(scores)
    site = _sites(session, wanted, model, cands, X, scores, fits, hit[:1], [rank])[0]
    return site, len(cands), info


def _none() -> list[dict[str, Any]]:
    return []


def near_misses(
    session: Session, profile: CompanyProfile, limit: int, params: dict[str, Any]
) -> list[NearMiss]:
    """The infeasible units closest to feasible (fewest failed checks, smallest shortfall)."""
    return [near_miss(row, profile) for row in fetch_near_misses(session, params, limit)]


def near_miss(r: Mapping[str, Any], profile: CompanyProfile) -> NearMiss:
    """One row of ``queries.NEAR_MISSES`` as a result, with the checks it fails."""
    return NearMiss(
        unit_code=r["unit_code"],
        **names(r),
        available_m2=float(r["available_m2"]),
        rent_cny_m2_month=float(r["rent_cny_m2_month"]),
        effective_rent_cny_m2_month=round(float(r["effective_rent"]), 1),
        available_from=r["available_from"],
        is_synthetic=bool(r["is_synthetic"]),
        failed=failed_checks(r, profile),
        location=location(r),
    )


def combination_score(
    session: Session, profile: CompanyProfile, unit_codes: list[str], model_dir: Path
) -> tuple[float | None, str]:
    """The score the matcher gives a site of exactly these units (None when it offers no such
    combination for this profile), and the name of the model that scored it."""
    model, info = choose_model("auto", model_dir)
    params = with_park_facts(session, search_params(profile))
    wanted = set(unit_codes)
    for site in combinations(session, profile, model, params, np.zeros(0), limit=10_000):
        if {u.unit_code for u in site.units} == wanted:
            return site.score, info.name
    return None, info.name


def unit_score(
    session: Session, profile: CompanyProfile, area_m2: float, unit_code: str, model_dir: Path
) -> tuple[float | None, str]:
    """The match score of one unit for a company asking for ``area_m2`` there (None when the
    unit is not feasible for it), and the name of the model that scored it."""
    model, info = choose_model("auto", model_dir)
    wanted = profile.model_copy(update={"min_area_m2": area_m2})
    cands, _X, scores, _order = score_candidates(session, wanted, model, search_params(wanted))
    hit = np.flatnonzero(cands["unit_code"].to_numpy() == unit_code)
    return (round(float(scores[hit[0]]), 1) if len(hit) else None), info.name
