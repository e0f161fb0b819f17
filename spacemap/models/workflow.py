"""The science bureau's workflow: applications, allocation proposals, the audit log.

The invariants live here as constraints: one open application per company and unit (a partial
unique index), a positive requested area, a closed set of statuses. The audit log is append-only:
a trigger (migration 0003) refuses UPDATE, DELETE and TRUNCATE.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from spacemap.models.base import Base, finite
from spacemap.vocab import (
    APPLICATION_STATUSES,
    AUDIT_ACTIONS,
    AUDIT_ENTITIES,
    OPEN_STATUSES,
    sql_in,
)


class Application(Base):
    """A company asking for floor space in one unit, with the checks made when it applied."""

    __tablename__ = "applications"
    __table_args__ = (
        CheckConstraint(f"status IN ({sql_in(APPLICATION_STATUSES)})", name="status"),
        CheckConstraint("requested_m2 > 0", name="requested_positive"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score_range"),
        *finite("requested_m2", "score"),
        Index(
            "uq_applications_open_per_unit",
            "company_id",
            "unit_id",
            unique=True,
            postgresql_where=text(f"status IN ({sql_in(OPEN_STATUSES)})"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("space_units.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    # A site of several units is one application per unit, tied by the first one's id and
    # decided whole (a deferred trigger, migration 0007_match); NULL for a single unit.
    combination_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id", ondelete="RESTRICT"), index=True
    )
    company_name: Mapped[str] = mapped_column(String(128), nullable=False)
    industry_code: Mapped[str] = mapped_column(ForeignKey("industries.code"), nullable=False)
    requested_m2: Mapped[float] = mapped_column(Float, nullable=False)
    profile: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    score: Mapped[float | None] = mapped_column(Float)
    model: Mapped[str] = mapped_column(Text, nullable=False)
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False)
    checks_passed: Mapped[bool] = mapped_column(Boolean, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    message: Mapped[str | None] = mapped_column(Text)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # The version of its area's whitelist in force when it was decided (0: the plan's list).
    whitelist_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class Proposal(Base):
    """A batch allocation computed over the pending applications, accepted as a whole or not."""

    __tablename__ = "proposals"
    __table_args__ = (CheckConstraint("status IN ('open', 'accepted', 'stale')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), nullable=False
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    method: Mapped[str] = mapped_column(String(32), nullable=False)
    application_ids: Mapped[list[int]] = mapped_column(ARRAY(Integer), nullable=False)
    assignments: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False)
    result: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """One state change: who, when, what it was before and after, and why. Append-only."""

    __tablename__ = "audit_log"
    __table_args__ = (
        CheckConstraint(f"entity IN ({sql_in(AUDIT_ENTITIES)})", name="entity"),
        CheckConstraint(f"action IN ({sql_in(AUDIT_ACTIONS)})", name="action"),  # 0014
        Index("ix_audit_log_action_at", "action", "at"),  # the sign-in throttle's count
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.clock_timestamp()
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    actor: Mapped[str] = mapped_column(String(64), nullable=False)
    actor_role: Mapped[str] = mapped_column(String(16), nullable=False)
    entity: Mapped[str] = mapped_column(String(16), nullable=False)
    entity_id: Mapped[str] = mapped_column(String(64), nullable=False)
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id", ondelete="RESTRICT"), index=True
    )
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("space_units.id", ondelete="RESTRICT"), index=True
    )
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    reason: Mapped[str | None] = mapped_column(Text)


class DataVersion(Base):
    """A table's compacted version: with its rows in ``data_changes``, the number of committed
    write statements (migration 0006_lead). ETags and cached counts key on it, so a change
    anywhere invalidates them without a scan; writers never lock it (see ``DataChange``).
    """

    __tablename__ = "data_versions"

    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class DataChange(Base):
    """One write statement on a versioned table, appended by a statement trigger.

    Appending never waits on another writer (the old per-table counter row did, and deadlocked
    writers that touched tables in different orders); writers now and then fold old rows into
    ``DataVersion`` without waiting for it (``SKIP LOCKED``)."""

    __tablename__ = "data_changes"
    __table_args__ = (Index("ix_data_changes_table_id", "table_name", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    table_name: Mapped[str] = mapped_column(String(64), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class WhitelistChange(Base):
    """The bureau's amendment of an area's 正面清单: one sector added or removed, with its reason,
    citation and effective date. The plan's list (``AreaWhitelist``) plus the changes in force
    is the list in force (``spacemap_whitelist``, migration 0009_lead)."""

    __tablename__ = "whitelist_changes"
    __table_args__ = (
        CheckConstraint("action IN ('add', 'remove')", name="action"),
        CheckConstraint("length(btrim(reason)) > 0", name="reason_given"),
        CheckConstraint("length(btrim(citation)) > 0", name="citation_given"),
        Index("ix_whitelist_changes_lookup", "area_id", "industry_code", "effective_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(
        ForeignKey("areas.id", ondelete="RESTRICT"), nullable=False
    )
    industry_code: Mapped[str] = mapped_column(ForeignKey("industries.code"), nullable=False)
    action: Mapped[str] = mapped_column(String(8), nullable=False)
    is_lead: Mapped[bool] = mapped_column(Boolean, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    citation: Mapped[str] = mapped_column(Text, nullable=False)
    effective_from: Mapped[dt.date] = mapped_column(Date, nullable=False)
    created_by: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), nullable=False
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
