"""Company search (企业找空间): the profile form, ranked results beside a map, applying, and
the company's own applications."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from matching.match import match
from matching.profile import CompanyProfile, PolicyFlags, Preferences
from spacemap.config import get_settings
from spacemap.routing import LSN_COOKIE, read_scope
from spacemap.taxonomy import sectors
from spacemap.vocab import STAGES, UNIT_FEATURES
from web import maps
from web.pages.common import (
    PageActor,
    map_parts,
    page_router,
    pick_basemap,
    render,
)

router = page_router()

# ---------------------------------------------------------------- company search (企业找空间)

DEFAULT_FORM: dict[str, Any] = {
    "name": "",
    "industry": "ai",
    "stage": "startup",
    "headcount": 20,
    "min_area_m2": 100,
    "max_area_m2": 300,
    "max_rent_cny_m2_month": 150,
    "required_features": [],
    "near_hk_border": False,
    "near_metro": False,
    "wants_programme": False,
    "national_high_tech": False,
    "futian_talent": False,
}


def _search_context(**extra: Any) -> dict[str, Any]:
    return {
        "sectors": sorted(sectors().items()),
        "stages": list(STAGES.items()),
        "features": list(UNIT_FEATURES.items()),
        "title_zh": "企业找空间",
        "title_en": "Find space",
        **extra,
    }


@router.get("/search", response_class=HTMLResponse)
def search_form(request: Request, actor: PageActor) -> HTMLResponse:
    return render(
        request,
        "search.html",
        actor,
        **_search_context(form=DEFAULT_FORM, errors=None, result=None),
    )


def _profile_from_form(form: dict[str, Any]) -> CompanyProfile:
    return CompanyProfile(
        name=form["name"],
        industry=form["industry"],
        stage=form["stage"],
        headcount=form["headcount"],
        min_area_m2=form["min_area_m2"],
        max_area_m2=form["max_area_m2"],
        max_rent_cny_m2_month=form["max_rent_cny_m2_month"],
        required_features=form["required_features"],
        preferences=Preferences(
            near_hk_border=form["near_hk_border"],
            near_metro=form["near_metro"],
            wants_programme=form["wants_programme"],
        ),
        flags=PolicyFlags(
            national_high_tech=form["national_high_tech"], futian_talent=form["futian_talent"]
        ),
    )


@router.post("/search", response_class=HTMLResponse)
async def search(request: Request, actor: PageActor) -> HTMLResponse:
    raw = await request.form()
    form = {**DEFAULT_FORM, **{k: raw.get(k) for k in DEFAULT_FORM if k in raw}}
    form["required_features"] = raw.getlist("required_features")
    for flag in (
        "near_hk_border",
        "near_metro",
        "wants_programme",
        "national_high_tech",
        "futian_talent",
    ):
        form[flag] = flag in raw
    try:
        profile = _profile_from_form(form)
    except ValidationError as exc:
        errors = [
            {"field": ".".join(map(str, e["loc"])) or "form", "reason": e["msg"]}
            for e in exc.errors()
        ]
        return render(
            request, "search.html", actor, **_search_context(form=form, errors=errors, result=None)
        )
    context = await run_in_threadpool(_search_results, profile, request.cookies.get(LSN_COOKIE))
    return render(
        request, "search.html", actor, **_search_context(form=form, errors=None, **context)
    )


def _search_results(profile: CompanyProfile, after_lsn: str | None) -> dict[str, Any]:
    with read_scope(after_lsn) as session:
        result = match(session, profile, get_settings().resolved_model_dir())
        basemap, _ = pick_basemap(None)
        data = result.model_dump(mode="json")
        parts = map_parts(
            maps.sites_map(
                session,
                basemap,
                data["sites"],
                data["near_misses"],
                profile.preferences.near_hk_border,
            )
        )
    return {
        "result": result,
        "map": parts,
        "profile": profile,
        "profile_json": profile.model_dump_json(),
    }
