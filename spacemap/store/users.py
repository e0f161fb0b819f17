"""SQL for ``users`` and ``api_tokens``."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from spacemap.auth import hash_password, new_token, token_digest, verify_password
from spacemap.models import ApiToken, User

TOKEN_LIFETIME = dt.timedelta(hours=12)

# Verified against when the username is unknown, so a login takes as long either way.
_DUMMY_HASH = hash_password("not-a-real-password-0")


def add_user(
    session: Session, username: str, role: str, password: str, company_name: str | None = None
) -> User:
    user = User(
        username=username,
        role=role,
        company_name=company_name,
        password_hash=hash_password(password),
        is_active=True,
    )
    session.add(user)
    session.flush()
    return user


def by_username(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).first()


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.id)))


def set_active(session: Session, user: User, active: bool) -> None:
    user.is_active = active
    if not active:
        session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=func.now())
        )
    session.flush()


def check_password(password_hash: str | None, password: str) -> bool:
    """Argon2 verification; an unknown user costs the same (no telling who exists)."""
    if password_hash is None:
        verify_password(_DUMMY_HASH, password)
        return False
    return verify_password(password_hash, password)


def issue_token_for(session: Session, user_id: int) -> tuple[str, dt.datetime]:
    token = new_token()
    expires = dt.datetime.now(dt.UTC) + TOKEN_LIFETIME
    session.add(ApiToken(user_id=user_id, token_sha256=token_digest(token), expires_at=expires))
    session.flush()
    return token, expires


def user_for_token(session: Session, token: str) -> User | None:
    return session.scalars(
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(
            ApiToken.token_sha256 == token_digest(token),
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > func.now(),
            User.is_active,
        )
    ).first()


def revoke_token(session: Session, token: str) -> None:
    session.execute(
        update(ApiToken)
        .where(ApiToken.token_sha256 == token_digest(token))
        .values(revoked_at=func.now())
    )
