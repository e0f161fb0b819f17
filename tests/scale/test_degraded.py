"""Degraded, not down: one database server stopped under the running stack (two processes,
pgbouncer, nginx), and back again — nothing restarted by hand.

Primary stopped: every read-only route answers from the standby, writes answer 503 with
``Retry-After`` (problem+json for the API, an error page for pages), and writes work again by
themselves once the primary is back. Standby stopped: reads fall back to the primary. Both
stopped: 503 at once. No request may hang: every one has a client timeout (``TIMEOUT``).
"""

from __future__ import annotations

import json
import time

import httpx

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
    top_site,
)


def _file(stack: Stack, company: dict[str, str], unit: str) -> httpx.Response:
    return httpx.post(
        f"{stack.url}/api/applications",
        headers=company,
        timeout=TIMEOUT,
        json={"unit_code": unit, "area_m2": 150, "profile": json.loads(PROFILE)},
    )


def _health(stack: Stack) -> dict:
    reply = httpx.get(f"{stack.url}/health", timeout=TIMEOUT)
    assert reply.status_code == 200, reply.text
    return reply.json()


def _recovers(stack: Stack) -> None:
    """/health says ok again within seconds of the server's return, with nobody's help."""
    deadline = time.monotonic() + 30
    while True:
        reply = httpx.get(f"{stack.url}/health", timeout=TIMEOUT)
        if reply.status_code == 200 and reply.json()["status"] == "ok":
            return
        assert time.monotonic() < deadline, f"the stack did not recover by itself: {reply.text}"
        time.sleep(0.5)


def test_primary_down_reads_answer_writes_get_503_and_it_recovers_alone(stack: Stack) -> None:
    site = top_site(stack.url)
    routes = read_routes(site, api_token(stack.url, add_user(stack, "planner")))
    company_name = add_user(stack, "company")
    company = api_token(stack.url, company_name)
    anonymous = httpx.Client(base_url=stack.url, timeout=TIMEOUT)
    before = {name: body(anonymous, r) for name, r in routes.items()}
    stack.primary.stop("fast")
    try:
        for _ in range(2):  # each route on both processes (round robin)
            for name, route in routes.items():
                assert body(anonymous, route) == before[name], name
        refused = _file(stack, company, site["unit_code"])
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert int(refused.headers["retry-after"]) > 0
        assert refused.json()["status"] == 503
        page = browser(stack.url).post("/login", data={"username": company_name,
                                                       "password": PASSWORD})  # fmt: skip
        assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
        assert int(page.headers["retry-after"]) > 0
        health = _health(stack)
        assert health["status"] == "degraded" and health["primary"] == "unreachable"
        assert health["standby"] == "ok"
    finally:
        stack.primary.start()
    deadline = time.monotonic() + 30
    while (filed := _file(stack, company, site["unit_code"])).status_code == 503:
        assert time.monotonic() < deadline, "writes did not come back with the primary"
        time.sleep(0.5)
    assert filed.status_code == 201, filed.text
    _recovers(stack)


def test_standby_down_reads_fall_back_to_the_primary(stack: Stack) -> None:
    site = top_site(stack.url)
    routes = read_routes(site, api_token(stack.url, add_user(stack, "planner")))
    company = api_token(stack.url, add_user(stack, "company"))
    anonymous = httpx.Client(base_url=stack.url, timeout=TIMEOUT)
    before = {name: body(anonymous, r) for name, r in routes.items()}
    stack.standby.stop("fast")
    try:
        for _ in range(2):
            for name, route in routes.items():
                assert body(anonymous, route) == before[name], name
        assert _file(stack, company, site["unit_code"]).status_code == 201
        health = _health(stack)
        assert health["status"] == "degraded" and health["standby"] == "unreachable"
    finally:
        stack.standby.start()
        stack.standby.wait_caught_up(stack.primary)
    _recovers(stack)


def test_both_down_is_a_quick_503_not_a_hang(stack: Stack) -> None:
    route = read_routes(top_site(stack.url), {})["items"]
    stack.standby.stop("fast")
    stack.primary.stop("fast")
    try:
        reply = httpx.request(**{**route, "url": stack.url + route["url"]}, timeout=TIMEOUT)
        assert reply.status_code == 503, reply.text
        assert int(reply.headers["retry-after"]) > 0
        assert httpx.get(f"{stack.url}/health", timeout=TIMEOUT).status_code == 503
    finally:
        stack.primary.start()
        stack.standby.start()
        stack.standby.wait_caught_up(stack.primary)
    _recovers(stack)
