"""ASGI middleware: request ids, structured access logs, request-size limits.

Written as plain ASGI (not ``BaseHTTPMiddleware``) so a streamed body is counted as it arrives and
a too-large request is refused before the route reads it.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spacemap.i18n import HTML_LANG, LANG_COOKIE, negotiate, set_locale

access = logging.getLogger("spacemap.access")

DEFAULT_BODY_LIMIT = 256 * 1024  # JSON profiles and decisions are a few KB
UPLOAD_BODY_LIMIT = 20 * 1024 * 1024  # register imports (CSV, GeoJSON, GeoPackage)
UPLOAD_PREFIX = "/api/imports/"


def request_locale(scope: Scope) -> str:
    """The reader's language: ``?lang=``, then the switch's cookie, then ``Accept-Language``."""
    conn = HTTPConnection(scope)
    chosen = conn.query_params.get("lang") or conn.cookies.get(LANG_COOKIE)
    return negotiate(conn.headers.get("accept-language"), chosen)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: what log shippers and ``jq`` read without parsing rules."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key in ("request_id", "method", "path", "status", "ms", "user", "bytes_in"):
            if hasattr(record, key):
                out[key] = getattr(record, key)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def configure_logging(level: int = logging.INFO) -> None:
    root = logging.getLogger("spacemap")
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False


class _TooLarge(HTTPException):
    """An HTTPException, so FastAPI's body parsing lets it through to the problem handler."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body exceeds {limit} bytes / 请求体超过 {limit} 字节")


async def _refuse(send: Send, limit: int, request_id: str) -> None:
    body = json.dumps(
        {
            "type": "/problems/413",
            "title": "请求过大 / Request too large",
            "status": 413,
            "detail": f"request body exceeds {limit} bytes / 请求体超过 {limit} 字节",
            "request_id": request_id,
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", request_id.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestContext:
    """Request id, body-size limit and one access-log line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        request_id = headers.get(b"x-request-id", b"").decode()[:64] or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        locale = request_locale(scope)
        set_locale(locale)  # this request's task (and the threads it runs routes in) only
        scope["state"]["locale"] = locale
        path: str = scope["path"]
        limit = UPLOAD_BODY_LIMIT if path.startswith(UPLOAD_PREFIX) else DEFAULT_BODY_LIMIT
        start, status, received = time.perf_counter(), 500, 0
        started = False

        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(send, limit, request_id)
            self._log(scope, scope["method"], request_id, 413, start, int(declared))
            return

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge(limit)
            return message

        method = scope["method"]
        head = method == "HEAD"
        if head:  # HEAD is GET without the body, for every GET route (as HTTP says)
            scope = {**scope, "method": "GET"}

        async def tagging_send(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", request_id.encode()),
                    (b"content-language", HTML_LANG[locale].encode()),
                    (b"vary", b"Accept-Language, Cookie"),
                ]
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        try:
            await self.app(scope, counting_receive, tagging_send)
        except _TooLarge:
            if not started:
                await _refuse(send, limit, request_id)
            status = 413
        finally:
            self._log(scope, method, request_id, status, start, received)

    @staticmethod
    def _log(
        scope: Scope, method: str, request_id: str, status: int, start: float, received: int
    ) -> None:
        access.info(
            "request",
            extra={
                "request_id": request_id,
                "method": method,
                "path": scope["path"],
                "status": status,
                "ms": round((time.perf_counter() - start) * 1000, 1),
                "bytes_in": received,
            },
        )
