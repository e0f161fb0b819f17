"""The bureau's review desk (审核工作台): the queue, one application, the batch proposal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from matching import batch, checks
from matching.match import match
from matching.profile import CompanyProfile
from spacemap import review
from spacemap.config import get_settings
from spacemap.store import applications as app_store
from spacemap.store import audit
from spacemap.store import proposals as proposal_store
from spacemap.store.areas import area_names
from spacemap.store.audit import Actor
from spacemap.store.units import unit_points
from spacemap.taxonomy import sectors
from spacemap.vocab import APPLICATION_STATUSES
from web import maps
from web.pages.common import (
    DB,
    PageActor,
    login_redirect,
    map_parts,
    pick_basemap,
    render,
)

router = APIRouter(include_in_schema=False)

# ---------------------------------------------------------------- bureau review (审核工作台)

ACTION_LABELS = {
    "approve": ("批准", "approved"),
    "reject": ("驳回", "rejected"),
    "request_info": ("要求补充材料", "more information requested"),
}


def reviewer_page(request: Request, actor: PageActor) -> Actor:
    """Reviewers only: others are sent to sign in (303) or refused (403)."""
    if actor is None:
        raise HTTPException(303, headers={"Location": login_redirect(request).headers["location"]})
    if actor.role != "reviewer":
        raise HTTPException(403, "仅限审核员 / reviewers only")
    return actor


ReviewerPage = Annotated[Actor, Depends(reviewer_page)]


def _attempt(session: Session, action: Callable[[], object]) -> str | None:
    """Run a workflow action in a savepoint; its refusal, if any, as a message for the page."""
    try:
        with session.begin_nested():
            action()
    except review.ReviewError as exc:
        return f"{exc.zh} / {exc.en}"
    return None


@router.get("/review", response_model=None)
def queue(
    request: Request,
    session: DB,
    actor: ReviewerPage,
    area: str = "",
    industry: str = "",
    status: str = "",
    min_age_days: float | None = None,
) -> Response:
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
    return render(
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
    here = unit_points(session, [row["unit_code"]])[row["unit_code"]]
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
    basemap, _ = pick_basemap(None)
    parts = map_parts(maps.assignments_map(session, basemap, points))
    trail = audit.for_application(session, application_id)
    return render(
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
def proposal_page(request: Request, session: DB, actor: ReviewerPage) -> Response:
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
        units = unit_points(session, [p.unit_code for p in view.placements])
        points = [
            {
                "lng": units[p.unit_code][0],
                "lat": units[p.unit_code][1],
                "label": f"{p.company_name} → {p.unit_code} ({p.score})",
            }
            for p in view.placements
            if p.unit_code in units
        ]
        basemap, _ = pick_basemap(None)
        parts = map_parts(maps.assignments_map(session, basemap, points))
    return render(
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
    request: Request, session: DB, actor: ReviewerPage, method: Annotated[str, Form()] = "optimal"
) -> Response:
    if method not in ("optimal", "greedy", "deferred_acceptance"):
        method = "optimal"
    made = batch.propose(session, actor, method)
    return _proposal(request, session, actor, proposal_store.get(session, made.id))


@router.post("/review/proposal/{proposal_id}/accept", response_model=None)
def accept(
    request: Request,
    session: DB,
    actor: ReviewerPage,
    proposal_id: int,
    reason: Annotated[str, Form(min_length=1, max_length=2000)],
) -> Response:
    error = _attempt(
        session,
        lambda: batch.accept(
            session, actor, proposal_id, reason, get_settings().resolved_model_dir()
        ),
    )
    notice = None if error else "方案已整体接受 / proposal accepted"
    proposal = proposal_store.get(session, proposal_id)
    return _proposal(request, session, actor, proposal, error=error, notice=notice)


@router.get("/review/{application_id}", response_model=None)
def application(
    request: Request, session: DB, actor: ReviewerPage, application_id: int
) -> Response:
    return _application_page(request, session, actor, application_id)


@router.post("/review/{application_id}", response_model=None)
def decide(
    request: Request,
    session: DB,
    actor: ReviewerPage,
    application_id: int,
    action: Annotated[str, Form()],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    error = _attempt(
        session,
        lambda: checks.decide(
            session, actor, application_id, action, reason, get_settings().resolved_model_dir()
        ),
    )
    notice = None if error else "已{} / {}".format(*ACTION_LABELS.get(action, (action, action)))
    return _application_page(request, session, actor, application_id, error=error, notice=notice)
