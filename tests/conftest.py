"""Fixtures: a fresh PostGIS database per test session, migrated and loaded with the dataset.

The database lives on the same server `make test` brought up (the embedded cluster, or the one
SPACEMAP_DATABASE_URL names) under a unique name, and is dropped at the end, so runs never share
state. Tests that write get a session whose outer transaction is rolled back afterwards.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from spacemap.config import get_settings
from spacemap.database import create_database, drop_database, session_scope
from spacemap.ingest.dataset import load_dataset
from spacemap.migrate import upgrade

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "reference"
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


@pytest.fixture(scope="session")
def server(database_url: str, engine: Engine) -> Iterator[str]:
    """The real app under uvicorn on a loopback port, talking to the test database."""
    port = free_port()
    env = {**os.environ, "SPACEMAP_DATABASE_URL": database_url}
    proc = subprocess.Popen(
        [str(BIN / "spacemap"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError(
            f"server did not start: {proc.stdout.read().decode() if proc.stdout else ''}"
        )
    yield base
    proc.terminate()
    proc.wait(timeout=10)
