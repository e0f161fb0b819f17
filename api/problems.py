"""RFC 9457 problem details for every error, with the offending field and the reason.

Clients never see a stack trace: unexpected errors become a 500 problem carrying only the request
id, and the traceback goes to the structured log under that id.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from spacemap.database import Busy, contention
from spacemap.i18n import Msg, _
from spacemap.review import ReviewError
from spacemap.routing import Unavailable, unreachable

log = logging.getLogger("spacemap.api")

MEDIA_TYPE = "application/problem+json"

TITLES = {
    400: _("Bad request"),
    401: _("Authentication required"),
    403: _("Forbidden"),
    404: _("Not found"),
    405: _("Method not allowed"),
    406: _("Not acceptable"),
    409: _("Conflict"),
    413: _("Request too large"),
    415: _("Unsupported media type"),
    422: _("Invalid data"),
    429: _("Too many requests"),
    500: _("Internal server error"),
    503: _("Service unavailable"),
}

Text = str | Msg  # a detail may be a catalog message, rendered in the reader's language


class Problem(Exception):
    """Raise anywhere in a route: becomes an RFC 9457 response."""

    def __init__(
        self,
        status: int,
        detail: Text,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(str(detail))
        self.status, self.detail, self.field = status, detail, field
        self.headers, self.extra = headers, extra


class PageErrors(Protocol):
    """How the pages show an error (installed by the app factory: ``api`` knows no templates)."""

    def is_page(self, request: Request) -> bool: ...

    def render_error(
        self,
        request: Request,
        status: int,
        detail: Text,
        headers: dict[str, str] | None = None,
        errors: list[tuple[str, str]] | None = None,
    ) -> Response: ...


def problem_response(
    request: Request,
    status: int,
    detail: Text,
    field: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """The error as RFC 9457 problem+json — or, for a page, as a page in the reader's language."""
    pages: PageErrors | None = getattr(request.app.state, "page_errors", None)
    if pages is not None and pages.is_page(request):
        listed = [(e["field"], e["reason"]) for e in errors or []]
        return pages.render_error(request, status, detail, headers, listed)
    body: dict[str, Any] = {
        "type": f"/problems/{status}",
        "title": str(TITLES.get(status, _("Error"))),
        "status": status,
        "detail": str(detail),
        "instance": request.url.path,
    }
    if field is not None:
        body["field"] = field
    if errors:
        body["errors"] = errors
    body.update(extra)
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or str(loc[0] if loc else "")


async def _validation(request: Request, exc: RequestValidationError) -> Response:
    errors = [
        {"field": _field(tuple(e.get("loc", ()))), "reason": str(e.get("msg", ""))}
        for e in exc.errors()
    ]
    detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
    return problem_response(
        request, 422, detail, field=errors[0]["field"] if errors else None, errors=errors
    )


async def _http(request: Request, exc: StarletteHTTPException) -> Response:
    headers = getattr(exc, "headers", None)
    return problem_response(request, exc.status_code, str(exc.detail), headers=headers)


async def _problem(request: Request, exc: Problem) -> Response:
    return problem_response(
        request, exc.status, exc.detail, exc.field, headers=exc.headers, **exc.extra
    )


REVIEW_STATUS = {"not_found": 404, "forbidden": 403, "conflict": 409}


async def _review(request: Request, exc: ReviewError) -> Response:
    return problem_response(request, REVIEW_STATUS[exc.kind], exc.message, exc.field)


async def _busy(request: Request, exc: Busy) -> Response:
    """Contention that outlasted every retry: nothing was written; say when to come back."""
    return problem_response(
        request,
        503,
        _("The database is busy with other changes; nothing was written. Please retry."),
        headers={"Retry-After": str(exc.retry_after_s)},
    )


async def _unavailable(request: Request, exc: Exception) -> Response:
    """The database this request needs is down (the primary, for a write): nothing was done;
    say when to come back. Reads do not get here while the standby answers."""
    log.warning("database unreachable: %s", getattr(exc, "__cause__", None) or exc)
    return problem_response(
        request,
        503,
        _("The database cannot be reached just now; nothing was changed. Please retry shortly."),
        headers={"Retry-After": str(Unavailable.retry_after_s)},
    )


async def _operational(request: Request, exc: OperationalError) -> Response:
    if unreachable(exc):
        return await _unavailable(request, exc)
    return await _unexpected(request, exc)


async def _integrity(request: Request, exc: IntegrityError) -> Response:
    """A database rule refused the write (the unit ledger, a unique key): the client's conflict,
    not a crash; nothing was written."""
    orig = exc.orig
    constraint = getattr(getattr(orig, "diag", None), "constraint_name", None)
    if constraint == "unit_ledger":
        return problem_response(
            request, 409, _("That would let more floor space than the unit holds; refused."),
            "available_m2",
        )  # fmt: skip
    if getattr(orig, "sqlstate", "").startswith("23"):
        return problem_response(request, 409, _("That conflicts with data already stored."))
    return await _unexpected(request, exc)


async def _data_error(request: Request, exc: DataError) -> Response:
    """Text PostgreSQL cannot store (NUL bytes) that slipped past the models: the client's."""
    if "NUL" in str(exc.orig):
        return problem_response(request, 400, "文本不能包含 NUL 字节 / text must not contain NUL")
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> Response:
    if contention(exc) or isinstance(exc, PoolTimeout):  # lost a lock race, or no connection
        return await _busy(request, Busy())
    log.exception("unhandled error", extra={"request_id": getattr(request.state, "request_id", "")})
    return problem_response(request, 500, "服务器内部错误，已记录 / internal error, logged")


def install(app: FastAPI, pages: PageErrors | None = None) -> None:
    app.state.page_errors = pages
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(Problem, _problem)  # type: ignore[arg-type]
    app.add_exception_handler(ReviewError, _review)  # type: ignore[arg-type]
    app.add_exception_handler(Busy, _busy)  # type: ignore[arg-type]
    app.add_exception_handler(Unavailable, _unavailable)
    app.add_exception_handler(OperationalError, _operational)  # type: ignore[arg-type]
    app.add_exception_handler(DataError, _data_error)  # type: ignore[arg-type]
    app.add_exception_handler(IntegrityError, _integrity)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)
