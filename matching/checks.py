"""The automatic checks an application carries: the hard constraints, for the unit it names.

The same SQL that decides feasibility for matching decides them here (``queries.UNIT_CHECKS``),
with the requested area standing in for the profile's minimum, so a unit the matcher offers
passes and a unit it refuses fails for the same stated reason.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydantic import BaseModel
from sqlalchemy.orm import Session

from matching.match import choose_model, failed_checks, score_candidates
from matching.profile import CompanyProfile
from matching.queries import fetch_unit_checks, search_params
from spacemap import review
from spacemap.store import applications as app_store
from spacemap.store.audit import Actor

PASSED = {
    "whitelist": ("行业在该片区正面清单内", "industry on this area's whitelist"),
    "area": ("可用面积满足申请面积", "enough available floor space"),
    "features": ("具备所需设施", "has every required feature"),
    "rent": ("补贴后租金在预算内", "rent after subsidy within budget"),
    "available": ("可按期入驻", "available in time"),
}


class Check(BaseModel):
    check: str
    passed: bool
    zh: str
    en: str


class UnitAssessment(BaseModel):
    checks: list[Check]
    score: float | None  # 0–100 when every check passes, else None
    model: str

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)


class UnknownUnit(LookupError):
    pass


def assess(
    session: Session, profile: CompanyProfile, unit_code: str, requested_m2: float, model_dir: Path
) -> UnitAssessment:
    """Checks and match score of one unit for one company asking for ``requested_m2``."""
    wanted = profile.model_copy(update={"min_area_m2": requested_m2})
    params = search_params(wanted)
    row = fetch_unit_checks(session, params, unit_code)
    if row is None:
        raise UnknownUnit(unit_code)
    failed = {f.check: f for f in failed_checks(row, wanted)}
    checks = [
        Check(check=name, passed=False, zh=failed[name].zh, en=failed[name].en)
        if name in failed
        else Check(check=name, passed=True, zh=zh, en=en)
        for name, (zh, en) in PASSED.items()
    ]
    model, info = choose_model("auto", model_dir)
    score = None
    if not failed:
        cands, _, scores, _ = score_candidates(session, wanted, model, params)
        hit = np.flatnonzero(cands["unit_code"].to_numpy() == unit_code)
        score = round(float(scores[hit[0]]), 1) if len(hit) else None
    return UnitAssessment(checks=checks, score=score, model=info.name)


def decide(
    session: Session, actor: Actor, application_id: int, action: str, reason: str | None,
    model_dir: Path,
) -> None:  # fmt: skip
    """A workflow action; approval first re-runs the automatic checks on today's data."""
    checks = None
    if action == "approve":
        row = app_store.get_row(session, application_id)
        if row is None:
            raise review.NotFound(f"申请 #{application_id} 不存在",
                                  f"application {application_id} not found")  # fmt: skip
        profile = CompanyProfile.model_validate(row["profile"])
        found = assess(session, profile, row["unit_code"], row["requested_m2"], model_dir)
        checks = [c.model_dump() for c in found.checks]
    review.decide(session, actor, application_id, action, reason, checks)


def file_application(
    session: Session, actor: Actor, profile: CompanyProfile, unit_code: str, area_m2: float,
    message: str | None, model_dir: Path,
) -> int:  # fmt: skip
    """Assess the unit for this company and file the application with its checks and score."""
    try:
        found = assess(session, profile, unit_code, area_m2, model_dir)
    except UnknownUnit:
        raise review.NotFound(f"空间单元 {unit_code} 不存在", f"unit {unit_code} not found",
                              "unit_code") from None  # fmt: skip
    app = review.submit(
        session, actor, unit_code, area_m2, profile.model_dump(mode="json"), profile.industry,
        found.score, found.model, [c.model_dump() for c in found.checks], message,
    )  # fmt: skip
    return app.id
