"""Read your own writes with a standby: the primary's WAL position in a cookie after a write.

A request that may have written (an unsafe method, other than the read-only searches) and
succeeded is answered with ``Set-Cookie: spacemap_lsn=<the primary's WAL insert position>``.
Everything it committed is at or before that position, so a read that carries the cookie goes to
the standby only once the standby has replayed that far (``spacemap.routing``) — whichever app
process it lands on: the cookie travels with the client, not in any process's memory.
Without a standby configured this middleware does nothing.
"""

from __future__ import annotations

import logging

import anyio
from sqlalchemy.exc import DBAPIError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spacemap.routing import LSN_COOKIE, LSN_COOKIE_MAX_AGE_S, has_standby, primary_lsn

log = logging.getLogger("spacemap.api")

SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
READ_ONLY_POSTS = frozenset({"/api/match", "/search"})  # searches: a POST body, no write


def may_write(method: str, path: str) -> bool:
    return method not in SAFE and path not in READ_ONLY_POSTS


class ReadYourWrites:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not may_write(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        if not has_standby():
            await self.app(scope, receive, send)
            return

        async def marking_send(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                try:
                    lsn = await anyio.to_thread.run_sync(primary_lsn)
                except DBAPIError as exc:  # the write went through; only the marker is lost
                    log.warning("no WAL position for read-your-writes: %s", exc.orig)
                    lsn = None
                if lsn:
                    cookie = (
                        f"{LSN_COOKIE}={lsn}; Max-Age={LSN_COOKIE_MAX_AGE_S}; Path=/; "
                        "HttpOnly; SameSite=Lax"
                    )
                    message = {
                        **message,
                        "headers": [*message.get("headers", []), (b"set-cookie", cookie.encode())],
                    }
            await send(message)

        await self.app(scope, receive, marking_send)
