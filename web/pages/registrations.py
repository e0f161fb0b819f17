"""The administrator's registrations page: companies that registered themselves, confirmed or
declined here (``spacemap.registration``, as ``/api/registrations`` does)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from spacemap import registration
from spacemap.i18n import Msg, _
from spacemap.review import NotFound, ReviewError
from spacemap.store import users
from spacemap.store.audit import Actor
from web.pages.common import DB, page_router, render, require_role

router = page_router()
AdminPage = Annotated[Actor, require_role("admin")]
DONE: dict[str, Msg] = {
    "confirm": _("Confirmed: the company can apply for space now."),
    "decline": _("Declined: the account is closed."),
}


def _page(
    request: Request, session: DB, actor: Actor, notice: Msg | None = None,
    error: Msg | None = None, status: int = 200,
) -> Response:  # fmt: skip
    everyone = users.registrations(session, pending_only=False)
    pending = [u for u in everyone if u.is_active and u.confirmed_at is None]
    decided = [u for u in reversed(everyone) if u not in pending][:50]
    reply = render(request, "registrations.html", actor, pending=pending, decided=decided,
                   notice=notice, error=error, title=_("Company registrations"))  # fmt: skip
    reply.status_code = status
    return reply


@router.get("/admin/registrations", response_model=None)
def registrations(request: Request, session: DB, actor: AdminPage, done: str = "") -> Response:
    return _page(request, session, actor, notice=DONE.get(done))


@router.post("/admin/registrations/{username}/{action}", response_model=None)
def decide(
    request: Request,
    session: DB,
    actor: AdminPage,
    username: str,
    action: str,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        if action == "confirm":
            registration.confirm(session, actor, username)
        elif action == "decline":
            registration.decline(session, actor, username, reason)
        else:
            raise NotFound(_("No such action."), "action")
    except ReviewError as exc:
        return _page(request, session, actor, error=exc.message, status=409)
    return RedirectResponse(f"/admin/registrations?done={action}", status_code=303)
