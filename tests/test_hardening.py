"""Issue 11's regressions: each attack or race that once got through, and now does not.

Every test ends by checking the invariants a bureau relies on (``assert_consistent``): no unit
has more approved than it holds, and every application's last audit entry matches its state.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.conftest import ORIGIN, PASSWORD, make_user, signed_in

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
