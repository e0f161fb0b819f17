"""What every client sees at the edges: problem details, limits, statistics, imports."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import PASSWORD, ROOT, bearer, loaded_database, run_cli, serving, token


def test_validation_errors_name_the_field_and_reason(server: str) -> None:
    bad = {"name": "x", "industry": "fintek", "stage": "seed", "headcount": 3,
           "min_area_m2": 300, "max_area_m2": 100, "max_rent_cny_m2_month": 80}  # fmt: skip
    reply = httpx.post(f"{server}/api/match", json=bad)
    assert reply.status_code == 422
    assert reply.headers["content-type"] == "application/problem+json"
    problem = reply.json()
    assert problem["status"] == 422 and problem["field"] == "industry"
    assert "did you mean 'fintech'" in problem["detail"]
    assert {e["field"] for e in problem["errors"]} >= {"industry"}


def test_oversized_requests_are_refused_before_reading(server: str) -> None:
    huge = b'{"name": "' + b"x" * 400_000 + b'"}'
    reply = httpx.post(f"{server}/api/match", content=huge,
                       headers={"content-type": "application/json"})  # fmt: skip
    assert reply.status_code == 413 and reply.json()["status"] == 413


def test_errors_never_carry_a_traceback(server: str) -> None:
    for reply in (
        httpx.get(f"{server}/no/such/page"),
        httpx.get(f"{server}/collections/parks/items/%00"),
        httpx.post(
            f"{server}/api/match",
            content=b"{not json",
            headers={"content-type": "application/json"},
        ),
    ):
        assert reply.status_code < 500, reply.text
        assert "Traceback" not in reply.text and 'File "' not in reply.text
        assert reply.headers["content-type"] == "application/problem+json"
        assert reply.headers["x-request-id"]


def test_statistics_add_up_and_state_the_plan(server: str, accounts: dict) -> None:
    stats = httpx.get(f"{server}/api/stats", headers=accounts["planner"]).json()
    units = httpx.get(f"{server}/collections/space-units/items?limit=10000").json()["features"]
    capacity = sum(f["properties"]["capacity_m2"] for f in units)
    available = sum(f["properties"]["available_m2"] for f in units)
    assert abs(sum(a["capacity_m2"] or 0 for a in stats["areas"]) - capacity) < 1
    assert abs(sum(z["available_m2"] for z in stats["zones"]) - available) < 1
    assert len(stats["areas"]) == 8 and len(stats["zones"]) == 3
    for a in stats["areas"]:
        if a["space_recorded"]:
            expected = 100 * (a["capacity_m2"] - a["available_m2"]) / a["capacity_m2"]
            assert abs(a["occupancy_pct"] - expected) < 0.1
        else:  # no space recorded reads as no data, never as 0 % occupied
            assert a["units"] == 0 and a["capacity_m2"] is None and a["occupancy_pct"] is None
    plan = {i["code"]: i for i in stats["indicators"]}
    space = plan["tech_incubation_space"]  # 科技培育空间: its own series, not the incubation area
    assert [(v["year"], v["value"]) for v in space["targets"]] == [(2023, 1e6), (2025, 1.5e6)]
    assert space["measured"] is None and space["measurable"] == "no"
    incubation = plan["incubation_area"]["measured"]  # set against the same measure's actual
    assert incubation["compared_with"]["value"] == 285_600 and incubation["inferred"] > 0


@pytest.fixture(scope="module")
def private_server() -> Iterator[tuple[str, dict[str, str]]]:
    """Its own database: an import commits a park the shared dataset tests must not see."""
    with loaded_database() as url, serving(url) as base:
        env = {**os.environ, "SPACEMAP_DATABASE_URL": url, "SPACEMAP_NEW_PASSWORD": PASSWORD}
        assert run_cli(env, "users", "create-admin", "admin").returncode == 0
        yield base, bearer(token(base, "admin")), url


def test_admin_imports_a_register_all_or_nothing(private_server: tuple) -> None:
    server, admin, _url = private_server
    good = "name_zh,park_type,lng,lat\n测试导入园区（合成）,incubator,114.05,22.54\n"
    bad = "name_zh,park_type,lng,lat\n坏行,castle,114.05,22.54\n另一个,incubator,200,22.54\n"
    url = f"{server}/api/imports/parks"
    refused = httpx.post(url, files={"file": ("parks.csv", bad, "text/csv")},
                         headers=admin)  # fmt: skip
    assert refused.status_code == 422
    fields = {e["field"] for e in refused.json()["errors"]}
    assert {"park_type", "lng"} <= fields
    done = httpx.post(url, files={"file": ("parks.csv", good, "text/csv")},
                      headers=admin)  # fmt: skip
    assert done.status_code == 200, done.text
    assert done.json()["rows"] == 1
    imported = httpx.get(f"{server}/collections/parks/items", params={"limit": 1000}).json()
    assert "测试导入园区（合成）" in {f["properties"]["name_zh"] for f in imported["features"]}


def test_http_matching_is_deterministic(server: str) -> None:
    profile = json.loads((ROOT / "examples" / "biotech-lab.json").read_text(encoding="utf-8"))
    first = httpx.post(f"{server}/api/match", json=profile, timeout=60)
    second = httpx.post(f"{server}/api/match", json=profile, timeout=60)
    assert first.status_code == 200 and first.json() == second.json()
    assert first.json()["sites"], "the example should find sites"


def test_the_sign_in_cookie_only_works_for_the_pages_own_scripts(
    server: str, accounts: dict
) -> None:
    """A cross-site form could carry the cookie but not the header: the API ignores it alone."""
    with httpx.Client(base_url=server) as browser:
        signed_in = browser.post("/login", data={"username": "planner", "password": PASSWORD})
        assert signed_in.status_code == 303 and "spacemap_token" in browser.cookies
        assert browser.get("/api/me").status_code == 401
        mine = browser.get("/api/me", headers={"X-Requested-With": "spacemap"})
        assert mine.status_code == 200 and mine.json()["role"] == "planner"


def test_an_import_speaks_to_a_web_client_in_its_language(private_server: tuple) -> None:
    """No CLI advice (`--encoding`) in the API's answer, every row's problems, in the language
    the request asked for, and a count of what was not listed."""
    server, admin, _url = private_server
    url = f"{server}/api/imports/parks"
    gbk = "name_zh,park_type,lng,lat\n编码测试园区,incubator,114.05,22.54\n".encode("gb18030")
    for lang, words in [("en", "not utf-8 text"), ("zh", "不是 utf-8 文本")]:
        reply = httpx.post(url, files={"file": ("p.csv", gbk, "text/csv")},
                           headers={**admin, "Accept-Language": lang})  # fmt: skip
        assert reply.status_code == 422
        [error] = reply.json()["errors"]
        assert error["field"] == "encoding" and words in error["reason"]
        assert "--encoding" not in reply.text
    rows = "".join(f"园{i},castle,114.05,22.54\n" for i in range(250))
    many = httpx.post(url, files={"file": ("p.csv", "name_zh,park_type,lng,lat\n" + rows)},
                      headers={**admin, "Accept-Language": "en"})  # fmt: skip
    body = many.json()
    assert many.status_code == 422 and body["total"] == 250 and len(body["errors"]) == 200
    assert "250 problems" in body["detail"] and "and 50 more problems" in body["detail"]
    big = b"name_zh,park_type,lng,lat\n" + b"x" * (17 * 1024 * 1024)
    too_big = httpx.post(url, files={"file": ("big.csv", big)}, headers=admin, timeout=60)
    assert too_big.status_code == 413 and too_big.json()["field"] == "file"


def test_an_api_import_is_audited_with_the_admin_and_the_file(private_server: tuple) -> None:
    server, admin, url = private_server
    good = "name_zh,park_type,lng,lat\n审计导入园区（合成）,incubator,114.05,22.54\n"
    done = httpx.post(f"{server}/api/imports/parks", headers=admin,
                      files={"file": ("登记表.csv", good, "text/csv")})  # fmt: skip
    assert done.status_code == 200, done.text
    engine = create_engine(url)
    with engine.connect() as conn:
        entry = conn.execute(
            text("SELECT actor, actor_role, entity, action, after FROM audit_log "
                 "WHERE reason = '登记表.csv'")
        ).one()  # fmt: skip
    engine.dispose()
    assert entry[:4] == ("admin", "admin", "dataset", "import") and entry.after["rows"] == 1


def test_every_page_has_an_icon_and_the_browsers_default_one_is_there(server: str) -> None:
    """Without one, a browser asks for /favicon.ico on every site and logs its 404 as an error."""
    implicit = httpx.get(f"{server}/favicon.ico")
    assert implicit.status_code == 200 and implicit.headers["content-type"] == "image/svg+xml"
    page = httpx.get(f"{server}/search").text
    linked = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page).group(1)
    icon = httpx.get(server + linked)
    assert icon.status_code == 200 and icon.content == implicit.content
    assert icon.content.startswith(b"<svg")
