"""Credentials: Argon2id password hashes (argon2-cffi) and random bearer tokens.

Tokens are 256 random bits from ``secrets``; only their SHA-256 is stored. A fast digest is right
for high-entropy tokens (nothing to brute-force); slow hashing is for passwords, which people pick.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from spacemap.i18n import LocalizedError, Msg, _

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
# User names, as the database's CHECK (migration 0003) and every edge (API, CLI) accept them.
USERNAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{2,63}$"
USERNAME_RULE = _(
    "3 to 64 characters: lower-case letters, digits, '.', '_' or '-', "
    "starting with a letter or a digit"
)


class WeakPassword(LocalizedError, ValueError):
    """A password the rules refuse, with why."""


def username_problem(username: str) -> Msg | None:
    """Why ``username`` cannot be a user name, or None if it can."""
    if re.fullmatch(USERNAME_PATTERN, username):
        return None
    return _("the user name '%(name)s' is not allowed: %(rule)s", name=username, rule=USERNAME_RULE)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(
            _("the password must have at least %(n)d characters", n=MIN_PASSWORD_LENGTH)
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(
            _("the password must have at most %(n)d characters", n=MAX_PASSWORD_LENGTH)
        )


def hash_password(password: str) -> str:
    check_password_strength(password)
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
