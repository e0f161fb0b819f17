"""The bureau maintains the areas' 产业准入正面清单 (review desk → whitelists)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from spacemap import review, whitelists
from spacemap.database import transaction
from spacemap.i18n import Msg, Names, _
from spacemap.store.areas import area_names
from spacemap.taxonomy import sectors
from web.pages.common import DB, ReviewerPage, page_router, render

router = page_router()


@router.get("/review/whitelists", response_model=None)
def index(request: Request, session: DB, actor: ReviewerPage) -> Response:
    lists = [
        (code, Names(*names), whitelists.current(session, code))
        for code, names in area_names(session).items()
    ]
    return render(request, "whitelists.html", actor, lists=lists,
                  title=_("Area whitelists"))  # fmt: skip


def _area_page(
    request: Request, session: DB, actor: ReviewerPage, area: str,
    error: Msg | None = None, notice: Msg | None = None, form: dict | None = None,
) -> Response:  # fmt: skip
    names = area_names(session).get(area)
    if names is None:
        raise review.NotFound(_("Area %(code)s not found.", code=area), "area")
    current = whitelists.current(session, area)
    listed = {s.industry for s in current.in_force}
    return render(
        request, "whitelist.html", actor, area=area, area_name=Names(*names), w=current,
        addable=sorted((c, Names(*n)) for c, n in sectors().items() if c not in listed),
        removable=[(s.industry, s.name) for s in current.in_force],
        today=dt.date.today().isoformat(), error=error, notice=notice, form=form or {},
        title=_("Whitelist of %(area)s", area=Names(*names)),
    )  # fmt: skip


@router.get("/review/whitelists/{area}", response_model=None)
def area_page(
    request: Request, session: DB, actor: ReviewerPage, area: str, done: str = ""
) -> Response:
    notice = _("The amendment is recorded.") if done else None
    return _area_page(request, session, actor, area, notice=notice)


@router.post("/review/whitelists/{area}", response_model=None)
def amend(
    request: Request,
    session: DB,
    actor: ReviewerPage,
    area: str,
    action: Annotated[str, Form(max_length=8)],
    industry: Annotated[str, Form(max_length=32)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    citation: Annotated[str, Form(max_length=500)] = "",
    effective_from: Annotated[str, Form(max_length=10)] = "",
    is_lead: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    form = {"action": action, "industry": industry, "reason": reason, "citation": citation,
            "effective_from": effective_from, "is_lead": bool(is_lead)}  # fmt: skip
    try:
        when = dt.date.fromisoformat(effective_from) if effective_from else dt.date.today()
    except ValueError:
        return _area_page(request, session, actor, area, form=form,
                          error=_("The effective date must be a date (YYYY-MM-DD)."))  # fmt: skip
    if action not in ("add", "remove"):
        raise review.Conflict(_("Unknown action %(action)s.", action=action), "action")
    try:
        transaction(
            lambda s: whitelists.change(s, actor, area, industry, action, reason, citation, when,
                                        bool(is_lead)),  # type: ignore[arg-type]
            session=session,
        )  # fmt: skip
    except review.ReviewError as exc:
        return _area_page(request, session, actor, area, error=exc.message, form=form)
    return RedirectResponse(f"/review/whitelists/{area}?done=1", status_code=303)
