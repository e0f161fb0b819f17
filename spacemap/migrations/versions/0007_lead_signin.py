"""an index for counting recent failed sign-ins

The sign-in throttle (``spacemap.signin``) counts the last quarter hour's ``sign_in_failed``
entries of the audit log by account and by client address on every sign-in; this index keeps that
a short range scan however long the log grows.

Revision ID: 0007_lead
Revises: 0006_lead
"""

from __future__ import annotations

from alembic import op

revision = "0007_lead"
down_revision = "0006_lead"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_log_action_at", "audit_log", ["action", "at"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_action_at", table_name="audit_log")
