"""Signing in, defended: bounded password hashing, throttles by account and by address, audit.

Each password check costs 64 MiB and tens of milliseconds of Argon2 — the point, against offline
guessing, and a lever for anyone flooding the sign-in form. So:

- at most ``HASH_SLOTS`` checks run at once in a process (a semaphore); a request that cannot get
  a slot within ``SLOT_WAIT_S`` is told to come back, instead of queueing memory and threads,
  and no database connection is held while a password is hashed;
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
from spacemap.store import audit, users
from spacemap.store.audit import Actor

HASH_SLOTS = 2
SLOT_WAIT_S = 0.5  # no slot this soon: answer "busy, retry" and free the thread
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


@dataclass(frozen=True)
class SignedIn:
    user_id: int
    username: str
    role: str
    token: str
    expires: dt.datetime


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


def sign_in(username: str, password: str, client: Client) -> SignedIn | None:
    """A new token if the password is right and no throttle applies; None if it is wrong.

    No database connection is held while the password is hashed: three short transactions
    (check and look up; then either record the failure, or record the sign-in and issue the
    token), so a flood of slow checks cannot starve the connection pool for everyone else."""

    def look_up(session: Session) -> tuple[int, str, str, bool] | None:
        _check_throttle(session, username, client)
        user = users.by_username(session, username)
        return None if user is None else (user.id, user.password_hash, user.role, user.is_active)

    found = transaction(look_up)
    if not _slots.acquire(timeout=SLOT_WAIT_S):
        raise Throttled(1, "load")
    try:
        ok = users.check_password(found[1] if found else None, password)
    finally:
        _slots.release()
    if not ok or found is None or not found[3]:
        transaction(lambda session: _record_failure(session, username, client))
        return None
    user_id, _hash, role, _active = found

    def issue(session: Session) -> SignedIn:
        actor = Actor(id=user_id, username=username, role=role)
        audit.record(session, actor, "user", username, "sign_in", after={"client": client.address})
        token, expires = users.issue_token_for(session, user_id)
        return SignedIn(user_id, username, role, token, expires)

    return transaction(issue)


def _record_failure(session: Session, username: str, client: Client) -> None:
    actor = Actor(id=None, username=username[:64] or "?", role="anonymous")
    audit.record(session, actor, "user", username[:64], "sign_in_failed",
                 after={"client": client.address})  # fmt: skip


def sign_out(session: Session, user: Actor, token: str, client: Client) -> None:
    users.revoke_token(session, token)
    actor = Actor(id=user.id, username=user.username, role=user.role)
    audit.record(session, actor, "user", user.username, "sign_out",
                 after={"client": client.address})  # fmt: skip
