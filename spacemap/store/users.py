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
    """An account an administrator (or the CLI) makes: a company one is confirmed at once."""
    user = User(
        username=username,
        role=role,
        company_name=company_name,
        password_hash=hash_password(password),
        is_active=True,
        confirmed_at=func.now() if role == "company" else None,
    )
    session.add(user)
    session.flush()
    return user


def register_company(
    session: Session,
    username: str,
    password_hash: str,
    company_name: str,
    credit_code: str,
    contact_name: str,
    contact_phone: str | None,
    contact_email: str | None,
) -> User:
    """A company account the company made itself: it may search at once, apply once confirmed.
    The password is hashed by the caller, before any row is locked or connection held."""
    user = User(
        username=username,
        role="company",
        company_name=company_name,
        password_hash=password_hash,
        is_active=True,
        credit_code=credit_code,
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_email=contact_email,
    )
    session.add(user)
    session.flush()
    return user


def by_credit_code(session: Session, credit_code: str) -> User | None:
    return session.scalars(select(User).where(User.credit_code == credit_code)).first()


def by_id(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def registrations(session: Session, pending_only: bool = True) -> list[User]:
    """Self-registered company accounts, oldest first; by default those still waiting (active,
    not yet confirmed)."""
    query = select(User).where(User.role == "company", User.credit_code.is_not(None))
    if pending_only:
        query = query.where(User.confirmed_at.is_(None), User.is_active)
    return list(session.scalars(query.order_by(User.created_at, User.id)))


def confirm(session: Session, user: User, confirmed_by: int | None) -> None:
    user.confirmed_at = dt.datetime.now(dt.UTC)
    user.confirmed_by = confirmed_by
    session.flush()


def may_apply(session: Session, user_id: int) -> bool:
    """Whether this account may file applications: an active, confirmed company."""
    return bool(
        session.scalar(
            select(User.id).where(
                User.id == user_id,
                User.role == "company",
                User.is_active,
                User.confirmed_at.is_not(None),
            )
        )
    )


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
