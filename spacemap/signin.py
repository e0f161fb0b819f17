"""Signing in, defended: bounded password hashing, throttles by account and by address, audit.

Each password check costs 64 MiB and tens of milliseconds of Argon2 — the point, against offline
guessing, and a lever for anyone flooding the sign-in form. So:

- at most ``HASH_SLOTS`` checks run at once in a process (a semaphore); a request that cannot get
  a slot within ``SLOT_WAIT_S`` is told to come back, instead of queueing memory and threads;
- recent failures are counted in the database (shared by every API process): more than
  ``ACCOUNT_LIMIT`` for an account, or ``ADDRESS_LIMIT`` from one client address, within
  ``WINDOW`` and further tries are refused (``Throttled``, HTTP 429 with Retry-After) without
  hashing anything — also the right password, until the window passes;
- every sign-in, failed sign-in and sign-out is in the audit log, with the client's address.
  Failures are written in a transaction of their own, so refusing the request does not undo them.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from spacemap.database import transaction
from spacemap.models import User
from spacemap.store import audit, users
from spacemap.store.audit import Actor

HASH_SLOTS = 2
SLOT_WAIT_S = 3.0
WINDOW = dt.timedelta(minutes=15)
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20

_slots = threading.BoundedSemaphore(HASH_SLOTS)


class Throttled(Exception):
    """Too many recent failures (or too many checks at once): try again after ``retry_after_s``."""

    def __init__(self, retry_after_s: int, by: str) -> None:
        super().__init__(f"sign-in throttled by {by}; retry after {retry_after_s} s")
        self.retry_after_s, self.by = retry_after_s, by


@dataclass(frozen=True)
class Client:
    """Who is knocking: the address the request came from (the proxy's, unless configured)."""

    address: str


RECENT_FAILURES = """
SELECT count(*) FILTER (WHERE entity_id = :username) AS by_account,
       count(*) FILTER (WHERE after ->> 'client' = :client) AS by_address,
       min(at) FILTER (WHERE entity_id = :username) AS first_account,
       min(at) FILTER (WHERE after ->> 'client' = :client) AS first_address,
       now() AS now
FROM audit_log
WHERE action = 'sign_in_failed' AND at > now() - make_interval(secs => :window)
"""


def _check_throttle(session: Session, username: str, client: Client) -> None:
    row = session.execute(
        text(RECENT_FAILURES),
        {"username": username, "client": client.address, "window": WINDOW.total_seconds()},
    ).one()
    for count, limit, first, by in (
        (row.by_account, ACCOUNT_LIMIT, row.first_account, "account"),
        (row.by_address, ADDRESS_LIMIT, row.first_address, "address"),
    ):
        if count >= limit:
            wait = (first + WINDOW - row.now).total_seconds()
            raise Throttled(max(1, math.ceil(wait)), by)


def _record_failure(username: str, client: Client) -> None:
    def write(session: Session) -> None:
        actor = Actor(id=None, username=username[:64] or "?", role="anonymous")
        audit.record(session, actor, "user", username[:64], "sign_in_failed",
                     after={"client": client.address})  # fmt: skip

    transaction(write)


def sign_in(session: Session, username: str, password: str, client: Client) -> User | None:
    """The user, if the password is right and no throttle applies; None if it is wrong."""
    _check_throttle(session, username, client)
    if not _slots.acquire(timeout=SLOT_WAIT_S):
        raise Throttled(int(SLOT_WAIT_S), "load")
    try:
        user = users.authenticate(session, username, password)
    finally:
        _slots.release()
    if user is None:
        _record_failure(username, client)
        return None
    actor = Actor(id=user.id, username=user.username, role=user.role)
    audit.record(session, actor, "user", user.username, "sign_in", after={"client": client.address})
    return user


def sign_out(session: Session, user: User | Actor, token: str, client: Client) -> None:
    users.revoke_token(session, token)
    actor = Actor(id=user.id, username=user.username, role=user.role)
    audit.record(session, actor, "user", user.username, "sign_out",
                 after={"client": client.address})  # fmt: skip
