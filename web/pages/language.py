"""The language switch: a link, so it works without JavaScript, remembered in a cookie."""

from __future__ import annotations

from fastapi.responses import RedirectResponse

from spacemap.i18n import LANG_COOKIE, LOCALES
from web.pages.common import page_router, safe_next

router = page_router()


@router.get("/lang/{locale}")
def switch(locale: str, next: str = "/") -> RedirectResponse:
    reply = RedirectResponse(safe_next(next), status_code=303)
    if locale in LOCALES:
        reply.set_cookie(LANG_COOKIE, locale, max_age=365 * 86400, samesite="lax")
    return reply
