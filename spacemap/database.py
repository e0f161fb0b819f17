"""Engines, sessions and database-level housekeeping (create/drop, extensions, versions)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TypeVar

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from spacemap.config import get_settings

# PostgreSQL's JIT compiles any query whose *estimated* cost is high; for our short spatial
# queries that costs ~1 s per query and saves nothing, so sessions run with it off. Parallel
# workers likewise: starting one cost ~40 ms here, more than the scans they would split (the
# peer query went from 68 ms to under 10 ms without them).
CONNECT_ARGS = {"options": "-c jit=off -c max_parallel_workers_per_gather=0"}

# --- scale (docs/SCALING.md): fail fast when a server is down; pgbouncer's transaction mode --
# A server that cannot be reached answers within seconds (a 503, or the standby's fallback),
# never a hung request. Behind pgbouncer in transaction mode a connection is ours for one
# transaction only: no prepared statements (psycopg prepares after 5 runs of a query) and no
# startup options (pgbouncer refuses them; the servers set jit/parallelism themselves).
CONNECT_TIMEOUT_S = 3


def connect_args() -> dict[str, object]:
    if get_settings().pooler == "pgbouncer":
        return {"connect_timeout": CONNECT_TIMEOUT_S, "prepare_threshold": None}
    return {**CONNECT_ARGS, "connect_timeout": CONNECT_TIMEOUT_S}


# As many connections as the server has request threads (AnyIO's default pool: 40), so a busy
# process queues at its thread pool, not inside the connection pool.
POOL_SIZE, POOL_OVERFLOW = 10, 30


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return create_engine(url, pool_pre_ping=True, future=True, connect_args=connect_args(),
                         pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)  # fmt: skip


def get_engine() -> Engine:
    return engine_for(get_settings().url())


def get_read_engine() -> Engine:
    """The replica for read-only requests (the primary when none is configured)."""
    return engine_for(get_settings().read_url())


@contextmanager
def owned(session: Session) -> Iterator[Session]:
    """``session`` as one transaction: committed on success, rolled back on any error, closed
    either way."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One transaction: commit on success, roll back everything on any error."""
    factory = sessionmaker(bind=engine or get_engine(), expire_on_commit=False)
    with owned(factory()) as session:
        yield session


T = TypeVar("T")

# serialization_failure, deadlock_detected, lock_not_available: another writer won; try again.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
ATTEMPTS = 4


class Busy(Exception):
    """The database kept refusing for contention after every retry: try again shortly."""

    retry_after_s = 2


def contention(exc: BaseException) -> bool:
    """Whether an error means 'another transaction got there first' rather than 'wrong'."""
    orig = getattr(exc, "orig", None)
    return isinstance(exc, DBAPIError) and getattr(orig, "sqlstate", None) in RETRYABLE_SQLSTATES


def transaction(
    work: Callable[[Session], T], engine: Engine | None = None, session: Session | None = None
) -> T:
    """Run ``work`` in one transaction, again (up to ``ATTEMPTS`` times, with jittered backoff)
    if it loses a deadlock or a serialization conflict; ``Busy`` if it never gets through.

    Every state change goes through here, so a lost race costs a retry, not an error page. Given
    the request's own ``session``, it ends that session's reading transaction and runs the work
    on it (committing each attempt), so a request never holds two pooled connections at once."""
    if session is not None:
        session.commit()
    for attempt in range(1, ATTEMPTS + 1):
        try:
            if session is None:
                with session_scope(engine) as own:
                    return work(own)
            result = work(session)
            session.commit()
            return result
        except DBAPIError as exc:
            if session is not None:
                session.rollback()
            if not contention(exc):
                raise
            if attempt == ATTEMPTS:
                raise Busy() from exc
            time.sleep(random.uniform(0.01, 0.05) * 2**attempt)
        except BaseException:
            if session is not None:
                session.rollback()
            raise
    raise AssertionError("unreachable")


def request_session() -> Iterator[Session]:
    """One transaction per web request (a FastAPI dependency in api and web alike)."""
    with session_scope(get_engine()) as session:
        yield session


def read_request_session() -> Iterator[Session]:
    """Like ``request_session`` on the read replica (SPACEMAP_READ_DATABASE_URL), if any."""
    with session_scope(get_read_engine()) as session:
        yield session


# Answers that mean "you will never get in by waiting" (psycopg reports connection failures
# without a SQLSTATE, so the server's words are what there is to go by).
_REFUSALS = ("password authentication failed", "no password supplied", "does not exist",
             "no pg_hba.conf entry", "permission denied", "SSL")  # fmt: skip


def wait_for_database(
    url: str,
    timeout_s: float = 60.0,
    on_retry: Callable[[int, float, str], None] | None = None,
    first_delay_s: float = 0.5,
    max_delay_s: float = 8.0,
) -> None:
    """Return once the server behind ``url`` answers, retrying with exponential backoff.

    A container's app can start before its database has finished initialising; a wrong password
    or a missing database is not "not yet" and is raised at once (a missing database counts as
    an answer: `spacemap db up` creates it)."""
    from sqlalchemy import pool
    from sqlalchemy.exc import OperationalError

    engine = create_engine(url, poolclass=pool.NullPool, connect_args={"connect_timeout": 5})
    deadline = time.monotonic() + timeout_s
    delay, attempt = first_delay_s, 1
    try:
        while True:
            try:
                with engine.connect():
                    return
            except OperationalError as exc:
                said = str(exc.orig)
                if 'database "' in said and "does not exist" in said:
                    return  # the server answered: that database is not made yet
                if any(r in said for r in _REFUSALS) or time.monotonic() + delay > deadline:
                    raise
                lines = said.strip().splitlines()
                if on_retry is not None:
                    on_retry(attempt, delay, lines[-1] if lines else type(exc.orig).__name__)
                time.sleep(delay)
                delay, attempt = min(delay * 2, max_delay_s), attempt + 1
    finally:
        engine.dispose()


def _admin_engine(url: str) -> Engine:
    """An autocommit connection to the server's maintenance database."""
    return create_engine(
        make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT", future=True
    )


def database_exists(url: str) -> bool:
    name = make_url(url).database
    with _admin_engine(url).connect() as conn:
        found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        return found.scalar() is not None


def create_database(url: str) -> None:
    """Create the database named in ``url`` (if missing) with PostGIS enabled.

    Copied from template1 when that is UTF-8 (the embedded cluster's has PostGIS installed, so a
    role that is not a superuser can create a database with it), else from template0."""
    name = make_url(url).database
    if not database_exists(url):
        with _admin_engine(url).connect() as conn:
            utf8 = conn.execute(
                text("SELECT pg_encoding_to_char(encoding) = 'UTF8' FROM pg_database "
                     "WHERE datname = 'template1'")
            ).scalar()  # fmt: skip
            template = "template1" if utf8 else "template0"
            conn.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE {template}"))
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    engine.dispose()


# Tables whose rows are history: the application may add rows, never change or remove them.
APPEND_ONLY = ("audit_log", "dataset_loads")


def grant_to_app(owner_url: str, app_role: str) -> None:
    """What the application role may do in the owner's database: read and write rows, use the
    sequences, and nothing more — no DDL, no TRUNCATE, and only INSERT and SELECT on history.

    Default privileges give tables a later migration creates the same grants; the exceptions
    are re-applied after every migration (``spacemap.migrate.upgrade``)."""
    role = f'"{app_role}"'
    engine = create_engine(owner_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        database = conn.execute(text("SELECT current_database()")).scalar_one()
        conn.execute(text(f'GRANT CONNECT, TEMPORARY ON DATABASE "{database}" TO {role}'))
        conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
        conn.execute(text(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}"
        ))  # fmt: skip
        conn.execute(text(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}"
        ))  # fmt: skip
        owned = conn.execute(text(
            "SELECT c.relname, c.relkind FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S') "
            "AND pg_get_userbyid(c.relowner) = current_user"
        )).all()  # fmt: skip
        for name, kind in owned:
            if kind == "S":
                conn.execute(text(f'GRANT USAGE, SELECT ON SEQUENCE "{name}" TO {role}'))
                continue
            conn.execute(text(f'REVOKE ALL ON TABLE "{name}" FROM {role}'))
            if name in APPEND_ONLY:
                grant = "SELECT, INSERT"
            elif name == "alembic_version" or kind in ("v", "m"):
                grant = "SELECT"
            else:
                grant = "SELECT, INSERT, UPDATE, DELETE"
            conn.execute(text(f'GRANT {grant} ON TABLE "{name}" TO {role}'))
    engine.dispose()


def drop_database(url: str) -> None:
    name = make_url(url).database
    engine_for.cache_clear()
    with _admin_engine(url).connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def server_versions(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        pg = conn.execute(text("SHOW server_version")).scalar_one()
        postgis = conn.execute(text("SELECT postgis_full_version()")).scalar_one()
    return {"postgresql": str(pg), "postgis": str(postgis).split('"')[1]}
