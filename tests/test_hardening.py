"""Issue 11's regressions: each attack or race that once got through, and now does not.

Every test ends by checking the invariants a bureau relies on (``assert_consistent``): no unit
has more approved than it holds, and every application's last audit entry matches its state.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from spacemap.database import session_scope
from spacemap.ingest.dataset import load_dataset
from tests.conftest import ORIGIN, PASSWORD, ROOT, make_user, signed_in

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
              WHERE l.entity = 'application' AND l.entity_id = a.id::text
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
    with engine.connect() as conn:
        free = conn.execute(text("SELECT available_m2 FROM space_units WHERE code = :c"),
                            {"c": unit}).scalar_one()  # fmt: skip
        said = conn.execute(
            text("SELECT l.reason FROM audit_log l JOIN space_units u ON u.id = l.unit_id "
                 "WHERE u.code = :c AND l.action = 'reconcile' ORDER BY l.id DESC LIMIT 1"),
            {"c": unit},
        ).scalar_one()  # fmt: skip
    assert free == pytest.approx(capacity - 120)
    assert "120 m² approved" in said
