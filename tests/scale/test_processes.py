"""Two ``spacemap serve`` processes that share nothing but the database, behind nginx.

Signing in through one and acting through the other works because tokens live in the database;
the per-process caches (zone map, ETags, ``numberMatched`` counts) stay correct when a write
lands on the other process because their keys are the data version read with the data, never
something a process remembers about its own writes.
"""

from __future__ import annotations

import json

import httpx
import pytest

from spacemap.scale.stack import Stack
from tests.conftest import PASSWORD
from tests.scale.conftest import (
    PROFILE,
    TIMEOUT,
    VOLATILE,
    add_user,
    browser,
    top_site,
)


def test_sign_in_through_one_process_act_through_the_other(stack: Stack) -> None:
    one, two = (p.url for p in stack.processes)
    company_name = add_user(stack, "company")
    reviewer_name = add_user(stack, "reviewer")
    site = top_site(one)
    page_one = browser(one)
    signed = page_one.post("/login", data={"username": company_name, "password": PASSWORD})
    assert signed.status_code == 303
    page_two = browser(two)  # the same browser, its cookie, the other process
    page_two.cookies.set("spacemap_token", signed.cookies["spacemap_token"])
    filed = page_two.post(
        "/search/apply", data={"unit_code": site["unit_code"], "area_m2": "150", "profile": PROFILE}
    )
    assert filed.status_code == 303, filed.text
    app_id = int(filed.headers["location"].split("filed=")[1])
    assert f"#{app_id}" in page_one.get("/my").text
    token = httpx.post(
        f"{two}/api/token", data={"username": reviewer_name, "password": PASSWORD}, timeout=TIMEOUT
    ).json()["access_token"]
    approved = httpx.post(
        f"{one}/api/applications/{app_id}/approve",
        json={"reason": "同意"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT,
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"


def test_caches_follow_a_write_made_on_the_other_process(stack: Stack) -> None:
    """Process one has built the zone map, tagged a features page and counted a filter; the
    approval lands on process two; process one's next answers show it."""
    one, two = (p.url for p in stack.processes)
    site = top_site(one)
    unit, free = site["unit_code"], site["available_m2"]
    items = f"/collections/space-units/items?park={site['park_code']}&limit=1000"
    count = f"/collections/space-units/items?min_available_m2={free}&limit=1"
    reader = httpx.Client(base_url=one, timeout=TIMEOUT)  # anonymous: the standby's data

    def zone_map(client: httpx.Client) -> str:
        return VOLATILE.sub("", client.get("/map").text)

    map_before = zone_map(reader)
    assert zone_map(reader) == map_before  # served from process one's cache
    page = reader.get(items)
    matched = reader.get(count).json()["numberMatched"]
    assert reader.get(count).json()["numberMatched"] == matched  # the count cache

    company = browser(two)
    company.post("/login", data={"username": add_user(stack, "company"), "password": PASSWORD})
    filed = company.post(
        "/api/applications",
        headers={"X-Requested-With": "spacemap"},
        json={"unit_code": unit, "area_m2": 150, "profile": json.loads(PROFILE)},
    )
    assert filed.status_code == 201, filed.text
    reviewer = browser(two)
    reviewer.post("/login", data={"username": add_user(stack, "reviewer"), "password": PASSWORD})
    approved = reviewer.post(
        f"/api/applications/{filed.json()['id']}/approve",
        json={"reason": "同意"},
        headers={"X-Requested-With": "spacemap"},
    )
    assert approved.status_code == 200, approved.text
    stack.standby.wait_caught_up(stack.primary)

    map_after = zone_map(reader)
    assert map_after != map_before
    assert map_after == zone_map(httpx.Client(base_url=two, timeout=TIMEOUT))
    revalidated = reader.get(items, headers={"If-None-Match": page.headers["etag"]})
    assert revalidated.status_code == 200 and revalidated.text != page.text
    unit_now = [f for f in revalidated.json()["features"] if f["id"] == unit]
    assert unit_now[0]["properties"]["available_m2"] == pytest.approx(free - 150)
    assert reader.get(count).json()["numberMatched"] == matched - 1


def test_the_proxy_spreads_requests_over_both_processes(stack: Stack) -> None:
    assert stack.nginx is not None
    answered = {
        httpx.get(f"{stack.url}/conformance", timeout=TIMEOUT).headers["x-upstream"]
        for _ in range(6)
    }
    assert answered == {f"127.0.0.1:{p.port}" for p in stack.processes}
