"""The pages people use: the zone map, company search, the bureau's review desk.

Server-rendered (Jinja2) with the Folium maps embedded in the page (header, html and script parts
of the figure), not iframes. Signing in sets an HttpOnly, SameSite=Strict cookie holding a bearer
token from the same token table the API uses; form posts call the same domain functions as the
API (``matching.checks``, ``spacemap.review``, ``matching.batch``). Route handlers are plain
functions, so FastAPI runs them (and the map building) in its thread pool, off the event loop.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import folium
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from sqlalchemy.orm import Session

from matching import batch, checks
from matching.match import match
from matching.profile import CompanyProfile, PolicyFlags, Preferences
from spacemap import review
from spacemap.catalog.queries import versions
from spacemap.config import get_settings
from spacemap.database import get_engine, session_scope
from spacemap.store import applications as app_store
from spacemap.store import audit, users
from spacemap.store import proposals as proposal_store
from spacemap.store.areas import area_names
from spacemap.store.audit import Actor
from spacemap.taxonomy import sectors
from spacemap.vocab import APPLICATION_STATUSES, STAGES, UNIT_FEATURES
from web import assets, maps
from web.basemaps import Basemap, available

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
COOKIE = "spacemap_token"
ZONE_TABLES = (
    "districts",
    "zones",
    "areas",
    "area_whitelist",
    "parks",
    "park_industries",
    "space_units",
    "stations",
)


def db() -> Any:
    with session_scope(get_engine()) as session:
        yield session


DB = Annotated[Session, Depends(db)]


def page_actor(request: Request, session: DB) -> Actor | None:
    token = request.cookies.get(COOKIE)
    user = users.user_for_token(session, token) if token else None
    if user is None:
        return None
    return Actor(id=user.id, username=user.username, role=user.role, company_name=user.company_name)


PageActor = Annotated[Actor | None, Depends(page_actor)]


def map_parts(m: folium.Map) -> dict[str, str]:
    """The figure's three parts, with every asset pointed at the local copies."""
    figure = m.get_root()
    assets.localize(figure)
    figure.render()
    return {
        "header": assets.rewrite_html(figure.header.render()),
        "html": assets.rewrite_html(figure.html.render()),
        "script": assets.rewrite_html(figure.script.render()),
    }


def _basemap(key: str | None) -> tuple[Basemap, list[Basemap]]:
    options = available(get_settings())
    chosen = options.get(key or get_settings().basemap) or options["none"]
    return chosen, list(options.values())


def _render(request: Request, name: str, actor: Actor | None, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"actor": actor, "map": None, **context})


def _login_redirect(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)


# ---------------------------------------------------------------- zone map (规划视图)

_zone_cache: dict[str, dict[str, str]] = {}
_zone_lock = threading.Lock()


def zone_map_parts(session: Session, basemap: Basemap, measure: str) -> dict[str, str]:
    """Built once per data version, basemap and shading; rebuilt when the data changes."""
    key = f"{versions(session, ZONE_TABLES)}|{basemap.key}|{measure}"
    with _zone_lock:
        cached = _zone_cache.get(key)
    if cached is None:
        cached = map_parts(maps.zone_map(session, basemap, measure))
        with _zone_lock:
            _zone_cache.clear()
            _zone_cache[key] = cached
    return cached


def zone_page(
    request: Request,
    session: Session,
    actor: Actor | None,
    basemap: str | None = None,
    measure: str = "available_m2",
) -> HTMLResponse:
    chosen, options = _basemap(basemap)
    measure = measure if measure in ("available_m2", "occupancy_pct") else "available_m2"
    parts = zone_map_parts(session, chosen, measure)
    return _render(
        request,
        "zone.html",
        actor,
        map=parts,
        basemap=chosen,
        basemaps=options,
        measure=measure,
        title_zh="规划视图",
        title_en="Zone map",
    )


@router.get("/map", response_class=HTMLResponse)
def zone(
    request: Request,
    session: DB,
    actor: PageActor,
    basemap: str | None = None,
    measure: str = "available_m2",
) -> HTMLResponse:
    return zone_page(request, session, actor, basemap, measure)


# ---------------------------------------------------------------- sign-in


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, actor: PageActor, next: str = "/") -> HTMLResponse:
    return _render(
        request,
        "login.html",
        actor,
        next=_safe_next(next),
        error=None,
        title_zh="登录",
        title_en="Sign in",
    )


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.post("/login", response_model=None)
def login(
    request: Request,
    session: DB,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    user = users.authenticate(session, username, password)
    if user is None:
        return _render(
            request,
            "login.html",
            None,
            next=_safe_next(next),
            error="用户名或密码错误 / wrong username or password",
            title_zh="登录",
            title_en="Sign in",
        )
    token, _ = users.issue_token(session, user)
    reply = RedirectResponse(_safe_next(next), status_code=303)
    reply.set_cookie(COOKIE, token, httponly=True, samesite="strict", max_age=12 * 3600)
    return reply


@router.post("/logout")
def logout(request: Request, session: DB) -> RedirectResponse:
    token = request.cookies.get(COOKIE)
    if token:
        users.revoke_token(session, token)
    reply = RedirectResponse("/", status_code=303)
    reply.delete_cookie(COOKIE)
    return reply


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
    return _render(
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
        return _render(
            request, "search.html", actor, **_search_context(form=form, errors=errors, result=None)
        )
    from starlette.concurrency import run_in_threadpool

    context = await run_in_threadpool(_search_results, profile)
    return _render(
        request, "search.html", actor, **_search_context(form=form, errors=None, **context)
    )


def _search_results(profile: CompanyProfile) -> dict[str, Any]:
    with session_scope(get_engine()) as session:
        result = match(session, profile, get_settings().resolved_model_dir())
        basemap, _ = _basemap(None)
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


@router.post("/search/apply", response_model=None)
def apply(
    request: Request,
    session: DB,
    actor: PageActor,
    unit_code: Annotated[str, Form(max_length=64)],
    area_m2: Annotated[float, Form(ge=1, le=1_000_000)],
    profile: Annotated[str, Form(max_length=20_000)],
) -> Response:
    if actor is None or actor.role != "company":
        return _login_redirect(request)
    parsed = CompanyProfile.model_validate(json.loads(profile))
    try:
        app_id = checks.file_application(
            session, actor, parsed, unit_code, area_m2, None, get_settings().resolved_model_dir()
        )
    except review.ReviewError as exc:
        return _my_page(request, session, actor, f"✗ {exc.zh} / {exc.en}")
    return _my_page(
        request,
        session,
        actor,
        f"已提交申请 #{app_id} / application #{app_id} filed for {unit_code}",
    )


def _my_page(request: Request, session: Session, actor: Actor, notice: str | None) -> HTMLResponse:
    items = app_store.queue(session, app_store.QueueFilter(company_id=actor.id, limit=500))
    return _render(
        request,
        "my.html",
        actor,
        items=items,
        notice=notice,
        statuses_map=APPLICATION_STATUSES,
        title_zh="我的申请",
        title_en="My applications",
    )


@router.get("/my", response_model=None)
def my(request: Request, session: DB, actor: PageActor) -> Response:
    if actor is None or actor.role != "company":
        return _login_redirect(request)
    return _my_page(request, session, actor, None)


# ---------------------------------------------------------------- bureau review (审核工作台)

ACTION_LABELS = {
    "approve": ("批准", "approved"),
    "reject": ("驳回", "rejected"),
    "request_info": ("要求补充材料", "more information requested"),
}


def _reviewer(request: Request, actor: Actor | None) -> Response | None:
    if actor is None:
        return _login_redirect(request)
    if actor.role != "reviewer":
        return HTMLResponse("<p>仅限审核员 / reviewers only</p>", status_code=403)
    return None


@router.get("/review", response_model=None)
def queue(
    request: Request,
    session: DB,
    actor: PageActor,
    area: str = "",
    industry: str = "",
    status: str = "",
    min_age_days: float | None = None,
) -> Response:
    refused = _reviewer(request, actor)
    if refused:
        return refused
    f = app_store.QueueFilter(
        area or None,
        industry or None,
        status if status in APPLICATION_STATUSES else None,
        min_age_days,
        None,
        500,
        0,
    )
    items = app_store.queue(session, f)
    return _render(
        request,
        "review.html",
        actor,
        items=items,
        total=items[0]["total"] if items else 0,
        f=f,
        areas=sorted(area_names(session).items()),
        sectors=sorted(sectors().items()),
        statuses=list(APPLICATION_STATUSES.items()),
        statuses_map=APPLICATION_STATUSES,
        title_zh="审核工作台",
        title_en="Review queue",
    )


def _application_page(
    request: Request,
    session: Session,
    actor: Actor,
    application_id: int,
    error: str | None = None,
    notice: str | None = None,
) -> Response:
    row = app_store.get_row(session, application_id)
    if row is None:
        return HTMLResponse("<p>申请不存在 / no such application</p>", status_code=404)
    profile = CompanyProfile.model_validate(row["profile"])
    result = match(
        session, profile, get_settings().resolved_model_dir(), limit=6, near_miss_limit=0
    )
    others = [s for s in result.sites if s.unit_code != row["unit_code"]][:5]
    unit = maps.features(session, "space-units", park=row["park_code"])["features"]
    here = next(f for f in unit if f["id"] == row["unit_code"])["geometry"]["coordinates"]
    points = [
        {
            "lng": here[0],
            "lat": here[1],
            "color": "#d7301f",
            "label": f"申请单元 / applied for: {row['unit_code']}",
        }
    ]
    points += [
        {
            "lng": s.location.lng,
            "lat": s.location.lat,
            "label": f"{s.park_name_zh} {s.unit_code} · {s.score:.0f}",
        }
        for s in others
    ]
    basemap, _ = _basemap(None)
    parts = map_parts(maps.assignments_map(session, basemap, points))
    trail = audit.for_application(session, application_id)
    return _render(
        request,
        "application.html",
        actor,
        a=row,
        others=others,
        trail=trail,
        map=parts,
        error=error,
        notice=notice,
        statuses_map=APPLICATION_STATUSES,
        title_zh=f"申请 #{application_id}",
        title_en=f"Application #{application_id}",
    )


@router.get("/review/proposal", response_model=None)
def proposal_page(request: Request, session: DB, actor: PageActor) -> Response:
    refused = _reviewer(request, actor)
    if refused:
        return refused
    latest = proposal_store.latest(session, 1)
    return _proposal(request, session, actor, latest[0] if latest else None)


def _proposal(
    request: Request,
    session: Session,
    actor: Actor,
    proposal: Any,
    error: str | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    view = batch.view(proposal) if proposal is not None else None
    parts = None
    if view is not None:
        units = {
            f["id"]: f["geometry"]["coordinates"]
            for f in maps.features(session, "space-units")["features"]
        }
        points = [
            {
                "lng": units[p.unit_code][0],
                "lat": units[p.unit_code][1],
                "label": f"{p.company_name} → {p.unit_code} ({p.score})",
            }
            for p in view.placements
            if p.unit_code in units
        ]
        basemap, _ = _basemap(None)
        parts = map_parts(maps.assignments_map(session, basemap, points))
    return _render(
        request,
        "proposal.html",
        actor,
        p=view,
        map=parts,
        error=error,
        notice=notice,
        title_zh="批量分配方案",
        title_en="Batch proposal",
    )


@router.post("/review/proposal", response_model=None)
def propose(
    request: Request, session: DB, actor: PageActor, method: Annotated[str, Form()] = "optimal"
) -> Response:
    refused = _reviewer(request, actor)
    if refused:
        return refused
    if method not in ("optimal", "greedy", "deferred_acceptance"):
        method = "optimal"
    made = batch.propose(session, actor, method)  # type: ignore[arg-type, union-attr]
    return _proposal(request, session, actor, proposal_store.get(session, made.id))  # type: ignore[arg-type]


@router.post("/review/proposal/{proposal_id}/accept", response_model=None)
def accept(
    request: Request,
    session: DB,
    actor: PageActor,
    proposal_id: int,
    reason: Annotated[str, Form(min_length=1, max_length=2000)],
) -> Response:
    refused = _reviewer(request, actor)
    if refused:
        return refused
    try:
        with session.begin_nested():
            batch.accept(
                session,
                actor,
                proposal_id,
                reason,  # type: ignore[arg-type]
                get_settings().resolved_model_dir(),
            )
    except review.ReviewError as exc:
        return _proposal(
            request,
            session,
            actor,
            proposal_store.get(session, proposal_id),
            error=f"{exc.zh} / {exc.en}",
        )  # type: ignore[arg-type]
    return _proposal(
        request,
        session,
        actor,
        proposal_store.get(session, proposal_id),
        notice="方案已整体接受 / proposal accepted",
    )  # type: ignore[arg-type]


@router.get("/review/{application_id}", response_model=None)
def application(request: Request, session: DB, actor: PageActor, application_id: int) -> Response:
    refused = _reviewer(request, actor)
    if refused:
        return refused
    return _application_page(request, session, actor, application_id)  # type: ignore[arg-type]


@router.post("/review/{application_id}", response_model=None)
def decide(
    request: Request,
    session: DB,
    actor: PageActor,
    application_id: int,
    action: Annotated[str, Form()],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    refused = _reviewer(request, actor)
    if refused:
        return refused
    try:
        with session.begin_nested():
            checks.decide(
                session,
                actor,
                application_id,
                action,
                reason,  # type: ignore[arg-type]
                get_settings().resolved_model_dir(),
            )
    except review.ReviewError as exc:
        return _application_page(
            request,
            session,
            actor,
            application_id,  # type: ignore[arg-type]
            error=f"{exc.zh} / {exc.en}",
        )
    return _application_page(
        request,
        session,
        actor,
        application_id,  # type: ignore[arg-type]
        notice="已{} / {}".format(*ACTION_LABELS.get(action, (action, action))),
    )
