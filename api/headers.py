"""Security headers on every response, and the per-request nonce inline scripts must carry.

Content-Security-Policy: scripts only from this server or an inline ``<script>`` bearing this
request's nonce (Folium writes its maps as inline scripts; our templates add the nonce), so
markup that slipped into a page cannot run. Styles may be inline (Leaflet and Folium set them).
Images may also come from the configured basemap tile servers. No framing, no plugins, forms post
only here. See docs/SECURITY.md.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def policy(nonce: str, images: Sequence[str]) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self' 'unsafe-inline'",
            "img-src " + " ".join(["'self'", "data:", "blob:", *images]),
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeaders:
    """CSP with a fresh nonce per request (``request.state.csp_nonce``), nosniff, no framing."""

    def __init__(self, app: ASGIApp, image_origins: Sequence[str] = ()) -> None:
        self.app = app
        self.images = list(image_origins)  # the basemaps' tile servers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(18)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        headers = [
            (b"content-security-policy", policy(nonce, self.images).encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"same-origin"),
        ]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)
