"""Credentials: Argon2id password hashes (argon2-cffi) and random bearer tokens.

Tokens are 256 random bits from ``secrets``; only their SHA-256 is stored. A fast digest is right
for high-entropy tokens (nothing to brute-force); slow hashing is for passwords, which people pick.
"""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 10


class WeakPassword(ValueError):
    pass


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(
            f"password must have at least {MIN_PASSWORD_LENGTH} characters / "
            f"密码至少 {MIN_PASSWORD_LENGTH} 位"
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
