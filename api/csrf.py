"""Cross-site request forgery: a state-changing request must come from this site.

Browsers say where a request comes from (``Origin``, and ``Sec-Fetch-Site``). A form on another
site that posts here — to sign a victim in as the attacker, or to act with the victim's cookie —
carries a foreign ``Origin`` (or ``Sec-Fetch-Site: cross-site``) and is refused with 403 before any
route runs. Scripts and GIS clients send neither header and authenticate with a bearer token,
which another site cannot read; they pass. The sign-in cookie is also ``SameSite=Strict``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from spacemap.i18n import _

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _own_origin(scope: Scope, headers: Headers) -> str:
    scheme = scope.get("scheme", "http")
    host = headers.get("host", "")
    return f"{scheme}://{host}".lower()


class SameOriginWrites:
    """Refuse unsafe requests that a browser says come from another site."""

    def __init__(self, app: ASGIApp, trusted_origins: Sequence[str] = ()) -> None:
        self.app = app
        self.trusted = {o.rstrip("/").lower() for o in trusted_origins}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = (headers.get("origin") or "").rstrip("/").lower()
        foreign = bool(origin) and origin not in {_own_origin(scope, headers), *self.trusted}
        if foreign or headers.get("sec-fetch-site") == "cross-site":
            await _refuse(send)
            return
        await self.app(scope, receive, send)


async def _refuse(send: Send) -> None:
    body = json.dumps(
        {
            "type": "/problems/403",
            "title": str(_("Forbidden")),
            "status": 403,
            "detail": str(_("Changes must be made from this site's own pages.")),
            "field": "Origin",
        },
        ensure_ascii=False,
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
