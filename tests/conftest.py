"""Fixtures: a fresh PostGIS database per test session, migrated and loaded with the dataset.

The database lives on the same server `make test` brought up (the embedded cluster, or the one
SPACEMAP_DATABASE_URL names) under a unique name, and is dropped at the end, so runs never share
state. Tests that write get a session whose outer transaction is rolled back afterwards.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from spacemap.config import get_settings
from spacemap.database import create_database, drop_database, session_scope
from spacemap.ingest.dataset import load_dataset
from spacemap.migrate import upgrade

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    base = make_url(get_settings().url())
    name = f"spacemap_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = base.set(database=name).render_as_string(hide_password=False)
    create_database(url)
    upgrade(url)
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = create_engine(database_url)
    with session_scope(eng) as session:
        load_dataset(session)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is always rolled back: tests cannot leak writes."""
    with engine.connect() as conn:
        outer = conn.begin()
        sess = Session(bind=conn, join_transaction_mode="create_savepoint")
        try:
            yield sess
        finally:
            sess.close()
            outer.rollback()


@pytest.fixture
def cli_env(database_url: str, engine: Engine) -> dict[str, str]:
    """Environment for running the real `spacemap` command against the test database."""
    return {**os.environ, "SPACEMAP_DATABASE_URL": database_url}


def run_cli(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "spacemap"), *args],
        env={**env, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def loaded_database() -> Iterator[str]:
    """Another fresh database, migrated and loaded, for a test that must not share state."""
    base = make_url(get_settings().url())
    name = f"spacemap_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = base.set(database=name).render_as_string(hide_password=False)
    create_database(url)
    try:
        upgrade(url)
        eng = create_engine(url)
        with session_scope(eng) as session:
            load_dataset(session)
        eng.dispose()
        yield url
    finally:
        drop_database(url)


@pytest.fixture(scope="session")
def server(database_url: str, engine: Engine) -> Iterator[str]:
    """The real app under uvicorn on a loopback port, talking to the test database."""
    with serving(database_url) as base:
        yield base


@contextmanager
def serving(database_url: str) -> Iterator[str]:
    """``spacemap serve`` on a free loopback port; its log goes to a file (a pipe would fill)."""
    port = free_port()
    env = {**os.environ, "SPACEMAP_DATABASE_URL": database_url}
    log = tempfile.NamedTemporaryFile(prefix="spacemap-serve-", suffix=".log", delete=False)  # noqa: SIM115 (closed in finally)
    proc = subprocess.Popen(
        [str(BIN / "spacemap"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"server did not start: {Path(log.name).read_text()[-4000:]}")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
        keep = ROOT / "test-artifacts" / "servers"  # read it when a test against a server fails
        keep.mkdir(parents=True, exist_ok=True)
        shutil.move(log.name, keep / f"serve-{port}.log")


PASSWORD = "test-password-1"


def token(base: str, username: str, password: str = PASSWORD) -> str:
    reply = httpx.post(f"{base}/api/token", data={"username": username, "password": password})
    assert reply.status_code == 200, reply.text
    return reply.json()["access_token"]


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


@pytest.fixture(scope="session")
def accounts(server: str, database_url: str) -> dict[str, dict[str, str]]:
    """One signed-in user per role (two companies), made the way an operator would: the first
    admin with the CLI, everyone else through the API. Value: headers with the bearer token."""
    env = {**os.environ, "SPACEMAP_DATABASE_URL": database_url, "SPACEMAP_NEW_PASSWORD": PASSWORD}
    made = run_cli(env, "users", "create-admin", "admin")
    assert made.returncode == 0, made.stderr
    admin = bearer(token(server, "admin"))
    people = {
        "company": ("acme", "company", "测试企业甲（合成）"),
        "company2": ("beta", "company", "测试企业乙（合成）"),
        "reviewer": ("reviewer", "reviewer", None),
        "reviewer2": ("reviewer2", "reviewer", None),
        "planner": ("planner", "planner", None),
    }
    out = {"admin": admin}
    for key, (username, role, company) in people.items():
        body = {"username": username, "password": PASSWORD, "role": role, "company_name": company}
        reply = httpx.post(f"{server}/api/users", json=body, headers=admin)
        assert reply.status_code == 201, reply.text
        out[key] = bearer(token(server, username))
    return out


# ---------------------------------------------------------------- in-process pages and API
# Most page and API tests run the app in this process (Starlette's TestClient): no server to
# start, same code path, real PostGIS. Writes commit, as users' do: tests make their own users
# and applications and assert relative to what they made. A few tests keep the real server.

ORIGIN = "http://testserver"


@pytest.fixture(scope="session")
def app(database_url: str, engine: Engine) -> Iterator[object]:
    from api.app import create_app

    previous = os.environ.get("SPACEMAP_DATABASE_URL")
    os.environ["SPACEMAP_DATABASE_URL"] = database_url
    # The in-process client talks plain HTTP to "testserver": a Secure cookie would not come back.
    os.environ["SPACEMAP_COOKIE_SECURE"] = "false"
    get_settings.cache_clear()
    try:
        yield create_app()
    finally:
        os.environ.pop("SPACEMAP_COOKIE_SECURE", None)
        if previous is None:
            os.environ.pop("SPACEMAP_DATABASE_URL", None)
        else:
            os.environ["SPACEMAP_DATABASE_URL"] = previous
        get_settings.cache_clear()


def browser_client(app: object, lang: str | None = None) -> TestClient:
    """A client that behaves like a browser on our own site (its forms carry our Origin)."""
    client = TestClient(app, base_url=ORIGIN, headers={"Origin": ORIGIN})
    if lang:
        client.cookies.set("spacemap_lang", lang)
    return client


@pytest.fixture
def client(app: object) -> Iterator[TestClient]:
    with browser_client(app) as c:
        yield c


def make_user(engine: Engine, role: str, company: str | None = None) -> str:
    """A new user of ``role`` (committed), with the test password; returns the username."""
    from spacemap.store import users

    name = f"{role[:4]}{uuid.uuid4().hex[:10]}"
    if role == "company" and company is None:
        company = f"测试企业 {name}（合成）"
    with session_scope(engine) as s:
        users.add_user(s, name, role, PASSWORD, company)
    return name


def signed_in(app: object, username: str, lang: str | None = None) -> TestClient:
    """A browser-like client signed in through the sign-in page."""
    client = browser_client(app, lang)
    reply = client.post("/login", data={"username": username, "password": PASSWORD},
                        follow_redirects=False)  # fmt: skip
    assert reply.status_code == 303, reply.text
    return client


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's chromium, driven by Playwright (no browser download); see tests/browser.py."""
    from tests.browser import CHROMIUM, FLAGS

    playwright = pytest.importorskip("playwright.sync_api", reason="dev extra: playwright")
    assert CHROMIUM.exists(), f"{CHROMIUM} missing: `make test` installs Debian's chromium"
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield b
        b.close()
