"""A real hot standby behind the read-only routes: which server answers what, and why it is safe.

Replay on the standby is paused (``pg_wal_replay_pause()``), then the primary changes: a route
served by the standby still shows the old data, the same route for a reader holding the writer's
``spacemap_lsn`` cookie shows the new. Writes succeed while the standby cannot change at all —
a write sent there would fail — and an approval cannot overbook however stale the standby is.
"""

from __future__ import annotations

import json

import httpx
import pytest

from spacemap.routing import LSN_COOKIE
from spacemap.scale.stack import Stack
from tests.conftest import PASSWORD
from tests.scale.conftest import (
    PROFILE,
    TIMEOUT,
    add_user,
    api_token,
    body,
    browser,
    read_routes,
    replay_paused,
    sql,
    top_site,
)


def _free(base: str, unit: str, cookies: dict[str, str] | None = None) -> float:
    reply = httpx.get(
        f"{base}/collections/space-units/items/{unit}", cookies=cookies, timeout=TIMEOUT
    )
    assert reply.status_code == 200, reply.text
    return float(reply.json()["properties"]["available_m2"])


def test_each_read_route_is_served_by_the_standby(stack: Stack) -> None:
    """With replay paused and the primary changed, every read-only route still shows the
    standby's data; the same route for a reader carrying the write's WAL position shows the
    primary's — so each answer came from the server we say."""
    site = top_site(stack.url)
    routes = read_routes(site, api_token(stack.url, add_user(stack, "planner")))
    park = site["park_code"]
    saved = sql(
        stack.primary.url(),
        "SELECT u.id, u.available_m2 FROM space_units u JOIN parks p "
        "ON p.id = u.park_id WHERE p.code = :park",
        park=park,
    )
    anonymous = httpx.Client(base_url=stack.url, timeout=TIMEOUT)
    with replay_paused(stack):
        before = {name: body(anonymous, r) for name, r in routes.items()}
        try:
            # The park's units are let, and the last station moves: maps, features, counts,
            # extents, searches and statistics all change — on the primary.
            sql(
                stack.primary.url(),
                "UPDATE space_units u SET available_m2 = 0 FROM parks p "
                "WHERE p.id = u.park_id AND p.code = :park",
                park=park,
            )
            sql(
                stack.primary.url(),
                "UPDATE stations SET geom = ST_Translate(geom, 0.5, 0) "
                "WHERE id = (SELECT max(id) FROM stations)",
            )
            writer = httpx.Client(
                base_url=stack.url,
                timeout=TIMEOUT,
                cookies={LSN_COOKIE: stack.primary.current_lsn()},
            )
            for name, route in routes.items():
                assert body(anonymous, route) == before[name], f"{name}: not the standby's"
                assert body(writer, route) != before[name], f"{name}: not the primary's"
        finally:
            for unit_id, free in saved:
                sql(
                    stack.primary.url(),
                    "UPDATE space_units SET available_m2 = :f WHERE id = :i",
                    f=free,
                    i=unit_id,
                )
            sql(
                stack.primary.url(),
                "UPDATE stations SET geom = ST_Translate(geom, -0.5, 0) "
                "WHERE id = (SELECT max(id) FROM stations)",
            )
    assert body(anonymous, routes["item"]) == before["item"]  # put back, replayed again


def _count(url: str, statement: str, **params: object) -> int:
    return int(sql(url, statement, **params)[0][0])


def test_every_write_goes_to_the_primary(stack: Stack) -> None:
    """Replay paused: the standby cannot change, so a write sent there would fail. Each write
    succeeds, its row is on the primary and not (yet) on the standby."""
    admin = api_token(stack.url, add_user(stack, "admin"))
    company_name = add_user(stack, "company")
    reviewer = api_token(stack.url, add_user(stack, "reviewer"))
    company = api_token(stack.url, company_name)
    site = top_site(stack.url)
    primary, standby = stack.primary.url(), stack.standby.url()
    tokens = "SELECT count(*) FROM api_tokens"
    apps = "SELECT count(*) FROM applications"
    with replay_paused(stack):
        frozen_tokens, frozen_apps = _count(standby, tokens), _count(standby, apps)
        issued = httpx.post(
            f"{stack.url}/api/token",
            timeout=TIMEOUT,
            data={"username": company_name, "password": PASSWORD},
        )
        assert issued.status_code == 200, issued.text
        page = browser(stack.url)
        signed = page.post("/login", data={"username": company_name, "password": PASSWORD})
        assert signed.status_code == 303, signed.text
        body = {
            "username": f"new{frozen_tokens}x{frozen_apps}",
            "password": PASSWORD,
            "role": "planner",
        }
        made = httpx.post(f"{stack.url}/api/users", json=body, headers=admin, timeout=TIMEOUT)
        assert made.status_code == 201, made.text
        filed = httpx.post(
            f"{stack.url}/api/applications",
            headers=company,
            timeout=TIMEOUT,
            json={"unit_code": site["unit_code"], "area_m2": 150, "profile": json.loads(PROFILE)},
        )
        assert filed.status_code == 201, filed.text
        app_id = filed.json()["id"]
        asked = httpx.post(
            f"{stack.url}/api/applications/{app_id}/request-info",
            json={"reason": "营业执照"},
            headers=reviewer,
            timeout=TIMEOUT,
        )
        assert asked.status_code == 200, asked.text
        gone = httpx.post(f"{stack.url}/api/logout", headers=company, timeout=TIMEOUT)
        assert gone.status_code == 204, gone.text
        assert _count(primary, tokens) == frozen_tokens + 2
        assert _count(primary, apps) == frozen_apps + 1
        assert (
            _count(primary, "SELECT count(*) FROM users WHERE username = :u", u=body["username"])
            == 1
        )
        assert (
            _count(
                primary,
                "SELECT count(*) FROM applications WHERE id = :i AND status = 'needs_info'",
                i=app_id,
            )
            == 1
        )
        assert _count(standby, tokens) == frozen_tokens  # the standby saw none of it
        assert _count(standby, apps) == frozen_apps


def test_a_stale_standby_cannot_cause_an_overbooking(stack: Stack) -> None:
    """The unit has room for one of two applications. Replay is paused, so after the first
    approval the standby still shows the room free; the second approval is refused anyway,
    because the decision re-reads the unit on the primary under its lock."""
    site = top_site(stack.url)
    unit, area = site["unit_code"], 150.0
    sql(
        stack.primary.url(),
        "UPDATE space_units SET available_m2 = :a WHERE code = :u",
        a=area,
        u=unit,
    )
    reviewer = api_token(stack.url, add_user(stack, "reviewer"))
    companies = [api_token(stack.url, add_user(stack, "company")) for _ in range(2)]
    with replay_paused(stack):
        ids = []
        for headers in companies:
            filed = httpx.post(
                f"{stack.url}/api/applications",
                headers=headers,
                timeout=TIMEOUT,
                json={"unit_code": unit, "area_m2": area, "profile": json.loads(PROFILE)},
            )
            assert filed.status_code == 201, filed.text
            ids.append(filed.json()["id"])
        first = httpx.post(
            f"{stack.url}/api/applications/{ids[0]}/approve",
            json={"reason": "先到"},
            headers=reviewer,
            timeout=TIMEOUT,
        )
        assert first.status_code == 200, first.text
        assert _free(stack.url, unit) == area  # the public view: the standby, still free
        second = httpx.post(
            f"{stack.url}/api/applications/{ids[1]}/approve",
            json={"reason": "后到"},
            headers=reviewer,
            timeout=TIMEOUT,
        )
        assert second.status_code == 409, second.text
        assert second.headers["content-type"].startswith("application/problem+json")
    assert (
        sql(stack.primary.url(), "SELECT available_m2 FROM space_units WHERE code = :u", u=unit)[0][
            0
        ]
        == 0
    )
    statuses = sql(
        stack.primary.url(), "SELECT status FROM applications WHERE id = ANY(:i) ORDER BY id", i=ids
    )
    assert [s for (s,) in statuses] == ["approved", "pending"]


def test_the_writer_reads_its_own_write_everyone_else_the_standby(stack: Stack) -> None:
    """Read-your-writes: the approving reviewer's next map and feature reads go to the primary
    (the WAL-position cookie), on whichever process they land; an anonymous reader sees the
    standby until it has replayed the approval; the company's own list reads the primary."""
    site = top_site(stack.url)
    unit = site["unit_code"]
    company_name = add_user(stack, "company")
    company = browser(stack.url)
    assert (
        company.post("/login", data={"username": company_name, "password": PASSWORD}).status_code
        == 303
    )
    reviewer = browser(stack.url)
    reviewer.headers.update(api_token(stack.url, add_user(stack, "reviewer")))
    with replay_paused(stack):
        free = _free(stack.url, unit)
        filed = company.post(
            "/search/apply", data={"unit_code": unit, "area_m2": "150", "profile": PROFILE}
        )
        assert filed.status_code == 303, filed.text
        assert LSN_COOKIE in filed.cookies
        app_id = int(filed.headers["location"].split("filed=")[1])
        mine = company.get(filed.headers["location"])  # /my: the company's own, just filed
        assert mine.status_code == 200 and f"#{app_id}" in mine.text
        approved = reviewer.post(f"/api/applications/{app_id}/approve", json={"reason": "同意"})
        assert approved.status_code == 200, approved.text
        assert LSN_COOKIE in approved.cookies
        for _ in range(4):  # both processes behind the proxy (round robin)
            seen = reviewer.get(f"/collections/space-units/items/{unit}")
            assert seen.json()["properties"]["available_m2"] == pytest.approx(free - 150)
        assert _free(stack.url, unit) == free  # anonymous: the paused standby
    stack.standby.wait_caught_up(stack.primary)
    assert _free(stack.url, unit) == pytest.approx(free - 150)


def test_an_etag_never_vouches_for_newer_data_than_its_page_shows(stack: Stack) -> None:
    """The ETag comes from the data version read in the same snapshot as the page, on the same
    server: a page from the lagging standby carries the old version's tag, so once the standby
    catches up the client's copy is replaced, not confirmed with a 304."""
    site = top_site(stack.url)
    unit = site["unit_code"]
    url = f"/collections/space-units/items?park={site['park_code']}"
    company = api_token(stack.url, add_user(stack, "company"))
    reviewer = browser(stack.url)
    reviewer.headers.update(api_token(stack.url, add_user(stack, "reviewer")))
    anonymous = httpx.Client(base_url=stack.url, timeout=TIMEOUT)
    old = anonymous.get(url)
    with replay_paused(stack):
        filed = httpx.post(
            f"{stack.url}/api/applications",
            headers=company,
            timeout=TIMEOUT,
            json={"unit_code": unit, "area_m2": 150, "profile": json.loads(PROFILE)},
        )
        assert filed.status_code == 201, filed.text
        approved = reviewer.post(
            f"/api/applications/{filed.json()['id']}/approve", json={"reason": "同意"}
        )
        assert approved.status_code == 200, approved.text
        new = reviewer.get(url)  # the writer: the primary's page, the primary's version
        stale = anonymous.get(url)  # the standby's page
        assert new.text != old.text and new.headers["etag"] != old.headers["etag"]
        assert stale.text == old.text and stale.headers["etag"] == old.headers["etag"]
        # Sent the new tag, the standby does not claim its older page is that version.
        asked = anonymous.get(url, headers={"If-None-Match": new.headers["etag"]})
        assert asked.status_code == 200 and asked.text == old.text
        still = anonymous.get(url, headers={"If-None-Match": old.headers["etag"]})
        assert still.status_code == 304  # ... and its own version it does confirm
    stack.standby.wait_caught_up(stack.primary)
    caught_up = anonymous.get(url, headers={"If-None-Match": old.headers["etag"]})
    assert caught_up.status_code == 200 and caught_up.text == new.text
    assert caught_up.headers["etag"] == new.headers["etag"]
