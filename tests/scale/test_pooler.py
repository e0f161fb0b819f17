"""pgbouncer in transaction mode: the app works through it, and the settings that make that
possible are the ones that matter (without them the same pgbouncer refuses or breaks).

The stack's app processes reach both servers only through pgbouncer (``SPACEMAP_POOLER=
pgbouncer``); pgbouncer hands consecutive transactions different server connections
(``server_round_robin``), so a server-side prepared statement or a session setting leaking out
of a transaction would fail here, not by chance in production.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import psycopg
import pytest
from sqlalchemy import Engine, text

from spacemap.config import get_settings
from spacemap.database import engine_for, get_engine
from spacemap.scale.stack import Stack
from tests.conftest import PASSWORD
from tests.scale.conftest import (
    PROFILE,
    TIMEOUT,
    add_user,
    api_token,
    browser,
    read_routes,
    top_site,
)

QUERY = "SELECT count(*) FROM space_units WHERE available_m2 >= %s"


@pytest.fixture
def pooled_engine(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """This process's engine configured as the app processes are: through pgbouncer."""
    assert stack.bouncer is not None
    monkeypatch.setenv("SPACEMAP_DATABASE_URL", stack.bouncer.url())
    monkeypatch.setenv("SPACEMAP_POOLER", "pgbouncer")
    get_settings.cache_clear()
    engine_for.cache_clear()
    try:
        yield get_engine()
    finally:
        get_engine().dispose()
        monkeypatch.undo()
        get_settings.cache_clear()
        engine_for.cache_clear()


def test_smoke_path_through_pgbouncer(stack: Stack) -> None:
    """Map, features, a search, sign-in, an application, its approval, the company's list —
    through nginx, two app processes and pgbouncer."""
    assert stack.bouncer is not None
    pooled = f"@127.0.0.1:{stack.bouncer.port}/"
    for app in stack.processes:
        assert pooled in app.env["SPACEMAP_DATABASE_URL"]
        assert pooled in app.env["SPACEMAP_READ_DATABASE_URL"]
    base = stack.url
    assert httpx.get(f"{base}/", headers={"Accept": "text/html"}, timeout=TIMEOUT).is_success
    items = httpx.get(f"{base}/collections/space-units/items?limit=5", timeout=TIMEOUT)
    assert items.json()["numberReturned"] == 5
    site = top_site(base)
    company_name = add_user(stack, "company")
    company = browser(base)
    signed = company.post("/login", data={"username": company_name, "password": PASSWORD})
    assert signed.status_code == 303
    searched = company.get(read_routes(site, {})["search page"]["url"])
    assert searched.status_code == 200 and site["unit_code"] in searched.text
    filed = company.post(
        "/search/apply", data={"unit_code": site["unit_code"], "area_m2": "150", "profile": PROFILE}
    )
    assert filed.status_code == 303, filed.text
    app_id = int(filed.headers["location"].split("filed=")[1])
    reviewer = api_token(base, add_user(stack, "reviewer"))
    approved = httpx.post(
        f"{base}/api/applications/{app_id}/approve",
        json={"reason": "同意"},
        headers=reviewer,
        timeout=TIMEOUT,
    )
    assert approved.status_code == 200, approved.text
    mine = company.get("/api/applications", headers={"X-Requested-With": "spacemap"})
    found = [a["status"] for a in mine.json()["items"] if a["id"] == app_id]
    assert found == ["approved"]


def test_transactions_share_server_connections_without_prepared_statements(
    pooled_engine: Engine,
) -> None:
    """Consecutive transactions of one app connection run on different server connections
    (transaction pooling), and the same statement run again and again still works: psycopg
    prepares nothing on the server (``prepare_threshold=None``)."""
    pid = text("SELECT pg_backend_pid()")
    with pooled_engine.connect() as conn, pooled_engine.connect() as other:
        held = other.begin()  # two transactions at once: two server connections in the pool
        other.execute(pid)
        backends = set()
        for _ in range(12):
            with conn.begin():
                backends.add(conn.execute(pid).scalar_one())
                conn.execute(text(QUERY.replace("%s", ":m")), {"m": 100}).scalar_one()
            if held.is_active:
                held.commit()
    assert len(backends) > 1, "pgbouncer is not pooling per transaction"


def test_without_the_settings_the_same_pgbouncer_fails(stack: Stack) -> None:
    """The control: psycopg's defaults (prepared statements after a few runs, startup
    options) break against this pgbouncer — so the test above would catch their return."""
    assert stack.bouncer is not None
    c = stack.primary.creds
    dsn = (
        f"host=127.0.0.1 port={stack.bouncer.port} dbname=spacemap user={c.app_user} "
        f"password={c.app_password}"
    )
    with psycopg.connect(dsn, prepare_threshold=0) as conn, pytest.raises(psycopg.Error):
        for _ in range(12):
            with conn.transaction():
                conn.execute(QUERY, (100,)).fetchone()
    with pytest.raises(psycopg.OperationalError, match="options"):
        psycopg.connect(dsn, options="-c jit=off").close()


def test_the_pooled_servers_run_with_the_sessions_settings(pooled_engine: Engine) -> None:
    """What the app sends as startup options elsewhere, the servers set themselves here."""
    with pooled_engine.connect() as conn:
        assert conn.execute(text("SHOW jit")).scalar_one() == "off"
        assert conn.execute(text("SHOW max_parallel_workers_per_gather")).scalar_one() == "0"
