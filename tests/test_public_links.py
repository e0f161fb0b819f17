"""Absolute links never come from a Host header the operator did not configure (issue #11)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import serving

PUBLIC = "https://spacemap.example.cn/gis"


def _hrefs(body: object) -> list[str]:
    if isinstance(body, dict):
        return [v for k, v in body.items() if k == "href"] + [
            h for v in body.values() for h in _hrefs(v)
        ]
    if isinstance(body, list):
        return [h for v in body for h in _hrefs(v)]
    return []


PATHS = ["/?f=json", "/collections", "/collections/parks", "/collections/parks/items?limit=2",
         "/collections/parks/items/fintech_city"]  # fmt: skip


@pytest.mark.parametrize("path", PATHS)
def test_a_forged_host_gets_no_links_to_itself(server: str, path: str) -> None:
    reply = httpx.get(f"{server}{path}", headers={"Host": "evil.example"})
    assert reply.status_code == 400 and "evil.example" not in "".join(_hrefs(reply.json()))
    assert (
        "SPACEMAP_PUBLIC_URL"
        in httpx.get(
            f"{server}{path}", headers={"Host": "evil.example", "Accept-Language": "en"}
        ).json()["detail"]
    )
    loopback = httpx.get(f"{server}{path}", headers={"Host": "localhost"})
    assert all(h.startswith("http://localhost/") for h in _hrefs(loopback.json()))


@pytest.mark.parametrize("path", ["/tiles", "/tiles/units.json"])
def test_tile_urls_for_gis_are_never_built_from_a_forged_host(server: str, path: str) -> None:
    assert httpx.get(f"{server}{path}", headers={"Host": "evil.example"}).status_code == 400
    body = httpx.get(f"{server}{path}", headers={"Host": "localhost"}).json()
    urls = [body["tiles"][0]] if "tiles" in body else [x["tiles"] for x in body["layers"]]
    assert urls and all(u.startswith("http://localhost/tiles/") for u in urls), urls


@pytest.fixture(scope="module")
def public_server(database_url: str, engine: object) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SPACEMAP_PUBLIC_URL", PUBLIC)
        with serving(database_url) as base:
            yield base


@pytest.mark.parametrize("path", PATHS)
def test_links_use_the_configured_public_url(public_server: str, path: str) -> None:
    for host in ("evil.example", "127.0.0.1"):
        reply = httpx.get(f"{public_server}{path}", headers={"Host": host})
        assert reply.status_code == 200
        hrefs = _hrefs(reply.json())
        assert hrefs and all(h.startswith(f"{PUBLIC}/") for h in hrefs), hrefs
