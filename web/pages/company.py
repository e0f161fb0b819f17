"""A company's own applications (我的申请): file one from a search result, answer the bureau's
request for information, withdraw — each through the application service, like the API."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from matching.applications import reader, with_service
from matching.profile import CompanyProfile
from spacemap import review
from spacemap.i18n import Msg, _
from spacemap.store import users
from spacemap.store.applications import QueueFilter
from spacemap.store.audit import Actor
from web.pages.common import DB, CompanyPage, page_router, render
from web.pages.forms import number

router = page_router()

INT4_MAX = 2**31 - 1
STATUS = {"not_found": 404, "forbidden": 403, "conflict": 409}
DONE: dict[str, Msg] = {
    "respond": _("Your answer was sent; the application is back in the bureau's queue."),
    "withdraw": _("The application was withdrawn."),
}


def _my_page(
    request: Request, session: DB, actor: Actor, notice: Msg | None = None,
    error: Msg | None = None, status: int = 200,
) -> Response:  # fmt: skip
    page = reader(session, actor).queue(QueueFilter(limit=500))
    items = list(reversed(page.items))  # newest first: the one just filed is on top
    allowed = actor.id is not None and users.may_apply(session, actor.id)
    reply = render(request, "my.html", actor, items=items, notice=notice, error=error,
                   may_apply=allowed, title=_("My applications"))  # fmt: skip
    reply.status_code = status
    return reply


@router.get("/my", response_model=None)
def my(
    request: Request, session: DB, actor: CompanyPage, filed: int = 0, done: str = ""
) -> Response:
    notice = DONE.get(done)
    if filed:
        notice = _("Application #%(id)d filed. The bureau will review it.", id=filed)
    return _my_page(request, session, actor, notice)


def _profile(raw: str) -> CompanyProfile:
    """The profile a results page carried in its form: refused with a reason, never a 500."""
    try:
        return CompanyProfile.model_validate(json.loads(raw))
    except (json.JSONDecodeError, ValidationError, TypeError) as exc:
        raise review.Conflict(
            _("The search this application came from could not be read; please search again."),
            "profile",
        ) from exc


@router.post("/search/apply", response_model=None)
def apply(
    request: Request,
    session: DB,
    actor: CompanyPage,
    unit_code: Annotated[str, Form(max_length=64)],
    area_m2: Annotated[str, Form(max_length=32)],
    profile: Annotated[str, Form(max_length=20_000)],
) -> Response:
    """Without JavaScript the results page posts here; with it, the page calls the API."""
    parsed = _profile(profile)
    try:
        area = float(area_m2)
    except ValueError:
        area = float("nan")
    if not parsed.min_area_m2 <= area <= parsed.max_area_m2:  # NaN fails too
        raise review.Conflict(
            _("The area applied for must lie within your need, %(low)s–%(high)s m².",
              low=number(parsed.min_area_m2), high=number(parsed.max_area_m2)),
            "area_m2",
        )  # fmt: skip
    app_id = with_service(actor, lambda s: s.file(parsed, unit_code, area, None), session)
    return RedirectResponse(f"/my?filed={app_id}", status_code=303)


@router.post("/search/apply-site", response_model=None)
def apply_site(
    request: Request,
    session: DB,
    actor: CompanyPage,
    unit_code: Annotated[list[str], Form(max_length=6)],
    area_m2: Annotated[list[str], Form(max_length=6)],
    profile: Annotated[str, Form(max_length=20_000)],
) -> Response:
    """A site of several units as one application, without JavaScript (with it, the page calls
    ``POST /api/applications/combination``)."""
    parsed = _profile(profile)
    try:
        parts = [(code, float(area)) for code, area in zip(unit_code, area_m2, strict=True)]
        if any(len(code) > 64 for code in unit_code):
            raise ValueError("a unit code longer than any unit's")
    except ValueError as exc:
        raise review.Conflict(_("The site's units could not be read; please search again."),
                              "unit_code") from exc  # fmt: skip
    total = sum(area for _code, area in parts)
    if len(parts) < 2 or not parsed.min_area_m2 <= total <= parsed.max_area_m2:
        raise review.Conflict(
            _("The area applied for must lie within your need, %(low)s–%(high)s m².",
              low=number(parsed.min_area_m2), high=number(parsed.max_area_m2)),
            "area_m2",
        )  # fmt: skip
    app_id = with_service(actor, lambda s: s.file_combination(parsed, parts, None), session)
    return RedirectResponse(f"/my?filed={app_id}", status_code=303)


@router.post("/my/{application_id}/{action}", response_model=None)
def act(
    request: Request,
    session: DB,
    actor: CompanyPage,
    application_id: int,
    action: str,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    if application_id > INT4_MAX or action not in DONE:
        raise review.not_found(application_id)
    try:
        with_service(actor, lambda s: s.act(application_id, action, reason), session)
    except review.ReviewError as exc:  # refused: the page again, with why (and its status)
        return _my_page(request, session, actor, error=exc.message, status=STATUS[exc.kind])
    return RedirectResponse(f"/my?done={action}", status_code=303)
