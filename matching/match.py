"""profile → feasible set (SQL) → features → score → explain → result. The one matching path.

Deterministic: the same profile and data give the same ranking (ties broken by unit code, a
natural key, so the order does not depend on the order rows were loaded in).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel
from sqlalchemy.orm import Session

from matching import artifact
from matching.checks import Check, outcomes
from matching.explain import Reason, top_reasons
from matching.features import build_features
from matching.models import RuleModel, contributions
from matching.policy import ASSUMPTION_NOTE
from matching.profile import CompanyProfile
from matching.queries import (
    fetch_candidates,
    fetch_near_misses,
    fetch_unit_details,
    search_params,
)

ModelChoice = Literal["auto", "rule", "ranker"]
MIN_TRAINING_PLACEMENTS = 100  # below this, a trained ranker is not trusted over the rule score


RULE_SCORE = (
    "人工加权规则分（0–100，非概率）",
    "hand-weighted rule score, 0–100, not a probability",
)
RANKER_SCORE = (
    "该类企业在十个可比选项中选择此空间的校准概率 ×100",
    "100 × calibrated probability that a company like this takes this unit among ten comparable "
    "options",
)


class ModelInfo(BaseModel):
    name: str
    zh: str
    en: str
    score_zh: str = RULE_SCORE[0]
    score_en: str = RULE_SCORE[1]
    trained_on: dict[str, int] | None = None
    notes: list[str] = []


class Location(BaseModel):
    lng: float
    lat: float
    is_estimate: bool
    error_m: float | None


class Site(BaseModel):
    rank: int
    score: float  # 0–100
    unit_code: str
    park_code: str
    park_name_zh: str
    park_name_en: str
    park_type: str
    area_code: str
    zone_code: str
    available_m2: float
    capacity_m2: float
    rent_cny_m2_month: float
    effective_rent_cny_m2_month: float
    subsidy_rate: float
    is_low_cost: bool
    features: list[str]
    available_from: dt.date
    matched_industry: str
    is_synthetic: bool
    location: Location
    reasons: list[Reason]


class NearMiss(BaseModel):
    unit_code: str
    park_name_zh: str
    park_name_en: str
    area_code: str
    is_synthetic: bool
    failed: list[Check]
    location: Location


class MatchResult(BaseModel):
    company: str
    model: ModelInfo
    feasible_count: int
    sites: list[Site]
    near_misses: list[NearMiss]
    notes: list[str]


def choose_model(choice: ModelChoice, model_dir: Path) -> tuple[object, ModelInfo]:
    rule = RuleModel()
    rule_info = ModelInfo(name=rule.name, zh=rule.description_zh, en=rule.description_en)
    if choice == "rule":
        return rule, rule_info
    try:
        loaded = artifact.load(model_dir)
    except artifact.ArtifactMismatch as exc:
        if choice == "ranker":
            raise
        rule_info.notes.append(
            f"模型文件不可用，已回退规则评分 / ranker unusable, rule score used: {exc}"
        )
        return rule, rule_info
    if loaded is None or loaded.meta["training"]["placements"] < MIN_TRAINING_PLACEMENTS:
        if choice == "ranker":
            raise artifact.ArtifactMismatch(f"no trained ranker with enough data in {model_dir}")
        rule_info.notes.append(
            "尚无足够训练数据，使用规则评分 / not enough training data yet: rule score"
        )
        return rule, rule_info
    t = loaded.meta["training"]
    info = ModelInfo(
        name=loaded.meta["version"],
        zh=loaded.model.description_zh,
        en=loaded.model.description_en,
        trained_on={
            k: t[k] for k in ("placements", "synthetic_placements", "real_tenants", "approvals")
        },
        score_zh=RANKER_SCORE[0],
        score_en=RANKER_SCORE[1],
    )
    if t["approvals"] == 0:
        info.notes.append(
            f"尚无审批数据，模型以在园企业训练（合成 {t['synthetic_placements']}，真实 "
            f"{t['real_tenants']}）/ no approved allocations yet: trained on tenants "
            f"({t['synthetic_placements']} synthetic, {t['real_tenants']} real), so rankings are "
            "illustrative"
        )
    return loaded.model, info


def _location(row: Mapping[str, Any]) -> Location:
    err = row.get("location_error_m")
    return Location(
        lng=float(row["lng"]),
        lat=float(row["lat"]),
        is_estimate=bool(row.get("is_estimate", True)),
        error_m=None if err is None or pd.isna(err) else float(err),
    )


def failed_checks(row: Mapping[str, Any], profile: CompanyProfile) -> list[Check]:
    """The checks a near miss fails, worded (the same words a filed application's checks use)."""
    return [c for c in outcomes(row, profile, profile.min_area_m2) if not c.passed]


def _site(rank: int, row: Mapping[str, Any], score: float, reasons: list[Reason]) -> Site:
    rent, subsidy = float(row["rent_cny_m2_month"]), float(row["subsidy_rate"])
    return Site(
        rank=rank,
        score=round(score, 1),
        unit_code=row["unit_code"],
        park_code=row["park_code"],
        park_name_zh=row["park_name_zh"],
        park_name_en=row["park_name_en"],
        park_type=row["park_type"],
        area_code=row["area_code"],
        zone_code=row["zone_code"],
        available_m2=float(row["available_m2"]),
        capacity_m2=float(row["capacity_m2"]),
        rent_cny_m2_month=rent,
        effective_rent_cny_m2_month=round(rent * (1 - subsidy), 1),
        subsidy_rate=subsidy,
        is_low_cost=bool(row["is_low_cost"]),
        features=list(row["features"]),
        available_from=row["available_from"],
        matched_industry=row["matched_industry"],
        is_synthetic=bool(row["is_synthetic"]),
        location=_location(row),
        reasons=reasons,
    )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a small frame as dicts of Python values (``to_dict`` costs ~1 ms a call)."""
    columns = [frame[c].tolist() for c in frame.columns]
    return [dict(zip(frame.columns, values, strict=True)) for values in zip(*columns, strict=True)]


def score_candidates(
    session: Session, profile: CompanyProfile, model: object, params: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray]:
    """Feasible units, their features, scores, and the best-first order (ties by unit code).

    ``params`` is ``queries.search_params(profile)``, computed once per request."""
    cands = fetch_candidates(session, params)
    X = build_features(cands, profile)
    scores = model.score_0_100(X) if len(X) else np.zeros(0)  # type: ignore[attr-defined]
    order = np.lexsort((cands["unit_code"].to_numpy(), -np.round(scores, 9)))
    return cands, X, scores, order


def match(
    session: Session,
    profile: CompanyProfile,
    model_dir: Path,
    choice: ModelChoice = "auto",
    limit: int = 10,
    near_miss_limit: int = 5,
) -> MatchResult:
    model, info = choose_model(choice, model_dir)
    params = search_params(profile)
    cands, X, scores, order = score_candidates(session, profile, model, params)
    sites = _sites(session, profile, model, cands, X, scores, order[:limit], ranks=None)
    near = near_misses(session, profile, near_miss_limit, params) if near_miss_limit > 0 else []
    notes = [ASSUMPTION_NOTE] if any(s.subsidy_rate > 0 for s in sites) else []
    if any(s.is_synthetic for s in sites):
        notes.append("空间单元为合成数据 / the units shown are synthetic (generated) data")
    return MatchResult(
        company=profile.name,
        model=info,
        feasible_count=len(cands),
        sites=sites,
        near_misses=near,
        notes=notes,
    )


def _sites(
    session: Session,
    profile: CompanyProfile,
    model: object,
    cands: pd.DataFrame,
    X: pd.DataFrame,
    scores: np.ndarray,
    chosen: np.ndarray,
    ranks: list[int] | None,
) -> list[Site]:
    """The chosen candidates (row positions) as sites with reasons; ``ranks`` default 1, 2, …"""
    reference = getattr(model, "reference_", None)
    if reference is None:
        reference = X.median(numeric_only=True)
    top_x = X.iloc[chosen]
    contrib = contributions(model, top_x, reference) if len(top_x) else pd.DataFrame()
    ids = cands["unit_id"].iloc[chosen].tolist()
    details = fetch_unit_details(session, ids, profile.industries)
    shown = [row | details[row["unit_id"]] for row in _records(cands.iloc[chosen])]
    return [
        _site(rank, row, float(scores[i]), top_reasons(features, weights, row, profile))
        for rank, i, row, features, weights in zip(
            ranks or range(1, len(chosen) + 1), chosen, shown, _records(top_x),
            _records(contrib), strict=True,
        )
    ]  # fmt: skip


def explain_unit(
    session: Session, profile: CompanyProfile, area_m2: float, unit_code: str, model_dir: Path
) -> tuple[Site | None, int, ModelInfo]:
    """One unit as the matcher sees it for a company asking for ``area_m2`` there: its rank,
    score and reasons among the feasible units (None if infeasible), and how many are feasible."""
    model, info = choose_model("auto", model_dir)
    wanted = profile.model_copy(update={"min_area_m2": area_m2})
    cands, X, scores, order = score_candidates(session, wanted, model, search_params(wanted))
    hit = np.flatnonzero(cands["unit_code"].to_numpy() == unit_code)
    if not len(hit):
        return None, len(cands), info
    rank = int(np.flatnonzero(order == hit[0])[0]) + 1
    return _sites(session, wanted, model, cands, X, scores, hit[:1], [rank])[0], len(cands), info


def near_misses(
    session: Session, profile: CompanyProfile, limit: int, params: dict[str, Any]
) -> list[NearMiss]:
    """The infeasible units closest to feasible (fewest failed checks, smallest shortfall)."""
    misses = fetch_near_misses(session, params, limit)
    return [
        NearMiss(
            unit_code=r["unit_code"],
            park_name_zh=r["park_name_zh"],
            park_name_en=r["park_name_en"],
            area_code=r["area_code"],
            is_synthetic=bool(r["is_synthetic"]),
            failed=failed_checks(r, profile),
            location=_location(r),
        )
        for _, r in misses.iterrows()
    ]


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
