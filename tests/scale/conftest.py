"""The scale stack for the tests: a primary, a hot standby made with ``pg_basebackup -R``,
pgbouncer in transaction mode, two ``spacemap serve`` processes and nginx — real Debian daemons
on loopback ports, in a temporary directory, all stopped at the end (also when a test fails).

Tests that stop a server or pause replay put it back in a ``finally``, so the next test starts
from a whole stack. ``make test-scale`` runs these; ``make test`` leaves them out.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import create_engine, text

from matching.profile import CompanyProfile
from spacemap.database import session_scope
from spacemap.scale.stack import Stack
from tests.conftest import PASSWORD
from web.pages.profile_form import query_pairs

ROOT = Path(__file__).resolve().parents[2]
PROFILE = (ROOT / "examples" / "ai-chip-startup.json").read_text(encoding="utf-8")
TIMEOUT = httpx.Timeout(20.0)  # a request that takes longer than this has hung
VOLATILE = re.compile(r'nonce="[^"]*"|[0-9a-f]{32}')  # CSP nonces, folium's per-build ids


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    home = Path(tempfile.mkdtemp(prefix="spacemap-scale-test-"))
    home.chmod(0o755)
    try:
        with Stack(home / "stack", apps=2, pooler=True, proxy=True) as s:
            yield s
    finally:
        _keep_logs(home)
        shutil.rmtree(home, ignore_errors=True)


def _keep_logs(home: Path) -> None:
    """The daemons' and processes' logs, for a person reading a failure (test-artifacts/)."""
    logs = ROOT / "test-artifacts" / "scale-logs"
    shutil.rmtree(logs, ignore_errors=True)
    for log in [*home.rglob("*.log"), *home.rglob("*.out")]:
        target = logs / log.relative_to(home)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(log, target)


def sql(url: str, statement: str, **params: object) -> list:
    """One statement on one server (the app's role), committed; its rows."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return list(result) if result.returns_rows else []
    finally:
        engine.dispose()


def add_user(stack: Stack, role: str, company: str | None = None) -> str:
    """A new user on the primary (the way ``spacemap users add`` makes one); the standby is
    caught up afterwards, so tests start from servers that agree."""
    from spacemap.store import users

    name = f"{role[:4]}{uuid.uuid4().hex[:10]}"
    if role == "company" and company is None:
        company = f"测试企业 {name}（合成）"
    engine = create_engine(stack.primary.url())
    try:
        with session_scope(engine) as s:
            users.add_user(s, name, role, PASSWORD, company)
    finally:
        engine.dispose()
    stack.standby.wait_caught_up(stack.primary)
    return name


def api_token(base: str, username: str) -> dict[str, str]:
    reply = httpx.post(
        f"{base}/api/token", data={"username": username, "password": PASSWORD}, timeout=TIMEOUT
    )
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def browser(base: str) -> httpx.Client:
    """A client that keeps cookies and sends our own Origin, as a browser on the site does."""
    return httpx.Client(base_url=base, headers={"Origin": base}, timeout=TIMEOUT)


@contextmanager
def replay_paused(stack: Stack) -> Iterator[None]:
    """The standby keeps receiving WAL but applies none of it until the block ends."""
    stack.standby.wait_caught_up(stack.primary)
    stack.standby.pause_replay()
    try:
        yield
    finally:
        stack.standby.resume_replay()
        stack.standby.wait_caught_up(stack.primary)


def top_site(base: str) -> dict:
    reply = httpx.post(
        f"{base}/api/match",
        content=PROFILE,
        timeout=TIMEOUT,
        headers={"Content-Type": "application/json"},
    )
    assert reply.status_code == 200, reply.text
    return reply.json()["sites"][0]


def read_routes(site: dict, planner: dict[str, str]) -> dict[str, dict]:
    """Every read-only route, with a request whose answer the change below alters."""
    search = "/search?" + urlencode(query_pairs(CompanyProfile.model_validate_json(PROFILE)))
    park, unit = site["park_code"], site["unit_code"]
    html = {"Accept": "text/html"}
    return {
        "collections": {"method": "GET", "url": "/collections"},
        "collection": {"method": "GET", "url": "/collections/stations"},
        "items": {"method": "GET", "url": f"/collections/space-units/items?park={park}"},
        "item": {"method": "GET", "url": f"/collections/space-units/items/{unit}"},
        "parks": {"method": "GET", "url": "/collections/parks/items?limit=200"},
        "download": {"method": "GET", "url": f"/collections/space-units/download?park={park}"},
        "match": {
            "method": "POST",
            "url": "/api/match",
            "content": PROFILE,
            "headers": {"Content-Type": "application/json"},
        },
        "stats": {"method": "GET", "url": "/api/stats", "headers": planner},
        "zone map": {"method": "GET", "url": "/map", "headers": html},
        "landing map": {"method": "GET", "url": "/", "headers": html},
        "search page": {"method": "GET", "url": search},
    }


def body(client: httpx.Client, route: dict) -> str:
    reply = client.request(**route)
    assert reply.status_code == 200, (route["url"], reply.status_code, reply.text[:500])
    return VOLATILE.sub("", reply.text)
