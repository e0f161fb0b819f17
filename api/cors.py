"""Cross-origin reads of the public, read-only API (``/rec/core/cross-origin``).

A web viewer on another origin may GET the landing page, conformance, the collections and their
features, and the OpenAPI document: from any origin by default, or only from
``SPACEMAP_CORS_ORIGINS``. Only GET and HEAD, and never with credentials (no
``Access-Control-Allow-Credentials``): nothing that needs a sign-in is readable cross-origin, and
the rest of the API answers no preflight, so browsers keep other sites out of it.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

READ_METHODS = ("GET", "HEAD")
# Request headers a viewer may send: content negotiation and revalidation.
ALLOWED_HEADERS = ("accept", "accept-language", "if-none-match", "if-modified-since")
EXPOSED_HEADERS = "ETag, Content-Language, X-Request-ID, Link"
MAX_AGE_S = "600"


def is_public(path: str) -> bool:
    return (
        path in ("/", "/conformance", "/openapi.json")
        or path == "/collections"
        or path.startswith("/collections/")
    )


class PublicCORS:
    def __init__(self, app: ASGIApp, origins: Iterable[str] = ("*",)) -> None:
        self.app = app
        self.origins = {o.strip().rstrip("/") for o in origins if o.strip()}
        self.any = "*" in self.origins

    def _allow(self, origin: str) -> str | None:
        if self.any:
            return "*"
        return origin if origin in self.origins else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_public(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        allowed = self._allow(origin)
        asked = headers.get("access-control-request-method")
        if scope["method"] == "OPTIONS" and asked is not None:
            await self._preflight(send, allowed, asked, headers)
            return
        if allowed is None or scope["method"] not in READ_METHODS:
            await self.app(scope, receive, send)
            return
        extra = [
            (b"access-control-allow-origin", allowed.encode()),
            (b"access-control-expose-headers", EXPOSED_HEADERS.encode()),
        ]
        if allowed != "*":
            extra.append((b"vary", b"Origin"))

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def _preflight(
        self, send: Send, allowed: str | None, method: str, headers: Headers
    ) -> None:
        """204 either way; the permission headers only for a read from an allowed origin."""
        out = [(b"vary", b"Origin"), (b"content-length", b"0")]
        wanted = [h.strip().lower() for h in headers.get("access-control-request-headers", "")
                  .split(",") if h.strip()]  # fmt: skip
        if allowed is not None and method in READ_METHODS and set(wanted) <= set(ALLOWED_HEADERS):
            out += [
                (b"access-control-allow-origin", allowed.encode()),
                (b"access-control-allow-methods", ", ".join(READ_METHODS).encode()),
                (b"access-control-allow-headers", ", ".join(ALLOWED_HEADERS).encode()),
                (b"access-control-max-age", MAX_AGE_S.encode()),
            ]
        await send({"type": "http.response.start", "status": 204, "headers": out})
        await send({"type": "http.response.body", "body": b""})
