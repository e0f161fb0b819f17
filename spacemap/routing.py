"""Where a read goes: the standby, unless that would mislead or fail.

Read-only requests (maps, features, searches, statistics) read from
``SPACEMAP_READ_DATABASE_URL``, a hot standby, in one REPEATABLE READ READ ONLY transaction, so
the data version an ETag or a cache key is made from and the data it labels come from one
snapshot of one server. Three exceptions, each for a reason a person would notice:

- **Read your writes.** A request that wrote is answered with the primary's WAL position in the
  ``spacemap_lsn`` cookie (``api.consistency``); the writer's next reads go to the primary until
  the standby has replayed that far. Whoever approved a unit never sees it still free; everyone
  else sees it at most a replication delay late. Decisions never rely on this: they re-read
  under lock on the primary (``matching.applications``).
- **Standby down.** Reads fall back to the primary; the standby is tried again after
  ``STANDBY_RETRY_S`` (one failed attempt per process per interval, not one per request).
- **Primary down.** Reads carry on from the standby (a writer's cookie cannot be honoured then:
  stale beats down); writes fail fast with ``Unavailable`` → 503 with ``Retry-After``.

With no standby configured everything is the primary and none of this costs anything.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TypeVar

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from spacemap.config import get_settings
from spacemap.database import get_engine, get_read_engine, owned, session_scope

log = logging.getLogger("spacemap.routing")

LSN_COOKIE = "spacemap_lsn"
LSN_COOKIE_MAX_AGE_S = 600  # by then any standby worth reading from has caught up
STANDBY_RETRY_S = 5.0
T = TypeVar("T")

# connection_exception (08…: refused, lost, pgbouncer's "cannot connect"), operator_intervention
# (57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now).
_UNREACHABLE = ("08", "57P")


class Unavailable(Exception):
    """The database needed cannot be reached: nothing was done; try again shortly."""

    retry_after_s = 5


def unreachable(exc: BaseException) -> bool:
    """Whether a database error means 'the server cannot be reached' rather than 'wrong'."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    state = getattr(exc.orig, "sqlstate", None)
    if state is None:
        return isinstance(exc, OperationalError)
    return str(state).startswith(_UNREACHABLE)


def has_standby() -> bool:
    settings = get_settings()
    return settings.read_url() != settings.url()


class _Breaker:
    """Remembers, per process, that the standby failed, so requests skip it for a while."""

    def __init__(self) -> None:
        self._until = 0.0
        self._lock = threading.Lock()

    def open(self) -> bool:
        with self._lock:
            return time.monotonic() < self._until

    def trip(self) -> None:
        with self._lock:
            self._until = time.monotonic() + STANDBY_RETRY_S

    def reset(self) -> None:
        with self._lock:
            self._until = 0.0


standby_breaker = _Breaker()


@lru_cache(maxsize=8)
def snapshot(engine: Engine) -> Engine:
    """The same pool, each transaction one read-only snapshot (REPEATABLE READ READ ONLY)."""
    return engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)


def _open(engine: Engine, probe: str = "SELECT pg_last_wal_replay_lsn()::text") -> tuple:
    """A session on ``engine`` whose first statement has answered (so a server that is down
    fails here, where another can still be chosen), and that answer."""
    session = Session(bind=snapshot(engine), expire_on_commit=False)
    try:
        row = session.execute(text(probe)).one()
    except BaseException:
        session.close()
        raise
    return session, row


def _lsn_value(lsn: str) -> int:
    high, low = lsn.split("/")
    return (int(high, 16) << 32) + int(low, 16)


def _valid_lsn(value: str | None) -> str | None:
    """The cookie as a pg_lsn literal ('16/B374D848'), or None if it is anything else."""
    if not value or len(value) > 17 or value.count("/") != 1:
        return None
    high, low = value.split("/")
    hexdigits = set("0123456789ABCDEFabcdef")
    return value if high and low and set(high + low) <= hexdigits else None


def caught_up(replayed: str | None, lsn: str) -> bool:
    """Whether a server that has replayed up to ``replayed`` (None: a primary) shows ``lsn``."""
    return replayed is None or _lsn_value(replayed) >= _lsn_value(lsn)


def _choose(after_lsn: str | None) -> Session:
    """The session a read runs in (see the module's docstring for the order)."""
    primary, standby = get_engine(), get_read_engine()
    lsn = _valid_lsn(after_lsn)
    if not standby_breaker.open():
        try:
            session, (replayed,) = _open(standby)
        except DBAPIError as exc:
            if not unreachable(exc):
                raise
            log.warning("standby unreachable, reading from the primary: %s", exc.orig)
            standby_breaker.trip()
        else:
            if lsn is None:
                return session
            if caught_up(replayed, lsn):
                # A new snapshot, taken now that the writer's commit has been replayed.
                session.rollback()
                return session
            session.close()
            try:
                return _open(primary, "SELECT 1")[0]
            except DBAPIError as exc:
                if not unreachable(exc):
                    raise
                return _open(standby, "SELECT 1")[0]  # primary down: stale beats down
    try:
        return _open(primary, "SELECT 1")[0]
    except DBAPIError as exc:
        if not unreachable(exc):
            raise
        raise Unavailable() from exc


@contextmanager
def read_scope(after_lsn: str | None = None) -> Iterator[Session]:
    """A read-only snapshot for one request: the standby's, or the primary's when it must be.

    ``after_lsn``: the reader's last write (the ``spacemap_lsn`` cookie), if any."""
    if not has_standby():
        with session_scope(snapshot(get_engine())) as session:
            yield session
        return
    with owned(_choose(after_lsn)) as session:
        yield session


def with_standby_fallback(session: Session, work: Callable[[Session], T]) -> T:
    """A read that belongs on the primary (who is signed in: a revoked token counts at once),
    answered by the standby while the primary cannot be reached, so reads keep working."""
    try:
        found = work(session)
    except DBAPIError as exc:
        if not (unreachable(exc) and has_standby()):
            raise
        session.rollback()
        with read_scope() as fallback:
            return work(fallback)
    session.commit()  # the lookup is done: its pooled connection goes back at once
    return found


def primary_lsn() -> str | None:
    """The primary's WAL insert position now (at or past every commit made so far); None when
    there is no standby to compare it with."""
    if not has_standby():
        return None
    with get_engine().connect() as conn:
        return str(conn.execute(text("SELECT pg_current_wal_insert_lsn()")).scalar_one())
