"""Matching over HTTP: a company profile in, ranked feasible sites and near misses out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from api.deps import ReadSession
from matching.match import PER_PARK, MatchResult, match
from matching.profile import CompanyProfile
from spacemap.config import get_settings

router = APIRouter(prefix="/api", tags=["匹配 / Matching"])

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def profile_examples() -> dict[str, dict[str, Any]]:
    """The shipped example profiles, shown in /docs."""
    out = {}
    for path in sorted(EXAMPLES.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "industry" in data:
            out[path.stem] = {"summary": data["name"], "value": data}
    return out


@router.post("/match", response_model=MatchResult, summary="企业找空间 / Match a company to sites")
def post_match(
    session: ReadSession,
    profile: Annotated[CompanyProfile, Body(openapi_examples=profile_examples())],
    limit: Annotated[int, Query(ge=1, le=100, description="sites on this page")] = 10,
    offset: Annotated[
        int, Query(ge=0, le=1_000_000, description="sites on earlier pages (`next_offset`)")
    ] = 0,
    per_park: Annotated[
        int,
        Query(
            ge=0,
            le=100,
            description="at most this many units of one park per tier of the "
            "list, so the first page spans several parks; 0: plain score order",
        ),
    ] = PER_PARK,
    near_misses: Annotated[int, Query(ge=0, le=50, description="nearest infeasible units")] = 5,
    combinations: Annotated[
        int,
        Query(
            ge=0,
            le=20,
            description="sites of several units of one park, offered when "
            "fewer units than a page meet the need alone",
        ),
    ] = 5,
) -> MatchResult:
    """One page of the feasible units, best first (fit percentile, the model's score, reasons,
    unit, park, area, zone, move-in date, location) and the nearest infeasible ones with the
    check each failed. Units in a preferred area or zone (`preferences.areas`, `.zones`) come
    first. When fewer units than a page are feasible: `combinations` (several units of one park
    as one site, applied for with `POST /api/applications/combination`) and `advice` (what to
    relax, by how much). Deterministic for the same input and data: `next_offset` pages on."""
    return match(
        session,
        profile,
        get_settings().resolved_model_dir(),
        limit=limit,
        near_miss_limit=near_misses,
        offset=offset,
        per_park=per_park,
        combination_limit=combinations,
    )
