"""the audit log's actions are a closed vocabulary, in the database too

Every action spacemap writes has a name in both languages (``spacemap.vocab.AUDIT_ACTIONS``); a
writer with a typo or a new action nobody named would otherwise land rows the bureau's pages can
only show as codes. The CHECK is added NOT VALID: the log is append-only and may hold rows of
older versions, which it must keep as they are; every new row is checked.

Revision ID: 0014_audit
Revises: 0013_match
"""

from __future__ import annotations

from alembic import op

revision = "0014_audit"
down_revision = "0013_match"
branch_labels = None
depends_on = None

ACTIONS = (
    "submit", "approve", "reject", "request_info", "respond", "withdraw", "allocate", "release",
    "reconcile", "propose", "whitelist_add", "whitelist_remove", "whitelist_changed", "create",
    "activate", "deactivate", "import", "sign_in", "sign_in_failed", "sign_out", "accept",
    "register", "confirm", "decline", "load",
)  # fmt: skip


def upgrade() -> None:
    listed = ", ".join(f"'{a}'" for a in ACTIONS)
    op.execute(
        f"ALTER TABLE audit_log ADD CONSTRAINT action CHECK (action IN ({listed})) NOT VALID"
    )


def downgrade() -> None:
    op.drop_constraint("action", "audit_log", type_="check")
