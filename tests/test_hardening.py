"""Issue 11's regressions: each attack or race that once got through, and now does not.

Every test ends by checking the invariants a bureau relies on (``assert_consistent``): no unit
has more approved than it holds, and every application's last audit entry matches its state.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import Response

from spacemap.config import get_settings
from spacemap.database import session_scope
from spacemap.ingest.dataset import load_dataset
from tests.conftest import (
    ORIGIN,
    PASSWORD,
    ROOT,
    bearer,
    loaded_database,
    make_user,
    run_cli,
    serving,
    signed_in,
)

EXAMPLE = json.loads((ROOT / "examples" / "ai-chip-startup.json").read_text(encoding="utf-8"))
EXAMPLE = {**EXAMPLE, "industry": "ai", "secondary_industries": []}

LEDGER = """
SELECT u.code FROM space_units u
LEFT JOIN applications a ON a.unit_id = u.id AND a.status = 'approved'
GROUP BY u.id HAVING u.available_m2 + COALESCE(sum(a.requested_m2), 0) > u.capacity_m2 + 0.005
"""
AUDIT_MATCHES_STATE = """
SELECT a.id FROM applications a
JOIN LATERAL (SELECT l.after ->> 'status' AS status FROM audit_log l
              WHERE l.entity = 'application' AND l.entity_id = a.id::text AND l.after ? 'status'
              ORDER BY l.id DESC LIMIT 1) last ON true
WHERE last.status IS DISTINCT FROM a.status
"""


def assert_consistent(engine: Engine) -> None:
    with engine.connect() as conn:
        assert conn.execute(text(LEDGER)).scalars().all() == [], "overbooked units"
        assert conn.execute(text(AUDIT_MATCHES_STATE)).scalars().all() == [], "audit ≠ state"


@pytest.fixture(autouse=True)
def consistent_after(engine: Engine):
    yield
    assert_consistent(engine)


# ---------------------------------------------------------------- 10. sessions and CSRF


def test_a_cross_site_form_cannot_sign_anyone_in(app: object, engine: Engine) -> None:
    name = make_user(engine, "company")
    with signed_in(app, name) as own:  # our own sign-in page works
        assert own.get("/my").status_code == 200
    from fastapi.testclient import TestClient

    with TestClient(app, base_url=ORIGIN) as victim:
        login = {"username": name, "password": PASSWORD}
        forged = victim.post("/login", data=login, headers={"Origin": "https://evil.example"},
                             follow_redirects=False)  # fmt: skip
        assert forged.status_code == 403 and "spacemap_token" not in forged.cookies
        sneaky = victim.post("/login", data=login, headers={"Sec-Fetch-Site": "cross-site"},
                             follow_redirects=False)  # fmt: skip
        assert sneaky.status_code == 403
        # A script with a bearer token sends no Origin: it is not a browser form, and passes.
        token = victim.post("/api/token", data=login)
        assert token.status_code == 200


# ---------------------------------------------------------------- 1. the unit ledger


def _free_unit(engine: Engine, min_free: float = 300) -> tuple[str, float]:
    """A unit that is wholly free (free = capacity) and admits AI firms."""
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT u.code, u.capacity_m2 FROM space_units u JOIN parks p ON p.id = u.park_id "
                "WHERE u.available_m2 = u.capacity_m2 AND u.capacity_m2 >= :m "
                "AND spacemap_admits(p.id, 'ai') "
                "AND NOT EXISTS (SELECT 1 FROM applications a WHERE a.unit_id = u.id) "
                "ORDER BY u.code LIMIT 1"
            ),
            {"m": min_free},
        ).one()
    return row[0], float(row[1])


def _approved(app: object, engine: Engine, unit: str, area: float) -> int:
    """A company applies for ``area`` in ``unit`` and a reviewer approves it (both in pages)."""
    company, reviewer = make_user(engine, "company"), make_user(engine, "reviewer")
    profile = {**EXAMPLE, "min_area_m2": area, "max_area_m2": area, "max_rent_cny_m2_month": 10_000,
               "required_features": []}  # fmt: skip
    with signed_in(app, company) as c:
        filed = c.post("/api/applications", json={"unit_code": unit, "area_m2": area,
                       "profile": profile}, headers={"X-Requested-With": "spacemap"})  # fmt: skip
        assert filed.status_code == 201, filed.text
    app_id = filed.json()["id"]
    with signed_in(app, reviewer) as r:
        done = r.post(f"/review/{app_id}", data={"action": "approve", "reason": "ok"},
                      follow_redirects=False)  # fmt: skip
        assert done.status_code == 303, done.text
    return app_id


def _free_and_reconciled(engine: Engine, unit: str) -> tuple[float, str]:
    """The unit's free area and the reason of its last 'reconcile' audit entry."""
    with engine.connect() as conn:
        free = conn.execute(text("SELECT available_m2 FROM space_units WHERE code = :c"),
                            {"c": unit}).scalar_one()  # fmt: skip
        said = conn.execute(
            text("SELECT l.reason FROM audit_log l JOIN space_units u ON u.id = l.unit_id "
                 "WHERE u.code = :c AND l.action = 'reconcile' ORDER BY l.id DESC LIMIT 1"),
            {"c": unit},
        ).scalar_one()  # fmt: skip
    return float(free), said


def test_the_database_refuses_to_free_approved_space(app: object, engine: Engine) -> None:
    unit, _capacity = _free_unit(engine)
    _approved(app, engine, unit, 100)
    with pytest.raises(IntegrityError, match="overbooked"), engine.begin() as conn:
        conn.execute(text("UPDATE space_units SET available_m2 = capacity_m2 WHERE code = :c"),
                     {"c": unit})  # fmt: skip
    with pytest.raises(IntegrityError, match="overbooked"), engine.begin() as conn:
        # Still above the free area, but not above free + approved.
        conn.execute(text("UPDATE space_units SET capacity_m2 = capacity_m2 - 50 WHERE code = :c"),
                     {"c": unit})  # fmt: skip


def test_a_reload_keeps_approvals_and_says_so_in_the_units_audit(
    app: object, engine: Engine
) -> None:
    unit, capacity = _free_unit(engine)
    _approved(app, engine, unit, 120)
    with session_scope(engine) as session:
        load_dataset(session, force=True)
    free, said = _free_and_reconciled(engine, unit)
    assert free == pytest.approx(capacity - 120)
    assert "120 m² approved" in said


UNIT_HEADER = "code,park,capacity_m2,available_m2,rent_cny_m2_month,available_from\n"


def _register_row(engine: Engine, unit: str, capacity: float, available: float) -> str:
    """The unit's row as the bureau's register would send it again."""
    with engine.connect() as conn:
        park, rent = conn.execute(
            text("SELECT p.code, u.rent_cny_m2_month FROM space_units u "
                 "JOIN parks p ON p.id = u.park_id WHERE u.code = :c"), {"c": unit},
        ).one()  # fmt: skip
    return f"{unit},{park},{capacity:g},{available:g},{rent:g},2026-01-01\n"


def _import_units(app: object, engine: Engine, body: str):
    admin = make_user(engine, "admin")
    with signed_in(app, admin) as a:
        return a.post("/api/imports/units", files={"file": ("register.csv", body, "text/csv")},
                      headers={"X-Requested-With": "spacemap"})  # fmt: skip


def test_a_unit_import_cannot_undo_approvals(app: object, engine: Engine) -> None:
    """The register re-sent with every m² free: what spacemap approved stays let, the unit's
    audit says so, and the space cannot be approved a second time."""
    unit, capacity = _free_unit(engine)
    _approved(app, engine, unit, 100)
    done = _import_units(app, engine, UNIT_HEADER + _register_row(engine, unit, capacity, capacity))
    assert done.status_code == 200, done.text
    assert done.json()["reconciled"] == [{
        "code": unit, "register_available_m2": pytest.approx(capacity), "approved_m2": 100,
        "stored_available_m2": pytest.approx(capacity - 100),
    }]  # fmt: skip
    free, said = _free_and_reconciled(engine, unit)
    assert free == pytest.approx(capacity - 100)
    assert said.startswith("import: register.csv") and "100 m² approved" in said
    # What is left can be approved; one m² more cannot.
    _approved(app, engine, unit, capacity - 100)
    with pytest.raises(AssertionError):
        _approved(app, engine, unit, 1)
    with engine.connect() as conn:
        approved = conn.execute(
            text("SELECT sum(a.requested_m2) FROM applications a JOIN space_units u "
                 "ON u.id = a.unit_id WHERE u.code = :c AND a.status = 'approved'"), {"c": unit},
        ).scalar_one()  # fmt: skip
    assert approved == pytest.approx(capacity)


def test_a_unit_import_that_shrinks_below_approvals_is_refused_by_row(
    app: object, engine: Engine
) -> None:
    unit, capacity = _free_unit(engine)
    _approved(app, engine, unit, 200)
    refused = _import_units(app, engine, UNIT_HEADER + _register_row(engine, unit, 150, 150))
    assert refused.status_code == 422, refused.text
    errors = refused.json()["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(1, "capacity_m2")]
    assert "200" in errors[0]["reason"] and unit in errors[0]["reason"]
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT capacity_m2 FROM space_units WHERE code = :c"),
                              {"c": unit}).scalar_one()  # fmt: skip
    assert stored == pytest.approx(capacity), "nothing written"


# ---------------------------------------------------------------- 4. a new token works at once


def test_a_new_token_works_on_its_first_use(server: str, engine: Engine) -> None:
    """The token's row is committed before the response that carries it goes out (200 tries,
    bearer and cookie): a client can never be told 'invalid token' for the token just issued."""
    name = make_user(engine, "planner")
    failures = []
    with httpx.Client(base_url=server, timeout=30) as http:
        for i in range(200):
            if i % 2:
                token = http.post("/api/token", data={"username": name, "password": PASSWORD})
                me = http.get("/api/me", headers=bearer(token.json()["access_token"]))
            else:
                http.cookies.clear()
                signed = http.post("/login", data={"username": name, "password": PASSWORD},
                                   headers={"Origin": server}, follow_redirects=False)  # fmt: skip
                assert signed.status_code == 303, signed.text
                me = http.get("/api/me", headers={"X-Requested-With": "spacemap"})
            if me.status_code != 200:
                failures.append((i, me.status_code))
    assert failures == []


# ---------------------------------------------------------------- 7. sign-in floods
# A throttle keyed on the client address would lock this whole test session out (every test
# signs in from 127.0.0.1), so these run against a database of their own.


@pytest.fixture(scope="module")
def own() -> Iterator[tuple[str, str]]:
    """(server, database URL) of a service with a database of its own."""
    with loaded_database() as url, serving(url) as base:
        yield base, url


def test_wrong_passwords_are_throttled_by_account_and_audited(own: tuple[str, str]) -> None:
    own_server, url = own
    env_user = "flooded"
    env = {**os.environ, "SPACEMAP_DATABASE_URL": url, "SPACEMAP_NEW_PASSWORD": PASSWORD}
    assert run_cli(env, "users", "create-admin", env_user).returncode == 0
    with httpx.Client(base_url=own_server, timeout=60) as http:
        codes = [http.post("/api/token", data={"username": env_user, "password": "wrong-pass-1"})
                 for _ in range(7)]  # fmt: skip
        assert [c.status_code for c in codes[:5]] == [401] * 5
        assert {c.status_code for c in codes[5:]} == {429}
        assert int(codes[-1].headers["Retry-After"]) > 0
        # Locked: even the right password waits for the window to pass.
        right = http.post("/api/token", data={"username": env_user, "password": PASSWORD})
        assert right.status_code == 429
        page = http.post("/login", data={"username": env_user, "password": PASSWORD},
                         headers={"Origin": own_server})  # fmt: skip
        assert page.status_code == 429 and "Retry-After" in page.headers
    with create_engine(url).connect() as conn:
        failed = conn.execute(
            text(
                "SELECT count(*) FROM audit_log WHERE entity_id = :u AND action = 'sign_in_failed'"
            ),
            {"u": env_user},
        ).scalar_one()
    assert failed == 5  # each wrong password that was checked; refused tries hash nothing


def test_a_flood_from_one_address_is_refused_without_hashing(own: tuple[str, str]) -> None:
    own_server, _url = own

    def attempt(i: int) -> httpx.Response:
        return httpx.post(f"{own_server}/api/token", timeout=60,
                          data={"username": f"nobody{i}", "password": "wrong-pass-1"})  # fmt: skip

    with ThreadPoolExecutor(max_workers=16) as pool:
        replies = list(pool.map(attempt, range(100)))
    codes = [r.status_code for r in replies]
    assert set(codes) <= {401, 429}
    assert codes.count(429) >= 60, codes  # the address limit (20) plus what was in flight
    assert all(int(r.headers["Retry-After"]) > 0 for r in replies if r.status_code == 429)


# ---------------------------------------------------------------- 10. sessions


def test_signing_out_revokes_the_cookie_token_and_is_audited(app: object, engine: Engine) -> None:
    name = make_user(engine, "company")
    with signed_in(app, name) as c:
        cookie = c.cookies.get("spacemap_token")
        ajax = {"X-Requested-With": "spacemap"}
        assert c.get("/api/me", headers=ajax).status_code == 200
        assert c.post("/api/logout", headers=ajax).status_code == 204
        assert c.get("/api/me", headers=bearer(cookie)).status_code == 401
    with engine.connect() as conn:
        actions = conn.execute(
            text("SELECT action FROM audit_log WHERE entity = 'user' AND entity_id = :u "
                 "ORDER BY id"), {"u": name}).scalars().all()  # fmt: skip
    assert actions == ["sign_in", "sign_out"]


def test_the_cookie_is_secure_outside_localhost(app: object, engine: Engine) -> None:
    from web.pages.common import set_session_cookie

    for host, secure in (("localhost", False), ("127.0.0.1", False), ("spacemap.example", True)):
        reply = Response()
        scope = {"type": "http", "headers": [(b"host", host.encode())], "path": "/",
                 "scheme": "http", "query_string": b"", "server": (host, 80)}  # fmt: skip
        request = Request(scope)
        get_settings.cache_clear()
        os.environ["SPACEMAP_COOKIE_SECURE"] = "auto"
        try:
            set_session_cookie(reply, request, "t")
        finally:
            os.environ["SPACEMAP_COOKIE_SECURE"] = "false"
            get_settings.cache_clear()
        assert ("secure" in reply.headers["set-cookie"].lower()) is secure, host


# ---------------------------------------------------------------- 8. text the database can't store


@pytest.mark.parametrize("field", ["message", "company_name"])
def test_a_lone_surrogate_is_a_400_not_a_500(app: object, engine: Engine, field: str) -> None:
    company, admin = make_user(engine, "company"), make_user(engine, "admin")
    lone = '"x\\ud800y"'
    if field == "message":
        body = ('{"unit_code": "x", "area_m2": 150, "message": ' + lone + ', "profile": '
                + json.dumps(EXAMPLE) + "}")  # fmt: skip
        with signed_in(app, company) as c:
            reply = c.post("/api/applications", content=body,
                           headers={"Content-Type": "application/json",
                                    "X-Requested-With": "spacemap"})  # fmt: skip
    else:
        body = ('{"username": "surrogate1", "password": "long-enough-1", "role": "company", '
                '"company_name": ' + lone + "}")  # fmt: skip
        with signed_in(app, admin) as c:
            reply = c.post("/api/users", content=body,
                           headers={"Content-Type": "application/json",
                                    "X-Requested-With": "spacemap"})  # fmt: skip
    assert reply.status_code in (400, 422), reply.text
    assert reply.json()["errors"][0]["field"].endswith(field)


# ---------------------------------------------------------------- 3. no deadlock reaches a user


def _token(server: str, name: str) -> dict[str, str]:
    reply = httpx.post(f"{server}/api/token", data={"username": name, "password": PASSWORD})
    assert reply.status_code == 200, reply.text
    return bearer(reply.json()["access_token"])


def test_batch_accept_single_approvals_and_a_load_at_once_give_no_5xx(
    server: str, engine: Engine, database_url: str
) -> None:
    units = []
    with engine.connect() as conn:
        units = (
            conn.execute(
                text(
                    "SELECT u.code FROM space_units u JOIN parks p ON p.id = u.park_id "
                    "WHERE u.available_m2 >= 300 AND spacemap_admits(p.id, 'ai') "
                    "AND NOT EXISTS (SELECT 1 FROM applications a WHERE a.unit_id = u.id) "
                    "ORDER BY u.id DESC LIMIT 6"
                )
            )
            .scalars()
            .all()
        )
    assert len(units) == 6
    profile = {**EXAMPLE, "min_area_m2": 150, "max_area_m2": 150, "required_features": [],
               "max_rent_cny_m2_month": 10_000}  # fmt: skip
    companies = [_token(server, make_user(engine, "company")) for _ in range(6)]
    ids = []
    for i, company in enumerate(companies):  # each unit is wanted by two companies
        for unit in (units[i], units[(i + 1) % 6]):
            filed = httpx.post(
                f"{server}/api/applications",
                headers=company,
                timeout=60,
                json={"unit_code": unit, "area_m2": 150, "profile": profile},
            )
            assert filed.status_code == 201, filed.text
            ids.append(filed.json()["id"])
    reviewers = [_token(server, make_user(engine, "reviewer")) for _ in range(2)]
    proposal = httpx.post(f"{server}/api/proposals", json={"method": "optimal"},
                          headers=reviewers[0], timeout=60).json()  # fmt: skip
    assert proposal["placements"], proposal

    def accept() -> int:
        return httpx.post(
            f"{server}/api/proposals/{proposal['id']}/accept",
            timeout=120,
            json={"reason": "batch"},
            headers=reviewers[0],
        ).status_code

    def approve(app_id: int) -> int:
        return httpx.post(
            f"{server}/api/applications/{app_id}/approve",
            timeout=120,
            json={"reason": "single"},
            headers=reviewers[1],
        ).status_code

    def load() -> int:
        env = {**os.environ, "SPACEMAP_DATABASE_URL": database_url}
        return run_cli(env, "load").returncode

    with ThreadPoolExecutor(max_workers=8) as pool:
        loading = pool.submit(load)
        batch = pool.submit(accept)
        singles = list(pool.map(approve, reversed(ids)))
        codes = [batch.result(), *singles]
        assert loading.result() == 0
    assert all(code < 500 for code in codes), codes
    assert set(codes) <= {200, 409}, codes
    assert codes.count(200) >= len(units) // 2  # space for one 150 m² tenant per unit at least


def test_registrations_from_one_address_are_throttled() -> None:
    """Only so many new company accounts an hour from one address (default 20, here 3): each
    costs a hash and an administrator's review. A server and database of its own."""
    from tests.test_registration import fresh_code

    env = {"SPACEMAP_REGISTRATIONS_PER_HOUR": "3"}
    with loaded_database() as url, serving(url, env) as base:
        codes = []
        for i in range(4):
            body = {"username": f"flood{i:02d}", "password": "long-enough-1",
                    "company_name": f"洪水企业{i}", "credit_code": fresh_code(),
                    "contact_name": "测试", "contact_phone": "+86 755 1234 5678"}  # fmt: skip
            codes.append(httpx.post(f"{base}/api/register", json=body, timeout=60))
    assert [c.status_code for c in codes[:3]] == [201] * 3, [c.text for c in codes[:3]]
    assert codes[3].status_code == 429 and int(codes[3].headers["Retry-After"]) > 0
