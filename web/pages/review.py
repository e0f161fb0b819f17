"""The bureau's review desk (审核工作台): the queue, one application, the batch proposal.

Pages translate forms into calls on the application service (``matching.applications``) and its
views into HTML; every check and conflict shown is the service's, evaluated on today's data.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from matching import batch
from matching.applications import ApplicationView, reader, report, with_service
from matching.match import explain_unit, match
from spacemap import review
from spacemap.config import get_settings
from spacemap.i18n import Msg, Names, _
from spacemap.store import applications as app_store
from spacemap.store import audit, stats
from spacemap.store import proposals as proposal_store
from spacemap.store import whitelists as whitelist_store
from spacemap.store.areas import area_names
from spacemap.store.audit import Actor
from spacemap.store.units import unit_points
from spacemap.taxonomy import sectors
from spacemap.vocab import APPLICATION_STATUSES, PARK_TYPES, STAGES, UNIT_FEATURES
from web import maps
from web.pages.common import DB, ReviewerPage, map_parts, page_router, pick_basemap, render

router = page_router()

INT4_MAX = 2**31 - 1
DONE: dict[str, Msg] = {
    "approve": _("Approved."),
    "reject": _("Rejected."),
    "request_info": _("More information requested from the company."),
}
QUEUE_STATUSES = ("open", *APPLICATION_STATUSES)


def _attempt(work: Any) -> Msg | None:
    """Run a change through the service; its refusal, if any, as a message for the page."""
    try:
        work()
    except review.ReviewError as exc:
        return exc.message
    return None


def _queue_filter(
    area: str, industry: str, status: str, min_age_days: str
) -> tuple[app_store.QueueFilter, Msg | None]:
    """The queue's filter form: an empty field is no filter; a bad one is said, not fatal."""
    error, age = None, None
    if min_age_days.strip():
        try:
            age = float(min_age_days)
            if not 0 <= age <= 36_500:
                raise ValueError
        except ValueError:
            error = _("Waiting days must be a number between 0 and 36,500.")
            age = None
    f = app_store.QueueFilter(
        area=area or None,
        industry=industry if industry in sectors() else None,
        status=status if status in QUEUE_STATUSES else None,
        min_age_days=age,
        limit=500,
    )
    return f, error


@router.get("/review", response_model=None)
def queue(
    request: Request,
    session: DB,
    actor: ReviewerPage,
    area: str = "",
    industry: str = "",
    status: str = "open",
    min_age_days: str = "",
) -> Response:
    f, error = _queue_filter(area, industry, status, min_age_days)
    page = reader(session, actor).queue(f)
    return render(
        request,
        "review.html",
        actor,
        items=page.items,
        total=page.total,
        f=f,
        min_age_days=min_age_days,
        error=error,
        areas=[(code, Names(*names)) for code, names in area_names(session).items()],
        sectors=sorted(((c, Names(*n)) for c, n in sectors().items()), key=lambda x: str(x[1])),
        statuses=[("open", _("Open (pending or waiting for information)"))]
        + [(c, Names(*n)) for c, n in APPLICATION_STATUSES.items()],
        title=_("Review desk"),
    )


def _other_options(session: Session, a: ApplicationView, limit: int = 5) -> list[Any]:
    """The company's best other units across parks (one per park), from the ranker."""
    result = match(session, a.profile, get_settings().resolved_model_dir(), limit=60,
                   near_miss_limit=0)  # fmt: skip
    seen, out = {a.park_code}, []
    for site in result.sites:
        if site.park_code not in seen:
            seen.add(site.park_code)
            out.append(site)
        if len(out) == limit:
            break
    return out


def _area_space(session: Session, area_code: str) -> dict[str, Any] | None:
    return next((r for r in stats.areas(session) if r["area"] == area_code), None)


def _application_page(
    request: Request,
    session: Session,
    actor: Actor,
    application_id: int,
    error: Msg | None = None,
    notice: Msg | None = None,
) -> Response:
    if application_id > INT4_MAX:
        raise review.not_found(application_id)
    a = reader(session, actor).get(application_id)
    site, feasible, model = None, 0, None
    if a.status != "approved":  # approved, the space is the company's: no rank among free units
        site, feasible, model = explain_unit(
            session, a.profile, a.requested_m2, a.unit_code, get_settings().resolved_model_dir()
        )
    others = _other_options(session, a)
    here = unit_points(session, [a.unit_code])[a.unit_code]
    applied = _("Applied for: %(park)s %(unit)s", park=a.park_name, unit=a.unit_code)
    points = [{"lng": here[0], "lat": here[1], "color": "#d7301f", "label": applied}]
    points += [
        {"lng": s.location.lng, "lat": s.location.lat,
         "label": Msg("%(park)s %(unit)s", {"park": Names(s.park_name_zh, s.park_name_en),
                                           "unit": s.unit_code})}
        for s in others
    ]  # fmt: skip
    basemap, _options = pick_basemap(None)
    return render(
        request,
        "application.html",
        actor,
        a=a,
        site=site,
        feasible=feasible,
        model=model,
        others=others,
        whitelist=whitelist_store.in_force(session, a.area_code),
        area_space=_area_space(session, a.area_code),
        trail=audit.for_application(session, application_id),
        map=map_parts(maps.assignments_map(session, basemap, points)),
        error=error,
        notice=notice,
        stage=Names(*STAGES[a.profile.stage]),
        park_type=Names(*PARK_TYPES[a.park_type]),
        feature_names={c: Names(*n) for c, n in UNIT_FEATURES.items()},
        sector_names={c: Names(*n) for c, n in sectors().items()},
        title=_("Application #%(id)d", id=application_id),
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
    error: Msg | None = None,
    notice: Msg | None = None,
) -> Response:
    view = batch.view(proposal) if proposal is not None else None
    parts = None
    if view is not None:
        units = unit_points(session, [p.unit_code for p in view.placements])
        points = [
            {"lng": units[p.unit_code][0], "lat": units[p.unit_code][1],
             "label": f"{p.company_name} → {p.unit_code} ({p.score})"}
            for p in view.placements
            if p.unit_code in units
        ]  # fmt: skip
        basemap, _options = pick_basemap(None)
        parts = map_parts(maps.assignments_map(session, basemap, points))
    return render(
        request,
        "proposal.html",
        actor,
        p=view,
        map=parts,
        error=error,
        notice=notice,
        methods=METHOD_NAMES,
        title=_("Batch allocation proposal"),
    )


METHOD_NAMES: dict[str, Msg] = {
    "optimal": _("Optimal (highest total score)"),
    "deferred_acceptance": _("Deferred acceptance (no justified envy)"),
    "greedy": _("Greedy (best pair first)"),
}


@router.post("/review/proposal", response_model=None)
def propose(
    request: Request, session: DB, actor: ReviewerPage, method: Annotated[str, Form()] = "optimal"
) -> Response:
    chosen: batch.Method = method if method in METHOD_NAMES else "optimal"  # type: ignore[assignment]
    made = with_service(actor, lambda s: batch.propose(s, chosen), session)
    return RedirectResponse(f"/review/proposal/{made.id}", status_code=303)


@router.get("/review/proposal/{proposal_id}", response_model=None)
def proposal_one(request: Request, session: DB, actor: ReviewerPage, proposal_id: int) -> Response:
    proposal = proposal_store.get(session, proposal_id) if proposal_id <= INT4_MAX else None
    if proposal is None:
        raise review.NotFound(_("Proposal #%(id)d not found.", id=proposal_id))
    return _proposal(request, session, actor, proposal)


@router.post("/review/proposal/{proposal_id}/accept", response_model=None)
def accept(
    request: Request,
    session: DB,
    actor: ReviewerPage,
    proposal_id: int,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    if proposal_id > INT4_MAX:
        raise review.NotFound(_("Proposal #%(id)d not found.", id=proposal_id))
    error = (
        _("A reason is required to accept a proposal.")
        if not reason.strip()
        else _attempt(
            lambda: with_service(actor, lambda s: batch.accept(s, proposal_id, reason), session)
        )
    )
    notice = None if error else _("Proposal accepted: every placement is approved.")
    session.expire_all()
    return _proposal(request, session, actor, proposal_store.get(session, proposal_id),
                     error=error, notice=notice)  # fmt: skip


@router.get("/review/export.{kind}", response_model=None)
def export(
    request: Request,
    session: DB,
    actor: ReviewerPage,
    kind: str,
    area: str = "",
    industry: str = "",
    status: str = "open",
    min_age_days: str = "",
) -> Response:
    """The queue as filtered on the page, with its decisions, and free space per area: .xlsx
    (two sheets) or .csv (the queue); the same rows the page shows."""
    if kind not in ("xlsx", "csv"):
        raise review.NotFound(_("No such export."))
    f, _error = _queue_filter(area, industry, status, min_age_days)
    queue_rows = report.queue_table(reader(session, actor).queue(f).items)
    stamp = dt.date.today().isoformat()
    if kind == "csv":
        body, media = report.to_csv(queue_rows), "text/csv; charset=utf-8"
    else:
        body = report.to_xlsx(
            {
                str(_("Applications")): queue_rows,
                str(_("Free space by area")): report.occupancy_table(session),
            }
        )
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    name = f"spacemap-review-{stamp}.{kind}"
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


@router.get("/review/{application_id}", response_model=None)
def application(
    request: Request, session: DB, actor: ReviewerPage, application_id: int, done: str = ""
) -> Response:
    return _application_page(request, session, actor, application_id, notice=DONE.get(done))


@router.post("/review/{application_id}", response_model=None)
def decide(
    request: Request,
    session: DB,
    actor: ReviewerPage,
    application_id: int,
    action: Annotated[str, Form()],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    if application_id > INT4_MAX:
        raise review.not_found(application_id)
    error = _attempt(
        lambda: with_service(actor, lambda s: s.act(application_id, action, reason), session)
    )
    if error is None:
        return RedirectResponse(f"/review/{application_id}?done={action}", status_code=303)
    return _application_page(request, session, actor, application_id, error=error)
