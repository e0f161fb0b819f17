"""Conditional GETs: weak ETags from the data version, ``304 Not Modified`` on a match.

The ETag is computed before the page is built — from ``data_versions`` and the request's query —
so a client revalidating an unchanged page costs one primary-key lookup, not a query.
"""

from __future__ import annotations

import hashlib

from fastapi import Request, Response

CACHE_CONTROL = "public, no-cache"  # may be stored, but revalidated before each use


def etag_for(*parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return f'W/"{digest}"'


def not_modified(request: Request, etag: str) -> Response | None:
    header = request.headers.get("if-none-match")
    if header is None:
        return None
    candidates = {t.strip() for t in header.split(",")}
    weak_match = {etag, etag.removeprefix("W/")}
    if "*" in candidates or candidates & weak_match:
        return Response(status_code=304, headers=cache_headers(etag))
    return None


def cache_headers(etag: str) -> dict[str, str]:
    return {"ETag": etag, "Cache-Control": CACHE_CONTROL}
