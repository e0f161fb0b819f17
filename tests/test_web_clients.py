"""What a web client gets beyond the standard's letter: compression and cross-origin reads."""

from __future__ import annotations

import gzip
import io
import json

import httpx


def test_large_answers_are_gzipped(server: str) -> None:
    url = f"{server}/collections/space-units/items?limit=10000"
    with httpx.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as reply:
        raw = b"".join(reply.iter_raw())
        assert reply.headers["content-encoding"] == "gzip"
        assert "accept-encoding" in reply.headers["vary"].lower()
    plain = json.loads(gzip.GzipFile(fileobj=io.BytesIO(raw)).read())
    assert plain["numberReturned"] == plain["numberMatched"]
    assert len(raw) * 5 < len(json.dumps(plain))
    for path in ("/collections", "/openapi.json"):
        assert httpx.get(server + path).headers.get("content-encoding") == "gzip"
    small = httpx.get(f"{server}/conformance", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers  # below the threshold


def test_cross_origin_viewers_may_read_but_never_with_credentials(server: str) -> None:
    origin = {"Origin": "https://viewer.example"}
    read = httpx.get(f"{server}/collections/parks/items?limit=1", headers=origin)
    assert read.headers["access-control-allow-origin"] == "*"
    assert "etag" in read.headers["access-control-expose-headers"].lower()
    assert "access-control-allow-credentials" not in read.headers
    preflight = httpx.options(
        f"{server}/collections/parks/items",
        headers={**origin, "Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "if-none-match"},
    )  # fmt: skip
    assert preflight.status_code == 204
    assert set(preflight.headers["access-control-allow-methods"].split(", ")) == {"GET", "HEAD"}
    write = httpx.options(
        f"{server}/collections/parks/items",
        headers={**origin, "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in write.headers
    private = httpx.get(f"{server}/api/me", headers=origin)
    assert "access-control-allow-origin" not in private.headers
