"""Who may use spacemap: users with one role each, and the bearer tokens they log in with."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from spacemap.models.base import Base
from spacemap.vocab import ROLES, sql_in

CREDIT_CODE_SHAPE = "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"


class User(Base):
    """A person or a company account. Never deleted (the audit log names them): deactivated.

    A company account may apply only when ``confirmed_at`` is set: at once when an administrator
    makes it, after an administrator's confirmation when the company registered itself."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN ({sql_in(ROLES)})", name="role"),
        CheckConstraint("username ~ '^[a-z0-9][a-z0-9_.-]{2,63}$'", name="username_format"),
        CheckConstraint("role <> 'company' OR company_name IS NOT NULL", name="company_named"),
        CheckConstraint(f"credit_code ~ '{CREDIT_CODE_SHAPE}'", name="credit_code_format"),
        CheckConstraint(
            "role <> 'company' OR confirmed_at IS NOT NULL "
            "OR (credit_code IS NOT NULL AND contact_name IS NOT NULL)",
            name="unconfirmed_company_identified",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    company_name: Mapped[str | None] = mapped_column(String(128))
    password_hash: Mapped[str] = mapped_column(Text, nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    # A company that registered itself (migration 0007_company): its unified social credit code
    # and a contact; it may apply once an administrator has confirmed it.
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    contact_name: Mapped[str | None] = mapped_column(String(64))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))


class ApiToken(Base):
    """A bearer token. Only its SHA-256 is stored: a leaked table logs nobody in."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
